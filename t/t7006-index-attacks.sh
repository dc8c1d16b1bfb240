#!/bin/sh

test_description='the seq index under attack

The seq index (annal/index/<log>) is a cache that log --to-seq jumps
through, built from the chain.  A head whose seq the chain does not bear
out is damage, not a heap overflow.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq GIT || ! test_have_prereq PYTHON3
then
	skip_all='git or python3 is not available'
	test_done
fi

# fails CODE WHAT CMD...: CMD exits CODE (not by a signal) with one line
# "annal: error: ..." containing WHAT on stderr
fails () {
	f_code_=$1
	f_what_=$2
	shift 2
	test_expect_code $f_code_ "$@" >out 2>err || {
		cat err
		return 1
	}
	test_line_count = 1 err &&
	grep "^annal: error: .*$f_what_" err >/dev/null || {
		echo "wanted one 'annal: error: ...$f_what_' line, got:"
		cat err
		return 1
	}
}

# actions REPO TO [LOG]: the actions log --to-seq TO shows, newest first
actions () {
	annal -C "$1" log --log "${3:-s}" --to-seq "$2" --format jsonl >actions.json &&
	python3 -c "
import json, sys
for l in open(\"actions.json\"):
    print(json.loads(l)[\"action\"])
"
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
	annal -C repo.git verify --log s --key k.pub
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

test_done
