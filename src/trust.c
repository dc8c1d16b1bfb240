#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "keys.h"
#include "ssh.h"
#include "trust.h"
#include "banned.h"

int trust_key_in(unsigned char (*keys)[32], size_t n, const unsigned char *pk)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(keys[i], pk, 32))
			return 1;
	return 0;
}

int trust_parse_signing(unsigned char (**keys)[32], size_t *n, const cJSON *signing)
{
	const cJSON *list, *policy, *c;
	unsigned char (*v)[32] = NULL;
	size_t count = 0, i = 0;

	*keys = NULL;
	*n = 0;
	if (!cJSON_IsObject(signing))
		goto bad;
	list = annal_json_get(signing, "keys");
	policy = annal_json_get(signing, "policy");
	for (c = signing->child; c; c = c->next)
		count++;
	if (count != 2 || !cJSON_IsArray(list) || !cJSON_IsString(policy) ||
	    strcmp(policy->valuestring, "required"))
		goto bad;
	count = 0;
	for (c = list->child; c; c = c->next)
		count++;
	if (!count || count > 64)
		goto bad;
	if (!(v = calloc(count, sizeof(*v))))
		return annal_error_oom();
	for (c = list->child; c; c = c->next, i++) {
		annal_buf line = ANNAL_BUF_INIT;
		int same;

		if (!cJSON_IsString(c) ||
		    ssh_parse_public_line(v[i], c->valuestring, strlen(c->valuestring)) < 0 ||
		    trust_key_in(v, i, v[i]))
			goto bad;
		/* exactly the form annal writes: "ssh-ed25519 <base64>" */
		ssh_public_line(&line, v[i]);
		same = line.ptr && !strcmp(line.ptr, c->valuestring);
		annal_buf_dispose(&line);
		if (!same)
			goto bad;
	}
	*keys = v;
	*n = count;
	return 0;
bad:
	free(v);
	return annal_error_set(ANNAL_EINVALID,
		"field 'signing' must be {\"keys\":[\"ssh-ed25519 <base64>\", ...],\"policy\":\"required\"}");
}

cJSON *trust_signing_field(unsigned char (*keys)[32], size_t n)
{
	cJSON *obj = cJSON_CreateObject(), *list = cJSON_CreateArray(), *s;
	size_t i;

	if (!obj || !list)
		goto fail;
	cJSON_AddItemToObject(obj, "keys", list);
	for (i = 0; i < n; i++) {
		annal_buf line = ANNAL_BUF_INIT;
		ssh_public_line(&line, keys[i]);
		s = line.ptr ? cJSON_CreateString(line.ptr) : NULL;
		annal_buf_dispose(&line);
		if (!s)
			goto fail;
		cJSON_AddItemToArray(list, s);
	}
	if (!(s = cJSON_CreateString("required")))
		goto fail;
	cJSON_AddItemToObject(obj, "policy", s);
	return obj;
fail:
	if (!obj)
		cJSON_Delete(list);
	cJSON_Delete(obj);
	return NULL;
}

static int add_pin(struct trust *t, const unsigned char *pk, int64_t after, int64_t before,
		   int ns_ok)
{
	struct pin *p = realloc(t->pins, (t->npins + 1) * sizeof(*p));

	if (!p)
		return annal_error_oom();
	t->pins = p;
	memcpy(p[t->npins].pk, pk, 32);
	p[t->npins].valid_after = after;
	p[t->npins].valid_before = before;
	p[t->npins].ns_ok = ns_ok;
	t->npins++;
	t->pinned = 1;
	t->windows |= after || before;
	return 0;
}

static int signers_file_kind(const char *path);

int trust_pin_key(struct trust *t, const char *path)
{
	annal_key *k = NULL;
	annal_error_saved saved;
	int error, kind;

	if ((error = annal_key_load_public(&k, path)) < 0) {
		if (error != ANNAL_EINVALID)
			return error;
		/* the other file of a pin: say where it goes */
		annal_error_save(&saved);
		kind = signers_file_kind(path);
		annal_error_restore(&saved);
		if (!kind)
			return error;
		return annal_error_set(ANNAL_EINVALID,
			"'%s' is an allowed signers file%s, not a public key file: give it with "
			"--allowed-signers (for audit-verify's log keys, --log-allowed-signers)%s",
			path, kind == 2 ? " with an annal-pin line" : "",
			kind == 2 ? "; a public key pins keys only, never the log" : "");
	}
	error = add_pin(t, k->pk, 0, 0, 1);
	annal_key_free(k);
	return error;
}

/*
 * allowed_signers files are read as OpenSSH's sshsig.c reads them, so
 * that annal and `ssh-keygen -Y verify` (and git) trust the same keys at
 * the same times: the same tokenizing of principals, options and key,
 * the same option grammar, pattern matching and time parsing.  One
 * difference, on the safe side: a line OpenSSH would skip as malformed
 * is an error here, so that a typo in a pin file is seen.
 */

/* misc.c parse_absolute_time(): YYYYMMDD[HHMM[SS]], local time unless Z or UTC */
static int parse_ssh_time(int64_t *out, const char *s)
{
	char buf[32];
	const char *fmt, *end;
	struct tm tm;
	time_t tt;
	size_t l = strlen(s);
	int utc = 0;

	if (l > 1 && !strcasecmp(s + l - 1, "Z")) {
		utc = 1;
		l--;
	} else if (l > 3 && !strcasecmp(s + l - 3, "UTC")) {
		utc = 1;
		l -= 3;
	}
	switch (l) {
	case 8:
		fmt = "%Y-%m-%d";
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2s", s, s + 4, s + 6);
		break;
	case 12:
		fmt = "%Y-%m-%dT%H:%M";
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2sT%.2s:%.2s", s, s + 4, s + 6, s + 8,
			 s + 10);
		break;
	case 14:
		fmt = "%Y-%m-%dT%H:%M:%S";
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", s, s + 4, s + 6,
			 s + 8, s + 10, s + 12);
		break;
	default:
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	if (!(end = strptime(buf, fmt, &tm)) || *end)
		return -1;
	tt = utc ? timegm(&tm) : mktime(&tm);
	/* 0 means "unset" to OpenSSH, so it is no time either */
	if (tt <= 0)
		return -1;
	*out = (int64_t)tt;
	return 0;
}

/* match.c match_pattern(): '*' any run of bytes, '?' any one byte. */
static int glob_match(const char *str, const char *pat)
{
	for (;; str++, pat++) {
		if (!*pat)
			return !*str;
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (!*pat)
				return 1;
			for (; *str; str++)
				if (glob_match(str, pat))
					return 1;
			return 0;
		}
		if (!*str || (*pat != '?' && *pat != *str))
			return 0;
	}
}

/*
 * match.c match_pattern_list(): comma-separated patterns, '!' negates and
 * a negated match denies whatever else matched; a pattern of 1023 bytes
 * or more fails the whole list.
 */
static int namespace_allowed(const char *ns, const char *list)
{
	char sub[1024];
	size_t i = 0, k, len = strlen(list);
	int positive = 0, negated;

	while (i < len) {
		negated = list[i] == '!';
		i += negated;
		for (k = 0; i < len && k < sizeof(sub) - 1 && list[i] != ','; k++, i++)
			sub[k] = list[i];
		if (k >= sizeof(sub) - 1)
			return 0;
		if (i < len && list[i] == ',')
			i++;
		sub[k] = '\0';
		if (glob_match(ns, sub)) {
			if (negated)
				return 0;
			positive = 1;
		}
	}
	return positive;
}

/*
 * git asks ssh-keygen -Y find-principals for the principals of the line
 * that holds the key (the list split at commas, one a line) and verifies
 * with each as the identity (-I): the line counts only when one of its
 * own principals matches its list ("!a" or "a,!a" never do).
 */
static int principals_match_themselves(const char *list)
{
	char *one = malloc(strlen(list) + 1);
	const char *p = list;
	size_t n;
	int ok = 0;

	if (!one)
		return 0;
	for (;;) {
		n = strcspn(p, ",");
		memcpy(one, p, n);
		one[n] = '\0';
		/* find-principals prints none after an empty one (",a": none) */
		if (!n || (ok = namespace_allowed(one, list)) || !p[n])
			break;
		p += n + 1;
	}
	free(one);
	return ok;
}

/* misc.c opt_dequote(): a "quoted" value, \" for a quote; *sp moves past it */
static char *dequote(char **sp)
{
	char *s = *sp, *out, *o;

	if (*s != '"')
		return NULL;
	out = o = ++s;
	for (; *s && *s != '"'; s++) {
		if (s[0] == '\\' && s[1] == '"')
			s++;
		*o++ = *s;
	}
	if (!*s)
		return NULL;
	*sp = s + 1;
	*o = '\0';	/* in place: the value is never longer than its text */
	return out;
}

/* misc.c opt_match(): "name=" in any case; moves past it */
static int opt_match(char **o, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(*o, name, n) || (*o)[n] != '=')
		return 0;
	*o += n + 1;
	return 1;
}

struct signer_line {
	const char *principal;	/* match the principals against it, not themselves */
	int ca, ed25519;
	int principals_ok;	/* git's find-principals answer matches the line */
	unsigned char pk[32];
	char *namespaces;
	int64_t valid_after, valid_before;	/* seconds, 0 when unset */
	int keep;		/* keep the principals (malloc'd) in principals */
	char *principals;
};

/* sshsig.c sshsigopt_parse(); NULL or why not */
static const char *parse_options(struct signer_line *l, char *o)
{
	char *v;

	while (*o && *o != ' ' && *o != '\t') {
		if (!strncasecmp(o, "cert-authority", 14)) {
			l->ca = 1;
			o += 14;
		} else if (opt_match(&o, "namespaces")) {
			if (l->namespaces)
				return "multiple \"namespaces\" clauses";
			if (!(l->namespaces = dequote(&o)))
				return "a value must be quoted";
		} else if (opt_match(&o, "valid-after")) {
			if (l->valid_after)
				return "multiple \"valid-after\" clauses";
			if (!(v = dequote(&o)) || parse_ssh_time(&l->valid_after, v) < 0)
				return "invalid \"valid-after\" time";
		} else if (opt_match(&o, "valid-before")) {
			if (l->valid_before)
				return "multiple \"valid-before\" clauses";
			if (!(v = dequote(&o)) || parse_ssh_time(&l->valid_before, v) < 0)
				return "invalid \"valid-before\" time";
		}
		if (!*o || *o == ' ' || *o == '\t')
			break;
		if (*o != ',')
			return "unknown option (annal knows namespaces, valid-after, valid-before, cert-authority)";
		if (!*++o)
			return "unexpected end of options";
	}
	if (l->valid_after && l->valid_before && l->valid_before <= l->valid_after)
		return "\"valid-before\" is not after \"valid-after\"";
	return NULL;
}

/*
 * sshkey_read(): "<type> <base64>" at *cp, of a type OpenSSH knows; only
 * ssh-ed25519 keys are decoded (no other type signs annal records).
 */
static int read_key(struct signer_line *l, char **cp)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
		"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
		"sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com", "rsa-sha2-256",
		"rsa-sha2-512", NULL
	};
	static const char cert[] = "-cert-v01@openssh.com";
	char *p = *cp;
	size_t n = strcspn(p, " \t"), i, base;

	if (!p[n])
		return -1;
	for (i = 0; types[i]; i++) {
		base = strlen(types[i]);
		if (!strncmp(p, types[i], base) &&
		    (n == base || (n == base + sizeof(cert) - 1 && !strncmp(p + base, cert, n - base))))
			break;
	}
	if (!types[i])
		return -1;
	p += n + strspn(p + n, " \t");
	if (!*p)
		return -1;
	l->ed25519 = i == 0 && n == strlen(types[0]);
	if (l->ed25519 && ssh_parse_public_line(l->pk, *cp, strlen(*cp)) < 0) {
		annal_error_clear();
		return -1;
	}
	*cp = p + strcspn(p, " \t");
	return 0;
}

/* sshsig.c parse_principals_key_and_options(); NULL or why not */
static const char *parse_line(struct signer_line *l, char *cp)
{
	char *q, *opts, *start, *first, *principals;
	int quoted = 0;

	/* the principals: a word, or up to the closing quote (misc.c strdelimw) */
	if (!(q = strpbrk(cp, " \t\r\n\"")))
		return "no key";
	start = cp;
	first = q;
	if (*q == '"' && !(q = strchr(q + 1, '"')))
		return "unterminated quote";
	if (!(principals = malloc((size_t)(q - start) + 1)))
		return "out of memory";
	memcpy(principals, start, (size_t)(first - start));
	if (*first == '"')
		memcpy(principals + (first - start), first + 1, (size_t)(q - first - 1));
	principals[(first - start) + (*first == '"' ? q - first - 1 : 0)] = '\0';
	l->principals_ok = l->principal ? namespace_allowed(l->principal, principals)
				       : principals_match_themselves(principals);
	if (l->keep)
		l->principals = principals;
	else
		free(principals);
	cp = q + 1 + strspn(q + 1, " \t\r\n");
	if (!read_key(l, &cp))
		return NULL;
	/* options, then the key (sshkey_advance_past_options) */
	for (opts = cp; *cp && (quoted || (*cp != ' ' && *cp != '\t')); cp++) {
		if (*cp == '\\' && cp[1] == '"')
			cp++;
		else if (*cp == '"')
			quoted = !quoted;
	}
	if (quoted)
		return "unterminated quote in the options";
	if (!*cp)
		return "no key";
	*cp++ = '\0';
	cp += strspn(cp, " \t");
	if (read_key(l, &cp) < 0)
		return "malformed key";
	return parse_options(l, opts);
}

/*
 * "# annal-pin <log> <id>": a comment to OpenSSH and git, the identity
 * of a log to annal (annal key list --pin writes it).
 */
#define PIN_TAG "# annal-pin "

static int add_ident(struct trust *t, char *s, const char *path, size_t lineno)
{
	struct pin_ident *v;
	char *log = s, *id, *end;
	size_t i;

	s[strcspn(s, "\r\n")] = '\0';
	if (!(id = strchr(log, ' ')))
		goto bad;
	*id++ = '\0';
	end = id + strspn(id, "0123456789abcdef");
	if (!*log || end - id != 40 || *end)
		goto bad;
	for (i = 0; i < t->nidents; i++)
		if (!strcmp(t->idents[i].log, log))
			return annal_error_set(ANNAL_EINVALID,
				"%s:%zu: a second annal-pin line for log '%s'; keep one per log",
				path, lineno, log);
	if (!(v = realloc(t->idents, (t->nidents + 1) * sizeof(*v))))
		return annal_error_oom();
	t->idents = v;
	if (!(v[t->nidents].log = strdup(log)))
		return annal_error_oom();
	memcpy(v[t->nidents].id, id, 41);
	t->nidents++;
	return 0;
bad:
	return annal_error_set(ANNAL_EINVALID,
		"%s:%zu: an annal-pin line must be '# annal-pin <log> <record id>' "
		"(40 lowercase hex digits), as 'annal key list --pin' writes it", path, lineno);
}

int trust_pin_select_log(struct trust *t, const char *log, const char **check)
{
	annal_buf names = ANNAL_BUF_INIT;
	size_t i;
	int error;

	t->ident = NULL;
	t->ident_seen = 0;
	if (!t->nidents)
		return 0;
	for (i = 0; i < t->nidents; i++)
		if (!strcmp(t->idents[i].log, log)) {
			t->ident = &t->idents[i];
			return 0;
		}
	for (i = 0; i < t->nidents; i++)
		annal_buf_printf(&names, "%s'%s'", i ? ", " : "", t->idents[i].log);
	*check = "pinMismatch";
	error = annal_error_set(ANNAL_ECORRUPT,
		"the pin names the first signed record of log %s, not of log '%s': "
		"make a pin for this log with 'annal key list --pin --log %s'",
		names.ptr ? names.ptr : "?", log, log);
	annal_buf_dispose(&names);
	return error;
}

/* An allowed signers file; "-" is standard input, read once and kept. */
static FILE *open_signers(const char *path, int *error)
{
	const annal_buf *in = NULL;

	*error = 0;
	if (strcmp(path, "-"))
		return fopen(path, "r");
	if ((*error = buf_stdin(&in)) < 0)
		return NULL;
	return in->len ? fmemopen(in->ptr, in->len, "r") : fopen("/dev/null", "r");
}

int trust_principals(annal_buf *out, const char *path, const unsigned char pk[32])
{
	struct signer_line l;
	char *line = NULL, *cp;
	size_t cap = 0;
	int error;
	FILE *fp = open_signers(path, &error);

	if (!fp)
		return error < 0 ? error : annal_error_set(ANNAL_ERROR, "cannot read '%s': %s",
							   path, strerror(errno));
	while (getline(&line, &cap, fp) >= 0) {
		cp = line + strspn(line, " \t\r\n");
		cp[strcspn(cp, "\r\n")] = '\0';
		memset(&l, 0, sizeof(l));
		l.keep = 1;
		if (*cp && *cp != '#' && !parse_line(&l, cp) && l.ed25519 && !l.ca &&
		    !memcmp(l.pk, pk, 32) && l.principals) {
			if (out->len)
				annal_buf_putc(out, ',');
			annal_buf_puts(out, l.principals);
		}
		free(l.principals);
	}
	free(line);
	fclose(fp);
	annal_error_clear();
	return annal_buf_error(out);
}

/*
 * What a file given for one public key holds when it is none: 2 for an
 * annal-pin line, 1 for an allowed signers line, 0 otherwise.
 */
static int signers_file_kind(const char *path)
{
	struct signer_line l;
	char *line = NULL, *cp;
	size_t cap = 0;
	int error, kind = 0;
	FILE *fp = open_signers(path, &error);

	while (fp && kind < 2 && getline(&line, &cap, fp) >= 0) {
		cp = line + strspn(line, " \t\r\n");
		cp[strcspn(cp, "\r\n")] = '\0';
		memset(&l, 0, sizeof(l));
		if (!strncmp(cp, PIN_TAG, strlen(PIN_TAG)))
			kind = 2;
		else if (*cp && *cp != '#' && !parse_line(&l, cp))
			kind = 1;
	}
	free(line);
	if (fp)
		fclose(fp);
	annal_error_clear();
	return kind;
}

static int pin_signers(struct trust *t, const char *path, const char *ns,
		       const char *principal);

int trust_pin_allowed_signers(struct trust *t, const char *path, const char *ns)
{
	return pin_signers(t, path, ns, NULL);
}

int trust_pin_principal(struct trust *t, const char *path, const char *principal,
			int require_signed)
{
	int error = pin_signers(t, path, "git", principal);

	t->principal = principal;
	t->strict = 1;
	t->allow_unsigned = !require_signed;
	return error;
}

int trust_resume(struct trust *t, int signed_log, unsigned char (*keys)[32], size_t n,
		 const char *first_signed, const char **check)
{
	unsigned char (*v)[32] = NULL;

	if (!signed_log)
		return 0;
	if (t->ident && strcmp(first_signed, t->ident->id)) {
		*check = "pinMismatch";
		return annal_error_set(ANNAL_ECORRUPT,
			"the log's first signed record is %s, the pin names %s: a different log",
			first_signed, t->ident->id);
	}
	if (n && !(v = malloc(n * sizeof(*v))))
		return annal_error_oom();
	if (n)
		memcpy(v, keys, n * sizeof(*v));
	free(t->keys);
	t->keys = v;
	t->nkeys = n;
	t->signed_log = 1;
	t->keys_unknown = 0;
	t->ident_seen = t->ident != NULL;
	return 0;
}

static int pin_signers(struct trust *t, const char *path, const char *ns,
		       const char *principal)
{
	FILE *fp = NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int error = 0;

	if (!(fp = open_signers(path, &error)) && error < 0)
		return error;
	if (!fp)
		return annal_error_set(ANNAL_EINVALID, "cannot open allowed signers '%s': %s",
				       path, strerror(errno));
	while ((len = getline(&line, &cap, fp)) >= 0) {
		struct signer_line l;
		const char *why;
		char *cp = line + strspn(line, " \t\r\n");

		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			error = annal_error_set(ANNAL_EINVALID, "%s:%zu: a NUL byte in the line",
						path, lineno);
			goto out;
		}
		if (!strncmp(cp, PIN_TAG, strlen(PIN_TAG))) {
			if ((error = add_ident(t, cp + strlen(PIN_TAG), path, lineno)) < 0)
				goto out;
			continue;
		}
		if (*cp == '#' || !*cp)
			continue;
		memset(&l, 0, sizeof(l));
		l.principal = principal;
		if ((why = parse_line(&l, cp)) && lineno == 1 &&
		    ssh_parse_public_line(l.pk, cp, strcspn(cp, "\r\n")) == 0) {
			error = annal_error_set(ANNAL_EINVALID,
				"'%s' is a public key file, not an allowed signers file: "
				"give it with --key (for audit-verify's log keys, --log-key)", path);
			goto out;
		}
		annal_error_clear();
		if (why) {
			error = annal_error_set(ANNAL_EINVALID, "%s:%zu: %s", path, lineno, why);
			goto out;
		}
		/* what OpenSSH's check_allowed_keys_line() never matches */
		if (l.ca || !l.ed25519)
			continue;
		/* a key pinned for other namespaces only is named, never allowed */
		if ((error = add_pin(t, l.pk, l.valid_after, l.valid_before,
				     l.principals_ok &&
				     (!l.namespaces || namespace_allowed(ns, l.namespaces)))) < 0)
			goto out;
	}
	if (ferror(fp)) {
		error = annal_error_set(ANNAL_ERROR, "cannot read '%s'", path);
		goto out;
	}
	t->pinned = 1;	/* even an empty file pins: nothing is trusted */
	t->ns = ns;
out:
	free(line);
	fclose(fp);
	return error;
}

int trust_pin_allows(const struct trust *t, const unsigned char *pk, int64_t when)
{
	size_t i;

	for (i = 0; i < t->npins; i++)
		if (!memcmp(t->pins[i].pk, pk, 32) && t->pins[i].ns_ok &&
		    (!t->pins[i].valid_after || when >= t->pins[i].valid_after) &&
		    (!t->pins[i].valid_before || when <= t->pins[i].valid_before))
			return 1;
	return 0;
}

int trust_pin_names_ns(const struct trust *t, const unsigned char *pk)
{
	size_t i;

	for (i = 0; i < t->npins; i++)
		if (!memcmp(t->pins[i].pk, pk, 32) && t->pins[i].ns_ok)
			return 1;
	return 0;
}

int trust_pin_names(const struct trust *t, const unsigned char *pk)
{
	size_t i;

	for (i = 0; i < t->npins; i++)
		if (!memcmp(t->pins[i].pk, pk, 32))
			return 1;
	return 0;
}

/* git's -Overify-time: "YYYYMMDDHHMMSS", the commit time in local time */
static int git_verify_time(char out[15], int64_t commit_time)
{
	time_t tt = (time_t)commit_time;
	struct tm tm;

	return localtime_r(&tt, &tm) && strftime(out, 15, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : -1;
}

/*
 * The time git verifies a commit's signature at, as ssh-keygen compares
 * it with valid-after and valid-before.  git 2.39 gives ssh-keygen
 * -Overify-time=<committer date as YYYYMMDDHHMMSS in local time>, and
 * ssh-keygen reads that back with mktime() and tm_isdst 0, as standard
 * time: during daylight saving time that is an hour after the commit.
 * annal takes the same way, so that it trusts exactly what git trusts.
 */
static int64_t verify_time(struct trust *t, int64_t commit_time)
{
	char text[15];
	int64_t when;

	if (!t->windows)
		return commit_time;	/* no window: the time does not matter */
	if (t->vt_cached && t->vt_sec == commit_time)
		return t->vt;
	if (git_verify_time(text, commit_time) < 0 || parse_ssh_time(&when, text) < 0)
		when = commit_time;
	t->vt_sec = commit_time;
	t->vt = when;
	t->vt_cached = 1;
	return when;
}

/* "<before><fingerprint of pk><after>" */
static int fail(const char **check, const char *id, const char *before,
		const unsigned char *pk, const char *after)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1] = "";

	*check = id;
	if (pk)
		ssh_fingerprint(fp, pk);
	return annal_error_set(ANNAL_ECORRUPT, "%s%s%s", before, fp, after);
}

int trust_check_pins(struct trust *t, const annal_record *rec, const unsigned char *signer,
		     const char **check)
{
	char fp[ANNAL_FINGERPRINT_LEN + 1], local[15] = "?";
	int64_t commit_time = record_commit_time(rec);

	if (!t->pinned || (!t->strict && !trust_pin_names(t, signer)) ||
	    trust_pin_allows(t, signer, verify_time(t, commit_time)))
		return 0;
	*check = "untrustedKey";
	ssh_fingerprint(fp, signer);
	if (t->principal && !trust_pin_names_ns(t, signer))
		return annal_error_set(ANNAL_ECORRUPT,
			"signed by %s, which the central allowed signers do not allow for host '%s'",
			fp, t->principal);
	if (!trust_pin_names_ns(t, signer))
		return annal_error_set(ANNAL_ECORRUPT,
			"signed by %s, which the allowed signers permit for other namespaces than \"%s\" only",
			fp, t->ns ? t->ns : "");
	git_verify_time(local, commit_time);
	return annal_error_set(ANNAL_ECORRUPT,
		"signed by %s, which the allowed signers do not permit at the commit's time (%s local time, as git verifies it): outside its valid-after/valid-before",
		fp, local);
}

int trust_check(struct trust *t, const annal_record *rec, const unsigned char *signer,
		int sig_error, const char **check)
{
	const cJSON *signing = annal_json_get(rec->obj, "signing");
	unsigned char (*keys)[32] = NULL;
	size_t n = 0;
	int error = 0;

	if (signing && (error = trust_parse_signing(&keys, &n, signing)) < 0) {
		*check = "badField";
		return ANNAL_ECORRUPT;
	}
	if (!t->signed_log && !signing) {
		/* records before the first signed one: its id vouches for them */
		if (t->pinned && t->principal && !t->allow_unsigned)
			error = fail(check, "missingSignature",
				     "the record is not signed, but the central policy requires "
				     "signatures (annal.receive.requireSigned)", NULL, "");
		else if (t->pinned && !t->ident && !t->principal)
			error = fail(check, "missingSignature",
				     "the record is not signed, but signers are pinned: "
				     "if the log became signed later by a rotation, pin it with "
				     "'annal key list --pin', which names its first signed record", NULL, "");
		goto out;
	}
	if (sig_error) {
		error = fail(check, "badSignature", "the signature does not verify over the commit", NULL, "");
		goto out;
	}
	if (!signer) {
		error = fail(check, "missingSignature", "the record of a signed log has no signature", NULL, "");
		goto out;
	}
	if (!t->signed_log && t->ident && strcmp(rec->id, t->ident->id)) {
		*check = "pinMismatch";
		error = annal_error_set(ANNAL_ECORRUPT,
			"the log's first signed record is %s, the pin names %s: a different log "
			"(or one rewritten from there on), signed with a pinned key",
			rec->id, t->ident->id);
		goto out;
	}
	if (!t->signed_log) {
		/* the record that starts signing vouches for itself, or a pin does */
		if (!trust_key_in(keys, n, signer)) {
			error = fail(check, "untrustedKey", "signed by ", signer,
				     ", which is not among the keys it declares");
			goto out;
		}
		if (t->pinned && !trust_pin_names(t, signer)) {
			error = fail(check, "untrustedKey", "signed by ", signer, ", which is not a pinned key");
			goto out;
		}
	} else if (t->keys_unknown) {
		if (!trust_pin_names(t, signer)) {
			error = fail(check, "untrustedKey", "signed by ", signer,
				     ", which is not a pinned key; the rotation that added it is not at hand, so pin it too");
			goto out;
		}
	} else if (!trust_key_in(t->keys, t->nkeys, signer)) {
		error = fail(check, "untrustedKey", "signed by ", signer,
			     ", which the log does not trust at this record");
		goto out;
	}
	if ((error = trust_check_pins(t, rec, signer, check)) < 0)
		goto out;
	if (signing) {
		if (!t->signed_log && t->ident)
			t->ident_seen = 1;
		free(t->keys);
		t->keys = keys;
		t->nkeys = n;
		keys = NULL;
		t->signed_log = 1;
		t->keys_unknown = 0;
	}
out:
	free(keys);
	return error;
}

int trust_finish(struct trust *t, const char **check)
{
	if (!t->ident || t->ident_seen)
		return 0;
	*check = "pinMismatch";
	return annal_error_set(ANNAL_ECORRUPT,
		"no record is signed, but the pin names the log's first signed record %s: "
		"a different log (or, in a bundle, only records before it)",
		t->ident->id);
}

int trust_forget(struct trust *t, const char **check)
{
	if (t->ident && !t->ident_seen) {
		*check = "pinMismatch";
		return annal_error_set(ANNAL_ECORRUPT,
			"records are left out before the log's first signed record, so nothing shows that "
			"this is the log the pin names (first signed record %s); export a bundle that holds "
			"that record, or pin the keys only ('annal key list' without --pin)",
			t->ident->id);
	}
	free(t->keys);
	t->keys = NULL;
	t->nkeys = 0;
	t->signed_log = 1;
	t->keys_unknown = 1;
	return 0;
}

void trust_dispose(struct trust *t)
{
	free(t->keys);
	free(t->pins);
	while (t->nidents)
		free(t->idents[--t->nidents].log);
	free(t->idents);
	memset(t, 0, sizeof(*t));
}

int trust_walk_down(annal_repo *repo, const char *log, const git_oid *head,
		    int (*fn)(const annal_record *rec, void *data), void *data)
{
	annal_record *rec = NULL;
	git_oid cur;
	int has = 1, error = 0;

	git_oid_cpy(&cur, head);
	while (has && !error) {
		if ((error = store_read_record(&rec, NULL, &cur, &has, repo, log, &cur)) < 0)
			break;
		error = fn(rec, data);
		annal_record_free(rec);
		rec = NULL;
	}
	return error < 0 ? error : 0;
}

struct keys_after {
	uint64_t seq;
	unsigned char (**keys)[32];
	size_t *n;
};

/* 1 (stop) at the newest "signing" field at or below seq */
static int find_signing(const annal_record *rec, void *data)
{
	struct keys_after *k = data;
	const cJSON *signing;

	if (annal_record_seq(rec) > k->seq || !(signing = annal_json_get(rec->obj, "signing")))
		return 0;
	if (trust_parse_signing(k->keys, k->n, signing) < 0)
		return annal_error_set(ANNAL_ECORRUPT,
				       "record %s has a malformed signing field; run 'annal verify'",
				       rec->id);
	return 1;
}

int trust_keys_after(unsigned char (**keys)[32], size_t *n, annal_repo *repo, const char *log,
		     const git_oid *head, uint64_t seq)
{
	struct keys_after k = { seq, keys, n };

	*keys = NULL;
	*n = 0;
	return trust_walk_down(repo, log, head, find_signing, &k);
}

int trust_keys_at(unsigned char (**keys)[32], size_t *n, annal_repo *repo, const git_oid *head)
{
	return trust_keys_after(keys, n, repo, NULL, head, UINT64_MAX);
}

int trust_head_vouches(int *yes, annal_repo *repo, const git_oid *head, const unsigned char *pk)
{
	git_odb_object *obj = NULL;
	annal_record *rec = NULL;
	struct commit_parts parts;
	annal_buf armor = ANNAL_BUF_INIT, payload = ANNAL_BUF_INIT;
	unsigned char signer[32];
	const char *data;
	size_t len;

	*yes = 0;
	if (store_read(&obj, repo, head) < 0)
		goto out;
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	/*
	 * Anything unexpected (not a record, unsigned, a signature that
	 * does not verify, a "signing" field) is no answer: the caller
	 * walks, and the walk names the damage.
	 */
	if (git_odb_object_type(obj) == GIT_OBJECT_COMMIT &&
	    record_from_commit(&rec, head, data, len) == 0 &&
	    !annal_json_get(rec->obj, "signing") &&
	    record_commit_parse(&parts, data, len) == 0 && parts.sig_end &&
	    record_commit_signature(&armor, &payload, &parts, data, len) == 0 &&
	    ssh_verify(signer, armor.ptr, armor.len, "git", payload.ptr, payload.len) == 0)
		*yes = !memcmp(signer, pk, 32);
out:
	annal_error_clear();
	annal_record_free(rec);
	annal_buf_dispose(&armor);
	annal_buf_dispose(&payload);
	git_odb_object_free(obj);
	return 0;
}

static int log_head(git_oid *head, annal_repo *repo, const char *log)
{
	annal_buf refname = ANNAL_BUF_INIT;
	int exists, error;

	if ((error = store_check_prepared(repo)) < 0 ||
	    (error = store_ref_name(&refname, log)) < 0 ||
	    (error = store_head(head, &exists, repo, refname.ptr)) < 0)
		goto out;
	if (!exists)
		error = annal_error_set(ANNAL_ENOTFOUND, "no such log '%s'", log);
out:
	annal_buf_dispose(&refname);
	return error;
}

int trust_log_head_keys(git_oid *head, unsigned char (**keys)[32], size_t *n,
			annal_repo *repo, const char *log)
{
	unsigned char (*cached)[32] = NULL;
	size_t ncached = 0;
	int error;

	*keys = NULL;
	*n = 0;
	/*
	 * From the records, not the key cache: a rotation writes the set it
	 * computes from these keys into the log, signed by a key the log
	 * trusts, so a cache forged to name a retired key among them would
	 * make a good rotation trust that key again.  Rotations are rare.
	 * The cache is brought up to the head all the same, for the
	 * checkpoints after the rotation.
	 */
	if ((error = log_head(head, repo, log)) < 0 ||
	    (error = keys_after(&cached, &ncached, repo, log, head, UINT64_MAX)) < 0)
		return error;
	free(cached);
	return trust_keys_after(keys, n, repo, log, head, UINT64_MAX);
}

int trust_log_head_keys_for(git_oid *head, unsigned char (**keys)[32], size_t *n,
			    annal_repo *repo, const char *log, const unsigned char *pk)
{
	int vouches = 0, error;

	if ((error = log_head(head, repo, log)) < 0 ||
	    (pk && (error = trust_head_vouches(&vouches, repo, head, pk)) < 0))
		return error;
	/*
	 * A key the head does not vouch for is asked of the records, down
	 * to the newest rotation, not of the key cache: a cache leaving out
	 * the rotation that retired pk, its checksum recomputed, passes the
	 * cache's own checks whenever the head's signer is in both of the
	 * last two key sets (a key added, then the old one retired).  The
	 * cache is brought up to the head all the same.
	 */
	if (!vouches && (error = keys_after(keys, n, repo, log, head, UINT64_MAX)) < 0)
		return error;
	if (!vouches && pk) {
		free(*keys);
		return trust_keys_after(keys, n, repo, log, head, UINT64_MAX);
	}
	if (!vouches)
		return 0;
	if (!(*keys = malloc(sizeof(**keys))))
		return annal_error_oom();
	memcpy(**keys, pk, 32);
	*n = 1;
	return 0;
}
