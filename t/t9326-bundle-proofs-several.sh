#!/bin/sh

test_description='evidence bundles of version 4: each log'"'"'s checkpoint and proofs

annal export --bundle --proofs of several logs puts, for every log with
records, its kept checkpoint and an inclusion proof per record under
logs/<log>/, or names the log without one and writes nothing;
audit-verify checks every log'"'"'s checkpoint and proofs and names the
log of a failure.  Forgeries are re-signed with the exporter'"'"'s key, so
that only the check under test can catch them.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"

# checkpoint LOG...: a checkpoint of each log covering its head, kept
checkpoint () {
	for l in "$@"
	do
		annal -C r.git checkpoint --log "$l" >/dev/null || return 1
	done
}

# forge MUTATION...: good.zip changed, re-signed with logkey, into f.zip
forge () {
	rm -f f.zip &&
	python3 "$LIB_BUNDLE" forge good.zip f.zip --resign logkey "$@"
}

# refused PATTERN: audit-verify fails f.zip with one line matching PATTERN
refused () {
	test_expect_code 1 annal audit-verify --key logkey.pub f.zip >out 2>err &&
	{ grep "$1" err || { cat err; false; }; } &&
	test_line_count = 1 err
}

test_expect_success 'setup: three signed logs, a checkpoint of main only' '
	annal init r.git >/dev/null &&
	annal keygen -f logkey >/dev/null &&
	chmod 600 logkey &&
	ANNAL_SIGNING_KEY=$PWD/logkey && export ANNAL_SIGNING_KEY &&
	for i in 1 2 3
	do
		annal -C r.git append --actor alice --action "step$i" >/dev/null &&
		annal -C r.git append --log ops --actor bob --action "step$i" >/dev/null &&
		annal -C r.git append --log idle --actor carol --action other >/dev/null ||
		return 1
	done &&
	annal -C r.git checkpoint --origin example.com/main >/dev/null &&
	annal -C r.git checkpoint --log ops --origin example.com/ops >/dev/null &&
	annal -C r.git checkpoint --log idle --origin example.com/idle >/dev/null &&
	annal -C r.git append --log ops --actor bob --action step4 >/dev/null
'

test_expect_success 'a log whose records no kept checkpoint covers: named, nothing written' '
	: >err && : >after &&
	ls -a >before &&
	test_expect_code 2 annal -C r.git export --all --bundle x.zip --proofs 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log .ops. has no kept checkpoint that covers its last exported record (seq 5); run .annal checkpoint --log ops --sign-key <key>., then export again$" err &&
	ls -a >after &&
	test_cmp before after &&
	test_path_is_missing x.zip
'

test_expect_success 'without --proofs, several logs make version 2 as before' '
	annal -C r.git export --all --bundle v2.zip &&
	python3 "$LIB_BUNDLE" cat v2.zip manifest.json >manifest &&
	grep "\"version\":2" manifest &&
	python3 "$LIB_BUNDLE" list v2.zip >members &&
	! grep checkpoint members &&
	! grep proofs.jsonl members
'

test_expect_success 'usage: --proofs needs --bundle, and not --checkpoint; and records' '
	test_expect_code 2 annal -C r.git export --all --proofs 2>err &&
	grep "option .--proofs. needs .--bundle." err &&
	test_expect_code 2 annal -C r.git export --bundle y.zip --proofs --checkpoint x 2>err &&
	test_expect_code 2 annal -C r.git export --all --bundle y.zip --checkpoint x 2>err &&
	grep "proves the records of one log, and this export has several" err &&
	test_expect_code 2 annal -C r.git export --all --bundle y.zip --proofs --actor nobody 2>err &&
	grep "^annal: error: .--proofs. proves records, and this export has none$" err &&
	test_path_is_missing y.zip
'

test_expect_success 'every log checkpointed: version 4, each log proved' '
	checkpoint main ops idle &&
	annal -C r.git export --all --bundle good.zip --proofs &&
	python3 "$LIB_BUNDLE" cat good.zip manifest.json >manifest &&
	grep "\"version\":4" manifest &&
	python3 "$LIB_BUNDLE" list good.zip >members &&
	for l in idle main ops
	do
		grep -x "logs/$l/checkpoint" members &&
		grep -x "logs/$l/proofs.jsonl" members || return 1
	done &&
	! grep -x checkpoint members &&
	! grep -x proofs.jsonl members &&
	python3 "$LIB_BUNDLE" cat good.zip logs/ops/proofs.jsonl >proofs &&
	test_line_count = 5 proofs &&
	annal audit-verify --key logkey.pub good.zip >out &&
	grep "^    checkpoint: example.com/idle, size 4: every record proved in its tree$" out &&
	grep "^    checkpoint: example.com/main, size 5: every record proved in its tree$" out &&
	grep "^    checkpoint: example.com/ops, size 5: every record proved in its tree$" out &&
	grep "^result: intact$" out &&
	annal audit-verify --key logkey.pub --format json good.zip >json &&
	grep "\"log\":\"main\",.*\"checkpoint\":{\"size\":5,\"origin\":\"example.com/main\"}" json &&
	grep "\"log\":\"ops\",.*\"checkpoint\":{\"size\":5,\"origin\":\"example.com/ops\"}" json
'

test_expect_success 'each log checked from outside: zipfile and RFC 6962 with hashlib' '
	cat >outside.py <<-\EOF &&
	import base64, hashlib, json, sys, zipfile

	def node(left, right):
	    return hashlib.sha256(b"\x01" + left + right).digest()

	def root(h, m, n, path):
	    # RFC 6962 2.1.1: PATH(m, D[n]) ends with the hash of the other half
	    if n == 1:
	        assert not path
	        return h
	    k = 1
	    while k * 2 < n:
	        k *= 2
	    if m < k:
	        return node(root(h, m, k, path[:-1]), path[-1])
	    return node(path[-1], root(h, m - k, n - k, path[:-1]))

	z = zipfile.ZipFile(sys.argv[1])
	man = json.loads(z.read("manifest.json"))
	assert man["version"] == 4
	for log in man["logs"]:
	    d = "logs/%s/" % log["log"]
	    if not log["records"]:
	        continue
	    cp = z.read(d + "checkpoint").decode().split("\n")
	    size, want = int(cp[1]), base64.b64decode(cp[2])
	    recs = z.read(d + "records.jsonl").splitlines()
	    proofs = z.read(d + "proofs.jsonl").splitlines()
	    rec, p = json.loads(recs[-1]), json.loads(proofs[-1])
	    del rec["id"]
	    leaf = json.dumps(rec, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False).encode()
	    path = [base64.b64decode(x) for x in p["proof"]]
	    got = root(hashlib.sha256(b"\x00" + leaf).digest(), p["index"], size, path)
	    assert got == want and p["seq"] == rec["seq"], log["log"]
	    print(log["log"], p["seq"], size)
	EOF
	python3 outside.py good.zip >out &&
	cat >expect <<-\EOF &&
	idle 4 4
	main 5 5
	ops 5 5
	EOF
	test_cmp expect out
'

test_expect_success 'a filtered export: a log without records carries nothing to prove' '
	annal -C r.git export --all --action "step*" --bundle some.zip --proofs &&
	python3 "$LIB_BUNDLE" list some.zip >members &&
	grep -x logs/idle/records.jsonl members &&
	! grep -x logs/idle/checkpoint members &&
	! grep -x logs/idle/proofs.jsonl members &&
	grep -x logs/ops/checkpoint members &&
	annal audit-verify --key logkey.pub some.zip >out &&
	grep "^result: intact$" out &&
	annal -C r.git export --log main --log ops --action "step*" --bundle two.zip --proofs &&
	python3 "$LIB_BUNDLE" cat two.zip manifest.json >manifest &&
	grep "\"version\":4" manifest &&
	annal audit-verify --key logkey.pub two.zip >out &&
	test "$(grep -c "^    checkpoint: example.com/.*: every record proved in its tree$" out)" = 2
'

test_expect_success SSHKEYGEN 'a checkpoint of log main under logs/ops/ is refused, naming ops' '
	python3 "$LIB_BUNDLE" cat good.zip logs/main/checkpoint >main.cp &&
	python3 "$LIB_BUNDLE" cat good.zip logs/main/proofs.jsonl >main.proofs &&
	python3 "$LIB_BUNDLE" cat good.zip logs/ops/checkpoint >ops.cp &&
	python3 "$LIB_BUNDLE" cat good.zip logs/ops/proofs.jsonl >ops.proofs &&
	forge replace logs/ops/checkpoint main.cp &&
	refused "log ops: logs/ops/checkpoint is for origin .example.com/main., but the log.s origin record (seq 4) says .example.com/ops.: a checkpoint of another log$" &&
	forge replace logs/ops/checkpoint main.cp + replace logs/ops/proofs.jsonl main.proofs &&
	refused "log ops: logs/ops/checkpoint is for origin .example.com/main." &&
	grep "^log: ops$" out &&
	grep "^    result: FAILED: logs/ops/checkpoint is for origin" out
'

test_expect_success SSHKEYGEN 'without the origin record, another log'"'"'s origin is named' '
	checkpoint main &&
	annal -C r.git export --all --from-seq 5 --bundle late.zip --proofs &&
	python3 "$LIB_BUNDLE" cat late.zip logs/main/checkpoint >late-main.cp &&
	python3 "$LIB_BUNDLE" forge late.zip f.zip --resign logkey \
		replace logs/ops/checkpoint late-main.cp &&
	refused "log ops: logs/ops/checkpoint is for origin .example.com/main., as the checkpoint of log main: a checkpoint of another log$"
'

test_expect_success SSHKEYGEN 'proofs.jsonl missing a record, or with one more: refused, the log named' '
	sed "\$d" ops.proofs >short &&
	forge replace logs/ops/proofs.jsonl short &&
	refused "log ops: logs/ops/proofs.jsonl holds 4 proofs for 5 records$" &&
	sed 2d ops.proofs >gap &&
	forge replace logs/ops/proofs.jsonl gap &&
	refused "log ops: logs/ops/proofs.jsonl line 2 is not the proof of record seq 2$" &&
	{ cat ops.proofs && tail -n 1 ops.proofs; } >long &&
	forge replace logs/ops/proofs.jsonl long &&
	refused "log ops: logs/ops/proofs.jsonl holds more proofs than the 5 records of logs/ops/records.jsonl$"
'

test_expect_success SSHKEYGEN 'a flipped bit in one proof: refused, the log named' '
	python3 -c "
import base64, json, sys
lines = open(\"ops.proofs\").read().splitlines()
p = json.loads(lines[2])
h = bytearray(base64.b64decode(p[\"proof\"][0]))
h[7] ^= 0x10
p[\"proof\"][0] = base64.b64encode(bytes(h)).decode()
lines[2] = json.dumps(p, sort_keys=True, separators=(\",\", \":\"))
sys.stdout.write(\"\\n\".join(lines) + \"\\n\")
" >flipped &&
	! test_cmp ops.proofs flipped &&
	forge replace logs/ops/proofs.jsonl flipped &&
	refused "log ops: record seq 3 is not in the tree the checkpoint signs (size 5): its inclusion proof fails$"
'

test_expect_success SSHKEYGEN 'a missing checkpoint or proofs member: refused, the log named' '
	forge drop logs/ops/checkpoint &&
	refused "log ops: member .logs/ops/checkpoint. is missing$" &&
	forge drop logs/main/proofs.jsonl &&
	refused "log main: member .logs/main/proofs.jsonl. is missing$"
'

test_expect_success SSHKEYGEN 'proofs of one log swapped with another'"'"'s: refused, the log named' '
	forge replace logs/main/proofs.jsonl ops.proofs + replace logs/ops/proofs.jsonl main.proofs &&
	refused "log main: record seq 1 is not in the tree the checkpoint signs (size 5): its inclusion proof fails$" &&
	forge replace logs/main/checkpoint ops.cp + replace logs/ops/checkpoint main.cp + \
		replace logs/main/proofs.jsonl ops.proofs + replace logs/ops/proofs.jsonl main.proofs &&
	refused "log main: logs/main/checkpoint is for origin .example.com/ops., but the log.s origin record"
'

test_expect_success SSHKEYGEN 'versions: 2 with proofs, 4 without records, 3 with several logs' '
	forge set-json manifest.json 0 version 2 &&
	refused "log idle: member .logs/idle/checkpoint.: a bundle of version 2 holds no checkpoint or proofs.jsonl$" &&
	forge set-json manifest.json 0 version 3 &&
	refused "a bundle of version 3 holds no member under logs/$" &&
	python3 "$LIB_BUNDLE" forge some.zip f.zip --resign logkey \
		add logs/idle/checkpoint "$(cat main.cp)" &&
	refused "log idle: member .logs/idle/checkpoint.: a log without records has nothing to prove$" &&
	annal -C r.git export --all --actor nobody --bundle none.zip &&
	python3 "$LIB_BUNDLE" forge none.zip f.zip --resign logkey \
		set-json manifest.json 0 version 4 &&
	refused "a bundle of version 4 without records: it proves nothing$"
'

test_expect_success 'witnesses: --witness-key applies to each log'"'"'s checkpoint' '
	annal keygen -f wkey >/dev/null &&
	git init -q --bare w.git &&
	annal witness verifier-key --name w.example --key wkey.pub >wvk &&
	for l in idle main ops
	do
		annal -C w.git witness add-log --name w.example \
			"$(annal -C r.git checkpoint --log $l --verifier-key)" &&
		python3 "$LIB_BUNDLE" cat good.zip logs/$l/checkpoint >$l.kept &&
		annal -C r.git prove consistency --log $l 0 $l.kept >req &&
		annal -C w.git witness cosign --name w.example --key wkey --note req >$l.cosigned ||
		return 1
	done &&
	test_expect_code 1 annal audit-verify --key logkey.pub --witness-key "$(cat wvk)" good.zip 2>err &&
	grep "log idle: .*cosigned by 0 of the 1 witnesses required" err
'

test_expect_success SSHKEYGEN 'witnesses: each checkpoint cosigned passes, one left out fails' '
	forge replace logs/idle/checkpoint idle.cosigned + \
		replace logs/main/checkpoint main.cosigned + \
		replace logs/ops/checkpoint ops.cosigned &&
	annal audit-verify --key logkey.pub --witness-key "$(cat wvk)" f.zip >out &&
	grep "^result: intact$" out &&
	forge replace logs/idle/checkpoint idle.cosigned + \
		replace logs/ops/checkpoint ops.cosigned &&
	test_expect_code 1 annal audit-verify --key logkey.pub --witness-key "$(cat wvk)" f.zip 2>err &&
	grep "log main: .*cosigned by 0 of the 1 witnesses required" err
'

test_expect_success 'two logs whose long origins share their first 300 bytes: both proved' '
	annal init long.git >/dev/null &&
	long=$(printf "example.com/%0300d" 0) &&
	for l in a b
	do
		annal -C long.git append --log $l --actor a --action x >/dev/null &&
		annal -C long.git checkpoint --log $l --origin "$long/$l" >/dev/null ||
		return 1
	done &&
	annal -C long.git export --all --bundle long.zip --proofs &&
	annal audit-verify --key logkey.pub long.zip >out &&
	grep "^result: intact$" out &&
	annal audit-verify --key logkey.pub --format json long.zip >json &&
	grep -F "\"origin\":\"$long/a\"" json &&
	grep -F "\"origin\":\"$long/b\"" json
'

test_expect_success GIT 'one origin for two logs: checkpoint refuses it, export names both logs' '
	annal init same.git >/dev/null &&
	annal init elsewhere.git >/dev/null &&
	for r in same elsewhere
	do
		annal -C $r.git append --log b --actor a --action "b in $r" >/dev/null || return 1
	done &&
	annal -C same.git append --log a --actor a --action "a in same" >/dev/null &&
	annal -C same.git checkpoint --log a --origin example.com/same >/dev/null &&
	test_expect_code 2 annal -C same.git checkpoint --log b --origin example.com/same >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: origin .example.com/same. already names log .a.: an origin names one log; give another --origin$" err &&
	annal -C same.git log --log b --format jsonl >records &&
	test_line_count = 1 records &&
	: a log of that origin made elsewhere, fetched: no bundle &&
	annal -C elsewhere.git checkpoint --log b --origin example.com/same >/dev/null &&
	git -C same.git fetch -q ../elsewhere.git "+refs/audit/b:refs/audit/b" \
		"+refs/annal/checkpoints/b:refs/annal/checkpoints/b" &&
	test_expect_code 2 annal -C same.git export --all --bundle same.zip --proofs 2>err &&
	grep "^annal: error: logs .a. and .b. are checkpointed under one origin, .example.com/same.: a bundle cannot prove both; export them in bundles of their own$" err &&
	test_path_is_missing same.zip
'

test_done
