#!/bin/sh

test_description='annal export --format html: a report that records cannot inject into

The page is checked with python'"'"'s html.parser (t/lib-html.py): no
script, no element that loads anything, no event handler, style or URL
attribute, links only to its own rows, one <style>, the CSP meta.  Each
field of the records holds markup, CSS and terminal escapes (and the
identifiers of an old record the characters append refuses now): the
reader sees them as text, escaped where unsafe (t/lib-text.py), in the
right cells.  Then counts, corrections, redaction marks, filters, no
records, several logs, a record near 1 MiB, one too deep to read, the
export record, and report.html in a bundle checked by audit-verify.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3 || ! test_have_prereq GIT
then
	skip_all='python3 and git are needed to make and check the reports'
	test_done
fi

HTML="$TEST_DIRECTORY/lib-html.py"
TEXT="$TEST_DIRECTORY/lib-text.py"
BUNDLE="$TEST_DIRECTORY/lib-bundle.py"
S1='<script>alert(1)</script>'
S2='"><img src=x onerror=alert(1)>'
S3='</style><style>body{background:url(http://example.com/x)}</style>'
S4='x{width:expression(alert(1))}'
S5="'><a href='javascript:alert(1)'>y</a>"

# page FILE: a report as it must be, and what a reader sees in FILE.sum
page () {
	python3 "$HTML" check "$1" >/dev/null &&
	python3 "$TEXT" check "$1" &&
	python3 "$HTML" summary "$1" >"$1.sum"
}

test_expect_success 'setup: hostile values in every field' '
	annal init repo.git &&
	annal -C repo.git append --actor "$S1" --action "$S2" --target "$S3" \
		--decision "$S4" --tenant "$S5" --reason "$S2$S3" >id1 &&
	cat >rec2.py <<-\EOT &&
	import json, sys
	S = "<script>alert(1)</script>\x1b[31mred\x9b2J\u202eevil</style>expression("
	rec = {"actor": "bob", "action": "edit", "decision": "held",
	       "reason": S, "params": {S: S},
	       "before": {"<b>k</b>": S, "n": [1, {"deep": "\x1b]0;t\x07"}]},
	       "after": {"<b>k</b>": "plain", "n": [1], "\u202e": S}}
	sys.stdout.write(json.dumps(rec) + "\n")
	EOT
	python3 rec2.py | annal -C repo.git append --stdin >id2 &&
	annal -C repo.git append --actor carol --action login --decision allowed \
		--field "password=hunter2" --redact password >id3 &&
	annal -C repo.git append --actor carol --action fix --decision allowed \
		--corrects $(cat id1) --reason "the first was wrong" >id4 &&
	annal -C repo.git append --actor dave --action old --decision errored >id5 &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" repo.git main fully-consistent-edit 5 actor \
		"$(python3 "$TEXT" json c1+bidi+separator+invisible "dave-")" >new-ids &&
	annal -C repo.git verify &&
	sed -n 5p new-ids >id5
'

test_expect_success 'the page: no active content, nothing unsafe, every record' '
	annal -C repo.git export --format html -o r.html &&
	page r.html &&
	grep "^records 5\$" r.html.sum &&
	test $(grep -c "^row " r.html.sum) = 5 &&
	grep "^verdict every log verified\$" r.html.sum &&
	grep "^filters none: every record\$" r.html.sum &&
	! grep -i "<script\|<img\|<a href=.javascript" r.html &&
	test $(grep -c "</style>" r.html) = 1
'

test_expect_success 'hostile identifiers are text in their cells' '
	grep -F "row |1|" r.html.sum >row1 &&
	grep -F "|$S1|$S2|$S3|$S4|$S2$S3" row1 &&
	grep -F "actor $S1 1" r.html.sum
'

test_expect_success 'free text: markup as text, controls, C1 and U+202E escaped' '
	grep -F "row |2|" r.html.sum >row2 &&
	grep -F "|bob|edit|" row2 &&
	grep -F "<script>alert(1)</script>\\\\u001b[31mred\\\\u009b2J\\\\u202eevil</style>expression(" row2 &&
	grep -F "\\u202e" r.html &&
	grep -F "\\u001b]0;t\\u0007" r.html
'

test_expect_success 'an old record: its unsafe identifier shown escaped' '
	grep -F "row |5|" r.html.sum >row5 &&
	grep -F "|dave-\\\\u0085" row5 &&
	grep "^anchor r0-$(cat id5)\$" r.html.sum
'

test_expect_success 'before/after: each difference, keys and values escaped' '
	python3 -c "
import sys, importlib.util
spec = importlib.util.spec_from_file_location(\"h\", \"$HTML\")
h = importlib.util.module_from_spec(spec); spec.loader.exec_module(h)
t = h.parse(\"r.html\")
for tab in t.root.find(lambda n: n.tag == \"table\" and \"diff\" in n.cls()):
    for tr in tab.find(lambda n: n.tag == \"tr\"):
        print(tr.attrs.get(\"class\"), \"|\".join(c.text() for c in tr.children if not isinstance(c, str)))
" >diff &&
	cat >expect <<-\EOT &&
	changed ~|/<b>k<~1b>|"<script>alert(1)</script>\u001b[31mred\u009b2J\u202eevil</style>expression("|"plain"
	removed −|/n/1|{"deep":"\u001b]0;t\u0007"}|
	added +|/\u202e||"<script>alert(1)</script>\u001b[31mred\u009b2J\u202eevil</style>expression("
	EOT
	test_cmp expect diff
'

test_expect_success 'a redacted record is marked, a correction links to its row' '
	grep -F "row |3|" r.html.sum &&
	grep "^redacted password\$" r.html.sum &&
	grep "^link #r0-$(cat id1)\$" r.html.sum &&
	grep "^anchor r0-$(cat id1)\$" r.html.sum
'

test_expect_success 'a correction of a record not in the page: its id, no link' '
	annal -C repo.git export --format html --from-seq 4 --to-seq 5 -o c.html &&
	page c.html &&
	grep "^records 2\$" c.html.sum &&
	! grep "^link " c.html.sum &&
	grep "^corrects corrects $(cat id1) (not in this report)\$" c.html.sum
'

test_expect_success 'counts by decision and actor' '
	grep "^decision allowed 2\$" r.html.sum &&
	grep "^decision held 1\$" r.html.sum &&
	grep "^actor carol 2\$" r.html.sum
'

test_expect_success 'filters as given, hostile, escaped' '
	annal -C repo.git export --format html --grep "$(printf "\\342\\200\\256")<b>x" \
		--since "2000-01-01" -o f.html &&
	page f.html &&
	grep -F "filters --grep '"'"'\\\\u202e<b>x'"'"' --since '"'"'2000-01-01'"'"'" f.html.sum &&
	grep "^records 0\$" f.html.sum &&
	grep "No record matches" f.html
'

# The export's record keeps its filters: one not UTF-8 would make a
# record that no reader takes, and the log would fail for good.
test_expect_success 'a filter that is not UTF-8: refused, nothing written' '
	test_expect_code 2 annal -C repo.git export --format html \
		--grep "$(printf "\\377")<b>" -o u.html 2>err &&
	grep "the value of .--grep. is not UTF-8" err &&
	test_path_is_missing u.html &&
	annal -C repo.git verify
'

test_expect_success 'the export is recorded with its SHA-256; -o never overwrites' '
	annal -C repo.git log -n 1 --format jsonl >last &&
	grep "\"action\":\"annal.export\"" last &&
	grep "\"formats\":\[\"html\"\]" last &&
	grep "\"sha256\":\"$(sha256sum f.html | cut -c1-64)\"" last &&
	test_expect_code 2 annal -C repo.git export --format html -o c.html &&
	test_expect_code 2 annal -C repo.git export --format html --format csv -o g.html &&
	test_path_is_missing g.html
'

test_expect_success 'several logs: a log column, anchors unique' '
	annal -C repo.git append --log other --actor "$S1" --action x --decision blocked &&
	annal -C repo.git export --all --format html -o all.html &&
	page all.html &&
	grep -F "row other|1|" all.html.sum &&
	grep -F "row main|1|" all.html.sum &&
	grep "^anchor r1-" all.html.sum
'

test_expect_success 'a record of 900 KB: its reason whole, a JSON field cut' '
	python3 -c "import json; print(json.dumps({\"actor\": \"big\", \"action\": \"a\", \"reason\": \"<i>\" * 150000, \"params\": {\"k\": \"<i>\" * 150000}}))" |
	annal -C repo.git append --stdin --log big &&
	annal -C repo.git export --log big --format html -o big.html &&
	page big.html &&
	test $(grep -o "&lt;i&gt;" big.html | wc -l) -gt 150000 &&
	test $(grep -o "&lt;i&gt;" big.html | wc -l) -lt 152000 &&
	grep "<b>params</b> <code>{&quot;k&quot;:&quot;&lt;i&gt;" big.html &&
	grep "(cut)" big.html
'

test_expect_success 'a record too deep to read: exit 1, nothing written' '
	rm -rf deep.git && cp -R repo.git deep.git &&
	python3 -c "import sys; print(\"json:\" + \"[\" * 10000 + \"]\" * 10000)" >deep &&
	python3 -c "
import runpy, sys
sys.setrecursionlimit(50000)
sys.argv = [\"lib-tamper.py\", \"deep.git\", \"main\", \"fully-consistent-edit\", \"2\",
            \"before\", open(\"deep\").read().strip()]
runpy.run_path(\"$TEST_DIRECTORY/lib-tamper.py\", run_name=\"__main__\")
" >/dev/null &&
	test_expect_code 1 annal -C deep.git export --format html -o deep.html &&
	test_path_is_missing deep.html &&
	ls >files && ! grep "deep.html" files
'

test_expect_success 'an object that is not what its id says: exit 1, nothing written' '
	rm -rf obj.git && cp -R repo.git obj.git &&
	mkdir packs && mv obj.git/objects/pack/* packs/ &&
	for p in packs/*.pack
	do
		git --git-dir=obj.git unpack-objects -q <$p || return 1
	done &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" obj.git main corrupt-object 3 >/dev/null &&
	test_expect_code 1 annal -C obj.git export --format html -o obj.html &&
	test_path_is_missing obj.html
'

test_expect_success 'a log that fails verification: the report says so' '
	rm -rf bad.git && cp -R repo.git bad.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" bad.git main edit-field 3 actor mallory >/dev/null &&
	annal -C bad.git export --format html -o bad.html &&
	page bad.html &&
	grep "^verdict verification failed\$" bad.html.sum &&
	grep "class=\"log failed\"" bad.html &&
	grep "<code>hashMismatch</code>\|<code>[a-zA-Z]*</code> at record 3" bad.html
'

test_lazy_prereq SSH_KEYGEN 'ssh-keygen -? 2>&1 | grep -q -- -Y'

test_expect_success 'a bundle holds report.html, listed, hashed and signed' '
	annal keygen -f k -C exporter@example.com >/dev/null &&
	annal -C repo.git export --log main --bundle b.zip --format html --format csv --sign-key k &&
	python3 "$BUNDLE" list b.zip >members &&
	grep "^report.html\$" members &&
	python3 "$BUNDLE" cat b.zip SHA256SUMS >sums &&
	grep "^[0-9a-f]\{64\}  report.html\$" sums &&
	python3 "$BUNDLE" cat b.zip manifest.json | grep "\"formats\":\[\"jsonl\",\"csv\",\"html\"\]" &&
	python3 "$BUNDLE" cat b.zip report.html >b.html &&
	page b.html &&
	annal audit-verify --key k.pub b.zip
'

test_expect_success 'audit-verify: report.html changed, missing or unlisted fails' '
	python3 "$BUNDLE" forge b.zip flip.zip flip report.html &&
	test_expect_code 1 annal audit-verify --key k.pub flip.zip &&
	python3 "$BUNDLE" forge b.zip drop.zip --resign k drop report.html &&
	test_expect_code 1 annal audit-verify --key k.pub drop.zip 2>out &&
	grep "formats do not match the members (report.html)" out &&
	python3 "$BUNDLE" forge b.zip unlisted.zip --resign k \
		set-json manifest.json 0 formats "[\"jsonl\",\"csv\"]" &&
	test_expect_code 1 annal audit-verify --key k.pub unlisted.zip 2>out &&
	grep "formats do not match the members (report.html)" out
'

test_expect_success 'a bundle of several logs: one report.html at the top' '
	annal -C repo.git export --all --bundle all.zip --format html --sign-key k &&
	python3 "$BUNDLE" list all.zip >members &&
	test $(grep -c "report.html" members) = 1 &&
	grep "^report.html\$" members &&
	annal audit-verify --key k.pub all.zip
'

test_done
