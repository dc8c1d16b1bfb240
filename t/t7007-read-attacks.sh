#!/bin/sh

test_description='forged copies of records: readers never show them, verify reports them

An object id names content, but nothing makes libgit2 check that what it
reads under an id hashes to it (annal turns its check off: verify hashes
each object itself).  Two packs may hold different data under one id, and
libgit2 looks first in the pack where it found the previous object, so
verify and a reader could see different copies.  Every reader (log,
export, append) hashes what it reads and fails on a mismatch; verify reads
every copy of an object that two packs hold.  t/lib-pack.py writes the
packs: any data under any id.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3 || ! test_have_prereq GIT
then
	skip_all='python3 and git are needed to write forged packs'
	test_done
fi

# object_path REPO ID: the file of loose object ID
object_path () {
	echo "$1/objects/$(echo $2 | cut -c1-2)/$(echo $2 | cut -c3-)"
}

# two_packs FILE: t.git = q.git with records 3 and 4 in an older pack
# and record 5 with FILE under record 3's id in a newer one, their loose
# copies gone; the newer pack's name in newer
two_packs () {
	rm -rf t.git packs &&
	cp -R q.git t.git &&
	mkdir packs &&
	older=$(python3 "$TEST_DIRECTORY/lib-pack.py" packs "$R4:r4" "$R3:r3") &&
	newer=$(python3 "$TEST_DIRECTORY/lib-pack.py" packs "$R5:r5" "$R3:$1") &&
	cp packs/* t.git/objects/pack/ &&
	touch -d 2020-01-01 t.git/objects/pack/pack-$older.* &&
	echo "pack-$newer.pack" >newer &&
	rm -f "$(object_path t.git $R3)" "$(object_path t.git $R4)" \
		"$(object_path t.git $R5)"
}

# shows_only_truth CMD...: CMD exits 0 and prints record 3 as written,
# or exits 1 with one line saying record 3 does not hash to its id; it
# never prints the forgery (EVIL)
shows_only_truth () {
	"$@" >out 2>err
	rc=$?
	if test $rc = 0
	then
		grep act3 out >/dev/null || {
			echo "record 3 missing from: $*"
			return 1
		}
	elif test $rc = 1
	then
		test_line_count = 1 err &&
		grep "^annal: error: .*object $R3 does not hash to its id" err || {
			cat err
			return 1
		}
	else
		echo "exit $rc: $*"
		cat err
		return 1
	fi &&
	if grep EVIL out
	then
		echo "the forged record 3 was shown by: $*"
		return 1
	fi
}

# readers REPO: every reader of log s, each twice (the first run builds
# the seq index, the second jumps through it)
readers () {
	for run in 1 2
	do
		shows_only_truth annal -C "$1" log --log s --to-seq 3 &&
		shows_only_truth annal -C "$1" log --log s --format jsonl &&
		shows_only_truth annal -C "$1" log --log s --from-seq 3 --to-seq 3 &&
		shows_only_truth annal -C "$1" export --log s --to-seq 3 &&
		shows_only_truth annal -C "$1" export --log s || return 1
	done
}

test_expect_success 'setup' '
	annal keygen -f k -C k >/dev/null &&
	annal init q.git >/dev/null &&
	git -C q.git config annal.autoPack 0 &&
	for i in 1 2 3 4 5
	do
		annal -C q.git append --log s --sign-key k --actor alice \
			--action act$i >/dev/null || return 1
	done &&
	test_unpack_objects q.git &&
	git -C q.git rev-list refs/audit/s >ids &&
	R5=$(sed -n 1p ids) && R4=$(sed -n 2p ids) && R3=$(sed -n 3p ids) &&
	for r in 3 4 5
	do
		eval "git -C q.git cat-file commit \$R$r" >r$r || return 1
	done &&
	sed s/act3/EVIL/ r3 >forged &&
	! cmp r3 forged &&
	annal -C q.git verify --log s --key k.pub
'

test_expect_success 'lib-pack.py writes packs git reads' '
	two_packs r3 &&
	for p in t.git/objects/pack/pack-*.idx
	do
		git verify-pack "$p" || return 1
	done &&
	git -C t.git cat-file commit $R3 >got &&
	test_cmp r3 got
'

test_expect_success 'a forged copy of record 3 in a newer pack: readers never show it' '
	two_packs forged &&
	readers t.git
'

test_expect_success 'a forged copy of record 3 in a newer pack: verify reports it' '
	two_packs forged &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: log s: record 3 ($R3): objectHashMismatch: the copy in $(cat newer) does not hash to its id$" err &&
	test_expect_code 1 annal -C t.git verify --log s --format json >out &&
	python3 -c "
import json, sys
got = json.load(open(\"out\"))
log, = got[\"logs\"]
err = log[\"error\"]
assert got[\"ok\"] is False and log[\"ok\"] is False, got
assert err[\"check\"] == \"objectHashMismatch\", got
assert err[\"record\"] == 3 and err[\"commit\"] == sys.argv[1], got
assert sys.argv[2] in err[\"message\"], got
" $R3 "$(cat newer)"
'

test_expect_success 'a forged copy in a newer pack: append and export --bundle build on no forgery' '
	two_packs forged &&
	rm -f b.zip &&
	for run in 1 2
	do
		annal -C t.git export --log s --bundle b.zip --sign-key k >out 2>err
		case $? in
		0)
			annal audit-verify --key k.pub b.zip &&
			python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert not any(b\"EVIL\" in z.read(n) for n in z.namelist()), \"forgery exported\"
" b.zip ;;
		1)
			test_path_is_missing b.zip &&
			grep -e "^annal: error: .*object $R3 does not hash to its id" \
				-e "^annal: error: log s does not verify, no bundle written: record 3 ($R3): objectHashMismatch: " err ;;
		*)
			false ;;
		esac || return 1
		rm -f b.zip
	done &&
	annal -C t.git append --log s --sign-key k --actor alice --action act6 >id6 &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	grep "record 3 ($R3): objectHashMismatch" err
'

test_expect_success 'the good copy behind a version 1 pack index: verify still reports the forgery' '
	two_packs forged &&
	idx=t.git/objects/pack/pack-$older.idx &&
	rm -f "$idx" &&
	git index-pack --index-version=1 -o "$idx" "${idx%.idx}.pack" >/dev/null &&
	test "$(head -c 4 "$idx" | od -An -tx1 | tr -d " ")" != ff744f63 &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	grep "^annal: error: log s: record 3 ($R3): objectHashMismatch: the copy in $(cat newer) does not hash to its id$" err &&
	readers t.git
'

test_expect_success 'a multi-pack-index that names the forged copy: readers and verify agree' '
	two_packs forged &&
	git -C t.git multi-pack-index write &&
	test_path_is_file t.git/objects/pack/multi-pack-index &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	grep "^annal: error: log s: record 3 ($R3): objectHashMismatch: " err &&
	readers t.git
'

test_expect_success 'the same record in two packs, both copies good: no failure' '
	two_packs r3 &&
	annal -C t.git verify --log s --key k.pub &&
	readers t.git &&
	annal -C t.git log --log s --to-seq 3 >out &&
	grep act3 out
'

test_expect_success 'a copy that cannot be read, a good one in another pack: verify reports it' '
	two_packs r3 &&
	p=t.git/objects/pack/$(cat newer) &&
	python3 -c "
import sys
f = sys.argv[1]
d = bytearray(open(f, \"rb\").read())
d[-40] ^= 0xff  # in the zlib stream of the last object, record 3
open(f, \"wb\").write(d)
" "$p" &&
	test_must_fail git verify-pack "${p%.pack}.idx" &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log s: record 3 ($R3): objectHashMismatch: the copy in $(cat newer) cannot be read$" err &&
	for run in 1 2
	do
		annal -C t.git log --log s --to-seq 3 >out 2>err
		case $? in
		0) grep act3 out ;;
		1) grep "record $R3: cannot read an object" err ;;
		*) false ;;
		esac || return 1
	done
'

test_expect_success 'a pack index whose ids are out of order: unsafeRepository' '
	rm -rf t.git packs &&
	cp -R q.git t.git &&
	mkdir packs &&
	name=$(python3 "$TEST_DIRECTORY/lib-pack.py" --unsorted packs "$R5:r5" "$R3:forged") &&
	python3 "$TEST_DIRECTORY/lib-pack.py" packs "$R4:r4" >/dev/null &&
	cp packs/* t.git/objects/pack/ &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log s: unsafeRepository: the pack index .pack-$name.idx. lists its ids out of order" err
'

test_expect_success 'a forged loose record below the head: readers refuse it' '
	rm -rf t.git b.zip &&
	cp -R q.git t.git &&
	f=$(object_path t.git $R3) &&
	chmod u+w "$f" &&
	python3 -c "
import sys, zlib
d = open(sys.argv[2], \"rb\").read()
open(sys.argv[1], \"wb\").write(zlib.compress(b\"commit %d\\0\" % len(d) + d))
" "$f" forged &&
	git -C t.git cat-file commit $R3 >got &&
	test_cmp forged got &&
	for cmd in "log --log s" "log --log s --to-seq 3" "export --log s" \
		"export --log s --bundle b.zip --sign-key k"
	do
		test_expect_code 1 annal -C t.git $cmd >out 2>err &&
		test_line_count = 1 err &&
		grep "^annal: error: .*object $R3 does not hash to its id" err &&
		! grep EVIL out || return 1
	done &&
	test_path_is_missing b.zip &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub >out 2>err &&
	grep "record 3 ($R3): objectHashMismatch" err
'

test_expect_success 'a forged loose copy deep in a long log: readers reading ahead never show it' '
	annal init long.git >/dev/null &&
	git -C long.git config annal.autoPack 0 &&
	python3 -c "
for i in range(1, 301):
    print(\"{\\\"actor\\\":\\\"alice\\\",\\\"action\\\":\\\"act%d\\\"}\" % i)
" >long.ndjson &&
	annal -C long.git append --log s --stdin <long.ndjson >/dev/null &&
	test_unpack_objects long.git &&
	git -C long.git rev-list refs/audit/s >long-ids &&
	test_line_count = 300 long-ids &&
	deep=$(sed -n 290p long-ids) &&
	git -C long.git cat-file commit $deep >deep &&
	grep "\"act11\"" deep &&
	sed s/act11/EVIL/ deep >deep-forged &&
	f=$(object_path long.git $deep) &&
	chmod u+w "$f" &&
	python3 -c "
import sys, zlib
d = open(sys.argv[2], \"rb\").read()
open(sys.argv[1], \"wb\").write(zlib.compress(b\"commit %d\\0\" % len(d) + d))
" "$f" deep-forged &&
	for fmt in jsonl oneline
	do
		test_expect_code 1 annal -C long.git log --log s --format $fmt >out 2>err &&
		test_line_count = 1 err &&
		grep "^annal: error: .*object $deep does not hash to its id" err &&
		grep -w act12 out &&
		! grep -w -e EVIL -e act11 out || return 1
	done
'

test_done
