#!/bin/sh

test_description='the tree cache: annal/tree/<log>

Created by the first proof, extended with the records appended since,
byte for byte what a rebuild writes; a damaged, stale, foreign or
truncated cache is rebuilt and never answers; a symbolic link is not
followed; git gc leaves it alone.'

. "$(dirname "$0")/test-lib.sh"

# append N: N more records to repo
append () {
	for i in $(seq 1 $1)
	do
		echo "{\"actor\":\"u$i\",\"action\":\"a\"}" || return 1
	done >batch &&
	annal -C repo append --stdin <batch >/dev/null
}

# rebuilt: the cache a rebuild writes, into fresh
rebuilt () {
	mv repo/annal/tree/main saved &&
	annal -C repo prove inclusion 1 >/dev/null &&
	mv repo/annal/tree/main fresh &&
	mv saved repo/annal/tree/main
}

test_expect_success 'setup: the first proof writes the cache' '
	annal init repo >/dev/null &&
	append 7 &&
	test_path_is_missing repo/annal/tree/main &&
	annal -C repo prove inclusion 3 >proof7 &&
	test_path_is_file repo/annal/tree/main &&
	# 7 leaves: 11 stored hashes after a header of 128 bytes
	test $(wc -c <repo/annal/tree/main) = $((128 + 11 * 32)) &&
	head -c 16 repo/annal/tree/main >magic &&
	printf "ANNALTREE\\000\\000\\000\\000\\000\\000\\001" >expect &&
	cmp expect magic
'

test_expect_success 'extended as records come, byte for byte a rebuild, across blocks' '
	for n in 1 50 63 200 1 7
	do
		append $n &&
		annal -C repo prove inclusion 3 >/dev/null &&
		rebuilt &&
		cmp fresh repo/annal/tree/main || return 1
	done &&
	# 329 leaves: 2 * 329 - 4 hashes (329 has 4 bits set), 5 full blocks of 128 with a checksum each
	test $(wc -c <repo/annal/tree/main) = $((128 + 654 * 32 + 5 * 32))
'

test_expect_success 'a damaged block is not used: the same proof, the cache rewritten' '
	annal -C repo prove inclusion 100 >expect &&
	cp repo/annal/tree/main good &&
	printf "\\377" | dd of=repo/annal/tree/main bs=1 seek=200 conv=notrunc 2>/dev/null &&
	! cmp good repo/annal/tree/main &&
	annal -C repo prove inclusion 100 >actual &&
	test_cmp expect actual &&
	cmp good repo/annal/tree/main
'

test_expect_success 'a damaged header, a cut file, another log'"'"'s cache: rebuilt' '
	annal -C repo prove consistency 5 >expect &&
	printf "\\377" | dd of=repo/annal/tree/main bs=1 seek=20 conv=notrunc 2>/dev/null &&
	annal -C repo prove consistency 5 >actual &&
	test_cmp expect actual &&
	cmp good repo/annal/tree/main &&
	head -c 5000 good >repo/annal/tree/main &&
	annal -C repo prove consistency 5 >actual &&
	test_cmp expect actual &&
	cmp good repo/annal/tree/main &&
	annal init other >/dev/null &&
	for i in $(seq 1 400); do echo "{\"actor\":\"o\",\"action\":\"b\"}"; done >obatch &&
	annal -C other append --stdin <obatch >/dev/null &&
	annal -C other prove inclusion 1 >/dev/null &&
	cp other/annal/tree/main repo/annal/tree/main &&
	annal -C repo prove consistency 5 >actual &&
	test_cmp expect actual &&
	cmp good repo/annal/tree/main
'

test_expect_success 'a symbolic link in its place is left alone' '
	annal -C repo prove inclusion 9 >expect &&
	mv repo/annal/tree/main elsewhere &&
	ln -s ../../../elsewhere repo/annal/tree/main &&
	printf "\\377" | dd of=elsewhere bs=1 seek=20 conv=notrunc 2>/dev/null &&
	cp elsewhere before &&
	annal -C repo prove inclusion 9 >actual &&
	test_cmp expect actual &&
	test -h repo/annal/tree/main &&
	cmp before elsewhere &&
	rm repo/annal/tree/main
'

test_expect_success 'git gc, repack -ad and prune leave it alone' '
	annal -C repo prove inclusion 1 >/dev/null &&
	cp repo/annal/tree/main before &&
	git -C repo gc --quiet &&
	git -C repo repack -adq &&
	git -C repo prune &&
	cmp before repo/annal/tree/main
'

test_done
