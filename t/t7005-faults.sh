#!/bin/sh

test_description='a damaged or read-only repository: clear errors, never a crash

append, log, export and key rotate on a read-only repository, and on one
with a missing object, a corrupt loose object, a corrupt pack, or a ref
that names a blob, a tree, a missing object or holds garbage: each exits
with a documented status (1 when stored data is damaged, 3 when the
repository cannot be written) and one annal: error line naming what is
wrong; none dies by a signal.  verify names the failure; t3001 checks
its ids in detail.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-fault.sh"

if ! test_have_prereq GIT
then
	skip_all='git is not available'
	test_done
fi

# As root, permissions do not stop writes: a read-only bind mount does.
test_lazy_prereq TIMEOUT 'timeout 5 true'
test_lazy_prereq RO_BIND '
	test "$(id -u)" = 0 &&
	mkdir src dst &&
	mount --bind src dst &&
	{ mount -o remount,bind,ro dst && ! touch dst/f 2>/dev/null; ok=$?; umount dst; } &&
	test $ok = 0
'


# damaged REPO WHAT: every command reading the log of REPO fails with
# exit 1 naming WHAT (log may print the records above the damage first)
damaged () {
	fails 1 "$2" annal -C "$1" append --actor k --action more &&
	fails 1 "$2" annal -C "$1" append --stdin <batch &&
	fails 1 "$2" annal -C "$1" log &&
	fails 1 "$2" annal -C "$1" export &&
	fails 1 "$2" annal -C "$1" export --bundle b.zip --sign-key k1 &&
	test_path_is_missing b.zip &&
	test_expect_code 1 annal -C "$1" verify >out 2>err &&
	grep -E "^annal: error: log main: (.*: )?[a-z][A-Za-z]+: " err
}

# damaged_below REPO WHAT: the head is fine, a record below it is not:
# appends still work (they read the head only), the rest fails naming it
damaged_below () {
	annal -C "$1" append --actor k --action more >/dev/null &&
	fails 1 "$2" annal -C "$1" log --format oneline &&
	fails 1 "$2" annal -C "$1" export &&
	fails 1 "$2" annal -C "$1" export --bundle b.zip --sign-key k1 &&
	test_path_is_missing b.zip &&
	test_expect_code 1 annal -C "$1" verify >out 2>err &&
	grep -E "^annal: error: log main: (.*: )?[a-z][A-Za-z]+: " err
}

# storage_refuses REPO: the storage checker of test-lib.sh, which reads
# the log with git cat-file, agrees that the log of REPO is damaged
storage_refuses () {
	test_have_prereq PYTHON3 || return 0
	if annal_check_log "$1" >storage.out 2>&1
	then
		echo "the storage checker accepts the damaged log of $1"
		return 1
	fi
}

# loose_path REPO ID: the file of loose object ID
loose_path () {
	echo "$1/objects/$(echo $2 | cut -c1-2)/$(echo $2 | cut -c3-)"
}

test_expect_success 'setup' '
	annal keygen -f k1 -C k1 >/dev/null &&
	annal keygen -f k2 -C k2 >/dev/null &&
	echo "{\"actor\":\"b\",\"action\":\"x\"}" >batch &&
	annal init loose.git >/dev/null &&
	git -C loose.git config annal.autoPack 0 &&
	for i in 1 2 3 4 5
	do
		annal -C loose.git append --actor k --action a$i >>loose-ids || return 1
	done &&
	test_unpack_objects loose.git &&
	annal init packed.git >/dev/null &&
	for i in $(test_seq 50)
	do
		echo "{\"actor\":\"b\",\"action\":\"b$i\",\"n\":\"$i\"}" || return 1
	done >batch50 &&
	annal -C packed.git append --stdin <batch50 >packed-ids &&
	ls packed.git/objects/pack/pack-*.pack >packs &&
	test_line_count = 1 packs &&
	annal init signed.git >/dev/null &&
	annal -C signed.git append --sign-key k1 --actor k --action first >/dev/null
'

test_expect_success 'the missing head object: exit 1 naming it' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	head=$(sed -n 5p loose-ids) &&
	rm "$(loose_path t.git $head)" &&
	damaged t.git "$head.*is missing" &&
	storage_refuses t.git &&
	fails 1 "head $head cannot be read: object $head is missing; run .annal verify." \
		annal -C t.git append --actor k --action more
'

test_expect_success 'a missing object below the head: log and export name it' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	mid=$(sed -n 3p loose-ids) &&
	rm "$(loose_path t.git $mid)" &&
	damaged_below t.git "record $mid: object $mid is missing" &&
	storage_refuses t.git
'

test_expect_success 'a corrupt loose head object: exit 1 naming it' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	head=$(sed -n 5p loose-ids) &&
	f=$(loose_path t.git $head) &&
	chmod u+w "$f" &&
	printf "garbage" >"$f" &&
	damaged t.git "$head.*inflate" &&
	storage_refuses t.git
'

test_expect_success 'a truncated loose object below the head: no endless inflate' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	mid=$(sed -n 2p loose-ids) &&
	f=$(loose_path t.git $mid) &&
	chmod u+w "$f" &&
	head -c 10 "$(loose_path loose.git $mid)" >"$f" &&
	damaged_below t.git "record $mid: cannot read an object: loose object is truncated" &&
	storage_refuses t.git
'

test_expect_success 'a truncated loose head object' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	head=$(sed -n 5p loose-ids) &&
	f=$(loose_path t.git $head) &&
	chmod u+w "$f" &&
	head -c 20 "$(loose_path loose.git $head)" >"$f" &&
	damaged t.git "$head.*loose object is truncated" &&
	storage_refuses t.git
'

test_expect_success TIMEOUT 'a FIFO in place of the loose head object: damage, no hang' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	head=$(sed -n 5p loose-ids) &&
	f=$(loose_path t.git $head) &&
	rm -f "$f" &&
	mkfifo "$f" &&
	fails 1 "$head.*loose object is not a regular file" timeout 60 annal -C t.git verify &&
	grep objectHashMismatch err &&
	fails 1 "$head.*loose object is not a regular file" timeout 60 annal -C t.git log &&
	fails 1 "$head.*loose object is not a regular file" \
		timeout 60 annal -C t.git log --to-seq 2 &&
	fails 1 "$head.*loose object is not a regular file" timeout 60 annal -C t.git export &&
	fails 1 "$head.*loose object is not a regular file" \
		timeout 60 annal -C t.git append --actor k --action more
'

test_expect_success TIMEOUT 'a FIFO in place of a loose object below the head' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	mid=$(sed -n 3p loose-ids) &&
	f=$(loose_path t.git $mid) &&
	rm -f "$f" &&
	mkfifo "$f" &&
	fails 1 "record $mid: cannot read an object: loose object is not a regular file" \
		timeout 60 annal -C t.git log &&
	fails 1 "record $mid: objectHashMismatch: .*not a regular file" \
		timeout 60 annal -C t.git verify &&
	timeout 60 annal -C t.git log -n 2 --format oneline >out &&
	test_line_count = 2 out
'

for what in pack idx multi-pack-index HEAD config
do
	test_expect_success TIMEOUT "a FIFO in place of the $what file: damage, no hang" '
		cp -R packed.git t.git &&
		test_when_finished "rm -rf t.git" &&
		case '$what' in
		pack | idx) f=$(ls t.git/objects/pack/pack-*.'$what') ;;
		multi-pack-index) f=t.git/objects/pack/multi-pack-index ;;
		*) f=t.git/'$what' ;;
		esac &&
		rm -f "$f" &&
		mkfifo "$f" &&
		fails 1 "${f#t.git/}. is not a regular file" timeout 60 annal -C t.git verify &&
		fails 1 "${f#t.git/}. is not a regular file" timeout 60 annal -C t.git log &&
		fails 1 "${f#t.git/}. is not a regular file" \
			timeout 60 annal -C t.git append --actor k --action more
	'
done

test_expect_success TIMEOUT 'a FIFO in place of the ref file or packed-refs: damage' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	git -C t.git pack-refs --all &&
	rm -f t.git/packed-refs &&
	mkfifo t.git/packed-refs &&
	fails 1 "packed-refs. is not a regular file" timeout 60 annal -C t.git verify --all &&
	fails 1 "badRef: .packed-refs. is not a regular file" timeout 60 annal -C t.git verify &&
	fails 1 "packed-refs. is not a regular file" timeout 60 annal -C t.git log &&
	fails 1 "packed-refs. is not a regular file" \
		timeout 60 annal -C t.git append --actor k --action more &&
	rm t.git/packed-refs &&
	mkfifo t.git/refs/audit/main &&
	fails 1 "refs/audit/main. is not a regular file" timeout 60 annal -C t.git verify &&
	fails 1 "refs/audit/main. is not a regular file" timeout 60 annal -C t.git log &&
	fails 1 "refs/audit/main. is not a regular file" \
		timeout 60 annal -C t.git append --actor k --action more
'

test_expect_success PYTHON3 'a head object that inflates but has other content' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	head=$(sed -n 5p loose-ids) &&
	f=$(loose_path t.git $head) &&
	chmod u+w "$f" &&
	python3 -c "
import sys, zlib
f = sys.argv[1]
d = zlib.decompress(open(f, \"rb\").read())
open(f, \"wb\").write(zlib.compress(d.replace(b\"a5\", b\"a6\")))
" "$f" &&
	old=$(git -C t.git rev-parse refs/audit/main) &&
	fails 1 "head $head cannot be read: object $head does not hash to its id; run .annal verify." \
		annal -C t.git append --actor k --action more &&
	fails 1 "head $head cannot be read: object $head does not hash to its id" \
		annal -C t.git append --stdin <batch &&
	fails 1 "record $head: object $head does not hash to its id" annal -C t.git log &&
	fails 1 "record $head: object $head does not hash to its id" annal -C t.git export &&
	test "$(git -C t.git rev-parse refs/audit/main)" = "$old" &&
	test_expect_code 1 annal -C t.git verify >out 2>err &&
	grep "objectHashMismatch" err
'

test_expect_success 'a corrupt pack: bytes flipped in the middle' '
	cp -R packed.git t.git &&
	test_when_finished "rm -rf t.git" &&
	p=$(ls t.git/objects/pack/pack-*.pack) &&
	chmod u+w "$p" &&
	size=$(wc -c <"$p") &&
	printf "\377\377\377\377\377\377\377\377" |
	dd of="$p" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null &&
	damaged_below t.git "cannot read an object" &&
	storage_refuses t.git
'

test_expect_success 'a corrupt pack: bytes flipped in the head record' '
	cp -R packed.git t.git &&
	test_when_finished "rm -rf t.git" &&
	p=$(ls t.git/objects/pack/pack-*.pack) &&
	chmod u+w "$p" &&
	size=$(wc -c <"$p") &&
	printf "\377\377\377\377" |
	dd of="$p" bs=1 seek=$((size - 30)) conv=notrunc 2>/dev/null &&
	damaged t.git "$(tail -n 1 packed-ids)" &&
	storage_refuses t.git
'

test_expect_success 'a truncated pack: its objects are missing' '
	cp -R packed.git t.git &&
	test_when_finished "rm -rf t.git" &&
	p=$(ls t.git/objects/pack/pack-*.pack) &&
	chmod u+w "$p" &&
	size=$(wc -c <"$p") &&
	head -c $((size / 2)) "$(ls packed.git/objects/pack/pack-*.pack)" >"$p" &&
	damaged t.git "is missing" &&
	storage_refuses t.git
'

test_expect_success 'a garbage pack index: its objects are missing' '
	cp -R packed.git t.git &&
	test_when_finished "rm -rf t.git" &&
	i=$(ls t.git/objects/pack/pack-*.idx) &&
	chmod u+w "$i" &&
	printf "garbage" >"$i" &&
	damaged t.git "is missing" &&
	storage_refuses t.git
'

test_expect_success 'the ref names a blob' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	blob=$(echo hello | git -C t.git hash-object -w --stdin) &&
	git -C t.git update-ref refs/audit/main $blob &&
	fails 1 "head $blob is a blob, not a record" \
		annal -C t.git append --actor k --action more &&
	damaged t.git "$blob" &&
	storage_refuses t.git
'

test_expect_success 'the ref names a tree' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	tree=$(git -C t.git hash-object -t tree -w --stdin </dev/null) &&
	git -C t.git update-ref refs/audit/main $tree &&
	fails 1 "head $tree is a tree, not a record" \
		annal -C t.git append --actor k --action more &&
	damaged t.git "$tree" &&
	storage_refuses t.git
'

test_expect_success 'the ref names an object that does not exist' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	echo 1234567890123456789012345678901234567890 >t.git/refs/audit/main &&
	damaged t.git "1234567890123456789012345678901234567890.*is missing" &&
	storage_refuses t.git
'

test_expect_success 'the ref file holds garbage: badRef' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	echo "not an id" >t.git/refs/audit/main &&
	damaged t.git "refs/audit/main. is not a valid ref" &&
	grep "badRef" err
'

test_expect_success 'the ref is symbolic: badRef' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	echo "ref: refs/audit/other" >t.git/refs/audit/main &&
	damaged t.git "refs/audit/main. is a symbolic reference" &&
	grep "badRef" err
'

# damage_packed_refs REPO HOW: pack REPO's refs, then damage the line of
# refs/audit/main in packed-refs as HOW says
damage_packed_refs () {
	git -C "$1" pack-refs --all &&
	test_path_is_missing "$1/refs/audit/main" &&
	python3 - "$1/packed-refs" "$2" <<-\PY
	import sys
	path, how = sys.argv[1], sys.argv[2]
	data = open(path, "rb").read()
	lines = data.split(b"\n")
	i = [n for n, l in enumerate(lines) if l.endswith(b" refs/audit/main")][0]
	oid = lines[i][:40]
	lines[i] = {
	    "garbage": b"zzzz refs/audit/main",
	    "short": oid[:20] + b" refs/audit/main",
	    "badhex": oid[:39] + b"g refs/audit/main",
	    "nospace": oid + b"refs/audit/main",
	    "twospaces": oid + b"  refs/audit/main",
	    "peeled-first": b"^" + oid,
	}.get(how, lines[i])
	data = b"\n".join(lines)
	if how == "unterminated":
	    data = data.rstrip(b"\n")
	open(path, "wb").write(data)
	PY
}

for how in garbage short badhex nospace twospaces peeled-first unterminated
do
	test_expect_success PYTHON3 "packed-refs damaged ($how): exit 1, not 'no such log'" '
		cp -R loose.git t.git &&
		test_when_finished "rm -rf t.git" &&
		damage_packed_refs t.git '$how' &&
		damaged t.git "packed" &&
		fails 1 "packed" annal -C t.git verify --all &&
		fails 1 "packed" annal -C t.git append --log new --actor k --action first &&
		test_must_fail git -C t.git show-ref
	'
done

test_expect_success PYTHON3 'packed refs git can read: a packed log works' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	git -C t.git tag -a -m t v1 $(sed -n 1p loose-ids) &&
	git -C t.git pack-refs --all &&
	grep "^\^" t.git/packed-refs &&
	annal -C t.git verify --all &&
	annal -C t.git append --actor k --action more >/dev/null &&
	annal -C t.git log --format oneline >out &&
	test_line_count = 6 out
'

# read_only REPO WHY [DIR [RUN]]: appends and rotations exit 3 naming
# WHY and write nothing; reading works; export warns that it could not
# record itself.  Its bundle goes to DIR (default .), signed by DIR/k1;
# every annal runs through RUN (as_unprivileged), if given.
read_only () {
	ro_dir=${3:-.} ro_run=$4 &&
	old=$(git -C "$1" rev-parse refs/audit/main) &&
	fails 3 "$2" $ro_run annal -C "$1" append --actor k --action more &&
	fails 3 "$2" $ro_run annal -C "$1" append --stdin <batch &&
	fails 3 "$2" $ro_run annal -C "$1" append --stdin <batch50 &&
	fails 3 "$2" $ro_run annal -C "$1" append --stdin --stream <batch50 &&
	test_must_be_empty out &&
	fails 3 "$2" $ro_run annal -C "$1" pack &&
	test "$(git -C "$1" rev-parse refs/audit/main)" = "$old" &&
	$ro_run annal -C "$1" log --format oneline >log.out &&
	test_line_count = 5 log.out &&
	$ro_run annal -C "$1" log --to-seq 2 --format oneline >log.out &&
	test_line_count = 2 log.out &&
	test_path_is_missing "$1/annal" &&
	$ro_run annal -C "$1" verify &&
	$ro_run annal -C "$1" export >export.out 2>err &&
	test_line_count = 5 export.out &&
	grep "^annal: warning: export not recorded: the repository is not writable" err &&
	$ro_run annal -C "$1" export --bundle "$ro_dir/ro.zip" --sign-key "$ro_dir/k1" 2>err &&
	test_path_is_file "$ro_dir/ro.zip" &&
	grep "^annal: warning: export not recorded" err &&
	rm "$ro_dir/ro.zip"
}

test_expect_success RO_BIND 'a read-only repository (bind mount): exit 3' '
	cp -R loose.git rw.git &&
	mkdir ro.git &&
	mount --bind rw.git ro.git &&
	test_when_finished "umount \"$(pwd)/ro.git\"" &&
	mount -o remount,bind,ro ro.git &&
	read_only ro.git "Read-only file system"
'

test_expect_success RO_BIND 'a read-only signed repository: key rotate exits 3' '
	cp -R signed.git rws.git &&
	mkdir ros.git &&
	mount --bind rws.git ros.git &&
	test_when_finished "umount \"$(pwd)/ros.git\"" &&
	mount -o remount,bind,ro ros.git &&
	fails 3 "Read-only file system" \
		annal -C ros.git key rotate --new-key k2.pub --sign-key k1 &&
	annal -C ros.git key list >keys &&
	test_line_count = 1 keys
'

# As root, the repository is read by nobody (CI runs as root).
test_expect_success UNPRIVILEGED 'a read-only repository (permissions): exit 3' '
	cp -R loose.git perm.git &&
	chmod -R a-w perm.git &&
	test_when_finished "chmod -R u+w perm.git" &&
	mkdir -m 1777 perm.out &&
	cp k1 perm.out/k1 &&
	give_unprivileged perm.out/k1 &&
	read_only perm.git "Permission denied" perm.out as_unprivileged
'

test_expect_success 'a repository git says it cannot read: exit 3 naming why' '
	cp -R loose.git t.git &&
	test_when_finished "rm -rf t.git" &&
	git -C t.git config core.repositoryformatversion 1 &&
	git -C t.git config extensions.objectFormat sha256 &&
	fails 3 "cannot open the repository .t.git.: .*objectformat" \
		annal -C t.git append --actor k --action more &&
	fails 3 "cannot open the repository .t.git.: .*objectformat" annal -C t.git verify &&
	fails 3 "cannot open the repository .t.git.: .*objectformat" annal -C t.git log &&
	test_must_fail git -C t.git cat-file -e $(sed -n 5p loose-ids)
'

test_lazy_prereq STRACE_INJECT '
	strace -f -o /dev/null -e trace=getppid -e inject=getppid:error=EIO true
'

test_expect_success STRACE_INJECT 'a ref that cannot be locked: that first error is the one reported' '
	annal init cas.git >/dev/null &&
	annal -C cas.git append --actor k --action one >/dev/null &&
	git -C cas.git rev-parse refs/audit/main >before &&
	: >cas.git/packed-refs &&
	: "every open after the first of packed-refs and of the ref lock fails: the" &&
	: "lock, then the check of packed-refs that used to replace the message" &&
	test_expect_code 3 test_strace -f -o trace -P "$TRASH_DIRECTORY/cas.git/packed-refs" \
		-P "$TRASH_DIRECTORY/cas.git/refs/audit/main.lock" \
		-e trace=openat -e inject=openat:error=EIO:when=2+ \
		annal -C cas.git append --actor k --action two >out 2>err &&
	grep "refs/audit/main.lock.*INJECTED" trace &&
	grep "packed-refs.*O_NONBLOCK.*INJECTED" trace &&
	test_line_count = 1 err &&
	grep "^annal: error: cannot update the log.s ref: .*main\.lock.*: Input/output error\$" err &&
	git -C cas.git rev-parse refs/audit/main >after &&
	test_cmp before after
'

test_done
