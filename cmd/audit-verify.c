#include <stdio.h>
#include <string.h>
#include <time.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const audit_verify_usage[] = {
	"annal audit-verify [--key <file> | --allowed-signers <file>] [--log-key <file>... | --log-allowed-signers <file>] [--unpinned] [--witness-key <key>... [--witnesses <k>]] [--list | --format <format>] <bundle>",
	NULL
};

int audit_verify_json_failure(annal_buf *out, const char *message)
{
	return annal_audit_write_json_failure(out, NULL, message);
}

/* One log's lines: indented under "log <name>" in a bundle of several. */
static void print_log(const annal_audit_result *r, const char *indent)
{
	if (r->records) {
		printf("%srecords: %llu (seq %llu..%llu), chain of %llu %s\n", indent,
		       (unsigned long long)r->records, (unsigned long long)r->first_seq,
		       (unsigned long long)r->last_seq, (unsigned long long)r->chain,
		       r->chain == 1 ? "record" : "records");
		printf("%sfirst: seq %llu %s\n", indent, (unsigned long long)r->first_seq, r->first_id);
		printf("%slast: seq %llu %s\n", indent, (unsigned long long)r->last_seq, r->last_id);
	} else if (r->counted) {
		printf("%srecords: 0\n", indent);
	}
	if (r->head_id[0])
		printf("%shead at export: seq %llu %s\n", indent, (unsigned long long)r->head_seq,
		       r->head_id);
	if (r->proved)
		printf("%scheckpoint: %s, size %llu: every record proved in its tree\n", indent,
		       r->origin, (unsigned long long)r->checkpoint_size);
}

/* A bundle of several logs: each log and its result, on standard output. */
static void print_logs(const annal_audit_result *r)
{
	size_t i;

	for (i = 0; i < r->nlogs; i++) {
		const annal_audit_result *l = &r->logs[i];

		printf("log: %s\n", l->log);
		print_log(l, "    ");
		if (l->ok)
			printf("    result: intact\n");
		else
			print_line(stdout, "    result: FAILED: %s", l->problem);
	}
}

int cmd_audit_verify(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *key = NULL, *allowed = NULL, *log_allowed = NULL, *format = NULL;
	struct string_list log_keys = STRING_LIST_INIT, witness_keys = STRING_LIST_INIT;
	uint64_t witnesses = 0;
	annal_witness_policy policy = ANNAL_WITNESS_POLICY_INIT;
	int unpinned = 0, list = 0, pinned;
	struct option options[] = {
		OPT_STRING(0, "key", &key, "<file>", "the bundle must be signed by this public key"),
		OPT_STRING(0, "allowed-signers", &allowed, "<file>", "... or by one of these (OpenSSH format, namespace annal)"),
		OPT_STRING_LIST(0, "log-key", &log_keys, "<file>", "pin the records' keys to this public key (repeatable)"),
		OPT_STRING(0, "log-allowed-signers", &log_allowed, "<file>", "... or to these keys and windows (OpenSSH format, namespace git)"),
		OPT_BOOL(0, "unpinned", &unpinned, "check integrity only, with no pin: anyone could have made the bundle"),
		OPT_STRING_LIST(0, "witness-key", &witness_keys, "<key>", "a witness's verifier key: the bundle's checkpoint must be cosigned by --witnesses of them (repeatable)"),
		OPT_UINT(0, "witnesses", &witnesses, "<k>", "how many of the --witness-key witnesses must cosign (default: all)"),
		OPT_BOOL(0, "list", &list, "print the records checked (jsonl) instead of the summary"),
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: pretty)", pretty_json_junit),
		OPT_END()
	};
	annal_audit_options opts = ANNAL_AUDIT_OPTIONS_INIT;
	annal_audit_result r;
	annal_buf *out = NULL;
	struct timespec t0, t1;
	int error, status = 0;

	memset(&r, 0, sizeof(r));
	argc = parse_options(argc, argv, options, audit_verify_usage);
	if (argc != 1)
		usage_with_options(audit_verify_usage, options,
				   argc ? "too many arguments" : "no bundle given");
	die_if_both(audit_verify_usage, options, "--key", key != NULL, "--allowed-signers", allowed != NULL);
	die_if_both(audit_verify_usage, options, "--log-key", log_keys.n > 0,
		    "--log-allowed-signers", log_allowed != NULL);
	die_if_both(audit_verify_usage, options, "--list", list, "--format", format != NULL);
	die_if_stdin_twice(audit_verify_usage, options,
			   !strcmp(argv[0], "-") ? "the bundle is read from it" : NULL);
	if (!format)
		format = "pretty";
	pinned = key || allowed || log_keys.n || log_allowed;
	die_if_both(audit_verify_usage, options, "--unpinned", unpinned,
		    key ? "--key" : allowed ? "--allowed-signers" :
		    log_allowed ? "--log-allowed-signers" : "--log-key", pinned);
	/* an unpinned "intact" only says the bundle agrees with itself */
	if (!pinned && !unpinned)
		usage_with_options(audit_verify_usage, options,
				   "no pin given; pass --key <exporter.pub> or --allowed-signers <file> "
				   "for the bundle's signer, --log-allowed-signers <file> (from "
				   "'annal key list --pin') for the log, or --unpinned to check integrity only");
	witness_policy_options(&policy, audit_verify_usage, options, &witness_keys, witnesses);
	opts.witnesses = witness_keys.n ? &policy : NULL;
	opts.key = key;
	opts.allowed_signers = allowed;
	opts.log_keys = log_keys.v;
	opts.nlog_keys = log_keys.n;
	opts.log_allowed_signers = log_allowed;
	if (list && (error = annal_buf_new(&out)) < 0) {
		status = report_error(error);
		goto out;
	}
	opts.list = list ? out : NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	error = annal_bundle_verify(&r, argv[0], &opts);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (error < 0) {
		const annal_error *e = annal_error_last();
		char shown[4096];

		status = error_status(error);
		if (!strcmp(format, "junit")) {
			/* nothing checked: the report says why, and so does standard error */
			annal_text_escape(shown, sizeof(shown),
					  e && e->message ? e->message : "unknown error",
					  strlen(e && e->message ? e->message : "unknown error"));
			report_error(error);
			if (annal_buf_new(&out) < 0 ||
			    annal_junit_write_failure(out, "audit-verify", NULL, shown) < 0 ||
			    write_out(out))
				status = 3;
			goto out;
		}
		if (strcmp(format, "json")) {
			report_error(error);
			goto out;
		}
		/* nothing checked, but still one object naming the bundle */
		json_errors(NULL, NULL);
		annal_buf_free(out);
		out = NULL;
		annal_text_escape(shown, sizeof(shown), e && e->message ? e->message : "unknown error",
				  strlen(e && e->message ? e->message : "unknown error"));
		if (annal_buf_new(&out) < 0 ||
		    annal_audit_write_json_failure(out, argv[0], shown) < 0 ||
		    write_out(out))
			status = 3;
		goto out;
	}
	if (!strcmp(format, "json")) {
		if ((error = annal_buf_new(&out)) < 0 ||
		    (error = annal_audit_write_json(out, argv[0], &r)) < 0) {
			status = report_error(error);
			goto out;
		}
		status = write_out(out);
		if (!status && !r.ok)
			status = 1;
		goto out;
	}
	if (!strcmp(format, "junit")) {
		/* the report on standard output, the problem on standard error */
		if ((error = annal_buf_new(&out)) < 0 ||
		    (error = annal_audit_write_junit(out, argv[0], &r,
						     (double)(t1.tv_sec - t0.tv_sec) +
						     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9)) < 0) {
			status = report_error(error);
			goto out;
		}
		status = write_out(out);
		if (!r.ok)
			print_error("bundle %s: %s", argv[0], r.problem);
		if (!status && !r.ok)
			status = 1;
		goto out;
	}
	if (!r.ok) {
		if (r.nlogs && !list) {
			print_line(stdout, "bundle: %s", argv[0]);
			print_logs(&r);
		}
		print_error("bundle %s: %s", argv[0], r.problem);
		status = 1;
		goto out;
	}
	if (list) {
		status = write_out(out);
		goto out;
	}
	print_line(stdout, "bundle: %s", argv[0]);
	if (r.pinned)
		printf("signer: %s (pinned)\n", r.signer);
	else
		printf("signer: %s (NOT pinned: checked against the key in the bundle)\n", r.signer);
	if (r.nlogs) {
		printf("logs: %zu, records: %llu\n", r.nlogs, (unsigned long long)r.records);
		if (r.log_pinned)
			printf("log keys: pinned\n");
		print_logs(&r);
	} else {
		printf("log: %s\n", r.log);
		if (r.log_pinned)
			printf("log keys: pinned\n");
		print_log(&r, "");
	}
	printf("created: %s\n", r.created);
	if (r.pinned || r.log_pinned)
		printf("result: intact\n");
	else
		printf("result: intact, UNPINNED (anyone could have made this bundle)\n");
out:
	annal_audit_result_dispose(&r);
	annal_buf_free(out);
	string_list_clear(&log_keys);
	string_list_clear(&witness_keys);
	(void)ctx;
	return status;
}
