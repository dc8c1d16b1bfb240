#!/bin/sh

test_description='annal prove: inclusion and consistency proofs of a log'"'"'s tree

The proofs themselves are checked by t/unit/t-merkle and, with Go'"'"'s
tlog, by t9301; here: the output forms, the record and tree named by
the arguments and checkpoints, and the errors.'

. "$(dirname "$0")/test-lib.sh"

# checkpoint_of SIZE ROOT [ORIGIN]: a checkpoint text of the log (its
# signature a well-formed one by no key: the log is not signed)
checkpoint_of () {
	printf "%s\n%s\n%s\n\n\342\200\224 %s AAAAAAAA\n" "${3:-example.com/annal/main}" "$1" "$2" \
		"${3:-example.com/annal/main}"
}

test_expect_success 'setup: seven records' '
	annal init repo >/dev/null &&
	for i in 1 2 3 4 5 6 7
	do
		echo "{\"actor\":\"a\",\"action\":\"x$i\"}" || return 1
	done >in.jsonl &&
	annal -C repo append --stdin <in.jsonl >ids &&
	test_line_count = 7 ids &&
	# the origin its checkpoints name (annal-checkpoint(1)), record 8
	annal -C repo append --actor a --action annal.origin \
		--field origin=example.com/annal/main >/dev/null
'

test_expect_success 'the manual'"'"'s example' '
	cat >expect <<-\EOF &&
	c2sp.org/tlog-proof@v1
	index 2
	EXAMPLE
	EOF
	annal -C repo prove inclusion --size 7 3 >out &&
	sed -n "1,2p" out >actual &&
	echo EXAMPLE >>actual &&
	test_cmp expect actual &&
	sed -n "/^\\$ annal prove inclusion --size 7 3/,/^\\$ annal prove consistency/p" \
		"$ANNAL_SOURCE_DIR/Documentation/annal-prove.adoc" | sed "1d;\$d" >doc &&
	test_cmp doc out &&
	annal -C repo prove consistency 3 --size 7 >out &&
	head -n 1 out >actual &&
	echo "old 3" >expect &&
	test_cmp expect actual
'

test_expect_success 'inclusion: the whole log by default, a record by seq or id alike' '
	annal -C repo prove inclusion 3 >by-seq &&
	annal -C repo prove inclusion $(sed -n 3p ids) >by-id &&
	test_cmp by-seq by-id &&
	annal -C repo prove inclusion --size 8 3 >sized &&
	test_cmp by-seq sized &&
	tail -n 2 by-seq >tree &&
	head -n 1 tree >size &&
	echo 8 >expect &&
	test_cmp expect size &&
	grep -c "^[A-Za-z0-9+/]\{43\}=\$" by-seq >n &&
	echo 4 >expect &&
	test_cmp expect n
'

test_expect_success 'inclusion in a checkpoint: the tlog-proof ends with it verbatim' '
	annal -C repo prove inclusion --size 5 1 >sized &&
	root=$(tail -n 1 sized) &&
	checkpoint_of 5 "$root" >cp &&
	annal -C repo prove inclusion --checkpoint cp 1 >proof &&
	sed "/^\$/q" sized >head1 &&
	sed "/^\$/q" proof >head2 &&
	test_cmp head1 head2 &&
	sed "1,/^\$/d" proof >tail &&
	test_cmp cp tail &&
	annal -C repo prove inclusion --checkpoint - 1 <cp >stdin &&
	test_cmp proof stdin
'

test_expect_success 'consistency: old size or checkpoint, new checkpoint or size' '
	annal -C repo prove inclusion --size 3 1 >s3 &&
	annal -C repo prove inclusion --size 6 1 >s6 &&
	checkpoint_of 3 "$(tail -n 1 s3)" >old &&
	checkpoint_of 6 "$(tail -n 1 s6)" >new &&
	annal -C repo prove consistency 3 --size 6 >a &&
	annal -C repo prove consistency old --size 6 >b &&
	test_cmp a b &&
	annal -C repo prove consistency old new >c &&
	sed "/^\$/q" a >ha &&
	sed "/^\$/q" c >hc &&
	test_cmp ha hc &&
	sed "1,/^\$/d" c >tail &&
	test_cmp new tail &&
	annal -C repo prove consistency 6 --size 6 >same &&
	printf "old 6\n\n" >expect &&
	sed "/^\$/q" same >actual &&
	test_cmp expect actual
'

test_expect_success 'consistency from 0: no proof, a witness'"'"'s first request' '
	annal -C repo prove consistency 0 new >zero &&
	{ printf "old 0\n\n" && cat new; } >expect &&
	test_cmp expect zero &&
	annal -C repo prove consistency 0 --size 3 >zero &&
	printf "old 0\n\n3\n%s\n" "$(tail -n 1 s3)" >expect &&
	test_cmp expect zero
'

test_expect_success 'a checkpoint of another origin: exit 2, both origins named' '
	checkpoint_of 6 "$(tail -n 1 s6)" other.example/log >foreign &&
	for args in "inclusion --checkpoint foreign 1" "consistency foreign" "consistency 3 foreign"
	do
		test_expect_code 2 annal -C repo prove $args 2>err &&
		test_line_count = 1 err &&
		grep "checkpoint .foreign. is for origin .other.example/log., log .main. has origin .example.com/annal/main." err ||
		return 1
	done &&
	annal init bare >/dev/null &&
	annal -C bare append --actor a --action b >/dev/null &&
	checkpoint_of 1 "$(annal -C bare prove inclusion 1 | tail -n 1)" >unrecorded &&
	test_expect_code 2 annal -C bare prove inclusion --checkpoint unrecorded 1 2>err &&
	grep "log .main. records none" err
'

test_expect_success 'errors: one line, exit 2 for a bad argument, 1 for a checkpoint of another tree' '
	test_expect_code 2 annal -C repo prove inclusion 9 2>err &&
	test_line_count = 1 err &&
	grep "no record seq 9" err &&
	test_expect_code 2 annal -C repo prove inclusion --size 2 3 2>err &&
	grep "seq 3 is past size 2" err &&
	test_expect_code 2 annal -C repo prove inclusion --size 9 1 2>err &&
	grep "has 8 records, not 9" err &&
	test_expect_code 2 annal -C repo prove inclusion 0000000000000000000000000000000000000000 2>err &&
	grep "no record 0000000000000000000000000000000000000000" err &&
	test_expect_code 2 annal -C repo prove inclusion abc 2>err &&
	grep "neither a seq nor" err &&
	test_expect_code 2 annal -C repo prove consistency 5 --size 3 2>err &&
	test_expect_code 2 annal -C repo prove inclusion --log nope 1 2>err &&
	grep "no such log" err &&
	checkpoint_of 9 "$(tail -n 1 s6)" >past &&
	test_expect_code 2 annal -C repo prove inclusion --checkpoint past 1 2>err &&
	test_line_count = 1 err &&
	grep "past log" err &&
	checkpoint_of 5 "$(tail -n 1 s6)" >other &&
	test_expect_code 1 annal -C repo prove inclusion --checkpoint other 1 2>err &&
	test_line_count = 1 err &&
	grep "is not of log .main." err &&
	printf "origin\n05\nAAAA\n" >bad &&
	test_expect_code 2 annal -C repo prove inclusion --checkpoint bad 1 2>err &&
	grep "checkpoint .bad.: malformed: " err &&
	test_expect_code 2 annal -C repo prove inclusion --checkpoint missing 1 2>err &&
	test_expect_code 2 annal -C repo prove inclusion --size 0 1 2>err &&
	test_expect_code 2 annal -C repo prove inclusion --size 3 --checkpoint cp 1 2>err &&
	test_expect_code 2 annal -C repo prove consistency 3 new --size 6 2>err &&
	test_expect_code 2 annal -C repo prove nothing 2>err
'

test_done
