#!/bin/sh
test_description='annal pack: small packs and loose objects into one pack, the chain unchanged'
. "$(dirname "$0")/test-lib.sh"

count_loose () {
	find repo.git/objects -path "*/objects/[0-9a-f][0-9a-f]/*" -type f | wc -l
}

count_packs () {
	ls repo.git/objects/pack | grep -c "^pack-.*\.pack$"
}

test_expect_success 'setup: each single append writes a pack of its own, no loose object' '
	annal_repo_init &&
	git -C repo.git config annal.autoPack 0 &&
	for i in $(test_seq 30)
	do
		annal -C repo.git append --actor a --action "n$i" >/dev/null || return 1
	done &&
	git -C repo.git rev-list refs/audit/main >before &&
	test $(count_loose) = 0 &&
	test $(count_packs) = 30 &&
	! ls repo.git/objects/pack/*.keep
'

test_expect_success GIT 'annal pack merges them and what stock git left loose; ids and verify unchanged' '
	echo "a blob of somebody else" >blob &&
	blob=$(git -C repo.git hash-object -w --stdin <blob) &&
	test $(count_loose) = 1 &&
	annal -C repo.git pack >out &&
	echo "packed 32 objects" >expect &&
	test_cmp expect out &&
	test $(count_loose) = 0 &&
	test $(count_packs) = 1 &&
	git -C repo.git cat-file -e $blob &&
	git -C repo.git rev-list refs/audit/main >after &&
	test_cmp before after &&
	annal -C repo.git verify &&
	git -C repo.git fsck --strict &&
	git verify-pack repo.git/objects/pack/pack-*.idx
'

test_expect_success 'annal pack leaves a pack with a .keep alone, and a pack with many objects' '
	annal -C repo.git append --actor a --action kept >/dev/null &&
	annal -C repo.git append --actor a --action two >/dev/null &&
	ls repo.git/objects/pack/pack-*.pack >packs-before &&
	for p in $(cat packs-before)
	do
		echo user >${p%.pack}.keep || return 1
	done &&
	annal -C repo.git pack -q &&
	ls repo.git/objects/pack/pack-*.pack >packs-after &&
	test_cmp packs-before packs-after &&
	rm repo.git/objects/pack/*.keep &&
	test_seq 10001 | sed "s/.*/{\"actor\":\"b\",\"action\":\"&\"}/" >big &&
	annal -C repo.git append --stdin <big >/dev/null &&
	ls -S repo.git/objects/pack/pack-*.pack | head -n 1 >biggest &&
	annal -C repo.git pack -q &&
	test $(count_packs) = 2 &&
	test_path_is_file $(cat biggest) &&
	annal -C repo.git verify
'

test_expect_success 'the .keep of a dead writer goes after an hour, of a live one never' '
	annal -C repo.git append --actor a --action x >/dev/null &&
	annal -C repo.git append --actor a --action y >/dev/null &&
	set -- $(ls -t repo.git/objects/pack/pack-*.pack | head -n 2) &&
	dead=${1%.pack}.keep live=${2%.pack}.keep &&
	deadpid=$(sh -c "echo \$\$") &&
	echo "annal: pending since 1, pid $deadpid on $(hostname)" >$dead &&
	echo "annal: pending since 1, pid $$ on $(hostname)" >$live &&
	touch -d "2 hours ago" $dead $live &&
	annal -C repo.git pack -q &&
	test_path_is_missing $dead &&
	test_path_is_file $live &&
	touch -d "8 days ago" $live &&
	annal -C repo.git pack -q &&
	test_path_is_missing $live &&
	annal -C repo.git verify
'

test_expect_success 'what dead batches and packs left is removed after an hour' '
	>repo.git/objects/pack/annal_tmp_pack_old &&
	>repo.git/objects/pack/tmp_pack_old &&
	>repo.git/objects/pack/tmp_idx_old &&
	>repo.git/objects/pack/pack_git2_old &&
	>repo.git/objects/pack/tmp_pack_live &&
	>repo.git/objects/pack/other_file &&
	touch -d "2 hours ago" repo.git/objects/pack/tmp_pack_old \
		repo.git/objects/pack/annal_tmp_pack_old \
		repo.git/objects/pack/tmp_idx_old repo.git/objects/pack/pack_git2_old \
		repo.git/objects/pack/other_file &&
	annal -C repo.git pack &&
	test_path_is_missing repo.git/objects/pack/tmp_pack_old &&
	test_path_is_missing repo.git/objects/pack/annal_tmp_pack_old &&
	test_path_is_missing repo.git/objects/pack/tmp_idx_old &&
	test_path_is_missing repo.git/objects/pack/pack_git2_old &&
	test_path_is_file repo.git/objects/pack/tmp_pack_live &&
	test_path_is_file repo.git/objects/pack/other_file &&
	rm repo.git/objects/pack/tmp_pack_live repo.git/objects/pack/other_file &&
	annal -C repo.git verify
'

test_expect_success 'nothing to pack: exit 0' '
	annal -C repo.git pack -q >out &&
	test_must_be_empty out
'

test_expect_success 'a second packer is refused while the lock is held' '
	annal -C repo.git append --actor a --action x >/dev/null &&
	>repo.git/annal-pack.lock &&
	test_when_finished "rm -f repo.git/annal-pack.lock" &&
	test_expect_code 3 annal -C repo.git pack 2>err &&
	grep "^annal: error: cannot lock .*annal-pack.lock" err
'

test_expect_success 'appends merge the small packs automatically past annal.autoPack' '
	git -C repo.git config annal.autoPack 5 &&
	annal -C repo.git pack -q &&
	for i in $(test_seq 7)
	do
		annal -C repo.git append --actor a --action "auto$i" >/dev/null || return 1
	done &&
	test $(count_packs) -le 6 &&
	annal -C repo.git verify
'

# Merging every small pack each time rewrote a long log's first ten
# thousand objects after every autoPack appends.  Automatic packing
# takes the smallest packs only, each no bigger than twice those before
# it: a batch's pack of 300 records outlives packing three small ones
# (four small packs, its own among them, are past the limit of three).
test_expect_success 'automatic packing leaves a pack much bigger than the small ones alone' '
	annal init geo.git >/dev/null &&
	git -C geo.git config annal.autoPack 3 &&
	for i in $(test_seq 300)
	do
		echo "{\"actor\":\"b\",\"action\":\"b$i\"}" || return 1
	done >batch300 &&
	annal -C geo.git append --stdin <batch300 >/dev/null &&
	ls geo.git/objects/pack/*.idx >big &&
	test_line_count = 1 big &&
	for i in $(test_seq 3)
	do
		annal -C geo.git append --actor a --action "geo$i" >/dev/null || return 1
	done &&
	ls geo.git/objects/pack/*.idx >after &&
	test_line_count = 2 after &&
	grep -F -f big after &&
	annal -C geo.git pack >out &&
	echo "packed 304 objects" >expect &&
	test_cmp expect out &&
	annal -C geo.git verify
'

# An empty pack (git pack-objects writes one from no input) counted as
# the smallest made every other pack "more than twice" the ones before
# it: automatic packing then merged nothing, ever.
test_expect_success GIT 'an empty pack does not stop automatic packing' '
	annal init empty.git >/dev/null &&
	git -C empty.git config annal.autoPack 3 &&
	annal -C empty.git append --actor a --action first >/dev/null &&
	git --git-dir=empty.git pack-objects -q empty.git/objects/pack/pack </dev/null >/dev/null &&
	ls empty.git/objects/pack/*.idx >packs &&
	test_line_count = 2 packs &&
	for i in $(test_seq 10)
	do
		annal -C empty.git append --actor a --action "e$i" >/dev/null || return 1
	done &&
	ls empty.git/objects/pack/*.idx >packs &&
	test $(wc -l <packs) -le 4 &&
	annal -C empty.git verify
'

test_expect_success 'annal pack writes no empty pack when it can read nothing' '
	annal init unread.git >/dev/null &&
	annal -C unread.git append --actor a --action first >/dev/null &&
	for p in unread.git/objects/pack/*.pack
	do
		>"${p%.pack}.keep" || return 1
	done &&
	mkdir -p unread.git/objects/ab &&
	echo garbage >unread.git/objects/ab/cdef0123456789abcdef0123456789abcdef01 &&
	ls unread.git/objects/pack/*.idx >before &&
	annal -C unread.git pack >out &&
	echo "packed 0 objects" >expect &&
	test_cmp expect out &&
	ls unread.git/objects/pack/*.idx >after &&
	test_cmp before after
'

test_expect_success 'annal.autoPack = 0 turns it off' '
	git -C repo.git config annal.autoPack 0 &&
	count_packs >before &&
	for i in $(test_seq 8)
	do
		annal -C repo.git append --actor a --action "noauto$i" >/dev/null || return 1
	done &&
	count_packs >after &&
	test "$(cat after)" = $(($(cat before) + 8))
'

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

# read_once TRACE [headers]: in TRACE (strace -e trace=openat,read,close),
# each loose object was opened once at most; with "headers", each index
# annal opened itself (O_NOFOLLOW) was read once: its header says how
# many objects it has, which is all counting needs.
read_once () {
	python3 - "$@" <<-\EOF
	import collections, re, sys
	fds, reads, loose, idx = {}, collections.Counter(), collections.Counter(), 0
	for line in open(sys.argv[1], errors="replace"):
	    line = re.sub(r"^\d+ +", "", line)
	    m = re.match(r"openat\(AT_FDCWD, \"([^\"]*)\", ([A-Z_|]+).*= (\d+)$", line)
	    if m:
	        path, flags, fd = m.groups()
	        if re.search(r"/objects/[0-9a-f]{2}/[0-9a-f]{38}$", path):
	            loose[path] += 1
	        if path.endswith(".idx") and "O_NOFOLLOW" in flags:
	            fds[fd] = path
	            idx += 1
	        continue
	    m = re.match(r"read\((\d+),", line)
	    if m and m.group(1) in fds:
	        reads[fds[m.group(1)]] += 1
	        continue
	    m = re.match(r"close\((\d+)\)", line)
	    if m:
	        fds.pop(m.group(1), None)
	twice = [p for p, n in loose.items() if n > 1]
	assert not twice, twice
	more = [(p, n) for p, n in reads.items() if n > 1]
	assert sys.argv[2:] != ["headers"] or not more, more
	print("%d loose objects, %d indexes" % (len(loose), idx))
	EOF
}

test_expect_success STRACE,GIT,PYTHON3 'counting small packs reads each index header once; a loose object is read once' '
	annal init ro.git >/dev/null &&
	# high enough never to pack here; 0 would not count at all
	git -C ro.git config annal.autoPack 1000 &&
	for i in $(test_seq 4)
	do
		annal -C ro.git append --actor a --action "r$i" >/dev/null &&
		echo "blob $i" | git -C ro.git hash-object -w --stdin >/dev/null || return 1
	done &&
	test_strace -f -o trace -e trace=openat,read,close \
		annal -C ro.git append --actor a --action r5 >/dev/null &&
	read_once trace headers >counted &&
	grep "^0 loose objects, [45] indexes\$" counted &&
	test_strace -f -o trace -e trace=openat,read,close annal -C ro.git pack >out &&
	echo "packed 10 objects" >expect &&
	test_cmp expect out &&
	read_once trace >counted &&
	grep "^4 loose objects, [56] indexes\$" counted &&
	annal -C ro.git verify
'

test_expect_success 'packing while appends run loses nothing' '
	git -C repo.git config annal.autoPack 0 &&
	(for i in $(test_seq 40); do annal -C repo.git append --actor w --action "c$i" >/dev/null || exit 1; done) &
	pid=$! &&
	for i in 1 2 3 4 5
	do
		annal -C repo.git pack -q || return 1
	done &&
	wait $pid &&
	annal -C repo.git pack -q &&
	annal -C repo.git verify &&
	annal -C repo.git log --actor w --format oneline >w &&
	test_line_count = 40 w
'

test_done
