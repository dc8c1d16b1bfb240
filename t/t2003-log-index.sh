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
