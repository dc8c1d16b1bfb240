#!/bin/sh

test_description='a value an option does not take, and --format json errors

A bad option value is one line naming the values the option takes and
where to look, exit 2, nothing on stdout; the values are read from each
command'"'"'s option table (--list-opts), so every option with fixed
values is checked.  With --format json anywhere in the arguments, every
error is one JSON object on stdout and nothing on stderr.'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

test_expect_success 'setup' '
	annal init repo.git >/dev/null &&
	annal -C repo.git append --actor a --action x >/dev/null &&
	: the options with fixed values, "<cmd words><TAB><option><TAB><values>" &&
	: >choices &&
	for c in $(annal --list-cmds) "key list"
	do
		annal -C repo.git $c --list-opts >opts 2>/dev/null || continue
		while IFS="	" read -r opt values
		do
			test -n "$values" || continue
			printf "%s\t%s\t%s\n" "$c" "${opt%% *}" "$values" >>choices
		done <opts || return 1
	done &&
	test_line_count -ge 9 choices &&
	grep "^key list	--format	allowed-signers json\$" choices
'

test_expect_success 'every bad choice is one line naming the values, exit 2' '
	while IFS="	" read -r c opt values
	do
		expected=$(echo "$values" | sed "s/ /, /g") &&
		noun=$(annal $c -h | sed -n "s/^ *\(-., \)\{0,1\}$opt <\([a-z-]*\)>.*/\2/p") &&
		test -n "$noun" &&
		if test "--$noun" = "$opt"
		then
			what="unknown $noun ${SQ}bogus${SQ}"
		else
			what="unknown $noun ${SQ}bogus${SQ} for ${SQ}$opt${SQ}"
		fi &&
		echo "annal: error: $what (expected: $expected); see ${SQ}annal $c -h${SQ}" >expect &&
		test_expect_code 2 annal -C repo.git $c $opt bogus >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err || return 1
	done <choices
'

test_expect_success 'a number that is not one is one line too' '
	echo "annal: error: option ${SQ}--max-count${SQ} expects a non-negative integer, not ${SQ}x${SQ}; see ${SQ}annal log -h${SQ}" >expect &&
	test_expect_code 2 annal -C repo.git log -n x >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err
'

# check_json FILE N: FILE holds N lines, each one JSON object with an error
check_json () {
	python3 - "$@" <<-\EOF
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	assert len(lines) == int(sys.argv[2]), lines
	for l in lines:
	    o = json.loads(l)
	    assert isinstance(o, dict), l
	    e = o["error"]
	    assert (e["message"] if isinstance(e, dict) else e), l
	EOF
}

test_expect_success PYTHON3 '--format json: any error is one object on stdout, in any order' '
	: >out &&
	for c in "log" "logs" "verify" "key list" "audit-verify --unpinned" \
		"append --actor a --action b"
	do
		test_expect_code 2 annal -C repo.git $c --bogus --format json >>out 2>err &&
		test_must_be_empty err &&
		test_expect_code 2 annal -C repo.git $c --format=json --bogus >>out 2>err &&
		test_must_be_empty err || return 1
	done &&
	check_json out 12
'

test_expect_success PYTHON3 'log --format json: bad values, dates, logs and repositories' '
	test_expect_code 2 annal -C repo.git log --date bogus --format json >out 2>err &&
	test_expect_code 2 annal -C repo.git log --summary-by bogus --format=json >>out 2>>err &&
	test_expect_code 2 annal -C repo.git log --since bogus --format json >>out 2>>err &&
	test_expect_code 2 annal -C repo.git log --log nosuch --format json >>out 2>>err &&
	test_expect_code 3 annal -C nowhere.git log --format json >>out 2>>err &&
	test_expect_code 3 annal -C nowhere.git logs --format json >>out 2>>err &&
	test_must_be_empty err &&
	check_json out 6 &&
	grep "unknown mode .bogus. for .--date. (expected: utc, local)" out
'

test_expect_success PYTHON3 'append --format json: a refused record, a batch, no repository' '
	test_expect_code 2 annal -C repo.git append --format json --actor a >out 2>err &&
	echo "{\"actor\":\"a\"}" |
	test_expect_code 2 annal -C repo.git append --stdin --format json >>out 2>>err &&
	test_expect_code 3 annal -C nowhere.git append --format json --actor a --action b >>out 2>>err &&
	test_must_be_empty err &&
	check_json out 3 &&
	grep "stdin line 1: .action. is required" out
'

test_expect_success 'without --format json the errors stay on stderr' '
	test_expect_code 2 annal -C repo.git log --bogus --format jsonl >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_expect_code 2 annal -C repo.git log --log nosuch >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err
'

test_done
