#!/bin/sh

test_description='annal log: oneline, jsonl, json, csv formats and --summary'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# abbrev N: the 12-hex abbreviation of record N of main
abbrev () {
	sed -n "${1}p" ids | cut -c1-12
}

test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	ANNAL_TEST_NOW=1795000000 annal append --actor alice --action login >ids &&
	ANNAL_TEST_NOW=1795000060 annal append --actor bob --action deploy \
		--target web-1 --decision allowed --tenant acme >>ids &&
	ANNAL_TEST_NOW=1795000120 annal append --actor carol --action read \
		--target db --trace tr-9 >>ids &&
	ANNAL_TEST_NOW=1795000180 annal append --actor dave --action delete \
		--decision blocked --reason "not permitted" >>ids &&
	cat >rec5 <<-\EOF &&
	{"actor":"émile","action":"note","reason":"café ☕ \"quoted\" \\ back\tslash","params":{"ratio":0.1,"big":1e16,"small":0.00001,"neg":-2,"zero":0,"flag":null,"yes":true,"list":[1,"two",{"three":3.5}],"empty":{},"none":[]},"labels":{"env":"prod"}}
	EOF
	ANNAL_TEST_NOW=1795000240.123 annal append --stdin <rec5 >>ids &&
	test_line_count = 5 ids
'

test_expect_success 'oneline: exact layout' '
	annal log --format oneline >actual &&
	cat >expect <<-EOF &&
	$(abbrev 5) 5 2026-11-18T11:10:40.123Z émile note
	$(abbrev 4) 4 2026-11-18T11:09:40.000Z dave delete -> blocked
	$(abbrev 3) 3 2026-11-18T11:08:40.000Z carol read db
	$(abbrev 2) 2 2026-11-18T11:07:40.000Z bob deploy web-1 -> allowed
	$(abbrev 1) 1 2026-11-18T11:06:40.000Z alice login
	EOF
	test_cmp expect actual
'

test_expect_success 'oneline with --reverse and -n' '
	annal log --format oneline --reverse -n 2 >actual &&
	cat >expect <<-EOF &&
	$(abbrev 4) 4 2026-11-18T11:09:40.000Z dave delete -> blocked
	$(abbrev 5) 5 2026-11-18T11:10:40.123Z émile note
	EOF
	test_cmp expect actual
'

test_expect_success PYTHON3 'setup: an independent chain checker for jsonl' '
	cat >verify-chain.py <<-\EOF
	# verify-chain.py FILE: check an exported jsonl chain, oldest first.
	# verify-chain.py --flip-all FILE: every one-byte change outside the
	# commit ids must make the check fail.
	import hashlib, json, sys

	ZERO = "sha256:" + "0" * 64

	def canon(obj):
	    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False)

	def check(data):
	    prev, n = ZERO, 0
	    for line in data.decode("utf-8").split("\n")[:-1]:
	        rec = json.loads(line)
	        if canon(rec) != line:
	            return "line %d: not canonical JSON" % (n + 1)
	        n += 1
	        rid, h = rec.pop("id"), rec.pop("hash")
	        if len(rid) != 40 or rid.strip("0123456789abcdef"):
	            return "line %d: bad id %r" % (n, rid)
	        if type(rec.get("seq")) is not int or rec["seq"] != n:
	            return "line %d: seq %r" % (n, rec.get("seq"))
	        if rec.get("prev_hash") != prev:
	            return "line %d: prev_hash does not link" % n
	        if "sha256:" + hashlib.sha256(canon(rec).encode()).hexdigest() != h:
	            return "line %d: hash mismatch" % n
	        prev = h
	    if n == 0 or not data.endswith(b"\n"):
	        return "no records, or no final newline"
	    return None

	def fails(data):
	    try:
	        return check(data) is not None
	    except Exception:
	        return True

	if sys.argv[1] == "--flip-all":
	    data = open(sys.argv[2], "rb").read()
	    skip = set()
	    pos = 0
	    while True:
	        pos = data.find(b"\"id\":\"", pos)
	        if pos < 0:
	            break
	        skip.update(range(pos + 6, pos + 46))
	        pos += 46
	    tried = 0
	    for i in range(len(data)):
	        if i in skip or data[i] == 0x0a:
	            continue
	        bad = bytearray(data)
	        bad[i] ^= 0x01
	        tried += 1
	        if not fails(bytes(bad)):
	            sys.exit("flipping byte %d still verifies" % i)
	    print("%d flips detected" % tried)
	else:
	    err = check(open(sys.argv[1], "rb").read())
	    if err:
	        sys.exit(err)
	EOF
'

test_expect_success PYTHON3 'jsonl: the exported chain verifies independently' '
	annal log --format jsonl --reverse >chain.jsonl &&
	test_line_count = 5 chain.jsonl &&
	python3 verify-chain.py chain.jsonl
'

test_expect_success PYTHON3 'jsonl: newest first by default, same records' '
	annal log --format jsonl >newest.jsonl &&
	sed -n "1!G;h;\$p" newest.jsonl >actual &&
	test_cmp chain.jsonl actual
'

test_expect_success PYTHON3 'jsonl: ids are the printed ids' '
	python3 -c "
import json, sys
for line in open(\"chain.jsonl\", encoding=\"utf-8\"):
    print(json.loads(line)[\"id\"])
" >actual &&
	test_cmp ids actual
'

test_expect_success PYTHON3,GIT 'jsonl: ids are the commits of refs/audit/main' '
	git -C repo.git rev-list refs/audit/main >expect &&
	python3 -c "
import json
for line in open(\"newest.jsonl\", encoding=\"utf-8\"):
    print(json.loads(line)[\"id\"])
" >actual &&
	test_cmp expect actual
'

test_expect_success PYTHON3 'jsonl: numbers and strings are canonical' '
	annal log --format jsonl -n 1 >last.jsonl &&
	python3 -c "
import json, sys
line = open(\"last.jsonl\", encoding=\"utf-8\").read()
assert line.endswith(\"\\n\") and line.count(\"\\n\") == 1, line
rec = json.loads(line)
p = rec[\"params\"]
assert line.find(\"\\\"big\\\":1e+16,\") > 0, line
assert line.find(\"\\\"small\\\":1e-05,\") > 0, line
assert line.find(\"\\\"ratio\\\":0.1,\") > 0, line
assert line.find(\"café ☕\") > 0, line
assert p[\"list\"] == [1, \"two\", {\"three\": 3.5}], p
assert rec[\"reason\"] == \"café ☕ \\\"quoted\\\" \\\\ back\\tslash\", rec
assert rec[\"ts\"] == \"2026-11-18T11:10:40.123Z\", rec
"
'

test_expect_success PYTHON3 'jsonl: changing any byte (but an id) breaks the chain' '
	python3 verify-chain.py --flip-all chain.jsonl
'

test_expect_success PYTHON3 'jsonl: a changed record fails the checker' '
	python3 -c "
import sys
lines = open(\"chain.jsonl\", \"rb\").read().split(b\"\\n\")
i = lines[2].index(b\"\\\"actor\\\":\\\"\") + 9
lines[2] = lines[2][:i] + bytes([lines[2][i] + 1]) + lines[2][i + 1:]
open(\"tampered.jsonl\", \"wb\").write(b\"\\n\".join(lines))
" &&
	! test_cmp chain.jsonl tampered.jsonl >/dev/null &&
	test_expect_code 1 python3 verify-chain.py tampered.jsonl
'

test_expect_success PYTHON3 'json: an array of the jsonl records' '
	annal log --format json >out.json &&
	python3 -c "
import json
text = open(\"out.json\", encoding=\"utf-8\").read()
lines = open(\"newest.jsonl\", encoding=\"utf-8\").read().split(\"\\n\")[:-1]
want = \"[\\n\" + \",\\n\".join(lines) + \"\\n]\"
assert text in (want, want + \"\\n\"), text
assert json.loads(text) == [json.loads(l) for l in lines]
"
'

test_expect_success PYTHON3 'json: with --reverse and -n' '
	annal log --format json --reverse -n 2 >out.json &&
	python3 -c "
import json
got = json.load(open(\"out.json\", encoding=\"utf-8\"))
assert [r[\"seq\"] for r in got] == [4, 5], got
"
'

test_expect_success 'json: an empty result is []' '
	annal log --format json --actor nobody >out &&
	test "$(cat out)" = "[]"
'

test_expect_success 'jsonl: an empty result is empty' '
	annal log --format jsonl --actor nobody >out &&
	test_must_be_empty out
'

test_expect_success 'setup: records for csv' '
	cat >csv-records <<-\EOF &&
	{"actor":"=cmd|'"'"' /C calc'"'"'!A0","action":"+x","target":"-t","decision":"@d","tenant":"=t","reason":"a, \"q\"\nb","trace_id":"plain","extra":{"k":"v"},"n":1}
	{"actor":"normal","action":"a","reason":"\rstart","labels":{"a":"=1"}}
	{"actor":"plain","action":"b","target":"x=1","decision":"ok","reason":"\tx"}
	{"actor":"o'"'"'brien","action":"c,d","reason":"","tenant":"t \"1\"","trace_id":"-"}
	EOF
	annal append --log csv --stdin <csv-records >csv-ids &&
	test_line_count = 4 csv-ids
'

test_expect_success PYTHON3 'csv: header, CRLF, quoting, data, neutralized formulas' '
	annal log --log csv --format csv >out.csv &&
	annal log --log csv --format jsonl >csv.jsonl &&
	cat >check-csv.py <<-\EOF &&
	import csv, io, json, sys
	COLS = ["id", "seq", "ts", "actor", "action", "target", "decision",
	        "reason", "tenant", "trace_id", "data", "prev_hash", "hash"]
	raw = open(sys.argv[1], "rb").read()
	inq = False
	for i, b in enumerate(raw):
	    if b == 0x22:
	        inq = not inq
	    elif not inq and b == 0x0a and raw[i - 1:i] != b"\r":
	        sys.exit("bare LF at byte %d" % i)
	    elif not inq and b == 0x0d and raw[i + 1:i + 2] != b"\n":
	        sys.exit("bare CR at byte %d" % i)
	assert not inq, "unterminated quote"
	assert raw.startswith(",".join(COLS).encode() + b"\r\n"), raw[:200]
	assert raw.endswith(b"\r\n"), raw[-50:]
	rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
	assert rows[0] == COLS, rows[0]
	recs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
	assert len(rows) == len(recs) + 1, (len(rows), len(recs))
	def canon(o):
	    return json.dumps(o, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False)
	def cell(v):
	    v = "" if v is None else str(v)
	    return "'\''" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
	OWN = [c for c in COLS if c not in ("id", "data")]
	for row, rec in zip(rows[1:], recs):
	    rest = {k: v for k, v in rec.items() if k not in OWN + ["id"]}
	    want = [cell(canon(rest) if rest else "") if c == "data"
	            else cell(rec.get(c)) for c in COLS]
	    if row != want:
	        sys.exit("row %r\n  want %r" % (row, want))
	print("%d rows ok" % (len(rows) - 1))
	EOF
	python3 check-csv.py out.csv csv.jsonl
'

test_expect_success PYTHON3 'csv: a record field named "data" goes into the data cell' '
	annal append --log csv-data --actor a --action x --field data=kept \
		--field more=1 >/dev/null &&
	annal log --log csv-data --format csv >data.csv &&
	annal log --log csv-data --format jsonl >data.jsonl &&
	python3 check-csv.py data.csv data.jsonl &&
	python3 -c "
import csv, json
row = next(csv.DictReader(open(\"data.csv\", newline=\"\", encoding=\"utf-8\")))
assert json.loads(row[\"data\"]) == {\"data\": \"kept\", \"more\": \"1\"}, row
"
'

test_expect_success PYTHON3 'csv: the awkward values, explicitly' '
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"out.csv\", newline=\"\", encoding=\"utf-8\")))
r = {row[\"seq\"]: row for row in rows}
assert r[\"1\"][\"actor\"] == \"'\''=cmd|'\'' /C calc'\''!A0\", r[\"1\"]
assert r[\"1\"][\"action\"] == \"'\''+x\", r[\"1\"]
assert r[\"1\"][\"target\"] == \"'\''-t\", r[\"1\"]
assert r[\"1\"][\"decision\"] == \"'\''@d\", r[\"1\"]
assert r[\"1\"][\"tenant\"] == \"'\''=t\", r[\"1\"]
assert r[\"1\"][\"reason\"] == \"a, \\\"q\\\"\\nb\", r[\"1\"]
assert r[\"1\"][\"data\"] == \"{\\\"extra\\\":{\\\"k\\\":\\\"v\\\"},\\\"n\\\":1}\", r[\"1\"]
assert r[\"2\"][\"reason\"] == \"'\''\\rstart\", r[\"2\"]
assert r[\"2\"][\"data\"] == \"{\\\"labels\\\":{\\\"a\\\":\\\"=1\\\"}}\", r[\"2\"]
assert r[\"3\"][\"target\"] == \"x=1\", r[\"3\"]
assert r[\"3\"][\"data\"] == \"\", r[\"3\"]
assert r[\"3\"][\"reason\"] == \"'\''\\tx\", r[\"3\"]
assert r[\"3\"][\"tenant\"] == \"\" and r[\"2\"][\"tenant\"] == \"\", r[\"3\"]
assert r[\"4\"][\"actor\"] == \"o'\''brien\", r[\"4\"]
assert r[\"4\"][\"action\"] == \"c,d\", r[\"4\"]
assert r[\"4\"][\"tenant\"] == \"t \\\"1\\\"\", r[\"4\"]
assert r[\"4\"][\"trace_id\"] == \"'\''-\", r[\"4\"]
assert r[\"1\"][\"prev_hash\"].startswith(\"sha256:\"), r[\"1\"]
"
'

test_expect_success 'setup: records for --summary' '
	cat >sum-records <<-\EOF &&
	{"actor":"a","action":"x","decision":"allowed","tenant":"acme"}
	{"actor":"a","action":"x","decision":"allowed","tenant":"globex"}
	{"actor":"a","action":"x","decision":"blocked","tenant":"acme"}
	{"actor":"b","action":"x","tenant":"acme"}
	{"actor":"b","action":"x","decision":"escalated","tenant":"globex"}
	{"actor":"b","action":"x","decision":"held","tenant":"acme"}
	{"actor":"c","action":"x","decision":"allowed","tenant":"acme"}
	{"actor":"c","action":"x","decision":"deferred","tenant":"acme"}
	{"actor":"c","action":"x","decision":"blocked","tenant":"globex"}
	{"actor":"c","action":"x","tenant":"globex"}
	EOF
	annal append --log sum --stdin <sum-records >sum-ids &&
	test_line_count = 10 sum-ids
'

test_expect_success '--summary: counts by decision' '
	annal log --log sum --summary >actual &&
	cat >expect <<-\EOF &&
	allowed 3
	blocked 2
	held 1
	redacted 0
	errored 0
	deferred 1
	escalated 1
	(none) 2
	total 10
	EOF
	test_cmp expect actual
'

test_expect_success '--summary counts after the filters' '
	annal log --log sum --summary --tenant acme >actual &&
	cat >expect <<-\EOF &&
	allowed 2
	blocked 1
	held 1
	redacted 0
	errored 0
	deferred 1
	(none) 1
	total 6
	EOF
	test_cmp expect actual &&
	annal log --log sum --summary --decision allowed >actual &&
	cat >expect <<-\EOF &&
	allowed 3
	blocked 0
	held 0
	redacted 0
	errored 0
	total 3
	EOF
	test_cmp expect actual &&
	annal log --log sum --summary --actor nobody >actual &&
	cat >expect <<-\EOF &&
	allowed 0
	blocked 0
	held 0
	redacted 0
	errored 0
	total 0
	EOF
	test_cmp expect actual
'

test_expect_success PYTHON3 '--summary --format json' '
	annal log --log sum --summary --format json >out &&
	python3 -c "
import json
got = json.load(open(\"out\"))
want = {\"decisions\": {\"allowed\": 3, \"blocked\": 2, \"held\": 1,
        \"redacted\": 0, \"errored\": 0, \"deferred\": 1, \"escalated\": 1},
        \"none\": 2, \"total\": 10}
assert got == want, got
" &&
	annal log --log sum --summary --format json --tenant globex >out &&
	python3 -c "
import json
got = json.load(open(\"out\"))
want = {\"decisions\": {\"allowed\": 1, \"blocked\": 1, \"held\": 0,
        \"redacted\": 0, \"errored\": 0, \"escalated\": 1},
        \"none\": 1, \"total\": 4}
assert got == want, got
"
'

test_expect_success PYTHON3 '--summary-by actor, action, tenant, decision' '
	cat >count.py <<-\EOF &&
	# count.py FIELD RECORDS OUT: OUT is --summary-by FIELD of RECORDS
	import collections, json, sys
	field, recs = sys.argv[1], [json.loads(l) for l in open(sys.argv[2])]
	c = collections.Counter(r[field] for r in recs if field in r)
	std = ["allowed", "blocked", "held", "redacted", "errored"]
	lines = []
	if field == "decision":
	    lines += ["%s %d" % (d, c.pop(d, 0)) for d in std]
	lines += ["%s %d" % (k, c[k]) for k in sorted(c)]
	none = sum(1 for r in recs if field not in r)
	if none:
	    lines.append("(none) %d" % none)
	lines.append("total %d" % len(recs))
	got = open(sys.argv[3]).read().splitlines()
	assert got == lines, (got, lines)
	EOF
	for f in actor action tenant decision
	do
		annal log --log sum --summary-by $f >out &&
		python3 count.py $f sum-records out || return 1
	done &&
	annal log --log sum --summary >expect &&
	annal log --log sum --summary-by decision >actual &&
	test_cmp expect actual &&
	annal log --log sum --summary-by tenant --format json --actor c >out &&
	echo "{\"tenants\":{\"acme\":2,\"globex\":2},\"none\":0,\"total\":4}" >expect &&
	test_cmp expect out &&
	test_expect_code 2 annal log --log sum --summary-by reason 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal log --log sum --summary --summary-by actor 2>err &&
	grep "cannot be used together" err &&
	test_expect_code 2 annal log --log sum --summary-by actor --format csv
'

test_expect_success '--summary with another format: exit 2' '
	for f in csv oneline jsonl
	do
		test_expect_code 2 annal log --log sum --summary --format $f \
			>out 2>err &&
		test_must_be_empty out &&
		head -n 1 err >first &&
		grep "^annal: error: " first || return 1
	done
'

test_done
