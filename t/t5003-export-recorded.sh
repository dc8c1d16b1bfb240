#!/bin/sh

test_description='the audit of the audit: every export is recorded

Each export, plain or bundle, appends an annal.export record to the
exported log once the output is complete: who (--as, default annal),
which filters and formats, how many records, the first and last seq, the
sha256 of the bytes written and, for bundles, the signer.  In a signed
log that record is signed too.  A repository that cannot be written does
not stop the export: the output is complete, one warning line, exit 0.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq SHA256SUM 'echo x >f && sha256sum f >s && sha256sum -c s'
# As root, annal can run as nobody: then file permissions hold again.
test_lazy_prereq SETPRIV '
	test "$(id -u)" = 0 &&
	mkdir -p -m 777 probe &&
	cd probe &&
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "
		annal --version && ! touch /root/.annal-probe-must-fail" &&
	setpriv --reuid=65534 --regid=65534 --clear-groups touch ok &&
	test -f ok
'

test_lazy_prereq DEVFULL 'test -w /dev/full && ! echo x >/dev/full'

if ! test_have_prereq PYTHON3 || ! test_have_prereq SHA256SUM
then
	skip_all='python3 or sha256sum is not available'
	test_done
fi

EXPORT_NOW=1795100000

# sha FILE: its sha256 in hex
sha () {
	sha256sum <"$1" | cut -d" " -f1
}

# last_record REPO [LOG]: the newest record of the log as jsonl, to last
last_record () {
	annal -C "$1" log --log "${2:-main}" -n 1 --format jsonl >last
}

# expect_export ACTOR PARAMS: last (a jsonl record) is an annal.export by
# ACTOR whose params are PARAMS (JSON); in PARAMS, "filters" is either an
# object (the exact value) or a list of strings that must all appear in
# the canonical JSON of the recorded filters
expect_export () {
	python3 - "$1" "$2" <<-\EOF
	import json, sys
	actor, want = sys.argv[1], json.loads(sys.argv[2])
	rec = json.loads(open("last").read())
	def fail(msg):
	    sys.exit("%s\n  in %s" % (msg, json.dumps(rec, sort_keys=True)))
	keys = {"action", "actor", "params", "seq", "ts", "prev_hash", "hash", "id"}
	if set(rec) != keys:
	    fail("record keys %s, want %s" % (sorted(rec), sorted(keys)))
	if rec["action"] != "annal.export" or rec["actor"] != actor:
	    fail("not an annal.export by %s" % actor)
	got = rec["params"]
	if not isinstance(got, dict):
	    fail("params is not an object")
	if set(got) != set(want):
	    fail("params keys %s, want %s" % (sorted(got), sorted(want)))
	for k, v in want.items():
	    g = got[k]
	    if k == "filters" and isinstance(v, list):
	        if not isinstance(g, dict) or not g:
	            fail("filters %r" % g)
	        text = json.dumps(g, sort_keys=True)
	        for s in v:
	            if s not in text:
	                fail("filters %s do not mention %s" % (text, s))
	    elif json.dumps(g, sort_keys=True) != json.dumps(v, sort_keys=True):
	        fail("params.%s = %r, want %r" % (k, g, v))
	EOF
}

# expect_code_in "CODES" CMD...: CMD exits with one of CODES
expect_code_in () {
	eci_codes_=$1
	shift
	"$@"
	eci_rc_=$?
	for eci_c_ in $eci_codes_
	do
		test "$eci_rc_" = "$eci_c_" && return 0
	done
	echo >&4 "expect_code_in: exit $eci_rc_, wanted one of $eci_codes_: $*"
	return 1
}

# fresh REPO: w.git, a copy of REPO
fresh () {
	rm -rf w.git &&
	cp -R "$1" w.git
}

# records_of REPO: the number of records of main
records_of () {
	annal_ids "$1" | wc -l | tr -d " "
}

test_expect_success 'setup' '
	annal keygen -f k -C signer >/dev/null &&
	annal keygen -f k2 -C other >/dev/null &&
	annal init repo.git >/dev/null &&
	for a in alice bob alice carol bob
	do
		test_tick &&
		annal -C repo.git append --actor $a --action login >>ids || return 1
	done &&
	annal init signed.git >/dev/null &&
	git -C signed.git config annal.signingKey "$TRASH_DIRECTORY/k" &&
	for a in alice bob alice
	do
		test_tick &&
		annal -C signed.git append --actor $a --action login >>signed.ids || return 1
	done &&
	ANNAL_TEST_NOW=$EXPORT_NOW &&
	export ANNAL_TEST_NOW &&
	# who runs the export, as the OS has it: the default actor
	WHO=$(python3 -c "import os, pwd, socket
print(pwd.getpwuid(os.geteuid()).pw_name + \"@\" + socket.gethostname())") &&
	test -n "$WHO"
'

test_expect_success 'a plain export to stdout is recorded: one annal.export record' '
	fresh repo.git &&
	annal -C w.git export >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 5 out &&
	test "$(records_of w.git)" = 6 &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":{},\"formats\":[\"jsonl\"],\"records\":5,
		\"first_seq\":1,\"last_seq\":5,\"sha256\":\"$(sha out)\",\"bundle\":false}" &&
	json_get ts <last >ts &&
	echo "\"2026-11-19T14:53:20.000Z\"" >expect &&
	test_cmp expect ts &&
	annal -C w.git verify
'

test_expect_success '-o FILE, a format and filters: all in the record' '
	fresh repo.git &&
	annal -C w.git export --format csv --actor alice --actor carol \
		--since 2026-01-01 -o a.csv >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":[\"alice\",\"carol\",\"2026-01-01\"],
		\"formats\":[\"csv\"],\"records\":3,\"first_seq\":1,\"last_seq\":4,
		\"sha256\":\"$(sha a.csv)\",\"bundle\":false}"
'

test_expect_success 'each export is recorded, and the next export sees the record' '
	fresh repo.git &&
	annal -C w.git export --format json >one &&
	annal -C w.git export --format otlp-json >two &&
	annal -C w.git export --action annal.export >three &&
	test "$(records_of w.git)" = 8 &&
	test_line_count = 2 three &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":[\"annal.export\"],\"formats\":[\"jsonl\"],
		\"records\":2,\"first_seq\":6,\"last_seq\":7,\"sha256\":\"$(sha three)\",
		\"bundle\":false}" &&
	annal -C w.git verify
'

test_expect_success 'annal log --action annal.export lists the exports, newest first' '
	annal -C w.git log --action annal.export --format jsonl >exports &&
	test_line_count = 3 exports &&
	sed -n 3p exports >last &&
	expect_export "$WHO" "{\"filters\":{},\"formats\":[\"json\"],\"records\":5,
		\"first_seq\":1,\"last_seq\":5,\"sha256\":\"$(sha one)\",\"bundle\":false}" &&
	sed -n 2p exports >last &&
	expect_export "$WHO" "{\"filters\":{},\"formats\":[\"otlp-json\"],\"records\":6,
		\"first_seq\":1,\"last_seq\":6,\"sha256\":\"$(sha two)\",\"bundle\":false}"
'

test_expect_success '--as names who exported' '
	fresh repo.git &&
	annal -C w.git export --as auditor@example.com --to-seq 2 >out &&
	last_record w.git &&
	expect_export auditor@example.com "{\"filters\":[\"2\"],\"formats\":[\"jsonl\"],
		\"records\":2,\"first_seq\":1,\"last_seq\":2,\"sha256\":\"$(sha out)\",
		\"bundle\":false}" &&
	annal -C w.git log --action annal.export --actor auditor@example.com \
		--format oneline >actual &&
	test_line_count = 1 actual
'

test_expect_success 'the actor: --as, else annal.actor, else user@host' '
	fresh repo.git &&
	annal -C w.git export >/dev/null &&
	last_record w.git &&
	json_get actor <last >actual &&
	echo "\"$WHO\"" >expect &&
	test_cmp expect actual &&
	git -C w.git config annal.actor "ci:nightly" &&
	annal -C w.git export >/dev/null &&
	last_record w.git &&
	json_get actor <last >actual &&
	echo "\"ci:nightly\"" >expect &&
	test_cmp expect actual &&
	annal -C w.git export --as "user:dana" >/dev/null &&
	last_record w.git &&
	json_get actor <last >actual &&
	echo "\"user:dana\"" >expect &&
	test_cmp expect actual &&
	git config --global annal.actor "user:erin" &&
	test_when_finished "git config --global --unset annal.actor" &&
	git -C w.git config --unset annal.actor &&
	annal -C w.git export >/dev/null &&
	last_record w.git &&
	json_get actor <last >actual &&
	echo "\"user:erin\"" >expect &&
	test_cmp expect actual &&
	annal -C w.git log --action annal.export --format oneline >out &&
	test_line_count = 4 out
'

test_expect_success 'an export of nothing is recorded too, with the sha256 of nothing' '
	fresh repo.git &&
	annal -C w.git export --actor nobody >out &&
	test_must_be_empty out &&
	last_record w.git &&
	json_get params.records <last >n &&
	echo 0 >expect &&
	test_cmp expect n &&
	json_get params.sha256 <last >h &&
	echo "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"" >expect &&
	test_cmp expect h
'

test_expect_success '--to-seq 0 exports nothing; seq bounds of 0 are recorded' '
	fresh repo.git &&
	annal -C w.git export --to-seq 0 >out &&
	test_must_be_empty out &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":{\"to_seq\":0},\"formats\":[\"jsonl\"],
		\"records\":0,\"sha256\":\"$(sha out)\",\"bundle\":false}" &&
	fresh repo.git &&
	annal -C w.git export --from-seq 0 >out &&
	test_line_count = 5 out &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":{\"from_seq\":0},\"formats\":[\"jsonl\"],
		\"records\":5,\"first_seq\":1,\"last_seq\":5,
		\"sha256\":\"$(sha out)\",\"bundle\":false}"
'

test_expect_success SSHKEYGEN 'a bundle is recorded: sha256 of the zip, signer, as the manifest says' '
	fresh repo.git &&
	annal -C w.git export --bundle b.zip --sign-key k2 --format csv \
		--actor bob >out 2>err &&
	test_must_be_empty err &&
	test "$(records_of w.git)" = 6 &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":[\"bob\"],\"formats\":[\"jsonl\",\"csv\"],
		\"records\":2,\"first_seq\":2,\"last_seq\":5,\"sha256\":\"$(sha b.zip)\",
		\"bundle\":true,\"signer\":\"$(ssh_fp k2.pub)\"}" &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" cat b.zip manifest.json >manifest &&
	json_get filters <manifest >expect &&
	json_get params.filters <last >actual &&
	test_cmp expect actual &&
	annal -C w.git verify
'

test_expect_success 'a signed log: the export record is signed by the configured key' '
	fresh signed.git &&
	annal -C w.git export >out 2>err &&
	test_must_be_empty err &&
	test "$(records_of w.git)" = 4 &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":{},\"formats\":[\"jsonl\"],\"records\":3,
		\"first_seq\":1,\"last_seq\":3,\"sha256\":\"$(sha out)\",\"bundle\":false}" &&
	annal -C w.git verify &&
	annal -C w.git verify --key k.pub &&
	ssh_signers w.git >signers &&
	ssh_expect_signers k.pub k.pub k.pub k.pub >expect &&
	test_cmp expect signers
'

test_expect_success GITSSH 'git verify-commit accepts the export record' '
	ssh_allowed allowed "namespaces=\"git\"" k.pub &&
	git_verify_log w.git allowed
'

test_expect_success 'a signed log, a bundle signed with its key: recorded and signed' '
	fresh signed.git &&
	git -C w.git config --unset annal.signingKey &&
	annal -C w.git export --bundle s.zip --sign-key k >out 2>err &&
	test_must_be_empty err &&
	last_record w.git &&
	expect_export "$WHO" "{\"filters\":{},\"formats\":[\"jsonl\"],\"records\":3,
		\"first_seq\":1,\"last_seq\":3,\"sha256\":\"$(sha s.zip)\",
		\"bundle\":true,\"signer\":\"$(ssh_fp k.pub)\"}" &&
	annal -C w.git verify --key k.pub &&
	ssh_signers w.git >signers &&
	ssh_expect_signers k.pub k.pub k.pub k.pub >expect &&
	test_cmp expect signers
'

test_expect_success 'an export of another log is recorded in that log' '
	fresh repo.git &&
	annal -C w.git append --log ops --actor zed --action boot >/dev/null &&
	annal_ids w.git >main-before &&
	annal -C w.git export --log ops >out &&
	annal_ids w.git >main-after &&
	test_cmp main-before main-after &&
	last_record w.git ops &&
	expect_export "$WHO" "{\"filters\":{},\"formats\":[\"jsonl\"],\"records\":1,
		\"first_seq\":1,\"last_seq\":1,\"sha256\":\"$(sha out)\",\"bundle\":false}"
'

test_expect_success DEVFULL 'an export that cannot be written is not recorded: exit 3' '
	fresh repo.git &&
	annal_ids w.git >before &&
	test_expect_code 3 annal -C w.git export >/dev/full 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	test_expect_code 3 annal -C w.git export --format otlp-json >/dev/full 2>err &&
	annal_ids w.git >after &&
	test_cmp before after
'

# ro_setup REPO: ro.git, a read-only copy of REPO; rodir, a directory
# anybody may write to
ro_setup () {
	rm -rf ro.git rodir &&
	cp -R "$1" ro.git &&
	mkdir -m 777 rodir &&
	chmod -R a-w ro.git
}

# As root, the repository is read by nobody (CI runs as root).
test_expect_success UNPRIVILEGED 'a read-only repository: output complete, a warning, exit 0' '
	fresh repo.git &&
	annal -C w.git log --reverse --format jsonl >expect &&
	ro_setup repo.git &&
	test_when_finished "chmod -R u+w ro.git" &&
	annal_ids ro.git >before &&
	cp k rodir/k &&
	give_unprivileged rodir/k &&
	as_unprivileged annal -C ro.git export >out 2>err &&
	test_cmp expect out &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: " err &&
	as_unprivileged annal -C ro.git export -o rodir/x.jsonl >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect rodir/x.jsonl &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: " err &&
	as_unprivileged annal -C ro.git export --bundle rodir/b.zip --sign-key rodir/k >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: " err &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" check rodir/b.zip &&
	annal_ids ro.git >after &&
	test_cmp before after
'

test_expect_success SETPRIV 'as root, run as nobody: a read-only repository warns, exit 0' '
	fresh repo.git &&
	annal -C w.git log --reverse --format jsonl >expect &&
	ro_setup repo.git &&
	annal_ids ro.git >before &&
	test_when_finished "chown -R 0:0 ro.git && chmod -R u+w ro.git" &&
	chown -R 65534:65534 ro.git &&
	cp k rodir/k &&
	chown 65534:65534 rodir/k &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		annal -C ro.git export >out 2>err &&
	test_cmp expect out &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: " err &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		annal -C ro.git export --format csv -o rodir/x.csv >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: " err &&
	fresh repo.git &&
	annal -C w.git export --format csv >expect.csv &&
	test_cmp expect.csv rodir/x.csv &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		annal -C ro.git export --bundle rodir/b.zip --sign-key rodir/k >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: " err &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" check rodir/b.zip &&
	chown -R 0:0 ro.git &&
	annal_ids ro.git >after &&
	test_cmp before after
'

# Writing another user's repository is no licence to record in it: root
# exporting an operator's log, or anyone a world-writable one, would leave
# files of its own there.  A shared repository (core.sharedRepository) is
# meant for several writers.
test_expect_success SETPRIV 'a writable repository of another user: the export stands, not recorded' '
	fresh repo.git &&
	annal -C w.git log --reverse --format jsonl >expect &&
	annal_ids w.git >before &&
	test_when_finished "chown -R 0:0 w.git" &&
	chown -R 65534:65534 w.git &&
	annal -C w.git export >out 2>err &&
	test_cmp expect out &&
	test_line_count = 1 err &&
	grep "^annal: warning: export not recorded: the repository belongs to another user (uid 65534); run the export as that user" err &&
	find w.git ! -user 65534 >foreign &&
	test_must_be_empty foreign &&
	chown -R 0:0 w.git && chmod -R a+w w.git &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		annal -C w.git export >out 2>err &&
	test_cmp expect out &&
	grep "^annal: warning: export not recorded: the repository belongs to another user (uid 0)" err &&
	find w.git -user 65534 >foreign &&
	test_must_be_empty foreign &&
	annal_ids w.git >after &&
	test_cmp before after
'

test_expect_success 'a shared repository of another user: the export is recorded' '
	fresh repo.git &&
	annal_ids w.git >before &&
	test_when_finished "chown -R 0:0 w.git" &&
	git -C w.git config core.sharedRepository group &&
	if test "$(id -u)" = 0
	then
		chown -R 65534:65534 w.git
	fi &&
	annal -C w.git export >out 2>err &&
	test_must_be_empty err &&
	chown -R 0:0 w.git &&
	annal_ids w.git >after &&
	test $(wc -l <after) = $(($(wc -l <before) + 1))
'

# Not in the spec: a lock that stays (annal gives up after 5 s).  Either
# the export is complete and only not recorded (exit 0, the warning), or
# it fails as a whole (exit 3, an error, no output file).
test_expect_success 'the log locked by someone else: recorded, or no output at all' '
	fresh repo.git &&
	annal -C w.git log --reverse --format jsonl >expect &&
	annal_ids w.git >before &&
	: >w.git/refs/audit/main.lock &&
	expect_code_in "0 3" annal -C w.git export -o locked.jsonl >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	if test "$eci_rc_" = 0
	then
		grep "^annal: warning: export not recorded: " err &&
		test_cmp expect locked.jsonl
	else
		grep "^annal: error: " err &&
		test_path_is_missing locked.jsonl
	fi &&
	annal_ids w.git >after &&
	test_cmp before after
'

test_done
