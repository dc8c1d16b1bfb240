#!/bin/sh

test_description='annal append --stdin: atomic NDJSON batches

One record per input line, ids printed in order, the ref moved once; a bad
line is named by its number and nothing is appended.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to check the repository'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO

# batch_rejected LINE-NUMBER [OPTION...] <INPUT: exit 2, one error line
# naming stdin line LINE-NUMBER, nothing printed or appended.
batch_rejected () {
	batch_line_=$1 &&
	shift &&
	refs_snapshot &&
	test_expect_code 2 annal append --stdin "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: stdin line $batch_line_: " err &&
	refs_unchanged
}

test_expect_success 'setup' '
	annal_repo_init &&
	git -C repo.git config core.logAllRefUpdates always &&
	annal append --actor a --action first >first
'

test_expect_success 'a batch prints one id per line, in order' '
	cat >in <<-\EOF &&
	{"actor":"user:a","action":"one"}
	{"actor":"user:b","action":"two","target":"t"}
	{"actor":"user:c","action":"three","decision":"allowed"}
	EOF
	annal append --stdin <in >ids 2>err &&
	test_must_be_empty err &&
	test_line_count = 3 ids &&
	! grep -v "^[0-9a-f]\{40\}\$" ids
'

test_expect_success 'the ref points to the last id' '
	tail -n 1 ids >expect &&
	git -C repo.git rev-parse refs/audit/main >actual &&
	test_cmp expect actual
'

test_expect_success 'the records are parent-linked and seq continues' '
	{
		cat first &&
		cat ids
	} >chain &&
	git -C repo.git rev-list --reverse refs/audit/main >actual &&
	test_cmp chain actual &&
	check_field $(sed -n 1p ids) seq 2 &&
	check_field $(sed -n 1p ids) actor "\"user:a\"" &&
	check_field $(sed -n 2p ids) seq 3 &&
	check_field $(sed -n 2p ids) target "\"t\"" &&
	check_field $(sed -n 3p ids) seq 4 &&
	check_field $(sed -n 3p ids) decision "\"allowed\"" &&
	git -C repo.git rev-parse $(sed -n 3p ids)^ >parent &&
	sed -n 2p ids >expect &&
	test_cmp expect parent
'

test_expect_success 'the batch moved the ref once' '
	git -C repo.git reflog show --format=%H refs/audit/main >reflog &&
	if test -s reflog
	then
		# one entry for the first append, one for the batch
		test_line_count = 2 reflog &&
		tail -n 1 ids >expect &&
		head -n 1 reflog >actual &&
		test_cmp expect actual
	else
		say "no reflog written, cannot count ref moves"
	fi
'

test_expect_success PYTHON3 'the log checks out with stock tools' '
	annal_check_log repo.git >records &&
	test_line_count = 4 records
'

test_expect_success 'blank and white-space-only lines are skipped' '
	printf "\n%s\n   \n\t\n%s\n\n" "{\"actor\":\"a\",\"action\":\"x\"}" \
		"{\"actor\":\"a\",\"action\":\"y\"}" >in &&
	annal append --stdin <in >ids &&
	test_line_count = 2 ids &&
	check_field $(sed -n 1p ids) action "\"x\"" &&
	check_field $(sed -n 2p ids) action "\"y\""
'

test_expect_success 'a last line without a newline is read' '
	printf "%s\n%s" "{\"actor\":\"a\",\"action\":\"x\"}" \
		"{\"actor\":\"a\",\"action\":\"no-newline\"}" >in &&
	annal append --stdin <in >ids &&
	test_line_count = 2 ids &&
	check_field $(sed -n 2p ids) action "\"no-newline\""
'

test_expect_success 'lines may have insignificant white space' '
	printf "  { \"action\" : \"x\" ,\t\"actor\":\"a\" }  \n" >in &&
	annal append --stdin <in >ids &&
	test_line_count = 1 ids &&
	annal_record repo.git $(cat ids) >rec &&
	grep "^{\"action\":\"x\",\"actor\":\"a\",\"hash\":" rec
'

test_expect_success 'invalid JSON on line 3 of 5: nothing appended' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1"}
	{"actor":"a","action":"2"}
	{"actor":"a","action":"3"
	{"actor":"a","action":"4"}
	{"actor":"a","action":"5"}
	EOF
	batch_rejected 3 <in
'

test_expect_success 'a bad line is also named in a new log' '
	batch_rejected 3 --log fresh <in &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/fresh
'

test_expect_success 'line numbers count blank lines' '
	printf "%s\n\n%s\n" "{\"actor\":\"a\",\"action\":\"1\"}" "[1]" >in &&
	batch_rejected 3 <in
'

test_expect_success 'a line missing actor is named' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1"}
	{"action":"2"}
	EOF
	batch_rejected 2 <in &&
	grep "actor" err
'

test_expect_success 'a line missing action is named' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1"}
	{"actor":"a","action":"2"}
	{"actor":"a","action":"3"}
	{"actor":"a"}
	EOF
	batch_rejected 4 <in &&
	grep "action" err
'

test_expect_success 'a reserved field on a line is named' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1","seq":7}
	EOF
	batch_rejected 1 <in
'

test_expect_success 'a bad last line without a newline is named' '
	printf "%s\n%s" "{\"actor\":\"a\",\"action\":\"1\"}" "{" >in &&
	batch_rejected 2 <in
'

test_expect_success 'empty input: exit 0, nothing written' '
	refs_snapshot &&
	annal append --stdin </dev/null >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	refs_unchanged &&
	annal append --stdin --log empty </dev/null >out &&
	test_must_be_empty out &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/empty
'

test_expect_success 'only blank lines: exit 0, nothing written' '
	printf "\n  \n\n" >in &&
	refs_snapshot &&
	annal append --stdin --log empty <in >out &&
	test_must_be_empty out &&
	refs_unchanged
'

test_expect_success 'options are merged into every line' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1"}
	{"actor":"b","action":"2","labels":{"team":"core"}}
	EOF
	annal append --stdin --tenant acme --field labels.env=prod --trace tr <in >ids &&
	test_line_count = 2 ids &&
	for id in $(cat ids)
	do
		check_field $id tenant "\"acme\"" &&
		check_field $id trace_id "\"tr\"" &&
		check_field $id labels.env "\"prod\"" || return 1
	done &&
	check_field $(sed -n 2p ids) labels.team "\"core\""
'

test_expect_success PYTHON3 'with --stdin an option is a default: a line keeps its own value' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1"}
	{"actor":"a","action":"2","tenant":"other","labels":{"env":"dev"}}
	{"action":"3","labels":{"team":"core"}}
	EOF
	annal append --stdin --tenant acme --actor svc:default \
		--field labels.env=prod <in >ids &&
	test_line_count = 3 ids &&
	for id in $(cat ids)
	do
		annal_record repo.git $id || return 1
	done >records &&
	python3 -c "
import json, sys
got = [(r.get(\"tenant\"), r[\"actor\"], r.get(\"labels\")) for r in map(json.loads, sys.stdin)]
want = [(\"acme\", \"a\", {\"env\": \"prod\"}),
        (\"other\", \"a\", {\"env\": \"dev\"}),
        (\"acme\", \"svc:default\", {\"env\": \"prod\", \"team\": \"core\"})]
assert got == want, got
" <records
'

test_expect_success 'with --stream too: a line keeps its own tenant' '
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"s1\"}" \
		"{\"actor\":\"a\",\"action\":\"s2\",\"tenant\":\"other\"}" >in &&
	annal append --stdin --stream --tenant acme <in >ids &&
	check_field $(sed -n 1p ids) tenant "\"acme\"" &&
	check_field $(sed -n 2p ids) tenant "\"other\""
'

test_expect_success '--actor and --action fill in lines without them' '
	cat >in <<-\EOF &&
	{"target":"x"}
	{"target":"y"}
	EOF
	annal append --stdin --actor svc:batch --action sync <in >ids &&
	test_line_count = 2 ids &&
	check_field $(sed -n 2p ids) actor "\"svc:batch\"" &&
	check_field $(sed -n 2p ids) target "\"y\""
'

test_expect_success '--json with --stdin: exit 2, nothing read' '
	echo "{\"actor\":\"a\",\"action\":\"b\"}" >in &&
	refs_snapshot &&
	test_expect_code 2 annal append --json "{\"actor\":\"a\",\"action\":\"b\"}" --stdin <in >out 2>err &&
	test_must_be_empty out &&
	sed -n 1p err >first-line &&
	echo "annal: error: options '\''--json'\'' and '\''--stdin'\'' cannot be used together" >expect &&
	test_cmp expect first-line &&
	sed -n 2p err >second &&
	grep "^usage: annal append" second &&
	test_expect_code 2 annal append --stdin --json "{\"actor\":\"a\",\"action\":\"b\"}" <in >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: options .* cannot be used together" err &&
	refs_unchanged
'

test_expect_success '--corrects with --stdin: exit 2' '
	echo "{\"actor\":\"a\",\"action\":\"b\"}" >in &&
	refs_snapshot &&
	test_expect_code 2 annal append --stdin --corrects $(cat first) <in >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: options .* cannot be used together" err &&
	refs_unchanged
'

test_expect_success 'a batch of 300 lines' '
	git -C repo.git rev-list --count refs/audit/main >before &&
	test_seq 300 >nums &&
	sed -e "s/.*/{\"actor\":\"svc:load\",\"action\":\"n&\",\"n\":&}/" nums >in &&
	annal append --stdin <in >ids &&
	test_line_count = 300 ids &&
	tail -n 1 ids >expect &&
	git -C repo.git rev-parse refs/audit/main >actual &&
	test_cmp expect actual &&
	git -C repo.git rev-list --count refs/audit/main >after &&
	test $(cat after) = $(($(cat before) + 300)) &&
	check_field $(tail -n 1 ids) n 300 &&
	check_field $(tail -n 1 ids) seq $(cat after) &&
	check_field $(sed -n 150p ids) action "\"n150\"" &&
	git -C repo.git rev-list --reverse refs/audit/main >all &&
	tail -n 300 all >actual &&
	test_cmp ids actual
'

test_expect_success 'a single append continues after the batch' '
	annal append --actor a --action after >id &&
	git -C repo.git rev-list --count refs/audit/main >count &&
	check_field $(cat id) seq $(cat count)
'

test_expect_success PYTHON3 'the whole log checks out' '
	annal_check_log repo.git >records &&
	test_line_count = $(cat count) records
'

test_expect_success 'git fsck --strict finds nothing wrong' '
	git -C repo.git fsck --strict --no-dangling >out 2>err &&
	! grep -i -e error -e warning -e missing -e broken out err
'

# libgit2 1.5's indexer refused a pack bigger than its mapping window when
# handed over in one piece: batches of ~35,000 records and more failed.
# Random padding keeps the pack past 20 MB now that each record is a
# delta against the one before it (what they share costs a few bytes).
test_expect_success 'a batch whose pack outgrows libgit2 mapping window' '
	test_seq 60000 |
	awk "BEGIN { srand(7) }
	{ p = \"\"; for (i = 0; i < 48; i++) p = p sprintf(\"%08x\", int(rand() * 4294967296))
	  printf \"{\\\"actor\\\":\\\"svc\\\",\\\"action\\\":\\\"bulk\\\",\\\"n\\\":%d,\\\"pad\\\":\\\"%s\\\"}\\n\", \$1, p }" >big &&
	annal append --log bulk --stdin <big >ids &&
	test_line_count = 60000 ids &&
	pack=$(ls -S repo.git/objects/pack/*.pack | head -n 1) &&
	test $(wc -c <"$pack") -gt 20000000 &&
	annal verify --log bulk
'

# annal writes batch packs itself (src/packw.c): stock git must read them
# as its own, and index them to the same bytes.
test_expect_success 'git indexes a batch pack to the same index annal wrote' '
	pack=$(ls -S repo.git/objects/pack/*.pack | head -n 1) &&
	git verify-pack "${pack%.pack}.idx" &&
	cp "$pack" copy.pack &&
	git index-pack -o copy.idx copy.pack &&
	cmp copy.idx "${pack%.pack}.idx" &&
	git verify-pack -v "${pack%.pack}.idx" >objects &&
	grep -c " commit " objects >count &&
	test $(cat count) = 60000
'

test_expect_success 'a bad line late in a long batch leaves no pack behind' '
	ls repo.git/objects/pack >packs.before &&
	test_seq 3000 | sed -e "s/.*/{\"actor\":\"a\",\"action\":\"n&\"}/" >in &&
	echo "{\"actor\":\"a\"}" >>in &&
	batch_rejected 3001 <in &&
	ls repo.git/objects/pack >packs.after &&
	test_cmp packs.before packs.after
'

test_expect_success 'a read error mid-batch: exit 3, nothing appended, no pack' '
	refs_snapshot &&
	test_expect_code 3 annal append --stdin <repo.git 2>err &&
	grep "^annal: error: cannot read standard input" err &&
	refs_unchanged &&
	ls repo.git/objects/pack >packs.after &&
	test_cmp packs.before packs.after
'

# A line of 200 MB: the JSON of one record with a long string.
long_line () {
	printf "{\"actor\":\"a\",\"action\":\"big\",\"x\":\"" &&
	head -c 200000000 /dev/zero | tr "\0" a &&
	echo "\"}"
}

test_expect_success MAXRSS 'a 200 MB line is refused after 4 MiB is read, not buffered' '
	refs_snapshot &&
	long_line |
	test_expect_code 2 /usr/bin/time -f %M -o rss annal append --stdin >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: stdin line 1: input is over 4194304 bytes" >expect &&
	test_cmp expect err &&
	refs_unchanged &&
	test "$(tail -n 1 rss)" -lt 100000
'

test_expect_success MAXRSS 'a 200 MB line of blanks is refused, not skipped in pieces' '
	refs_snapshot &&
	{ echo "{\"actor\":\"a\",\"action\":\"one\"}" &&
	  head -c 200000000 /dev/zero | tr "\0" " " && echo; } |
	test_expect_code 2 /usr/bin/time -f %M -o rss annal append --stdin >out 2>err &&
	echo "annal: error: stdin line 2: input is over 4194304 bytes" >expect &&
	test_cmp expect err &&
	refs_unchanged &&
	test "$(tail -n 1 rss)" -lt 100000
'

test_done
