#!/bin/sh

test_description='the seq index under attack

The seq index (annal/index/<log>) is a cache that log --to-seq jumps
through.  Someone who can write the repository can rewrite it: an entry
forged on its own is caught by log itself and repaired; a whole forged
chain of entries ending at the real head is caught by verify
(indexMismatch).  A head whose seq the chain does not bear out is damage,
not a heap overflow.  log never writes through a symbolic link, into a
FIFO, or into a repository that is not the user'"'"'s own, and verify never
writes at all.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-fault.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

if ! test_have_prereq GIT || ! test_have_prereq PYTHON3
then
	skip_all='git or python3 is not available'
	test_done
fi

test_lazy_prereq TIMEOUT 'timeout 5 true'
# root can hand a repository to another user
test_lazy_prereq CHOWN '
	test "$(id -u)" = 0 && id nobody >/dev/null 2>&1 &&
	mkdir d && chown nobody d
'


# actions REPO TO [LOG]: the actions log --to-seq TO shows, newest first
# (annal run through $actions_run, if set)
actions () {
	$actions_run annal -C "$1" log --log "${3:-s}" --to-seq "$2" --format jsonl >actions.json &&
	python3 -c "
import json, sys
for l in open(\"actions.json\"):
    print(json.loads(l)[\"action\"])
"
}

# set_index REPO LOG ID...: write LOG's index holding these ids, in order
set_index () {
	python3 - "$@" <<-\PY
	import os, sys
	repo, log, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
	p = os.path.join(repo, "annal", "index", log)
	os.makedirs(os.path.dirname(p), exist_ok=True)
	with open(p, "wb") as f:
	    f.write(b"ANNALIDX" + bytes(7) + b"\x01")
	    for i in ids:
	        f.write(bytes.fromhex(i))
	PY
}

# forge REPO ID PARENT: a copy of record ID with its action renamed
# (actN -> FRGN), its signature dropped and PARENT (or none) as parent
forge () {
	git -C "$1" cat-file commit "$2" |
	sed -e "/^gpgsig/,/END SSH SIGNATURE/d" -e "s/\"act\([0-9]\)\"/\"FRG\1\"/" \
		-e "/^parent /d" >forged.txt &&
	if test -n "$3"
	then
		sed -e "1a\\
parent $3" forged.txt >forged2.txt &&
		mv forged2.txt forged.txt
	fi &&
	git -C "$1" hash-object -t commit -w --literally --stdin <forged.txt
}

test_expect_success 'setup' '
	annal keygen -f k -C k >/dev/null &&
	annal init repo.git >/dev/null &&
	for i in 1 2 3 4 5 6 7 8
	do
		annal -C repo.git append --log s --sign-key k --actor alice \
			--action act$i --target t$i >>ids || return 1
	done &&
	printf "act%s\n" 3 2 1 >expect3 &&
	actions repo.git 3 >out &&
	test_cmp expect3 out &&
	test_path_is_file repo.git/annal/index/s &&
	annal -C repo.git verify --log s --key k.pub &&
	ssh_allowed allowed "" k.pub
'

# log_intact REPO: a forged index is annal's cache, not the log: the log
# itself is still valid to the storage checker, git fsck --strict and git
# verify-commit on every record
log_intact () {
	if test_have_prereq GITSSH
	then
		annal_oracles "$1" s allowed
	else
		git -C "$1" fsck --strict --no-dangling
	fi
}

test_expect_success 'one forged entry: verify fails with indexMismatch at its seq' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	f=$(forge t.git $(sed -n 3p ids) $(sed -n 2p ids)) &&
	set_index t.git s $(sed -n 1,2p ids) $f $(sed -n 4,8p ids) &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub 2>err &&
	grep "^annal: error: log s: record 3 ($(sed -n 3p ids)): indexMismatch: .*$f" err &&
	test_expect_code 1 annal -C t.git verify --log s --format json >json &&
	json_get logs <json >logs &&
	python3 -c "
import json, sys
e = json.load(open(\"logs\"))[0][\"error\"]
assert e[\"check\"] == \"indexMismatch\" and e[\"record\"] == 3, e
assert e[\"commit\"] == sys.argv[1], e
" $(sed -n 3p ids) &&
	test_expect_code 1 annal -C t.git verify --all >out 2>err &&
	grep indexMismatch err &&
	log_intact t.git
'

test_expect_success 'one forged entry: log does not show it, and repairs the index' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	f=$(forge t.git $(sed -n 3p ids) $(sed -n 2p ids)) &&
	set_index t.git s $(sed -n 1,2p ids) $f $(sed -n 4,8p ids) &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	annal -C t.git verify --log s --key k.pub
'

test_expect_success 'an index ending at the head, its last entry forged: log walks' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	f=$(forge t.git $(sed -n 7p ids) $(sed -n 6p ids)) &&
	set_index t.git s $(sed -n 1,6p ids) $f $(sed -n 8p ids) &&
	printf "act%s\n" 7 6 5 4 3 2 1 >expect &&
	actions t.git 7 >out &&
	test_cmp expect out
'

test_expect_success 'a consistently forged index: verify fails at its first entry' '
	# a forged chain F1..F7 and the real head: each entry has the seq it
	# is looked up for, and the next entry names it as its parent, so
	# that log --to-seq 3 shows F3 F2 F1 (annal-log(1) says so); verify
	# compares every entry with the chain
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm -f forged-ids &&
	prev= &&
	for i in 1 2 3 4 5 6 7
	do
		prev=$(forge t.git $(sed -n ${i}p ids) $prev) &&
		echo $prev >>forged-ids || return 1
	done &&
	set_index t.git s $(cat forged-ids) $(sed -n 8p ids) &&
	test_expect_code 1 annal -C t.git verify --log s --key k.pub 2>err &&
	grep "^annal: error: log s: record 1 ($(sed -n 1p ids)): indexMismatch: .*$(sed -n 1p forged-ids)" err &&
	test_expect_code 1 annal -C t.git verify --log s 2>err &&
	grep "record 1 .*indexMismatch" err &&
	rm t.git/annal/index/s &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	annal -C t.git verify --log s --key k.pub &&
	log_intact t.git
'

test_expect_success 'an index behind the head, its entries forged: verify fails' '
	# log extends an index whose last entry is on the chain, keeping the
	# entries below it: verify compares those too
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	f=$(forge t.git $(sed -n 2p ids) $(sed -n 1p ids)) &&
	set_index t.git s $(sed -n 1p ids) $f $(sed -n 3,5p ids) &&
	test_expect_code 1 annal -C t.git verify --log s 2>err &&
	grep "record 2 .*indexMismatch" err &&
	annal -C t.git log --log s --to-seq 7 >/dev/null &&
	test_expect_code 1 annal -C t.git verify --log s 2>err &&
	grep "record 2 .*indexMismatch" err &&
	log_intact t.git
'

test_expect_success 'an index longer than the log, or garbage, is not compared' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	set_index t.git s $(cat ids) $(sed -n 1p ids) &&
	annal -C t.git verify --log s &&
	printf "garbage" >t.git/annal/index/s &&
	annal -C t.git verify --log s &&
	actions t.git 3 >out &&
	test_cmp expect3 out
'

test_expect_success 'an index entry of a log with a slash in its name' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	for i in 1 2 3
	do
		annal -C t.git append --log a/b --actor bob --action act$i \
			>>ab-ids || return 1
	done &&
	printf "act%s\n" 1 >expect &&
	actions t.git 1 a/b >out &&
	test_cmp expect out &&
	test_path_is_file t.git/annal/index/a/b &&
	f=$(forge t.git $(sed -n 1p ab-ids)) &&
	set_index t.git a/b $f $(sed -n 2,3p ab-ids) &&
	test_expect_code 1 annal -C t.git verify --log a/b 2>err &&
	grep "record 1 .*indexMismatch" err
'

test_expect_success 'a huge seq in the head: exit 1 naming it, no overflow' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm -r t.git/annal &&
	h=$(annal_head t.git s) &&
	git -C t.git cat-file commit $h |
	sed -e "/^gpgsig/,/END SSH SIGNATURE/d" \
		-e "s/\"seq\":8/\"seq\":4611686018427387905/" \
		-e "s/^parent .*/parent $h/" >big.txt &&
	git -C t.git update-ref refs/audit/s \
		$(git -C t.git hash-object -t commit -w --literally --stdin <big.txt) &&
	fails 1 "log .s.: the chain holds 9 records, but its head.s seq is 4611686018427387905" \
		annal -C t.git log --log s --to-seq 1 &&
	test_expect_code 1 annal -C t.git verify --log s 2>err &&
	grep "^annal: error: log s: record 9 " err
'

test_expect_success 'a head whose seq says fewer records than the chain holds' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm -r t.git/annal &&
	h=$(annal_head t.git s) &&
	git -C t.git cat-file commit $h |
	sed -e "/^gpgsig/,/END SSH SIGNATURE/d" -e "s/\"seq\":8/\"seq\":3/" \
		-e "s/^parent .*/parent $h/" >short.txt &&
	git -C t.git update-ref refs/audit/s \
		$(git -C t.git hash-object -t commit -w --literally --stdin <short.txt) &&
	fails 1 "log .s.: the chain holds more records than its head.s seq 3 says" \
		annal -C t.git log --log s --to-seq 1
'

test_expect_success 'an index behind a head whose seq is too big: exit 1' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	h=$(annal_head t.git s) &&
	git -C t.git cat-file commit $h |
	sed -e "/^gpgsig/,/END SSH SIGNATURE/d" -e "s/\"seq\":8/\"seq\":1000/" \
		-e "s/^parent .*/parent $h/" >big.txt &&
	git -C t.git update-ref refs/audit/s \
		$(git -C t.git hash-object -t commit -w --literally --stdin <big.txt) &&
	fails 1 "the chain holds 9 records, but its head.s seq is 1000" \
		annal -C t.git log --log s --to-seq 1
'

# victim DIR: a directory outside the repository with a file "s" in it
victim () {
	mkdir -p "$1" &&
	echo victim >"$1/s" &&
	ls -la "$1" >"$1.before"
}

# untouched DIR: DIR holds what victim put there, unchanged
untouched () {
	echo victim >expect.victim &&
	test_cmp expect.victim "$1/s" &&
	ls "$1" >"$1.after" &&
	echo s >expect.ls &&
	test_cmp expect.ls "$1.after"
}

test_expect_success 'annal/index a symlink to another directory: not written' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git victim" &&
	rm -r t.git/annal/index &&
	victim victim &&
	ln -s "$(pwd)/victim" t.git/annal/index &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	untouched victim &&
	annal -C t.git verify --log s
'

test_expect_success 'annal a symlink to another directory: not written' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git victim" &&
	rm -r t.git/annal &&
	victim victim/index &&
	ln -s "$(pwd)/victim" t.git/annal &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	untouched victim/index
'

test_expect_success 'the index file a symlink: not written, not used, not compared' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git victim" &&
	victim victim &&
	rm t.git/annal/index/s &&
	ln -s "$(pwd)/victim/s" t.git/annal/index/s &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	untouched victim &&
	test -h t.git/annal/index/s &&
	f=$(forge t.git $(sed -n 3p ids) $(sed -n 2p ids)) &&
	set_index . forged $(sed -n 1,2p ids) $f $(sed -n 4,8p ids) &&
	ln -sf "$(pwd)/annal/index/forged" t.git/annal/index/s &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	annal -C t.git verify --log s
'

test_expect_success 'a directory of a log name with a slash a symlink: not written' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git victim" &&
	for i in 1 2 3
	do
		annal -C t.git append --log a/s --actor bob --action act$i \
			>/dev/null || return 1
	done &&
	victim victim &&
	ln -s "$(pwd)/victim" t.git/annal/index/a &&
	printf "act%s\n" 1 >expect &&
	actions t.git 1 a/s >out &&
	test_cmp expect out &&
	untouched victim
'

test_expect_success TIMEOUT 'the index a FIFO: log and verify do not wait for it' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm t.git/annal/index/s &&
	mkfifo t.git/annal/index/s &&
	timeout 60 annal -C t.git log --log s --to-seq 3 --format jsonl >out &&
	test_line_count = 3 out &&
	timeout 60 annal -C t.git verify --log s &&
	test -p t.git/annal/index/s
'

test_expect_success TIMEOUT 'annal/index a FIFO: log does not wait for it' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm -r t.git/annal/index &&
	mkfifo t.git/annal/index &&
	timeout 60 annal -C t.git log --log s --to-seq 3 --format jsonl >out &&
	test_line_count = 3 out &&
	timeout 60 annal -C t.git verify --log s
'

# tree_state DIR: every path under DIR with its type, size, mode, owner
# and content hash
tree_state () {
	find "$1" -exec stat -c "%n %F %s %a %U" {} + | sort &&
	find "$1" -type f -exec sha1sum {} + | sort
}

test_expect_success CHOWN 'someone else'"'"'s repository: log and verify write nothing' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm -r t.git/annal &&
	chown -R nobody t.git &&
	tree_state t.git >before &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	annal -C t.git log --log s --from-seq 2 --to-seq 4 >/dev/null &&
	annal -C t.git log --log s >/dev/null &&
	annal -C t.git verify --log s --key k.pub &&
	annal -C t.git verify --all &&
	annal -C t.git key list --log s >/dev/null &&
	tree_state t.git >after &&
	test_cmp before after
'

test_expect_success CHOWN 'someone else'"'"'s index, forged: log walks instead' '
	cp -R repo.git t.git &&
	test_when_finished "rm -rf t.git" &&
	rm -f forged-ids &&
	prev= &&
	for i in 1 2 3 4 5 6 7
	do
		prev=$(forge t.git $(sed -n ${i}p ids) $prev) &&
		echo $prev >>forged-ids || return 1
	done &&
	set_index t.git s $(cat forged-ids) $(sed -n 8p ids) &&
	chown -R nobody t.git &&
	tree_state t.git >before &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	tree_state t.git >after &&
	test_cmp before after &&
	test_expect_code 1 annal -C t.git verify --log s 2>err &&
	grep indexMismatch err
'

# As root, the repository is read by nobody (CI runs as root).
test_expect_success UNPRIVILEGED 'a repository that cannot be written: no index' '
	cp -R repo.git t.git &&
	test_when_finished "chmod -R u+w t.git && rm -rf t.git" &&
	rm -r t.git/annal &&
	chmod -R a-w t.git &&
	actions_run=as_unprivileged &&
	test_when_finished "actions_run=" &&
	actions t.git 3 >out &&
	test_cmp expect3 out &&
	test_path_is_missing t.git/annal
'

test_done
