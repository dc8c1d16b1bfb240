#!/bin/sh

test_description='annal log --follow: records as they are appended

Each record appended while annal log --follow runs is printed once, in
seq order, one at a time or in a batch of 5000, across annal pack, git
gc, git repack -ad and git pack-refs; a rewritten ref ends it with exit 1
and nothing of the new history; SIGINT, SIGTERM and a reader that goes
away (| head -3) end it with exit 0.  No timing is asserted: a wait for
a record lasts until the test watchdog.'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# start_follow OUT [<log options>...]: annal log --follow --format
# oneline in the background, stderr to OUT.err; its pid in follow_pid
start_follow () {
	out=$1 &&
	shift &&
	# empty before the test looks: the background shell opens it later
	: >"$out" &&
	: >"$out.err" &&
	{ annal log --follow --format oneline "$@" >"$out" 2>"$out.err" & } &&
	follow_pid=$! &&
	test_when_finished "kill $follow_pid 2>/dev/null; true"
}

# wait_lines FILE N: until FILE has N lines or more, 60 s at most (a
# bound for a stuck test, not a latency figure: bench/ measures that)
wait_lines () {
	waited=0
	while test "$(wc -l <"$1")" -lt "$2"
	do
		waited=$((waited + 1)) &&
		if test $waited -gt 1200
		then
			echo "$1 has $(wc -l <"$1") lines after 60 s, not $2" &&
			return 1
		fi &&
		sleep 0.05
	done
}

# wait_exit: until the follower exits, 60 s at most; its status into rc
wait_exit () {
	waited=0
	while kill -0 $follow_pid 2>/dev/null
	do
		waited=$((waited + 1)) &&
		if test $waited -gt 1200
		then
			echo "annal log --follow still runs after 60 s" &&
			kill $follow_pid &&
			return 1
		fi &&
		sleep 0.05
	done
	wait $follow_pid
	echo $? >rc
}

# stop_follow SIGNAL: signal the follower; it exits 0
stop_follow () {
	kill -$1 $follow_pid &&
	wait_exit &&
	echo 0 >expect.rc &&
	test_cmp expect.rc rc
}

# printed_all OUT FROM: OUT is exactly the records from seq FROM to the
# head, oldest first, each once
printed_all () {
	annal log --reverse --format oneline --from-seq "$2" >expect &&
	test_cmp expect "$1"
}

append () {
	for a in "$@"
	do
		annal append --actor user:a --action "$a" --target t >/dev/null || return 1
	done
}

test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	append one two three
'

test_expect_success '-n 2: the newest two oldest first, then each record appended' '
	start_follow out -n 2 &&
	wait_lines out 2 &&
	append four five six seven eight &&
	wait_lines out 7 &&
	stop_follow INT &&
	printed_all out 2 &&
	test_must_be_empty out.err
'

test_expect_success 'without inotify, the poll alone misses nothing' '
	test_when_finished "unset ANNAL_TEST_FOLLOW_POLL" &&
	ANNAL_TEST_FOLLOW_POLL=1 &&
	export ANNAL_TEST_FOLLOW_POLL &&
	start_follow out -n 1 &&
	wait_lines out 1 &&
	from=$(cut -d" " -f2 out) &&
	append q1 q2 q3 &&
	unset ANNAL_TEST_FOLLOW_POLL &&
	wait_lines out 4 &&
	stop_follow INT &&
	printed_all out $from &&
	test_must_be_empty out.err
'

test_expect_success 'without -n, only the records appended after it starts' '
	start_follow out &&
	# it has read the head once it waits: poll until a record shows
	n=0 &&
	until test -s out
	do
		n=$((n + 1)) &&
		test $n -lt 300 &&
		append "probe$n" &&
		sleep 0.2 || return 1
	done &&
	first=$(cut -d" " -f2 out) &&
	append last &&
	wait_lines out 2 &&
	stop_follow TERM &&
	printed_all out $first
'

test_expect_success 'filters apply to the backlog and to each new record' '
	start_follow out -n 1 --action "x*" &&
	append xa &&
	wait_lines out 1 &&
	append ya xb yb xc &&
	wait_lines out 3 &&
	stop_follow INT &&
	cut -d" " -f5 out >actual &&
	printf "%s\n" xa xb xc >expect &&
	test_cmp expect actual
'

test_expect_success 'a batch of 5000 beside single appends: each once, in order' '
	test_seq 1 5000 | sed "s/.*/{\"actor\":\"user:b\",\"action\":\"batch&\"}/" >batch &&
	start_follow out -n 1 &&
	wait_lines out 1 &&
	from=$(cut -d" " -f2 out) &&
	{ annal append --stdin <batch >batch.ids & } &&
	batch_pid=$! &&
	append s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 &&
	wait $batch_pid &&
	test_line_count = 5000 batch.ids &&
	wait_lines out 5011 &&
	stop_follow INT &&
	printed_all out $from &&
	awk "NR > 1 && \$2 != prev + 1 { exit 1 } { prev = \$2 }" out
'

test_expect_success GIT 'across annal pack, git gc, git repack -ad and git pack-refs' '
	start_follow out -n 1 &&
	wait_lines out 1 &&
	from=$(cut -d" " -f2 out) &&
	append p1 p2 &&
	annal pack &&
	append p3 p4 &&
	git -C repo.git gc -q &&
	append p5 p6 &&
	git -C repo.git repack -adq &&
	append p7 &&
	git -C repo.git pack-refs --all &&
	test_path_is_missing repo.git/refs/audit/main &&
	append p8 p9 &&
	git -C repo.git pack-refs --all &&
	append p10 &&
	wait_lines out 11 &&
	stop_follow INT &&
	printed_all out $from &&
	test_must_be_empty out.err
'

test_expect_success GIT 'a ref moved to a fork: exit 1, no record of the fork' '
	rm -rf fork.git &&
	cp -R repo.git fork.git &&
	git -C fork.git update-ref refs/audit/main refs/audit/main~3 &&
	ANNAL_REPO="$(pwd)/fork.git" &&
	append f1 f2 f3 f4 &&
	ANNAL_REPO="$(pwd)/repo.git" &&
	fork=$(git -C fork.git rev-parse refs/audit/main) &&
	git -C repo.git fetch -q ../fork.git refs/audit/main:refs/fork &&
	start_follow out -n 1 &&
	wait_lines out 1 &&
	git -C repo.git update-ref refs/audit/main $fork &&
	wait_exit &&
	echo 1 >expect.rc &&
	test_cmp expect.rc rc &&
	test_line_count = 1 out &&
	! grep " f[1-4] " out &&
	test_line_count = 1 out.err &&
	grep "^annal: error: log .main. was rewritten: .*; run .annal verify.\$" out.err
'

test_expect_success GIT 'a ref moved back to an older record: exit 1' '
	start_follow out -n 1 &&
	wait_lines out 1 &&
	git -C repo.git update-ref refs/audit/main refs/audit/main~2 &&
	wait_exit &&
	echo 1 >expect.rc &&
	test_cmp expect.rc rc &&
	grep "^annal: error: log .main. was rewritten: " out.err
'

test_expect_success GIT 'a ref deleted: exit 1' '
	head=$(git -C repo.git rev-parse refs/audit/main) &&
	test_when_finished "git -C repo.git update-ref refs/audit/main $head" &&
	start_follow out -n 1 &&
	wait_lines out 1 &&
	git -C repo.git update-ref -d refs/audit/main &&
	wait_exit &&
	echo 1 >expect.rc &&
	test_cmp expect.rc rc &&
	grep "^annal: error: log .main. was rewritten: its ref refs/audit/main is gone" out.err
'

test_expect_success '| head -3 ends it with exit 0 once three records came' '
	: >rc &&
	{ { annal log --follow -n 1 --format oneline; echo $? >rc; } | head -n 3 >out & } &&
	pipe_pid=$! &&
	n=0 &&
	while kill -0 $pipe_pid 2>/dev/null
	do
		n=$((n + 1)) &&
		test $n -lt 300 &&
		append "h$n" &&
		sleep 0.1 || return 1
	done &&
	wait $pipe_pid &&
	test_line_count = 3 out &&
	echo 0 >expect.rc &&
	test_cmp expect.rc rc
'

test_expect_success 'a reader gone while nothing is appended: exit 0 without a write' '
	mkfifo fifo &&
	{ annal log --follow -n 1 --format oneline >fifo 2>err & } &&
	follow_pid=$! &&
	head -n 1 fifo >out &&
	wait_exit &&
	test_line_count = 1 out &&
	test_cmp expect.rc rc &&
	test_must_be_empty err
'

test_expect_success 'usage: one log, oldest first, a format of one piece a record' '
	for opts in "--all" "--reverse" "--summary" "--summary-by actor" \
		"--format otlp-json" "--log main --log other" "--log h*"
	do
		test_expect_code 2 annal log --follow $opts >out 2>err &&
		test_must_be_empty out &&
		head -n 1 err >first &&
		grep "^annal: error: " first || return 1
	done &&
	test_expect_code 2 annal log --follow --summary-by actor 2>err &&
	grep "^annal: error: options .--follow. and .--summary-by. cannot be used together\$" err &&
	# with json, the error is the JSON text (annal(1), DIAGNOSTICS)
	test_expect_code 2 annal log --follow --format json >out &&
	grep "^{\"error\":\"options .--follow. and .--format=json. cannot be used together\"}\$" out &&
	test_expect_code 2 annal log --follow --log nosuch 2>err &&
	grep "^annal: error: no such log .nosuch.\$" err
'

test_done
