#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtin.h"
#include "parse-options.h"
#include "banned.h"

static const char *const verify_usage[] = {
	"annal verify [--log <name> | --all [--allow-empty]] [--anchor <id> | --anchor-file <file> | --state <file>] [--allowed-signers <file> | --key <file>] [--checkpoint <file>... [--checkpoint-key <key>...] [--witness-key <key>... [--witnesses <k>]]] [-q | --format <format>]",
	"annal verify --pre-receive",
	NULL
};

/*
 * git shows the hook's standard error to the pusher as "remote: ...": a
 * line per refused ref, and for the others why they did not land either.
 */
static int pre_receive_hook(struct cmd_context *ctx)
{
	annal_receive_result *v = NULL;
	size_t n = 0, i;
	int error, refused = 0;

	if ((error = annal_receive_check(&v, &n, ctx->repo, "-")) < 0)
		return report_error(error);
	for (i = 0; i < n; i++) {
		const annal_verify_result *r = &v[i].result;

		if (r->ok)
			continue;
		refused = 1;
		if (r->position)
			print_error("%s: record %llu (%s): %s: %s", v[i].ref,
				    (unsigned long long)r->position, r->commit, r->check, r->message);
		else if (r->commit[0])
			print_error("%s: record %s: %s: %s", v[i].ref, r->commit, r->check,
				    r->message);
		else
			print_error("%s: %s: %s", v[i].ref, r->check, r->message);
	}
	for (i = 0; refused && i < n; i++)
		if (v[i].result.ok)
			print_line(stderr, "annal: %s: %s, but not updated: git refuses the whole push when one ref is refused",
				   v[i].ref, v[i].audit ? "verified" : "not a log");
	free(v);
	return refused;
}

/*
 * The log verified: now its checkpoints (the files, and those kept in
 * refs/annal/checkpoints/<log>).  A failed check marks r failed, in place
 * of a treeMismatch: a log truncated or rewritten is the finding, its
 * tree cache only derived data.  0, or a library error for input that
 * cannot be read.
 */
static int verify_checkpoints(annal_verify_result *r, size_t *count, struct cmd_context *ctx,
			      const char *log, const struct string_list *files,
			      const struct string_list *keys, const annal_verify_states *states)
{
	annal_checkpoint_verify_options opts = ANNAL_CHECKPOINT_VERIFY_OPTIONS_INIT;
	const char *check = NULL;
	int error;

	opts.log = log;
	opts.files = files->v;
	opts.nfiles = files->n;
	opts.log_keys = keys->v;
	opts.nlog_keys = keys->n;
	opts.rebuild_tree = !r->ok;
	opts.incremental = states != NULL;
	opts.states = states;
	error = annal_checkpoint_verify(count, &check, ctx->repo, &opts);
	if (error != ANNAL_ECORRUPT)
		return error;
	r->ok = 0;
	r->check = check;
	r->position = 0;
	r->commit[0] = '\0';
	snprintf(r->message, sizeof(r->message), "%s", annal_error_last()->message);
	return 0;
}

/*
 * The log and its checkpoints verified: each checkpoint given must carry
 * cosignatures by k of the witnesses (annal-verify(1), "Witnesses").
 */
static int verify_witnesses(annal_verify_result *r, annal_buf *report,
			    const struct string_list *files, const annal_witness_policy *policy)
{
	size_t i;
	int error = 0;

	for (i = 0; i < files->n; i++) {
		error = annal_witness_policy_check(report, policy, files->v[i]);
		if (error == ANNAL_ECORRUPT) {
			r->ok = 0;
			r->check = "witnessQuorum";
			r->position = 0;
			r->commit[0] = '\0';
			snprintf(r->message, sizeof(r->message), "%s", annal_error_last()->message);
			return 0;
		}
		if (error < 0)
			return error;
	}
	return 0;
}

/* Each line of report, after "log <log>: ". */
static void print_report(const char *log, const annal_buf *report)
{
	const char *p = annal_buf_ptr(report), *nl;

	for (; p && *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		print_line(stdout, "log %s: %.*s", log, (int)(nl - p), p);
	}
}

int cmd_verify(int argc, const char **argv, struct cmd_context *ctx)
{
	const char *log = NULL, *anchor = NULL, *anchor_file = NULL, *format = NULL, *allowed = NULL, *key = NULL;
	const char *check = NULL, *state = NULL;
	int all = 0, allow_empty = 0, quiet = 0, pre_receive = 0;
	struct string_list checkpoints = STRING_LIST_INIT, checkpoint_keys = STRING_LIST_INIT;
	struct string_list witness_keys = STRING_LIST_INIT;
	uint64_t witnesses = 0;
	annal_witness_policy policy = ANNAL_WITNESS_POLICY_INIT;
	struct option options[] = {
		OPT_STRING(0, "log", &log, "<name>", "log to verify (default: main)"),
		OPT_BOOL(0, "all", &all, "verify every log in the repository"),
		OPT_BOOL(0, "allow-empty", &allow_empty, "with --all, succeed when there is no log"),
		OPT_STRING(0, "anchor", &anchor, "<id>", "a record seen earlier, by its full id or hash, that must still be in the chain"),
		OPT_STRING(0, "anchor-file", &anchor_file, "<file>", "check each log against the head <file> holds for it; write the new heads there after success"),
		OPT_STRING(0, "state", &state, "<file>", "verify only the records after the heads <file> holds; write the new heads and what verify needs there after success"),
		OPT_STRING(0, "allowed-signers", &allowed, "<file>", "pin the log to these keys and windows (OpenSSH format)"),
		OPT_STRING(0, "key", &key, "<file>", "pin the log to this public key"),
		OPT_STRING_LIST(0, "checkpoint", &checkpoints, "<file>", "check the log against this signed checkpoint (repeatable)"),
		OPT_STRING_LIST(0, "checkpoint-key", &checkpoint_keys, "<key>", "trust this verifier key for checkpoints (repeatable)"),
		OPT_STRING_LIST(0, "witness-key", &witness_keys, "<key>", "a witness's verifier key: each checkpoint given must be cosigned by --witnesses of them (repeatable)"),
		OPT_UINT(0, "witnesses", &witnesses, "<k>", "how many of the --witness-key witnesses must cosign (default: all)"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing: the exit status says whether every log verified"),
		OPT_BOOL(0, "pre-receive", &pre_receive, "check a push as git's pre-receive hook: '<old> <new> <ref>' lines on standard input"),
		OPT_CHOICE(0, "format", &format, "<format>", "output format (default: pretty)", pretty_json_junit),
		OPT_END()
	};
	annal_verify_options opts = ANNAL_VERIFY_OPTIONS_INIT;
	annal_verify_result *results = NULL;
	annal_verify_junit_log *jlogs = NULL;
	annal_anchors anchors = { NULL, NULL, 0 };
	annal_verify_states *states = NULL;
	const char *one[1];
	char **names = NULL;
	const char *const *logs;
	size_t nlogs = 0, i, ncp = 0;
	annal_buf *out = NULL, *report = NULL;
	int error = 0, status = 0, json, junit;

	argc = parse_options(argc, argv, options, verify_usage);
	if (argc)
		usage_with_options(verify_usage, options, "unexpected argument '%s'", argv[0]);
	if (pre_receive) {
		if (log || all || allow_empty || anchor || anchor_file || state || allowed || key ||
		    quiet || format || checkpoints.n || checkpoint_keys.n ||
		    witness_keys.n || witnesses)
			usage_with_options(verify_usage, options,
					   "option '--pre-receive' takes no other option");
		return pre_receive_hook(ctx);
	}
	die_if_both(verify_usage, options, "--log", log != NULL, "--all", all);
	die_if_both(verify_usage, options, "--anchor", anchor != NULL, "--all", all);
	if (allow_empty && !all)
		usage_with_options(verify_usage, options, "option '--allow-empty' needs '--all'");
	die_if_both(verify_usage, options, "--anchor", anchor != NULL, "--anchor-file", anchor_file != NULL);
	die_if_both(verify_usage, options, "--anchor", anchor != NULL, "--state", state != NULL);
	die_if_both(verify_usage, options, "--anchor-file", anchor_file != NULL, "--state", state != NULL);
	die_if_both(verify_usage, options, "--allowed-signers", allowed != NULL, "--key", key != NULL);
	die_if_both(verify_usage, options, "-q", quiet, "--format", format != NULL);
	die_if_both(verify_usage, options, "--checkpoint", checkpoints.n > 0, "--all", all);
	if (witness_keys.n && !checkpoints.n)
		usage_with_options(verify_usage, options,
				   "option '--witness-key' needs '--checkpoint': the checkpoints it checks");
	witness_policy_options(&policy, verify_usage, options, &witness_keys, witnesses);
	die_if_dash(verify_usage, "--anchor-file", anchor_file,
		    "verify reads the heads there and replaces the file with the new ones");
	die_if_dash(verify_usage, "--state", state,
		    "verify reads the state there and replaces the file with the new one");
	if (!format)
		format = "pretty";
	json = !strcmp(format, "json");
	junit = !strcmp(format, "junit");
	/* first: a bad anchor or state file also gets its whole report */
	if ((error = annal_buf_new(&out)) < 0)
		goto fail;

	if (anchor_file && (error = annal_anchors_read(&anchors, anchor_file)) < 0)
		goto fail;
	if (state && (error = annal_verify_states_read(&states, state)) < 0)
		goto fail;
	if (all) {
		if ((error = annal_log_list(&names, &nlogs, ctx->repo)) < 0 ||
		    (error = annal_verify_add_remembered(&names, &nlogs, &anchors, states)) < 0)
			goto fail;
		logs = (const char *const *)names;
	} else {
		one[0] = log ? log : "main";
		logs = one;
		nlogs = 1;
	}
	if (all && !nlogs && !allow_empty) {
		error = annal_verify_no_logs(ctx->repo);
		check = "noLogs";
		goto fail;
	}
	if (nlogs && (!(results = calloc(nlogs, sizeof(*results))) ||
		      (junit && !(jlogs = calloc(nlogs, sizeof(*jlogs)))))) {
		error = ANNAL_ENOMEM;
		goto fail;
	}
	for (i = 0; i < nlogs; i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		opts.log = logs[i];
		opts.anchor = anchor_file ? annal_anchors_get(&anchors, logs[i]) : anchor;
		opts.allowed_signers = allowed;
		opts.key = key;
		opts.listed = all;
		opts.states = states;
		if ((error = annal_log_verify(&results[i], ctx->repo, &opts)) < 0)
			goto fail;
		ncp = 0;
		if ((results[i].ok || (results[i].check &&
					     !strcmp(results[i].check, "treeMismatch"))) &&
		    (error = verify_checkpoints(&results[i], &ncp, ctx, logs[i], &checkpoints,
						&checkpoint_keys, states)) < 0)
			goto fail;
		results[i].checkpoints = ncp;
		if (report)
			annal_buf_clear(report);
		if (results[i].ok && witness_keys.n &&
		    (((!report && (error = annal_buf_new(&report)) < 0)) ||
		     (error = verify_witnesses(&results[i], report, &checkpoints, &policy)) < 0))
			goto fail;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (jlogs) {
			jlogs[i].result = &results[i];
			jlogs[i].anchor = opts.anchor;
			jlogs[i].pinned = allowed || key;
			jlogs[i].state = state != NULL;
			jlogs[i].witnesses = witness_keys.n > 0;
			jlogs[i].seconds = (double)(t1.tv_sec - t0.tv_sec) +
					   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		}
		if (json)
			continue;
		if (quiet) {
			status |= !results[i].ok;
			continue;
		}
		if (results[i].ok) {
			/* junit: the report on standard output, failures on standard error */
			if (junit)
				continue;
			printf("log %s: %llu %s verified, head %s\n", results[i].log,
			       (unsigned long long)results[i].records,
			       results[i].records == 1 ? "record" : "records", results[i].head);
			if (ncp)
				printf("log %s: %zu %s consistent\n", results[i].log, ncp,
				       ncp == 1 ? "checkpoint" : "checkpoints");
			if (report)
				print_report(results[i].log, report);
			continue;
		}
		status = 1;
		if (results[i].position)
			print_error("log %s: record %llu (%s): %s: %s",
				    results[i].log, (unsigned long long)results[i].position,
				    results[i].commit, results[i].check, results[i].message);
		else if (results[i].commit[0])
			print_error("log %s: record %s: %s: %s", results[i].log,
				    results[i].commit, results[i].check, results[i].message);
		else
			print_error("log %s: %s: %s", results[i].log,
				    results[i].check, results[i].message);
	}
	for (i = 0; i < nlogs; i++)
		if (!results[i].ok)
			status = 1;
	/* the report before the anchors move: it names those checked */
	if ((json || junit) &&
	    (error = json ? annal_verify_write_json(out, logs, results, nlogs) :
		     annal_verify_write_junit(out, ctx->repo, jlogs, nlogs)) < 0)
		goto fail;
	/* the new heads only when every log verified, all at once */
	if (anchor_file && !status) {
		for (i = 0; i < nlogs; i++)
			if ((error = annal_anchors_set(&anchors, logs[i], results[i].head)) < 0)
				goto fail;
		if ((error = annal_anchors_write(&anchors, anchor_file)) < 0)
			goto fail;
	}
	if (state && !status && (error = annal_verify_states_write(states, state)) < 0)
		goto fail;
	if ((json || junit) && write_out(out))
		status = 3;
	goto out;
fail:
	if (json && out) {
		/* JSON also on failure, and nothing on standard error */
		const annal_error *e = annal_error_last();

		status = error_status(error);
		annal_buf_clear(out);
		if (annal_verify_write_json_failure(out, check, e && e->message ? e->message
							       : "unknown error") < 0)
			status = report_error(ANNAL_ENOMEM);
		else if (write_out(out))
			status = 3;
	} else if (junit && out) {
		/* the report says why, and so does standard error */
		const annal_error *e = annal_error_last();
		char *message = strdup(e && e->message ? e->message : "unknown error");

		status = report_error(error);
		annal_buf_clear(out);
		if (!message || annal_junit_write_failure(out, "verify", check, message) < 0)
			status = report_error(ANNAL_ENOMEM);
		else if (write_out(out))
			status = 3;
		free(message);
	} else {
		status = report_error(error);
	}
out:
	annal_buf_free(out);
	annal_anchors_dispose(&anchors);
	annal_verify_states_free(states);
	free(results);
	free(jlogs);
	annal_strv_free(names, nlogs);
	string_list_clear(&checkpoints);
	string_list_clear(&checkpoint_keys);
	string_list_clear(&witness_keys);
	annal_buf_free(report);
	return status;
}
