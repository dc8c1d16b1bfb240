#!/bin/sh

test_description='naming a record: annal show and annal log --related alike

One table of names run through both commands: a full id (either case),
an id prefix, a seq, seq:<n>, digits that are both a seq and another
record'\''s prefix (refused), digits with a leading zero (a prefix
only), a prefix too short or several objects share, an id of another
log, of no record, and names that are none of these.'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO

# more N: append N records of distinct actors (related by actor only)
more () {
	start=$(wc -l <ids) &&
	python3 -c "
import sys
start, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(start, start + n):
    print('{\"actor\":\"a%d\",\"action\":\"x\"}' % i)
" $start $1 >batch &&
	annal append --stdin <batch >>ids
}

test_expect_success PYTHON3,GIT 'setup: a log with names of each kind' '
	annal_repo_init &&
	: >ids &&
	annal append --log other --actor user:erin --action login >other-id &&
	n=0 &&
	until test $n -ge 6 || {
		git -C repo.git cat-file --batch-all-objects --batch-check="%(objectname)" >objects &&
		python3 "$TEST_DIRECTORY/t2122/cases.py" ids objects other-id >cases
	}
	do
		more 1000 &&
		n=$((n + 1)) || return 1
	done &&
	test -s cases
'

# names_alike NAME WANT: both commands take NAME for the record of seq
# N ("seq N"), or refuse it with exit 2 and this one error line ("error
# MESSAGE"), showing nothing
names_alike () {
	name=$1 &&
	want=$2 &&
	case "$want" in
	seq\ *)
		sed -n "${want#seq }p" ids >expect &&
		annal show --log main -- "$name" >out &&
		sed -n "s/^record //p" out >actual &&
		test_cmp expect actual &&
		annal log --related="$name" --window 0s >out &&
		sed -n "s/^record //p" out >actual &&
		test_cmp expect actual
		;;
	error\ *)
		echo "annal: error: ${want#error }" >expect &&
		test_expect_code 2 annal show --log main -- "$name" >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err &&
		test_expect_code 2 annal log --related="$name" >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err
		;;
	*)
		false
		;;
	esac
}

tab=$(printf "\t")
test -f cases &&
while IFS=$tab read -r name want
do
	test_expect_success PYTHON3,GIT "name '$name': $want" '
		names_alike "$name" "$want"
	'
done <cases

test_expect_success 'an empty name is none' '
	names_alike "" "error '\'''\'' is neither a seq nor a record id (4 to 40 hex digits)"
'

test_expect_success PYTHON3,GIT 'no such log, for a seq and for an id' '
	id=$(sed -n 1p ids) &&
	for name in 1 $id
	do
		echo "annal: error: no such log '\''nosuch'\''" >expect &&
		test_expect_code 2 annal show --log nosuch $name 2>err &&
		test_cmp expect err &&
		test_expect_code 2 annal log --log nosuch --related $name 2>err &&
		test_cmp expect err || return 1
	done
'

test_expect_success PYTHON3,GIT 'without --log, show finds an id in any log' '
	annal show $(cat other-id) >out &&
	grep "^log:          other$" out
'

test_expect_success 'no log main: a seq is of no log, an id found' '
	annal_repo_init nomain.git &&
	annal -C nomain.git append --log other --actor a --action b >nomain-id &&
	echo "annal: error: no such log '\''main'\''" >expect &&
	test_expect_code 2 annal -C nomain.git show 1 2>err &&
	test_cmp expect err &&
	test_expect_code 2 annal -C nomain.git log --related 1 2>err &&
	test_cmp expect err &&
	annal -C nomain.git show $(cat nomain-id) >out &&
	grep "^log:          other$" out
'

test_expect_success 'annal-show(1) and annal-log(1) give the one rule alike' '
	for page in show log
	do
		sed -n "/^=== Naming a record\$/,/^==/p" \
			"$ANNAL_SOURCE_DIR/Documentation/annal-$page.adoc" >$page.rule || return 1
	done &&
	test_line_count -gt 20 show.rule &&
	test_cmp show.rule log.rule
'

test_done
