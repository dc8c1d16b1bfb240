#!/bin/sh

test_description='annal export --all and --log <glob>: several logs

Text formats are annal log --reverse with the same selection, labelled;
the export is recorded in main, never in a host'"'"'s log; a bundle of
several logs (version 2) keeps each log under logs/<log>/, checked from
outside with unzip, sha256sum, ssh-keygen and python, and by
audit-verify log by log; a single log still makes a version 1 bundle.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq UNZIP 'unzip -v'
test_lazy_prereq SHA256SUM 'echo x >f && sha256sum f >s && sha256sum -c s'

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

EXPORT_NOW=1795100000.250
T0=$ANNAL_TEST_NOW
SQ="'"

# fresh: w.git, a copy of repo.git as it was before any export
fresh () {
	rm -rf w.git &&
	cp -R repo.git w.git
}

# at SECONDS LOG <append options>...: append to LOG of repo.git at T0 + SECONDS
at () {
	s=$1 l=$2 &&
	shift 2 &&
	ANNAL_TEST_NOW=$((T0 + s)) annal -C repo.git append --log "$l" "$@" >/dev/null
}

# The logs: hosts/web1/main signed with w1, the others not.
test_expect_success 'setup: three logs, one signed, interleaved and equal ts' '
	annal keygen -f k -C exporter@example.com >/dev/null &&
	annal keygen -f w1 -C web1@example.com >/dev/null &&
	annal init repo.git >/dev/null &&
	at 0 main --actor alice --action login --decision allowed &&
	at 60 hosts/web1/main --sign-key w1 --actor carol --action login --decision allowed &&
	at 120 main --actor bob --action deploy --decision blocked --tenant acme &&
	at 120 hosts/web1/main --sign-key w1 --actor alice --action deploy --decision blocked &&
	at 120 hosts/web2/main --actor erin --action login --decision held --tenant acme &&
	at 180 hosts/web2/main --actor bob --action read --decision allowed \
		--reason "a, \"quoted\" reason" &&
	at 240 main --actor alice --action read --decision allowed &&
	annal -C repo.git log --all --format oneline >all.txt &&
	test_line_count = 7 all.txt
'

for f in jsonl json csv otlp-json splunk-hec datadog
do
	test_expect_success "--all --format $f: annal log --all --reverse, labelled" "
		fresh &&
		annal -C w.git log --all --reverse --format $f >expect &&
		ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --all --format $f >actual &&
		test_cmp expect actual
	"
done

test_expect_success 'globs, several --log and filters select as log does' '
	fresh &&
	annal -C w.git log --log "hosts/*/main" --actor "[ab]*" --reverse --format jsonl >expect &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --log "hosts/*/main" \
		--actor "[ab]*" >actual &&
	test_cmp expect actual &&
	test_line_count = 2 actual &&
	annal -C w.git log --log main --log hosts/web2/main --tenant acme --reverse \
		--format csv >expect &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --log main \
		--log hosts/web2/main --tenant acme --format csv >actual &&
	test_cmp expect actual &&
	head -n 1 actual | grep "^log,id,seq," &&
	test_expect_code 2 annal -C w.git export --log "db/*" >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no log matches ${SQ}db/*${SQ}" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal -C w.git export --all --log main 2>err &&
	grep "^annal: error: options .--all. and .--log. cannot be used together" err
'

test_expect_success 'an export of several logs is recorded in main, naming each log' '
	fresh &&
	git -C w.git rev-parse refs/audit/hosts/web1/main refs/audit/hosts/web2/main >heads.before &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --all --since @$((T0 + 100)) \
		--as user:dana >out &&
	git -C w.git rev-parse refs/audit/hosts/web1/main refs/audit/hosts/web2/main >heads.after &&
	test_cmp heads.before heads.after &&
	annal -C w.git log --log main -n 1 --format jsonl >rec &&
	python3 - <<-\EOF
	import hashlib, json
	r = json.loads(open("rec").read())
	p = r["params"]
	assert r["action"] == "annal.export" and r["actor"] == "user:dana", r
	assert p["logs"] == [
	    {"first_seq": 2, "last_seq": 2, "log": "hosts/web1/main", "records": 1},
	    {"first_seq": 1, "last_seq": 2, "log": "hosts/web2/main", "records": 2},
	    {"first_seq": 2, "last_seq": 3, "log": "main", "records": 2},
	], p
	assert p["records"] == 5 and "first_seq" not in p and "log" not in p, p
	assert p["sha256"] == hashlib.sha256(open("out", "rb").read()).hexdigest()
	EOF
'

test_expect_success 'an export of one host log is recorded in main, the host log unmoved' '
	fresh &&
	git -C w.git rev-parse refs/audit/hosts/web2/main >head.before &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --log hosts/web2/main >out &&
	git -C w.git rev-parse refs/audit/hosts/web2/main >head.after &&
	test_cmp head.before head.after &&
	! grep "\"log\":" out &&
	annal -C w.git log --log main -n 1 --format jsonl >rec &&
	grep "\"action\":\"annal.export\"" rec &&
	grep "\"log\":\"hosts/web2/main\"" rec &&
	grep "\"first_seq\":1,.*\"last_seq\":2,.*\"records\":2" rec
'

test_expect_success 'a bundle of several logs: members, version 2 manifest' '
	fresh &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --all --bundle b.zip \
		--sign-key k --format csv >out 2>err &&
	test_must_be_empty err &&
	for l in hosts/web1/main hosts/web2/main main
	do
		annal -C w.git log --log $l --reverse --format jsonl \
			--until @$((T0 + 1000)) >"plain.$(echo $l | tr / _)" || return 1
	done &&
	annal -C w.git log --log main -n 1 --format jsonl >rec &&
	cp k.pub signer.pub.expect &&
	python3 - <<-\EOF
	import hashlib, json, zipfile
	z = zipfile.ZipFile("b.zip")
	names = z.namelist()
	logs = ["hosts/web1/main", "hosts/web2/main", "main"]
	want = ["manifest.json"]
	for l in logs:
	    plain = open("plain." + l.replace("/", "_"), encoding="utf-8").read()
	    ids = [json.loads(x)["id"] for x in plain.splitlines()]
	    want += ["logs/%s/records.jsonl" % l, "logs/%s/records.csv" % l,
	             "logs/%s/chain.jsonl" % l] + ["logs/%s/commits/%s" % (l, i) for i in ids]
	    # each log as a bundle of its own would hold it
	    assert z.read("logs/%s/records.jsonl" % l).decode() == plain, l
	    for i in ids:
	        c = z.read("logs/%s/commits/%s" % (l, i))
	        assert hashlib.sha1(b"commit %d\0" % len(c) + c).hexdigest() == i, (l, i)
	want += ["signer.pub", "SHA256SUMS", "SHA256SUMS.sig"]
	assert names == want, names
	m = json.loads(z.read("manifest.json"))
	assert m["version"] == 2 and m["format"] == "annal-bundle", m
	assert m["formats"] == ["jsonl", "csv"], m
	assert m["records"] == 7, m
	for k in ("log", "first", "last", "head", "log_keys", "log_signed"):
	    assert k not in m, k
	assert [x["log"] for x in m["logs"]] == logs, m["logs"]
	w1, w2, main = m["logs"]
	assert w1["log_signed"] is True and len(w1["log_keys"]) == 1, w1
	assert w1["log_keys"][0] == " ".join(open("w1.pub").read().split()[:2]), w1
	assert w2["log_signed"] is False and w2["log_keys"] == [], w2
	assert (w1["records"], w2["records"], main["records"]) == (2, 2, 3)
	assert main["first"]["seq"] == 1 and main["last"]["seq"] == 3 and main["head"]["seq"] == 3
	# the manifest is canonical JSON
	raw = z.read("manifest.json").decode()
	assert raw == json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
	# SHA256SUMS: every other member, sorted by name
	sums = z.read("SHA256SUMS").decode().splitlines()
	listed = [l.split("  ", 1)[1] for l in sums]
	assert listed == sorted(n for n in names if not n.startswith("SHA256SUMS")), listed
	for l in sums:
	    h, n = l.split("  ", 1)
	    assert hashlib.sha256(z.read(n)).hexdigest() == h, n
	# the export is recorded in main, with the bundle file sha256
	r = json.loads(open("rec").read())
	assert r["params"]["bundle"] is True and len(r["params"]["logs"]) == 3, r
	assert r["params"]["sha256"] == hashlib.sha256(open("b.zip", "rb").read()).hexdigest()
	EOF
'

test_expect_success UNZIP,SHA256SUM,SSHKEYGEN 'stock tools: unzip, sha256sum -c, ssh-keygen -Y verify' '
	rm -rf x &&
	unzip -q b.zip -d x &&
	printf "evidence@example.com namespaces=\"annal\" %s\n" \
		"$(cut -d" " -f1,2 k.pub)" >allowed_signers &&
	(
		cd x &&
		sha256sum -c --strict SHA256SUMS >../sums.out &&
		ssh-keygen -Y verify -f ../allowed_signers -I evidence@example.com \
			-n annal -s SHA256SUMS.sig <SHA256SUMS >../sig.out
	) &&
	grep "^Good \"annal\" signature for evidence@example.com" sig.out &&
	test_path_is_file x/logs/hosts/web1/main/chain.jsonl
'

test_expect_success 'audit-verify checks every log and reports each' '
	annal audit-verify --key k.pub b.zip >out &&
	sed -n "/^log: /p;/result: /p;/^logs: /p" out >actual &&
	cat >expect <<-\EOF &&
	logs: 3, records: 7
	log: hosts/web1/main
	    result: intact
	log: hosts/web2/main
	    result: intact
	log: main
	    result: intact
	result: intact
	EOF
	test_cmp expect actual &&
	grep "^    records: 3 (seq 1..3), chain of 3 records\$" out &&
	annal audit-verify --key k.pub --format json b.zip >out.json &&
	python3 - <<-\EOF
	import json
	r = json.load(open("out.json"))
	assert r["ok"] is True and r["log"] is None and r["records"] == 7, r
	assert [(l["log"], l["ok"], l["records"], l["log_signed"]) for l in r["logs"]] == [
	    ("hosts/web1/main", True, 2, True), ("hosts/web2/main", True, 2, False),
	    ("main", True, 3, False)], r["logs"]
	EOF
'

test_expect_success 'audit-verify --list: each log in turn, labelled' '
	annal audit-verify --key k.pub --list b.zip >list &&
	for l in hosts/web1/main hosts/web2/main main
	do
		sed "s|^|{\"log\":\"$l\",\"record\":|;s|\$|}|" "plain.$(echo $l | tr / _)" || return 1
	done >expect &&
	test_cmp expect list
'

test_expect_success 'pinned log keys apply to every log of the bundle' '
	fresh &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --log "hosts/web1/*" \
		--bundle web1.zip --sign-key k &&
	printf "web1 namespaces=\"git\" %s\n" "$(cut -d" " -f1,2 w1.pub)" >log_signers &&
	annal audit-verify --key k.pub --log-allowed-signers log_signers web1.zip >out &&
	grep "^log keys: pinned\$" out &&
	annal keygen -f other -C other@example.com >/dev/null &&
	test_expect_code 1 annal audit-verify --key k.pub --log-key other.pub \
		web1.zip >out 2>err &&
	grep "^annal: error: bundle web1.zip: log hosts/web1/main: " err &&
	grep "^    result: FAILED: " out &&
	# the unsigned logs fail a pin, as annal verify --all fails them
	test_expect_code 1 annal audit-verify --key k.pub --log-allowed-signers log_signers \
		--format json b.zip >out.json &&
	python3 - <<-\EOF
	import json
	r = json.load(open("out.json"))
	assert r["ok"] is False and r["error"].startswith("log hosts/web2/main: "), r
	assert [(l["log"], l["ok"]) for l in r["logs"]] == [
	    ("hosts/web1/main", True), ("hosts/web2/main", False), ("main", False)], r["logs"]
	assert "missingSignature" in r["logs"][1]["error"], r["logs"][1]
	EOF
'

test_expect_success 'a single --log still makes a version 1 bundle' '
	fresh &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --log hosts/web1/main \
		--bundle one.zip --sign-key k 2>err &&
	python3 - <<-\EOF &&
	import json, zipfile
	z = zipfile.ZipFile("one.zip")
	m = json.loads(z.read("manifest.json"))
	assert m["version"] == 1 and m["log"] == "hosts/web1/main" and m["records"] == 2, m
	assert "records.jsonl" in z.namelist() and not any(n.startswith("logs/") for n in z.namelist())
	EOF
	annal audit-verify --key k.pub one.zip >out &&
	grep "^log: hosts/web1/main\$" out
'

test_expect_success 'a glob matching one log still makes version 2, labelled' '
	fresh &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --log "hosts/*1/main" \
		--bundle glob.zip --sign-key k &&
	python3 -c "
import json, zipfile
m = json.loads(zipfile.ZipFile(\"glob.zip\").read(\"manifest.json\"))
assert m[\"version\"] == 2 and [l[\"log\"] for l in m[\"logs\"]] == [\"hosts/web1/main\"], m
" &&
	annal audit-verify --key k.pub glob.zip >out &&
	grep "^logs: 1, records: 2\$" out
'

test_expect_success GIT 'a log that does not verify: no bundle, exit 1 naming it' '
	fresh &&
	test_when_finished "rm -rf w.git" &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" w.git hosts/web2/main \
		edit-field 1 actor mallory >/dev/null &&
	test_expect_code 1 annal -C w.git export --all --bundle bad.zip --sign-key k \
		>out 2>err &&
	test_path_is_missing bad.zip &&
	grep "^annal: error: log hosts/web2/main does not verify, no bundle written: " err &&
	annal -C w.git log --log main -n 1 --format jsonl >rec &&
	! grep annal.export rec
'

test_expect_success SHA256SUM 'an export killed while writing -o <file> leaves no <file>' '
	annal init kill.git >/dev/null &&
	reason=$(printf "%0300d" 0) &&
	for i in 1 2 3 4 5 6 7 8 9 10
	do
		annal -C kill.git append --log main --actor a --action x --reason "$reason" &&
		annal -C kill.git append --log hosts/web1/main --actor b --action y \
			--reason "$reason" || return 1
	done >/dev/null &&
	# a file size limit kills it (SIGXFSZ) with part of it written
	! sh -c "ulimit -f 4 && exec annal -C kill.git export --all -o out.jsonl" &&
	test_path_is_missing out.jsonl &&
	annal -C kill.git log --action annal.export --format oneline >exports &&
	test_must_be_empty exports &&
	annal -C kill.git export --all -o out.jsonl &&
	annal -C kill.git log -n 1 --format jsonl >rec &&
	grep "\"sha256\":\"$(sha256sum <out.jsonl | cut -c1-64)\"" rec
'

test_done
