#!/bin/sh

test_description='annal export formats against their public specs

json and csv are those of annal log; otlp-json is one OTLP/JSON logs
document (protobuf JSON mapping: 64-bit integers as decimal strings,
AnyValue for every field, traceId only for 32-hex trace ids, severity from
the decision); splunk-hec is one HTTP Event Collector event per line;
datadog one Datadog HTTP logs intake object per line.  In every format
every field of every record comes back with its value and type.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

# export_as FORMAT [<filter options>...]: on a fresh copy of the log,
# expect.jsonl = annal log --reverse --format jsonl, out = annal export
export_as () {
	ea_fmt_=$1
	shift
	rm -rf w.git &&
	cp -R repo.git w.git &&
	annal -C w.git log --reverse --format jsonl "$@" >expect.jsonl &&
	annal -C w.git export --format "$ea_fmt_" "$@" >out 2>err &&
	test_must_be_empty err
}

# check_format FORMAT ["OPTION..."]: check-formats.py on out and expect.jsonl
check_format () {
	python3 "$TRASH_DIRECTORY/check-formats.py" "$1" out expect.jsonl \
		main "$HOST" "$VERSION" $2
}

test_expect_success 'setup: records with every kind of value' '
	annal init repo.git >/dev/null &&
	cat >records <<-\EOF &&
	{"actor":"alice","action":"login","target":"web-1","decision":"allowed","tenant":"acme","trace_id":"0123456789abcdef0123456789abcdef","event_time":"2026-11-18T12:00:00.250+01:00","labels":{"env":"prod"},"params":{"n":5,"f":1.5,"big":1e16,"small":0.00001,"neg":-2,"huge":9007199254740993,"none":null,"yes":true,"no":false,"list":[1,"two",{"three":3.5},[],null],"empty":{},"emptylist":[]}}
	{"actor":"bob","action":"deploy","target":"+cmd","decision":"blocked","tenant":"globex","trace_id":"0123456789ABCDEF0123456789ABCDEF","reason":"=HYPERLINK(\"http://x\")"}
	{"actor":"-carol","action":"read","target":"@t","decision":"held","tenant":"initech","trace_id":"00000000000000000000000000000000","reason":"\tlead tab"}
	{"actor":"dave","action":"purge","decision":"redacted","trace_id":"0123456789abcdef","reason":"\rcarriage"}
	{"actor":"eve","action":"rollback","decision":"errored","trace_id":"t-1","event_time":"2026-11-18T11:00:00.123456789Z"}
	{"actor":"émile","action":"note","reason":"café ☕ \"quoted\", comma\nnew line","params":{"ratio":0.1}}
	{"actor":"frank","action":"approve","decision":"custom-value","trace_id":"0123456789abcdef0123456789abcdeg","count":-7,"ratio":-0.5,"ok":true,"nothing":null,"tags":["a","b"]}
	EOF
	n=0 &&
	while read -r line
	do
		n=$((n + 1)) &&
		printf "%s\n" "$line" >line &&
		ANNAL_TEST_NOW=$((1795000000 + 60 * n)).$((100 + n)) \
			annal -C repo.git append --stdin <line >>ids || return 1
	done <records &&
	ANNAL_TEST_NOW=1795000600 annal -C repo.git append --actor grace \
		--action rotate --decision allowed --field params.secret=s3cr3t \
		--field params.keep=k --redact params.secret >>ids &&
	ANNAL_TEST_NOW=1795000600 annal -C repo.git append --actor heidi \
		--action fix --corrects "$(sed -n 2p ids)" >>ids &&
	test_line_count = 9 ids &&
	HOST=$(python3 -c "import socket; print(socket.gethostname())") &&
	VERSION=$(annal --version | sed "s/^annal version //") &&
	test -n "$HOST" &&
	test -n "$VERSION" &&
	cat >check-formats.py <<-\EOF
	# check-formats.py FORMAT OUT EXPECT.jsonl LOG HOST VERSION [OPTION...]
	# OUT must be EXPECT.jsonl (annal log --reverse --format jsonl) in
	# FORMAT; every field of every record comes back, same value and type.
	# --exact: splunk-hec and datadog lines byte for byte as in the spec.
	# --ms-ok: otlp-json timeUnixNano may be cut to the millisecond.
	# --upper-ok: no otlp-json traceId for a 32-hex trace id in upper case
	# is let pass (those two are checked by tests of their own).
	import calendar, csv, io, json, re, sys

	fmt, out_f, exp_f, LOG, HOST, VERSION = sys.argv[1:7]
	exact = "--exact" in sys.argv[7:]
	ms_ok = "--ms-ok" in sys.argv[7:]
	upper_ok = "--upper-ok" in sys.argv[7:]
	raw = open(out_f, "rb").read()
	text = raw.decode("utf-8")
	expect_lines = open(exp_f, encoding="utf-8").read().split("\n")[:-1]
	expect = [json.loads(l) for l in expect_lines]

	def fail(msg):
	    sys.exit("%s: %s" % (fmt, msg))

	def canonical(o):
	    return json.dumps(o, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False)

	def same(got, want, what):
	    if canonical(got) != canonical(want):
	        fail("%s:\n  got  %s\n  want %s" % (what, canonical(got),
	                                            canonical(want)))

	def no_dups(pairs):
	    d = {}
	    for k, v in pairs:
	        if k in d:
	            fail("duplicate key %r" % k)
	        d[k] = v
	    return d

	def load(s, **kw):
	    return json.loads(s, object_pairs_hook=no_dups, **kw)

	def rfc3339_ns(s):
	    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)"
	                     r"(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)", s)
	    if not m:
	        fail("cannot parse date %r" % s)
	    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
	    secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0))
	    frac = int(((m.group(7) or "") + "000000000")[:9])
	    z = m.group(8)
	    if z not in ("Z", "z"):
	        off = int(z[1:3]) * 3600 + int(z[4:6]) * 60
	        secs -= off if z[0] == "+" else -off
	    return secs * 10**9 + frac

	def summary(r):
	    s = "%s %s" % (r["actor"], r["action"])
	    if "target" in r:
	        s += " " + r["target"]
	    if "decision" in r:
	        s += " -> " + r["decision"]
	    return s

	def level(r):
	    d = r.get("decision")
	    if d in ("blocked", "held", "redacted"):
	        return 13, "WARN", "warn"
	    if d == "errored":
	        return 17, "ERROR", "error"
	    return 9, "INFO", "info"

	def lines_of(t):
	    if t and not t.endswith("\n"):
	        fail("no final newline")
	    return t.split("\n")[:-1]

	def check_count(n):
	    if n != len(expect):
	        fail("%d records, want %d" % (n, len(expect)))

	if fmt == "json":
	    got = load(text)
	    if not isinstance(got, list):
	        fail("not an array")
	    check_count(len(got))
	    for g, w in zip(got, expect):
	        same(g, w, "record %s" % w["seq"])

	elif fmt == "csv":
	    if not text.endswith("\r\n"):
	        fail("last line does not end with CRLF")
	    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
	    cols = ["id", "seq", "ts", "actor", "action", "target", "decision",
	            "reason", "tenant", "trace_id", "data", "prev_hash", "hash"]
	    if rows[0] != cols:
	        fail("header %r" % rows[0])
	    check_count(len(rows) - 1)
	    danger = ("=", "+", "-", "@", "\t", "\r")
	    for row, w in zip(rows[1:], expect):
	        if len(row) != len(cols):
	            fail("row of %d cells: %r" % (len(row), row))
	        rec = {}
	        for c, cell in zip(cols, row):
	            if cell.startswith(danger):
	                fail("cell %r starts with a formula character" % cell)
	            # the data cell is JSON, never a record field of that name
	            want = None if c == "data" else w.get(c)
	            if isinstance(want, str) and want.startswith(danger):
	                if cell != "\x27" + want:
	                    fail("%s %r not neutralized: %r" % (c, want, cell))
	                cell = cell[1:]
	            if c == "data":
	                if cell:
	                    d = load(cell)
	                    if canonical(d) != cell:
	                        fail("data cell not canonical: %r" % cell)
	                    rec.update(d)
	            elif cell != "":
	                rec[c] = int(cell) if c == "seq" else cell
	        same(rec, w, "record %s" % w["seq"])

	elif fmt == "otlp-json":
	    doc = load(text)
	    if set(doc) != {"resourceLogs"} or len(doc["resourceLogs"]) != 1:
	        fail("not one resourceLogs: %s" % list(doc))
	    rl = doc["resourceLogs"][0]
	    res = {"attributes": [
	        {"key": "service.name", "value": {"stringValue": "annal"}},
	        {"key": "annal.log", "value": {"stringValue": LOG}},
	        {"key": "host.name", "value": {"stringValue": HOST}}]}
	    same(rl.get("resource"), res, "resource")
	    if set(rl) != {"resource", "scopeLogs"} or len(rl["scopeLogs"]) != 1:
	        fail("resourceLogs[0] keys %s" % sorted(rl))
	    sl = rl["scopeLogs"][0]
	    same(sl.get("scope"), {"name": "annal", "version": VERSION}, "scope")
	    if set(sl) != {"scope", "logRecords"}:
	        fail("scopeLogs[0] keys %s" % sorted(sl))
	    lrs = sl["logRecords"]
	    check_count(len(lrs))

	    def any_value(v, where):
	        if not isinstance(v, dict) or len(v) > 1:
	            fail("%s: not an AnyValue: %r" % (where, v))
	        if not v:
	            return None
	        (k, x), = v.items()
	        if k == "stringValue" and isinstance(x, str):
	            return x
	        if k == "boolValue" and isinstance(x, bool):
	            return x
	        if k == "intValue" and isinstance(x, str) and \
	           re.fullmatch(r"-?(0|[1-9][0-9]*)", x):
	            return int(x)
	        if k == "doubleValue" and isinstance(x, (int, float)) and \
	           not isinstance(x, bool):
	            return float(x)
	        if k == "arrayValue" and isinstance(x, dict) and \
	           set(x) <= {"values"}:
	            return [any_value(e, where + "[]") for e in x.get("values", [])]
	        if k == "kvlistValue" and isinstance(x, dict) and \
	           set(x) <= {"values"}:
	            return kvlist(x.get("values", []), where)
	        fail("%s: bad AnyValue %r" % (where, v))

	    def kvlist(kvs, where):
	        d = {}
	        for kv in kvs:
	            if set(kv) != {"key", "value"} or kv["key"] in d:
	                fail("%s: bad KeyValue %r" % (where, kv))
	            d[kv["key"]] = any_value(kv["value"], where + "." + kv["key"])
	        return d

	    for lr, w in zip(lrs, expect):
	        where = "record %s" % w["seq"]
	        keys = {"timeUnixNano", "observedTimeUnixNano", "severityNumber",
	                "severityText", "body", "attributes"}
	        tid = w.get("trace_id")
	        if isinstance(tid, str) and re.fullmatch(r"[0-9a-fA-F]{32}", tid) \
	           and tid.strip("0") != "" and \
	           not (upper_ok and tid != tid.lower() and "traceId" not in lr):
	            keys.add("traceId")
	            if lr.get("traceId") != tid.lower():
	                fail("%s: traceId %r" % (where, lr.get("traceId")))
	        if set(lr) != keys:
	            fail("%s: keys %s, want %s" % (where, sorted(lr), sorted(keys)))
	        t = w.get("event_time", w["ts"])
	        ok = [str(rfc3339_ns(t))]
	        if ms_ok:
	            ok.append(str(rfc3339_ns(t) // 10**6 * 10**6))
	        if lr["timeUnixNano"] not in ok:
	            fail("%s: timeUnixNano %r, want %d (%s)"
	                 % (where, lr["timeUnixNano"], rfc3339_ns(t), t))
	        if lr["observedTimeUnixNano"] != str(rfc3339_ns(w["ts"])):
	            fail("%s: observedTimeUnixNano %r" % (where,
	                                                 lr["observedTimeUnixNano"]))
	        num, txt, _ = level(w)
	        if lr["severityNumber"] != num or lr["severityText"] != txt:
	            fail("%s: severity %r %r, want %d %s" % (
	                where, lr["severityNumber"], lr["severityText"], num, txt))
	        same(lr["body"], {"stringValue": summary(w)}, where + " body")
	        got = kvlist(lr["attributes"], where)
	        if not all(k.startswith("annal.") for k in got):
	            fail("%s: attribute keys %s" % (where, sorted(got)))
	        same({k[6:]: v for k, v in got.items()}, w, where + " attributes")

	elif fmt == "splunk-hec":
	    lines = lines_of(text)
	    check_count(len(lines))
	    for line, w, wl in zip(lines, expect, expect_lines):
	        where = "record %s" % w["seq"]
	        ev = load(line)
	        if set(ev) != {"event", "host", "source", "sourcetype", "time"}:
	            fail("%s: keys %s" % (where, sorted(ev)))
	        same(ev["event"], w, where)
	        if ev["host"] != HOST or ev["source"] != "annal:" + LOG or \
	           ev["sourcetype"] != "annal:record":
	            fail("%s: host/source/sourcetype %r" % (where, ev))
	        tm = load(line, parse_float=str)["time"]
	        if not isinstance(tm, str) or not re.fullmatch(r"\d+\.\d{3}", tm):
	            fail("%s: time %r is not a number with 3 decimals" % (where, tm))
	        ms = int(tm.replace(".", ""))
	        ok = [rfc3339_ns(w["ts"]) // 10**6]
	        if "event_time" in w:
	            ok.append(rfc3339_ns(w["event_time"]) // 10**6)
	        if ms not in ok:
	            fail("%s: time %s, want one of %s" % (where, tm, ok))
	        if exact:
	            want = ("{\"event\":%s,\"host\":%s,\"source\":%s,"
	                    "\"sourcetype\":\"annal:record\",\"time\":%d.%03d}"
	                    % (wl, json.dumps(HOST), json.dumps("annal:" + LOG),
	                       ms // 1000, ms % 1000))
	            if line != want:
	                fail("%s: layout\n  got  %s\n  want %s" % (where, line, want))

	elif fmt == "datadog":
	    lines = lines_of(text)
	    check_count(len(lines))
	    for line, w in zip(lines, expect):
	        where = "record %s" % w["seq"]
	        o = load(line)
	        keys = {"annal", "ddsource", "ddtags", "hostname", "message",
	                "service", "status", "timestamp"}
	        if set(o) != keys:
	            fail("%s: keys %s" % (where, sorted(o)))
	        same(o["annal"], w, where)
	        tags = "log:" + LOG
	        for k in ("decision", "tenant", "action"):
	            if k in w:
	                tags += ",%s:%s" % (k, w[k])
	        _, _, status = level(w)
	        want = {"ddsource": "annal", "ddtags": tags, "hostname": HOST,
	                "message": summary(w), "service": "annal",
	                "status": status}
	        same({k: o[k] for k in want}, want, where)
	        ts = o["timestamp"]
	        if type(ts) is not int:
	            fail("%s: timestamp %r is not an integer" % (where, ts))
	        ok = [rfc3339_ns(w["ts"]) // 10**6]
	        if "event_time" in w:
	            ok.append(rfc3339_ns(w["event_time"]) // 10**6)
	        if ts not in ok:
	            fail("%s: timestamp %d, want one of %s" % (where, ts, ok))
	        if exact:
	            o2 = dict(want, annal=w, timestamp=ts)
	            if line != canonical(o2):
	                fail("%s: layout\n  got  %s\n  want %s"
	                     % (where, line, canonical(o2)))
	else:
	    fail("unknown format")
	print("ok %d" % len(expect))
	EOF
'

test_expect_success 'the records are as intended' '
	annal -C repo.git log --reverse --format jsonl >all.jsonl &&
	test_line_count = 9 all.jsonl &&
	grep "\"redacted\":\[\"params.secret\"\]" all.jsonl &&
	grep "\"big\":1e+16" all.jsonl &&
	grep "\"event_time\":\"2026-11-18T11:00:00.123456789Z\"" all.jsonl
'

test_expect_success 'json: the array of annal log --format json, oldest first' '
	export_as json &&
	rm -rf w2.git && cp -R repo.git w2.git &&
	annal -C w2.git log --reverse --format json >expect &&
	test_cmp expect out &&
	check_format json
'

test_expect_success 'json: no records is []' '
	export_as json --actor nobody &&
	echo "[]" >expect &&
	test_cmp expect out
'

test_expect_success 'csv: annal log --format csv, RFC 4180, neutralized, round trip' '
	export_as csv &&
	rm -rf w2.git && cp -R repo.git w2.git &&
	annal -C w2.git log --reverse --format csv >expect &&
	test_cmp expect out &&
	check_format csv
'

test_expect_success 'csv: no records is the header alone' '
	export_as csv --actor nobody &&
	printf "id,seq,ts,actor,action,target,decision,reason,tenant,trace_id,data,prev_hash,hash\r\n" >expect &&
	test_cmp expect out
'

test_expect_success 'csv: a record field named like a column that is no field comes back' '
	# "id" is reserved (annal-format(5)); "data" is a free field, and the
	# one CSV column that is not a field of its own must not swallow it
	annal init data.git >/dev/null &&
	cat >data-records <<-\EOF &&
	{"actor":"a","action":"x","data":{"k":"v"}}
	{"actor":"a","action":"x","data":"=1","extra":2}
	{"actor":"a","action":"x","data":null}
	{"actor":"a","action":"x","data":{}}
	EOF
	annal -C data.git append --stdin <data-records >/dev/null &&
	test_expect_code 2 annal -C data.git append --actor a --action x \
		--field id=1 &&
	annal -C data.git log --reverse --format jsonl >expect.jsonl &&
	annal -C data.git export --format csv >out &&
	check_format csv
'

test_expect_success 'otlp-json: structure, times in ns, AnyValues, traceId, severity' '
	export_as otlp-json &&
	check_format otlp-json "--ms-ok --upper-ok"
'

test_expect_success 'otlp-json: an event_time finer than a millisecond keeps its nanoseconds' '
	export_as otlp-json --actor eve &&
	grep "\"timeUnixNano\":\"1794999600123456789\"" out &&
	check_format otlp-json "--upper-ok"
'

test_expect_success 'otlp-json: a 32-hex trace id in upper case: traceId in lower case' '
	export_as otlp-json --actor bob &&
	grep "\"traceId\":\"0123456789abcdef0123456789abcdef\"" out &&
	check_format otlp-json "--ms-ok"
'

test_expect_success 'otlp-json: one document, even for one record or none' '
	export_as otlp-json --from-seq 3 --to-seq 3 &&
	check_format otlp-json &&
	export_as otlp-json --actor nobody &&
	python3 -c "
import json, sys
d = json.load(open(\"out\"))
lr = d[\"resourceLogs\"][0][\"scopeLogs\"][0].get(\"logRecords\", [])
sys.exit(lr != [])
"
'

test_expect_success 'otlp-json: 64-bit integers are decimal strings, never JSON numbers' '
	export_as otlp-json --from-seq 1 --to-seq 1 &&
	grep "\"intValue\":\"9007199254740993\"" out &&
	grep "\"timeUnixNano\":\"1794999600250000000\"" out &&
	! grep "\"intValue\": *[0-9-]" out &&
	! grep "UnixNano\": *[0-9]" out &&
	! grep spanId out
'

test_expect_success 'splunk-hec: one event per line, time in seconds with ms' '
	export_as splunk-hec &&
	check_format splunk-hec &&
	test_line_count = 9 out
'

test_expect_success 'splunk-hec: layout exactly as in the spec (keys sorted, no spaces)' '
	export_as splunk-hec &&
	check_format splunk-hec --exact
'

test_expect_success 'datadog: one object per line, tags, status, ms timestamp' '
	export_as datadog &&
	check_format datadog &&
	test_line_count = 9 out
'

test_expect_success 'datadog: layout exactly as in the spec (keys sorted, no spaces)' '
	export_as datadog &&
	check_format datadog --exact
'

test_expect_success 'line formats: no records is no output' '
	for f in jsonl splunk-hec datadog
	do
		export_as $f --actor nobody &&
		test_must_be_empty out || return 1
	done
'

test_expect_success 'every format with a filter: the same records' '
	for f in json csv otlp-json splunk-hec datadog
	do
		export_as $f --decision "[bhr]*" &&
		test_line_count = 3 expect.jsonl &&
		check_format $f "--ms-ok --upper-ok" || return 1
	done
'

test_expect_success 'every format with -o: the same bytes as on stdout' '
	for f in jsonl json csv otlp-json splunk-hec datadog
	do
		export_as $f &&
		mv out stdout.$f &&
		rm -rf w.git && cp -R repo.git w.git &&
		annal -C w.git export --format $f -o file.$f >out &&
		test_must_be_empty out &&
		test_cmp stdout.$f file.$f || return 1
	done
'

test_expect_success 'another log: named in otlp-json, splunk-hec and datadog' '
	annal -C repo.git append --log ops/eu --actor zed --action boot \
		--decision held >/dev/null &&
	for f in otlp-json splunk-hec datadog
	do
		export_as $f --log ops/eu &&
		python3 "$TRASH_DIRECTORY/check-formats.py" $f out expect.jsonl \
			ops/eu "$HOST" "$VERSION" --exact || return 1
	done
'

test_done
