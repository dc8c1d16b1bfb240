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

test_expect_success 'a cache past the head (a log cut back): rebuilt' '
	annal -C repo prove inclusion 1 >/dev/null &&
	git -C repo update-ref refs/audit/main refs/audit/main~5 &&
	annal -C repo prove consistency 5 >actual &&
	rebuilt &&
	cmp fresh repo/annal/tree/main &&
	mv repo/annal/tree/main saved &&
	annal -C repo prove consistency 5 >expect &&
	test_cmp expect actual
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

# cached_size: the leaves the cache's header says it covers
cached_size () {
	od -An -tu1 -j16 -N8 repo/annal/tree/main |
	awk '{ n = 0; for (i = 1; i <= NF; i++) n = n * 256 + $i; print n }'
}

test_expect_success 'a batch of 64 records or more extends the cache as it appends' '
	annal -C repo prove inclusion 1 >/dev/null &&
	before=$(cached_size) &&
	append 100 &&
	test $(cached_size) = $((before + 100)) &&
	rebuilt &&
	cmp fresh repo/annal/tree/main &&
	append 63 &&
	test $(cached_size) = $((before + 100)) &&
	annal -C repo prove inclusion 1 >/dev/null &&
	test $(cached_size) = $((before + 163)) &&
	rebuilt &&
	cmp fresh repo/annal/tree/main
'

test_expect_success 'a batch leaves a cache that ends elsewhere to the next reader' '
	printf "\\377" | dd of=repo/annal/tree/main bs=1 seek=20 conv=notrunc 2>/dev/null &&
	cp repo/annal/tree/main damaged &&
	append 100 &&
	cmp damaged repo/annal/tree/main &&
	annal -C repo prove inclusion 1 >/dev/null &&
	rebuilt &&
	cmp fresh repo/annal/tree/main
'

test_expect_success 'verify: a sound cache passes, also behind the log'"'"'s head' '
	annal -C repo prove inclusion 1 >/dev/null &&
	annal -C repo verify &&
	append 3 &&
	annal -C repo verify
'

test_expect_success 'verify: a damaged cache is treeMismatch, naming the damage' '
	annal -C repo prove inclusion 1 >/dev/null &&
	cp repo/annal/tree/main good &&
	printf "\\377" | dd of=repo/annal/tree/main bs=1 seek=300 conv=notrunc 2>/dev/null &&
	test_expect_code 1 annal -C repo verify 2>err &&
	grep "^annal: error: log main: treeMismatch: the tree cache of log .main. is damaged: block 0 fails its checksum" err &&
	test_line_count = 1 err &&
	cp good repo/annal/tree/main
'

test_expect_success 'verify: a cache forged to check has another leaf: treeMismatch names it' '
	cat >forge.py <<-\EOF &&
	import hashlib, struct, sys
	p = sys.argv[1]
	b = bytearray(open(p, "rb").read())
	n = struct.unpack(">Q", b[16:24])[0]
	stored = lambda m: 2 * m - bin(m).count("1")
	S = stored(n)
	off = lambda i: 128 + i * 32 + i // 128 * 32
	i = stored(5)			# leaf 5: record seq 6
	b[off(i)] ^= 1
	blk = i // 128
	if blk < S // 128:
	    data = bytes(b[off(blk * 128):off(blk * 128) + 128 * 32])
	    b[off(blk * 128) + 128 * 32:off(blk * 128) + 129 * 32] = hashlib.sha256(data + struct.pack(">Q", blk)).digest()
	else:
	    data = bytes(b[off(blk * 128):off(S)])
	    b[48:80] = hashlib.sha256(data + struct.pack(">Q", blk)).digest()
	b[80:112] = hashlib.sha256(bytes(b[0:80])).digest()
	open(p, "wb").write(b)
	EOF
	python3 forge.py repo/annal/tree/main &&
	test_expect_code 1 annal -C repo verify 2>err &&
	grep "treeMismatch: the tree cache has another hash for leaf 5 (record seq 6)" err &&
	rm repo/annal/tree/main &&
	annal -C repo verify
'

test_expect_success 'checkpoint signs the records'"'"' root, not a forged cache'"'"'s' '
	annal init signed.git >/dev/null &&
	annal keygen -f signkey >/dev/null &&
	for i in 1 2 3 4 5 6 7 8 9
	do
		echo "{\"actor\":\"u$i\",\"action\":\"a\"}" || return 1
	done >batch9 &&
	annal -C signed.git append --sign-key signkey --stdin <batch9 >/dev/null &&
	annal -C signed.git checkpoint --sign-key signkey --origin example.com/s >cp1 &&
	cat >forge-all.py <<-\EOF &&
	import hashlib, struct, sys
	p = sys.argv[1]
	b = bytearray(open(p, "rb").read())
	n = struct.unpack(">Q", b[16:24])[0]
	S = 2 * n - bin(n).count("1")
	assert S < 128
	m = int(sys.argv[2]) if len(sys.argv) > 2 else 0
	for i in range(128 + (2 * m - bin(m).count("1")) * 32, 128 + S * 32):
	    b[i] ^= 0x55
	b[48:80] = hashlib.sha256(bytes(b[128:128 + S * 32]) + struct.pack(">Q", 0)).digest()
	b[80:112] = hashlib.sha256(bytes(b[0:80])).digest()
	open(p, "wb").write(b)
	EOF
	annal -C signed.git append --sign-key signkey --actor u --action b >/dev/null &&
	annal -C signed.git prove inclusion 1 >/dev/null &&
	python3 forge-all.py signed.git/annal/tree/main &&
	annal -C signed.git checkpoint --sign-key signkey >cp2 &&
	rm signed.git/annal/tree/main &&
	annal -C signed.git prove inclusion 1 >proof &&
	sed -n 3p cp2 >signed-root &&
	tail -n 1 proof >true-root &&
	test_cmp true-root signed-root &&
	annal -C signed.git verify --checkpoint cp1 --checkpoint cp2 &&

	# the hashes past the last checkpoint (size 10) forged
	annal -C signed.git append --sign-key signkey --stdin <batch9 >/dev/null &&
	annal -C signed.git prove inclusion 1 >/dev/null &&
	python3 forge-all.py signed.git/annal/tree/main 10 &&
	annal -C signed.git checkpoint --sign-key signkey >cp3 &&
	rm signed.git/annal/tree/main &&
	annal -C signed.git prove inclusion 1 >proof &&
	sed -n 3p cp3 >signed-root &&
	tail -n 1 proof >true-root &&
	test_cmp true-root signed-root &&
	annal -C signed.git verify --checkpoint cp3
'

test_expect_success 'verify: a cache across blocks, behind the head, checkpoints of every shape' '
	# verify folds the leaves newest first and reads the six blocks
	# of the cache backwards; checkpoints kept at sizes with one to
	# six bits set, their roots from the cache it compared, then from
	# the records
	annal init shapes.git >/dev/null &&
	done=0 &&
	for size in 1 2 3 5 8 13 21 34 55 89 144 233 377
	do
		for i in $(seq $((done + 1)) $size)
		do
			echo "{\"actor\":\"u$i\",\"action\":\"a\"}" || return 1
		done >more &&
		annal -C shapes.git append --sign-key signkey --stdin <more >/dev/null &&
		annal -C shapes.git checkpoint --sign-key signkey --origin example.com/shapes \
			>cp-$size &&
		done=$size || return 1
	done &&
	annal -C shapes.git prove inclusion 1 >/dev/null &&
	annal -C shapes.git append --sign-key signkey --actor u --action late >/dev/null &&
	annal -C shapes.git verify >out &&
	grep "13 checkpoints consistent" out &&
	rm shapes.git/annal/tree/main &&
	annal -C shapes.git verify --checkpoint cp-377 >out &&
	grep "14 checkpoints consistent" out
'

test_done
