#!/bin/sh

test_description='annal export --format html in a real browser

Headless Chromium opens the report from a file with the network off (a
network namespace of its own when unshare(1) can make one, and in any
case a proxy and resolver that lead nowhere): the DOM it builds must be
what python'"'"'s parser reads in the file (the same rows, counts and
text, hostile values as text, no element a record injected), and a
screenshot must be a PNG of the page.  Two browser runs in all.'

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq CHROMIUM 'chromium --version'
if ! test_have_prereq CHROMIUM || ! test_have_prereq PYTHON3
then
	skip_all='chromium and python3 are needed (apt-get install chromium)'
	test_done
fi

HTML="$TEST_DIRECTORY/lib-html.py"

# browse <chromium options>...: headless, offline, a profile of its own
browse () {
	offline= &&
	if unshare -rn true 2>/dev/null
	then
		offline="unshare -rn"
	fi &&
	$offline timeout 300 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--no-first-run --disable-sync --disable-extensions \
		--user-data-dir="$TRASH_DIRECTORY/profile" \
		--proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
		"$@" 2>>browser.err
}

test_expect_success 'setup: a report of hostile records' '
	annal init repo.git &&
	annal -C repo.git append --actor "<script>alert(1)</script>" \
		--action "\"><img src=x onerror=alert(1)>" --target "</style><b>x</b>" \
		--decision "blocked" --reason "$(printf "\\033[31m\\342\\200\\256evil")" >id1 &&
	annal -C repo.git append --actor alice --action "x{width:expression(alert(1))}" \
		--decision allowed --field "before:={\"<i>\":1}" --field "after:={\"<i>\":2}" &&
	annal -C repo.git append --actor alice --action fix --decision held \
		--corrects "$(cat id1)" &&
	annal -C repo.git export --format html -o report.html &&
	python3 "$HTML" check report.html &&
	python3 "$HTML" summary report.html >expect
'

test_expect_success 'the DOM Chromium builds: the rows and text of the file, nothing injected' '
	browse --dump-dom "file://$TRASH_DIRECTORY/report.html" >dom.html &&
	python3 "$HTML" check dom.html &&
	python3 "$HTML" summary dom.html >actual &&
	test_cmp expect actual &&
	grep "^records 3\$" actual &&
	test $(grep -c "^row " actual) = 3 &&
	grep -F "row |1|" actual | grep -F "|<script>alert(1)</script>|\"><img src=x onerror=alert(1)>|</style><b>x</b>|blocked|\\\\u001b[31m\\\\u202eevil" &&
	grep "^actor <script>alert(1)</script> 1\$" actual &&
	grep "<title>Audit report</title>" dom.html
'

test_expect_success 'a screenshot: a PNG of the page' '
	browse --window-size=1280,1600 --screenshot="$TRASH_DIRECTORY/shot.png" \
		"file://$TRASH_DIRECTORY/report.html" >/dev/null &&
	python3 -c "
import struct, sys
d = open(\"shot.png\", \"rb\").read()
assert d[:8] == b\"\\x89PNG\\r\\n\\x1a\\n\", \"not a PNG\"
w, h = struct.unpack(\">II\", d[16:24])
assert (w, h) == (1280, 1600), (w, h)
assert len(d) > 20000, len(d)
"
'

test_done
