#!/bin/sh
test_description='packs hold each record as a delta against the one before it, and stock git reads them'
. "$(dirname "$0")/test-lib.sh"

# records that share what consecutive audit records share
records () {
	for i in $(test_seq $1)
	do
		printf '{"actor":"svc:ci","action":"deploy","target":"api-%d","trace_id":"%032x"}\n' \
			$((i % 7)) $i
	done
}

# number of OFS_DELTA or REF_DELTA entries in the packs of $1
count_deltas () {
	for idx in $1/objects/pack/pack-*.idx
	do
		git verify-pack -v $idx
	done | awk '$2 == "commit" && NF >= 7' | wc -l
}

# stock git reads every object as annal wrote it, and verify passes
read_back () {
	git -C $1 fsck --strict &&
	for idx in $1/objects/pack/pack-*.idx
	do
		git verify-pack $idx || return 1
	done &&
	annal -C $1 verify >/dev/null
}

test_expect_success GIT 'a batch: deltas, chains cut at 50' '
	annal_repo_init &&
	records 120 >recs &&
	annal -C repo.git append --stdin <recs >/dev/null &&
	test $(count_deltas repo.git) -ge 115 &&
	git verify-pack -v repo.git/objects/pack/pack-*.idx >stat &&
	grep "^chain length = 50:" stat &&
	! grep "^chain length = 51:" stat &&
	read_back repo.git
'

test_expect_success GIT 'a signed batch: deltas' '
	annal keygen -f sk -C t7011 >/dev/null &&
	annal init signed.git >/dev/null &&
	annal -C signed.git append --stdin --sign-key sk <recs >/dev/null &&
	test $(count_deltas signed.git) -ge 115 &&
	read_back signed.git
'

test_expect_success GIT 'every record reads back the same through git and through a log' '
	git -C signed.git rev-list refs/audit/main >ids &&
	while read id
	do
		git -C signed.git cat-file commit $id >c &&
		test "$(git hash-object -t commit c)" = $id || return 1
	done <ids &&
	annal -C signed.git log --format jsonl >log &&
	test_line_count = 120 log
'

test_expect_success GIT 'git repack -a -d -f and git gc keep it readable' '
	cp -R signed.git gc.git &&
	git -C gc.git repack -a -d -f -q &&
	read_back gc.git &&
	git -C gc.git gc -q &&
	read_back gc.git
'

test_expect_success GIT 'annal pack writes single appends as deltas, each after its parent' '
	annal init single.git >/dev/null &&
	git -C single.git config annal.autoPack 0 &&
	for i in $(test_seq 30)
	do
		annal -C single.git append --actor svc:ci --action "deploy" \
			--target "api-$i" >/dev/null || return 1
	done &&
	test $(count_deltas single.git) = 0 &&
	annal -C single.git pack >/dev/null &&
	test $(count_deltas single.git) -ge 28 &&
	read_back single.git
'

test_done
