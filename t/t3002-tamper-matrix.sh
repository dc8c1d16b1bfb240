#!/bin/sh

test_description='annal verify: the tamper matrix

Twenty attacks on a signed log, each on a fresh copy of the repository,
made with stock git and the python of lib-ssh.sh (ssh_forge).  For each,
annal verify --key (the recommended, pinned use) exits 1 and names, in
--format json, the check and the first affected record: its position and
commit id, the commit id alone when the object cannot be read (no record
below it can be reached), or nothing when the repository as a whole is
unsafe.  Attacks that need no signing key are made without one; those
that test a structural check are re-signed with the trusted key, to show
that the structure alone catches them.  Documentation/technical/testing.md
lists this matrix.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# forge [--resign-with KEY] MUTATION [ARGS...]: t.git = repo.git
# rewritten by ssh_forge
forge () {
	fresh &&
	if test "$1" = --resign-with
	then
		forge_key_=$2 &&
		shift 2 &&
		ssh_forge --resign-with "$forge_key_" t.git main "$@" >new-ids
	else
		ssh_forge t.git main "$@" >new-ids
	fi
}

# fresh: t.git = a copy of repo.git
fresh () {
	rm -rf t.git forged.git common.git &&
	cp -R repo.git t.git
}

# verify_json WANT-RECORD WANT-COMMIT CHECK [MESSAGE-PART] -- [VERIFY-ARGS]:
# annal verify --key k1.pub [VERIFY-ARGS] on t.git exits 1; its JSON
# names CHECK, the record (0: none) and the commit ("null": none), and
# the message holds MESSAGE-PART.  The pretty form fails the same way.
verify_json () {
	vj_rec_=$1 vj_commit_=$2 vj_check_=$3 vj_msg_=
	shift 3
	if test "$1" != --
	then
		vj_msg_=$1
		shift
	fi
	shift
	test_expect_code 1 annal -C t.git verify --key k1.pub "$@" \
		--format json >out 2>err &&
	test_must_be_empty err &&
	python3 -c '
import json, sys
rec, commit, check, msg = sys.argv[1:5]
got = json.load(open("out"))
assert got["ok"] is False, got
log, = got["logs"]
assert log["log"] == "main" and log["ok"] is False, got
err = log["error"]
assert err["check"] == check, got
assert err["record"] == (None if rec == "0" else int(rec)), got
assert err["commit"] == (None if commit == "null" else commit), got
assert msg in err["message"], got
' "$vj_rec_" "$vj_commit_" "$vj_check_" "$vj_msg_" &&
	test_expect_code 1 annal -C t.git verify --key k1.pub "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: .*$vj_check_: ." err
}

# record_fails K CHECK [VERIFY-ARGS]: fails with CHECK at record K of
# t.git's chain, by position and commit id.  Stock tools agree: the
# repository is valid to git fsck --strict (the attack is in what the
# records say), and for a signature check git verify-commit, pinned to
# k1, accepts the records below K and refuses record K.
record_fails () {
	rf_k_=$1 rf_check_=$2
	shift 2
	verify_json "$rf_k_" "$(annal_nth t.git "$rf_k_")" "$rf_check_" -- "$@" &&
	git -C t.git fsck --strict --no-dangling >fsck.out 2>&1 || {
		echo "git fsck --strict fails:" && cat fsck.out
		return 1
	}
	case "$rf_check_" in
	badSignature | untrustedKey | missingSignature)
		test_have_prereq GITSSH || return 0
		ssh_allowed allowed-k1 "" k1.pub &&
		{ test "$rf_k_" = 1 || git_verify_commits t.git allowed-k1 \
			$(annal_ids t.git | sed -n "1,$((rf_k_ - 1))p"); } &&
		if git_verify_commits t.git allowed-k1 "$(annal_nth t.git "$rf_k_")" >/dev/null
		then
			echo "git verify-commit accepts record $rf_k_, annal says $rf_check_"
			return 1
		fi
		;;
	esac
}

# object_fails ID CHECK: fails with CHECK naming commit ID, no position
object_fails () {
	verify_json 0 "$1" "$2" -- &&
	grep "record $1: $2: " err
}

# repo_fails CHECK MESSAGE-PART [VERIFY-ARGS]: fails with CHECK, no record
repo_fails () {
	rpf_check_=$1 rpf_msg_=$2
	shift 2
	verify_json 0 null "$rpf_check_" "$rpf_msg_" -- "$@"
}

# flip FILE OFFSET: invert the lowest bit of the byte at OFFSET
flip () {
	chmod u+w "$1" &&
	python3 -c '
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 1]))
' "$1" "$2"
}

test_expect_success PYTHON3,SSHKEYGEN 'setup: a signed log of six records, another log by the same key' '
	annal keygen -f k1 -C auditor >/dev/null &&
	annal keygen -f k2 -C mallory >/dev/null &&
	annal init repo.git >/dev/null &&
	for i in 1 2 3 4 5 6
	do
		ANNAL_TEST_NOW=$((1795000000 + 60 * i)) \
		annal -C repo.git append --sign-key k1 --actor "user$i" \
			--action "act$i" --decision allowed --reason "step $i" ||
		return 1
	done >ids &&
	test_line_count = 6 ids &&
	ANNAL_TEST_NOW=1795000400 annal -C repo.git append --log other \
		--sign-key k1 --actor ops --action start >other-ids &&
	ANNAL_TEST_NOW=1795000410 annal -C repo.git append --log other \
		--sign-key k1 --actor ops --action stop >>other-ids &&
	tail -n 1 ids >old-head &&
	test_unpack_objects repo.git &&
	ANNAL_TEST_NOW=1795000500 &&
	export ANNAL_TEST_NOW &&
	annal -C repo.git verify --all --key k1.pub >out &&
	test_line_count = 2 out
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'ssh_forge rebuilds the log byte for byte' '
	forge identity &&
	test_cmp ids new-ids &&
	annal -C t.git verify --key k1.pub
'

# 1
test_expect_success PYTHON3,SSHKEYGEN,GIT 'edit a record: badSignature, untrustedKey if re-signed' '
	forge edit-stale 3 reason "nothing to see" &&
	record_fails 3 badSignature &&
	forge --resign-with k2 edit 3 reason "nothing to see" &&
	record_fails 3 untrustedKey
'

# 2
test_expect_success PYTHON3,SSHKEYGEN,GIT 'delete a record: seqGap' '
	forge drop 3 &&
	test_line_count = 5 new-ids &&
	record_fails 3 seqGap
'

# 3
test_expect_success PYTHON3,SSHKEYGEN,GIT 'reorder two records: seqGap' '
	forge swap 3 &&
	record_fails 3 seqGap
'

# 4
test_expect_success PYTHON3,SSHKEYGEN,GIT 'insert a record, chain renumbered: untrustedKey or missingSignature' '
	forge insert 3 k2 mallory grant &&
	test_line_count = 7 new-ids &&
	record_fails 3 untrustedKey &&
	forge insert 3 none mallory grant &&
	record_fails 3 missingSignature
'

# 5
test_expect_success PYTHON3,SSHKEYGEN,GIT 'truncate the log: anchorNotFound with --anchor' '
	fresh &&
	git -C t.git update-ref refs/audit/main "$(sed -n 4p ids)" "$(cat old-head)" &&
	annal -C t.git verify --key k1.pub >out &&
	echo "log main: 4 records verified, head $(sed -n 4p ids)" >expect &&
	test_cmp expect out &&
	repo_fails anchorNotFound "$(cat old-head)" --anchor "$(cat old-head)"
'

# 6
test_expect_success PYTHON3,SSHKEYGEN,GIT 'swap two records'"'"' signatures: badSignature' '
	forge swap-sigs 3 4 &&
	record_fails 3 badSignature &&
	forge swap-sigs 6 5 &&
	record_fails 5 badSignature
'

# 7
test_expect_success PYTHON3,SSHKEYGEN,GIT 're-sign with a foreign key: untrustedKey' '
	forge resign 3 k2 &&
	record_fails 3 untrustedKey &&
	forge resign 1 k2 &&
	record_fails 1 untrustedKey
'

# 8
test_expect_success PYTHON3,SSHKEYGEN,GIT 'strip every signature: missingSignature at record 1' '
	forge strip-all &&
	record_fails 1 missingSignature &&
	test_expect_code 1 annal -C t.git verify 2>err &&
	grep "record 1 ($(sed -n 1p new-ids)): missingSignature: " err &&
	forge unsign-all &&
	annal -C t.git verify &&
	record_fails 1 missingSignature
'

# 9
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a merge commit, re-signed: mergeCommit' '
	forge --resign-with k1 merge 4 &&
	git -C t.git rev-parse refs/audit/main~2^2 >root &&
	sed -n 1p new-ids >expect &&
	test_cmp expect root &&
	record_fails 4 mergeCommit
'

# 10
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a second root, re-signed: seqGap at the new first record' '
	forge --resign-with k1 orphan 4 &&
	annal_ids t.git >chain &&
	test_line_count = 3 chain &&
	verify_json 1 "$(sed -n 4p new-ids)" seqGap "seq is 4, expected 1" --
'

# 11
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a replace ref: unsafeRepository' '
	fresh &&
	id3=$(sed -n 3p ids) &&
	git -C t.git cat-file commit "$id3" >c3 &&
	sed "s/step 3/step 9/" c3 >forged &&
	forged=$(git -C t.git hash-object -t commit -w --stdin <forged) &&
	git -C t.git replace "$id3" "$forged" &&
	repo_fails unsafeRepository "refs/replace/$id3"
'

# 12
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a grafts or a shallow file: unsafeRepository' '
	fresh &&
	echo "$(sed -n 3p ids)" >t.git/shallow &&
	repo_fails unsafeRepository "'"'"'shallow'"'"'" &&
	fresh &&
	mkdir -p t.git/info &&
	echo "$(sed -n 4p ids) $(sed -n 2p ids)" >t.git/info/grafts &&
	repo_fails unsafeRepository "'"'"'info/grafts'"'"'"
'

# 13
test_expect_success PYTHON3,SSHKEYGEN,GIT 'objects/info/alternates to a forged object store: unsafeRepository' '
	forge --resign-with k1 edit 3 reason "nothing to see" &&
	mv t.git forged.git &&
	cp -R repo.git t.git &&
	for id in $(cat ids)
	do
		rm -f "t.git/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-)" ||
		return 1
	done &&
	echo "$(pwd)/forged.git/objects" >t.git/objects/info/alternates &&
	git -C t.git update-ref refs/audit/main "$(tail -n 1 new-ids)" &&
	git -C t.git cat-file -e "$(sed -n 3p new-ids)" &&
	repo_fails unsafeRepository "objects/info/alternates"
'

# 13b
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a commondir file to a store with alternates: unsafeRepository' '
	forge --resign-with k1 edit 3 reason "nothing to see" &&
	mv t.git forged.git &&
	cp -R repo.git common.git &&
	echo "$(pwd)/forged.git/objects" >common.git/objects/info/alternates &&
	mkdir -p t.git/refs t.git/objects &&
	cp repo.git/HEAD repo.git/config t.git/ &&
	echo "$(pwd)/common.git" >t.git/commondir &&
	repo_fails unsafeRepository "common.git/objects/info/alternates"
'

# 14
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a corrupted loose object: objectHashMismatch' '
	fresh &&
	id3=$(sed -n 3p ids) &&
	obj=t.git/objects/$(echo $id3 | cut -c1-2)/$(echo $id3 | cut -c3-) &&
	chmod u+w "$obj" &&
	python3 -c "
import sys, zlib
open(sys.argv[1], \"wb\").write(zlib.compress(b\"commit 16\\0not the original\\n\"))
" "$obj" &&
	object_fails "$id3" objectHashMismatch &&
	! git -C t.git fsck --strict --no-dangling &&
	fresh &&
	flip "$obj" 20 &&
	object_fails "$id3" objectHashMismatch &&
	! git -C t.git fsck --strict --no-dangling
'

# 15
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a corrupted pack: objectHashMismatch' '
	fresh &&
	git -C t.git repack -a -d -q --window=0 &&
	id3=$(sed -n 3p ids) &&
	test_path_is_missing t.git/objects/$(echo $id3 | cut -c1-2)/$(echo $id3 | cut -c3-) &&
	idx=$(echo t.git/objects/pack/pack-*.idx) &&
	git verify-pack -v "$idx" >packed &&
	off=$(awk -v id=$id3 "\$1 == id { print \$5 + int(\$4 / 2) }" packed) &&
	test -n "$off" &&
	flip "${idx%.idx}.pack" "$off" &&
	object_fails "$id3" objectHashMismatch &&
	! git -C t.git fsck --strict --no-dangling
'

# 16
test_expect_success PYTHON3,SSHKEYGEN,GIT 'valid JSON that is not canonical, re-signed: nonCanonical' '
	forge --resign-with k1 json 3 space &&
	record_fails 3 nonCanonical
'

# 17
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a duplicate key in the JSON, re-signed: badRecord' '
	forge --resign-with k1 json 3 dupkey &&
	git -C t.git cat-file commit "$(sed -n 3p new-ids)" >c3 &&
	grep "^{\"action\":\"nothing\",\"action\":\"act3\"," c3 &&
	verify_json 3 "$(sed -n 3p new-ids)" badRecord "duplicate key" --
'

# 18
test_expect_success PYTHON3,SSHKEYGEN,GIT 'a ts beyond 5 minutes ahead, signed with the key: tsFuture' '
	fresh &&
	ANNAL_TEST_NOW=$((ANNAL_TEST_NOW + 240)) \
		ssh_forge t.git main append k1 user7 early >new-ids &&
	annal -C t.git verify --key k1.pub &&
	fresh &&
	ANNAL_TEST_NOW=$((ANNAL_TEST_NOW + 86400)) \
		ssh_forge t.git main append k1 user7 postdated >new-ids &&
	record_fails 7 tsFuture &&
	ANNAL_TEST_NOW=$((ANNAL_TEST_NOW + 86400)) annal -C t.git verify --key k1.pub
'

# 19
test_expect_success PYTHON3,SSHKEYGEN,GIT 'author and record disagree, re-signed: commitMismatch' '
	forge --resign-with k1 author 3 mallory &&
	git -C t.git cat-file commit "$(sed -n 3p new-ids)" >c3 &&
	grep "^author mallory <annal> " c3 &&
	grep "^committer user3 <annal> " c3 &&
	record_fails 3 commitMismatch
'

# 20
test_expect_success PYTHON3,SSHKEYGEN,GIT 'the ref moved to another log'"'"'s head: sharedRecord' '
	fresh &&
	git -C t.git update-ref refs/audit/main "$(tail -n 1 other-ids)" &&
	verify_json 1 "$(sed -n 1p other-ids)" sharedRecord "log '"'"'other'"'"'" -- &&
	test_expect_code 1 annal -C t.git verify --all --key k1.pub >out 2>err &&
	test_line_count = 2 err &&
	grep "^annal: error: log other: record 1 ($(sed -n 1p other-ids)): sharedRecord: " err
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the ref made a symbolic ref to another log: badRef' '
	fresh &&
	git -C t.git symbolic-ref refs/audit/main refs/audit/other &&
	repo_fails badRef "refs/audit/main"
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the ref moved to an older record of another log: --all or --anchor' '
	fresh &&
	git -C t.git update-ref refs/audit/main "$(sed -n 1p other-ids)" &&
	annal -C t.git verify --key k1.pub &&
	test_expect_code 1 annal -C t.git verify --all --key k1.pub >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log other: record 1 ($(sed -n 1p other-ids)): sharedRecord: .*head is record 1 of this log" err &&
	repo_fails anchorNotFound "$(cat old-head)" --anchor "$(cat old-head)"
'

# 21
test_expect_success PYTHON3,SSHKEYGEN,GIT 'white space in the signature armor (a new id, same signature): commitMismatch' '
	fresh &&
	head=$(git -C t.git rev-parse refs/audit/main) &&
	git -C t.git cat-file commit $head >c6 &&
	for how in tab-after-begin end-on-base64-line
	do
		python3 - "$how" c6 >c6.$how <<-\EOF &&
		import sys
		how, d = sys.argv[1], open(sys.argv[2], "rb").read()
		begin = b"-----BEGIN SSH SIGNATURE-----\n "
		end = b"\n -----END SSH SIGNATURE-----"
		assert begin in d and end in d
		if how == "tab-after-begin":
		    i = d.index(begin) + len(begin)
		    d = d[:i] + b"\t" + d[i:]
		else:
		    d = d.replace(end, b" -----END SSH SIGNATURE-----")
		sys.stdout.buffer.write(d)
		EOF
		new=$(git -C t.git hash-object -t commit -w --literally --stdin <c6.$how) &&
		test $new != $head &&
		git -C t.git update-ref refs/audit/main $new &&
		record_fails 6 commitMismatch || return 1
	done
'

test_expect_success PYTHON3,SSHKEYGEN,GITSSH 'git accepts the first of those, as annal once did' '
	ssh_allowed allowed "namespaces=\"git\"" k1.pub &&
	git -C t.git update-ref refs/audit/main $(git -C t.git hash-object -t commit -w --literally --stdin <c6.tab-after-begin) &&
	git_verify_commits t.git allowed refs/audit/main
'

test_expect_success 'the untouched repository still verifies' '
	annal -C repo.git verify --all --key k1.pub >out &&
	test_line_count = 2 out &&
	annal_ids repo.git >actual &&
	test_cmp ids actual
'

test_done
