#!/bin/sh

test_description='append refuses characters unsafe to show in identifiers

Identifier fields (actor, action, target, decision, tenant and the other
id fields of annal-format(5)) refuse control characters, line and
paragraph separators, bidirectional controls and invisible characters:
exit 2, one line naming the field and the character, nothing written.
Free text keeps them, exactly.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is needed to make the text'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
TEXT="$TEST_DIRECTORY/lib-text.py"
RLO=$(printf "\342\200\256")
SQ="'"

# refused FIELD CP KIND ARGS...: append ARGS exits 2 with one line naming
# FIELD, U+CP and KIND, and writes nothing
refused () {
	rf_field_=$1
	rf_cp_=$2
	rf_kind_=$3
	shift 3
	refs_snapshot &&
	test_expect_code 2 annal append "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	echo "annal: error: field '$rf_field_' must not contain U+$rf_cp_ ($rf_kind_)" >expect &&
	test_cmp expect err &&
	refs_unchanged
}

test_expect_success 'setup' '
	annal_repo_init &&
	annal append --actor a --action setup >id &&
	printf "%s\n" "c0 0007 a control character" "del 007F a control character" \
		"c1 0085 a control character" "bidi 202A a bidirectional control" \
		"separator 2028 a line or paragraph separator" \
		"invisible 200B an invisible character" >classes &&
	while read class cp kind
	do
		python3 "$TEXT" sample $class >$class.txt || return 1
	done <classes
'

test_expect_success 'actor, action, target, decision, tenant refuse each class' '
	while read class cp kind
	do
		v="x$(cat $class.txt)y" &&
		refused actor $cp "$kind" --actor "$v" --action b &&
		refused action $cp "$kind" --actor a --action "$v" &&
		refused target $cp "$kind" --actor a --action b --target "$v" &&
		refused decision $cp "$kind" --actor a --action b --decision "$v" &&
		refused tenant $cp "$kind" --actor a --action b --tenant "$v" || return 1
	done <classes
'

test_expect_success 'so do the other identifier fields' '
	for f in actor_role agent_id entity_id entity_type environment \
		request_id source_ip trace_id
	do
		refused $f 202E "a bidirectional control" --actor a --action b \
			--field "$f=user:${RLO}ecila" || return 1
	done
'

test_expect_success 'characters past U+FFFF are named with all their digits' '
	refused actor E0041 "an invisible character" \
		--actor "a$(printf "\363\240\201\201")" --action b
'

test_expect_success '--json and --stdin: the same, by line' '
	refused actor 202E "a bidirectional control" \
		--json "{\"actor\":\"user:\\u202eecila\",\"action\":\"b\"}" &&
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"b\"}" \
		"{\"actor\":\"a\",\"action\":\"b\",\"tenant\":\"t\\u2066\"}" >in &&
	refs_snapshot &&
	test_expect_code 2 annal append --stdin <in >out 2>err &&
	test_line_count = 1 err &&
	echo "annal: error: stdin line 2: field ${SQ}tenant${SQ} must not contain U+2066 (a bidirectional control)" >expect &&
	test_cmp expect err &&
	refs_unchanged
'

test_expect_success 'free text keeps them, exactly' '
	python3 "$TEXT" sample c0+del+c1+bidi+separator+invisible >all.txt &&
	all=$(cat all.txt) &&
	annal append --actor a --action b --reason "$all" --field "note=$all" \
		--field "labels.env=$all" --field "k${RLO}=$all" >id &&
	annal_record repo.git $(cat id) >rec &&
	cat >exact.py <<-\EOF &&
	import json
	rec = json.loads(open("rec", "rb").read().decode())
	want = samples("c0+del+c1+bidi+separator+invisible")
	for k in ("reason", "note", "k\u202e"):
	    assert rec[k] == want, (k, rec[k])
	assert rec["labels"] == {"env": want}, rec["labels"]
	EOF
	python3 "$TEXT" run exact.py
'

test_expect_success 'key rotate --actor refuses them too' '
	annal keygen -f k >/dev/null &&
	refs_snapshot &&
	test_expect_code 2 annal key rotate --new-key k --actor "x${RLO}" 2>err &&
	grep "^annal: error: field .actor. must not contain U+202E (a bidirectional control)\$" err &&
	refs_unchanged
'

test_expect_success 'export --as: the export stands, not recorded, and says why' '
	refs_snapshot &&
	annal export --as "x${RLO}" >out 2>err &&
	test -s out &&
	grep "^annal: warning: export not recorded: field .actor. must not contain U+202E (a bidirectional control)\$" err &&
	refs_unchanged
'

test_done
