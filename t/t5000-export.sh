#!/bin/sh

test_description='annal export: which records, in what order, where to

The filter options are those of annal log and select the same records;
the records come oldest first, the whole log without a filter; the
default format jsonl is byte for byte annal log --reverse --format jsonl
with the same filters; -o writes a file and never overwrites one; bad
usage and unknown logs exit 2.

Every export appends an annal.export record to the log (t5003), so each
selection is checked on a fresh copy of the log.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# ids_of FILE: the "id" of each jsonl line of FILE, in order
ids_of () {
	sed -n 's/.*"id":"\([0-9a-f]\{40\}\)".*/\1/p' "$1"
}

# expect_records SEQ...: the ids of those records (line N of ids = seq N),
# in that order, into expect
expect_records () {
	for s in "$@"
	do
		sed -n "${s}p" ids || return 1
	done >expect
}

# fresh: w.git, a copy of the untouched log
fresh () {
	rm -rf w.git &&
	cp -R repo.git w.git
}

# export_shows "SEQ..." [<filter options>...]: annal export prints exactly
# those records, in that order, the same bytes as annal log --reverse
# --format jsonl with the same options
export_shows () {
	want=$1
	shift
	fresh &&
	expect_records $want &&
	annal -C w.git log --reverse --format jsonl "$@" >log.out &&
	annal -C w.git export "$@" >out 2>err &&
	test_must_be_empty err &&
	test_cmp log.out out &&
	ids_of out >actual &&
	test_cmp expect actual
}

# The records, one a line, and when each is written (epoch seconds):
#  1 2026-11-17T23:00:00Z      6 2026-11-18T18:00:00Z
#  2 2026-11-18T00:00:00Z      7 2026-11-18T23:59:59Z
#  3 2026-11-18T06:00:00Z      8 2026-11-19T00:00:00Z
#  4 2026-11-18T12:00:00.500Z  9 2026-11-19T12:00:00Z
#  5 2026-11-18T12:01:00Z     10 2026-11-20T00:00:00Z
# The exports run at the pinned clock, 2026-11-20T02:00:00Z.
test_expect_success 'setup' '
	annal init repo.git >/dev/null &&
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
			annal -C repo.git append --stdin <line >>ids || return 1
	done &&
	test_line_count = 10 ids &&
	ANNAL_TEST_NOW=1795140000 &&
	export ANNAL_TEST_NOW
'

test_expect_success 'annal export -h: both usage lines on stdout, exit 0, anywhere' '
	mkdir -p nowhere &&
	(cd nowhere && annal export -h) >out 2>err &&
	test_must_be_empty err &&
	grep "^usage: annal export " out &&
	grep "^   or: annal export .*--bundle <file>" out &&
	annal help export >out2 &&
	test_cmp out out2
'

test_expect_success 'the whole log by default, oldest first, jsonl' '
	export_shows "1 2 3 4 5 6 7 8 9 10" &&
	test_line_count = 10 out
'

test_expect_success '--format jsonl is the default' '
	fresh &&
	annal -C w.git export --format jsonl >explicit &&
	fresh &&
	annal -C w.git export >implicit &&
	test_cmp explicit implicit
'

test_expect_success '--since/--until (inclusive, same date syntax as annal log)' '
	export_shows "2 3 4 5 6 7 8 9 10" --since 2026-11-18 &&
	export_shows "1 2" --until 2026-11-18 &&
	export_shows "2 3 4 5 6 7 8" --since 2026-11-18 --until 2026-11-19 &&
	export_shows "4" --since 2026-11-18T12:00:00.25Z --until 2026-11-18T12:00:00.75Z &&
	export_shows "4 5 6 7 8 9 10" --since 2026-11-18T14:00:00+02:00 &&
	export_shows "4 5 6 7 8 9 10" --since @1795003200 &&
	export_shows "9 10" --since 1.day.ago &&
	export_shows "" --since 2026-11-21
'

test_expect_success '--actor: glob, repeatable (OR)' '
	export_shows "3 6" --actor bob &&
	export_shows "1 2 7 8" --actor "al*" &&
	export_shows "4" --actor "*@example.com" &&
	export_shows "3 4 6" --actor bob --actor "carol*" &&
	export_shows "" --actor al
'

test_expect_success '--action: glob, repeatable' '
	export_shows "1 2 5 8 9" --action "deploy.*" &&
	export_shows "1 2 3 5 9" --action "deploy.[sf]*" --action predeploy &&
	export_shows "6 7" --action login
'

test_expect_success '--decision' '
	export_shows "1 2 6 10" --decision allowed &&
	export_shows "3 4 5 9" --decision blocked --decision held &&
	export_shows "8" --decision errored &&
	export_shows "" --decision redacted
'

test_expect_success '--tenant' '
	export_shows "1 2 5 7 10" --tenant acme &&
	export_shows "3 4 8" --tenant "g*" &&
	export_shows "3 4 8 9" --tenant globex --tenant initech
'

test_expect_success '--trace' '
	export_shows "1 3" --trace t-1 &&
	export_shows "1 3 4" --trace t-1 --trace t-3 &&
	export_shows "" --trace t
'

test_expect_success '--entity' '
	export_shows "1 2 5" --entity inv-1 &&
	export_shows "1 5" --entity invoice:inv-1 &&
	export_shows "3 10" --entity invoice:inv-2 --entity report:r-9 &&
	export_shows "" --entity report:inv-1
'

test_expect_success '--where' '
	export_shows "1 4 6 9" --where labels.env=prod &&
	export_shows "4" --where labels.env=prod --where labels.region=eu &&
	export_shows "1 2" --where count=5 &&
	export_shows "5" --where count=5.0 &&
	export_shows "6" --where ok=false &&
	export_shows "" --where labels=prod
'

test_expect_success '--grep' '
	export_shows "3" --grep "primary key" &&
	export_shows "9" --grep NEEDLE &&
	export_shows "5" --grep 24242 &&
	export_shows "" --grep "no such text"
'

test_expect_success '--from-seq/--to-seq (inclusive)' '
	export_shows "3 4 5 6" --from-seq 3 --to-seq 6 &&
	export_shows "8 9 10" --from-seq 8 &&
	export_shows "1 2" --to-seq 2 &&
	export_shows "7" --from-seq 7 --to-seq 7 &&
	export_shows "" --from-seq 11
'

test_expect_success 'filters compose with AND' '
	export_shows "1 2 7" --actor "al*" --tenant acme &&
	export_shows "2" --action "deploy.*" --decision allowed --since 2026-11-18 &&
	export_shows "1" --tenant acme --where labels.env=prod --grep deploy &&
	export_shows "2 5" --tenant acme --from-seq 2 --to-seq 6 &&
	export_shows "" --actor bob --decision held
'

test_expect_success 'no match: empty output, exit 0' '
	fresh &&
	annal -C w.git export --actor nobody >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'ANNAL_REPO and --log select the log' '
	fresh &&
	annal -C w.git append --log team/a --actor zed --action one >team-ids &&
	annal -C w.git append --log team/a --actor zed --action two >>team-ids &&
	annal -C w.git log --log team/a --reverse --format jsonl >expect &&
	annal -C w.git export --log team/a >out &&
	test_cmp expect out &&
	ids_of out >actual &&
	test_cmp team-ids actual &&
	(
		ANNAL_REPO="$TRASH_DIRECTORY/w.git" &&
		export ANNAL_REPO &&
		annal export --log team/a --action one >out
	) &&
	head -n 1 expect >expect1 &&
	test_cmp expect1 out
'

test_expect_success '-o FILE: the same bytes in the file, nothing on stdout' '
	fresh &&
	annal -C w.git export --actor bob >expect &&
	fresh &&
	annal -C w.git export --actor bob -o bob.jsonl >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_cmp expect bob.jsonl &&
	fresh &&
	annal -C w.git export --actor nobody -o empty.jsonl >out &&
	test_must_be_empty out &&
	test_must_be_empty empty.jsonl
'

test_expect_success '-o -: standard output, as without -o; no file named -' '
	fresh &&
	annal -C w.git export --actor bob >expect &&
	fresh &&
	annal -C w.git export --actor bob -o - >out 2>err &&
	test_must_be_empty err &&
	test_cmp expect out &&
	test_path_is_missing -
'

test_expect_success '--bundle -: refused, nothing written or recorded' '
	fresh &&
	git -C w.git rev-parse refs/audit/main >before &&
	test_expect_code 2 annal -C w.git export --bundle - >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: option .--bundle. needs a file name, not .-.: " err &&
	git -C w.git rev-parse refs/audit/main >after &&
	test_cmp before after &&
	test_path_is_missing -
'

test_expect_success '-o an existing file: exit 2, the file untouched, nothing recorded' '
	fresh &&
	echo precious >exists &&
	cp exists exists.orig &&
	annal_fails_cleanly 2 w.git export -o exists &&
	grep "^annal: error: .*'\''exists'\'' already exists" err &&
	test_cmp exists.orig exists &&
	: >empty-exists &&
	annal_fails_cleanly 2 w.git export --actor bob -o empty-exists &&
	test_must_be_empty empty-exists &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success '-o a dangling symlink or a directory: refused, nothing written through it' '
	fresh &&
	ln -s target-of-link dangling &&
	test_must_fail annal -C w.git export -o dangling >out 2>err &&
	test_path_is_missing target-of-link &&
	mkdir adir &&
	test_must_fail annal -C w.git export -o adir >out 2>err &&
	test_line_count = 1 err &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success '-o in a missing directory: fails, nothing recorded' '
	fresh &&
	test_must_fail annal -C w.git export -o no/such/dir/out.jsonl >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	test_path_is_missing no &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success 'an unknown format: usage error, exit 2' '
	fresh &&
	for f in xml pretty oneline JSONL "" otlp splunk
	do
		annal_usage_fails w.git export --format "$f" || return 1
	done &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success 'several --format without --bundle: exit 2' '
	fresh &&
	annal_usage_fails w.git export --format jsonl --format csv &&
	annal_usage_fails w.git export --format csv --format csv &&
	annal_usage_fails w.git export --format json --format otlp-json -o two.out &&
	test_path_is_missing two.out &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success 'annal log options that export does not take: exit 2' '
	fresh &&
	annal_usage_fails w.git export -n 2 &&
	annal_usage_fails w.git export --max-count 2 &&
	annal_usage_fails w.git export --reverse &&
	annal_usage_fails w.git export --summary &&
	annal_usage_fails w.git export --no-such-option &&
	annal_usage_fails w.git export extra-argument &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success 'bad filter values: exit 2, nothing written' '
	fresh &&
	for d in "next tuesday" 2026-13-45 @abc
	do
		test_expect_code 2 annal -C w.git export --since "$d" >out 2>err &&
		test_must_be_empty out &&
		grep "^annal: error: .*$d" err &&
		test_expect_code 2 annal -C w.git export --until "$d" -o d.out 2>err &&
		test_path_is_missing d.out || return 1
	done &&
	test_expect_code 2 annal -C w.git export --from-seq abc >out 2>err &&
	test_must_be_empty out &&
	test_expect_code 2 annal -C w.git export --where novalue >out 2>err &&
	test_must_be_empty out &&
	annal_ids w.git >actual &&
	test_cmp ids actual
'

test_expect_success 'an unknown log: exit 2 "no such log", nothing written' '
	fresh &&
	annal_fails_cleanly 2 w.git export --log nope &&
	grep "^annal: error: no such log '\''nope'\''" err &&
	annal_fails_cleanly 2 w.git export --log nope -o nope.out &&
	test_path_is_missing nope.out &&
	annal init empty.git >/dev/null &&
	annal_fails_cleanly 2 empty.git export &&
	grep "^annal: error: no such log '\''main'\''" err
'

test_expect_success 'an invalid log name: exit 2' '
	fresh &&
	for l in ../x -x a..b x.lock "a b" x/
	do
		test_expect_code 2 annal -C w.git export --log "$l" >out 2>err &&
		test_must_be_empty out &&
		grep "^annal: error: " err || return 1
	done
'

test_expect_success 'outside a repository: exit 3' '
	mkdir -p norepo &&
	(
		cd norepo &&
		test_expect_code 3 annal export >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: not a git repository" err
	) &&
	test_expect_code 3 annal -C norepo export >out 2>err &&
	test_must_be_empty out
'

test_done
