#!/bin/sh

test_description='stored records are canonical JSON

Records given in any valid JSON spelling are stored exactly as Python
json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
writes them, and every user-provided value survives.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to read the records'
	test_done
fi
if ! test_have_prereq PYTHON3
then
	skip_all='python3 is needed to generate and check records'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO

# stored_user_part ID: the stored record without the fields annal assigns,
# as canonical JSON (Python), for byte comparisons with a literal.
stored_user_part () {
	annal_record repo.git "$1" >rec &&
	python3 -c '
import json, sys
r = json.loads(sys.stdin.buffer.read())
for k in ("seq", "ts", "prev_hash", "hash"):
    del r[k]
sys.stdout.buffer.write(json.dumps(r, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False).encode() + b"\n")
' <rec
}

test_expect_success 'setup' '
	annal_repo_init &&
	cat >gen.py <<-\EOF &&
	# Write N JSON objects, one a line, in varied but valid spellings
	# (run by lib-text.py, for unsafe()).
	import json, random, sys

	rnd = random.Random(int(sys.argv[2]))
	N = int(sys.argv[1])

	SPECIAL = ["\u2028", "\u2029", "\x7f", "\x1f", "\x01", "\b", "\f", "\n",
	           "\r", "\t", "\"", "\\", "/", "\u00e9", "\u00ff", "\u0100",
	           "\u4e2d", "\uffff", "\ufeff", "\U0001F600", "\U0010FFFF",
	           "\U00010000", "\u0080", "\u009f", "\u00a0", "\u07ff", "\u0800",
	           "\ud7ff", "\ue000"]
	FLOATS = [1.0, 1e-05, 1e16, 0.1, -0.0, 1e300, 5e-324, 0.5, -2.5,
	          1e15, 123456789.123, 0.30000000000000004, 1.7976931348623157e308,
	          2.2250738585072014e-308, 1e-07, 0.0001, 100.0, 3.141592653589793,
	          -1e-300, 9007199254740993.0, 1e22, 1e21, 1e-4, 12345.678e10]
	INTS = [0, 1, -1, 42, 2**31, -2**31 - 1, 2**53 + 1, 2**63 - 1, -2**63,
	        2**64, 10**30, -10**25, 123456789012345678901234567890]
	KEYS = ["a", "b", "Z", "z", "_", "A", "aa", "a b", "\u00e9", "e",
	        "\uff5a", "\U0001F600", "\u2028", "\x7f", "key\nline", "k\"q",
	        "1", "10", "9", "", "\u00e9t\u00e9", "\ufb01", "\U00010000"]

	def rstring():
	    n = rnd.randint(0, 8)
	    out = []
	    for _ in range(n):
	        r = rnd.random()
	        if r < 0.4:
	            out.append(rnd.choice(SPECIAL))
	        elif r < 0.6:
	            c = rnd.randint(1, 0x10FFFF)
	            while 0xD800 <= c <= 0xDFFF:
	                c = rnd.randint(1, 0x10FFFF)
	            out.append(chr(c))
	        else:
	            out.append(chr(rnd.randint(0x20, 0x7e)))
	    return "".join(out)

	def rid():
	    # actor, action, target, decision: non-empty, nothing append
	    # refuses in identifiers (t1006 covers those)
	    s = "".join(c for c in rstring() if not unsafe(c))
	    return s or "i"

	def rvalue(depth):
	    r = rnd.random()
	    if depth > 6 or r < 0.45:
	        return rnd.choice([rstring, lambda: rnd.choice(FLOATS),
	                           lambda: rnd.choice(INTS), lambda: True,
	                           lambda: False, lambda: None,
	                           lambda: rnd.randint(-10**6, 10**6),
	                           lambda: rnd.uniform(-1e6, 1e6)])()
	    if r < 0.7:
	        return [rvalue(depth + 1) for _ in range(rnd.randint(0, 4))]
	    return {k: rvalue(depth + 1)
	            for k in rnd.sample(KEYS, rnd.randint(0, 5))}

	def ws():
	    return rnd.choice(["", "", "", " ", "  ", "\t", " \t "])

	def enc_char(c):
	    o = ord(c)
	    if c == "\"":
	        return rnd.choice(["\\\"", "\\u0022"])
	    if c == "\\":
	        return rnd.choice(["\\\\", "\\u005c", "\\u005C"])
	    if o < 0x20:
	        short = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}
	        forms = ["\\u%04x" % o, "\\u%04X" % o]
	        if o in short:
	            forms.append(short[o])
	        return rnd.choice(forms)
	    if c == "/" and rnd.random() < 0.5:
	        return "\\/"
	    if rnd.random() < 0.25:
	        if o > 0xFFFF:
	            v = o - 0x10000
	            hi, lo = 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)
	            return "\\u%04x\\u%04X" % (hi, lo)
	        return rnd.choice(["\\u%04x", "\\u%04X"]) % o
	    return c

	def enc_str(s):
	    return "\"" + "".join(enc_char(c) for c in s) + "\""

	def enc_float(x):
	    forms = [repr(x), "%.17g" % x, "%.17e" % x, "%.17E" % x,
	             repr(x).replace("e", "E")]
	    f = rnd.choice(forms)
	    if not any(ch in f for ch in ".eE"):
	        f += rnd.choice([".0", "e0", "E+0", ".000"])
	    assert float(f) == x and str(float(f)) == str(x), (f, x)
	    return f

	def enc(v):
	    if v is None:
	        return "null"
	    if v is True:
	        return "true"
	    if v is False:
	        return "false"
	    if isinstance(v, int):
	        return str(v)
	    if isinstance(v, float):
	        return enc_float(v)
	    if isinstance(v, str):
	        return enc_str(v)
	    if isinstance(v, list):
	        return "[" + ws() + ("," + ws()).join(enc(x) + ws() for x in v) + "]"
	    items = list(v.items())
	    rnd.shuffle(items)
	    return "{" + ws() + ",".join(ws() + enc_str(k) + ws() + ":" + ws() +
	                                 enc(x) + ws() for k, x in items) + "}"

	for i in range(N):
	    rec = {"actor": "gen:" + rid() + str(i),
	           "action": rnd.choice(["read", "write", "\u00e9crire", "x"]) + rid()}
	    for k in rnd.sample(["params", "before", "after", "data", "x",
	                         "\u00fcber", "\U0001F600", "zz", "Zz", "labels",
	                         "reason", "target", "decision", "\uff5a", "k\ty"],
	                        rnd.randint(1, 6)):
	        if k == "labels":
	            rec[k] = {kk: rstring() for kk in rnd.sample(KEYS, 3)}
	        elif k in ("target", "decision"):
	            rec[k] = rid()
	        elif k == "reason":
	            rec[k] = rstring()
	        else:
	            rec[k] = rvalue(0)
	    if i % 17 == 0:
	        rec["x"] = -0
	        rec["deep"] = [[[[[[[[[[{"d": [1.5, [], {}]}]]]]]]]]]]
	    line = enc(rec)
	    assert "\n" not in line and "\r" not in line
	    assert json.loads(line) == rec
	    sys.stdout.buffer.write(line.encode("utf-8") + b"\n")
	EOF
	cat >check.py <<-\EOF &&
	# check.py INPUT IDS REPO: each stored record is canonical and holds
	# exactly the input object plus seq, ts, prev_hash and hash.
	import json, subprocess, sys

	def canonical(o):
	    return json.dumps(o, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False).encode("utf-8")

	inputs = open(sys.argv[1], "rb").read().decode("utf-8").split("\n")[:-1]
	ids = open(sys.argv[2]).read().split()
	assert len(inputs) == len(ids), (len(inputs), len(ids))
	out = subprocess.run(["git", "-C", sys.argv[3], "cat-file", "--batch"],
	                     input="".join(i + "\n" for i in ids).encode(),
	                     check=True, stdout=subprocess.PIPE).stdout
	pos, bad = 0, 0
	for n, (line, oid) in enumerate(zip(inputs, ids), 1):
	    nl = out.index(b"\n", pos)
	    size = int(out[pos:nl].split()[2])
	    body = out[nl + 1:nl + 1 + size]
	    pos = nl + 1 + size + 1
	    stored = body.split(b"\n")[-2]
	    rec = json.loads(stored.decode("utf-8"))
	    want = json.loads(line)
	    for k in ("seq", "ts", "prev_hash", "hash"):
	        want[k] = rec[k]
	    if canonical(rec) != stored:
	        bad += 1
	        print("line %d (%s): not canonical\n  stored %r\n  python %r"
	              % (n, oid, stored, canonical(rec)))
	    elif canonical(want) != stored:
	        bad += 1
	        print("line %d (%s): content changed\n  stored %r\n  wanted %r"
	              % (n, oid, stored, canonical(want)))
	print("%d of %d records differ" % (bad, len(ids)))
	sys.exit(1 if bad else 0)
	EOF
	python3 "$TEST_DIRECTORY/lib-text.py" run gen.py 200 1 >input.ndjson &&
	test_line_count = 200 input.ndjson
'

test_expect_success 'the generated input is not canonical already' '
	python3 -c "
import json, sys
lines = open(\"input.ndjson\", \"rb\").read().split(b\"\\n\")[:-1]
same = sum(1 for l in lines if json.dumps(json.loads(l), sort_keys=True,
        separators=(\",\", \":\"), ensure_ascii=False).encode() == l)
sys.exit(1 if same > len(lines) // 2 else 0)
"
'

test_expect_success 'append 200 varied records in one batch' '
	annal append --stdin <input.ndjson >ids &&
	test_line_count = 200 ids
'

test_expect_success 'each stored record is canonical and keeps every value' '
	python3 check.py input.ndjson ids repo.git
'

test_expect_success 'the chain checks out with stock tools' '
	annal_check_log repo.git >records &&
	test_line_count = 200 records
'

test_expect_success 'the same records one by one with --json' '
	python3 "$TEST_DIRECTORY/lib-text.py" run gen.py 40 2 >input2.ndjson &&
	while IFS= read -r line
	do
		annal append --log one-by-one --json "$line" || return 1
	done <input2.ndjson >ids2 &&
	test_line_count = 40 ids2 &&
	python3 check.py input2.ndjson ids2 repo.git &&
	annal_check_log repo.git one-by-one >records &&
	test_line_count = 40 records
'

test_expect_success 'pretty-printed --json input is stored canonically' '
	cat >pretty.json <<-\EOF &&
	{
	    "zeta": [ 1 , 2.50 , { "b" : null , "a" : true } ],
	    "action" : "pretty",
	    "actor" :
	        "user:p",
	    "alpha": "\u00e9\ud83d\ude00\/"
	}
	EOF
	annal append --json "$(cat pretty.json)" >id &&
	stored_user_part $(cat id) >actual &&
	printf "%s\n" "{\"action\":\"pretty\",\"actor\":\"user:p\",\"alpha\":\"é😀/\",\"zeta\":[1,2.5,{\"a\":true,\"b\":null}]}" >expect &&
	test_cmp expect actual &&
	annal_record repo.git $(cat id) >rec &&
	grep "^{\"action\":\"pretty\",\"actor\":\"user:p\",\"alpha\":\"é😀/\",\"hash\":\"sha256:[0-9a-f]\{64\}\",\"prev_hash\":\"sha256:[0-9a-f]\{64\}\",\"seq\":[0-9]*,\"ts\":\"[^\"]*\",\"zeta\":\[1,2.5,{\"a\":true,\"b\":null}\]}\$" rec
'

test_expect_success 'numbers: golden canonical forms' '
	annal append --json "{\"actor\":\"a\",\"action\":\"n\",\"n\":[1.0,1e2,1E2,1e-5,1e16,0.1,-0,-0.0,0,1e15,1.5e300,5e-324,0.00001,123456789012345678901234567890,-9223372036854775809,18446744073709551616,1e+2,2.50,1e22,12345678901234567.0]}" >id &&
	annal_record repo.git $(cat id) >rec &&
	grep -F "\"n\":[1.0,100.0,100.0,1e-05,1e+16,0.1,0,-0.0,0,1000000000000000.0,1.5e+300,5e-324,1e-05,123456789012345678901234567890,-9223372036854775809,18446744073709551616,100.0,2.5,1e+22,1.2345678901234568e+16]" rec
'

# The expected stored spelling of the string in strings.json below: short
# escapes, other controls as lowercase \u00XX, "/" unescaped, DEL, U+2028,
# U+2029, U+1F600 and U+FFFF as raw UTF-8.
golden_string=$(printf '"s":"\\u0001\\u001f\\b\\f\\n\\r\\t\\"\\\\/\177\303\251\342\200\250\342\200\251\360\237\230\200\357\277\277"')

test_expect_success 'strings: golden canonical escapes' '
	cat >strings.json <<-\EOF &&
	{"actor":"a","action":"s","s":"\u0001\u001F\b\f\n\r\t\"\\\/\u007f\u00e9\u2028\u2029\ud83d\ude00\uFFFF"}
	EOF
	annal append --json "$(cat strings.json)" >id &&
	annal_record repo.git $(cat id) >rec &&
	grep -F -e "$golden_string" rec
'

test_expect_success 'keys: sorted by code point, not by UTF-16 unit' '
	annal append --json "{\"actor\":\"a\",\"action\":\"k\",\"o\":{\"😀\":1,\"ｚ\":2,\"é\":3,\"z\":4,\"Z\":5,\"\":6,\"a\":7,\"aa\":8,\"a b\":9}}" >id &&
	annal_record repo.git $(cat id) >rec &&
	grep -F "\"o\":{\"\":6,\"Z\":5,\"a\":7,\"a b\":9,\"aa\":8,\"z\":4,\"é\":3,\"ｚ\":2,\"😀\":1}" rec
'

test_expect_success 'the whole main log still checks out' '
	annal_check_log repo.git >records
'

test_done
