#!/bin/sh
test_description='the seq index: a cache that speeds windows, checked by log and verify'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	annal_repo_init &&
	test_seq 60 | sed -e "s/.*/{\"actor\":\"a\",\"action\":\"n&\"}/" >in &&
	annal -C repo.git append --stdin <in >ids
'

window () {
	annal -C repo.git log --from-seq "$1" --to-seq "$2" --format oneline >"$3" &&
	cut -d" " -f2 "$3" >"$3.seq"
}

test_expect_success 'a window below the head is right, and builds the index' '
	window 20 24 out &&
	printf "%s\n" 24 23 22 21 20 >expect &&
	test_cmp expect out.seq &&
	test -f repo.git/annal/index/main
'

# The output of a window is the same with and without the index; what
# the index is for is that records above the window are not read.  With
# them gone, a window through the index still works, and a walk fails.
test_expect_success GIT 'the index is used: records above the window are never read' '
	rm -rf used.git &&
	cp -R repo.git used.git &&
	test_unpack_objects used.git &&
	for seq in $(test_seq 30 55)
	do
		id=$(sed -n ${seq}p ids) &&
		rm used.git/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) ||
		return 1
	done &&
	annal -C used.git log --from-seq 20 --to-seq 24 --format oneline >used &&
	cut -d" " -f2 used >used.seq &&
	printf "%s\n" 24 23 22 21 20 >expect &&
	test_cmp expect used.seq &&
	annal -C used.git log --from-seq 20 --to-seq 24 --format oneline >used &&
	cut -d" " -f2 used >used.seq &&
	test_cmp expect used.seq &&
	rm used.git/annal/index/main &&
	test_expect_code 1 annal -C used.git log --from-seq 20 --to-seq 24 \
		--format oneline >walked 2>err &&
	grep "is missing" err
'

test_expect_success 'appends extend it' '
	annal -C repo.git append --actor a --action more >/dev/null &&
	window 60 61 out &&
	printf "%s\n" 61 60 >expect &&
	test_cmp expect out.seq
'

test_expect_success 'a garbage index is ignored and rebuilt' '
	printf "garbage" >repo.git/annal/index/main &&
	window 30 31 out &&
	printf "%s\n" 31 30 >expect &&
	test_cmp expect out.seq
'

test_expect_success PYTHON3 'an index pointing at the wrong records cannot mislead' '
	# swap two entries: the record found has another seq, so annal walks
	python3 - <<-\PY &&
	p = "repo.git/annal/index/main"
	d = bytearray(open(p, "rb").read())
	a, b = 16 + 20 * 9, 16 + 20 * 39
	d[a:a + 20], d[b:b + 20] = d[b:b + 20], d[a:a + 20]
	open(p, "wb").write(d)
	PY
	window 10 10 out &&
	echo 10 >expect &&
	test_cmp expect out.seq &&
	window 40 40 out &&
	echo 40 >expect &&
	test_cmp expect out.seq
'

test_expect_success 'a log rewritten to fewer records: the index is rebuilt' '
	git -C repo.git update-ref refs/audit/main $(sed -n 50p ids) &&
	window 45 46 out &&
	printf "%s\n" 46 45 >expect &&
	test_cmp expect out.seq &&
	annal -C repo.git verify
'

test_expect_success 'verify ignores an index that is garbage' '
	printf "garbage" >repo.git/annal/index/main &&
	annal -C repo.git verify
'

test_done
