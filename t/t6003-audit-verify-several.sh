#!/bin/sh

test_description='annal audit-verify: bundles of several logs (version 2)

Each log is checked, and a log tampered with is named, the others still
reported intact; members out of their place, a manifest whose logs are
out of order or missing, and a version that does not match the layout
are refused.  The forgeries are re-signed with the exporter'"'"'s own key
(lib-bundle.py --resign), so that only the check under test can catch
them.'

. "$(dirname "$0")/test-lib.sh"

# a CPU limit for the linear-time tests: ten times as much under
# ANNAL_TEST_WRAPPER (valgrind), as test-lib gives a test's timeout
cpu_limit=120
test -z "$ANNAL_TEST_WRAPPER" || cpu_limit=1200

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi
test_lazy_prereq SSHKEYGEN 'ssh-keygen -q -t ed25519 -N "" -f probe </dev/null'

LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"
SQ="'"

# forge MUTATION...: good.zip changed, re-signed with k, into f.zip
forge () {
	rm -f f.zip &&
	python3 "$LIB_BUNDLE" forge good.zip f.zip --resign k "$@"
}

# with_lib_bundle <SCRIPT: python3 runs SCRIPT with lib-bundle.py as lb
with_lib_bundle () {
	{
		cat <<-\EOF &&
		import importlib.util, json, sys, zipfile
		spec = importlib.util.spec_from_file_location("lib_bundle", sys.argv[1])
		lb = importlib.util.module_from_spec(spec)
		spec.loader.exec_module(lb)
		EOF
		cat
	} | python3 - "$LIB_BUNDLE"
}

# refused REASON: audit-verify of f.zip fails (exit 1) with exactly this
# problem, nothing on standard output in json but the object
refused () {
	test_expect_code 1 annal audit-verify --key k.pub f.zip >out 2>err &&
	echo "annal: error: bundle f.zip: $1" >expect &&
	test_cmp expect err
}

test_expect_success 'setup: a bundle of three logs' '
	annal keygen -f k -C exporter@example.com >/dev/null &&
	annal init repo.git >/dev/null &&
	for l in main hosts/web1/main hosts/web2/main
	do
		for a in alice bob
		do
			test_tick &&
			annal -C repo.git append --log $l --actor $a --action login \
				>/dev/null || return 1
		done
	done &&
	annal -C repo.git export --all --bundle good.zip --sign-key k &&
	annal audit-verify --key k.pub good.zip >out &&
	grep "^result: intact\$" out
'

test_expect_success SSHKEYGEN 'the forger reproduces a good bundle' '
	forge identity &&
	annal audit-verify --key k.pub f.zip >out &&
	grep "^result: intact\$" out
'

test_expect_success SSHKEYGEN 'a record changed in one log: that log is named, the others intact' '
	forge set-json logs/hosts/web1/main/records.jsonl 0 actor "\"mallory\"" &&
	test_expect_code 1 annal audit-verify --key k.pub f.zip >out 2>err &&
	echo "annal: error: bundle f.zip: log hosts/web1/main: logs/hosts/web1/main/records.jsonl line 1 (seq 1): the hash does not match the record" >expect &&
	test_cmp expect err &&
	sed -n "/^log: /p;/result: /p" out >actual &&
	cat >expect <<-EOF &&
	log: hosts/web1/main
	    result: FAILED: logs/hosts/web1/main/records.jsonl line 1 (seq 1): the hash does not match the record
	log: hosts/web2/main
	    result: intact
	log: main
	    result: intact
	EOF
	test_cmp expect actual &&
	test_expect_code 1 annal audit-verify --key k.pub --format json f.zip >out.json &&
	python3 - <<-\EOF
	import json
	r = json.load(open("out.json"))
	assert r["ok"] is False, r
	assert r["error"].startswith("log hosts/web1/main: logs/hosts/web1/main/records.jsonl line 1"), r
	assert [(l["log"], l["ok"]) for l in r["logs"]] == [
	    ("hosts/web1/main", False), ("hosts/web2/main", True), ("main", True)], r
	assert "error" in r["logs"][0] and "error" not in r["logs"][1]
	EOF
'

test_expect_success SSHKEYGEN 'a skeleton line dropped, a derived format changed, in one log' '
	forge drop-line logs/main/chain.jsonl 0 &&
	refused "log main: logs/main/chain.jsonl does not run from seq 1 to seq 2" &&
	forge flip logs/hosts/web2/main/records.jsonl 0 &&
	test_expect_code 1 annal audit-verify --key k.pub f.zip 2>err &&
	grep "^annal: error: bundle f.zip: log hosts/web2/main: logs/hosts/web2/main/records.jsonl line 1 " err
'

test_expect_success SSHKEYGEN 'a member of no listed log, a member at the top: refused' '
	forge add logs/evil/records.jsonl "" &&
	refused "member ${SQ}logs/evil/records.jsonl${SQ} belongs to no log of the manifest" &&
	forge add records.jsonl "" &&
	refused "member ${SQ}records.jsonl${SQ} has no place in a bundle of several logs" &&
	forge drop logs/main/chain.jsonl &&
	refused "log main: member ${SQ}logs/main/chain.jsonl${SQ} is missing"
'

test_expect_success SSHKEYGEN 'a manifest whose logs are out of order, missing or do not match' '
	python3 "$LIB_BUNDLE" cat good.zip manifest.json >m.json &&
	python3 - <<-\EOF &&
	import json
	m = json.load(open("m.json"))
	def put(name, v):
	    open(name, "w").write(json.dumps(v, sort_keys=True, separators=(",", ":")) + "\n")
	r = dict(m); r["logs"] = list(reversed(m["logs"])); put("reversed.json", r)
	r = dict(m); r["logs"] = []; put("empty.json", r)
	r = dict(m); r["logs"] = m["logs"] + [m["logs"][-1]]; put("twice.json", r)
	r = dict(m); r["records"] = m["records"] + 1; put("count.json", r)
	r = dict(m); r["version"] = 1; put("v1.json", r)
	r = dict(m); r["logs"] = m["logs"][:-1]; put("fewer.json", r)
	EOF
	forge replace manifest.json reversed.json &&
	refused "manifest.json${SQ}s logs are not valid log names in order, each once" &&
	forge replace manifest.json twice.json &&
	refused "manifest.json${SQ}s logs are not valid log names in order, each once" &&
	forge replace manifest.json empty.json &&
	refused "manifest.json has no list of logs" &&
	forge replace manifest.json count.json &&
	refused "the logs hold 6 records, the manifest says 7" &&
	forge replace manifest.json v1.json &&
	refused "a bundle of version 1 holds no member under logs/" &&
	forge replace manifest.json fewer.json &&
	refused "member ${SQ}logs/main/records.jsonl${SQ} belongs to no log of the manifest"
'

test_expect_success SSHKEYGEN 'a version 1 bundle with a member under logs/: refused' '
	annal -C repo.git export --log main --bundle one.zip --sign-key k &&
	rm -f f.zip &&
	python3 "$LIB_BUNDLE" forge one.zip f.zip --resign k add logs/main/records.jsonl "" &&
	refused "a bundle of version 1 holds no member under logs/"
'

test_expect_success SSHKEYGEN 'a manifest that also says what only the other version says: refused' '
	forge set-json manifest.json 0 log "\"main\"" &&
	refused "manifest.json of version 2 has a ${SQ}log${SQ} of its own" &&
	forge set-json manifest.json 0 first "{\"id\":\"$(printf %040d 0)\",\"seq\":1}" &&
	refused "manifest.json of version 2 has a ${SQ}first${SQ} of its own" &&
	rm -f f.zip &&
	python3 "$LIB_BUNDLE" forge one.zip f.zip --resign k set-json manifest.json 0 logs "[]" &&
	refused "manifest.json of version 1 has a ${SQ}logs${SQ} of its own"
'

test_expect_success 'member names under logs/ that no log can have: refused as the archive is read' '
	for name in "logs/main/extra" "logs/../main/records.jsonl" "logs/x y/records.jsonl" \
		"logs/main/commits/XYZ" "logs//records.jsonl"
	do
		rm -f f.zip &&
		python3 "$LIB_BUNDLE" forge good.zip f.zip add "$name" "" &&
		test_expect_code 1 annal audit-verify --key k.pub f.zip 2>err &&
		grep "^annal: error: bundle f.zip: " err || return 1
	done
'

test_expect_success SSHKEYGEN 'a bundle of 200,000 members, zip64, re-signed: refused in linear time' '
	annal keygen -f ka -C attacker >/dev/null &&
	annal -C repo.git export --log main --bundle small.zip --sign-key k &&
	with_lib_bundle <<-\EOF &&
	members = lb.load("small.zip")
	for i in range(200000):
	    members.insert(-3, lb.Member("commits/%040x" % i, b""))
	lb.resign(members, "ka")
	with zipfile.ZipFile("many.zip", "w", zipfile.ZIP_STORED) as z:
	    for m in members:
	        z.writestr(m.name, m.data)
	EOF
	# SHA256SUMS matched name by name took hours; a CPU limit, not a clock
	(
		ulimit -t $cpu_limit &&
		test_expect_code 1 annal audit-verify --key k.pub many.zip 2>err
	) &&
	grep "which is not the pinned signer\$" err
'

test_expect_success SSHKEYGEN 'logs "main" and "main/commits" in one bundle: refused' '
	with_lib_bundle <<-\EOF &&
	members = lb.load("good.zip")
	old, new = "logs/hosts/web2/main/", "logs/main/commits/"
	for m in members:
	    if m.name.startswith(old):
	        m.name = new + m.name[len(old):]
	man = lb.find(members, "manifest.json")
	m = json.loads(man.data)
	for l in m["logs"]:
	    if l["log"] == "hosts/web2/main":
	        l["log"] = "main/commits"
	m["logs"].sort(key=lambda l: l["log"])
	man.data = (lb.canonical(m) + "\n").encode()
	lb.resign(members, "k")
	lb.write("f.zip", members)
	EOF
	refused "manifest.json lists the logs ${SQ}main${SQ} and ${SQ}main/commits${SQ}, which no repository holds together"
'

test_expect_success SSHKEYGEN 'a bundle of 100,000 logs: checked in about linear time' '
	with_lib_bundle <<-\EOF &&
	members = [m for m in lb.load("good.zip") if not m.name.startswith("logs/")]
	man = json.loads(members[0].data)
	head = json.loads(lb.find(lb.load("good.zip"), "manifest.json").data)["logs"][0]["head"]
	man["logs"], man["records"], body = [], 0, []
	for i in range(100000):
	    log = "l%06d" % i
	    man["logs"].append({"first": None, "head": head, "last": None, "log": log,
	                        "log_keys": [], "log_signed": False, "records": 0})
	    body += [lb.Member("logs/%s/records.jsonl" % log, b""),
	             lb.Member("logs/%s/chain.jsonl" % log, b"")]
	members[0].data = (lb.canonical(man) + "\n").encode()
	members[1:1] = body
	lb.resign(members, "k")
	with zipfile.ZipFile("many-logs.zip", "w", zipfile.ZIP_STORED) as z:
	    for m in members:
	        z.writestr(m.name, m.data)
	EOF
	# each member looked for in every log took an hour; a CPU limit, not a clock
	(
		ulimit -t $cpu_limit &&
		annal audit-verify --key k.pub many-logs.zip >out
	) &&
	grep "^result: intact\$" out
'

test_done
