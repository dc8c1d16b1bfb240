#!/bin/sh

test_description='annal log: date, field, --where and --grep filters'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# expect_records SEQ...: the ids of those records (line N of ids = seq N),
# in that order, into expect
expect_records () {
	for s in "$@"
	do
		sed -n "${s}p" ids || return 1
	done >expect
}

# log_shows "SEQ..." [<log options>...]: annal log shows exactly those
# records, in that order
log_shows () {
	want=$1
	shift
	expect_records $want &&
	annal log "$@" >out &&
	sed -n "s/^record //p" out >actual &&
	test_cmp expect actual
}

# bad_date OPTION DATE: exit 2, nothing written, the error names DATE
bad_date () {
	test_expect_code 2 annal log "$1" "$2" >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	grep "^annal: error: " first &&
	grep -F -e "$2" first
}

# The records, one a line, and when each is written (epoch seconds):
#  1 2026-11-17T23:00:00Z      6 2026-11-18T18:00:00Z
#  2 2026-11-18T00:00:00Z      7 2026-11-18T23:59:59Z
#  3 2026-11-18T06:00:00Z      8 2026-11-19T00:00:00Z
#  4 2026-11-18T12:00:00.500Z  9 2026-11-19T12:00:00Z
#  5 2026-11-18T12:01:00Z     10 2026-11-20T00:00:00Z
test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	cat >records <<-\EOF &&
	{"actor":"alice","action":"deploy.start","decision":"allowed","tenant":"acme","trace_id":"t-1","entity_type":"invoice","entity_id":"inv-1","labels":{"env":"prod"},"count":5}
	{"actor":"alan","action":"deploy.finish","decision":"allowed","tenant":"acme","trace_id":"t-2","entity_type":"order","entity_id":"inv-1","labels":{"env":"staging"},"count":"5"}
	{"actor":"bob","action":"predeploy","decision":"blocked","tenant":"globex","trace_id":"t-1","entity_type":"invoice","entity_id":"inv-2","ok":true,"params":{"note":"Rotated the Primary KEY"}}
	{"actor":"carol@example.com","action":"deploy","decision":"held","tenant":"globex","trace_id":"t-3","labels":{"env":"prod","region":"eu"},"ok":"true"}
	{"actor":"svc-deploy","action":"deploy.start","decision":"blocked","tenant":"acme","entity_type":"invoice","entity_id":"inv-1","count":5.0,"params":{"port":424242}}
	{"actor":"bob","action":"login","decision":"allowed","labels":{"env":"prod"},"ok":false}
	{"actor":"alice","action":"login","tenant":"acme","trace_id":"t-2"}
	{"actor":"alan","action":"deploy.rollback","decision":"errored","tenant":"globex"}
	{"actor":"dave","action":"deploy.start","decision":"held","tenant":"initech","labels":{"env":"prod","tier":"1"},"params":{"nested":{"deep":["x",{"y":"NeedleValue"}]}}}
	{"actor":"eve","action":"export","decision":"allowed","tenant":"acme","entity_type":"report","entity_id":"r-9"}
	EOF
	cat >times <<-\EOF &&
	1794956400
	1794960000
	1794981600
	1795003200.500
	1795003260
	1795024800
	1795046399
	1795046400
	1795089600
	1795132800
	EOF
	for n in 1 2 3 4 5 6 7 8 9 10
	do
		sed -n "${n}p" records >line &&
		ANNAL_TEST_NOW=$(sed -n "${n}p" times) \
			annal append --stdin <line >>ids || return 1
	done &&
	test_line_count = 10 ids &&
	log_shows "10 9 8 7 6 5 4 3 2 1"
'

test_expect_success 'the records carry the pinned times' '
	annal log --format oneline --reverse >out &&
	cut -d " " -f 2,3 out >actual &&
	cat >expect <<-\EOF &&
	1 2026-11-17T23:00:00.000Z
	2 2026-11-18T00:00:00.000Z
	3 2026-11-18T06:00:00.000Z
	4 2026-11-18T12:00:00.500Z
	5 2026-11-18T12:01:00.000Z
	6 2026-11-18T18:00:00.000Z
	7 2026-11-18T23:59:59.000Z
	8 2026-11-19T00:00:00.000Z
	9 2026-11-19T12:00:00.000Z
	10 2026-11-20T00:00:00.000Z
	EOF
	test_cmp expect actual
'

test_expect_success '--since/--until with a day (00:00 UTC), inclusive' '
	log_shows "10 9 8 7 6 5 4 3 2" --since 2026-11-18 &&
	log_shows "2 1" --until 2026-11-18 &&
	log_shows "8 7 6 5 4 3 2" --since 2026-11-18 --until 2026-11-19 &&
	log_shows "10" --since 2026-11-20 &&
	log_shows "" --since 2026-11-21 &&
	log_shows "" --until 2026-11-17
'

test_expect_success '--since/--until with RFC 3339 UTC times' '
	log_shows "10 9 8 7 6 5 4" --since 2026-11-18T12:00:00Z &&
	log_shows "3 2 1" --until 2026-11-18T12:00:00Z &&
	log_shows "6" --since 2026-11-18T18:00:00Z --until 2026-11-18T18:00:00Z &&
	log_shows "7 6" --since 2026-11-18T18:00:00Z --until 2026-11-18T23:59:59Z
'

test_expect_success '--since/--until with fractions of a second' '
	log_shows "4 3 2 1" --until 2026-11-18T12:00:00.500Z &&
	log_shows "3 2 1" --until 2026-11-18T12:00:00.499Z &&
	log_shows "10 9 8 7 6 5 4" --since 2026-11-18T12:00:00.500Z &&
	log_shows "10 9 8 7 6 5" --since 2026-11-18T12:00:00.501Z &&
	log_shows "4" --since 2026-11-18T12:00:00.25Z --until 2026-11-18T12:00:00.75Z
'

test_expect_success '--since/--until with an offset' '
	log_shows "10 9 8 7 6 5 4" --since 2026-11-18T14:00:00+02:00 &&
	log_shows "6 5 4 3 2 1" --until 2026-11-18T20:00:00+02:00 &&
	log_shows "10 9 8 7 6 5 4 3" --since 2026-11-18T01:00:00-05:00 &&
	log_shows "8 7" --since 2026-11-18T23:59:59.000+00:00 --until 2026-11-19T05:30:00+05:30 &&
	log_shows "4" --since 2026-11-18T14:00:00.500+02:00 --until 2026-11-18T14:00:00.500+02:00
'

test_expect_success '--since/--until with "YYYY-MM-DD HH:MM[:SS]" (UTC)' '
	log_shows "10 9 8 7 6 5" --since "2026-11-18 12:01" &&
	log_shows "7 6 5 4 3 2 1" --until "2026-11-18 23:59:59" &&
	log_shows "6 5 4 3 2 1" --until "2026-11-18 23:59"
'

test_expect_success '--since/--until with @epoch' '
	log_shows "10 9 8 7 6 5 4" --since @1795003200 &&
	log_shows "5 4 3 2 1" --until @1795003260 &&
	log_shows "1" --until @1794956400 &&
	log_shows "10" --since @1795132800
'

# "now" is the pinned clock too: 2026-11-20T02:00:00Z, two hours after
# the newest record
test_expect_success 'relative dates count back from the pinned clock' '
	test_when_finished "ANNAL_TEST_NOW=$ANNAL_TEST_NOW" &&
	ANNAL_TEST_NOW=1795140000 &&
	log_shows "10" --since 2.hours.ago &&
	log_shows "10" --since "2 hours ago" &&
	log_shows "10" --since "3 hours ago" &&
	log_shows "10" --since "120 minutes ago" &&
	log_shows "10" --since 7200.seconds.ago &&
	log_shows "10 9" --since 1.day.ago &&
	log_shows "10 9 8" --since "26 hours ago" &&
	log_shows "2 1" --until 50.hours.ago &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --since "1 week ago" &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --since 1.month.ago &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --since "1 year ago" &&
	log_shows "" --since "1 minute ago" &&
	log_shows "" --until "3 weeks ago" &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --until now &&
	log_shows "" --since now
'

test_expect_success 'relative dates move with the pinned clock' '
	test_when_finished "ANNAL_TEST_NOW=$ANNAL_TEST_NOW" &&
	ANNAL_TEST_NOW=1795132800 &&
	log_shows "10" --since now &&
	log_shows "10" --since 0.seconds.ago &&
	log_shows "10" --since today &&
	log_shows "10 9 8" --since yesterday &&
	log_shows "9 8 7 6 5 4 3 2 1" --until "1 second ago" &&
	ANNAL_TEST_NOW=1800000000 &&
	log_shows "" --since 2.hours.ago &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --since "2 months ago"
'

test_expect_success 'unparsable dates: exit 2, the error names them' '
	for d in "next tuesday" 2026-13-45 2026-11-18T25:00:00Z 2.fortnights.ago \
		@abc yesterdayish "2026-11-18 12" 2026/11/18
	do
		bad_date --since "$d" &&
		bad_date --until "$d" || return 1
	done &&
	test_expect_code 2 annal log --since "" >out 2>err &&
	test_must_be_empty out &&
	test_expect_code 2 annal log --since yesterdy 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: cannot parse date .yesterdy.; use YYYY-MM-DD.*, @<seconds>, now, today, yesterday or .<n> <unit>s ago. (annal-log(1), Dates)$" err
'

test_expect_success '--actor: exact and glob' '
	log_shows "6 3" --actor bob &&
	log_shows "8 7 2 1" --actor "al*" &&
	log_shows "6 3" --actor "b?b" &&
	log_shows "8 7 6 3 2 1" --actor "[ab]*" &&
	log_shows "4" --actor "*@example.com" &&
	log_shows "" --actor al &&
	log_shows "" --actor lice
'

test_expect_success 'globs match characters, not bytes (UTF-8)' '
	# a daemon appends one record a line; people filter by what they read
	cat >utf8-records <<-\EOF &&
	{"actor":"user:é","action":"x","tenant":"café"}
	{"actor":"用户:张三","action":"x"}
	EOF
	while read -r line
	do
		printf "%s\n" "$line" | annal append --log utf8 --stdin || return 1
	done <utf8-records >utf8-ids &&
	test_line_count = 2 utf8-ids &&
	annal log --log utf8 --format oneline --actor "user:?" >out &&
	test_line_count = 1 out &&
	grep "^$(cut -c1-12 utf8-ids | sed -n 1p) " out &&
	annal log --log utf8 --format oneline --actor "用户:张[三Q]" >out &&
	test_line_count = 1 out &&
	grep "^$(cut -c1-12 utf8-ids | sed -n 2p) " out &&
	annal log --log utf8 --format oneline --actor "*:?三" >out &&
	test_line_count = 1 out &&
	annal log --log utf8 --format oneline --tenant "caf[à-ÿ]" >out &&
	test_line_count = 1 out &&
	annal log --log utf8 --format oneline --actor "user:??" >out &&
	test_must_be_empty out
'

# tz_shows TZ "SEQ..." <log options>...: in zone TZ, log of tz.git shows
# those records (oneline, seq column), newest first
tz_shows () {
	tzs_tz_=$1 tzs_want_=$2 &&
	shift 2 &&
	TZ=$tzs_tz_ annal -C tz.git log --format oneline "$@" >out &&
	echo $(cut -d" " -f2 out) >actual &&
	echo "$tzs_want_" >expect &&
	test_cmp expect actual
}

test_expect_success 'dates without a zone are in the local zone ($TZ), as in git' '
	annal init tz.git >/dev/null &&
	# 2026-11-19 00:00Z, 09:00Z, 10:00Z
	for t in 1795046400 1795078800 1795082400
	do
		ANNAL_TEST_NOW=$t annal -C tz.git append --actor a --action x >/dev/null ||
		return 1
	done &&
	tz_shows UTC "3 2 1" --since 2026-11-19 &&
	tz_shows UTC "" --since "2026-11-19 18:00" &&
	tz_shows XYZ-9 "3 2" --since "2026-11-19 18:00" &&
	tz_shows XYZ-9 "3 2" --since "2026-11-19T18:00:00" &&
	tz_shows XYZ-9 "" --since "2026-11-19T18:00:00Z" &&
	tz_shows XYZ+5 "1" --until 2026-11-19 &&
	tz_shows XYZ-9 "2 1" --until "2026-11-19 18:00" &&
	tz_shows XYZ+10 "3" --since 2026-11-19 &&
	tz_shows XYZ+11 "" --since 2026-11-19 &&
	(
		ANNAL_TEST_NOW=1795082400 &&
		export ANNAL_TEST_NOW &&
		tz_shows UTC "3 2 1" --since today &&
		tz_shows XYZ+5 "3 2" --since today &&
		tz_shows XYZ+5 "3 2 1" --since yesterday &&
		tz_shows XYZ+5 "1" --until today
	)
'

test_expect_success 'log --date local shows ts in $TZ, like date(1)' '
	for z in XYZ-9 XYZ+5:30 UTC
	do
		TZ=$z annal -C tz.git log --format oneline --date local >out &&
		for t in 1795082400 1795078800 1795046400
		do
			TZ=$z date -d "@$t" "+%Y-%m-%dT%H:%M:%S.000%:z" || return 1
		done >expect &&
		cut -d" " -f3 out >actual &&
		test_cmp expect actual &&
		TZ=$z annal -C tz.git log -n 1 --date local >out &&
		grep "^    ts: $(head -n 1 expect)\$" out || return 1
	done &&
	TZ=XYZ-9 annal -C tz.git log --format oneline --date utc >out &&
	TZ=XYZ-9 annal -C tz.git log --format oneline >expect &&
	test_cmp expect out &&
	grep " 2026-11-19T10:00:00.000Z " out &&
	TZ=XYZ-9 annal -C tz.git log --format jsonl --date local >out &&
	grep "\"ts\":\"2026-11-19T10:00:00.000Z\"" out &&
	test_expect_code 2 annal -C tz.git log --date gmt
'

test_expect_success '--actor repeated: any of them' '
	log_shows "6 4 3" --actor bob --actor "carol*" &&
	log_shows "10 9 7 1" --actor alice --actor dave --actor eve
'

test_expect_success '--action glob' '
	log_shows "9 8 5 2 1" --action "deploy.*" &&
	log_shows "4" --action deploy &&
	log_shows "9 8 5 4 3 2 1" --action "*deploy*" &&
	log_shows "9 5 3 2 1" --action "deploy.[sf]*" --action predeploy &&
	log_shows "7 6" --action login
'

test_expect_success '--decision' '
	log_shows "10 6 2 1" --decision allowed &&
	log_shows "9 5 4 3" --decision blocked --decision held &&
	log_shows "8" --decision errored &&
	log_shows "" --decision redacted
'

test_expect_success '--tenant' '
	log_shows "10 7 5 2 1" --tenant acme &&
	log_shows "8 4 3" --tenant "g*" &&
	log_shows "9 8 4 3" --tenant globex --tenant initech
'

test_expect_success '--trace: exact ids, repeatable' '
	log_shows "3 1" --trace t-1 &&
	log_shows "4 3 1" --trace t-1 --trace t-3 &&
	log_shows "" --trace t
'

test_expect_success '--entity: id, or type:id' '
	log_shows "5 2 1" --entity inv-1 &&
	log_shows "5 1" --entity invoice:inv-1 &&
	log_shows "2" --entity order:inv-1 &&
	log_shows "10 3" --entity invoice:inv-2 --entity report:r-9 &&
	log_shows "" --entity inv &&
	log_shows "" --entity report:inv-1
'

test_expect_success '--where: strings, nested paths, AND' '
	log_shows "9 6 4 1" --where labels.env=prod &&
	log_shows "4" --where labels.env=prod --where labels.region=eu &&
	log_shows "9" --where labels.tier=1 &&
	log_shows "6 3" --where actor=bob &&
	log_shows "" --where labels.env=pro &&
	log_shows "" --where labels=prod &&
	log_shows "" --where no.such.path=x
'

test_expect_success '--where with a JSON Pointer: keys and array elements' '
	log_shows "9 6 4 1" --where /labels/env=prod &&
	log_shows "9" --where /params/nested/deep/0=x &&
	log_shows "9" --where /params/nested/deep/1/y=NeedleValue &&
	log_shows "9" --where "/params/nested/deep/1={\"y\":\"NeedleValue\"}" &&
	log_shows "" --where /params/nested/deep/2/y=NeedleValue &&
	log_shows "" --where /params/nested/deep/01/y=NeedleValue &&
	log_shows "" --where /labels.env=prod &&
	test_expect_code 2 annal log --where "/labels/e~2nv=prod" >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: invalid field path" err
'

test_expect_success '--where: non-strings compare as canonical JSON' '
	log_shows "2 1" --where count=5 &&
	log_shows "5" --where count=5.0 &&
	log_shows "4 3" --where ok=true &&
	log_shows "6" --where ok=false &&
	log_shows "5" --where params.port=424242
'

test_expect_success '--grep: case-insensitive, nested string and number values' '
	log_shows "3" --grep "primary key" &&
	log_shows "3" --grep "ROTATED the" &&
	log_shows "9" --grep needlevalue &&
	log_shows "9" --grep NEEDLE &&
	log_shows "5" --grep 24242 &&
	log_shows "9 8" --grep 2026-11-19T &&
	log_shows "" --grep deep &&
	log_shows "" --grep "no such text"
'

test_expect_success '--grep: not the chain hashes, keys or true/false/null' '
	annal log --format jsonl -n 1 >head.jsonl &&
	hash=$(json_get hash <head.jsonl | tr -d "\"" | cut -c8-30) &&
	prev=$(json_get prev_hash <head.jsonl | tr -d "\"" | cut -c8-30) &&
	log_shows "" --grep "$hash" &&
	log_shows "" --grep "$prev" &&
	log_shows "" --grep sha256: &&
	log_shows "" --grep entity_type &&
	log_shows "4" --grep true
'

test_expect_success 'every form of date the manual lists' '
	log_shows "10 9 8 7 6 5" --since "2026-11-18T12:01" &&
	log_shows "10 9 8 7 6 5" --since "2026-11-18t12:01:00z" &&
	log_shows "10 9 8 7 6 5" --since "2026-11-18 13:01+01:00" &&
	log_shows "4 3 2 1" --until "2026-11-18 12:00:00.5009Z" &&
	log_shows "3 2 1" --until "2026-11-18T12:00:00.4999" &&
	log_shows "10 9 8" --since "2026-11-18T23:59:60Z" &&
	(
		ANNAL_TEST_NOW=1795140000 &&
		export ANNAL_TEST_NOW &&
		log_shows "10" --since "2 . hours  ago"
	) &&
	for d in "2026-11-18T12" "2026-11-18T12:00:00.Z" "2026-11-18  12:00" \
		"2026-11-18T12:00Z+01:00" "100000001 seconds ago" "2 fortnights ago"
	do
		bad_date --since "$d" || return 1
	done
'

test_expect_success 'filters compose with AND' '
	log_shows "7 2 1" --actor "al*" --tenant acme &&
	log_shows "2" --action "deploy.*" --decision allowed --since 2026-11-18 &&
	log_shows "1" --tenant acme --where labels.env=prod --grep deploy &&
	log_shows "5" --entity invoice:inv-1 --since 2026-11-18T06:00:00Z &&
	log_shows "" --actor bob --decision held
'

test_expect_success '--to-seq 0 selects nothing, --from-seq 0 everything' '
	log_shows "" --to-seq 0 &&
	log_shows "" --to-seq 0 --reverse &&
	log_shows "" --from-seq 0 --to-seq 0 &&
	log_shows "10 9 8 7 6 5 4 3 2 1" --from-seq 0 &&
	log_shows "1" --to-seq 1 &&
	annal log --to-seq 0 --summary --format json >out &&
	grep "\"total\":0}" out
'

test_expect_success 'filters with -n, --reverse and seq ranges' '
	log_shows "7 10" --tenant acme -n 2 --reverse &&
	log_shows "10 7" --tenant acme -n 2 &&
	log_shows "5 2" --tenant acme --from-seq 2 --to-seq 6 &&
	log_shows "5 4" --since 2026-11-18T12:00:00Z -n 2 --to-seq 5
'

test_done
