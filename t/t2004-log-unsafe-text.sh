#!/bin/sh

test_description='annal log: characters unsafe on a terminal

Controls (C0, DEL, C1), bidirectional controls, line and paragraph
separators and invisible characters in records are escaped in the
formats for people (pretty, oneline, --summary, the message of the log
shipping formats), and kept exact in the formats for machines (json,
jsonl, csv).  Records stored with them in identifiers, as earlier
versions of append allowed, still verify.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3 || ! test_have_prereq GIT
then
	skip_all='python3 and git are needed to make and check the records'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
TEXT="$TEST_DIRECTORY/lib-text.py"
# what earlier versions of append took in identifiers
OLD=c1+bidi+separator+invisible

# tamper K FIELD VALUE: record K of main gets VALUE, the chain rewritten
# consistently (an old record, or one written without annal)
tamper () {
	python3 "$TEST_DIRECTORY/lib-tamper.py" repo.git main \
		fully-consistent-edit "$@" >new-ids
}

# safe FILE...: no raw unsafe character, valid UTF-8
safe () {
	python3 "$TEXT" check "$@"
}

test_expect_success 'setup' '
	annal_repo_init &&
	annal append --actor alice --action login >ids &&
	annal append --actor bob --action deploy --target web --decision allowed \
		--tenant acme >>ids &&
	cat >rec3.py <<-\EOF &&
	import json, sys
	rec = {"actor": "carol", "action": "note", "reason": ALL,
	       "params": {"note": ALL, "list": [ALL, 1]},
	       "labels": {"env": ALL}, "k\u202ex": ALL}
	sys.stdout.write(json.dumps(rec) + "\n")
	EOF
	python3 "$TEXT" run rec3.py >rec3 &&
	annal append --stdin <rec3 >>ids &&
	tamper 1 actor "json:\"user:\\u202eecila\"" &&
	for f in actor action target decision tenant
	do
		tamper 2 $f "$(python3 "$TEXT" json $OLD "$f-")" || return 1
	done &&
	cp new-ids ids &&
	test_line_count = 3 ids &&
	cat >exact.py <<-\EOF
	# exact.py json|jsonl|csv FILE CLASSES: the values in FILE are the
	# stored ones; identifiers of record 2 hold the samples of CLASSES
	import csv, io, json, sys
	old = samples(sys.argv[3])
	text = open(sys.argv[2], "rb").read().decode("utf-8")
	if sys.argv[1] == "json":
	    recs = json.loads(text)
	elif sys.argv[1] == "jsonl":
	    recs = [json.loads(l) for l in text.split("\n")[:-1]]
	    for line, rec in zip(text.split("\n"), recs):
	        assert json.dumps(rec, sort_keys=True, separators=(",", ":"),
	                          ensure_ascii=False) == line, line
	else:
	    recs = list(csv.DictReader(io.StringIO(text, newline="")))
	    for r in recs:
	        r["seq"] = int(r["seq"])
	        r.update(json.loads(r.pop("data") or "{}"))
	r = {x["seq"]: x for x in recs}
	assert r[1]["actor"] == "user:\u202eecila", r[1]
	for f in ("actor", "action", "target", "decision", "tenant"):
	    assert r[2][f] == f + "-" + old, (f, r[2][f])
	assert r[3]["reason"] == ALL
	assert r[3]["params"] == {"note": ALL, "list": [ALL, 1]}
	assert r[3]["labels"] == {"env": ALL}
	assert r[3]["k\u202ex"] == ALL
	EOF
'

test_expect_success 'verify accepts records stored with them in identifiers' '
	annal verify >out &&
	echo "log main: 3 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out
'

test_expect_success 'pretty: nothing raw, each value escaped' '
	annal log >out &&
	safe out &&
	cat >shown.py <<-\EOF &&
	# every field line of records 1 to 3, as annal must show it
	import json, sys
	old = samples(sys.argv[1])
	canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"),
	                             ensure_ascii=False)
	want = [("actor", "user:\u202eecila")]
	want += [(f, f + "-" + old) for f in ("actor", "action", "target",
	                                      "decision", "tenant")]
	want += [("reason", ALL), ("k\u202ex", ALL),
	         ("labels", canon({"env": ALL})),
	         ("params", canon({"note": ALL, "list": [ALL, 1]}))]
	got = open("out", "rb").read().decode().split("\n")
	for k, v in want:
	    line = "    " + show(k) + ": " + show(v)
	    assert line in got, "missing: %r" % line
	EOF
	python3 "$TEXT" run shown.py $OLD &&
	grep "^    actor: user:\\\\u202eecila\$" out &&
	grep "^    reason: .*\\\\u0007\\\\u001b\[31m\\\\u0009\\\\u000d\\\\u000a" out
'

test_expect_success 'oneline: nothing raw, the forged actor visible' '
	annal log --format oneline >out &&
	safe out &&
	grep " 1 [-0-9T:.Z]* user:\\\\u202eecila login\$" out &&
	grep " 2 [-0-9T:.Z]* actor-\\\\u0085\\\\u009b31m.* action-.* -> decision-\\\\u0085" out
'

test_expect_success 'summary: the decision escaped' '
	annal log --summary >out &&
	safe out &&
	grep "^decision-\\\\u0085\\\\u009b31m\\\\u009d\\\\u202a.*\\\\U000e0100 1\$" out
'

test_expect_success 'json, jsonl, csv: every value exact, jsonl canonical' '
	annal log --format json >out.json &&
	python3 "$TEXT" run exact.py json out.json $OLD &&
	annal log --format jsonl >out.jsonl &&
	python3 "$TEXT" run exact.py jsonl out.jsonl $OLD &&
	annal log --format csv >out.csv &&
	python3 "$TEXT" run exact.py csv out.csv $OLD
'

test_expect_success 'otlp-json, datadog: the message escaped, the record exact' '
	annal export --format otlp-json >out.otlp &&
	annal export --format datadog >out.dd &&
	cat >messages.py <<-\EOF &&
	import json
	otlp = json.loads(open("out.otlp", "rb").read().decode())
	bodies = [r["body"]["stringValue"]
	          for rl in otlp["resourceLogs"] for sl in rl["scopeLogs"]
	          for r in sl["logRecords"]]
	dd = [json.loads(l)
	      for l in open("out.dd", "rb").read().decode().split("\n")[:-1]]
	msgs = [d["message"] for d in dd]
	for m in bodies + msgs:
	    assert m.isprintable(), repr(m)
	assert "user:\\u202eecila login" in bodies, bodies
	assert "user:\\u202eecila login" in msgs, msgs
	assert [d["annal"]["actor"] for d in dd
	        if d["annal"]["seq"] == 1] == ["user:\u202eecila"]
	EOF
	python3 "$TEXT" run messages.py
'

test_done
