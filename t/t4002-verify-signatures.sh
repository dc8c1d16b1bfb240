#!/bin/sh

test_description='annal verify on signed logs: tampering and pinned keys

Signed logs rewritten with stock tools (git fast-export/fast-import,
git commit-tree [-S], git update-ref, ssh-keygen -Y sign through
lib-ssh.sh ssh_forge): annal verify exits 1 naming the first bad record
and missingSignature, badSignature or untrustedKey; --allowed-signers and
--key pin the key of the first record, and an allowed signers file pins
the namespaces and window of each key it names on every record, as git
verify-commit judges each commit with the same file.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# forge [--resign-with KEY] MUTATION [ARGS...]: t.git = repo.git rewritten
# by ssh_forge, the new ids in new-ids
forge () {
	rm -rf t.git &&
	cp -R repo.git t.git &&
	if test "$1" = --resign-with
	then
		forge_key_=$2 &&
		shift 2 &&
		ssh_forge --resign-with "$forge_key_" t.git main "$@" >new-ids
	else
		ssh_forge t.git main "$@" >new-ids
	fi
}

# exit_2_or_3 CMD...: CMD exits 2 or 3
exit_2_or_3 () {
	"$@"
	e23_=$?
	test $e23_ = 2 || test $e23_ = 3 || {
		echo "exit $e23_, wanted 2 or 3: $*"
		return 1
	}
}

# append_with_git REPO HOW ACTOR ACTION: append the next record with stock
# git commit-tree and git update-ref.  HOW: a key file (git commit-tree -S,
# gpg.format=ssh), "unsigned" (annal's exact format, no signature) or
# "plain" (a commit message that is no record).
append_with_git () {
	awg_head_=$(git -C "$1" rev-parse --verify "refs/audit/main") &&
	ssh_forge "$1" main next-record "$3" "$4" >"$TRASH_DIRECTORY/.next" &&
	awg_json_=$(cat "$TRASH_DIRECTORY/.next") &&
	awg_seq_=$(json_get seq <"$TRASH_DIRECTORY/.next") &&
	awg_secs_=$(json_get ts <"$TRASH_DIRECTORY/.next" | python3 -c '
import calendar, json, sys, time
ts = json.load(sys.stdin)
print(calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")))') &&
	case "$2" in
	plain)
		awg_new_=$(git -C "$1" commit-tree -p "$awg_head_" -m "hello" "$EMPTY_TREE")
		;;
	unsigned)
		awg_new_=$(GIT_AUTHOR_NAME=$3 GIT_AUTHOR_EMAIL=annal \
			GIT_AUTHOR_DATE="$awg_secs_ +0000" \
			GIT_COMMITTER_NAME=$3 GIT_COMMITTER_EMAIL=annal \
			GIT_COMMITTER_DATE="$awg_secs_ +0000" \
			git -C "$1" commit-tree -p "$awg_head_" \
				-m "#$awg_seq_ $3 $4" -m "$awg_json_" "$EMPTY_TREE")
		;;
	*)
		awg_new_=$(GIT_AUTHOR_NAME=$3 GIT_AUTHOR_EMAIL=annal \
			GIT_AUTHOR_DATE="$awg_secs_ +0000" \
			GIT_COMMITTER_NAME=$3 GIT_COMMITTER_EMAIL=annal \
			GIT_COMMITTER_DATE="$awg_secs_ +0000" \
			git -C "$1" -c gpg.format=ssh \
				-c user.signingKey="$TRASH_DIRECTORY/$2" \
				commit-tree -S -p "$awg_head_" \
				-m "#$awg_seq_ $3 $4" -m "$awg_json_" "$EMPTY_TREE")
		;;
	esac &&
	git -C "$1" update-ref refs/audit/main "$awg_new_" "$awg_head_"
}

# verify_json_fails REPO K CHECK [ARGS...]: --format json names K and CHECK
verify_json_fails () {
	vjf_repo_=$1
	vjf_k_=$2
	vjf_check_=$3
	shift 3
	test_expect_code 1 annal -C "$vjf_repo_" verify --format json "$@" >out &&
	python3 -c '
import json, sys
got = json.load(open("out"))
assert got["ok"] is False, got
log, = got["logs"]
assert log["log"] == "main" and log["ok"] is False, got
err = log["error"]
assert err["check"] == sys.argv[2], got
assert err["record"] == int(sys.argv[1]), got
assert err["commit"] == sys.argv[3], got
assert isinstance(err["message"], str) and err["message"], got
' "$vjf_k_" "$vjf_check_" "$(annal_nth "$vjf_repo_" "$vjf_k_")"
}

# make_log REPO KEY: the same five records, same clock, signed by KEY
make_log () {
	annal init "$1" >/dev/null &&
	ANNAL_TEST_NOW=1795000060 annal -C "$1" append --sign-key "$2" \
		--actor alice --action login --decision allowed >"$1.ids" &&
	ANNAL_TEST_NOW=1795000120 annal -C "$1" append --sign-key "$2" \
		--actor bob --action deploy --target web-1 \
		--reason "release 42" >>"$1.ids" &&
	ANNAL_TEST_NOW=1795000180 annal -C "$1" append --sign-key "$2" \
		--actor carol --action read --target db >>"$1.ids" &&
	ANNAL_TEST_NOW=1795000240 annal -C "$1" append --sign-key "$2" \
		--actor dave --action note --reason "all good" >>"$1.ids" &&
	ANNAL_TEST_NOW=1795000300 annal -C "$1" append --sign-key "$2" \
		--actor eve --action logout >>"$1.ids"
}

test_expect_success 'setup' '
	annal keygen -f k1 -C original >/dev/null &&
	annal keygen -f k2 -C mallory >/dev/null &&
	make_log repo.git k1 &&
	cp repo.git.ids ids &&
	test_line_count = 5 ids &&
	ssh_allowed allowed "namespaces=\"git\"" k1.pub &&
	ANNAL_TEST_NOW=1795000400 &&
	export ANNAL_TEST_NOW
'

test_expect_success PYTHON3 'the good log passes, unpinned and with both pins' '
	echo "log main: 5 records verified, head $(tail -n 1 ids)" >expect &&
	annal -C repo.git verify >out &&
	test_cmp expect out &&
	annal -C repo.git verify --allowed-signers allowed >out &&
	test_cmp expect out &&
	annal -C repo.git verify --allowed-signers "$TRASH_DIRECTORY/allowed" >out &&
	test_cmp expect out &&
	annal -C repo.git verify --key k1.pub >out &&
	test_cmp expect out &&
	annal -C repo.git verify --key k1.pub --anchor "$(sed -n 3p ids)" >out &&
	test_cmp expect out &&
	annal -C repo.git verify --format json --key k1.pub >out &&
	python3 -c "
import json, sys
got = json.load(open(\"out\"))
assert got[\"ok\"] is True, got
log, = got[\"logs\"]
want = {\"log\": \"main\", \"ok\": True, \"records\": 5, \"head\": sys.argv[1]}
assert {k: log.get(k) for k in want} == want, got
assert \"error\" not in log, got
" "$(tail -n 1 ids)"
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'ssh_forge makes the vector commit of stock git' '
	ssh_vector_key vk &&
	ssh_forge - - sig-object "$TEST_DIRECTORY/vectors/signed-commit-payload.txt" vk >obj &&
	git init -q --bare vec.git &&
	git -C vec.git hash-object -t commit -w --stdin <obj >id &&
	echo 12290b70e3a0e6fda9e86f0e8500c023fa76d748 >expect &&
	test_cmp expect id
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'ssh_forge rebuilds and re-signs every commit byte for byte' '
	forge identity &&
	test_cmp ids new-ids &&
	forge resign 1 k1 &&
	test_cmp ids new-ids &&
	annal -C t.git verify --key k1.pub
'

test_expect_success GIT 'fast-export drops the signatures: missingSignature at record 1' '
	git -C repo.git fast-export --all >stream &&
	! grep gpgsig stream &&
	rm -rf t.git &&
	cp -R repo.git t.git &&
	git -C t.git fast-import --quiet --force <stream &&
	annal_ids t.git >new-ids &&
	test_line_count = 5 new-ids &&
	! grep -f ids new-ids &&
	annal_verify_fails t.git 1 missingSignature &&
	annal_verify_fails t.git 1 missingSignature --key k1.pub
'

test_expect_success GIT 'fast-export, edit a record, fast-import: fails at record 1 or 2' '
	git -C repo.git fast-export --all >stream &&
	sed "s/release 42/release 43/" stream >edited &&
	! cmp stream edited &&
	rm -rf t.git &&
	cp -R repo.git t.git &&
	git -C t.git fast-import --quiet --force <edited &&
	annal_ids t.git >new-ids &&
	test_line_count = 5 new-ids &&
	test_expect_code 1 annal -C t.git verify >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	{
		grep "^annal: error: log main: record 1 ($(sed -n 1p new-ids)): missingSignature: ." err ||
		grep "^annal: error: log main: record 2 ($(sed -n 2p new-ids)): recordHashMismatch: ." err
	}
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'an edit re-signed by another key: untrustedKey' '
	forge --resign-with k1 edit-resign 2 reason "nothing to see" k2 &&
	annal_verify_fails t.git 2 untrustedKey &&
	verify_json_fails t.git 2 untrustedKey &&
	forge --resign-with k1 edit-resign 4 reason "nothing" k2 &&
	annal_verify_fails t.git 4 untrustedKey &&
	annal_verify_fails t.git 4 untrustedKey --key k1.pub
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'records re-signed by another key: untrustedKey' '
	forge resign 3 k2 &&
	annal_verify_fails t.git 3 untrustedKey &&
	forge resign 1 k2 &&
	annal_verify_fails t.git 1 untrustedKey &&
	annal_verify_fails t.git 1 untrustedKey --allowed-signers allowed
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the same edit re-signed by the trusted key verifies, but not against the old head' '
	forge --resign-with k1 edit 2 reason "nothing to see" &&
	annal -C t.git verify --key k1.pub &&
	test_expect_code 1 annal -C t.git verify --anchor "$(tail -n 1 ids)" >out 2>err &&
	grep "anchorNotFound" err
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'record 1 claiming another key than its signer: untrustedKey' '
	forge --resign-with k1 edit 1 signing "json:{\"keys\":[\"$(ssh_pub k2.pub)\"],\"policy\":\"required\"}" &&
	annal_verify_fails t.git 1 untrustedKey
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'an edit under the old signature: badSignature' '
	forge --resign-with k1 edit-stale 2 reason "nothing to see" &&
	annal_verify_fails t.git 2 badSignature &&
	verify_json_fails t.git 2 badSignature &&
	forge edit-stale 5 actor eve2 &&
	annal_verify_fails t.git 5 badSignature
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a signature moved from another commit: badSignature' '
	forge --resign-with k1 steal 3 2 &&
	annal_verify_fails t.git 3 badSignature &&
	forge steal 5 4 &&
	annal_verify_fails t.git 5 badSignature &&
	forge --resign-with k1 steal 1 5 &&
	annal_verify_fails t.git 1 badSignature
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a signature in namespace "annal" instead of "git": badSignature' '
	forge --resign-with k1 namespace 3 annal k1 &&
	annal_verify_fails t.git 3 badSignature
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a signature removed: missingSignature' '
	forge --resign-with k1 strip 4 &&
	annal_verify_fails t.git 4 missingSignature &&
	forge strip 5 &&
	annal_verify_fails t.git 5 missingSignature &&
	verify_json_fails t.git 5 missingSignature
'

test_expect_success PYTHON3,GIT 'an unsigned record by git commit-tree and update-ref: missingSignature' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	append_with_git t.git unsigned mallory note &&
	annal_ids t.git >new-ids &&
	test_line_count = 6 new-ids &&
	annal_verify_fails t.git 6 missingSignature
'

test_expect_success PYTHON3,GIT 'a plain commit by git commit-tree and update-ref: record 6 fails' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	append_with_git t.git plain mallory note &&
	bad=$(annal_nth t.git 6) &&
	test_expect_code 1 annal -C t.git verify >out 2>err &&
	test_line_count = 1 err &&
	grep -E "^annal: error: log main: record 6 \($bad\): (missingSignature|commitMismatch|badRecord): ." err
'

test_expect_success PYTHON3,GITSSH 'a record signed by git commit-tree -S with the trusted key verifies' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	append_with_git t.git k1 frank note &&
	annal -C t.git verify --key k1.pub >out &&
	echo "log main: 6 records verified, head $(annal_nth t.git 6)" >expect &&
	test_cmp expect out
'

test_expect_success PYTHON3,GITSSH 'a record signed by git commit-tree -S with another key: untrustedKey' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	append_with_git t.git k2 mallory note &&
	annal_verify_fails t.git 6 untrustedKey
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a forged record appended with another key: untrustedKey' '
	forge append k2 mallory grant &&
	annal_verify_fails t.git 6 untrustedKey &&
	forge append k1 frank grant &&
	annal -C t.git verify --key k1.pub
'

test_expect_success 'a log re-created with another key passes without a pin' '
	make_log other.git k2 &&
	annal -C other.git verify >out &&
	echo "log main: 5 records verified, head $(tail -n 1 other.git.ids)" >expect &&
	test_cmp expect out &&
	annal -C other.git verify --key k2.pub
'

test_expect_success 'a log re-created with another key fails against the pin: untrustedKey at 1' '
	annal_verify_fails other.git 1 untrustedKey --allowed-signers allowed &&
	annal_verify_fails other.git 1 untrustedKey --key k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --key k2.pub
'

test_expect_success PYTHON3 'a log re-created with another key: --format json names the check' '
	verify_json_fails other.git 1 untrustedKey --key k1.pub &&
	verify_json_fails other.git 1 untrustedKey --allowed-signers allowed
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a log re-created unsigned: passes without pin, missingSignature with one' '
	forge unsign-all &&
	annal -C t.git verify &&
	annal_verify_fails t.git 1 missingSignature --key k1.pub &&
	annal_verify_fails t.git 1 missingSignature --allowed-signers allowed
'

test_expect_success 'pinned verify of an unsigned log: missingSignature at record 1' '
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor a --action b >/dev/null &&
	annal -C plain.git append --actor a --action c >/dev/null &&
	annal -C plain.git verify &&
	annal_verify_fails plain.git 1 missingSignature --key k1.pub &&
	annal_verify_fails plain.git 1 missingSignature --allowed-signers allowed
'

test_expect_success '--allowed-signers: namespaces="annal" only does not pin for git' '
	ssh_allowed ns-annal "namespaces=\"annal\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers ns-annal &&
	ssh_allowed ns-both "namespaces=\"annal,git\"" k1.pub &&
	annal -C repo.git verify --allowed-signers ns-both &&
	ssh_allowed ns-any "" k1.pub &&
	annal -C repo.git verify --allowed-signers ns-any
'

test_expect_success '--allowed-signers: valid-before/valid-after against the record time' '
	ssh_allowed before-past "valid-before=\"20261101\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers before-past &&
	ssh_allowed after-future "valid-after=\"20261119\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers after-future &&
	ssh_allowed window "namespaces=\"git\",valid-after=\"20261101\",valid-before=\"20261120\"" k1.pub &&
	annal -C repo.git verify --allowed-signers window &&
	ssh_allowed z-before "valid-before=\"20261118110000Z\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers z-before &&
	ssh_allowed z-after "valid-after=\"20261118110000Z\"" k1.pub &&
	annal -C repo.git verify --allowed-signers z-after &&
	ssh_allowed hm-after "valid-after=\"202611181200\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers hm-after
'

test_expect_success GITSSH 'git judges those allowed_signers files the same way' '
	! git_verify_commits repo.git ns-annal "$(sed -n 1p ids)" &&
	! git_verify_commits repo.git before-past "$(sed -n 1p ids)" &&
	! git_verify_commits repo.git after-future "$(sed -n 1p ids)" &&
	git_verify_commits repo.git window "$(sed -n 1p ids)" &&
	! git_verify_commits repo.git z-before "$(sed -n 1p ids)" &&
	git_verify_commits repo.git z-after "$(sed -n 1p ids)" &&
	! git_verify_commits repo.git hm-after "$(sed -n 1p ids)" &&
	git_verify_commits repo.git ns-both "$(sed -n 1p ids)"
'

test_expect_success '--allowed-signers: namespace patterns as OpenSSH matches them' '
	ssh_allowed ns-glob "namespaces=\"g*\"" k1.pub &&
	annal -C repo.git verify --allowed-signers ns-glob &&
	ssh_allowed ns-one "namespaces=\"gi?\"" k1.pub &&
	annal -C repo.git verify --allowed-signers ns-one &&
	ssh_allowed ns-keep "namespaces=\"git,!annal\"" k1.pub &&
	annal -C repo.git verify --allowed-signers ns-keep &&
	ssh_allowed ns-not "namespaces=\"!git,*\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers ns-not &&
	ssh_allowed ns-not-last "namespaces=\"*,!git\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers ns-not-last &&
	ssh_allowed ns-only-not "namespaces=\"!annal\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers ns-only-not &&
	ssh_allowed ns-longer "namespaces=\"git?\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers ns-longer &&
	ssh_allowed ns-empty "namespaces=\"\"" k1.pub &&
	annal_verify_fails repo.git 1 untrustedKey --allowed-signers ns-empty
'

test_expect_success GITSSH 'git judges those namespace patterns the same way' '
	for f in ns-glob ns-one ns-keep
	do
		git_verify_commits repo.git $f "$(sed -n 1p ids)" || return 1
	done &&
	for f in ns-not ns-not-last ns-only-not ns-longer ns-empty
	do
		! git_verify_commits repo.git $f "$(sed -n 1p ids)" || return 1
	done
'

test_expect_success PYTHON3 '--allowed-signers: a NUL byte or a lone quote is an error' '
	python3 -c "import sys; sys.stdout.write(\"a namespaces=\\\"git\\0x\\\" \" + open(\"k1.pub\").read())" >nul &&
	test_expect_code 2 annal -C repo.git verify --allowed-signers nul >out 2>err &&
	grep "nul:1: a NUL byte" err &&
	printf "a n\"=\",valid-after=\" %s\n" "$(ssh_pub k1.pub)" >lone &&
	test_expect_code 2 annal -C repo.git verify --allowed-signers lone >out 2>err &&
	grep "lone:1: " err
'

# One allowed_signers line per entry (KEY stands for k1's public key),
# each judged by annal and by git (ssh-keygen) in three time zones:
# annal must never trust a key git does not, and should trust what git
# trusts.  The first record, which pins are checked on, is dated
# 1795000060 (2026-11-18T11:01:00Z).
test_expect_success 'setup: allowed_signers lines' '
	cat >lines <<-\EOF &&
	a namespaces="git" KEY
	"a b" KEY
	"a"namespaces="other" KEY
	"a"valid-before="20000101" KEY
	a"x"namespaces="other" KEY
	a namespaces=git KEY
	a namespaces="git", KEY
	a valid-after="20300101",valid-after="20000101" KEY
	a valid-after="19700101Z" KEY
	a valid-after="19600101" KEY
	a namespaces="git,\" KEY
	a NAMESPACES="git",Valid-After="20200101" KEY
	a namespaces="!annal,g*" KEY
	a valid-after="20200101UTC" KEY
	a valid-after="20200230" KEY
	a valid-after="20261118110100Z" KEY
	a valid-after="20261118110101Z" KEY
	a valid-before="20261118110100Z" KEY
	a valid-before="20261118110059Z" KEY
	a valid-after="20261118100000" KEY
	a valid-before="20261118120000" KEY
	a valid-after="20261101",valid-before="20261101" KEY
	a cert-authority KEY
	a cert-authority,namespaces="git" KEY
	a namespaces="git" ssh-ed25519-cert-v01@openssh.com AAAA KEY
	a foo="bar" KEY
	a namespaces="git" KEY comment with spaces
	  a   namespaces="git"	KEY
	EOF
	printf "a namespaces=\"git\"\\f KEY\\n" >>lines &&
	printf "a namespaces=\"git\" KEY\\r\\n" >>lines &&
	python3 -c "print(\"a namespaces=\\\"git,\" + \"x\" * 1100 + \"\\\" KEY\")" >>lines &&
	test_line_count = 31 lines
'

for tz in UTC EST5 JST-9
do
	test_expect_success GITSSH "allowed_signers lines: annal trusts what git trusts (TZ=$tz)" '
		k=$(ssh_pub k1.pub) &&
		first=$(sed -n 1p ids) &&
		n=0 &&
		while IFS= read -r line
		do
			n=$((n + 1)) &&
			printf "%s\n" "$line" | sed "s|KEY|$k|" >line$n &&
			if TZ='$tz' annal -C repo.git verify --allowed-signers line$n >/dev/null 2>&1
			then
				a=trusted
			else
				a=refused
			fi &&
			if TZ='$tz' git_verify_commits repo.git line$n "$first" >/dev/null 2>&1
			then
				g=trusted
			else
				g=refused
			fi &&
			echo "$n $a $g $line" >>judged-'$tz' &&
			test $a = $g || {
				echo "line $n: annal $a, git $g: $line"
				return 1
			}
		done <lines &&
		say "TZ='$tz': $(grep -c " trusted trusted " judged-'$tz') lines trusted, $(grep -c " refused refused " judged-'$tz') refused, by both"
	'
done

# Every record of a rotated log, judged by annal and by git: the pin is
# what `annal key list` printed before an attacker who kept the retired
# keys forged records, appended or rewritten from before the retirement.
# git verifies each commit at its committer date, as local time read back
# by ssh-keygen as standard time (one hour late in daylight saving time);
# annal must trust a chain exactly when git trusts each of its records,
# and otherwise name the first record git refuses.  Two copies of the log:
# in January and in July (daylight saving time in Los Angeles).

test_lazy_prereq TZDATA '
	test "$(TZ=America/Los_Angeles date -d @1784116800 +%H%Z)" = 05PDT &&
	test "$(TZ=Asia/Kolkata date -d @1784116800 +%H%M)" = 1730
'

# rot_log REPO BASE: a signed log of 11 records from BASE (seconds): r1
# signs 1, 2 and 5; rotation 3 by r1 adds r2, which signs 4; rotation 6 by
# r1 adds r3 and retires r1 (BASE + 8 h); r3 signs 7 and 10, r2 signs 8;
# rotation 9 by r2 adds r4 and retires r2 (BASE + 12 h); r4 signs 11.
# REPO.list: annal key list, the auditor's pin.
rot_log () {
	annal init "$1" >/dev/null &&
	while read -r rl_off_ rl_how_ rl_key_ rl_new_
	do
		rl_now_=$(($2 + rl_off_)) &&
		case $rl_how_ in
		append)
			ANNAL_TEST_NOW=$rl_now_ annal -C "$1" append --sign-key $rl_key_ \
				--actor ops --action "at-$rl_off_" ;;
		add)
			ANNAL_TEST_NOW=$rl_now_ annal -C "$1" key rotate \
				--new-key $rl_new_.pub --sign-key $rl_key_ ;;
		retire)
			ANNAL_TEST_NOW=$rl_now_ annal -C "$1" key rotate \
				--new-key $rl_new_.pub --retire --sign-key $rl_key_ ;;
		esac >/dev/null || return 1
	done <<-\ROT_EOF &&
	0 append r1
	3600 append r1
	10800 add r1 r2
	14400 append r2
	18000 append r1
	28800 retire r1 r3
	32400 append r3
	36000 append r2
	43200 retire r2 r4
	46800 append r3
	50400 append r4
	ROT_EOF
	annal -C "$1" key list >"$1.list" &&
	test_line_count = 4 "$1.list"
}

# rot_case NAME REPO K: NAME.git, a copy of REPO cut back to record K
rot_case () {
	rm -rf "$1.git" &&
	cp -R "$2" "$1.git" &&
	git -C "$1.git" update-ref refs/audit/main "$(annal_nth "$2" "$3")" &&
	echo "$1.git $2.list" >>cases
}

# rot_forge NAME BASE OFFSET KEY [ACTION [JSON]]: append to NAME.git a
# record dated BASE + OFFSET, signed by KEY (ssh_forge)
rot_forge () {
	ANNAL_TEST_NOW=$(($2 + $3)) ssh_forge "$1.git" main append "$4" mallory \
		"${5:-forged}" ${6:+"$6"} >/dev/null
}

# rot_cases REPO BASE: the logs to judge, listed in cases: REPO cut back
# to each record, and forgeries by the holders of the retired keys, each
# "<name> <cut back to> <offset>:<key>...": r1 rewriting from before its
# retirement (record 6), r2 from before its own (record 9), and records
# appended after the whole log
rot_cases () {
	for k in 1 2 3 4 5 6 7 8 9 10 11
	do
		rot_case "$1-$k" "$1" $k || return 1
	done &&
	while read -r rc_name_ rc_from_ rc_forged_
	do
		rot_case "$1-$rc_name_" "$1" $rc_from_ &&
		for rc_f_ in $rc_forged_
		do
			rot_forge "$1-$rc_name_" $2 ${rc_f_%:*} ${rc_f_#*:} || return 1
		done || return 1
	done <<-\ROT_EOF &&
	r1-before 5 27000:r1
	r1-after 5 30600:r1
	r1-days 5 201600:r1 288000:r1
	r2-after 8 45000:r2 129600:r2
	r1-late 8 45000:r1
	end-r1 11 54000:r1
	end-r2 11 54000:r2
	ROT_EOF
	# r1 adds r2 earlier than the log did: r2 signs before its valid-after
	rot_case "$1-r2-early" "$1" 2 &&
	rot_forge "$1-r2-early" $2 5400 r1 annal.key.rotate \
		"{\"key_added\":\"$(ssh_pub r2.pub)\",\"signing\":{\"keys\":[\"$(ssh_pub r1.pub)\",\"$(ssh_pub r2.pub)\"],\"policy\":\"required\"}}" &&
	rot_forge "$1-r2-early" $2 9000 r2 &&
	rot_forge "$1-r2-early" $2 12600 r2
}

test_expect_success PYTHON3,SSHKEYGEN,GIT 'setup: a rotated log, retired keys, forged records' '
	for k in r1 r2 r3 r4
	do
		annal keygen -f $k -C $k >/dev/null || return 1
	done &&
	: >cases &&
	rot_log jan.git 1768471200 &&
	rot_log jul.git 1784116800 &&
	rot_cases jan.git 1768471200 &&
	rot_cases jul.git 1784116800 &&
	test_line_count = 38 cases
'

for tz in UTC America/Los_Angeles Asia/Kolkata
do
	test_expect_success PYTHON3,SSHKEYGEN,GITSSH,TZDATA "every record of a rotated log: annal trusts a chain as git trusts its records (TZ=$tz)" '
		tz='$tz' &&
		tag=$(echo $tz | tr / -) &&
		: >judged-$tag &&
		while read -r repo list
		do
			n=0 &&
			first= &&
			for c in $(annal_ids $repo)
			do
				n=$((n + 1)) &&
				v=git-$tag-$(basename $list)-$c &&
				if ! test -f $v
				then
					if TZ=$tz git_verify_commits $repo $list $c >/dev/null 2>&1
					then
						echo trusted >$v
					else
						echo refused >$v
					fi
				fi &&
				if test -z "$first" && test "$(cat $v)" = refused
				then
					first=$n
				fi || return 1
			done &&
			if TZ=$tz annal -C $repo verify --allowed-signers $list --format json >out
			then
				a=trusted
			else
				a=refused
			fi &&
			if test -z "$first"
			then
				g=trusted
			else
				g="refused at $first"
			fi &&
			echo "$repo: annal $a, git $g" >>judged-$tag &&
			if test $a = trusted
			then
				test "$g" = trusted || {
					echo "$repo: annal trusts what git refuses at record $first"
					return 1
				}
			else
				test -n "$first" || {
					echo "$repo: annal refuses what git trusts:" &&
					cat out &&
					return 1
				}
				python3 -c "
import json, sys
log, = json.load(open(\"out\"))[\"logs\"]
err = log[\"error\"]
assert err[\"check\"] == \"untrustedKey\" and err[\"record\"] == int(sys.argv[1]), err
" "$first" || return 1
			fi
		done <cases &&
		say "TZ=$tz: $(grep -c "annal trusted" judged-$tag) logs trusted, $(grep -c "annal refused" judged-$tag) refused, by both"
	'
done

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the rewrite from before a retirement fails where it starts: untrustedKey' '
	annal -C jan.git-r1-after.git verify >out &&
	annal -C jan.git-r1-after.git verify --key r1.pub >out &&
	annal_verify_fails jan.git-r1-after.git 6 untrustedKey --allowed-signers jan.git.list &&
	grep "which the allowed signers do not permit at the commit.s time (20260115" err &&
	annal_verify_fails jan.git-r2-after.git 9 untrustedKey --allowed-signers jan.git.list &&
	annal_verify_fails jan.git-r1-days.git 6 untrustedKey --allowed-signers jan.git.list
'

test_expect_success PYTHON3,SSHKEYGEN,GITSSH,TZDATA 'in July git and annal judge the retirement in Los Angeles an hour late' '
	annal -C jul.git verify --allowed-signers jul.git.list &&
	! TZ=America/Los_Angeles git_verify_commits jul.git jul.git.list "$(annal_nth jul.git 6)" &&
	grep "key has expired" "$TRASH_DIRECTORY/.gvc-err" &&
	TZ=America/Los_Angeles annal_verify_fails jul.git 6 untrustedKey --allowed-signers jul.git.list &&
	TZ=America/Los_Angeles annal -C jan.git verify --allowed-signers jan.git.list
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a later key pinned for another namespace only: untrustedKey from its first record' '
	{
		printf "root namespaces=\"git\" %s\n" "$(ssh_pub r1.pub)" &&
		printf "bundles namespaces=\"annal\" %s\n" "$(ssh_pub r2.pub)"
	} >ns-later &&
	annal_verify_fails jan.git 4 untrustedKey --allowed-signers ns-later &&
	grep "permit for other namespaces than \"git\" only" err
'

test_expect_success GITSSH 'git refuses that record for its namespace too' '
	git_verify_commits jan.git ns-later $(annal_ids jan.git | sed -n 1,3p) &&
	! git_verify_commits jan.git ns-later "$(annal_nth jan.git 4)"
'

test_expect_success '--allowed-signers: comments, blank lines, principal lists, several keys' '
	{
		echo "# auditors" &&
		echo &&
		printf "mallory@example.com namespaces=\"git\" %s\n" "$(ssh_pub k2.pub)" &&
		echo "   " &&
		printf "alice@example.com,*@example.org namespaces=\"file,git\" %s original\n" "$(ssh_pub k1.pub)"
	} >many &&
	annal -C repo.git verify --allowed-signers many &&
	annal -C other.git verify --allowed-signers many
'

test_expect_success '--allowed-signers: a quoted principal with a space, as OpenSSH allows' '
	printf "\"auditor one\" namespaces=\"git\" %s\n" "$(ssh_pub k1.pub)" >quoted &&
	annal -C repo.git verify --allowed-signers quoted
'

test_expect_success GITSSH 'git takes that quoted principal too' '
	git_verify_commits repo.git quoted "$(sed -n 1p ids)"
'

test_expect_success '--allowed-signers: a line with an unknown option pins nothing' '
	printf "anyone valid-befor=\"20261101\" %s\n" "$(ssh_pub k1.pub)" >typo &&
	test_must_fail annal -C repo.git verify --allowed-signers typo >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err
'

test_expect_success GITSSH 'git ignores that line as well' '
	! git_verify_commits repo.git typo "$(sed -n 1p ids)"
'

test_expect_success '--allowed-signers with --key: usage error, exit 2' '
	annal_usage_fails repo.git verify --allowed-signers allowed --key k1.pub
'

test_expect_success 'a missing pin file: exit 2 or 3, not a verification result' '
	exit_2_or_3 annal -C repo.git verify --key nosuch.pub >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	exit_2_or_3 annal -C repo.git verify --allowed-signers nosuch >out 2>err &&
	test_line_count = 1 err
'

test_expect_success PYTHON3,SSHKEYGEN,GIT '--all: a tampered log fails, the good one is reported' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	annal -C t.git append --log good --sign-key k2 --actor a --action b >/dev/null &&
	ssh_forge --resign-with k1 t.git main steal 3 2 >new-ids &&
	test_expect_code 1 annal -C t.git verify --all >out 2>err &&
	grep "^log good: 1 record verified" out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: record 3 ($(sed -n 3p new-ids)): badSignature: ." err
'

test_expect_success 'the untouched log still verifies' '
	annal -C repo.git verify --key k1.pub &&
	annal_ids repo.git >actual &&
	test_cmp ids actual
'

test_done
