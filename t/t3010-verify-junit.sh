#!/bin/sh

test_description='verify and audit-verify --format junit: reports for CI

Every report must validate against t/junit.xsd (xmllint), parse with
python3 xml.etree with the expected counts, hold the failure in the
class of the failed check (naming the record, its id, the check and
the message), keep the exit status and the error line of the other
formats, and stay well-formed XML whatever records, ref names and file
names hold.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq XMLLINT 'xmllint --version'

# valid FILE: FILE is a JUnit report t/junit.xsd accepts
valid () {
	xmllint --noout --schema "$TEST_DIRECTORY/junit.xsd" "$1" 2>xmllint.err || {
		cat xmllint.err
		return 1
	}
}

# summary FILE: what python3 reads in FILE, a line per suite
# "<suite> tests=<n> failures=<n> skipped=<n>" and per failure
# "  <class> <type>", each count checked against the testcases
summary () {
	python3 "$TRASH_DIRECTORY/summary.py" "$1"
}

test_expect_success PYTHON3,GIT 'setup: keys, a signed log with a checkpoint, an unsigned log' '
	cat >summary.py <<-\EOF &&
	import sys
	import xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	assert root.tag == "testsuites", root.tag
	total = failures = 0
	for s in root.findall("testsuite"):
	    cases = s.findall("testcase")
	    f = [c for c in cases if c.find("failure") is not None]
	    k = [c for c in cases if c.find("skipped") is not None]
	    assert int(s.get("tests")) == len(cases), s.get("name")
	    assert int(s.get("failures")) == len(f), s.get("name")
	    assert int(s.get("skipped")) == len(k), s.get("name")
	    assert int(s.get("errors")) == len(s.findall("testcase/error"))
	    float(s.get("time"))
	    total += len(cases)
	    failures += len(f)
	    print("%s tests=%d failures=%d skipped=%d" % (s.get("name"), len(cases), len(f), len(k)))
	    for c in f:
	        print("  %s %s" % (c.get("name"), c.find("failure").get("type")))
	assert int(root.get("tests")) == total
	assert int(root.get("failures")) == failures
	EOF
	cat >props.py <<-\EOF &&
	import sys
	import xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	for s in root.findall("testsuite"):
	    for p in s.findall("properties/property"):
	        print("%s %s=%s" % (s.get("name"), p.get("name"), p.get("value")))
	EOF
	annal keygen -f k1 -C k1 >/dev/null &&
	annal init s.git >/dev/null &&
	for a in login deploy logout
	do
		test_tick &&
		annal -C s.git append --sign-key k1 --actor alice --action $a >/dev/null || return 1
	done &&
	annal -C s.git checkpoint --sign-key k1 --origin example.com/audit >cp4 &&
	for a in read write
	do
		test_tick &&
		annal -C s.git append --sign-key k1 --actor bob --action $a >/dev/null || return 1
	done &&
	annal -C s.git checkpoint --sign-key k1 >cp6 &&
	annal -C s.git key list --pin >pin &&
	annal init u.git >/dev/null &&
	for i in 1 2 3 4
	do
		test_tick &&
		annal -C u.git append --actor "user$i" --action read >/dev/null || return 1
	done &&
	git --git-dir=u.git rev-list --reverse refs/audit/main >u-ids
'

test_expect_success XMLLINT,PYTHON3 'a good signed log: every class passed or skipped with a reason' '
	annal -C s.git verify --format junit >out 2>err &&
	test_must_be_empty err &&
	valid out &&
	summary out >actual &&
	echo "main tests=9 failures=0 skipped=3" >expect &&
	test_cmp expect actual &&
	python3 props.py out >props &&
	grep "^main head=$(git --git-dir=s.git rev-parse refs/audit/main)\$" props &&
	grep "^main records=6\$" props &&
	grep "^main signed=true\$" props &&
	grep "^main checkpoints=2\$" props &&
	grep "^main signer=$(ssh-keygen -lf k1.pub | cut -d" " -f2)\$" props &&
	grep "<testcase classname=\"main\" name=\"chain\" assertions=\"6\">" out &&
	grep "<skipped message=\"no pin given" out
'

test_expect_success XMLLINT,PYTHON3 'pinned and anchored: pin and anchor pass' '
	annal -C s.git verify --allowed-signers pin \
		--anchor $(git --git-dir=s.git rev-parse refs/audit/main~2) --format junit >out &&
	valid out &&
	summary out >actual &&
	echo "main tests=9 failures=0 skipped=1" >expect &&
	test_cmp expect actual &&
	old=$(git --git-dir=s.git rev-parse refs/audit/main~1) &&
	echo "main $old" >anchors &&
	annal -C s.git verify --anchor-file anchors --format junit >out &&
	grep "<property name=\"anchor\" value=\"$old\"/>" out &&
	grep "^main $(git --git-dir=s.git rev-parse refs/audit/main)\$" anchors &&
	annal -C s.git verify --state state --format junit >out &&
	grep -A1 "name=\"anchor\" assertions=\"1\">" out >anchor-case &&
	! grep "<skipped" anchor-case
'

# fails_in REPO CLASS CHECK [verify options...]: exit 1, the error line on
# stderr, a valid report whose one failure is CHECK in the testcase CLASS
fails_in () {
	fi_repo_=$1 fi_class_=$2 fi_check_=$3 &&
	shift 3 &&
	test_expect_code 1 annal -C "$fi_repo_" verify --format junit "$@" >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: .*$fi_check_: " err &&
	valid out &&
	summary out >actual &&
	sed -n 2p actual >failure &&
	echo "  $fi_class_ $fi_check_" >expect &&
	test_cmp expect failure &&
	test_line_count = 2 actual &&
	# the message attribute is the error line
	sed "s/^annal: error: //; s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/\"/\&quot;/g; s/'/\&apos;/g" err >msg &&
	grep -F "message=\"$(cat msg)\"" out
}

test_expect_success XMLLINT,PYTHON3,GIT 'a broken signature: signatures fails, naming record and id' '
	rm -rf t.git && cp -R s.git t.git &&
	ssh_forge t.git main edit-stale 2 actor eve >ids &&
	fails_in t.git signatures badSignature &&
	grep "^record: 2\$" out &&
	grep "^id: $(sed -n 2p ids)\$" out &&
	grep "^check: badSignature\$" out &&
	grep "name=\"chain\" assertions=\"1\"" out &&
	grep "stopped after 1 records: badSignature failed first" out &&
	grep "not run: badSignature failed first" out
'

test_expect_success XMLLINT,PYTHON3,GIT 'a broken link: chain fails' '
	rm -rf t.git && cp -R u.git t.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" t.git main edit-field-rehash 2 actor mallory >ids &&
	fails_in t.git chain prevHashMismatch &&
	grep "^record: 3\$" out
'

test_expect_success XMLLINT,PYTHON3,GIT 'a tampered record: records fails' '
	rm -rf t.git && cp -R u.git t.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" t.git main edit-field 3 actor mallory >ids &&
	fails_in t.git records recordHashMismatch &&
	grep "^id: $(sed -n 3p ids)\$" out
'

test_expect_success XMLLINT,PYTHON3 'a pin violated: pin fails' '
	rm -rf other.git &&
	annal init other.git >/dev/null &&
	annal -C other.git append --sign-key k1 --actor mallory --action login >/dev/null &&
	fails_in other.git pin pinMismatch --allowed-signers pin
'

test_expect_success XMLLINT,PYTHON3 'an anchor not found: anchor fails, the chain passed' '
	fails_in u.git anchor anchorNotFound --anchor "$(git --git-dir=s.git rev-parse refs/audit/main)" &&
	grep "name=\"chain\" assertions=\"4\">\$" out &&
	! grep -A1 "name=\"chain\"" out | grep "<skipped"
'

test_expect_success XMLLINT,PYTHON3,GIT 'a checkpoint mismatch: checkpoints fails' '
	rm -rf fork.git && cp -R s.git fork.git &&
	git --git-dir=fork.git update-ref refs/audit/main refs/audit/main~1 &&
	git --git-dir=fork.git update-ref -d refs/annal/checkpoints/main &&
	test_tick &&
	annal -C fork.git append --sign-key k1 --actor mallory --action read >/dev/null &&
	fails_in fork.git checkpoints checkpointMismatch --checkpoint cp6
'

test_expect_success XMLLINT,PYTHON3 'verify --all: a suite per log' '
	rm -rf t.git && cp -R u.git t.git &&
	annal -C t.git append --log other --actor carol --action read >/dev/null &&
	annal -C t.git verify --all --format junit >out &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "main tests=9 failures=0 skipped=5" "other tests=9 failures=0 skipped=5" >expect &&
	test_cmp expect actual &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" t.git main edit-field 2 actor mallory >ids &&
	test_expect_code 1 annal -C t.git verify --all --format junit >out 2>err &&
	test_line_count = 1 err &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "main tests=9 failures=1 skipped=7" "  records recordHashMismatch" \
		"other tests=9 failures=0 skipped=5" >expect &&
	test_cmp expect actual
'

test_expect_success XMLLINT,PYTHON3 'no logs: one failed test noLogs, exit 1; bad input: an error, exit 2' '
	annal init empty.git >/dev/null &&
	test_expect_code 1 annal -C empty.git verify --all --format junit >out 2>err &&
	grep "^annal: error: no logs found" err &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "annal verify tests=1 failures=1 skipped=0" "  verify noLogs" >expect &&
	test_cmp expect actual &&
	test_expect_code 2 annal -C u.git verify --log nosuch --format junit >out 2>err &&
	grep "^annal: error: no such log" err &&
	valid out &&
	grep "<error type=\"error\" message=\"no such log &apos;nosuch&apos;\">" out
'

test_expect_success XMLLINT,PYTHON3 'a repository that cannot be opened: a report too, exit 3' '
	test_expect_code 3 annal -C no-such.git verify --all --format junit >out 2>err &&
	grep "^annal: error: not a git repository: .no-such.git." err &&
	valid out &&
	summary out >actual &&
	echo "annal verify tests=1 failures=0 skipped=0" >expect &&
	test_cmp expect actual &&
	grep "<error type=\"error\" message=\"not a git repository: &apos;no-such.git&apos;\">" out &&
	test_expect_code 3 annal -C no-such.git verify --format=junit >out 2>err &&
	valid out &&
	test_expect_code 3 annal -C no-such.git verify >out 2>err &&
	test_must_be_empty out
'

test_expect_success XMLLINT,PYTHON3 'a bad anchor or state file: still a whole report, exit 2' '
	printf "main %s \\n" $(git --git-dir=u.git rev-parse refs/audit/main) >bad-anchors &&
	test_expect_code 2 annal -C u.git verify --anchor-file bad-anchors --format junit >out 2>err &&
	grep "^annal: error: bad-anchors:1: not" err &&
	valid out &&
	summary out >actual &&
	echo "annal verify tests=1 failures=0 skipped=0" >expect &&
	test_cmp expect actual &&
	grep "<error type=\"error\" message=\"bad-anchors:1: not" out &&
	mkdir -p a-dir &&
	test_expect_code 2 annal -C u.git verify --all --anchor-file a-dir --format junit >out 2>err &&
	valid out &&
	echo "{" >bad-state &&
	test_expect_code 2 annal -C u.git verify --state bad-state --format junit >out 2>err &&
	valid out &&
	test_expect_code 2 annal -C u.git verify --state bad-state --format json >out 2>err &&
	python3 -c "import json, sys; assert json.load(open(sys.argv[1]))[\"ok\"] is False" out
'

test_expect_success XMLLINT,PYTHON3,GIT 'hostile records, ref names and messages leave valid XML' '
	rm -rf h.git && cp -R u.git h.git &&
	test_tick &&
	annal -C h.git append --actor "x]]>y" --action "<&\"'"'"'>" \
		--reason "$(printf "]]> <!-- & \"q\" \302\233[31m \342\200\256evil\342\200\254 \357\277\276")" >/dev/null &&
	annal -C h.git verify --format junit >out &&
	valid out &&
	name=$(printf "x<&\"'"'"']]>\377\302\233\342\200\256\001\357\277\277z") &&
	git --git-dir=h.git rev-parse refs/audit/main >"h.git/refs/audit/$name" &&
	test_expect_code 1 annal -C h.git verify --all --format junit >out 2>err &&
	valid out &&
	python3 props.py out >props &&
	grep -F "x<&\"'"'"']]>\\xff\\u009b\\u202e\\u0001\\uffffz log=x<&" props &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" h.git main edit-field 5 reason "json:\"]]>\\u0001\\u009b\\u202e\"" >ids &&
	test_expect_code 1 annal -C h.git verify --format junit >out 2>err &&
	valid out &&
	summary out >actual &&
	grep "recordHashMismatch" actual
'

test_expect_success XMLLINT,PYTHON3 'audit-verify: a good bundle, a tampered one' '
	rm -rf w.git && cp -R s.git w.git &&
	annal -C w.git export --bundle good.zip --sign-key k1 >/dev/null &&
	annal audit-verify --key k1.pub --format junit good.zip >out 2>err &&
	test_must_be_empty err &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "good.zip tests=1 failures=0 skipped=0" "main tests=2 failures=0 skipped=0" >expect &&
	test_cmp expect actual &&
	python3 props.py out >props &&
	grep "^main records=6\$" props &&
	grep "^main checkpoint.size=6\$" props &&
	grep "^good.zip signer=$(ssh-keygen -lf k1.pub | cut -d" " -f2)\$" props &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" forge good.zip bad.zip --resign k1 flip records.jsonl &&
	test_expect_code 1 annal audit-verify --key k1.pub --format junit bad.zip >out 2>err &&
	test_line_count = 1 err &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "bad.zip tests=1 failures=0 skipped=0" "main tests=2 failures=1 skipped=1" \
		"  records bundle" >expect &&
	test_cmp expect actual &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" forge good.zip sums.zip --resum flip records.jsonl &&
	test_expect_code 1 annal audit-verify --key k1.pub --format junit sums.zip >out 2>err &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "sums.zip tests=1 failures=1 skipped=0" "  signature and manifest bundle" >expect &&
	test_cmp expect actual
'

test_expect_success XMLLINT,PYTHON3 'audit-verify: a bundle of several logs, a suite each' '
	rm -rf w.git && cp -R u.git w.git &&
	annal -C w.git append --log ops --actor carol --action read >/dev/null &&
	annal -C w.git export --all --bundle several.zip --sign-key k1 >/dev/null &&
	annal audit-verify --key k1.pub --format junit several.zip >out &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "several.zip tests=1 failures=0 skipped=0" "main tests=2 failures=0 skipped=1" \
		"ops tests=2 failures=0 skipped=1" >expect &&
	test_cmp expect actual &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" forge several.zip bad.zip --resign k1 \
		flip logs/ops/records.jsonl &&
	test_expect_code 1 annal audit-verify --key k1.pub --format junit bad.zip >out 2>err &&
	grep "^annal: error: bundle bad.zip: log ops: " err &&
	valid out &&
	summary out >actual &&
	printf "%s\n" "bad.zip tests=1 failures=0 skipped=0" "main tests=2 failures=0 skipped=1" \
		"ops tests=2 failures=1 skipped=1" "  records bundle" >expect &&
	test_cmp expect actual
'

test_expect_success XMLLINT,PYTHON3 'audit-verify: a hostile bundle name, an unreadable bundle' '
	name=$(printf "b<&\"'"'"']]>\377\302\233\342\200\256\001.zip") &&
	cp good.zip "$name" &&
	annal audit-verify --key k1.pub --format junit "$name" >out &&
	valid out &&
	python3 props.py out >props &&
	grep -F "bundle=b<&\"'"'"']]>\\xff\\u009b\\u202e\\u0001.zip" props &&
	test_expect_code 2 annal audit-verify --key k1.pub --format junit nosuch.zip >out 2>err &&
	test_line_count = 1 err &&
	valid out &&
	grep "<error type=\"error\"" out
'

test_done
