#!/bin/sh
test_description='annal pack: loose objects into a pack, the chain unchanged'
. "$(dirname "$0")/test-lib.sh"

count_loose () {
	find repo.git/objects -path "*/objects/[0-9a-f][0-9a-f]/*" -type f | wc -l
}

test_expect_success 'setup: single appends leave loose objects' '
	annal_repo_init &&
	git -C repo.git config annal.autoPack 0 &&
	for i in $(test_seq 30)
	do
		annal -C repo.git append --actor a --action "n$i" >/dev/null || return 1
	done &&
	git -C repo.git rev-list refs/audit/main >before &&
	test $(count_loose) -ge 30
'

test_expect_success 'annal pack moves them into a pack; ids and verify unchanged' '
	annal -C repo.git pack >out &&
	grep "^packed [0-9]* loose objects$" out &&
	test $(count_loose) = 0 &&
	ls repo.git/objects/pack/*.pack &&
	git -C repo.git rev-list refs/audit/main >after &&
	test_cmp before after &&
	annal -C repo.git verify &&
	git -C repo.git fsck --strict
'

test_expect_success 'what dead batches and packs left is removed after an hour' '
	>repo.git/objects/pack/tmp_pack_old &&
	>repo.git/objects/pack/tmp_idx_old &&
	>repo.git/objects/pack/pack_git2_old &&
	>repo.git/objects/pack/tmp_pack_live &&
	>repo.git/objects/pack/other_file &&
	touch -d "2 hours ago" repo.git/objects/pack/tmp_pack_old \
		repo.git/objects/pack/tmp_idx_old repo.git/objects/pack/pack_git2_old \
		repo.git/objects/pack/other_file &&
	annal -C repo.git pack &&
	test_path_is_missing repo.git/objects/pack/tmp_pack_old &&
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

# The estimate counts one fan-out directory (objects/17) and multiplies by
# 256, as git gc --auto does: make enough loose objects to be sure of it.
test_expect_success GIT 'appends pack automatically past annal.autoPack' '
	git init -q --bare blobs.git &&
	test_seq 3000 |
	awk "{ d = \"blob \" \$1 \"\\n\"; printf \"blob\\ndata %d\\n%s\", length(d), d }" >blobs.fi &&
	git -C blobs.git fast-import --quiet <blobs.fi &&
	pack=$(echo blobs.git/objects/pack/pack-*.pack) &&
	git -C repo.git unpack-objects -q <"$pack" &&
	test $(count_loose) -ge 3000 &&
	git -C repo.git config annal.autoPack 1000 &&
	annal -C repo.git append --actor a --action auto >/dev/null &&
	test $(count_loose) -lt 100 &&
	annal -C repo.git verify
'

test_expect_success GIT 'annal.autoPack = 0 turns it off' '
	git init -q --bare more.git &&
	sed -e "s/^blob \([0-9]*\)$/other \1/" blobs.fi >more.fi &&
	git -C more.git fast-import --quiet <more.fi &&
	pack=$(echo more.git/objects/pack/pack-*.pack) &&
	git -C repo.git unpack-objects -q <"$pack" &&
	git -C repo.git config annal.autoPack 0 &&
	count_loose >before &&
	annal -C repo.git append --actor a --action noauto >/dev/null &&
	count_loose >after &&
	test "$(cat after)" -gt "$(cat before)"
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
