#!/bin/sh

test_description='annal export holds one record at a time, not the log

An export of 20000 records of 2 KB (40 MB of JSON) keeps of each record
only its id, seq and ts until it writes it, and reads it back then: the
plain export peaks under 64 MiB (31 MiB measured; the code that held
every record parsed peaked at 150 MiB on this log), a bundle under 192
MiB (130 MiB: it still holds its members until the zip is written; the
old code peaked at 296 MiB).
Both write what they wrote before: the plain export equals annal log
--reverse, the bundle'"'"'s records.jsonl equals the plain export.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq UNZIP 'unzip -v'

test_expect_success 'setup: 20000 records of 2 KB' '
	annal init repo.git &&
	awk "BEGIN {
		pad = sprintf(\"%1900s\", \"\"); gsub(/ /, \"x\", pad);
		for (i = 1; i <= 20000; i++)
			printf(\"{\\\"actor\\\":\\\"u%d\\\",\\\"action\\\":\\\"a.b\\\",\\\"params\\\":{\\\"pad\\\":\\\"%s\\\",\\\"i\\\":%d}}\\n\", i % 50, pad, i)
	}" >recs &&
	test_line_count = 20000 recs &&
	annal -C repo.git append --stdin <recs >ids &&
	test_line_count = 20000 ids &&
	ssh_vector_key k
'

test_expect_success MAXRSS 'export --format jsonl of 20000 records: under 64 MiB' '
	rm -rf w.git && cp -R repo.git w.git &&
	/usr/bin/time -f %M -o rss annal -C w.git export -o out.jsonl &&
	test_line_count = 20000 out.jsonl &&
	annal -C repo.git log --reverse --format jsonl >expect &&
	test_cmp expect out.jsonl &&
	echo "peak RSS $(tail -n 1 rss) KiB" &&
	test_rss_below 65536
'

test_expect_success MAXRSS 'export --format csv of 20000 records: under 64 MiB' '
	rm -rf w.git && cp -R repo.git w.git &&
	/usr/bin/time -f %M -o rss annal -C w.git export --format csv -o out.csv &&
	test_line_count = 20001 out.csv &&
	echo "peak RSS $(tail -n 1 rss) KiB" &&
	test_rss_below 65536
'

test_expect_success MAXRSS,UNZIP 'export --bundle of 20000 records: under 192 MiB' '
	rm -rf w.git && cp -R repo.git w.git &&
	/usr/bin/time -f %M -o rss annal -C w.git export --sign-key k --bundle b.zip &&
	echo "peak RSS $(tail -n 1 rss) KiB" &&
	test_rss_below 196608 &&
	unzip -p b.zip records.jsonl >records.jsonl &&
	test_cmp expect records.jsonl &&
	test "$(unzip -Z1 b.zip | grep -c "^commits/")" = 20000
'

test_done
