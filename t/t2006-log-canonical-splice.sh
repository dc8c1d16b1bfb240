#!/bin/sh

test_description='annal log --format jsonl and json: the same bytes from every record

A canonical record is written out by splicing its commit id into the
stored text; any other is written out again from its parsed value.  Both
must give what the canonical writer gives: Python'"'"'s json.dumps with
sorted keys, compact separators and ensure_ascii=False.'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# canonical FILE: every line of the jsonl FILE is the canonical text of
# its own value, and json --format holds the same records
canonical () {
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    want = json.dumps(json.loads(line), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    if line != want:
        sys.exit("line %d is not canonical:\n%s\n%s" % (n, line, want))
' "$1"
}

test_expect_success PYTHON3 'setup: corrections, redactions, unicode, escapes' '
	annal init "$ANNAL_REPO" &&
	ANNAL_TEST_NOW=1795000000 annal append --actor alice --action login >ids &&
	ANNAL_TEST_NOW=1795000060 annal append --actor bob --action deploy \
		--corrects $(cat ids) --reason "wrong host" >>ids &&
	cat >recs <<-\EOF &&
	{"actor":"émile","action":"note","reason":"café ☕ \"quoted\" \\ back\tslash\nnext","params":{"ratio":0.1,"big":1e16,"small":0.00001,"neg":-2,"zero":0,"flag":null,"yes":true,"list":[1,"two",{"three":3.5}],"empty":{},"none":[]},"labels":{"env":"prod"}}
	{"action":"zz","actor":"\u00e9\ud83d\ude00","details":{"z":"\/","a":"\b\f\r \u0001\u001f\u007f \u00e9","id":"inner id"}}
	{"actor":"a","action":"b","aaa":1,"hz":2,"ia":"before id","idz":"after id","zzz":[]}
	EOF
	ANNAL_TEST_NOW=1795000120 annal append --stdin <recs >>ids &&
	ANNAL_TEST_NOW=1795000180 annal append --actor carol --action read \
		--field password=hunter2 --redact password >>ids &&
	test_line_count = 6 ids
'

test_expect_success PYTHON3 'jsonl: each line canonical, each with its own id' '
	annal log --format jsonl >out &&
	test_line_count = 6 out &&
	canonical out &&
	python3 -c "
import json, sys
ids = [l.strip() for l in open(\"ids\")][::-1]
got = [json.loads(l)[\"id\"] for l in open(\"out\", encoding=\"utf-8\")]
sys.exit(got != ids)
"
'

test_expect_success PYTHON3 'json: the same records as one array' '
	annal log --format json >out.json &&
	python3 -c "
import json, sys
a = json.load(open(\"out.json\", encoding=\"utf-8\"))
b = [json.loads(l) for l in open(\"out\", encoding=\"utf-8\")]
sys.exit(a != b)
"
'

for mode in space unsorted escape
do
	test_expect_success PYTHON3 "a record not canonical ($mode): written canonically" '
		rm -rf t.git &&
		cp -R repo.git t.git &&
		python3 "$TEST_DIRECTORY/lib-tamper.py" t.git main noncanonical 3 $mode >new-ids &&
		annal -C t.git log --format jsonl >nc &&
		canonical nc &&
		annal log --format jsonl >orig &&
		sed -n "4p" nc | sed "s/\"id\":\"[0-9a-f]*\"//" >a &&
		sed -n "4p" orig | sed "s/\"id\":\"[0-9a-f]*\"//" >b &&
		test_cmp b a
	'
done

test_expect_success PYTHON3 'a long log (read ahead): the same bytes oldest and newest first' '
	python3 -c "
import json
for i in range(700):
    print(json.dumps({\"actor\": \"u%d\" % i, \"action\": \"a\", \"n\": i}))
" >many &&
	annal append --stdin <many >/dev/null &&
	annal log --format jsonl >long &&
	test_line_count = 706 long &&
	canonical long &&
	annal log --format jsonl --reverse >long-rev &&
	sed -n "1!G;h;\$p" long >expect &&
	test_cmp expect long-rev &&
	annal log --format jsonl -n 300 >head300 &&
	head -n 300 long >expect &&
	test_cmp expect head300
'

test_done
