#!/bin/sh

test_description='annal verify: logs rewritten with stock git plumbing

t/lib-tamper.py rebuilds a log with git cat-file, git hash-object and
git update-ref, in the storage format of annal-format(5), so that the
only defect is the intended one; annal verify must name the record and
the check, exit 1, and annal log must not crash.'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO
SQ="'"

# tamper MUTATION [ARGS...]: t.git = repo.git with one defect in log
# main; the new chain's ids, oldest first, in new-ids
tamper () {
	rm -rf t.git &&
	cp -R repo.git t.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" t.git main "$@" >new-ids
}

# verify_fails K CHECK: verify t.git exits 1 with one stderr line naming
# record K (the Kth commit of new-ids) and CHECK
verify_fails () {
	bad_id=$(sed -n "${1}p" new-ids) &&
	test -n "$bad_id" &&
	test_expect_code 1 annal -C t.git verify >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: record $1 ($bad_id): $2: ." err
}

# verify_fails_with CHECK: exit 1, one stderr line with CHECK
verify_fails_with () {
	test_expect_code 1 annal -C t.git verify >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: .*$1" err
}

# object_fails K CHECK: an unreadable object, record K: exit 1, one stderr
# line naming its commit and CHECK.  Its position from the first record is
# unknown (the root cannot be reached through it, and a successor's seq is
# not yet verified), so only the commit id is required.
object_fails () {
	bad_id=$(sed -n "${1}p" new-ids) &&
	test -n "$bad_id" &&
	test_expect_code 1 annal -C t.git verify >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: record .*$bad_id.*: $2: ." err
}

# log_survives: annal log on t.git exits 0 or 1, never crashes
log_survives () {
	for fmt in pretty oneline jsonl json csv
	do
		annal -C t.git log --format $fmt >log.out 2>log.err
		rc=$?
		if test $rc -gt 1
		then
			echo "annal log --format $fmt exited $rc"
			cat log.err
			return 1
		fi
	done
	annal -C t.git log --reverse --summary >log.out 2>log.err
	rc=$?
	if test $rc -gt 1
	then
		echo "annal log --reverse --summary exited $rc"
		cat log.err
		return 1
	fi
	return 0
}

test_expect_success PYTHON3,GIT 'setup' '
	annal init "$ANNAL_REPO" &&
	test_tick &&
	annal append --actor alice --action login --decision allowed >ids &&
	test_tick &&
	annal append --actor bob --action deploy --target web-1 \
		--decision blocked --tenant acme >>ids &&
	test_tick &&
	annal append --actor carol --action read --target db \
		--reason "routine check" >>ids &&
	test_tick &&
	annal append --json "{\"actor\":\"dave\",\"action\":\"note\",\"reason\":\"café\",\"labels\":{\"env\":\"prod\"},\"ratio\":1.5}" >>ids &&
	test_tick &&
	annal append --actor eve --action export --target all \
		--decision held >>ids &&
	test_tick &&
	annal append --actor frank --action logout >>ids &&
	test_line_count = 6 ids &&
	annal append --log other --actor o --action x >other-ids &&
	test_unpack_objects "$ANNAL_REPO" &&
	annal verify >out &&
	tail -n 1 ids >old-head
'

test_expect_success PYTHON3,GIT 'lib-tamper reproduces every commit byte for byte' '
	tamper identity &&
	test_cmp ids new-ids &&
	annal -C t.git verify >out &&
	echo "log main: 6 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out
'

test_expect_success PYTHON3,GIT 'an edited field with its old hash: recordHashMismatch' '
	tamper edit-field 3 reason "nothing to see" &&
	verify_fails 3 recordHashMismatch &&
	log_survives
'

test_expect_success PYTHON3,GIT 'an edited decision or actor, summary and author to match' '
	tamper edit-field 2 decision allowed &&
	verify_fails 2 recordHashMismatch &&
	log_survives &&
	tamper edit-field 5 actor mallory &&
	verify_fails 5 recordHashMismatch &&
	tamper edit-field 1 labels json:{\"x\":\"1\"} &&
	verify_fails 1 recordHashMismatch
'

test_expect_success PYTHON3,GIT 'an edited record rehashed: prevHashMismatch at the next' '
	tamper edit-field-rehash 3 reason "nothing to see" &&
	verify_fails 4 prevHashMismatch &&
	log_survives &&
	tamper edit-field-rehash 1 decision blocked &&
	verify_fails 2 prevHashMismatch
'

# A writer who rewrites every later record consistently produces a chain
# that the SHA-256 links alone cannot tell from the original: only
# signatures (a later issue) or an anchor kept elsewhere catch it.
test_expect_success PYTHON3,GIT 'known limitation: a fully consistent rewrite verifies' '
	tamper fully-consistent-edit 3 reason "nothing to see" &&
	annal -C t.git verify >out &&
	echo "log main: 6 records verified, head $(tail -n 1 new-ids)" >expect &&
	test_cmp expect out &&
	log_survives
'

test_expect_success PYTHON3,GIT 'a fully consistent rewrite loses the old head: anchorNotFound' '
	tamper fully-consistent-edit 3 reason "nothing to see" &&
	test_expect_code 1 annal -C t.git verify --anchor "$(cat old-head)" \
		>out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: .*anchorNotFound" err &&
	annal -C t.git verify --anchor "$(sed -n 2p ids)" >out
'

test_expect_success PYTHON3,GIT 'two records swapped: seqGap' '
	tamper swap 3 &&
	verify_fails 3 seqGap &&
	log_survives &&
	tamper swap 1 &&
	verify_fails 1 seqGap
'

test_expect_success PYTHON3,GIT 'a record dropped: seqGap' '
	tamper drop 3 &&
	verify_fails 3 seqGap &&
	log_survives &&
	tamper drop 1 &&
	verify_fails 1 seqGap
'

test_expect_success PYTHON3,GIT 'a timestamp going backwards, chain rehashed: tsBackwards' '
	tamper ts-back 4 &&
	verify_fails 4 tsBackwards &&
	log_survives
'

test_expect_success PYTHON3,GIT 'seqs renumbered, chain rehashed: seqGap' '
	tamper seq-gap 4 &&
	verify_fails 4 seqGap &&
	log_survives &&
	tamper seq-gap 1 &&
	verify_fails 1 seqGap
'

test_expect_success PYTHON3,GIT 'a second parent: mergeCommit' '
	tamper merge 4 &&
	verify_fails 4 mergeCommit &&
	log_survives
'

test_expect_success PYTHON3,GIT 'a changed summary line: commitMismatch' '
	tamper summary 3 &&
	verify_fails 3 commitMismatch &&
	log_survives
'

test_expect_success PYTHON3,GIT 'a changed author name: commitMismatch' '
	tamper author 3 &&
	verify_fails 3 commitMismatch &&
	log_survives
'

test_expect_success PYTHON3,GIT 'non-canonical JSON with a valid hash: nonCanonical' '
	tamper noncanonical 2 space &&
	verify_fails 2 nonCanonical &&
	log_survives &&
	tamper noncanonical 2 unsorted &&
	verify_fails 2 nonCanonical &&
	tamper noncanonical 4 escape &&
	verify_fails 4 nonCanonical
'

test_expect_success PYTHON3,GIT 'a message that is not JSON: badRecord' '
	tamper garble 3 &&
	verify_fails 3 badRecord &&
	log_survives
'

test_expect_success PYTHON3,GIT 'a required field removed, chain rehashed: missingField' '
	tamper drop-field 3 action &&
	verify_fails 3 missingField &&
	log_survives
'

test_expect_success PYTHON3,GIT 'a known field of the wrong type, chain rehashed: badField' '
	tamper fully-consistent-edit 3 tenant json:5 &&
	verify_fails 3 badField &&
	log_survives
'

test_expect_success PYTHON3,GIT 'corrects must name an earlier record of the log: badCorrects' '
	tamper fully-consistent-edit 5 corrects "$(sed -n 2p ids)" &&
	annal -C t.git verify >out &&
	tamper fully-consistent-edit 5 corrects "$(cat other-ids)" &&
	verify_fails 5 badCorrects &&
	log_survives &&
	tamper fully-consistent-edit 5 corrects "$(sed -n 6p ids)" &&
	verify_fails 5 badCorrects
'

test_expect_success PYTHON3,GIT 'a truncated log verifies, the old head as anchor does not' '
	tamper truncate 4 &&
	annal -C t.git verify >out &&
	echo "log main: 4 records verified, head $(sed -n 4p ids)" >expect &&
	test_cmp expect out &&
	test_expect_code 1 annal -C t.git verify --anchor "$(cat old-head)" \
		>out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: .*anchorNotFound" err &&
	log_survives
'

test_expect_success PYTHON3,GIT 'the head object with other content: objectHashMismatch' '
	tamper corrupt-object 6 &&
	test_cmp ids new-ids &&
	object_fails 6 objectHashMismatch &&
	log_survives
'

test_expect_success PYTHON3,GIT 'the head object missing: objectMissing' '
	tamper delete-object 6 &&
	object_fails 6 objectMissing &&
	log_survives
'

test_expect_success PYTHON3,GIT 'an object below the head with other content: objectHashMismatch' '
	tamper corrupt-object 3 &&
	test_cmp ids new-ids &&
	log_survives &&
	object_fails 3 objectHashMismatch
'

test_expect_success PYTHON3,GIT 'an object below the head missing: objectMissing' '
	tamper delete-object 3 &&
	log_survives &&
	object_fails 3 objectMissing &&
	tamper delete-object 1 &&
	log_survives &&
	object_fails 1 objectMissing
'

test_expect_success PYTHON3,GIT 'the ref names a blob: notCommit' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	echo "not a record" >blob &&
	blob=$(git -C t.git hash-object -w --stdin <blob) &&
	git -C t.git update-ref refs/audit/main "$blob" &&
	verify_fails_with notCommit &&
	grep "$blob" err &&
	log_survives
'

test_expect_success PYTHON3,GIT 'a parent is a blob: notCommit' '
	tamper parent-blob 4 &&
	verify_fails_with notCommit &&
	log_survives
'

test_expect_success PYTHON3,GIT 'objects/info/alternates: unsafeRepository' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	mkdir -p t.git/objects/info &&
	echo "$(pwd)/repo.git/objects" >t.git/objects/info/alternates &&
	verify_fails_with unsafeRepository &&
	test_expect_code 1 annal -C t.git verify --all >out 2>err &&
	grep unsafeRepository err &&
	log_survives
'

test_expect_success PYTHON3,GIT 'info/grafts: unsafeRepository' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	mkdir -p t.git/info &&
	echo "$(sed -n 3p ids)" >t.git/info/grafts &&
	verify_fails_with unsafeRepository &&
	log_survives
'

test_expect_success PYTHON3,GIT '--all: a bad log fails, the others are still reported' '
	tamper swap 3 &&
	test_expect_code 1 annal -C t.git verify --all >out 2>err &&
	echo "log other: 1 record verified, head $(cat other-ids)" >expect &&
	test_cmp expect out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: record 3 ($(sed -n 3p new-ids)): seqGap: " err
'

# foreign_refs: t.git = repo.git plus refs under refs/audit/ that are no
# log names (written as files: git refuses some of these names), and
# damaged ref files libgit2 does not list; each points to main's head
foreign_refs () {
	rm -rf t.git &&
	cp -R repo.git t.git &&
	head=$(git -C t.git rev-parse refs/audit/main) &&
	git -C t.git update-ref refs/audit/-evil $head &&
	git -C t.git update-ref "refs/audit/$(printf "caf\303\251")" $head &&
	echo $head >"t.git/refs/audit/$(printf "x\377y")" &&
	echo $head >"t.git/refs/audit/$(printf "a\001b")" &&
	: >t.git/refs/audit/empty &&
	echo garbage >t.git/refs/audit/garbage &&
	echo $head >t.git/refs/audit/stale.lock
}

test_expect_success PYTHON3,GIT '--all: a ref that is no log name fails as badRef, the logs are still checked' '
	foreign_refs &&
	test_expect_code 1 annal -C t.git verify --all >out 2>err &&
	cat >expect <<-EOF &&
	log main: 6 records verified, head $(tail -n 1 ids)
	log other: 1 record verified, head $(cat other-ids)
	EOF
	test_cmp expect out &&
	cat >expect <<-EOF &&
	annal: error: log -evil: badRef: ${SQ}refs/audit/-evil${SQ} is not a valid log name
	annal: error: log a\u0001b: badRef: ${SQ}refs/audit/a\u0001b${SQ} is not a valid log name
	annal: error: log caf$(printf "\303\251"): badRef: ${SQ}refs/audit/caf$(printf "\303\251")${SQ} is not a valid log name
	annal: error: log empty: badRef: ${SQ}refs/audit/empty${SQ} is not a valid ref: corrupted loose reference file: refs/audit/empty
	annal: error: log garbage: badRef: ${SQ}refs/audit/garbage${SQ} is not a valid ref: corrupted loose reference file: refs/audit/garbage
	annal: error: log x\xffy: badRef: ${SQ}refs/audit/x\xffy${SQ} is not a valid log name
	EOF
	test_cmp expect err
'

test_expect_success PYTHON3,GIT '--all --format json: a ref that is no log name, valid JSON with every log' '
	foreign_refs &&
	test_expect_code 1 annal -C t.git verify --all --format json >out 2>err &&
	test_must_be_empty err &&
	python3 -c "
import json
got = json.loads(open(\"out\", \"rb\").read().decode(\"utf-8\"))
assert got[\"ok\"] is False, got
logs = {l[\"log\"]: l for l in got[\"logs\"]}
bad = [\"-evil\", \"a\\\\u0001b\", \"caf\u00e9\", \"empty\", \"garbage\", \"x\\\\xffy\"]
assert sorted(logs) == sorted(bad + [\"main\", \"other\"]), sorted(logs)
assert logs[\"main\"][\"ok\"] and logs[\"main\"][\"records\"] == 6, got
assert logs[\"other\"][\"ok\"] and logs[\"other\"][\"records\"] == 1, got
for name in bad:
    l = logs[name]
    assert l[\"ok\"] is False and l[\"error\"][\"check\"] == \"badRef\", l
    assert l[\"error\"][\"record\"] is None and l[\"error\"][\"commit\"] is None, l
"
'

test_expect_success PYTHON3,GIT '--log names no such ref: still invalid usage (exit 2)' '
	foreign_refs &&
	test_expect_code 2 annal -C t.git verify --log -evil >out 2>err &&
	grep "^annal: error: invalid log name .-evil.$" err &&
	test_expect_code 2 annal -C t.git log --log -evil >out 2>err &&
	grep "^annal: error: invalid log name .-evil.$" err
'

test_expect_success PYTHON3,GIT 'a failure in --format json' '
	tamper swap 3 &&
	test_expect_code 1 annal -C t.git verify --format json >out &&
	python3 -c "
import json, sys
got = json.load(open(\"out\"))
assert got[\"ok\"] is False, got
log, = got[\"logs\"]
assert log[\"log\"] == \"main\" and log[\"ok\"] is False, got
err = log[\"error\"]
assert err[\"check\"] == \"seqGap\", got
assert err[\"record\"] == 3, got
assert err[\"commit\"] == sys.argv[1], got
assert isinstance(err[\"message\"], str) and err[\"message\"], got
" "$(sed -n 3p new-ids)"
'

test_expect_success PYTHON3,GIT 'the untouched repository still verifies' '
	annal verify --all >out &&
	test_line_count = 2 out
'

test_done
