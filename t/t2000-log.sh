#!/bin/sh

test_description='annal log: order, -n, --reverse, seq paging, logs, bad options'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO
SQ="'"

# reverse FILE: its lines, last first
reverse () {
	sed -n '1!G;h;$p' "$@"
}

# expect_records SEQ...: the ids of those records (line N of ids = seq N),
# in that order, into expect
expect_records () {
	for s in "$@"
	do
		sed -n "${s}p" ids || return 1
	done >expect
}

# shown FILE: the ids of the `record <id>` lines of pretty output, in order
shown () {
	sed -n 's/^record //p' "$1" >actual
}

# log_shows "SEQ..." [<log options>...]: annal log shows exactly those records
log_shows () {
	want=$1
	shift
	expect_records $want &&
	annal log "$@" >out &&
	shown out &&
	test_cmp expect actual
}

# usage_error <annal log options>...: exit 2, nothing on stdout, the error
# line first, then the usage
usage_error () {
	test_expect_code 2 annal log "$@" >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	grep "^annal: error: " first &&
	# the usage, or for an unknown option the -h to read
	grep -e "usage: annal log" -e "; see .annal log -h.\$" err
}

test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	test_tick &&
	annal append --actor alice --action login --decision allowed \
		--tenant acme --trace tr-1 >ids &&
	test_tick &&
	annal append --actor bob --action deploy --target web-1 \
		--decision blocked --tenant acme --trace tr-2 >>ids &&
	test_tick &&
	annal append --actor carol --action read --target db \
		--tenant globex >>ids &&
	test_tick &&
	annal append --actor alice --action deploy --target web-2 \
		--decision allowed --tenant globex --trace tr-2 >>ids &&
	test_tick &&
	annal append --actor svc-ci --action build --decision held \
		--reason "queue full" >>ids &&
	test_tick &&
	annal append --actor bob --action logout --tenant acme >>ids &&
	test_tick &&
	annal append --actor dave --action delete --target bucket/x \
		--decision blocked --tenant initech --trace tr-3 >>ids &&
	test_tick &&
	annal append --actor alice --action read --target report-9 \
		--field entity_type=report --field entity_id=r-9 >>ids &&
	test_tick &&
	annal append --actor carol --action approve --decision allowed \
		--tenant globex --field labels.env=prod >>ids &&
	test_tick &&
	annal append --actor eve --action export --target all \
		--decision held --tenant acme --trace tr-4 >>ids &&
	test_line_count = 10 ids &&
	sort -u ids >uniq &&
	test_line_count = 10 uniq
'

test_expect_success 'records are shown newest first' '
	log_shows "10 9 8 7 6 5 4 3 2 1"
'

test_expect_success 'pretty: record line, one indented line per field' '
	annal log -n 1 >out &&
	head -n 1 out >first &&
	expect_records 10 &&
	sed "s/^/record /" expect >expect.first &&
	test_cmp expect.first first &&
	grep -x "    seq: 10" out &&
	grep -x "    actor: eve" out &&
	grep -x "    action: export" out &&
	grep -x "    target: all" out &&
	grep -x "    decision: held" out &&
	grep -x "    tenant: acme" out &&
	grep -x "    trace_id: tr-4" out &&
	grep "^    ts: " out &&
	! grep "hash" out &&
	sed 1d out >fields &&
	! grep -v "^    [a-z_]*: " fields
'

test_expect_success 'pretty: a blank line between records' '
	annal log -n 3 >out &&
	grep -c "^record " out >count &&
	echo 3 >expect &&
	test_cmp expect count &&
	grep -c "^\$" out >count &&
	echo 2 >expect &&
	test_cmp expect count &&
	tail -n 1 out >last &&
	grep "^    " last
'

test_expect_success '--reverse shows oldest first' '
	log_shows "1 2 3 4 5 6 7 8 9 10" --reverse
'

test_expect_success '-n and --max-count limit to the newest' '
	log_shows "10 9 8" -n 3 &&
	log_shows "10 9 8" --max-count 3 &&
	log_shows "10" -n 1 &&
	log_shows "10 9 8 7 6 5 4 3 2 1" -n 10 &&
	log_shows "10 9 8 7 6 5 4 3 2 1" -n 50
'

test_expect_success '-<n> as git log takes it' '
	log_shows "10 9 8" -3 &&
	log_shows "10" -1 &&
	log_shows "8 9 10" -3 --reverse &&
	log_shows "10 9 8 7 6 5 4 3 2 1" -50 &&
	annal log -0 >out &&
	test_must_be_empty out &&
	usage_error -3x &&
	annal log -h >help &&
	grep "^    -<n> " help
'

test_expect_success '-n with --reverse: the newest n, oldest first' '
	log_shows "8 9 10" -n 3 --reverse &&
	log_shows "8 9 10" --reverse -n 3 &&
	log_shows "8 9 10" --reverse --max-count 3 &&
	log_shows "1 2 3 4 5 6 7 8 9 10" --reverse -n 10
'

test_expect_success '--from-seq and --to-seq are inclusive' '
	log_shows "5 4 3" --from-seq 3 --to-seq 5 &&
	log_shows "5" --from-seq 5 --to-seq 5 &&
	log_shows "10 9 8" --from-seq 8 &&
	log_shows "2 1" --to-seq 2 &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --from-seq 1 --to-seq 10 &&
	log_shows "10" --from-seq 10 --to-seq 99
'

test_expect_success 'seq range with --reverse and -n' '
	log_shows "4 5 6" --from-seq 4 --to-seq 6 --reverse &&
	log_shows "9 8 7" --from-seq 2 --to-seq 9 -n 3 &&
	log_shows "7 8 9" --from-seq 2 --to-seq 9 -n 3 --reverse
'

test_expect_success 'paging by seq covers the log exactly once' '
	for from in 1 4 7 10
	do
		annal log --reverse --from-seq $from --to-seq $((from + 2)) \
			>page.$from || return 1
	done &&
	cat page.1 page.4 page.7 page.10 >out &&
	shown out &&
	expect_records 1 2 3 4 5 6 7 8 9 10 &&
	test_cmp expect actual
'

test_expect_success 'an empty result prints nothing, exit 0' '
	annal log --from-seq 11 >out &&
	test_must_be_empty out &&
	annal log --actor nobody >out &&
	test_must_be_empty out &&
	annal log --from-seq 11 --reverse -n 2 >out &&
	test_must_be_empty out
'

test_expect_success 'unknown log: exit 2, one error line' '
	test_expect_code 2 annal log --log nope >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no such log ${SQ}nope${SQ}" >expect &&
	test_cmp expect err
'

test_expect_success 'unknown log in a repository without logs' '
	annal init empty.git &&
	test_expect_code 2 annal -C empty.git log >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no such log ${SQ}main${SQ}" >expect &&
	test_cmp expect err
'

test_expect_success 'setup: a second log' '
	annal append --log ops/deploy --actor ci --action deploy \
		--target web >deploy-ids &&
	test_tick &&
	annal append --log ops/deploy --actor ci --action rollback \
		--target web >>deploy-ids &&
	test_line_count = 2 deploy-ids
'

test_expect_success '--log shows only that log' '
	annal log --log ops/deploy >out &&
	shown out &&
	reverse deploy-ids >expect &&
	test_cmp expect actual &&
	annal log --log ops/deploy --reverse >out &&
	shown out &&
	test_cmp deploy-ids actual
'

test_expect_success 'the default log is main and is unchanged' '
	log_shows "10 9 8 7 6 5 4 3 2 1" &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --log main
'

test_expect_success 'invalid log names: exit 2' '
	for name in ../x a/../b .hidden -dash x.lock x/ "a b" ""
	do
		test_expect_code 2 annal log --log "$name" >out 2>err &&
		test_must_be_empty out &&
		grep "^annal: error: " err || return 1
	done
'

test_expect_success 'bad -n values: exit 2' '
	usage_error -n x &&
	usage_error -n -1 &&
	usage_error -n 3x &&
	usage_error -n "" &&
	usage_error --max-count abc
'

test_expect_success 'bad seq values: exit 2' '
	usage_error --from-seq -1 &&
	usage_error --from-seq x &&
	usage_error --to-seq -5 &&
	usage_error --to-seq 1.5
'

test_expect_success 'option errors: exit 2' '
	usage_error --bogus &&
	usage_error -n &&
	usage_error --reverse extra-argument
'

test_expect_success 'an unknown --format is a usage error' '
	usage_error --format xml
'

test_expect_success 'a non-repeatable option twice: exit 2' '
	usage_error -n 3 -n 4
'

test_done
