#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='contrib/hooks/pre-push: a record for each push to a protected branch'
. "$(dirname "$0")/test-lib.sh"

hook="$ANNAL_SOURCE_DIR/contrib/hooks/pre-push"
zero=0000000000000000000000000000000000000000

# commit_in WORK MESSAGE: a commit on WORK's current branch
commit_in () {
	echo "$2" >>"$1/file" &&
	git -C "$1" add file &&
	git -C "$1" commit -q -m "$2"
}

# records COUNT [LOG]: the records of audit.git's log LOG (git-push), as
# JSON lines, in "records"; there are COUNT
records () {
	annal -C audit.git log --log "${2:-git-push}" --format jsonl --reverse >records &&
	test_line_count = "$1" records
}

# check_record N FIELD=VALUE...: the N-th record (1 = the oldest) has
# these fields, and no field besides them and those annal adds
check_record () {
	python3 - records "$@" <<-\PY
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	rec = recs[int(sys.argv[2]) - 1]
	want = dict(a.split("=", 1) for a in sys.argv[3:])
	got = {k: v for k, v in rec.items()
	       if k not in ("id", "seq", "hash", "prev_hash", "ts", "signing")}
	assert got == want, (got, want)
	PY
}

test_expect_success 'setup: an ordinary repository, its remote and the audit repository' '
	test_path_is_file "$hook" &&
	annal init audit.git >/dev/null &&
	git init -q --bare remote.git &&
	git init -q -b main work &&
	git -C work config user.email alice@example.com &&
	git -C work remote add origin "$PWD/remote.git" &&
	cp "$hook" work/.git/hooks/pre-push &&
	git -C work config annal.auditRepo "$PWD/audit.git" &&
	commit_in work one
'

test_expect_success 'a push that creates main: one record, old all zeros' '
	git -C work push -q origin main 2>err &&
	records 1 &&
	new=$(git -C work rev-parse main) &&
	check_record 1 actor=alice@example.com action=git.push target=refs/heads/main \
		remote=origin url="$PWD/remote.git" ref=refs/heads/main \
		old=$zero new=$new change=create &&
	test "$(git -C remote.git rev-parse main)" = "$new"
'

test_expect_success 'a push to main: from which commit to which' '
	old=$(git -C work rev-parse main) &&
	commit_in work two &&
	commit_in work three &&
	new=$(git -C work rev-parse main) &&
	git -C work push -q origin main &&
	records 2 &&
	check_record 2 actor=alice@example.com action=git.push target=refs/heads/main \
		remote=origin url="$PWD/remote.git" ref=refs/heads/main \
		old=$old new=$new change=update
'

test_expect_success 'a push of another branch: no record' '
	git -C work checkout -q -b topic &&
	commit_in work topic &&
	git -C work push -q origin topic &&
	git -C work push -q origin topic:refs/tags/v1 &&
	git -C remote.git rev-parse --verify -q topic &&
	records 2
'

test_expect_success 'annal.protectedBranches: globs; a new and a deleted branch' '
	git -C work config annal.protectedBranches main &&
	git -C work config --add annal.protectedBranches "release/*" &&
	new=$(git -C work rev-parse topic) &&
	git -C work push -q origin topic:release/1.0 &&
	records 3 &&
	check_record 3 actor=alice@example.com action=git.push target=refs/heads/release/1.0 \
		remote=origin url="$PWD/remote.git" ref=refs/heads/topic \
		old=$zero new=$new change=create &&
	git -C work push -q origin :release/1.0 &&
	test_must_fail git -C remote.git rev-parse --verify -q release/1.0 &&
	records 4 &&
	check_record 4 actor=alice@example.com action=git.push target=refs/heads/release/1.0 \
		remote=origin url="$PWD/remote.git" ref="(delete)" \
		old=$new new=$zero change=delete &&
	git -C work push -q origin topic:master &&
	records 4
'

test_expect_success 'the pushes of one git push: a record each' '
	git -C work checkout -q main &&
	commit_in work four &&
	main=$(git -C work rev-parse main) &&
	git -C work push -q origin main topic:release/2 topic:other &&
	records 6 &&
	python3 -c "
import json, sys
recs = [json.loads(l) for l in open(\"records\")][4:]
assert sorted(r[\"target\"] for r in recs) == [\"refs/heads/main\", \"refs/heads/release/2\"], recs
"
'

test_expect_success 'without user.email the actor is $USER' '
	git -C work config --unset user.email &&
	commit_in work five &&
	USER=bob git -C work push -q origin main &&
	records 7 &&
	grep "\"actor\":\"bob\"" records &&
	git -C work config user.email alice@example.com
'

test_expect_success 'a record that cannot be appended refuses the push, with the reason' '
	before=$(git -C remote.git rev-parse main) &&
	commit_in work six &&
	git -C work config annal.auditRepo "$PWD/no-such.git" &&
	test_must_fail git -C work push origin main 2>err &&
	grep "^pre-push: cannot record the push of main in $PWD/no-such.git, push refused: annal: error: " err &&
	test "$(git -C remote.git rev-parse main)" = "$before" &&
	git -C work config --unset annal.auditRepo &&
	test_must_fail git -C work push origin main 2>err &&
	grep "^pre-push: cannot record the push of main: git config annal.auditRepo is not set" err &&
	test "$(git -C remote.git rev-parse main)" = "$before" &&
	git -C work config annal.auditRepo "$PWD/audit.git" &&
	records 7 &&
	git -C work push -q origin topic:refs/heads/other2 &&
	test "$(git -C remote.git rev-parse main)" = "$before"
'

test_expect_success 'annal.auditLog; signed with the key the audit repository names' '
	annal keygen -f key >/dev/null 2>&1 &&
	git -C audit.git config annal.signingKey "$PWD/key" &&
	git -C work config annal.auditLog ops/git-push &&
	git -C work push -q origin main &&
	records 1 ops/git-push &&
	python3 - records key.pub <<-\PY
	import json, sys
	rec = [json.loads(l) for l in open(sys.argv[1])][-1]
	key = " ".join(open(sys.argv[2]).read().split()[:2])
	assert rec["signing"]["keys"] == [key], rec
	assert rec["change"] == "update", rec
	PY
'

test_expect_success 'annal verify passes after the pushes' '
	annal -C audit.git verify --all >out &&
	grep "^log git-push: 7 records verified" out &&
	grep "^log ops/git-push: 1 record verified" out
'

test_expect_success 'a source with a space (HEAD^{/text}) still names the branch pushed' '
	commit_in work "seven eight" &&
	commit_in work nine &&
	new=$(git -C work rev-parse "HEAD^{/seven eight}") &&
	old=$(git -C remote.git rev-parse main) &&
	git -C work push -q origin "HEAD^{/seven eight}:refs/heads/main" &&
	records 2 ops/git-push &&
	check_record 2 actor=alice@example.com action=git.push target=refs/heads/main \
		remote=origin url="$PWD/remote.git" "ref=HEAD^{/seven eight}" \
		old=$old new=$new change=update
'

test_expect_success 'a forced push: change force' '
	old=$(git -C remote.git rev-parse main) &&
	git -C work push -q --force origin main~2:main &&
	new=$(git -C work rev-parse main~2) &&
	records 3 ops/git-push &&
	check_record 3 actor=alice@example.com action=git.push target=refs/heads/main \
		remote=origin url="$PWD/remote.git" ref=main~2 \
		old=$old new=$new change=force &&
	git -C work push -q origin main &&
	records 4 ops/git-push &&
	python3 -c "
import json
rec = [json.loads(l) for l in open(\"records\")][-1]
assert rec[\"change\"] == \"update\", rec
"
'

test_expect_success 'the paths in the configuration may start with ~/' '
	test "$HOME" = "$PWD" &&
	git -C work config annal.auditRepo "~/audit.git" &&
	git -C work config annal.auditSigningKey "~/key" &&
	commit_in work ten &&
	git -C work push -q origin main &&
	records 5 ops/git-push &&
	git -C work config annal.auditRepo "$PWD/audit.git" &&
	git -C work config --unset annal.auditSigningKey
'

test_done
