#!/bin/sh

test_description='the tree and proofs of annal, checked by Go'"'"'s golang.org/x/mod/sumdb/tlog

t/go/tlog (built offline from Debian'"'"'s golang-golang-x-mod-dev) and
t/helper/merkle-check (annal'"'"'s own checks) answer one list of queries:
roots of every size, annal'"'"'s inclusion and consistency proofs, and the
same proofs with a bit flipped, a hash missing or added, a wrong index
or size.  Go must accept every proof annal makes and agree with annal
on every other query.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-go.sh"

test_lazy_prereq GO_TLOG 'go_build tlog'

# as_query PROOF-OUTPUT: annal prove'"'"'s output as one query line
as_query () {
	awk '
	NR == 1 && /^old / { kind = "consistency"; old = $2; next }
	NR == 1 { kind = "inclusion"; next }
	NR == 2 && kind == "inclusion" { index_ = $2; next }
	blank { tail[++k] = $0; next }
	/^$/ { blank = 1; next }
	{ h = h " " $0 }
	END {
		if (kind == "inclusion")
			print "inclusion", index_, tail[1], tail[2] h
		else
			print "consistency", old, tail[1], "OLDROOT", tail[2] h
	}' "$1"
}

# root_of SIZE: annal'"'"'s root of the first SIZE records
root_of () {
	annal -C repo prove consistency 1 --size "$1" >root.out &&
	tail -n 1 root.out
}

# broken QUERY: the query with each hash changed in turn, one hash
# dropped, one added, the index, first size and second size moved by one
broken () {
	echo "$1" | awk '
	{
		n = NF
		first = ($1 == "inclusion") ? 5 : 6
		for (i = first; i <= n; i++) {
			line = ""
			for (j = 1; j <= n; j++) {
				f = $j
				if (j == i) {
					c = substr(f, 1, 1)
					f = (c == "A" ? "B" : "A") substr(f, 2)
				}
				line = line (j > 1 ? " " : "") f
			}
			print line
		}
		if (n >= first) {
			line = $1
			for (j = 2; j < n; j++)
				line = line " " $j
			print line
		}
		print $0 " " $(first - 1)
		for (d = -1; d <= 1; d += 2)
			for (k = 2; k <= 3; k++) {
				if ($k + d < 0)
					continue
				line = $1
				for (j = 2; j <= n; j++)
					line = line " " (j == k ? $j + d : $j)
				print line
			}
	}'
}

test_expect_success GO_TLOG 'setup: a log of 100 records, its leaves for Go' '
	annal init repo >/dev/null &&
	for i in $(seq 1 100)
	do
		echo "{\"actor\":\"u$i\",\"action\":\"a$((i % 7))\",\"n\":$i}" || return 1
	done >in.jsonl &&
	annal -C repo append --stdin <in.jsonl >/dev/null &&
	git -C repo log --reverse --format=%B refs/audit/main >messages &&
	grep "^{" messages | sed "s/^/leaf /" >leaves &&
	test_line_count = 100 leaves
'

test_expect_success GO_TLOG 'the roots of sizes 1-8, 13, 64 and 100 are tlog.TreeHash'"'"'s' '
	cp leaves queries &&
	: >expect &&
	for n in 1 2 3 4 5 6 7 8 13 64 100
	do
		echo "root $n" >>queries &&
		echo "root $n $(root_of $n)" >>expect || return 1
	done &&
	"$TRASH_DIRECTORY/go-tlog" <queries >out.go &&
	grep "^root" out.go >actual &&
	test_cmp expect actual &&
	"$ANNAL_BUILD_DIR/t/helper/merkle-check" <queries >out.c &&
	test_cmp out.go out.c
'

# check_proofs KIND PAIR...: annal'"'"'s KIND proofs of each PAIR ("seq size" or
# "size1 size2") and their broken copies: Go and annal answer alike, Go
# accepts every proof annal made and refuses more than 60 broken ones
check_proofs () {
	cp_kind_=$1 &&
	shift &&
	cp leaves queries &&
	: >good &&
	for p in "$@"
	do
		set -- $p &&
		annal -C repo prove $cp_kind_ --size $2 $1 >proof &&
		if test $cp_kind_ = consistency
		then
			as_query proof | sed "s|OLDROOT|$(root_of $1)|"
		else
			as_query proof
		fi >q &&
		cat q >>queries &&
		cat q >>good &&
		broken "$(cat q)" >>queries || return 1
	done &&
	"$TRASH_DIRECTORY/go-tlog" <queries >out.go &&
	"$ANNAL_BUILD_DIR/t/helper/merkle-check" <queries >out.c &&
	test_cmp out.go out.c &&
	cp leaves q2 && cat good >>q2 &&
	"$TRASH_DIRECTORY/go-tlog" <q2 >out &&
	! grep -q fail out &&
	test $(grep -c "^ok" out) = 10 &&
	test $(grep -c "^fail" out.go) -gt 60
}

test_expect_success GO_TLOG 'tlog.CheckRecord accepts annal'"'"'s inclusion proofs, and refuses the broken ones as annal does' '
	check_proofs inclusion "1 1" "1 8" "6 8" "3 3" "2 5" "7 13" "64 64" "65 100" "100 100" "37 99"
'

test_expect_success GO_TLOG 'tlog.CheckTree accepts annal'"'"'s consistency proofs, and refuses the broken ones as annal does' '
	check_proofs consistency "1 1" "1 8" "6 8" "2 5" "6 7" "3 100" "64 100" "99 100" "100 100" "17 64"
'

test_done
