#!/bin/sh

test_description='annal log --related: the records around one

Same target, else entity, else trace_id, else actor, with ts within the
window (inclusive at both edges); the record by id, prefix or seq; the
walk reads the window, not the records around it; bad values exit 2.'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# shows "SEQ..." [<log options>...]: annal log shows those records
shows () {
	want=$1 &&
	shift &&
	for s in $want
	do
		sed -n "${s}p" ids || return 1
	done >expect &&
	annal log "$@" >out &&
	sed -n "s/^record //p" out >actual &&
	test_cmp expect actual
}

# bad ERROR-TEXT <log options>...: exit 2, nothing out, an error line
# first naming it (the usage follows a misuse of options)
bad () {
	text=$1 &&
	shift &&
	test_expect_code 2 annal log "$@" >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	grep "^annal: error: " first &&
	grep -F -e "$text" first
}

# T is 1795000600; the anchor is seq 5, at T, target A.
test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	cat >records <<-\EOF &&
	1794998600 {"actor":"u","action":"old","target":"A"}
	1794999999 {"actor":"u","action":"before-edge","target":"A"}
	1795000000 {"actor":"u","action":"edge-low","target":"A"}
	1795000590 {"actor":"u","action":"other","target":"B"}
	1795000600 {"actor":"u","action":"anchor","target":"A"}
	1795001200 {"actor":"u","action":"edge-high","target":"A"}
	1795001200.001 {"actor":"u","action":"past-edge","target":"A"}
	1795001300 {"actor":"v","action":"e1","entity_type":"invoice","entity_id":"inv-1"}
	1795001310 {"actor":"v","action":"e2","entity_type":"invoice","entity_id":"inv-1"}
	1795001320 {"actor":"v","action":"e3","entity_type":"order","entity_id":"inv-1"}
	1795001330 {"actor":"w","action":"t1","trace_id":"tr-1"}
	1795001340 {"actor":"w","action":"t2","trace_id":"tr-1"}
	1795001350 {"actor":"z","action":"a1"}
	1795001360 {"actor":"z","action":"a2"}
	1795001370 {"actor":"y","action":"a3","entity_id":"inv-1"}
	1795001380 {"actor":"y","action":"a4","entity_id":"inv-1"}
	1795100000 {"actor":"u","action":"later1","target":"A"}
	1795100001 {"actor":"u","action":"later2","target":"A"}
	1795100002 {"actor":"u","action":"later3","target":"A"}
	1795100003 {"actor":"u","action":"later4","target":"A"}
	1795100004 {"actor":"u","action":"later5","target":"A"}
	1795100005 {"actor":"u","action":"later6","target":"A"}
	EOF
	while read t json
	do
		echo "$json" | ANNAL_TEST_NOW=$t annal append --stdin >>ids || return 1
	done <records &&
	test_line_count = 22 ids
'

test_expect_success 'same target within 10 minutes, both edges included' '
	shows "6 5 3" --related 5
'

test_expect_success 'by id, id prefix or seq alike' '
	id=$(sed -n 5p ids) &&
	shows "6 5 3" --related $id &&
	shows "6 5 3" --related $(echo $id | cut -c1-8) &&
	shows "6 5 3" --related 5
'

test_expect_success 'a number that is no seq is an id prefix' '
	# the first id starting with 4 digits or more (ids are fixed: the
	# clock is pinned), as a number past the last seq
	awk "match(\$0, /^[0-9][0-9][0-9][0-9]+/) { print NR, substr(\$0, 1, RLENGTH); exit }" \
		ids >digits &&
	test -s digits &&
	read seq prefix <digits &&
	annal log --related "$prefix" --window 0s >out &&
	sed -n "${seq}p" ids >expect &&
	sed -n "s/^record //p" out >actual &&
	test_cmp expect actual
'

test_expect_success '--window: 90s, 601s, 1h, 0s, 1d' '
	shows "5" --related 5 --window 90s &&
	shows "7 6 5 3 2" --related 5 --window 601s &&
	shows "7 6 5 3 2 1" --related 5 --window 1h &&
	shows "5" --related 5 --window 0s &&
	shows "22 21 20 19 18 17 7 6 5 3 2 1" --related 5 --window 2d
'

test_expect_success 'no target: the entity (type and id), else trace_id, else actor' '
	shows "9 8" --related 9 &&
	shows "10" --related 10 &&
	shows "12 11" --related 11 &&
	shows "14 13" --related 14 &&
	shows "16 15" --related 15
'

test_expect_success 'with other filters, --reverse, -n and other formats' '
	shows "6 5" --related 5 --from-seq 4 &&
	shows "3 5 6" --related 5 --reverse &&
	shows "6" --related 5 -n 1 &&
	shows "5" --related 5 --action anchor &&
	annal log --related 5 --format jsonl >jsonl &&
	test_line_count = 3 jsonl
'

test_expect_success GIT 'the walk reads the window only, and O(log n) records to find it' '
	test_unpack_objects repo.git &&
	annal log --to-seq 1 >out &&
	test_path_is_file repo.git/annal/index/main &&
	# damage the records outside the window the search does not touch
	for s in 1 20
	do
		id=$(sed -n "${s}p" ids) &&
		obj=repo.git/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
		test_path_is_file $obj &&
		mv $obj $obj.away || return 1
	done &&
	test_when_finished "for f in repo.git/objects/*/*.away; do mv \$f \${f%.away}; done" &&
	test_expect_code 1 annal log >out 2>err &&
	shows "6 5 3" --related 5
'

test_expect_success 'unknown record, bad record, bad window: exit 2, one line' '
	bad "log '\''main'\'' has no record 99" --related 99 &&
	test_line_count = 1 err &&
	bad "no record '\''deadbeef'\''" --related deadbeef &&
	bad "is neither a seq nor a record id" --related zz &&
	bad "is neither a seq nor a record id" --related "" &&
	bad "is too short for a record id" --related abc &&
	for w in 10 10x m -5m 1.5h "10 m" 99999999999s ""
	do
		bad "invalid window '\''$w'\''" --related 5 --window "$w" &&
		test_line_count = 1 err || return 1
	done &&
	bad "option '\''--window'\'' needs '\''--related'\''" --window 10m &&
	bad "option '\''--related'\'' reads one log" --related 5 --all &&
	bad "no such log '\''nosuch'\''" --related 5 --log nosuch
'

test_done
