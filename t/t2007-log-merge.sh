#!/bin/sh

test_description='annal log --all and --log <glob>: several logs merged, labelled'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO
T0=$ANNAL_TEST_NOW
SQ="'"

# at SECONDS LOG <append options>...: append to LOG at T0 + SECONDS, the
# id to ids.<LOG with / as _>
at () {
	s=$1 l=$2 &&
	shift 2 &&
	ANNAL_TEST_NOW=$((T0 + s)) annal append --log "$l" "$@" >>"ids.$(echo "$l" | tr / _)"
}

# id LOG SEQ: that record's id
id () {
	sed -n "${2}p" "ids.$(echo "$1" | tr / _)"
}

# expect_labelled LOG:SEQ...: "<id> (<log>)" a line, in that order
expect_labelled () {
	for r in "$@"
	do
		echo "$(id "${r%:*}" "${r##*:}") (${r%:*})" || return 1
	done >expect
}

# log_merges "LOG:SEQ..." <log options>...: pretty output shows exactly
# those records, labelled, in that order
log_merges () {
	want=$1 &&
	shift &&
	expect_labelled $want &&
	annal log "$@" >out &&
	sed -n "s/^record //p" out >actual &&
	test_cmp expect actual
}

# The records (seconds after T0), newest first as the merge shows them:
#  300 hosts/web2/main:2   bob   read    allowed
#  240 main:3              alice read    allowed
#  180 hosts/web1/db:1     frank backup  allowed
#  120 hosts/web1/main:3   dave  read    allowed  } the same ts: by log
#  120 hosts/web1/main:2   alice deploy  blocked  } name, then newest
#  120 hosts/web2/main:1   erin  login   held     } first in a log
#  120 main:2              bob   deploy  blocked  }
#   60 hosts/web1/main:1   carol login   allowed
#    0 main:1              alice login   allowed
ALL="hosts/web2/main:2 main:3 hosts/web1/db:1 hosts/web1/main:3 hosts/web1/main:2 hosts/web2/main:1 main:2 hosts/web1/main:1 main:1"

test_expect_success 'setup: four logs, interleaved and equal ts' '
	annal init "$ANNAL_REPO" &&
	at 0 main --actor alice --action login --decision allowed &&
	at 60 hosts/web1/main --actor carol --action login --decision allowed &&
	at 120 main --actor bob --action deploy --decision blocked \
		--field labels.env=prod --tenant acme &&
	at 120 hosts/web1/main --actor alice --action deploy --decision blocked \
		--field labels.env=prod --trace tr-9 &&
	at 120 hosts/web1/main --actor dave --action read --decision allowed &&
	at 120 hosts/web2/main --actor erin --action login --decision held \
		--tenant acme --field entity_type=user --field entity_id=e1 &&
	at 180 hosts/web1/db --actor frank --action backup --decision allowed &&
	at 240 main --actor alice --action read --decision allowed &&
	at 300 hosts/web2/main --actor bob --action read --decision allowed \
		--reason "needs a, \"quote\"" &&
	test_line_count = 3 ids.main &&
	test_line_count = 3 ids.hosts_web1_main
'

test_expect_success '--all: newest first by ts, ties by log name then seq' '
	log_merges "$ALL" --all
'

test_expect_success '--reverse: exactly the reverse order' '
	expect_labelled $ALL &&
	sed -n "1!G;h;\$p" expect >expect.rev &&
	annal log --all --reverse >out &&
	sed -n "s/^record //p" out >actual &&
	test_cmp expect.rev actual
'

test_expect_success '-n counts the records of all logs together' '
	log_merges "hosts/web2/main:2 main:3 hosts/web1/db:1 hosts/web1/main:3" --all -n 4 &&
	log_merges "hosts/web1/db:1 main:3 hosts/web2/main:2" --all -n 3 --reverse &&
	log_merges "hosts/web2/main:2" --all -1
'

test_expect_success 'filters apply to every log' '
	log_merges "main:3 hosts/web1/main:2 main:1" --all --actor alice &&
	log_merges "hosts/web1/main:2 main:2" --all --decision blocked &&
	log_merges "hosts/web1/main:2 main:2" --all --where labels.env=prod &&
	log_merges "hosts/web2/main:2" --all --grep QUOTE &&
	log_merges "hosts/web1/db:1 hosts/web1/main:3 hosts/web1/main:2 hosts/web2/main:1 main:2" \
		--all --since @$((T0 + 120)) --until @$((T0 + 180)) &&
	log_merges "hosts/web1/main:3 hosts/web1/main:2 hosts/web2/main:1 main:2 hosts/web1/main:1 main:1" \
		--all --until @$((T0 + 120)) &&
	log_merges "hosts/web2/main:2 main:3 hosts/web1/main:3 hosts/web1/main:2 main:2" \
		--all --from-seq 2 &&
	log_merges "hosts/web1/db:1 hosts/web2/main:1 hosts/web1/main:1 main:1" \
		--all --to-seq 1 &&
	log_merges "main:3 hosts/web1/main:3" --all --action read --to-seq 3 --from-seq 3 &&
	log_merges "main:2 hosts/web1/main:2" --all --action deploy -n 5 --reverse --since @$((T0 + 1)) &&
	log_merges "hosts/web2/main:1 main:2" --all --tenant "ac*" &&
	log_merges "hosts/web1/main:2" --all --trace tr-9 &&
	log_merges "hosts/web2/main:1" --all --entity user:e1 &&
	annal log --all --actor nobody >out &&
	test_must_be_empty out
'

test_expect_success '--summary counts across logs' '
	annal log --all --summary-by actor >actual &&
	cat >expect <<-\EOF &&
	alice 3
	bob 2
	carol 1
	dave 1
	erin 1
	frank 1
	total 9
	EOF
	test_cmp expect actual
'

test_expect_success 'globs: * and ? do not cross /, sets work' '
	log_merges "main:3 main:2 main:1" --log "*" &&
	log_merges "main:3 main:2 main:1" --log "m?in" &&
	log_merges "hosts/web2/main:2 hosts/web1/main:3 hosts/web1/main:2 hosts/web2/main:1 hosts/web1/main:1" \
		--log "hosts/*/main" &&
	log_merges "hosts/web2/main:2 hosts/web1/db:1 hosts/web1/main:3 hosts/web1/main:2 hosts/web2/main:1 hosts/web1/main:1" \
		--log "hosts/*/*" &&
	log_merges "hosts/web1/main:3 hosts/web1/main:2 hosts/web1/main:1" --log "hosts/web[1]/main" &&
	log_merges "hosts/web2/main:2 hosts/web2/main:1" --log "hosts/web[!1]/main" &&
	log_merges "hosts/web1/db:1" --log "hosts/web?/d*" &&
	test_expect_code 2 annal log --log "hosts/*" >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no log matches ${SQ}hosts/*${SQ}" >expect &&
	test_cmp expect err
'

test_expect_success 'several --log: each log once, labelled, even if it is one log' '
	log_merges "hosts/web2/main:2 main:3 hosts/web2/main:1 main:2 main:1" \
		--log main --log hosts/web2/main &&
	log_merges "main:3 main:2 main:1" --log main --log "m*" --log main &&
	log_merges "hosts/web1/db:1" --log "hosts/*/db"
'

test_expect_success 'one --log by name: the output of a single log, unlabelled' '
	annal log --log hosts/web1/main >out &&
	sed -n "s/^record //p" out >actual &&
	{ id hosts/web1/main 3 && id hosts/web1/main 2 && id hosts/web1/main 1; } >expect &&
	test_cmp expect actual &&
	annal log --log hosts/web1/main --format jsonl >single.jsonl &&
	! grep "\"record\":" single.jsonl &&
	annal log --format oneline >out &&
	! grep " main " out
'

test_expect_success 'oneline: the log after the id' '
	annal log --all --format oneline -n 2 >actual &&
	cat >expect <<-EOF &&
	$(id hosts/web2/main 2 | cut -c1-12) hosts/web2/main 2 2026-11-18T11:11:40.000Z bob read -> allowed
	$(id main 3 | cut -c1-12) main 3 2026-11-18T11:10:40.000Z alice read -> allowed
	EOF
	test_cmp expect actual
'

test_expect_success PYTHON3 'jsonl and json: {"log","record"}, the record byte for byte' '
	annal log --all --format jsonl >all.jsonl &&
	annal log --all --format json >all.json &&
	for l in main hosts/web1/main hosts/web2/main hosts/web1/db
	do
		annal log --log $l --format jsonl >"one.$(echo $l | tr / _).jsonl" || return 1
	done &&
	python3 - <<-\EOF
	import json
	lines = open("all.jsonl", encoding="utf-8").read().splitlines()
	assert len(lines) == 9, lines
	arr = json.load(open("all.json", encoding="utf-8"))
	assert [json.loads(l) for l in lines] == arr
	order = []
	for l in lines:
	    o = json.loads(l)
	    assert list(o) == ["log", "record"], o
	    log = o["log"]
	    # the record is the single-log line, byte for byte
	    prefix = "{\"log\":" + json.dumps(log) + ",\"record\":"
	    assert l.startswith(prefix) and l.endswith("}"), l
	    inner = l[len(prefix):-1]
	    one = open("one." + log.replace("/", "_") + ".jsonl", encoding="utf-8").read().splitlines()
	    assert inner in one, (inner, log)
	    order.append((o["record"]["ts"], log, o["record"]["seq"]))
	# newest first by ts; ties by log name, then seq down
	for a, b in zip(order, order[1:]):
	    assert a[0] > b[0] or (a[0] == b[0] and (a[1] < b[1] or (a[1] == b[1] and a[2] > b[2]))), (a, b)
	EOF
'

test_expect_success PYTHON3 'csv: a first column log' '
	annal log --all --format csv -n 1 >out.csv &&
	python3 - <<-\EOF
	import csv
	rows = list(csv.reader(open("out.csv", newline="", encoding="utf-8")))
	assert rows[0][:3] == ["log", "id", "seq"], rows[0]
	assert rows[1][0] == "hosts/web2/main" and rows[1][2] == "2", rows[1]
	assert rows[1][rows[0].index("reason")] == "needs a, \"quote\"", rows[1]
	EOF
'

test_expect_success PYTHON3 'otlp-json: a resource per run of one log; splunk-hec, datadog' '
	annal log --all --format otlp-json >otlp.json &&
	annal log --all --format splunk-hec -n 2 >splunk.jsonl &&
	annal log --all --format datadog -n 2 >dd.jsonl &&
	python3 - <<-\EOF
	import json
	d = json.load(open("otlp.json"))
	runs = []
	for rl in d["resourceLogs"]:
	    attrs = {a["key"]: a["value"]["stringValue"] for a in rl["resource"]["attributes"]}
	    n = len(rl["scopeLogs"][0]["logRecords"])
	    runs.append((attrs["annal.log"], n))
	assert runs == [("hosts/web2/main", 1), ("main", 1), ("hosts/web1/db", 1),
	                ("hosts/web1/main", 2), ("hosts/web2/main", 1), ("main", 1),
	                ("hosts/web1/main", 1), ("main", 1)], runs
	s = [json.loads(l) for l in open("splunk.jsonl")]
	assert [e["source"] for e in s] == ["annal:hosts/web2/main", "annal:main"], s
	dd = [json.loads(l) for l in open("dd.jsonl")]
	assert [e["ddtags"].split(",")[0] for e in dd] == ["log:hosts/web2/main", "log:main"], dd
	EOF
'

test_expect_success PYTHON3 'otlp-json: an empty merge is an empty resourceLogs' '
	annal log --all --actor nobody --format otlp-json >otlp.json &&
	python3 -c "import json; assert json.load(open(\"otlp.json\")) == {\"resourceLogs\": []}" &&
	annal log --all --actor nobody --format json >out &&
	echo "[]" >expect &&
	test_cmp expect out
'

test_expect_success 'usage: --all with --log, bad globs, no logs' '
	test_expect_code 2 annal log --all --log main >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: options .--all. and .--log. cannot be used together" err &&
	test_expect_code 2 annal log --log "a b*" >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: invalid log name or glob ${SQ}a b\*${SQ}" err &&
	test_expect_code 2 annal log --log "../*" 2>err &&
	test_expect_code 2 annal log --log "" 2>err &&
	test_expect_code 2 annal log --log main --log nosuch >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no such log ${SQ}nosuch${SQ}" >expect &&
	test_cmp expect err &&
	annal init empty.git &&
	test_expect_code 2 annal -C empty.git log --all >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no logs in the repository" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal -C empty.git log --all --format json >out &&
	grep "^{\"error\":\"no logs in the repository\"}\$" out
'

test_expect_success GIT 'a ref whose name is no log name: --all refuses it, names escaped' '
	test_when_finished "git --git-dir=\"\$ANNAL_REPO\" update-ref -d \"refs/audit/we\\\"ird,x\"" &&
	git --git-dir="$ANNAL_REPO" update-ref "refs/audit/we\"ird,x" "$(id main 3)" &&
	test_expect_code 2 annal log --all --format csv >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: invalid log name .we\"ird,x.\$" err &&
	log_merges "main:3 main:2 main:1" --log "m*"
'

test_expect_success PYTHON3,GIT 'a damaged record ends the merge there; -n never reads that far' '
	# the oldest record of main is no JSON: the merge reads it last
	head=$(id main 3) &&
	cp ids.main ids.main.orig &&
	test_when_finished "git --git-dir=\"\$ANNAL_REPO\" update-ref refs/audit/main $head && mv ids.main.orig ids.main" &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" "$ANNAL_REPO" main garble 1 >ids.main &&
	log_merges "hosts/web2/main:2 main:3 hosts/web1/db:1 hosts/web1/main:3 hosts/web1/main:2" \
		--all -n 5 &&
	# the 7th record is main:2, the last before the damage: not read
	log_merges "hosts/web2/main:2 main:3 hosts/web1/db:1 hosts/web1/main:3 hosts/web1/main:2 hosts/web2/main:1 main:2" \
		--all -n 7 &&
	test_expect_code 1 annal log --all >out 2>err &&
	sed -n "s/^record //p" out >actual &&
	expect_labelled hosts/web2/main:2 main:3 hosts/web1/db:1 hosts/web1/main:3 \
		hosts/web1/main:2 hosts/web2/main:1 main:2 &&
	test_cmp expect actual &&
	grep "^annal: error: log .main.: " err
'

test_expect_success 'many logs: -n 1 is the newest of them all' '
	for i in 1 2 3 4 5 6 7 8 9 10
	do
		at $((400 + i)) "many/l$i" --actor x --action a || return 1
	done &&
	log_merges "many/l10:1" --all -n 1 &&
	log_merges "many/l10:1" --log "many/*" -n 1 --reverse &&
	log_merges "many/l1:1" --log "many/*" --until @$((T0 + 401))
'

test_expect_success PYTHON3 'long logs, read ahead side by side: the same merge as a sort' '
	for l in long/a long/b long/c
	do
		for t in 1000 2000 3000
		do
			i=0 &&
			while test $i -lt 300
			do
				echo "{\"actor\":\"$l\",\"action\":\"a$t-$i\"}" &&
				i=$((i + 1)) || return 1
			done >batch &&
			# the same ts for a whole batch: ties everywhere
			ANNAL_TEST_NOW=$((T0 + t + ${#l})) annal append --log $l --stdin \
				<batch >/dev/null || return 1
		done &&
		annal log --log $l --format jsonl >"one.$(echo $l | tr / _)" || return 1
	done &&
	annal log --log "long/*" --format jsonl >merged &&
	annal log --log "long/*" --format jsonl --reverse >merged.rev &&
	python3 - <<-\EOF
	import json
	recs = []
	for l in ("long/a", "long/b", "long/c"):
	    for line in open("one." + l.replace("/", "_")):
	        recs.append((l, line.rstrip("\n")))
	def key(r):
	    o = json.loads(r[1])
	    return (o["ts"], r[0], o["seq"])
	# newest first: ts down, then log name up, then seq down
	recs.sort(key=lambda r: (key(r)[1], -key(r)[2]))
	recs.sort(key=lambda r: key(r)[0], reverse=True)
	want = ["{\"log\":%s,\"record\":%s}" % (json.dumps(l), r) for l, r in recs]
	got = open("merged").read().splitlines()
	assert len(got) == 2700, len(got)
	assert got == want, next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
	assert open("merged.rev").read().splitlines() == list(reversed(want))
	EOF
'

test_done
