#!/bin/sh

test_description='annal show: a record in full

A record named by seq, full id or id prefix, with its checks (record,
signature, link), the records it corrects and that correct it, its
fields and the diff of its before and after; pretty and json; the
errors that name no record (exit 2, nothing shown) and a record that
fails its checks (exit 1).'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO

test_expect_success 'setup' '
	annal_repo_init &&
	annal append --actor user:alice --action deploy --target prod \
		--decision allowed --field "before:={\"v\":1,\"list\":[1,2,3],\"t\":\"x\",\"o\":{\"a\":1}}" \
		--field "after:={\"v\":2,\"list\":[1,9],\"n\":null,\"o\":[1]}" >ids &&
	test_tick &&
	annal append --actor user:bob --action db.drop --target users \
		--decision blocked --field after:=1 >>ids &&
	test_tick &&
	annal append --actor user:carol --action fix --decision held \
		--field corrects=$(sed -n 1p ids) >>ids &&
	test_tick &&
	annal append --actor user:dave --action fix --decision errored \
		--field corrects=$(sed -n 1p ids) >>ids &&
	id1=$(sed -n 1p ids) && id2=$(sed -n 2p ids) &&
	id3=$(sed -n 3p ids) && id4=$(sed -n 4p ids) &&
	echo "id1=$id1 id2=$id2 id3=$id3 id4=$id4" >ids.sh
'

test_expect_success 'pretty: checks, corrections, fields, diff' '
	. ./ids.sh &&
	annal show 1 >out &&
	cat >expect <<-EOF &&
	record $id1
	log:          main
	seq:          1
	record:       good
	signature:    none (the log is not signed here)
	link:         good, the first record
	corrected by: $id3 (seq 3: user:carol fix -> held)
	              $id4 (seq 4: user:dave fix -> errored)

	    action: deploy
	    actor: user:alice
	    after: {"list":[1,9],"n":null,"o":[1],"v":2}
	    before: {"list":[1,2,3],"o":{"a":1},"t":"x","v":1}
	    decision: allowed
	    seq: 1
	    target: prod
	    ts: 2026-11-18T11:06:40.000Z

	before -> after:
	    ~ /list/1: 2 -> 9
	    - /list/2: 3
	    + /n: null
	    ~ /o: {"a":1} -> [1]
	    - /t: "x"
	    ~ /v: 1 -> 2
	EOF
	test_cmp expect out
'

test_expect_success 'pretty: the record corrected, a value added whole, a link' '
	. ./ids.sh &&
	annal show $id3 $id2 >out &&
	cat >expect <<-EOF &&
	record $id3
	log:          main
	seq:          3
	record:       good
	signature:    none (the log is not signed here)
	link:         good, after $id2
	corrects:     $id1 (seq 1: user:alice deploy prod -> allowed)

	    action: fix
	    actor: user:carol
	    corrects: $id1
	    decision: held
	    seq: 3
	    ts: 2026-11-18T11:08:40.000Z

	record $id2
	log:          main
	seq:          2
	record:       good
	signature:    none (the log is not signed here)
	link:         good, after $id1

	    action: db.drop
	    actor: user:bob
	    after: 1
	    decision: blocked
	    seq: 2
	    target: users
	    ts: 2026-11-18T11:07:40.000Z

	before -> after:
	    + (the whole value): 1
	EOF
	test_cmp expect out
'

test_expect_success 'a seq, a full id and a prefix name the same record' '
	. ./ids.sh &&
	annal show 2 >by-seq &&
	annal show $id2 >by-id &&
	annal show $(echo $id2 | cut -c1-7) >by-prefix &&
	annal show --log main $(echo $id2 | cut -c1-4) >by-short &&
	test_cmp by-seq by-id &&
	test_cmp by-seq by-prefix &&
	test_cmp by-seq by-short
'

test_expect_success 'an id is found in whichever log holds it' '
	annal append --log other --actor user:erin --action login >other-id &&
	annal show $(cut -c1-10 other-id) >out &&
	grep "^log:          other$" out &&
	grep "^seq:          1$" out &&
	test_expect_code 2 annal show --log main $(cat other-id) >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: record $(cat other-id) is in log '\''other'\'', not in '\''main'\''" >expect &&
	test_cmp expect err &&
	annal show --log other 1 >out &&
	grep "^record $(cat other-id)$" out
'

test_expect_success 'json: one object a line, every field' '
	. ./ids.sh &&
	annal show --format json 1 3 >out &&
	test_line_count = 2 out &&
	python3 - "$id1" "$id2" "$id3" "$id4" <<-\EOF
	import json, sys
	id1, id2, id3, id4 = sys.argv[1:]
	a, b = [json.loads(l) for l in open("out")]
	assert sorted(a) == ["corrected_by", "corrected_by_error", "corrects", "diff", "id",
	                     "link", "log", "ok", "record", "record_check", "seq",
	                     "signature"], sorted(a)
	assert a["corrected_by_error"] is None
	assert a["id"] == id1 and a["seq"] == 1 and a["log"] == "main" and a["ok"] is True
	assert a["record"]["id"] == id1 and a["record"]["actor"] == "user:alice"
	assert a["corrected_by"] == [{"id": id3, "seq": 3}, {"id": id4, "seq": 4}]
	assert a["corrects"] is None
	assert a["link"] == {"check": None, "message": None, "ok": True, "parent": None}
	assert a["record_check"] == {"check": None, "message": None, "ok": True}
	assert a["signature"] == {"principals": None, "signed": False, "signer": None, "trusted": None,
	                          "valid": None}
	assert a["diff"] == [
	    {"new": 9, "old": 2, "op": "changed", "path": "/list/1"},
	    {"old": 3, "op": "removed", "path": "/list/2"},
	    {"new": None, "op": "added", "path": "/n"},
	    {"new": [1], "old": {"a": 1}, "op": "changed", "path": "/o"},
	    {"old": "x", "op": "removed", "path": "/t"},
	    {"new": 2, "old": 1, "op": "changed", "path": "/v"}], a["diff"]
	assert b["corrects"] == {"id": id1, "in_log": True, "seq": 1}
	assert b["link"]["parent"] == id2 and b["diff"] == []
	EOF
'

test_expect_success 'json is never coloured' '
	annal show --format json --color always 1 >out &&
	! grep "$(printf "\033")" out
'

test_expect_success PYTHON3,GIT 'a corrects naming no record of the log' '
	annal append --actor x --action y &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" repo.git main fully-consistent-edit 5 \
		corrects 0123456789012345678901234567890123456789 >new-ids &&
	annal show 5 >out &&
	grep "^corrects:     0123456789012345678901234567890123456789 (no record of this log)$" out &&
	annal show --format json 5 >out &&
	grep "\"corrects\":{\"id\":\"0123456789012345678901234567890123456789\",\"in_log\":false,\"seq\":null}" out
'

test_expect_success 'names of no record: exit 2, one line, nothing shown' '
	for what in 0 99 18446744073709551616 ffffffffffffffffffffffffffffffffffffffff \
		fffff xyz abc "" "$(printf "1\033[31m")"
	do
		test_expect_code 2 annal show "$what" >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err || return 1
	done &&
	test_expect_code 2 annal show 99 2>err &&
	echo "annal: error: log '\''main'\'' has no record 99" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal show ffffffffffffffffffffffffffffffffffffffff 2>err &&
	echo "annal: error: no record '\''ffffffffffffffffffffffffffffffffffffffff'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal show xyz 2>err &&
	echo "annal: error: '\''xyz'\'' is neither a seq nor a record id (4 to 40 hex digits)" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal show "$(printf "1\033[31m")" 2>err &&
	grep "1\\\\u001b\[31m" err &&
	test_expect_code 2 annal show --log nosuch 1 2>err &&
	echo "annal: error: no such log '\''nosuch'\''" >expect &&
	test_cmp expect err
'

test_expect_success GIT 'an abbreviated id of digits only, as log shows it' '
	annal_repo_init digits.git &&
	i=0 &&
	while test $i -lt 1000
	do
		echo "{\"actor\":\"a$i\",\"action\":\"x\"}" &&
		i=$((i + 1)) || return 1
	done >many &&
	annal -C digits.git append --stdin >many.ids <many &&
	id=$(grep -m 1 "^[0-9]\{8\}" many.ids) &&
	prefix=$(echo $id | cut -c1-8) &&
	annal -C digits.git show --format json $prefix >out &&
	grep "\"id\":\"$id\"" out &&
	annal -C digits.git show --log main --format json $prefix >out &&
	grep "\"id\":\"$id\"" out &&
	test_expect_code 2 annal -C digits.git show 99999999999999999999 2>err &&
	echo "annal: error: log '\''main'\'' has no record 99999999999999999999" >expect &&
	test_cmp expect err &&
	# digits naming an object that is no record: still no such seq
	i=0 &&
	while test $i -lt 500
	do
		echo "blob $i" | git -C digits.git hash-object -w --stdin &&
		i=$((i + 1)) || return 1
	done >blobs &&
	blob=$(grep -m 1 "^[0-9]\{6\}" blobs | cut -c1-6) &&
	test_expect_code 2 annal -C digits.git show $blob 2>err &&
	echo "annal: error: log '\''main'\'' has no record $blob" >expect &&
	test_cmp expect err
'

test_expect_success 'a good name and a bad one: nothing shown' '
	test_expect_code 2 annal show 1 99 >out 2>err &&
	test_must_be_empty out
'

test_expect_success 'usage errors' '
	test_expect_code 2 annal show 2>err &&
	grep "no record given" err &&
	test_expect_code 2 annal show --format csv 1 2>err &&
	test_expect_code 2 annal show --color sometimes 1 2>err
'

test_expect_success PYTHON3,GIT 'a prefix two records share: exit 2' '
	cp -R repo.git ambiguous.git &&
	. ./ids.sh &&
	prefix=$(echo $id2 | cut -c1-5) &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" ambiguous.git main grind 4 $prefix \
		reason x >new-ids &&
	test_expect_code 2 annal -C ambiguous.git show $prefix >out 2>err &&
	test_must_be_empty out &&
	first=$id2 &&
	second=$(sed -n 4p new-ids) &&
	if test "$first" \> "$second"
	then
		t=$first && first=$second && second=$t
	fi &&
	echo "annal: error: '\''$prefix'\'' is the prefix of several objects, $first and $second among them; give more digits" >expect &&
	test_cmp expect err
'

test_expect_success PYTHON3,GIT 'a record that fails its check: shown, exit 1' '
	cp -R repo.git bad.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" bad.git main edit-field 2 actor mallory >bad-ids &&
	test_expect_code 1 annal -C bad.git show 2 >out &&
	grep "^record:       BAD (recordHashMismatch): " out &&
	grep "^link:         good" out &&
	cp -R repo.git badlink.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" badlink.git main edit-field-rehash 2 \
		actor mallory >bad-ids &&
	test_expect_code 1 annal -C badlink.git show 3 >out &&
	grep "^record:       good$" out &&
	grep "^link:         BAD (prevHashMismatch)" out &&
	test_expect_code 1 annal -C bad.git show --format json 2 >out &&
	grep "\"ok\":false" out &&
	grep "\"record_check\":{\"check\":\"recordHashMismatch\"" out
'

test_expect_success PYTHON3,GIT 'a record that cannot be read, and one before it' '
	cp -R repo.git garbled.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" garbled.git main garble 3 >garbled-ids &&
	bad=$(sed -n 3p garbled-ids) &&
	test_expect_code 1 annal -C garbled.git show $bad >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "record $bad: record: invalid JSON" err &&
	test_expect_code 1 annal -C garbled.git show 1 >out &&
	grep "^corrected by: $(sed -n 4p garbled-ids) (seq 4: user:dave fix -> errored)$" out &&
	grep "^              BAD: log '\''main'\'': record $bad: .* (the records after it cannot all be read)$" out &&
	test_expect_code 1 annal -C garbled.git show --format json 1 >out &&
	grep "\"corrected_by_error\":\"log '\''main'\'': record $bad: record: invalid JSON" out &&
	tree=$(git -C garbled.git rev-parse "refs/audit/main^{tree}") &&
	test_expect_code 2 annal -C garbled.git show $tree 2>err &&
	echo "annal: error: no record '\''$tree'\''" >expect &&
	test_cmp expect err
'

test_expect_success 'the examples of annal-show(1)' '
	annal show 3 >out &&
	annal show --log other $(cut -c1-8 other-id) >out &&
	. ./ids.sh &&
	annal show --format json $(echo $id1 | cut -c1-12) >out &&
	python3 -c "import json; print(\"\n\".join(r[\"id\"] for r in json.load(open(\"out\"))[\"corrected_by\"]))" >got &&
	printf "%s\n%s\n" $id3 $id4 >expect &&
	test_cmp expect got
'

test_done
