#!/bin/sh

test_description='characters unsafe on a terminal in messages and reports

Ref names, bundle member names, record content quoted in errors, file
names and arguments can hold control, bidirectional and invisible
characters.  Every error line and every report for people shows them
escaped as annal-log(1) describes; JSON reports stay valid.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is needed to make and check the text'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
TEXT="$TEST_DIRECTORY/lib-text.py"
LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"
RLO=$(printf "\342\200\256")

# safe FILE...: no raw unsafe character, valid UTF-8
safe () {
	python3 "$TEXT" check "$@"
}

test_expect_success 'setup' '
	annal_repo_init &&
	annal append --actor alice --action login >ids &&
	head=$(cat ids) &&
	for c in c0 del c1 bidi separator invisible
	do
		python3 "$TEXT" sample $c >$c.txt || return 1
	done
'

# Refs written as files: git refuses some of these names.
test_expect_success 'verify --all: ref names with each class, escaped' '
	test_when_finished "rm -f repo.git/refs/audit/*-* repo.git/refs/audit/x*" &&
	for c in c0 del c1 bidi separator invisible
	do
		echo $head >"repo.git/refs/audit/$c-$(cat $c.txt)" || return 1
	done &&
	echo $head >"repo.git/refs/audit/$(printf "x\377y")" &&
	test_expect_code 1 annal verify --all >out 2>err &&
	safe out err &&
	test_line_count = 7 err &&
	grep "^annal: error: log bidi-\\\\u202a.*\\\\u200f: badRef: .refs/audit/bidi-\\\\u202a" err &&
	grep "^annal: error: log c1-\\\\u0085\\\\u009b31m\\\\u009d: badRef: " err &&
	grep "^annal: error: log x\\\\xffy: badRef: .refs/audit/x\\\\xffy. is not" err &&
	test_expect_code 1 annal verify --all --format json >out 2>err &&
	test_must_be_empty err &&
	safe out &&
	python3 -c "
import json
got = json.loads(open(\"out\", \"rb\").read().decode(\"utf-8\"))
names = sorted(l[\"log\"] for l in got[\"logs\"] if not l[\"ok\"])
assert names[0].startswith(\"bidi-\\\\u202a\"), names
assert \"x\\\\xffy\" in names, names
"
'

test_expect_success 'a log name given with U+202E: the error escapes it' '
	test_expect_code 2 annal log --log "a${RLO}b" >out 2>err &&
	safe err &&
	grep "a\\\\u202eb" err
'

test_expect_success 'append --stdin: a duplicate key quoted escaped' '
	printf "{\"actor\":\"a\",\"action\":\"b\",\"k%s\":1,\"k%s\":2}\n" \
		"$RLO" "$RLO" >in &&
	test_expect_code 2 annal append --stdin <in >out 2>err &&
	safe err &&
	grep "^annal: error: stdin line 1: invalid JSON: duplicate key .k\\\\u202e.\$" err
'

# The names of a zip without the UTF-8 flag reach annal as bytes (with it,
# libarchive cannot convert them in the C locale, and names none).
test_expect_success 'audit-verify: a member name with U+202E and C1' '
	annal keygen -f k >/dev/null &&
	annal export --bundle good.zip --sign-key k >/dev/null &&
	python3 "$LIB_BUNDLE" forge good.zip flagged.zip \
		add "$(printf "evil%sgpj.exe\302\233" "$RLO")" x &&
	cat >no-utf8-flag.py <<-\EOF &&
	# no-utf8-flag.py IN OUT: clear bit 11 (names are UTF-8) everywhere
	import struct, sys, zipfile
	data = bytearray(open(sys.argv[1], "rb").read())
	for info in zipfile.ZipFile(sys.argv[1]).infolist():
	    data[info.header_offset + 7] &= ~0x08
	end = data.rindex(b"PK\x05\x06")
	n, size, pos = struct.unpack("<HII", data[end + 10:end + 20])
	for _ in range(n):
	    data[pos + 9] &= ~0x08
	    pos += 46 + sum(struct.unpack("<HHH", data[pos + 28:pos + 34]))
	open(sys.argv[2], "wb").write(data)
	EOF
	python3 no-utf8-flag.py flagged.zip bad.zip &&
	test_expect_code 1 annal audit-verify --unpinned bad.zip >out 2>err &&
	safe err &&
	grep "unexpected member .evil\\\\u202egpj.exe\\\\u009b." err &&
	test_expect_code 1 annal audit-verify --unpinned --format json bad.zip >out 2>err &&
	safe out &&
	python3 -c "
import json
got = json.loads(open(\"out\", \"rb\").read().decode(\"utf-8\"))
assert \"evil\\\\u202egpj.exe\\\\u009b\" in got[\"error\"], got
"
'

test_expect_success 'arguments quoted in usage errors are escaped' '
	test_expect_code 2 annal "x${RLO}y" 2>err &&
	safe err &&
	grep "^annal: error: .x\\\\u202ey. is not an annal command" err &&
	test_expect_code 2 annal "--x${RLO}" 2>err &&
	safe err &&
	grep "^annal: error: unknown option .--x\\\\u202e.\$" err &&
	test_expect_code 2 annal help "x${RLO}" 2>err &&
	safe err &&
	grep "^annal: error: .x\\\\u202e. is not an annal command\$" err &&
	test_expect_code 2 annal log "$(printf "x\033[2J")" 2>err &&
	safe err &&
	grep "^annal: error: unexpected argument .x\\\\u001b\[2J.\$" err &&
	test_expect_code 2 annal log "--x$(printf "\302\233")1m" 2>err &&
	safe err &&
	grep "^annal: error: unknown option .x\\\\u009b1m.; see .annal log -h.\$" err &&
	test_expect_code 2 annal log -n "1${RLO}" 2>err &&
	safe err &&
	grep "^annal: error: option .--max-count. expects a non-negative integer, not .1\\\\u202e.; see .annal log -h.\$" err &&
	test_expect_code 2 annal log --format "x${RLO}" 2>err &&
	safe err &&
	grep "^annal: error: unknown format .x\\\\u202e. " err
'

test_expect_success 'file names in errors and reports are escaped' '
	: >"out${RLO}.txt" &&
	test_expect_code 2 annal export -o "out${RLO}.txt" 2>err &&
	safe err &&
	grep "^annal: error: .out\\\\u202e.txt. already exists\$" err &&
	test_expect_code 3 annal export -o "no${RLO}/x" 2>err &&
	safe err &&
	grep "^annal: error: cannot create .no\\\\u202e/x.: " err &&
	annal init "r${RLO}.git" >out &&
	safe out &&
	grep "^Initialized empty annal repository in .*/r\\\\u202e.git/\$" out &&
	annal keygen -f "k${RLO}" -C "c${RLO}" >out &&
	safe out &&
	grep "^Wrote k\\\\u202e and k\\\\u202e.pub\$" out &&
	grep " c\\\\u202e (ED25519)\$" out &&
	cp good.zip "b${RLO}.zip" &&
	annal audit-verify --unpinned "b${RLO}.zip" >out 2>err &&
	safe out &&
	grep "^bundle: b\\\\u202e.zip\$" out &&
	cp bad.zip "b${RLO}.zip" &&
	test_expect_code 1 annal audit-verify --unpinned "b${RLO}.zip" >out 2>err &&
	safe err &&
	grep "^annal: error: bundle b\\\\u202e.zip: unexpected member" err
'

test_done
