/*
 * annal push: ship a host's logs to a central repository, each under the
 * host's namespace, refs/audit/<log> to refs/audit/hosts/<host>/<log>.
 *
 * It is git's push, never forced: the central side's pre-receive hook
 * decides.  Before pushing, the remote's refs are listed once, so that
 * a log the remote holds already is "up to date" without a push, and a
 * log whose central head this host does not hold (one side rewritten, or
 * this host restored from an old backup) is refused here, by name,
 * instead of failing the whole push as libgit2 would.  A log's kept
 * checkpoints go with it, refs/annal/checkpoints/<log> to
 * refs/annal/checkpoints/hosts/<host>/<log>, a chain that only grows like
 * the log (the central's hook holds each to the records).  Only refs and
 * objects are read: an append never waits for a push, and records
 * appended while a push runs go with the next one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "annal.h"
#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "json.h"
#include "store.h"
#include "transport.h"
#include "banned.h"

#define HOST_MAX 64
#define HOSTS_PREFIX "hosts/"
/* lines of the remote's messages kept to find the reason of a refusal */
#define KEEP_LINES 256

struct push_log {
	annal_push_log *out;
	git_oid local;		/* the head read before the push */
	uint64_t local_seq;
	git_oid remote;		/* the remote's head, when has_remote */
	int has_remote;
	uint64_t remote_seq;
	int push;		/* in the refspecs */
	int reported;		/* the remote said what became of it */
};

struct push_state {
	annal_repo *repo;
	const annal_push_options *opts;
	struct push_log *logs;
	size_t n;
	annal_buf partial;	/* a message line not yet ended */
	int cr;			/* the last character was '\r' */
	char **lines;		/* the remote's messages, the last KEEP_LINES */
	size_t nlines;
};

int annal_host_name_check(const char *name)
{
	if (!*name)
		return annal_error_set(ANNAL_EINVALID, "the host name is empty");
	if (strlen(name) > HOST_MAX || strchr(name, '/') || annal_log_name_check(name) < 0)
		return annal_error_set(ANNAL_EINVALID,
				       "invalid host name '%s': one ref component of letters, "
				       "digits, '.', '_' and '-', at most %d bytes",
				       name, HOST_MAX);
	return 0;
}

static int config_string(annal_buf *out, annal_repo *repo, const char *key)
{
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };

	annal_buf_clear(out);
	if (git_repository_config_snapshot(&cfg, repo->git) == 0 &&
	    git_config_get_string_buf(&v, cfg, key) == 0 && v.ptr && *v.ptr)
		annal_buf_puts(out, v.ptr);
	git_buf_dispose(&v);
	git_config_free(cfg);
	git_error_clear();
	return annal_buf_error(out);
}

/* --host, else annal.host, else the short hostname */
static int host_name(char *out, annal_repo *repo, const char *given)
{
	annal_buf v = ANNAL_BUF_INIT;
	char host[256] = "";
	const char *name = given;
	int error;

	if (!name) {
		if ((error = config_string(&v, repo, "annal.host")) < 0)
			goto out;
		if (annal_buf_len(&v)) {
			name = annal_buf_ptr(&v);
		} else {
			if (gethostname(host, sizeof(host) - 1) < 0 || !host[0]) {
				error = annal_error_set(ANNAL_EINVALID,
							"no host name: set annal.host or give --host");
				goto out;
			}
			host[strcspn(host, ".")] = '\0';
			name = host;
		}
	}
	if ((error = annal_host_name_check(name)) < 0)
		goto out;
	memcpy(out, name, strlen(name) + 1);
out:
	annal_buf_dispose(&v);
	return error;
}

static int add_log(annal_push_result *r, const char *log)
{
	annal_push_log *v;

	if (!(v = realloc(r->logs, (r->n + 1) * sizeof(*v))))
		return annal_error_oom();
	r->logs = v;
	memset(&v[r->n], 0, sizeof(*v));
	memcpy(v[r->n].log, log, strlen(log) + 1);
	r->n++;
	return 0;
}

/* Each log's kept checkpoints, when it has any, as an entry of their own. */
static int select_checkpoints(annal_push_result *r, annal_repo *repo)
{
	annal_buf ref = ANNAL_BUF_INIT;
	size_t n = r->n, i;
	char log[sizeof(r->logs->log)];
	git_oid tip;
	int exists, error = 0;

	for (i = 0; i < n && !error; i++) {
		/* add_log() moves r->logs */
		memcpy(log, r->logs[i].log, sizeof(log));
		annal_buf_clear(&ref);
		annal_buf_printf(&ref, CHECKPOINT_REF_PREFIX "%s", log);
		if ((error = annal_buf_error(&ref)) < 0 ||
		    (error = store_head(&tip, &exists, repo, annal_buf_ptr(&ref))) < 0)
			break;
		if (exists && (error = add_log(r, log)) == 0)
			r->logs[r->n - 1].checkpoints = 1;
	}
	annal_buf_dispose(&ref);
	return error;
}

/* The logs to push: those asked for, else every log not under hosts/. */
static int select_logs(annal_push_result *r, annal_repo *repo, const annal_push_options *opts)
{
	char **names = NULL;
	size_t n = 0, i;
	int error = 0;

	if (opts->logs) {
		for (i = 0; i < opts->nlogs && !error; i++)
			if (!(error = annal_log_name_check(opts->logs[i])))
				error = add_log(r, opts->logs[i]);
		return error;
	}
	if ((error = annal_log_list(&names, &n, repo)) < 0)
		return error;
	for (i = 0; i < n && !error; i++)
		if (strncmp(names[i], HOSTS_PREFIX, strlen(HOSTS_PREFIX)) &&
		    annal_log_name_check(names[i]) == 0)
			error = add_log(r, names[i]);
	annal_strv_free(names, n);
	return error;
}

static int seq_of(uint64_t *out, annal_repo *repo, const char *log, const git_oid *id)
{
	annal_record *rec = NULL;
	git_oid parent;
	int has_parent, error;

	if ((error = store_read_record(&rec, NULL, &parent, &has_parent, repo, log, id)) < 0)
		return error;
	*out = annal_record_seq(rec);
	annal_record_free(rec);
	return 0;
}

static void refuse(struct push_log *l, const char *why)
{
	l->out->status = ANNAL_PUSH_REFUSED;
	annal_text_escape(l->out->reason, sizeof(l->out->reason), why, strlen(why));
}

static void keep_line(struct push_state *st, const char *line, size_t len)
{
	char *copy;

	if (st->opts->remote_message) {
		if (!(copy = malloc(len + 1)))
			return;
		memcpy(copy, line, len);
		copy[len] = '\0';
		st->opts->remote_message(copy, st->opts->payload);
		free(copy);
	}
	if (!(copy = malloc(len + 1)))
		return;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (st->nlines == KEEP_LINES) {
		free(st->lines[0]);
		memmove(st->lines, st->lines + 1, (KEEP_LINES - 1) * sizeof(*st->lines));
		st->nlines--;
	}
	st->lines[st->nlines++] = copy;
}

/*
 * The remote's messages (sideband 2), in pieces: cut into lines.  A line
 * ended by '\r' is progress ("Resolving deltas:  42%"), which the next
 * overwrites on a terminal: dropped, so that a large push does not print
 * a line per percent.
 */
static int on_sideband(const char *str, int len, void *payload)
{
	struct push_state *st = payload;
	int i;

	for (i = 0; i < len; i++) {
		/* "\r\n" ends a line; "\r" and anything else, a progress line */
		if (st->cr && str[i] != '\n')
			annal_buf_clear(&st->partial);
		st->cr = str[i] == '\r';
		if (str[i] == '\r') {
			continue;
		} else if (str[i] == '\n') {
			if (annal_buf_len(&st->partial))
				keep_line(st, annal_buf_ptr(&st->partial), annal_buf_len(&st->partial));
			annal_buf_clear(&st->partial);
		} else if (annal_buf_len(&st->partial) < 4096) {
			annal_buf_putc(&st->partial, str[i]);
		}
	}
	return 0;
}

static void flush_sideband(struct push_state *st)
{
	if (st->cr)
		annal_buf_clear(&st->partial);
	st->cr = 0;
	if (annal_buf_len(&st->partial))
		keep_line(st, annal_buf_ptr(&st->partial), annal_buf_len(&st->partial));
	annal_buf_clear(&st->partial);
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '/';
}

/* Does line name ref as a whole word (not refs/audit/x/main2 for .../main)? */
static int line_names(const char *line, const char *ref)
{
	const char *p = line;
	size_t n = strlen(ref);

	while ((p = strstr(p, ref))) {
		if ((p == line || !name_char(p[-1])) && !name_char(p[n]))
			return 1;
		p++;
	}
	return 0;
}

static struct push_log *find_ref(struct push_state *st, const char *ref)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->logs[i].out->ref, ref))
			return &st->logs[i];
	return NULL;
}

/* What the remote says of each ref: NULL status when it landed. */
static int on_update(const char *refname, const char *status, void *payload)
{
	struct push_state *st = payload;
	struct push_log *l = find_ref(st, refname);
	const char *reason = status;
	size_t i;

	if (!l)
		return 0;
	l->reported = 1;
	if (!status) {
		l->out->status = ANNAL_PUSH_UPDATED;
		return 0;
	}
	flush_sideband(st);
	/* the central check names the ref it refuses on a line of its own */
	for (i = 0; i < st->nlines; i++)
		if (line_names(st->lines[i], refname)) {
			reason = st->lines[i];
			break;
		}
	refuse(l, reason);
	return 0;
}

/* The objects libgit2 is about to send for: count the records exactly. */
static int on_negotiation(const git_push_update **updates, size_t len, void *payload)
{
	struct push_state *st = payload;
	struct push_log *l;
	uint64_t seq;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(l = find_ref(st, updates[i]->dst_refname)) || l->out->checkpoints)
			continue;
		/* src is the remote's head, dst what it will be */
		if (!git_oid_equal(&updates[i]->dst, &l->local) &&
		    seq_of(&seq, st->repo, l->out->log, &updates[i]->dst) == 0) {
			l->local = updates[i]->dst;
			l->local_seq = seq;
			l->out->records = seq - (l->has_remote ? l->remote_seq : 0);
		}
	}
	return 0;
}

/* Each log's head, before the remote is asked anything. */
static int read_heads(struct push_state *st)
{
	struct push_log *l;
	annal_buf ref = ANNAL_BUF_INIT;
	size_t i;
	int exists, error = 0;

	for (i = 0; i < st->n; i++) {
		l = &st->logs[i];
		annal_buf_clear(&ref);
		if (l->out->checkpoints) {
			annal_buf_printf(&ref, CHECKPOINT_REF_PREFIX "%s", l->out->log);
			if ((error = annal_buf_error(&ref)) < 0 ||
			    (error = store_head(&l->local, &exists, st->repo,
						annal_buf_ptr(&ref))) < 0)
				break;
			continue;
		}
		if ((error = store_ref_name(&ref, l->out->log)) < 0 ||
		    (error = store_head(&l->local, &exists, st->repo, annal_buf_ptr(&ref))) < 0)
			break;
		if (!exists) {
			error = annal_error_set(ANNAL_ENOTFOUND, "no log '%s'", l->out->log);
			break;
		}
		if ((error = seq_of(&l->local_seq, st->repo, l->out->log, &l->local)) < 0)
			break;
	}
	annal_buf_dispose(&ref);
	return error;
}

/* The checkpoints of a chain from tip down to base (NULL: all of them). */
static int count_chain(uint64_t *out, annal_repo *repo, const git_oid *tip, const git_oid *base)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int error = 0;

	*out = 0;
	if (git_revwalk_new(&walk, repo->git) < 0 || git_revwalk_push(walk, tip) < 0 ||
	    (base && git_revwalk_hide(walk, base) < 0)) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot read the kept checkpoints");
		goto out;
	}
	while (git_revwalk_next(&id, walk) == 0)
		(*out)++;
	git_error_clear();
out:
	git_revwalk_free(walk);
	return error;
}

/* The entry of log's records (for its checkpoints' entry). */
static struct push_log *log_entry(struct push_state *st, const char *log)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!st->logs[i].out->checkpoints && !strcmp(st->logs[i].out->log, log))
			return &st->logs[i];
	return NULL;
}

/* Decide from the remote's refs what to push. */
static int plan(struct push_state *st, const git_remote_head **heads, size_t nheads)
{
	struct push_log *l, *of;
	char lhex[41], rhex[41], why[512];
	size_t i;
	int error;

	for (i = 0; i < nheads; i++)
		if ((l = find_ref(st, heads[i]->name))) {
			l->remote = heads[i]->oid;
			l->has_remote = 1;
		}
	for (i = 0; i < st->n; i++) {
		l = &st->logs[i];
		l->out->records = l->local_seq;
		if (l->has_remote && git_oid_equal(&l->local, &l->remote)) {
			l->out->status = ANNAL_PUSH_UP_TO_DATE;
			l->out->records = 0;
			continue;
		}
		if (l->out->checkpoints && (of = log_entry(st, l->out->log)) &&
		    of->out->status == ANNAL_PUSH_REFUSED) {
			/* the central holds checkpoints to the records it has */
			refuse(l, "not pushed: the log's records were refused");
			continue;
		}
		if (l->has_remote) {
			git_oid_tostr(lhex, sizeof(lhex), &l->local);
			git_oid_tostr(rhex, sizeof(rhex), &l->remote);
			if (git_odb_exists(st->repo->odb, &l->remote) != 1 ||
			    git_graph_descendant_of(st->repo->git, &l->local, &l->remote) != 1) {
				git_error_clear();
				snprintf(why, sizeof(why),
					 "the remote's head %s is not in this %s (a rewritten log, or this host restored from an older copy?); "
					 "this %s is at %s", rhex,
					 l->out->checkpoints ? "log's chain of checkpoints" : "log's history",
					 l->out->checkpoints ? "chain" : "log", lhex);
				refuse(l, why);
				continue;
			}
		}
		if (l->out->checkpoints) {
			if ((error = count_chain(&l->out->records, st->repo, &l->local,
						 l->has_remote ? &l->remote : NULL)) < 0)
				return error;
		} else if (l->has_remote) {
			if ((error = seq_of(&l->remote_seq, st->repo, l->out->log, &l->remote)) < 0)
				return error;
			l->out->records = l->local_seq - l->remote_seq;
		}
		l->push = 1;
	}
	return 0;
}

/*
 * Another push of this host may have landed the same records meanwhile
 * (a push by hand while the timer's runs): the remote then refuses ours
 * because its head moved ("cannot lock ref ... but expected ..."), which
 * is no refusal of the records.  Ask the remote again: a refused log
 * whose head there is now the head pushed, or a later record of this
 * log, is up to date.  When the remote cannot be asked, refusals stand.
 */
static void recheck_refused(struct push_state *st, git_remote *remote,
			    const git_remote_callbacks *cb)
{
	const git_remote_head **heads = NULL;
	struct push_log *l;
	size_t nheads = 0, i;
	int any = 0;

	for (i = 0; i < st->n; i++)
		if (st->logs[i].push && st->logs[i].out->status == ANNAL_PUSH_REFUSED)
			any = 1;
	if (!any)
		return;
	git_remote_disconnect(remote);
	if (git_remote_connect(remote, GIT_DIRECTION_PUSH, cb, NULL, NULL) < 0 ||
	    git_remote_ls(&heads, &nheads, remote) < 0)
		nheads = 0;
	for (i = 0; i < nheads; i++) {
		l = find_ref(st, heads[i]->name);
		if (!l || !l->push || l->out->status != ANNAL_PUSH_REFUSED)
			continue;
		if (git_oid_equal(&heads[i]->oid, &l->local) ||
		    (git_odb_exists(st->repo->odb, &heads[i]->oid) == 1 &&
		     git_graph_descendant_of(st->repo->git, &heads[i]->oid, &l->local) == 1)) {
			l->out->status = ANNAL_PUSH_UP_TO_DATE;
			l->out->records = 0;
			l->out->reason[0] = '\0';
		}
	}
	git_error_clear();
}

/* A configured remote by name, else the string as a URL or path. */
static int open_remote(git_remote **out, annal_repo *repo, const char *name)
{
	struct stat st;

	if (git_remote_lookup(out, repo->git, name) == 0)
		return 0;
	git_error_clear();
	if (!strchr(name, '/') && !strchr(name, ':') && stat(name, &st) < 0)
		return annal_error_set(ANNAL_EINVALID,
				       "no remote '%s': give a URL, a configured remote or "
				       "set annal.pushRemote", name);
	if (git_remote_create_anonymous(out, repo->git, name) < 0)
		return annal_error_set_git(ANNAL_EINVALID, "invalid remote");
	return 0;
}

/*
 * text with every URL's user information dropped, as git shows a URL:
 * https://user:token@host/... is how deployment.md gives a token, and
 * messages go to syslog every minute while the central side is down.
 * Then escaped into out.
 */
static void shown_text(char *out, size_t size, const char *text)
{
	const char *p = text, *scheme, *host, *at, *end;
	annal_buf v = ANNAL_BUF_INIT;

	while ((scheme = strstr(p, "://"))) {
		host = scheme + 3;
		end = host + strcspn(host, "/ \t\n'\"");
		for (at = end; at > host && at[-1] != '@'; at--)
			;
		annal_buf_put(&v, p, (size_t)(host - p));
		p = at > host ? at : host;
	}
	annal_buf_puts(&v, p);
	if (!annal_buf_error(&v))
		text = annal_buf_ptr(&v);
	annal_text_escape(out, size, text, strlen(text));
	annal_buf_dispose(&v);
}

static int remote_error(const char *remote)
{
	const git_error *e = git_error_last();
	char shown[1024];
	const char *msg = e && e->message ? e->message : "unknown error";

	shown_text(shown, sizeof(shown), msg);
	return annal_error_set(ANNAL_ERROR, "cannot push to '%s': %s", remote, shown);
}

int annal_push(annal_push_result *r, annal_repo *repo, const annal_push_options *opts)
{
	annal_push_options none = ANNAL_PUSH_OPTIONS_INIT;
	struct push_state st;
	git_remote_callbacks cb;
	git_push_options popts;
	git_strarray specs = { NULL, 0 };
	git_remote *remote = NULL;
	const git_remote_head **heads = NULL;
	annal_buf name = ANNAL_BUF_INIT, dest = ANNAL_BUF_INIT;
	size_t nheads = 0, i;
	int error;

	memset(r, 0, sizeof(*r));
	memset(&st, 0, sizeof(st));
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	git_push_options_init(&popts, GIT_PUSH_OPTIONS_VERSION);
	st.repo = repo;
	st.opts = opts ? opts : &none;
	opts = st.opts;
	if ((error = host_name(r->host, repo, opts->host)) < 0)
		goto out;
	if (opts->remote)
		annal_buf_puts(&name, opts->remote);
	else if ((error = config_string(&name, repo, "annal.pushRemote")) < 0)
		goto out;
	if (!annal_buf_len(&name))
		annal_buf_puts(&name, "origin");
	if ((error = annal_buf_error(&name)) < 0)
		goto out;
	shown_text(r->remote, sizeof(r->remote), annal_buf_ptr(&name));
	if ((error = select_logs(r, repo, opts)) < 0 ||
	    (error = select_checkpoints(r, repo)) < 0)
		goto out;
	if (!(st.logs = calloc(r->n ? r->n : 1, sizeof(*st.logs))) ||
	    !(st.lines = calloc(KEEP_LINES, sizeof(*st.lines)))) {
		error = annal_error_oom();
		goto out;
	}
	st.n = r->n;
	for (i = 0; i < r->n; i++) {
		st.logs[i].out = &r->logs[i];
		annal_buf_clear(&dest);
		annal_buf_printf(&dest, HOSTS_PREFIX "%s/%s", r->host, r->logs[i].log);
		if ((error = annal_buf_error(&dest)) < 0)
			goto out;
		if (annal_log_name_check(annal_buf_ptr(&dest)) < 0) {
			error = annal_error_set(ANNAL_EINVALID,
						"log '%s' of host '%s' would be '%s' centrally, "
						"which is no valid log name (too long?)",
						r->logs[i].log, r->host, annal_buf_ptr(&dest));
			goto out;
		}
		snprintf(r->logs[i].ref, sizeof(r->logs[i].ref), "%s%s",
			 r->logs[i].checkpoints ? CHECKPOINT_REF_PREFIX : ANNAL_REF_PREFIX,
			 annal_buf_ptr(&dest));
	}
	if (!r->n)
		goto out;	/* nothing to push: no need to reach the remote */
	if ((error = read_heads(&st)) < 0 ||
	    (error = annal_net_init()) < 0 ||
	    (error = open_remote(&remote, repo, annal_buf_ptr(&name))) < 0)
		goto out;
	cb.transport = transport_for_remote;
	cb.sideband_progress = on_sideband;
	cb.push_update_reference = on_update;
	cb.push_negotiation = on_negotiation;
	cb.payload = &st;
	if (git_remote_connect(remote, GIT_DIRECTION_PUSH, &cb, NULL, NULL) < 0 ||
	    git_remote_ls(&heads, &nheads, remote) < 0) {
		error = remote_error(r->remote);
		goto out;
	}
	if ((error = plan(&st, heads, nheads)) < 0)
		goto out;
	if (!(specs.strings = calloc(st.n, sizeof(*specs.strings)))) {
		error = annal_error_oom();
		goto out;
	}
	for (i = 0; i < st.n; i++) {
		if (!st.logs[i].push)
			continue;
		annal_buf_clear(&dest);
		annal_buf_printf(&dest, "%s%s:%s",
				 r->logs[i].checkpoints ? CHECKPOINT_REF_PREFIX : ANNAL_REF_PREFIX,
				 r->logs[i].log, r->logs[i].ref);
		if ((error = annal_buf_error(&dest)) < 0)
			goto out;
		specs.strings[specs.count++] = annal_buf_detach(&dest);
	}
	if (!specs.count)
		goto out;
	popts.callbacks = cb;
	if (git_remote_upload(remote, &specs, &popts) < 0) {
		flush_sideband(&st);
		error = remote_error(r->remote);
		goto out;
	}
	flush_sideband(&st);
	for (i = 0; i < st.n; i++)
		if (st.logs[i].push && !st.logs[i].reported)
			refuse(&st.logs[i], "the remote did not say whether it took the records");
	recheck_refused(&st, remote, &cb);
out:
	if (remote)
		git_remote_disconnect(remote);
	git_remote_free(remote);
	for (i = 0; i < specs.count; i++)
		free(specs.strings[i]);
	free(specs.strings);
	for (i = 0; i < st.nlines; i++)
		free(st.lines[i]);
	free(st.lines);
	free(st.logs);
	annal_buf_dispose(&st.partial);
	annal_buf_dispose(&name);
	annal_buf_dispose(&dest);
	return error;
}

void annal_push_result_dispose(annal_push_result *r)
{
	if (!r)
		return;
	free(r->logs);
	r->logs = NULL;
	r->n = 0;
}

static const char *status_name(int status)
{
	switch (status) {
	case ANNAL_PUSH_UPDATED:
		return "updated";
	case ANNAL_PUSH_UP_TO_DATE:
		return "up-to-date";
	default:
		return "refused";
	}
}

int annal_push_write_json(annal_buf *out, const annal_push_result *r, const char *error)
{
	size_t i;
	int ok = !error;

	for (i = 0; i < r->n; i++)
		if (r->logs[i].status == ANNAL_PUSH_REFUSED)
			ok = 0;
	annal_buf_puts(out, "{\"remote\":");
	annal_json_write_string_or_null(out, r->remote);
	annal_buf_puts(out, ",\"host\":");
	annal_json_write_string_or_null(out, r->host);
	annal_buf_printf(out, ",\"ok\":%s,\"logs\":[", ok ? "true" : "false");
	for (i = 0; !error && i < r->n; i++) {
		const annal_push_log *l = &r->logs[i];

		annal_buf_puts(out, i ? ",{\"log\":" : "{\"log\":");
		annal_json_write_string(out, l->log, strlen(l->log));
		annal_buf_puts(out, ",\"ref\":");
		annal_json_write_string(out, l->ref, strlen(l->ref));
		annal_buf_printf(out, ",\"checkpoints\":%s", l->checkpoints ? "true" : "false");
		annal_buf_printf(out, ",\"status\":\"%s\",\"records\":%llu,\"reason\":",
				 status_name(l->status), (unsigned long long)l->records);
		annal_json_write_string_or_null(out, l->status == ANNAL_PUSH_REFUSED ? l->reason : NULL);
		annal_buf_putc(out, '}');
	}
	annal_buf_puts(out, "],\"error\":");
	annal_json_write_string_or_null(out, error);
	annal_buf_puts(out, "}\n");
	return annal_buf_error(out);
}
