#!/bin/sh

test_description='annal append killed with SIGKILL: all or nothing, log intact'

. "$(dirname "$0")/test-lib.sh"

# In a sanitizer build, LeakSanitizer checks for leaks as a process exits,
# by stopping its threads from a helper; a SIGKILL landing then makes the
# helper report "Unable to get registers" (under its own pid), which is no
# finding of annal's.  A process this test killed cannot leave a
# meaningful report: forget_killed_reports drops what was written while
# it ran.  Leak checks stay on, and the report of a process that ended on
# its own (exit 0 or a sanitizer's abort) fails the test.
# reports_before: the reports so far
reports_before () {
	ls "$ANNAL_TEST_REPORTS" >reports.before
}
# forget_killed_reports: the process run since reports_before was killed
# by this test: drop the reports written meanwhile, and count them
forget_killed_reports () {
	ls "$ANNAL_TEST_REPORTS" >reports.after &&
	for r in $(comm -13 reports.before reports.after)
	do
		case $r in
		report.*)
			rm -f "$ANNAL_TEST_REPORTS/$r" &&
			forgotten=$((forgotten + 1)) || return 1 ;;
		esac
	done
}
forgotten=0

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO
LOCK=repo.git/refs/audit/main.lock

killed=0
finished=0
stale_locks=0

# records: the number of records in log main, in $records
count_records () {
	annal log --format oneline >count.out &&
	records=$(wc -l <count.out) &&
	records=$((records + 0))
}

# check_stale_lock: if a killed append left main.lock behind, the next
# append must fail with exit 3 naming it, and write nothing; then the
# operator removes the lock
check_stale_lock () {
	test -e "$LOCK" || return 0
	stale_locks=$((stale_locks + 1))
	count_records || return 1
	locked_records=$records
	annal verify >verify.out || {
		echo "verify fails while main.lock is left"
		return 1
	}
	annal append --actor k --action blocked >lock.out 2>lock.err
	rc=$?
	if test $rc != 3
	then
		echo "append with a stale main.lock exited $rc, wanted 3"
		cat lock.err
		return 1
	fi
	test_must_be_empty lock.out &&
	test_line_count = 1 lock.err &&
	{ grep "^annal: error: .*main\.lock" lock.err ||
		{ echo "a blocked append said:"; cat lock.err; return 1; }; } &&
	count_records &&
	{ test "$records" = "$locked_records" ||
		{ echo "a blocked append changed $locked_records records to $records"; return 1; }; } &&
	rm -f "$LOCK"
}

# check_printed_ids FILE: every id in FILE is a record of log main
check_printed_ids () {
	for id in $(grep -x "[0-9a-f]\{40\}" "$1")
	do
		git -C repo.git cat-file -e "$id" &&
		git -C repo.git merge-base --is-ancestor "$id" refs/audit/main || {
			echo "printed id $id is not in the log"
			return 1
		}
	done
}

# kill_append SECONDS: start an append, SIGKILL it after SECONDS
kill_append () {
	count_records || return 1
	before=$records
	# the child opens out itself: one killed before that would leave the
	# ids of the last run there
	: >out
	reports_before
	(exec annal append --actor k --action x >out 2>err) &
	pid=$!
	sleep "$1"
	kill -9 $pid 2>/dev/null
	wait $pid
	rc=$?
	case $rc in
	137)
		killed=$((killed + 1))
		forget_killed_reports || return 1 ;;
	0) finished=$((finished + 1)) ;;
	*)
		echo "append exited $rc"
		cat err
		return 1
		;;
	esac
	annal verify >verify.out 2>verify.err || {
		echo "verify failed after a kill after $1s"
		cat verify.err
		return 1
	}
	count_records || return 1
	case $records in
	$before | $((before + 1))) ;;
	*)
		echo "had $before records, now $records"
		return 1
		;;
	esac
	if test -s out
	then
		test_line_count = 1 out &&
		{ test "$records" = $((before + 1)) ||
			{ echo "id printed, still $records records (rc $rc)"; return 1; }; } &&
		check_printed_ids out || return 1
	fi
	if test $rc = 0
	then
		test_line_count = 1 out || return 1
	fi
	check_stale_lock
}

# kill_batch SECONDS [open]: the same with a --stdin batch of 200
# records.  A batch of 200 can end in less time than the shortest sleep
# here; with "open" its stdin is held open until the kill, so the batch
# (its records read and written, the ref not moved: it waits for the
# end of its input) is always killed mid-way, however fast the machine.
kill_batch () {
	count_records || return 1
	before=$records
	: >out
	reports_before
	if test "$2" = open
	then
		rm -f fifo && mkfifo fifo || return 1
		(exec annal append --stdin <fifo >out 2>err) &
		pid=$!
		exec 9>fifo
		cat batch >&9
	else
		(exec annal append --stdin <batch >out 2>err) &
		pid=$!
	fi
	sleep "$1"
	kill -9 $pid 2>/dev/null
	wait $pid
	rc=$?
	if test "$2" = open
	then
		exec 9>&-
		rm -f fifo
		test $rc = 137 || { echo "a batch with its stdin open exited $rc"; cat err; return 1; }
	fi
	case $rc in
	137)
		killed=$((killed + 1))
		forget_killed_reports || return 1 ;;
	0) finished=$((finished + 1)) ;;
	*)
		echo "append --stdin exited $rc"
		cat err
		return 1
		;;
	esac
	annal verify >verify.out 2>verify.err || {
		echo "verify failed after a kill after $1s"
		cat verify.err
		return 1
	}
	count_records || return 1
	case $records in
	$before | $((before + 200))) ;;
	*)
		echo "batch: had $before records, now $records"
		return 1
		;;
	esac
	if test -s out
	then
		{ test "$records" = $((before + 200)) ||
			{ echo "ids printed, $records records (rc $rc)"; return 1; }; } &&
		check_printed_ids out || return 1
	fi
	if test $rc = 0
	then
		test_line_count = 200 out || return 1
	fi
	check_stale_lock
}

test_expect_success GIT 'setup' '
	annal init "$ANNAL_REPO" &&
	annal append --actor k --action first >ids &&
	test_line_count = 1 ids &&
	for i in $(test_seq 200)
	do
		echo "{\"actor\":\"batch\",\"action\":\"b\",\"i\":$i}" || return 1
	done >batch
'

test_expect_success GIT 'appends killed at random points leave a valid log' '
	for s in 0 0.001 0.002 0.003 0.005 0.007 0.01 0.012 0.015 0.02 \
		0.025 0.03 0.035 0.04 0.05 0 0.001 0.002 0.004 0.006 \
		0.008 0.009 0.011 0.013 0.017 0.019 0.022 0.027 0.033 0.045 \
		0.003 0.005 0.01 0.015 0.02 0.03 0.04 0.05 0.001 0.008
	do
		kill_append $s || return 1
	done &&
	say "appends: $killed killed, $finished finished, $stale_locks stale locks," \
		"$forgotten sanitizer reports of killed processes dropped" &&
	test $killed -gt 0
'

test_expect_success GIT 'batches killed mid-way: all or nothing' '
	killed=0 &&
	finished=0 &&
	for s in 0.005 0.01 0.02 0.03 0.05 0.07 0.1 0.15 0.2 0.3 0.5 0.8
	do
		kill_batch $s && kill_batch $s open || return 1
	done &&
	say "batches: $killed killed, $finished finished, $stale_locks stale locks," \
		"$forgotten sanitizer reports of killed processes dropped" &&
	test $killed -gt 0
'

test_expect_success 'the log still takes appends and verifies' '
	annal append --actor k --action last >last &&
	test_line_count = 1 last &&
	annal verify >out &&
	count_records &&
	echo "log main: $records records verified, head $(cat last)" >expect &&
	test_cmp expect out
'

test_done
