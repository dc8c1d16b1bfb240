/*
 * The central side's check of a push: git's pre-receive hook gets a
 * line "<old> <new> <ref>" per ref, with the pushed objects in its
 * quarantine.  Each ref under refs/audit/ is verified from the head the
 * repository holds (verified when it was pushed) to the new one, with
 * the central signer policy: O(pushed records).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "checkpoint.h"
#include "store.h"
#include "text.h"
#include "trust.h"
#include "verify.h"
#include "banned.h"

/* The central policy: annal/allowed_signers, annal.receive.requireSigned. */
struct policy {
	annal_buf signers;	/* the file's path, empty when there is none */
	int require_signed;
};

static int policy_read(struct policy *p, annal_repo *repo)
{
	git_config *cfg = NULL;
	struct stat st;
	int value, error = 0;

	annal_buf_printf(&p->signers, "%sannal/allowed_signers", repo->path);
	if ((error = annal_buf_error(&p->signers)) < 0)
		return error;
	if (stat(p->signers.ptr, &st) < 0) {
		if (errno != ENOENT)
			return annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", p->signers.ptr,
					       strerror(errno));
		annal_buf_clear(&p->signers);
	}
	p->require_signed = p->signers.len > 0;
	if (git_repository_config_snapshot(&cfg, repo->git) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot read the repository configuration");
	if (git_config_get_bool(&value, cfg, "annal.receive.requireSigned") == 0)
		p->require_signed = value;
	git_config_free(cfg);
	return error;
}

static int state_path(annal_buf *out, annal_repo *repo, const char *log)
{
	annal_buf_clear(out);
	annal_buf_printf(out, "%sannal/verified/%s", repo->path, log);
	return annal_buf_error(out);
}

/* annal/verified/<log>: the state at the head the last accepted push left */
static int state_load(annal_verify_states **out, annal_repo *repo, const char *log)
{
	annal_buf path = ANNAL_BUF_INIT;
	int error;

	*out = NULL;
	if ((error = state_path(&path, repo, log)) == 0)
		error = annal_verify_states_read(out, path.ptr);
	if (error == ANNAL_EINVALID) {
		/* derived state: verify from the first record instead */
		annal_error_clear();
		error = 0;
	}
	annal_buf_dispose(&path);
	return error;
}

static int state_save(annal_repo *repo, annal_verify_states *one, const char *log)
{
	annal_buf path = ANNAL_BUF_INIT;
	int error;

	if ((error = state_path(&path, repo, log)) == 0 &&
	    (error = store_mkdir_parents(&path, strlen(repo->path))) == 0 &&
	    (error = annal_verify_states_write(one, path.ptr)) == 0 && repo->shared &&
	    chmod(path.ptr, store_file_mode(repo, 0644)) < 0)
		/* every user of a shared repository runs the hook */
		error = annal_error_set(ANNAL_ERROR, "cannot set the mode of '%s': %s", path.ptr,
					strerror(errno));
	annal_buf_dispose(&path);
	return error;
}

static int refused(annal_verify_result *r, const char *check, const char *fmt, ...)
	ANNAL_PRINTF(3, 4);
static int refused(annal_verify_result *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->check = check;
	va_start(ap, fmt);
	text_vformat(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return 0;
}

struct pushed {
	const char **logs;	/* the logs the push updates */
	git_oid *heads;		/* their new heads */
	size_t *line;		/* their lines of the input */
	size_t n;
};

/* One ref of the push; its state, when it passed, in *next. */
static int check_ref(annal_receive_result *res, annal_repo *repo, const struct policy *p,
		     const git_oid *old, const git_oid *new, const char *ref,
		     const struct pushed *push, annal_verify_states **next)
{
	annal_verify_result *r = &res->result;
	const char *log = ref + strlen(ANNAL_REF_PREFIX), *host_end;
	annal_verify_states *known = NULL;
	struct verify_pins pins = { NULL, NULL, NULL, 0, push->logs, push->heads, push->n,
				     NULL };
	struct vstate out;
	char host[256];
	int error = 0;

	memset(&out, 0, sizeof(out));
	r->ok = 1;
	annal_text_escape(r->log, sizeof(r->log), log, strlen(log));
	if (!p->signers.len && p->require_signed)
		/* a policy whose file went missing must not open the central */
		return annal_error_set(ANNAL_ERROR,
			"annal.receive.requireSigned is true but there is no annal/allowed_signers "
			"to name the hosts' keys: restore it (annal init --central --allowed-signers "
			"<file>), or set annal.receive.requireSigned to false");
	if (git_oid_is_zero(new))
		return refused(r, "deletedRef", "%s",
			       "the push deletes the log; a central repository keeps every log");
	git_oid_tostr(r->head, sizeof(r->head), new);
	if (annal_log_name_check(log) < 0) {
		annal_error_clear();
		return refused(r, "badRef", "'%s' is not a valid log name", log);
	}
	if (p->signers.len) {
		host_end = strncmp(log, "hosts/", 6) ? NULL : strchr(log + 6, '/');
		if (!host_end || !host_end[1] || (size_t)(host_end - log - 6) >= sizeof(host))
			return refused(r, "badLayout", "%s",
				       "with a signer policy, logs go under refs/audit/hosts/<host>/, "
				       "whose keys the central allowed signers name");
		memcpy(host, log + 6, (size_t)(host_end - log - 6));
		host[host_end - log - 6] = '\0';
		pins.allowed_signers = p->signers.ptr;
		pins.principal = host;
		pins.require_signed = p->require_signed;
	}
	if ((error = state_load(&known, repo, log)) < 0)
		goto out;
	error = verify_incremental(r, repo, log, new, git_oid_is_zero(old) ? NULL : old,
				   states_get(known, log), &pins, &out);
	if (error < 0 || !r->ok)
		goto out;
	if (!(*next = calloc(1, sizeof(**next)))) {
		error = annal_error_oom();
		goto out;
	}
	error = states_put(*next, &out);
out:
	vstate_dispose(&out);
	annal_verify_states_free(known);
	return error;
}

/*
 * A log's kept checkpoints, refs/annal/checkpoints/<log>: the central's
 * copy of what the host signed, which verify reads for that log.  git
 * lets any ref outside refs/heads/ be deleted or forced back (its
 * receive.denyNonFastForwards is for branches only), so refuse that here,
 * as for the logs: the chain of checkpoints only grows.  Each new
 * checkpoint of the chain is held to the log as it will be once the push
 * lands (its new head when the push updates it too): a checkpoint the
 * central keeps is one the log's records bear out.
 */
static int check_checkpoint_ref(annal_verify_result *r, annal_repo *repo, const git_oid *old,
				const git_oid *new, const char *ref, const struct pushed *push,
				annal_verify_states *const *next)
{
	const char *log = ref + strlen(CHECKPOINT_REF_PREFIX), *check = NULL;
	annal_verify_states *known = NULL;
	const struct vstate *state = NULL;
	annal_buf logref = ANNAL_BUF_INIT;
	git_oid head;
	size_t i;
	int exists = 0, error = 0;

	r->ok = 1;
	annal_text_escape(r->log, sizeof(r->log), log, strlen(log));
	if (git_oid_is_zero(new))
		return refused(r, "deletedRef", "%s",
			       "the push deletes the log's checkpoints; a central repository keeps every checkpoint");
	git_oid_tostr(r->head, sizeof(r->head), new);
	if (git_oid_equal(old, new))
		return 0;
	if (annal_log_name_check(log) < 0) {
		annal_error_clear();
		return refused(r, "badRef", "'%s' is not a valid log name", log);
	}
	if (!git_oid_is_zero(old)) {
		error = git_graph_descendant_of(repo->git, new, old);
		if (error < 0)
			return annal_error_set_git(ANNAL_ERROR, "cannot read the pushed checkpoints");
		if (!error)
			return refused(r, "nonFastForward",
				       "the pushed checkpoints do not extend the %.12s kept; a central repository keeps every checkpoint",
				       git_oid_tostr_s(old));
	}
	/* the log's head once the push lands: the pushed one, else the ref's */
	for (i = 0; i < push->n; i++)
		if (!strcmp(push->logs[i], log)) {
			git_oid_cpy(&head, &push->heads[i]);
			exists = 1;
			if (next[push->line[i]])
				state = &next[push->line[i]]->v[0];
		}
	if (!exists && ((error = store_ref_name(&logref, log)) < 0 ||
			(error = store_head(&head, &exists, repo, logref.ptr)) < 0))
		goto out;
	if (!exists) {
		refused(r, "badCheckpoint",
			"there is no log '%s' to hold its checkpoints to; push the log with them", log);
		goto out;
	}
	if (!state) {
		/* the state the log's last accepted push left, when it is at that head */
		if ((error = state_load(&known, repo, log)) < 0)
			goto out;
		state = states_get(known, log);
		if (state && !git_oid_equal(&state->head, &head))
			state = NULL;
	}
	error = checkpoint_check_pushed(&check, repo, log, &head, new,
					git_oid_is_zero(old) ? NULL : old, state);
	if (error == ANNAL_ECORRUPT && check) {
		refused(r, check, "%s", annal_error_last()->message);
		annal_error_clear();
		error = 0;
	}
out:
	annal_verify_states_free(known);
	annal_buf_dispose(&logref);
	return error;
}

static int parse_line(git_oid *old, git_oid *new, const char **ref, char *line)
{
	if (strlen(line) < 2 * GIT_OID_HEXSZ + 3 || line[GIT_OID_HEXSZ] != ' ' ||
	    line[2 * GIT_OID_HEXSZ + 1] != ' ')
		return -1;
	line[GIT_OID_HEXSZ] = line[2 * GIT_OID_HEXSZ + 1] = '\0';
	if (strspn(line, "0123456789abcdef") != GIT_OID_HEXSZ ||
	    strspn(line + GIT_OID_HEXSZ + 1, "0123456789abcdef") != GIT_OID_HEXSZ ||
	    git_oid_fromstr(old, line) < 0 || git_oid_fromstr(new, line + GIT_OID_HEXSZ + 1) < 0)
		return -1;
	*ref = line + 2 * GIT_OID_HEXSZ + 2;
	return **ref ? 0 : -1;
}

static int read_file(annal_buf *out, const char *path)
{
	char chunk[8192];
	FILE *fp = fopen(path, "r");
	size_t n;
	int error = 0;

	if (!fp)
		return annal_error_set(ANNAL_EINVALID, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		annal_buf_put(out, chunk, n);
	if (ferror(fp))
		error = annal_error_set(ANNAL_ERROR, "cannot read '%s'", path);
	fclose(fp);
	return error < 0 ? error : annal_buf_error(out);
}


int annal_receive_check(annal_receive_result **out, size_t *count, annal_repo *repo,
			const char *path)
{
	annal_buf in = ANNAL_BUF_INIT;
	const annal_buf *std = NULL;
	const char *input;
	size_t len;
	struct policy p = { ANNAL_BUF_INIT, 0 };
	struct pushed push = { NULL, NULL, NULL, 0 };
	annal_receive_result *v = NULL;
	annal_verify_states **next = NULL;
	git_oid *olds = NULL, *news = NULL;
	const char **refs = NULL;
	char *text = NULL, *line, *end;
	size_t n = 0, lines = 0, i;
	int error = 0, all_ok = 1;

	*out = NULL;
	*count = 0;
	if (strcmp(path, "-")) {
		if ((error = read_file(&in, path)) < 0)
			return error;
		std = &in;
	} else if ((error = buf_stdin(&std)) < 0) {
		return error;
	}
	input = std->ptr ? std->ptr : "";
	len = std->len;
	if (memchr(input, '\0', len) || !(text = malloc(len + 1))) {
		annal_buf_dispose(&in);
		return memchr(input, '\0', len) ?
			annal_error_set(ANNAL_EINVALID, "the input holds a NUL byte") :
			annal_error_oom();
	}
	annal_buf_dispose(&in);
	memcpy(text, input, len);
	text[len] = '\0';
	for (line = text; *line; line++)
		lines += *line == '\n';
	lines++;
	if (!(v = calloc(lines, sizeof(*v))) || !(next = calloc(lines, sizeof(*next))) ||
	    !(olds = calloc(lines, sizeof(*olds))) || !(news = calloc(lines, sizeof(*news))) ||
	    !(refs = calloc(lines, sizeof(*refs))) ||
	    !(push.logs = calloc(lines, sizeof(*push.logs))) ||
	    !(push.heads = calloc(lines, sizeof(*push.heads))) ||
	    !(push.line = calloc(lines, sizeof(*push.line)))) {
		error = annal_error_oom();
		goto out;
	}
	/* every line first: the refs of one push see each other's new heads */
	for (line = text; *line; line = end) {
		end = line + strcspn(line, "\n");
		if (*end)
			*end++ = '\0';
		if (parse_line(&olds[n], &news[n], &refs[n], line) < 0) {
			error = annal_error_set(ANNAL_EINVALID,
				"stdin line %zu: not '<old> <new> <ref>', as git gives a pre-receive hook",
				n + 1);
			goto out;
		}
		annal_text_escape(v[n].ref, sizeof(v[n].ref), refs[n], strlen(refs[n]));
		if (!strncmp(refs[n], ANNAL_REF_PREFIX, strlen(ANNAL_REF_PREFIX)) &&
		    !git_oid_is_zero(&news[n])) {
			push.line[push.n] = n;
			push.logs[push.n] = refs[n] + strlen(ANNAL_REF_PREFIX);
			git_oid_cpy(&push.heads[push.n++], &news[n]);
		}
		n++;
	}
	if ((error = store_use_quarantine(repo)) < 0 || (error = policy_read(&p, repo)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		v[i].result.ok = 1;	/* not a log: git's own rules */
		if (strncmp(refs[i], ANNAL_REF_PREFIX, strlen(ANNAL_REF_PREFIX)))
			continue;
		v[i].audit = 1;
		if ((error = check_ref(&v[i], repo, &p, &olds[i], &news[i], refs[i], &push,
				       &next[i])) < 0)
			goto out;
		all_ok &= v[i].result.ok;
	}
	/* then the checkpoints, held to the logs as the push leaves them */
	for (i = 0; all_ok && i < n; i++) {
		if (strncmp(refs[i], CHECKPOINT_REF_PREFIX, strlen(CHECKPOINT_REF_PREFIX)))
			continue;
		v[i].audit = 1;
		if ((error = check_checkpoint_ref(&v[i].result, repo, &olds[i], &news[i], refs[i],
						  &push, next)) < 0)
			goto out;
		all_ok &= v[i].result.ok;
	}
	/* git refuses every ref when the hook fails: keep nothing then */
	for (i = 0; all_ok && i < n; i++)
		if (next[i] && (error = state_save(repo, next[i], next[i]->v[0].log)) < 0)
			goto out;
out:
	for (i = 0; next && i < n; i++)
		annal_verify_states_free(next[i]);
	free(next);
	free(olds);
	free(news);
	free(refs);
	free(push.logs);
	free(push.heads);
	free(push.line);
	annal_buf_dispose(&p.signers);
	free(text);
	if (error < 0) {
		free(v);
		return error;
	}
	*out = v;
	*count = n;
	return 0;
}

/* annal's own hook, contrib/hooks/pre-receive */
static const char hook_text[] =
#include "pre-receive-hook.h"
	;

#define HOOK_MARK "# annal's pre-receive hook"

static int install_hook(annal_repo *repo)
{
	annal_buf path = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT, old = ANNAL_BUF_INIT;
	struct stat st;
	int error = 0;

	annal_buf_printf(&path, "%shooks", repo->path);
	if ((error = annal_buf_error(&path)) < 0 || (error = store_mkdir_durable(path.ptr)) < 0)
		goto out;
	annal_buf_puts(&path, "/pre-receive");
	annal_buf_puts(&text, hook_text);
	if ((error = annal_buf_error(&path)) < 0 || (error = annal_buf_error(&text)) < 0)
		goto out;
	if (!lstat(path.ptr, &st)) {
		if (!S_ISREG(st.st_mode) || (error = read_file(&old, path.ptr)) < 0 ||
		    !old.ptr || !strstr(old.ptr, HOOK_MARK)) {
			error = annal_error_set(ANNAL_EINVALID,
				"'%s' is there and is not annal's hook: remove it, or run "
				"'annal verify --pre-receive' from it (contrib/hooks/pre-receive)",
				path.ptr);
			goto out;
		}
	}
	if ((error = store_replace_file(path.ptr, &text)) < 0)
		goto out;
	if (chmod(path.ptr, store_file_mode(repo, 0755)) < 0)
		error = annal_error_set(ANNAL_ERROR, "cannot make '%s' executable: %s", path.ptr,
					strerror(errno));
out:
	annal_buf_dispose(&path);
	annal_buf_dispose(&text);
	annal_buf_dispose(&old);
	return error;
}

/* The policy's signers, checked as verify reads them, copied into the repository. */
static int install_signers(annal_repo *repo, const char *signers)
{
	annal_buf path = ANNAL_BUF_INIT, text = ANNAL_BUF_INIT;
	struct trust t;
	int error;

	memset(&t, 0, sizeof(t));
	if ((error = trust_pin_principal(&t, signers, "*", 1)) < 0 ||
	    (error = read_file(&text, signers)) < 0)
		goto out;
	annal_buf_printf(&path, "%sannal", repo->path);
	if ((error = annal_buf_error(&path)) < 0 || (error = store_mkdir_durable(path.ptr)) < 0)
		goto out;
	annal_buf_puts(&path, "/allowed_signers");
	if ((error = annal_buf_error(&path)) < 0 ||
	    (error = store_replace_file(path.ptr, &text)) < 0)
		goto out;
	/* every user who may push runs the hook, which reads it */
	if (chmod(path.ptr, store_file_mode(repo, 0644)) < 0)
		error = annal_error_set(ANNAL_ERROR, "cannot set the mode of '%s': %s", path.ptr,
					strerror(errno));
out:
	trust_dispose(&t);
	annal_buf_dispose(&path);
	annal_buf_dispose(&text);
	return error;
}

/*
 * A policy file makes signatures required, unless the operator already
 * said otherwise: annal.receive.requireSigned = false (a fleet with
 * unsigned hosts) outlives the policy changes that add or rotate a key.
 */
static int require_signed(git_config *cfg)
{
	int value;

	if (git_config_get_bool(&value, cfg, "annal.receive.requireSigned") == 0)
		return 0;
	return git_config_set_bool(cfg, "annal.receive.requireSigned", 1);
}

int annal_repo_init_central(annal_repo *repo, const char *signers, const char *program)
{
	git_config *cfg = NULL;
	int error = 0;

	if (signers && (error = install_signers(repo, signers)) < 0)
		return error;
	if (git_repository_config(&cfg, repo->git) < 0 ||
	    git_config_set_bool(cfg, "receive.fsckObjects", 1) < 0 ||
	    (signers && require_signed(cfg) < 0) ||
	    (program && git_config_set_string(cfg, "annal.receive.program", program) < 0)) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot write the repository configuration");
		goto out;
	}
	error = install_hook(repo);
out:
	git_config_free(cfg);
	return error;
}
