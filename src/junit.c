/*
 * JUnit XML reports of verify and audit-verify, for the test reporters
 * of CI systems (GitLab, Jenkins, GitHub's, Buildkite).  The format is
 * Ant's, as Jenkins' schema of it accepts (t/junit.xsd): <testsuites>,
 * a <testsuite> per log with <properties>, a <testcase> per class of
 * checks, <failure> or <skipped> in it.  A test that passed says so by
 * holding neither.  Every string goes through xml_put_escaped().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annal.h"
#include "buf.h"
#include "date.h"
#include "json.h"
#include "junit.h"
#include "xml.h"
#include "banned.h"

/* The order verify checks in: a class of a later stage ran after all of
   an earlier one passed */
enum stage { S_REPOSITORY, S_RECORDS, S_ANCHOR, S_CACHES, S_CHECKPOINTS, S_WITNESSES };

/*
 * The classes of verify's checks, one <testcase> each (annal-verify(1),
 * "JUnit XML"); every check id is in one, " id " in checks.
 */
static const struct check_class {
	const char *name;
	enum stage stage;
	const char *checks;
} classes[] = {
	{ "repository", S_REPOSITORY,
	  " badRef unsafeRepository objectMissing objectHashMismatch notCommit mergeCommit noLogs deletedRef badLayout " },
	{ "records", S_RECORDS,
	  " badRecord nonCanonical missingField badField recordHashMismatch commitMismatch badCorrects originChanged " },
	{ "chain", S_RECORDS, " seqGap tsBackwards tsFuture prevHashMismatch sharedRecord " },
	{ "signatures", S_RECORDS, " missingSignature badSignature untrustedKey " },
	{ "pin", S_RECORDS, " pinMismatch " },
	{ "anchor", S_ANCHOR, " anchorNotFound nonFastForward " },
	{ "caches", S_CACHES, " indexMismatch keysMismatch treeMismatch " },
	{ "checkpoints", S_CHECKPOINTS,
	  " checkpointTruncated checkpointMismatch splitView checkpointOrigin badCheckpointSignature badCheckpoint " },
	{ "witnesses", S_WITNESSES, " witnessQuorum " },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

/* The class of check: its index; the first (repository) for an unknown one. */
static size_t class_of(const char *check)
{
	char key[64];
	size_t i;

	snprintf(key, sizeof(key), " %s ", check ? check : "");
	for (i = 0; i < NCLASSES; i++)
		if (strstr(classes[i].checks, key))
			return i;
	return 0;
}

const char *junit_check_class(const char *check)
{
	return classes[class_of(check)].name;
}

enum outcome { PASSED, FAILED, SKIPPED };

struct test {
	const char *name;
	enum outcome outcome;
	uint64_t count;		/* what it checked: how many units */
	const char *unit;	/* "record", "checkpoint", "anchor" */
	char why[160];		/* skipped: why */
};

static void put_attr(annal_buf *out, const char *name, const char *value)
{
	annal_buf_printf(out, " %s=\"", name);
	xml_puts_escaped(out, value);
	annal_buf_putc(out, '"');
}

static void put_property(annal_buf *out, const char *name, const char *value)
{
	annal_buf_puts(out, "<property");
	put_attr(out, "name", name);
	put_attr(out, "value", value);
	annal_buf_puts(out, "/>\n");
}

static void put_property_u64(annal_buf *out, const char *name, uint64_t value)
{
	char n[24];

	snprintf(n, sizeof(n), "%llu", (unsigned long long)value);
	put_property(out, name, n);
}

/* "2026-11-25T12:00:00", UTC, as Ant writes a timestamp (no zone). */
static void timestamp(char out[20])
{
	char ts[ANNAL_TS_LEN + 1];
	int64_t now;

	if (annal_time_now(&now) < 0 || annal_time_format(ts, now) < 0)
		snprintf(ts, sizeof(ts), "1970-01-01T00:00:00.000Z");
	memcpy(out, ts, 19);
	out[19] = '\0';
}

static void open_suite(annal_buf *out, const char *name, const struct test *t, size_t n,
		       double seconds)
{
	size_t i, failures = 0, skipped = 0;
	char ts[20];

	for (i = 0; i < n; i++) {
		failures += t[i].outcome == FAILED;
		skipped += t[i].outcome == SKIPPED;
	}
	timestamp(ts);
	annal_buf_puts(out, "<testsuite");
	put_attr(out, "name", name);
	annal_buf_printf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\""
			 " time=\"%.3f\" timestamp=\"%s\">\n", n, failures, skipped,
			 seconds, ts);
}

/*
 * A <testcase>: passed, skipped (why), or failed with failure, whose
 * message attribute is its first line and whose text is all of it.
 */
static void put_test(annal_buf *out, const char *classname, const struct test *t,
		     const char *type, const char *failure)
{
	const char *nl;

	annal_buf_puts(out, "<testcase");
	put_attr(out, "classname", classname);
	put_attr(out, "name", t->name);
	annal_buf_printf(out, " assertions=\"%llu\">\n", (unsigned long long)t->count);
	if (t->outcome == SKIPPED) {
		annal_buf_puts(out, "<skipped");
		put_attr(out, "message", t->why);
		annal_buf_puts(out, "/>\n");
	} else if (t->outcome == FAILED) {
		nl = strchr(failure, '\n');
		annal_buf_puts(out, "<failure");
		put_attr(out, "type", type);
		annal_buf_puts(out, " message=\"");
		xml_put_escaped(out, failure, nl ? (size_t)(nl - failure) : strlen(failure));
		annal_buf_puts(out, "\">");
		/* each line escaped on its own: the newlines stay */
		for (; failure; failure = nl ? nl + 1 : NULL) {
			nl = strchr(failure, '\n');
			xml_put_escaped(out, failure, nl ? (size_t)(nl - failure) : strlen(failure));
			if (nl)
				annal_buf_putc(out, '\n');
		}
		annal_buf_puts(out, "</failure>\n");
	}
	annal_buf_printf(out, "<system-out>%llu %s%s checked</system-out>\n",
			 (unsigned long long)t->count, t->unit, t->count == 1 ? "" : "s");
	annal_buf_puts(out, "</testcase>\n");
}

/*
 * What each class of checks says of log l.  A class of the stage that
 * failed stopped where the failure was; a later stage never ran.
 */
static void verify_tests(struct test *t, const annal_verify_junit_log *l)
{
	const annal_verify_result *r = l->result;
	size_t i, failed = r->ok ? NCLASSES : class_of(r->check);
	enum stage stop = failed < NCLASSES ? classes[failed].stage : S_WITNESSES + 1;

	/* after a treeMismatch the checkpoints are checked all the same */
	if (failed < NCLASSES && !strcmp(r->check, "treeMismatch"))
		stop = S_CHECKPOINTS + 1;
	for (i = 0; i < NCLASSES; i++) {
		const struct check_class *c = &classes[i];

		t[i].name = c->name;
		t[i].outcome = PASSED;
		t[i].count = r->records;
		t[i].unit = "record";
		t[i].why[0] = '\0';
		if (c->stage == S_ANCHOR) {
			t[i].count = l->anchor || l->state;
			t[i].unit = "anchor";
		} else if (c->stage >= S_CHECKPOINTS) {
			t[i].count = r->checkpoints;
			t[i].unit = "checkpoint";
		}
		if (i == failed) {
			t[i].outcome = FAILED;
			continue;
		}
		if (c->stage == S_RECORDS && !strcmp(c->name, "signatures") && !r->is_signed)
			snprintf(t[i].why, sizeof(t[i].why), "the log is not signed");
		else if (!strcmp(c->name, "pin") && !l->pinned)
			snprintf(t[i].why, sizeof(t[i].why),
				 "no pin given (--allowed-signers, --key): the log is checked against the keys it declares");
		else if (c->stage == S_ANCHOR && !l->anchor && !l->state)
			snprintf(t[i].why, sizeof(t[i].why), "no anchor given (--anchor, --anchor-file, --state)");
		else if (c->stage == S_WITNESSES && !l->witnesses)
			snprintf(t[i].why, sizeof(t[i].why), "no witness asked for (--witness-key)");
		else if (c->stage == S_CHECKPOINTS && !r->checkpoints && c->stage < stop)
			snprintf(t[i].why, sizeof(t[i].why),
				 "no checkpoint given (--checkpoint) or kept (refs/annal/checkpoints/<log>)");
		else if (c->stage == stop)
			snprintf(t[i].why, sizeof(t[i].why),
				 "stopped after %llu records: %s failed first",
				 (unsigned long long)r->records, r->check);
		else if (c->stage > stop)
			snprintf(t[i].why, sizeof(t[i].why), "not run: %s failed first", r->check);
		if (t[i].why[0]) {
			t[i].outcome = SKIPPED;
			/* what a class that stopped checked before */
			if (c->stage != stop)
				t[i].count = 0;
		}
	}
}

/* The fingerprints of the keys log was signed with: a property each. */
static int put_signers(annal_buf *out, annal_repo *repo, const char *log)
{
	annal_buf json = ANNAL_BUF_INIT;
	cJSON *o = NULL;
	const cJSON *k, *fp, *before;
	int error;

	if ((error = annal_log_signers_json(&json, repo, log)) < 0 ||
	    (error = annal_json_parse(&o, json.ptr, json.len)) < 0)
		goto out;
	k = annal_json_get(o, "keys");
	for (k = k ? k->child : NULL; k; k = k->next) {
		fp = annal_json_get(k, "fingerprint");
		before = annal_json_get(k, "valid_before");
		if (!cJSON_IsString(fp))
			continue;
		/* a key retired by a rotation signed the records before it */
		put_property(out, cJSON_IsString(before) ? "signer.retired" : "signer",
			     fp->valuestring);
	}
out:
	cJSON_Delete(o);
	annal_buf_dispose(&json);
	return error;
}

int annal_verify_write_junit(annal_buf *out, annal_repo *repo,
			     const annal_verify_junit_log *logs, size_t n)
{
	struct test t[NCLASSES];
	annal_buf failure = ANNAL_BUF_INIT;
	size_t i, j, tests = 0, failures = 0;
	double seconds = 0;
	int error = 0;

	for (i = 0; i < n; i++) {
		verify_tests(t, &logs[i]);
		for (j = 0; j < NCLASSES; j++)
			failures += t[j].outcome == FAILED;
		tests += NCLASSES;
		seconds += logs[i].seconds;
	}
	annal_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	annal_buf_printf(out, "<testsuites name=\"annal verify\" tests=\"%zu\" failures=\"%zu\""
			 " errors=\"0\" time=\"%.3f\">\n", tests, failures, seconds);
	for (i = 0; i < n; i++) {
		const annal_verify_result *r = logs[i].result;

		verify_tests(t, &logs[i]);
		open_suite(out, r->log, t, NCLASSES, logs[i].seconds);
		annal_buf_puts(out, "<properties>\n");
		put_property(out, "log", r->log);
		if (r->head[0])
			put_property(out, "head", r->head);
		put_property_u64(out, "records", r->records);
		put_property(out, "signed", r->is_signed > 0 ? "true" : r->is_signed < 0 ? "unknown" :
			     "false");
		if (logs[i].anchor)
			put_property(out, "anchor", logs[i].anchor);
		if (r->checkpoints)
			put_property_u64(out, "checkpoints", r->checkpoints);
		/* keys a log that failed declares vouch for nothing */
		if (r->ok && r->is_signed > 0 && (error = put_signers(out, repo, r->log)) < 0)
			goto out;
		annal_buf_puts(out, "</properties>\n");
		annal_buf_clear(&failure);
		if (!r->ok) {
			if (r->position)
				annal_buf_printf(&failure, "log %s: record %llu (%s): %s: %s\n",
						 r->log, (unsigned long long)r->position, r->commit,
						 r->check, r->message);
			else if (r->commit[0])
				annal_buf_printf(&failure, "log %s: record %s: %s: %s\n", r->log,
						 r->commit, r->check, r->message);
			else
				annal_buf_printf(&failure, "log %s: %s: %s\n", r->log, r->check,
						 r->message);
			annal_buf_printf(&failure, "log: %s\n", r->log);
			if (r->position)
				annal_buf_printf(&failure, "record: %llu\n",
						 (unsigned long long)r->position);
			if (r->commit[0])
				annal_buf_printf(&failure, "id: %s\n", r->commit);
			annal_buf_printf(&failure, "check: %s\nmessage: %s", r->check, r->message);
		}
		for (j = 0; j < NCLASSES; j++)
			put_test(out, r->log, &t[j], r->check, failure.ptr ? failure.ptr : "");
		annal_buf_puts(out, "</testsuite>\n");
	}
	annal_buf_puts(out, "</testsuites>\n");
	error = annal_buf_error(&failure) < 0 ? ANNAL_ENOMEM : annal_buf_error(out);
out:
	annal_buf_dispose(&failure);
	return error;
}

int annal_junit_write_failure(annal_buf *out, const char *what, const char *check,
			      const char *message)
{
	struct test t = { what, check ? FAILED : PASSED, 0, "log", "" };
	char name[64];
	char ts[20];

	snprintf(name, sizeof(name), "annal %s", what);
	timestamp(ts);
	annal_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	put_attr(out, "name", name);
	annal_buf_printf(out, " tests=\"1\" failures=\"%d\" errors=\"%d\" time=\"0.000\">\n",
			 check != NULL, check == NULL);
	annal_buf_puts(out, "<testsuite");
	put_attr(out, "name", name);
	annal_buf_printf(out, " tests=\"1\" failures=\"%d\" errors=\"%d\" skipped=\"0\""
			 " time=\"0.000\" timestamp=\"%s\">\n", check != NULL, check == NULL, ts);
	if (check) {
		put_test(out, name, &t, check, message);
	} else {
		/* nothing was checked: an error, not a failure of the logs */
		annal_buf_puts(out, "<testcase");
		put_attr(out, "classname", name);
		put_attr(out, "name", what);
		annal_buf_puts(out, ">\n<error type=\"error\"");
		put_attr(out, "message", message);
		annal_buf_puts(out, ">");
		xml_puts_escaped(out, message);
		annal_buf_puts(out, "</error>\n</testcase>\n");
	}
	annal_buf_puts(out, "</testsuite>\n</testsuites>\n");
	return annal_buf_error(out);
}

/* ---- audit-verify ---- */

/*
 * One log of a bundle: its records (every check annal-bundle(5) names
 * for a log: its manifest entry, chain, records, commits, signatures,
 * pins and derived formats) and its checkpoint proofs (version 3).
 */
static void put_bundle_log(annal_buf *out, const char *path, const annal_audit_result *l,
			   int failed, double seconds)
{
	struct test t[2] = {
		{ "records", failed ? FAILED : PASSED, l->records, "record", "" },
		{ "checkpoint proofs", l->proved ? PASSED : SKIPPED, l->proved ? l->records : 0,
		  "record", "" },
	};
	char classname[320];

	if (!l->proved)
		snprintf(t[1].why, sizeof(t[1].why), failed ? "not known: the records failed first" :
			 "the bundle holds no checkpoint and proofs for the log");
	snprintf(classname, sizeof(classname), "bundle %s", l->log);
	open_suite(out, l->log, t, 2, seconds);
	annal_buf_puts(out, "<properties>\n");
	put_property(out, "bundle", path);
	put_property(out, "log", l->log);
	if (l->head_id[0])
		put_property(out, "head", l->head_id);
	if (l->counted)
		put_property_u64(out, "records", l->records);
	if (l->first_id[0]) {
		put_property(out, "first", l->first_id);
		put_property(out, "last", l->last_id);
	}
	if (l->log_signed >= 0)
		put_property(out, "signed", l->log_signed ? "true" : "false");
	put_property(out, "log_pinned", l->log_pinned ? "true" : "false");
	if (l->proved) {
		put_property(out, "checkpoint.origin", l->origin);
		put_property_u64(out, "checkpoint.size", l->checkpoint_size);
	}
	annal_buf_puts(out, "</properties>\n");
	put_test(out, classname, &t[0], "bundle", l->problem);
	put_test(out, classname, &t[1], "bundle", "");
	annal_buf_puts(out, "</testsuite>\n");
}

int annal_audit_write_junit(annal_buf *out, const char *path, const annal_audit_result *r,
			    double seconds)
{
	struct test bundle = { "signature and manifest", PASSED, 1, "bundle", "" };
	size_t i, tests = 1, failures = 0;
	int log_failed = 0, single;

	/*
	 * Where the first problem lies: in a log (one of several, or the one
	 * log once the manifest named it), or in the bundle itself.
	 */
	single = !r->nlogs && r->log[0];
	for (i = 0; i < r->nlogs; i++)
		log_failed |= !r->logs[i].ok;
	if (single)
		log_failed = !r->ok;
	if (!r->ok && !log_failed)
		bundle.outcome = FAILED;
	failures = bundle.outcome == FAILED;
	for (i = 0; i < r->nlogs; i++, tests += 2)
		failures += !r->logs[i].ok;
	if (single) {
		tests += 2;
		failures += !r->ok;
	}
	annal_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	annal_buf_printf(out, "<testsuites name=\"annal audit-verify\" tests=\"%zu\" failures=\"%zu\""
			 " errors=\"0\" time=\"%.3f\">\n", tests, failures, seconds);
	open_suite(out, path, &bundle, 1, seconds);
	annal_buf_puts(out, "<properties>\n");
	put_property(out, "bundle", path);
	if (r->signer[0])
		put_property(out, "signer", r->signer);
	put_property(out, "pinned", r->pinned ? "true" : "false");
	if (r->created[0])
		put_property(out, "created", r->created);
	if (r->nlogs)
		put_property_u64(out, "logs", r->nlogs);
	annal_buf_puts(out, "</properties>\n");
	put_test(out, "bundle", &bundle, "bundle", r->problem);
	annal_buf_puts(out, "</testsuite>\n");
	for (i = 0; i < r->nlogs; i++)
		put_bundle_log(out, path, &r->logs[i], !r->logs[i].ok, 0);
	if (single)
		put_bundle_log(out, path, r, !r->ok, seconds);
	annal_buf_puts(out, "</testsuites>\n");
	return annal_buf_error(out);
}
