#!/bin/sh

test_description='annal verify --state: verify only what is new

--state FILE keeps, for each log, the head verified and what the checks
need there; the next run verifies only the records after it (the count
of objects read is the same for a log of 1k and of 20k records), still
catches a truncated or rewritten log (nonFastForward) and any failed
check in the new records, resolves a correction of a record below the
stored head, and replaces FILE only when every log verified.'

. "$(dirname "$0")/test-lib.sh"

# many REPO N [LOG]: append N records
many () {
	test_seq 1 "$2" | sed "s/.*/{\"actor\":\"a\",\"action\":\"${3:-main}&\"}/" |
		annal -C "$1" append --log "${3:-main}" --stdin >/dev/null
}

test_expect_success 'setup: a log of 5000 records and a small one' '
	annal init repo >/dev/null &&
	many repo 5000 &&
	many repo 3 small
'

test_expect_success 'the first run verifies everything and keeps the state' '
	annal -C repo verify --all --state st >out &&
	grep "log main: 5000 records verified" out &&
	grep "log small: 3 records verified" out &&
	head -1 st >line &&
	echo "# annal verify state 1" >expect &&
	test_cmp expect line &&
	grep "^head $(git -C repo rev-parse refs/audit/main) 5000$" st &&
	grep "^mark 4096 $(git -C repo rev-parse refs/audit/main~904)$" st
'

test_expect_success 'the next run goes on from the stored head' '
	many repo 10 &&
	annal -C repo verify --all --state st >out &&
	grep "log main: 5010 records verified, head $(git -C repo rev-parse refs/audit/main)" out &&
	grep "^head $(git -C repo rev-parse refs/audit/main) 5010$" st
'

test_expect_success 'a new log of another log'"'"'s records fails as verify --all does' '
	annal init shr >/dev/null &&
	many shr 5 &&
	annal -C shr verify --all --state sst >out &&
	git -C shr update-ref refs/audit/part refs/audit/main~2 &&
	test_expect_code 1 annal -C shr verify --all --state sst 2>err &&
	grep "^annal: error: log part: record 3 ([0-9a-f]*): sharedRecord: the record is also in log .main., below that log.s head" err &&
	test_expect_code 1 annal -C shr verify --all 2>err &&
	grep "sharedRecord" err
'

test_expect_success 'a first run over many logs reads each record at most twice' '
	annal init ml >/dev/null &&
	for l in 1 2 3 4 5 6
	do
		many ml $((l * 50)) "l$l" || return 1
	done &&
	ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/mlreads" \
		annal -C ml verify --all --state mlst >out &&
	test_line_count = 6 out &&
	test "$(cat mlreads)" -le $((2 * 1050))
'

test_expect_success 'a correction of a record below the stored head is found' '
	annal -C repo append --corrects "$(git -C repo rev-parse refs/audit/main~5000)" \
		--actor a --action fix >/dev/null &&
	annal -C repo append --corrects "$(git -C repo rev-parse refs/audit/main~100)" \
		--actor a --action fix >/dev/null &&
	annal -C repo verify --state st >out &&
	grep "log main: 5012 records verified" out &&
	annal -C repo verify >out &&
	grep "log main: 5012 records verified" out
'

test_expect_success 'a truncated log fails with nonFastForward; the file is kept' '
	cp st st.before &&
	git -C repo update-ref refs/audit/small refs/audit/small~1 &&
	test_expect_code 1 annal -C repo verify --all --state st 2>err &&
	grep "^annal: error: log small: record [0-9a-f]*: nonFastForward: .*rewritten or truncated" err &&
	test_cmp st.before st
'

test_expect_success PYTHON3 'a rewritten log fails with nonFastForward' '
	annal init rw >/dev/null &&
	many rw 4 &&
	annal -C rw verify --state rst &&
	cp rst rst.before &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" rw main fully-consistent-edit 2 actor eve >/dev/null &&
	test_expect_code 1 annal -C rw verify --state rst 2>err &&
	grep "^annal: error: log main: record [0-9a-f]*: nonFastForward: " err &&
	test_cmp rst.before rst &&
	many rw 3 &&
	test_expect_code 1 annal -C rw verify --state rst 2>err &&
	grep "^annal: error: log main: record [0-9a-f]*: nonFastForward: " err &&
	test_cmp rst.before rst
'

# 100 new records: checked by threads while they are read
test_expect_success PYTHON3 'a broken record after the stored head is reported' '
	for k in 3 100
	do
		annal init gap$k >/dev/null &&
		many gap$k 4 &&
		annal -C gap$k verify --state gst$k &&
		many gap$k $k &&
		python3 "$TEST_DIRECTORY/lib-tamper.py" gap$k main seq-gap 6 >/dev/null &&
		test_expect_code 1 annal -C gap$k verify --state gst$k 2>err &&
		grep "^annal: error: log main: record 6 ([0-9a-f]*): seqGap: " err || return 1
	done
'

test_expect_success 'the cost is O(new): the same objects read for a 1k and a 20k log' '
	for n in 1000 20000
	do
		annal init "big$n" >/dev/null &&
		many "big$n" $n &&
		annal -C "big$n" verify --state "st$n" >/dev/null &&
		many "big$n" 50 &&
		ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/reads$n" \
			annal -C "big$n" verify --state "st$n" >out &&
		grep "$((n + 50)) records verified" out || return 1
	done &&
	test_cmp reads1000 reads20000 &&
	test "$(cat reads1000)" -lt 500
'

test_expect_success 'a stored head that is missing, before a push of 100: an error, no hang' '
	gone=1111111111111111111111111111111111111111 &&
	many repo 100 &&
	awk "/^log /{l = \$2} l == \"main\" && /^head /{\$2 = \"$gone\"} {print}" st >st-gone &&
	grep "^head $gone 5012$" st-gone &&
	test_expect_code 1 annal -C repo verify --state st-gone 2>err &&
	grep "^annal: error: .*object 1111111111111111111111111111111111111111 is missing" err &&
	annal -C repo verify --state st >out &&
	grep "log main: 5112 records verified" out
'

test_expect_success 'a malformed state file is exit 2; usage conflicts too' '
	echo garbage >bad &&
	test_expect_code 2 annal -C repo verify --state bad 2>err &&
	grep "not a verify state file" err &&
	test_expect_code 2 annal -C repo verify --state st --anchor-file af &&
	test_expect_code 2 annal -C repo verify --state - &&
	test_expect_code 2 annal -C repo verify --pre-receive --all
'

test_expect_success 'a FIFO or a directory as the state or anchor file: exit 2, left as it was' '
	mkfifo fifo &&
	for opt in --state --anchor-file
	do
		test_expect_code 2 timeout 60 annal -C repo verify $opt fifo 2>err &&
		grep "^annal: error: .*fifo.*not a regular file" err &&
		test -p fifo &&
		test_expect_code 2 timeout 60 annal -C repo verify $opt . 2>err &&
		grep "not a regular file" err || return 1
	done
'

test_done
