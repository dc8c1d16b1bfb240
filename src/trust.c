#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ssh.h"
#include "trust.h"
#include "banned.h"

static int key_in(unsigned char (*keys)[32], size_t n, const unsigned char *pk)
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
		    key_in(v, i, v[i]))
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

static int add_pin(struct trust *t, const unsigned char *pk, int64_t after, int64_t before)
{
	struct pin *p = realloc(t->pins, (t->npins + 1) * sizeof(*p));

	if (!p)
		return annal_error_oom();
	t->pins = p;
	memcpy(p[t->npins].pk, pk, 32);
	p[t->npins].valid_after = after;
	p[t->npins].valid_before = before;
	t->npins++;
	t->pinned = 1;
	return 0;
}

int trust_pin_key(struct trust *t, const char *path)
{
	annal_key *k = NULL;
	int error;

	if ((error = annal_key_load_public(&k, path)) < 0)
		return error;
	error = add_pin(t, k->pk, 0, INT64_MAX);
	annal_key_free(k);
	return error;
}

/* YYYYMMDD[HHMM[SS]][Z], as ssh-keygen reads valid-after/valid-before. */
static int parse_ssh_time(int64_t *out, const char *s, size_t len)
{
	char t[32];
	int f[6] = { 0, 1, 1, 0, 0, 0 }, widths[6] = { 4, 2, 2, 2, 2, 2 }, i, k, pos = 0;

	if (len && (s[len - 1] == 'Z' || s[len - 1] == 'z'))
		len--;	/* we read every time as UTC */
	if (len != 8 && len != 12 && len != 14)
		return -1;
	for (i = 0; i < (int)len; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	for (i = 0; i < 6 && pos < (int)len; i++) {
		f[i] = 0;
		for (k = 0; k < widths[i]; k++)
			f[i] = f[i] * 10 + (s[pos++] - '0');
	}
	snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02dZ", f[0], f[1], f[2], f[3], f[4], f[5]);
	return annal_time_parse_rfc3339(out, t) < 0 ? -1 : 0;
}

/* OpenSSH's match_pattern(): '*' any run of bytes, '?' any one byte. */
static int glob_match(const char *str, const char *end, const char *pat, const char *pend)
{
	for (; pat < pend; pat++, str++) {
		if (*pat == '*') {
			while (pat < pend && *pat == '*')
				pat++;
			if (pat == pend)
				return 1;
			for (; str <= end; str++)
				if (glob_match(str, end, pat, pend))
					return 1;
			return 0;
		}
		if (str == end || (*pat != '?' && *pat != *str))
			return 0;
	}
	return str == end;
}

/*
 * Whether the namespaces="..." list allows ns, as OpenSSH's
 * match_pattern_list(): comma-separated patterns, a leading '!' negates,
 * a negated match denies whatever else matches.
 */
static int namespace_allowed(const char *ns, const char *list, size_t len)
{
	const char *p = list, *end = list + len, *q, *ns_end = ns + strlen(ns);
	int positive = 0, negated;

	while (p <= end) {
		for (q = p; q < end && *q != ','; q++)
			;
		negated = p < q && *p == '!';
		if (glob_match(ns, ns_end, p + negated, q)) {
			if (negated)
				return 0;
			positive = 1;
		}
		p = q + 1;
	}
	return positive;
}

/* Options of an allowed_signers line; *use = 0 when it cannot apply to ns. */
static int parse_options(const char *s, size_t len, const char *ns, int *use, int64_t *after,
			 int64_t *before)
{
	size_t i = 0;

	*use = 1;
	while (i < len) {
		size_t start = i, eq = 0, vstart, vend;
		int quoted = 0;
		char name[32];

		while (i < len && (quoted || s[i] != ',')) {
			if (s[i] == '"')
				quoted = !quoted;
			if (s[i] == '=' && !eq)
				eq = i;
			i++;
		}
		if (quoted)
			return -1;
		if (!eq)
			eq = i;
		if (eq - start >= sizeof(name))
			return -1;
		memcpy(name, s + start, eq - start);
		name[eq - start] = '\0';
		vstart = eq < i ? eq + 1 : i;
		vend = i;
		/* a lone '"' is not a quoted empty value: vend would pass vstart */
		if (vend - vstart >= 2 && s[vstart] == '"' && s[vend - 1] == '"') {
			vstart++;
			vend--;
		}
		if (!strcasecmp(name, "namespaces")) {
			if (!namespace_allowed(ns, s + vstart, vend - vstart))
				*use = 0;
		} else if (!strcasecmp(name, "valid-after")) {
			if (parse_ssh_time(after, s + vstart, vend - vstart) < 0)
				return -1;
		} else if (!strcasecmp(name, "valid-before")) {
			if (parse_ssh_time(before, s + vstart, vend - vstart) < 0)
				return -1;
		} else if (!strcasecmp(name, "cert-authority")) {
			*use = 0;	/* certificates are not ours to check */
		} else {
			return -1;	/* as OpenSSH: an unknown option voids the line */
		}
		if (i < len)
			i++;
	}
	return 0;
}

int trust_pin_allowed_signers(struct trust *t, const char *path, const char *ns)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int error = 0, any = 0;

	if (!fp)
		return annal_error_set(ANNAL_EINVALID, "cannot open allowed signers '%s': %s",
				       path, strerror(errno));
	while ((len = getline(&line, &cap, fp)) >= 0) {
		char *p = line, *end = line + len, *opts = NULL, *key;
		size_t optlen = 0;
		int64_t after = 0, before = INT64_MAX;
		int use = 1;
		unsigned char pk[32];

		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			error = annal_error_set(ANNAL_EINVALID, "%s:%zu: a NUL byte in the line",
						path, lineno);
			goto out;
		}
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end || *p == '#')
			continue;
		/* principals, possibly quoted */
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				;
			if (p == end) {
				error = annal_error_set(ANNAL_EINVALID, "%s:%zu: unterminated quote",
							path, lineno);
				goto out;
			}
			p++;
		}
		while (p < end && !isspace((unsigned char)*p))
			p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		/* options, unless the key type comes next */
		if (strncmp(p, "ssh-", 4) && strncmp(p, "sk-", 3) && strncmp(p, "ecdsa-", 6)) {
			int quoted = 0;
			opts = p;
			while (p < end && (quoted || !isspace((unsigned char)*p))) {
				if (*p == '"')
					quoted = !quoted;
				p++;
			}
			optlen = (size_t)(p - opts);
			while (p < end && isspace((unsigned char)*p))
				p++;
		}
		key = p;
		if (opts && parse_options(opts, optlen, ns, &use, &after, &before) < 0) {
			error = annal_error_set(ANNAL_EINVALID,
				"%s:%zu: bad options (annal knows namespaces, valid-after, valid-before, cert-authority)",
				path, lineno);
			goto out;
		}
		if (strncmp(key, "ssh-ed25519", 11))
			continue;	/* other key types cannot sign annal records */
		if (ssh_parse_public_line(pk, key, (size_t)(end - key)) < 0) {
			error = annal_error_set(ANNAL_EINVALID, "%s:%zu: malformed key", path, lineno);
			goto out;
		}
		any = 1;
		if (use && (error = add_pin(t, pk, after, before)) < 0)
			goto out;
	}
	if (ferror(fp)) {
		error = annal_error_set(ANNAL_ERROR, "cannot read '%s'", path);
		goto out;
	}
	t->pinned = 1;	/* even an empty file pins: nothing is trusted */
	(void)any;
out:
	free(line);
	fclose(fp);
	return error;
}

int trust_pinned(const struct trust *t, const unsigned char *pk, int64_t when)
{
	size_t i;

	for (i = 0; i < t->npins; i++)
		if (!memcmp(t->pins[i].pk, pk, 32) && when >= t->pins[i].valid_after &&
		    when <= t->pins[i].valid_before)
			return 1;
	return 0;
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
		if (t->pinned)
			error = fail(check, "missingSignature",
				     "the log is not signed, but signers are pinned", NULL, "");
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
	if (!t->signed_log) {
		/* the record that starts signing vouches for itself, or a pin does */
		if (!key_in(keys, n, signer)) {
			error = fail(check, "untrustedKey", "signed by ", signer,
				     ", which is not among the keys it declares");
			goto out;
		}
		if (t->pinned && !trust_pinned(t, signer, rec->ts_ms)) {
			error = fail(check, "untrustedKey", "signed by ", signer, ", which is not a pinned key");
			goto out;
		}
	} else if (!key_in(t->keys, t->nkeys, signer)) {
		error = fail(check, "untrustedKey", "signed by ", signer,
			     ", which the log does not trust at this record");
		goto out;
	}
	if (signing) {
		free(t->keys);
		t->keys = keys;
		t->nkeys = n;
		keys = NULL;
		t->signed_log = 1;
	}
out:
	free(keys);
	return error;
}

void trust_dispose(struct trust *t)
{
	free(t->keys);
	free(t->pins);
	memset(t, 0, sizeof(*t));
}

int trust_keys_at(unsigned char (**keys)[32], size_t *n, annal_repo *repo, const git_oid *head)
{
	annal_record *rec = NULL;
	git_oid cur;
	int has = 1, error = 0;

	*keys = NULL;
	*n = 0;
	git_oid_cpy(&cur, head);
	while (has) {
		const cJSON *signing;

		if ((error = store_read_record(&rec, NULL, &cur, &has, repo, NULL, &cur)) < 0)
			goto out;
		if ((signing = annal_json_get(rec->obj, "signing"))) {
			if ((error = trust_parse_signing(keys, n, signing)) < 0)
				error = annal_error_set(ANNAL_ECORRUPT,
					"record %s has a malformed signing field; run 'annal verify'", rec->id);
			goto out;
		}
		annal_record_free(rec);
		rec = NULL;
	}
out:
	annal_record_free(rec);
	return error;
}
