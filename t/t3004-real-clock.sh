#!/bin/sh

test_description='the real clock: append, log dates, export and verify unpinned

Every other script pins the clock with ANNAL_TEST_NOW.  Here annal reads
the real one: a record appended now carries a ts between the times date
printed just before and just after the command; log --since and --until
take "N days ago" from the real clock; a bundle is created now; verify
checks ts against the real clock, so a record dated an hour ahead (made
with ANNAL_TEST_NOW for the append alone) is tsFuture without any
ANNAL_TEST_NOW, and one a minute ahead is within the tolerance.  Each
window is bounded by two readings of date around the command: no timing
is asserted.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

unset ANNAL_TEST_NOW

# ms_of TS: the milliseconds since the epoch of a record's ts
ms_of () {
	python3 -c '
import calendar, sys, time
ts = sys.argv[1]
assert len(ts) == 24 and ts.endswith("Z"), ts
print(calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(ts[20:23]))
' "$1"
}

# in_window TS BEFORE AFTER: TS (a record's ts) is not earlier than the
# second BEFORE began and not later than the second AFTER ended
in_window () {
	in_ms=$(ms_of "$1") &&
	if test "$in_ms" -ge $(($2 * 1000)) && test "$in_ms" -lt $(($3 * 1000 + 1000))
	then
		return 0
	fi
	echo "ts $1 ($in_ms) is not within [$2, $3] seconds"
	return 1
}

# ts_of ID: the ts of record ID of repo.git
ts_of () {
	annal_record repo.git "$1" >ts.json &&
	json_get ts <ts.json | tr -d '"'
}

test_expect_success 'ANNAL_TEST_NOW is not set here' '
	test -z "${ANNAL_TEST_NOW+set}" &&
	env >env.out &&
	! grep "^ANNAL_TEST_NOW=" env.out
'

test_expect_success 'append: a record of the real time' '
	annal_repo_init &&
	before=$(date -u +%s) &&
	annal -C repo.git append --actor a --action now >id &&
	after=$(date -u +%s) &&
	ts=$(ts_of $(cat id)) &&
	in_window "$ts" $before $after &&
	git -C repo.git log -1 --format=%at%n%ct $(cat id) >dates &&
	echo $(($(ms_of "$ts") / 1000)) >expect &&
	echo $(($(ms_of "$ts") / 1000)) >>expect &&
	test_cmp expect dates
'

test_expect_success 'append: an empty ANNAL_TEST_NOW is the real clock too' '
	before=$(date -u +%s) &&
	ANNAL_TEST_NOW= annal -C repo.git append --actor a --action empty >id &&
	after=$(date -u +%s) &&
	in_window "$(ts_of $(cat id))" $before $after
'

test_expect_success 'append --stdin and --stream: every record of the real time' '
	printf "{\"actor\":\"b\",\"action\":\"%s\"}\n" one two three >batch &&
	before=$(date -u +%s) &&
	annal -C repo.git append --stdin <batch >ids &&
	annal -C repo.git append --stdin --stream <batch >stream.out &&
	after=$(date -u +%s) &&
	test_line_count = 3 ids &&
	sed -n "s/^ok \([0-9a-f]\{40\}\).*/\1/p; s/^\([0-9a-f]\{40\}\)$/\1/p" \
		stream.out >>ids &&
	test_line_count = 6 ids &&
	while read id
	do
		in_window "$(ts_of $id)" $before $after || return 1
	done <ids
'

test_expect_success 'the log of the real clock verifies, checked by stock tools' '
	annal -C repo.git verify &&
	annal_check_log repo.git >/dev/null
'

test_expect_success 'verify: a record an hour ahead of the real clock is tsFuture' '
	annal init ahead.git &&
	annal -C ahead.git append --actor a --action now >/dev/null &&
	ahead=$(($(date -u +%s) + 3600)) &&
	ANNAL_TEST_NOW=$ahead annal -C ahead.git append --actor a --action later \
		>later-id &&
	test_expect_code 1 annal -C ahead.git verify >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: log main: record 2 ($(cat later-id)): tsFuture: ts .* is later than now plus 5 minutes" err &&
	test_expect_code 1 annal -C ahead.git verify --format json >out &&
	grep "\"check\":\"tsFuture\"" out
'

test_expect_success 'verify: a record a minute ahead of the real clock is within the tolerance' '
	annal init near.git &&
	ahead=$(($(date -u +%s) + 60)) &&
	ANNAL_TEST_NOW=$ahead annal -C near.git append --actor a --action soon \
		>/dev/null &&
	annal -C near.git verify
'

test_expect_success 'verify: a record redated an hour ahead with stock git is tsFuture' '
	annal init forged.git &&
	annal -C forged.git append --actor a --action now >/dev/null &&
	annal -C forged.git append --actor a --action next >/dev/null &&
	annal -C forged.git verify &&
	ahead=$(date -u -d @$(($(date -u +%s) + 3600)) +%Y-%m-%dT%H:%M:%S.000Z) &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" forged.git main \
		fully-consistent-edit 2 ts "$ahead" >forged-ids &&
	test_expect_code 1 annal -C forged.git verify 2>err &&
	grep "record 2 ($(sed -n 2p forged-ids)): tsFuture: ts $ahead is later" err
'

test_expect_success 'log --since and --until: "N days ago" from the real clock' '
	annal init dates.git &&
	old=$(($(date -u +%s) - 3 * 86400)) &&
	ANNAL_TEST_NOW=$old annal -C dates.git append --actor a --action old \
		>/dev/null &&
	annal -C dates.git append --actor a --action new >/dev/null &&
	annal -C dates.git log --since "1 day ago" --format jsonl >since &&
	test_line_count = 1 since &&
	grep "\"action\":\"new\"" since &&
	annal -C dates.git log --until 1.day.ago --format jsonl >until &&
	test_line_count = 1 until &&
	grep "\"action\":\"old\"" until &&
	annal -C dates.git log --since now --format jsonl >none &&
	test_must_be_empty none
'

test_expect_success 'export --bundle: created now' '
	annal keygen -f k -C k >/dev/null &&
	before=$(date -u +%s) &&
	annal -C repo.git export --bundle b.zip --sign-key k 2>/dev/null &&
	after=$(date -u +%s) &&
	python3 "$TEST_DIRECTORY/lib-bundle.py" cat b.zip manifest.json >manifest &&
	json_get created <manifest | tr -d "\"" >created &&
	in_window "$(cat created)" $before $after
'

test_done
