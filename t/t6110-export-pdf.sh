#!/bin/sh

test_description='annal export --format pdf: the report for print

A summary page, then the records; A4 or Letter; "page i of n" and in each
footer the SHA-256 of the jsonl export of the same records; hostile values
shown escaped, a huge one cut; cairo and pango loaded on first use, and
their absence one error line and exit 3.  Read back with poppler-utils.'

. "$(dirname "$0")/test-lib.sh"

if ! pdftotext -v >/dev/null 2>&1 || ! pdfinfo -v >/dev/null 2>&1 ||
	! pdftoppm -v >/dev/null 2>&1
then
	skip_all='poppler-utils (pdftotext, pdfinfo, pdftoppm) is not installed'
	test_done
fi
if ! test_have_prereq PYTHON3
then
	skip_all='python3 is needed to write the records'
	test_done
fi
# annal loads cairo and pango itself: without them, only the error is testable
test_lazy_prereq CAIRO '
	annal init probe.git >/dev/null &&
	annal -C probe.git append --actor a --action b >/dev/null &&
	annal -C probe.git export --format pdf -o probe.pdf
'

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO

# pdf_text FILE: its text, one line of the layout a line
pdf_text () {
	pdftotext -layout "$1" - 2>pdftotext.err &&
	test_must_be_empty pdftotext.err
}

# pdf_pages FILE: its page count, from pdfinfo
pdf_pages () {
	pdfinfo "$1" | sed -n "s/^Pages: *//p"
}

test_expect_success 'setup: twelve records, a correction, a before and after' '
	annal_repo_init &&
	python3 - >in <<-\EOF &&
	import json
	for i in range(1, 12):
	    print(json.dumps({"actor": "user:u%d" % (i % 3), "action": "deploy.n%d" % i,
	                      "target": "svc%d" % i,
	                      "decision": ["allowed", "blocked", "held"][i % 3],
	                      "reason": "because %d" % i}))
	EOF
	annal append --stdin <in >ids &&
	annal append --actor user:u9 --action config.set --target cfg \
		--decision allowed --corrects "$(head -n 1 ids)" \
		--field before:="{\"limit\":1}" --field after:="{\"limit\":2}" >>ids &&
	test_line_count = 12 ids
'

test_expect_success CAIRO 'every record is in the text: id, seq, actor, action, target' '
	annal export --to-seq 12 --format pdf -o r.pdf 2>err &&
	test_must_be_empty err &&
	pdf_text r.pdf >r.txt &&
	for id in $(cat ids)
	do
		short=$(echo $id | cut -c1-12) &&
		grep "$short" r.txt || return 1
	done &&
	for i in 1 2 3 4 5 6 7 8 9 10 11
	do
		grep "deploy\\.n$i\$" r.txt &&
		grep "target: svc$i\$" r.txt &&
		grep "^#$i " r.txt || return 1
	done &&
	grep "corrects: $(head -n 1 ids)" r.txt &&
	grep "before -> after: 1 change\$" r.txt &&
	grep "~ /limit: 1 -> 2\$" r.txt
'

test_expect_success CAIRO 'the summary: records, range, verification, counts' '
	grep "^12 records, .*; every log verified\$" r.txt &&
	grep "log main: 12 records exported, seq 1 to 12\$" r.txt &&
	grep "^ *head $(tail -n 1 ids)\$" r.txt &&
	grep "chain checked: verified, 12 records" r.txt &&
	grep "^ *4 *allowed\$" r.txt &&
	grep "^ *4 *blocked\$" r.txt &&
	grep "^ *4 *held\$" r.txt &&
	grep "^ *4 *user:u1\$" r.txt &&
	grep "^ *1 *user:u9\$" r.txt &&
	grep "^filters: --to-seq 12 *generated " r.txt
'

test_expect_success CAIRO 'A4 by default, Letter on demand; "page i of n" on every page' '
	pdfinfo r.pdf >info &&
	grep "^Page size: *595.276 x 841.89 pts (A4)" info &&
	n=$(pdf_pages r.pdf) &&
	test "$n" -ge 2 &&
	test $(grep -c "annal report: main" r.txt) = $n &&
	test $(grep -c "page [1-9][0-9]* of $n\$" r.txt) = $n &&
	grep "page $n of $n\$" r.txt &&
	annal export --to-seq 12 --format pdf --paper letter -o l.pdf &&
	pdfinfo l.pdf >info &&
	grep "^Page size: *612 x 792 pts (letter)" info
'

test_expect_success CAIRO 'no record selected: the summary page alone' '
	annal export --to-seq 12 --actor nobody --format pdf -o empty.pdf &&
	test "$(pdf_pages empty.pdf)" = 1 &&
	pdf_text empty.pdf >empty.txt &&
	grep "^0 records; every log verified\$" empty.txt &&
	grep "page 1 of 1\$" empty.txt &&
	grep "records sha256 $(printf "" | sha256sum | cut -d" " -f1)" empty.txt
'

# reds PPM: how many pixels of PPM (binary, from pdftoppm) are red
reds () {
	python3 -c "
import sys
d = open(sys.argv[1], \"rb\").read()
parts = d.split(maxsplit=4)
px = parts[4]
print(sum(1 for i in range(0, len(px) - 2, 3)
          if px[i] > 150 and px[i + 1] < 60 and px[i + 2] < 60))" "$1"
}

test_expect_success CAIRO 'blocked and errored in red, allowed not' '
	annal init c.git >/dev/null &&
	annal -C c.git append --actor a --action x --decision allowed >/dev/null &&
	annal -C c.git append --actor a --action y --decision blocked >/dev/null &&
	annal -C c.git export --to-seq 1 --format pdf -o allowed.pdf &&
	annal -C c.git export --from-seq 2 --to-seq 2 --format pdf -o blocked.pdf &&
	pdftoppm -f 2 -l 2 -r 40 allowed.pdf allowed &&
	pdftoppm -f 2 -l 2 -r 40 blocked.pdf blocked &&
	test "$(reds allowed-2.ppm)" = 0 &&
	test "$(reds blocked-2.ppm)" -gt 10
'

test_expect_success CAIRO 'the footer hash is the sha256 of the jsonl export' '
	annal export --to-seq 12 --format jsonl -o r.jsonl &&
	sha256sum <r.jsonl | cut -d" " -f1 >expect &&
	sed -n "s/.*records sha256 \([0-9a-f]\{64\}\).*/\1/p" r.txt | sort -u >actual &&
	test_cmp expect actual
'

test_expect_success CAIRO 'pdftoppm renders page 1 without a word on stderr' '
	pdftoppm -f 1 -l 1 -r 50 -png r.pdf page 2>err &&
	test_must_be_empty err &&
	test -s page-1.png
'

test_expect_success CAIRO 'hostile values are shown escaped, never raw' '
	python3 - >hostile <<-\EOF &&
	import json
	print(json.dumps({"actor": "user:evil", "action": "x",
	                  "target": "<script>alert(1)</script>",
	                  "reason": "rlo \u202egnp.exe esc \u001b[31mred c1 \u009b csi"
	                            " bell \u0007 zwsp \u200b",
	                  "after": {"k": "\u202e\u009b"}}))
	EOF
	annal init h.git >/dev/null &&
	annal -C h.git append --stdin <hostile >/dev/null &&
	annal -C h.git export --to-seq 1 --format pdf -o h.pdf &&
	pdf_text h.pdf >h.txt &&
	grep -F "target: <script>alert(1)</script>" h.txt &&
	grep -F "reason: rlo \u202egnp.exe esc \u001b[31mred c1 \u009b csi bell \u0007 zwsp \u200b" h.txt &&
	grep -F "+ (the whole value): {\"k\":\"\u202e\u009b\"}" h.txt &&
	! LC_ALL=C grep -q "$(printf "\342\200\256")" h.txt &&
	! LC_ALL=C grep -q "$(printf "\033")" h.txt &&
	! LC_ALL=C grep -q "$(printf "\302\233")" h.txt &&
	annal -C h.git export --to-seq 1 --actor "$(printf "x\033[31m\342\200\256")" \
		--format pdf -o u.pdf 2>err &&
	test_must_be_empty err &&
	pdf_text u.pdf >u.txt &&
	grep -F "filters: --actor '"'"'x\u001b[31m\u202e'"'"' --to-seq 1" u.txt
'

test_expect_success CAIRO 'a value of 900 KiB is one line, cut with a mark' '
	python3 -c "import json; print(json.dumps({\"actor\": \"a\", \"action\": \"big\", \"reason\": \"R\" * 900000}))" >big &&
	annal init b.git >/dev/null &&
	annal -C b.git append --stdin <big >/dev/null &&
	annal -C b.git export --to-seq 1 --format pdf -o b.pdf &&
	test "$(pdf_pages b.pdf)" = 2 &&
	pdf_text b.pdf >b.txt &&
	grep "reason: RRRR*…" b.txt &&
	grep "cut with … where it is longer" b.txt
'

# append refuses values nested deeper than 64 levels: 60 is as deep as a record goes
test_expect_success CAIRO 'before and after: added, removed, changed; 60 deep; at most 30' '
	python3 - >diffs <<-\EOF &&
	import json
	deep = 0
	for _ in range(60):
	    deep = [deep]
	print(json.dumps({"actor": "a", "action": "nested",
	                  "before": {"keep": 1, "gone": "x", "list": [1, 2], "t": "s"},
	                  "after": {"keep": 1, "new": True, "list": [1, 3, 4], "t": 5}}))
	print(json.dumps({"actor": "a", "action": "deep", "before": deep, "after": 1}))
	print(json.dumps({"actor": "a", "action": "many",
	                  "after": {"k%02d" % i: i for i in range(40)}, "before": {}}))
	EOF
	annal init d.git >/dev/null &&
	annal -C d.git append --stdin <diffs >/dev/null &&
	annal -C d.git export --to-seq 3 --format pdf -o d.pdf &&
	pdf_text d.pdf >d.txt &&
	grep "before -> after: 5 changes\$" d.txt &&
	grep "^ *- /gone: \"x\"\$" d.txt &&
	grep "^ *~ /list/1: 2 -> 3\$" d.txt &&
	grep "^ *+ /list/2: 4\$" d.txt &&
	grep "^ *+ /new: true\$" d.txt &&
	grep "^ *~ /t: \"s\" -> 5\$" d.txt &&
	grep "^ *~ (the whole value): \[\[\[\[*0\]*\] -> 1\$" d.txt &&
	grep "before -> after: 40 changes\$" d.txt &&
	grep "^ *+ /k29: 29\$" d.txt &&
	! grep "/k30" d.txt &&
	grep "and 10 more changes: see the jsonl export" d.txt
'

test_expect_success CAIRO 'several logs: each record says its log, the summary each log' '
	annal append --log ops --actor user:ops --action rotate >/dev/null &&
	annal export --log main --log ops --to-seq 1 --format pdf -o two.pdf &&
	pdf_text two.pdf >two.txt &&
	grep "annal report: main, ops" two.txt &&
	grep "log ops: 1 records exported" two.txt &&
	grep "\\[ops\\]" two.txt &&
	grep "\\[main\\]" two.txt &&
	annal export --log main --log ops --to-seq 1 --format jsonl -o two.jsonl &&
	grep "\"log\":\"ops\"" two.jsonl &&
	sha256sum <two.jsonl | cut -d" " -f1 >expect &&
	sed -n "s/.*records sha256 \([0-9a-f]\{64\}\).*/\1/p" two.txt | sort -u >actual &&
	test_cmp expect actual
'

test_expect_success CAIRO '10k records: about eleven a page, each page emitted' '
	python3 - >many <<-\EOF &&
	import json
	for i in range(10000):
	    print(json.dumps({"actor": "user:u%d" % (i % 37), "action": "a.%d" % i,
	                      "target": "t%d" % (i % 100), "reason": "r%d" % i}))
	EOF
	annal init many.git >/dev/null &&
	annal -C many.git append --stdin <many >/dev/null &&
	annal -C many.git export --to-seq 10000 --format pdf -o many.pdf &&
	pages=$(pdf_pages many.pdf) &&
	test "$pages" -ge 800 &&
	test "$pages" -le 1100 &&
	pdftotext -f "$pages" -l "$pages" many.pdf last.txt &&
	grep "page $pages of $pages" last.txt &&
	grep "a\\.9999" last.txt &&
	pdftotext -layout -f 1 -l 1 many.pdf first.txt &&
	grep "^ *10000 records, " first.txt &&
	test $(grep -c "^ *[0-9][0-9]*  *user:u[0-9]*\$" first.txt) = 10 &&
	grep "^ *7290  *the 27 other actors\$" first.txt
'

test_expect_success 'without cairo: one error line, exit 3, no file' '
	ANNAL_TEST_CAIRO_SONAME=libcairo-not-here.so.2 &&
	export ANNAL_TEST_CAIRO_SONAME &&
	test_expect_code 3 annal export --format pdf -o none.pdf 2>err &&
	unset ANNAL_TEST_CAIRO_SONAME &&
	echo "annal: error: PDF reports need cairo and pango (libcairo2, libpangocairo-1.0-0); install them" >expect &&
	test_cmp expect err &&
	test_path_is_missing none.pdf &&
	ls >left &&
	! grep "^none\.pdf" left
'

test_expect_success 'bad usage: --paper without pdf, pdf in a bundle, an unknown paper' '
	test_expect_code 2 annal export --paper a4 -o x.pdf 2>err &&
	grep "^annal: error: option .--paper. needs .--format pdf." err &&
	test_expect_code 2 annal export --format pdf --paper a5 -o x.pdf 2>err &&
	grep "^annal: error: unknown paper .a5." err &&
	annal keygen -f k >/dev/null &&
	test_expect_code 2 annal export --sign-key k --bundle x.zip --format pdf 2>err &&
	grep "^annal: error: a bundle holds no PDF report" err &&
	test_path_is_missing x.pdf &&
	test_path_is_missing x.zip
'

test_lazy_prereq SCRIPT 'script -qec true typescript'

test_expect_success SCRIPT 'never to a terminal: exit 2, nothing written' '
	script -qec "annal export --format pdf; echo status=\$?" typescript >out &&
	grep "annal: error: a PDF is not for a terminal; give -o <file> or redirect standard output" out &&
	grep "status=2" out &&
	! grep "%PDF" out
'

test_done
