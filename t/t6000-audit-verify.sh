#!/bin/sh

test_description='annal audit-verify: check an evidence bundle without a repository

A good bundle verifies (exit 0, the summary of the spec); unpinned, the
output says the signer is NOT pinned and names its fingerprint; --key and
--allowed-signers (namespaces must allow "annal") pin the signer, and a
bundle signed by another key fails (exit 1); --log-key and
--log-allowed-signers pin the keys that sign the records, as verify pins
a log; --format json; it works in an empty directory with no repository
anywhere and writes nothing.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"
EXPORT_NOW=1795100000.250
EXPORT_TS=2026-11-19T14:53:20.250Z
NOT_PINNED='(NOT pinned: checked against the key in the bundle)'

# bundle_of REPO OUT [export options...]: annal export --bundle OUT of a
# copy of REPO (so that REPO does not grow by the export record)
bundle_of () {
	bo_repo_=$1
	bo_out_=$2
	shift 2
	rm -rf w.git &&
	cp -R "$bo_repo_" w.git &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --bundle "$bo_out_" "$@" \
		>/dev/null 2>bundle.err &&
	test_must_be_empty bundle.err &&
	test_path_is_file "$bo_out_"
}

# id IDS SEQ: the id of record SEQ (line SEQ of the file IDS)
id () {
	sed -n "${2}p" "$1"
}

# expect_summary PATH SIGNER IDS N A B M H: the success output for a
# bundle at PATH signed with SIGNER ("<fp> (pinned)" or "<fp> (NOT...)")
# of N records seq A..B, chain of M, head seq H (ids from the file IDS)
expect_summary () {
	cat >expect <<-EOF
	bundle: $1
	signer: $2
	log: main
	records: $4 (seq $5..$6), chain of $7 record$(test "$7" = 1 || echo s)
	first: seq $5 $(id "$3" "$5")
	last: seq $6 $(id "$3" "$6")
	head at export: seq $8 $(id "$3" "$8")
	created: $EXPORT_TS
	result: intact$(case "$2" in *"NOT pinned"*) echo ", UNPINNED (anyone could have made this bundle)" ;; esac)
	EOF
}

# tmp_annal: the names in /tmp that start with "annal"
tmp_annal () {
	ls -A /tmp | grep "^annal" || :
}

# verifies [audit-verify args...]: exit 0, stdout into out, stderr empty
verifies () {
	audit_verify "$@" >out 2>err &&
	test_must_be_empty err
}

# fails_verify PATH [audit-verify args...]: exit 1, nothing on stdout, one
# line "annal: error: bundle PATH: <problem>"
fails_verify () {
	fv_path_=$1
	shift
	test_expect_code 1 audit_verify "$@" "$fv_path_" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: bundle $fv_path_: ." err
}

# Signed log (key k), seq: actor
#  1 alice  2 bob  3 alice  4 bob  5 carol
test_expect_success 'setup' '
	annal keygen -f k -C log-key >/dev/null &&
	annal keygen -f k2 -C other-key >/dev/null &&
	annal keygen -f k3 -C next-key >/dev/null &&
	annal init signed.git >/dev/null &&
	n=0 &&
	for a in alice bob alice bob carol
	do
		n=$((n + 1)) &&
		ANNAL_TEST_NOW=$((1795000000 + 60 * n)) annal -C signed.git append \
			--sign-key k --actor $a --action "act$n" >>ids || return 1
	done &&
	annal init plain.git >/dev/null &&
	for a in alice bob alice
	do
		test_tick &&
		annal -C plain.git append --actor $a --action login >>plain.ids || return 1
	done &&
	bundle_of signed.git good.zip --sign-key k --format csv &&
	bundle_of plain.git plain.zip --sign-key k2 &&
	FP=$(ssh_fp k.pub) &&
	FP2=$(ssh_fp k2.pub) &&
	test -n "$FP" &&
	mkdir empty-dir
'

test_expect_success 'annal audit-verify -h: usage on stdout, exit 0, anywhere' '
	(cd empty-dir && annal audit-verify -h) >out 2>err &&
	test_must_be_empty err &&
	grep "^usage: annal audit-verify \[--key <file> | --allowed-signers <file>\] \[--log-key <file>\.\.\. | --log-allowed-signers <file>\] \[--unpinned\] \[--witness-key <key>\.\.\. \[--witnesses <k>\]\] \[--list | --format <format>\] <bundle>" out
'

test_expect_success 'a good bundle verifies: the summary, signer NOT pinned' '
	verifies good.zip &&
	expect_summary good.zip "$FP $NOT_PINNED" ids 5 1 5 5 5 &&
	test_cmp expect out
'

test_expect_success '--key signer.pub: (pinned)' '
	verifies --key k.pub good.zip &&
	expect_summary good.zip "$FP (pinned)" ids 5 1 5 5 5 &&
	test_cmp expect out
'

test_expect_success 'a bundle piped in as -: the same verdict, from a pipe' '
	verifies --key k.pub good.zip &&
	mv out expect-file &&
	cat good.zip | annal audit-verify --key k.pub - >out 2>err &&
	test_must_be_empty err &&
	sed "s/^bundle: .*/bundle: -/" expect-file >expect &&
	test_cmp expect out &&
	cat plain.zip | test_expect_code 1 annal audit-verify --key k.pub - >out 2>err &&
	grep "^annal: error: bundle -: ." err &&
	echo "not a zip" | test_expect_code 2 annal audit-verify --unpinned - 2>err &&
	grep "^annal: error: .(standard input). is not a zip archive" err
'

test_expect_success '--key of another key: exit 1' '
	fails_verify good.zip --key k2.pub &&
	fails_verify plain.zip --key k.pub
'

test_expect_success '--allowed-signers: namespaces must allow "annal"' '
	ssh_allowed as-annal "namespaces=\"annal\"" k.pub &&
	verifies --allowed-signers as-annal good.zip &&
	expect_summary good.zip "$FP (pinned)" ids 5 1 5 5 5 &&
	test_cmp expect out &&
	ssh_allowed as-both "namespaces=\"git,annal\"" k2.pub k.pub &&
	verifies --allowed-signers as-both good.zip &&
	test_cmp expect out &&
	ssh_allowed as-any "" k.pub &&
	verifies --allowed-signers as-any good.zip &&
	test_cmp expect out &&
	ssh_allowed as-git "namespaces=\"git\"" k.pub &&
	fails_verify good.zip --allowed-signers as-git &&
	grep "signed by $FP, which the allowed signers permit for other namespaces only: bundles are signed in namespace \"annal\" (commits in \"git\"); add annal to the key.s namespaces=\$" err &&
	ssh_allowed as-other "namespaces=\"annal\"" k2.pub &&
	fails_verify good.zip --allowed-signers as-other &&
	grep "signed by $FP, which is not the pinned signer\$" err &&
	ssh_allowed as-late "namespaces=\"annal\",valid-after=\"21000101Z\"" k.pub &&
	fails_verify good.zip --allowed-signers as-late &&
	grep "signed by $FP, which the allowed signers do not permit at its creation time ($EXPORT_TS): outside the key.s valid-after/valid-before\$" err &&
	test_expect_code 2 annal audit-verify --allowed-signers k.pub good.zip >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: .k.pub. is a public key file, not an allowed signers file: give it with --key" err &&
	test_expect_code 2 annal audit-verify --log-allowed-signers k.pub good.zip 2>err &&
	grep "is a public key file, not an allowed signers file" err
'

test_expect_success '--format json: one object' '
	python3 "$LIB_BUNDLE" cat good.zip manifest.json >manifest &&
	verifies --format json good.zip &&
	python3 - "$FP" <<-\EOF &&
	import json, sys
	out = open("out").read()
	assert out.count("\n") == 1 and out.endswith("\n"), repr(out)
	o = json.loads(out)
	m = json.load(open("manifest"))
	want = {"ok": True, "bundle": "good.zip", "signer": sys.argv[1],
	        "pinned": False, "log": "main", "records": 5,
	        "first": m["first"], "last": m["last"], "head": m["head"]}
	got = {k: o.get(k) for k in want}
	assert got == want, "\n%s\n%s" % (got, want)
	assert "error" not in o, o
	EOF
	verifies --format json --key k.pub good.zip &&
	json_get pinned <out >v &&
	echo true >expect &&
	test_cmp expect v &&
	test_expect_code 1 annal audit-verify --format json --key k2.pub good.zip >out 2>err &&
	python3 -c "
import json
o = json.loads(open(\"out\").read())
assert o[\"ok\"] is False, o
assert isinstance(o[\"error\"], str) and o[\"error\"], o
assert o[\"bundle\"] == \"good.zip\", o
"
'

test_expect_success 'no repository anywhere, and nothing written' '
	mkdir -p place tmpdir &&
	cp good.zip place/ &&
	sha256sum place/good.zip >sum.before &&
	tmp_annal >tmp.before &&
	(
		cd empty-dir &&
		TMPDIR="$TRASH_DIRECTORY/tmpdir" &&
		unset GIT_DIR ANNAL_REPO &&
		export TMPDIR &&
		find . "$TRASH_DIRECTORY/place" "$TMPDIR" | sort >../find.before &&
		annal audit-verify --unpinned ../place/good.zip >../out 2>../err &&
		annal audit-verify --key ../k.pub ../place/good.zip >>../out 2>>../err &&
		find . "$TRASH_DIRECTORY/place" "$TMPDIR" | sort >../find.after &&
		test_cmp ../find.before ../find.after
	) &&
	test_must_be_empty err &&
	grep "^result: intact" out >ok &&
	test_line_count = 2 ok &&
	tmp_annal >tmp.after &&
	test_cmp tmp.before tmp.after &&
	sha256sum -c sum.before
'

test_expect_success 'ANNAL_REPO naming no repository does not matter' '
	(
		ANNAL_REPO="$TRASH_DIRECTORY/no/such/repo.git" &&
		export ANNAL_REPO &&
		cd empty-dir &&
		annal audit-verify --unpinned ../good.zip >../out 2>../err
	) &&
	test_must_be_empty err &&
	expect_summary ../good.zip "$FP $NOT_PINNED" ids 5 1 5 5 5 &&
	test_cmp expect out
'

test_expect_success 'the path as given, relative or absolute' '
	mkdir -p sub &&
	cp good.zip sub/evidence.zip &&
	verifies sub/evidence.zip &&
	expect_summary sub/evidence.zip "$FP $NOT_PINNED" ids 5 1 5 5 5 &&
	test_cmp expect out &&
	verifies "$TRASH_DIRECTORY/sub/evidence.zip" &&
	expect_summary "$TRASH_DIRECTORY/sub/evidence.zip" "$FP $NOT_PINNED" ids 5 1 5 5 5 &&
	test_cmp expect out
'

test_expect_success 'a bundle of an unsigned log verifies' '
	verifies plain.zip &&
	expect_summary plain.zip "$FP2 $NOT_PINNED" plain.ids 3 1 3 3 3 &&
	test_cmp expect out &&
	verifies --key k2.pub plain.zip &&
	expect_summary plain.zip "$FP2 (pinned)" plain.ids 3 1 3 3 3 &&
	test_cmp expect out
'

test_expect_success 'filtered bundles verify: records 1 and 3; 2 and 4' '
	bundle_of signed.git alice.zip --sign-key k --actor alice &&
	verifies --key k.pub alice.zip &&
	expect_summary alice.zip "$FP (pinned)" ids 2 1 3 3 5 &&
	test_cmp expect out &&
	bundle_of signed.git bob.zip --sign-key k --actor bob --format otlp-json \
		--format datadog &&
	verifies --key k.pub bob.zip &&
	expect_summary bob.zip "$FP (pinned)" ids 2 2 4 3 5 &&
	test_cmp expect out
'

test_expect_success 'a bundle of one record in the middle verifies' '
	bundle_of signed.git one.zip --sign-key k --from-seq 4 --to-seq 4 \
		--format json --format splunk-hec &&
	verifies --key k.pub one.zip &&
	expect_summary one.zip "$FP (pinned)" ids 1 4 4 1 5 &&
	test_cmp expect out
'

test_expect_success 'an empty export bundle verifies: no records' '
	bundle_of signed.git empty.zip --sign-key k --actor nobody &&
	verifies --key k.pub empty.zip &&
	sed -n 1,3p out >head3 &&
	printf "%s\n" "bundle: empty.zip" "signer: $FP (pinned)" "log: main" >expect &&
	test_cmp expect head3 &&
	grep "^records: 0\\b" out &&
	grep "^created: $EXPORT_TS\$" out &&
	tail -n 1 out >last &&
	echo "result: intact" >expect &&
	test_cmp expect last &&
	verifies --format json empty.zip &&
	json_get records <out >v &&
	echo 0 >expect &&
	test_cmp expect v
'

test_expect_success 'a log with earlier exports and another log verify' '
	rm -rf x.git &&
	cp -R signed.git x.git &&
	annal -C x.git export --bundle first.zip --sign-key k >/dev/null &&
	annal -C x.git export --bundle second.zip --sign-key k >/dev/null &&
	verifies --key k.pub second.zip &&
	grep "^records: 6 (seq 1\.\.6), chain of 6 records\$" out &&
	grep "^head at export: seq 6 " out &&
	annal -C x.git append --log ops/eu --sign-key k2 --actor z --action y >/dev/null &&
	annal -C x.git export --log ops/eu --bundle ops.zip --sign-key k2 >/dev/null &&
	verifies --key k2.pub ops.zip &&
	grep "^log: ops/eu\$" out
'

test_expect_success 'a log across a key rotation: both keys in log_keys, verifies' '
	rm -rf rot.git &&
	cp -R signed.git rot.git &&
	annal -C rot.git key rotate --new-key k3.pub --sign-key k --retire >/dev/null &&
	annal -C rot.git append --sign-key k3 --actor dave --action after >/dev/null &&
	annal -C rot.git verify &&
	bundle_of rot.git rot.zip --sign-key k3 --from-seq 4 &&
	python3 "$LIB_BUNDLE" cat rot.zip manifest.json >manifest &&
	python3 - "$(ssh_pub k.pub)" "$(ssh_pub k3.pub)" <<-\EOF &&
	import json, sys
	m = json.load(open("manifest"))
	assert m["log_signed"] is True, m
	assert sorted(m["log_keys"]) == sorted(sys.argv[1:]), m["log_keys"]
	EOF
	verifies --key k3.pub rot.zip &&
	grep "^records: 4 (seq 4\.\.7), chain of 4 records\$" out &&
	fails_verify rot.zip --key k.pub
'

# bundle_fails_at PATH SEQ CHECK [audit-verify args...]: exit 1 naming
# the commit of record SEQ (from the file ids) and CHECK
bundle_fails_at () {
	bfa_path_=$1
	bfa_seq_=$2
	bfa_check_=$3
	shift 3
	fails_verify "$bfa_path_" "$@" &&
	grep ": commits/$(id ids "$bfa_seq_") (seq $bfa_seq_): $bfa_check_: " err
}

test_expect_success '--log-key pins the keys of the records: the summary says so' '
	verifies --key k.pub --log-key k.pub good.zip &&
	grep "^log keys: pinned\$" out &&
	sed "/^log keys: pinned\$/d" out >out2 &&
	expect_summary good.zip "$FP (pinned)" ids 5 1 5 5 5 &&
	test_cmp expect out2 &&
	verifies --format json --log-key k.pub good.zip &&
	json_get log_pinned <out >v &&
	echo true >expect &&
	test_cmp expect v &&
	verifies --format json good.zip &&
	json_get log_pinned <out >v &&
	echo false >expect &&
	test_cmp expect v &&
	bundle_fails_at good.zip 1 untrustedKey --log-key k2.pub &&
	grep "signed by $FP, which is not a pinned key" err &&
	fails_verify plain.zip --log-key k2.pub &&
	grep "commits/$(id plain.ids 1) (seq 1): missingSignature: " err
'

test_expect_success 'a log re-created with another key, exported with the signer key: only --log-key fails it' '
	annal init evil.git >/dev/null &&
	n=0 &&
	for a in alice bob alice bob carol
	do
		n=$((n + 1)) &&
		ANNAL_TEST_NOW=$((1795000000 + 60 * n)) annal -C evil.git append \
			--sign-key k2 --actor $a --action "act$n" >>evil.ids || return 1
	done &&
	# the export is not recorded: the log does not trust k
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C evil.git export --bundle evil.zip \
		--sign-key k >/dev/null 2>err &&
	grep "^annal: warning: export not recorded: " err &&
	verifies --key k.pub evil.zip &&
	fails_verify evil.zip --key k.pub --log-key k.pub &&
	grep ": commits/$(id evil.ids 1) (seq 1): untrustedKey: signed by $FP2, which is not a pinned key" err &&
	ssh_allowed log-allowed "namespaces=\"git\"" k.pub &&
	fails_verify evil.zip --key k.pub --log-allowed-signers log-allowed
'

test_expect_success 'filtered bundles: the pinned key vouches across the gaps' '
	verifies --log-key k.pub alice.zip &&
	verifies --log-key k.pub one.zip &&
	bundle_fails_at one.zip 4 untrustedKey --log-key k2.pub
'

test_expect_success 'across a rotation: followed when the bundle holds it, pinned when not' '
	verifies --log-key k.pub rot.zip &&
	fails_verify rot.zip --log-key k3.pub &&
	grep "(seq 4): untrustedKey: signed by $FP, which is not a pinned key; the rotation that added it is not at hand, so pin it too" err &&
	annal -C rot.git key list >rot.list &&
	verifies --log-allowed-signers rot.list rot.zip &&
	bundle_of rot.git dave.zip --sign-key k3 --actor dave &&
	fails_verify dave.zip --log-key k.pub &&
	grep "untrustedKey: signed by $(ssh_fp k3.pub), which is not a pinned key" err &&
	verifies --log-key k.pub --log-key k3.pub dave.zip &&
	verifies --log-allowed-signers rot.list dave.zip
'

# win.git: k signs 1 and 2, rotation 3 (by k, at +10 min) adds k3 and
# retires k, k3 signs 4; win.list is its key list.  forged.git: win.git
# rewritten from record 2 by the holder of k, who signs two records dated
# after the retirement (at +20 and +30 min)
test_expect_success PYTHON3,SSHKEYGEN 'setup: a retired key forging records after its retirement' '
	annal init win.git >/dev/null &&
	ANNAL_TEST_NOW=1795000060 annal -C win.git append --sign-key k --actor a --action one >win.ids &&
	ANNAL_TEST_NOW=1795000120 annal -C win.git append --sign-key k --actor a --action two >>win.ids &&
	ANNAL_TEST_NOW=1795000600 annal -C win.git key rotate --new-key k3.pub --retire \
		--sign-key k >>win.ids &&
	ANNAL_TEST_NOW=1795000660 annal -C win.git append --sign-key k3 --actor a --action four >>win.ids &&
	annal -C win.git key list >win.list &&
	rm -rf forged.git &&
	cp -R win.git forged.git &&
	git -C forged.git update-ref refs/audit/main "$(id win.ids 2)" &&
	ANNAL_TEST_NOW=1795001200 ssh_forge forged.git main append k mallory grant >/dev/null &&
	ANNAL_TEST_NOW=1795001800 ssh_forge forged.git main append k mallory grant >forged.ids &&
	ANNAL_TEST_NOW=1795002000 annal -C forged.git verify --key k.pub &&
	bundle_of forged.git forged.zip --sign-key k
'

test_expect_success PYTHON3,SSHKEYGEN 'the retired key after its retirement: --log-allowed-signers fails it' '
	bundle_of win.git win.zip --sign-key k3 &&
	verifies --key k3.pub --log-allowed-signers win.list win.zip &&
	verifies --key k.pub --log-key k.pub forged.zip &&
	fails_verify forged.zip --key k.pub --log-allowed-signers win.list &&
	grep ": commits/$(id forged.ids 3) (seq 3): untrustedKey: signed by $FP, which the allowed signers do not permit at the commit.s time (20261118112640 local time" err
'

test_expect_success PYTHON3,SSHKEYGEN,GITSSH 'git verify-commit refuses the same commit of the bundle' '
	rm -rf g.git &&
	git init -q --bare g.git &&
	for c in $(cat forged.ids)
	do
		python3 "$LIB_BUNDLE" cat forged.zip commits/$c >commit &&
		git -C g.git hash-object -t commit -w --stdin <commit >oid &&
		echo $c >want &&
		test_cmp want oid || return 1
	done &&
	git_verify_commits g.git win.list $(sed -n 1,2p forged.ids) &&
	! git_verify_commits g.git win.list "$(id forged.ids 3)" &&
	grep "key has expired" "$TRASH_DIRECTORY/.gvc-err"
'

test_expect_success '--log-key and --log-allowed-signers: bad use is exit 2' '
	for args in "--log-key k.pub --log-allowed-signers rot.list good.zip" "--log-key"
	do
		test_expect_code 2 annal audit-verify $args >out 2>err &&
		test_must_be_empty out &&
		head -n 1 err >first &&
		grep "^annal: error: " first &&
		grep "^usage: annal audit-verify " err || return 1
	done &&
	for args in "--log-key no-such.pub good.zip" "--log-allowed-signers no-such good.zip" \
		"--log-key k.pub --log-key junk.pub good.zip"
	do
		echo "not a key" >junk.pub &&
		test_expect_code 2 annal audit-verify $args >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: " err || return 1
	done
'

test_expect_success 'usage errors: exit 2, usage on stderr' '
	for args in "" "good.zip plain.zip" "--key k.pub --allowed-signers as-annal good.zip" \
		"--format xml good.zip" "--no-such-option good.zip" "--key" \
		"good.zip" "--unpinned --key k.pub good.zip" \
		"--log-allowed-signers rot.list --unpinned good.zip"
	do
		test_expect_code 2 annal audit-verify $args >out 2>err &&
		test_must_be_empty out &&
		head -n 1 err >first &&
		grep "^annal: error: " first &&
		grep -e "^usage: annal audit-verify " \
			-e "; see .annal audit-verify -h.\$" err || return 1
	done
'

test_expect_success PYTHON3 'every derived member must be what annal makes of records.jsonl' '
	bundle_of signed.git all.zip --sign-key k --format csv --format json \
		--format otlp-json --format splunk-hec --format datadog &&
	verifies --key k.pub all.zip &&
	for m in records.csv records.json records.otlp.json records.splunk.jsonl \
		records.datadog.jsonl
	do
		python3 "$LIB_BUNDLE" cat all.zip $m >orig &&
		sed "s/carol/mallory/" orig >edited &&
		! test_cmp orig edited >/dev/null &&
		python3 "$LIB_BUNDLE" forge all.zip edited.zip --resign k replace $m edited &&
		python3 "$LIB_BUNDLE" check edited.zip &&
		fails_verify edited.zip --key k.pub &&
		grep "^annal: error: bundle edited.zip: $m is not what annal makes of records.jsonl (they differ from byte [0-9]* on): it was changed after the export" err ||
		return 1
	done
'

test_expect_success PYTHON3 'a bundle without records: a row added to its CSV fails' '
	bundle_of signed.git none.zip --sign-key k --actor nobody --format csv &&
	verifies --key k.pub none.zip &&
	python3 "$LIB_BUNDLE" cat none.zip records.csv >orig &&
	{ cat orig && echo "1,2026-11-18T10:00:00.000Z,alice,login"; } >edited &&
	python3 "$LIB_BUNDLE" forge none.zip edited.zip --resign k replace records.csv edited &&
	fails_verify edited.zip --key k.pub &&
	grep "records.csv is not what annal makes of records.jsonl" err
'

test_expect_success PYTHON3 'the exporting host is the member'\''s own claim' '
	python3 "$LIB_BUNDLE" cat all.zip records.splunk.jsonl >orig &&
	host=$(sed -n "1s/.*\"host\":\"\([^\"]*\)\".*/\1/p" orig) &&
	test -n "$host" &&
	sed "s/\"host\":\"[^\"]*\"/\"host\":\"elsewhere\"/" orig >edited &&
	python3 "$LIB_BUNDLE" forge all.zip host.zip --resign k replace records.splunk.jsonl edited &&
	verifies --key k.pub host.zip
'

test_expect_success PYTHON3,GIT '--list: the records checked, as jsonl, and nothing else' '
	annal audit-verify --key k.pub --list good.zip >out 2>err &&
	test_must_be_empty err &&
	python3 "$LIB_BUNDLE" cat good.zip records.jsonl >expect &&
	test_cmp expect out &&
	test_line_count = 5 out &&
	python3 -c "
import json, sys
for line, want in zip(open(\"out\"), open(\"ids\")):
    assert json.loads(line)[\"id\"] == want.strip(), (line, want)
" &&
	annal audit-verify --key k.pub --list empty.zip >out &&
	test_must_be_empty out &&
	fails_verify edited.zip --key k.pub --list &&
	test_expect_code 2 annal audit-verify --key k.pub --list --format pretty good.zip >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: options .--list. and .--format. cannot be used together" err
'

test_expect_success 'no pin: exit 2, saying which pins to give; --unpinned says UNPINNED' '
	test_expect_code 2 annal audit-verify good.zip >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: no pin given; pass --key <exporter.pub> or --allowed-signers <file> for the bundle.s signer, --log-allowed-signers <file> (from .annal key list --pin.) for the log, or --unpinned to check integrity only\$" err &&
	annal audit-verify --unpinned good.zip >out 2>err &&
	test_must_be_empty err &&
	tail -n 1 out >last &&
	echo "result: intact, UNPINNED (anyone could have made this bundle)" >expect &&
	test_cmp expect last &&
	annal audit-verify --log-key k.pub good.zip >out &&
	tail -n 1 out >last &&
	echo "result: intact" >expect &&
	test_cmp expect last
'

test_expect_success PYTHON3 '--format json: one object on stdout also for usage errors and unusable input' '
	for args in "good.zip" "--format json --no-such-option good.zip" \
		"--format json --list good.zip" "--unpinned no-such.zip" \
		"--unpinned empty-dir" "--key no-such.pub good.zip"
	do
		test_expect_code 2 annal audit-verify --format json $args >out 2>err &&
		test_must_be_empty err &&
		python3 -c "
import json
text = open(\"out\").read()
assert text.count(\"\\n\") == 1, repr(text)
o = json.loads(text)
assert o[\"ok\"] is False and isinstance(o[\"error\"], str) and o[\"error\"], o
for k in (\"signer\", \"log\", \"log_signed\", \"records\", \"chain\"):
    assert o[k] is None, (k, o)
" || return 1
	done &&
	test_expect_code 2 annal audit-verify --format json --unpinned no-such.zip >out &&
	json_get bundle <out >actual &&
	echo "\"no-such.zip\"" >expect &&
	test_cmp expect actual
'

test_expect_success 'unusable key files or bundle paths: exit 2' '
	for args in "--key no-such.pub good.zip" "--allowed-signers no-such good.zip" \
		"--unpinned no-such.zip" "--unpinned empty-dir"
	do
		test_expect_code 2 annal audit-verify $args >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: " err || return 1
	done &&
	echo "not a key" >junk.pub &&
	test_expect_code 2 annal audit-verify --key junk.pub good.zip >out 2>err &&
	test_line_count = 1 err
'

test_done
