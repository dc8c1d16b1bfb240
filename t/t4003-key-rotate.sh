#!/bin/sh

test_description='annal key rotate and annal key list

A rotation record, signed by a key the log trusts, sets the keys trusted
from the next record on; --retire drops the key that signs it, and
--retire-key any other key the log trusts.  Records
before and after a rotation verify, also against a pin of the original
key only; a record signed by a retired key does not.  annal key list
prints the trusted keys as an allowed_signers file for git.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# check_rotation REPO K ACTOR ADDED.pub|- RETIRED.pub[,RETIRED.pub...]|-
# REASON|- SET.pub...: record K is the rotation record described (PYTHON3)
check_rotation () {
	annal_record "$1" "$(annal_nth "$1" "$2")" >"$TRASH_DIRECTORY/.rot" &&
	shift 2 &&
	python3 -c '
import json, sys
def pub(f):
    return " ".join(open(f).read().split()[:2])
rec = json.load(open(sys.argv[1]))
actor, added, retired, reason = sys.argv[2:6]
want_set = sorted(pub(f) for f in sys.argv[6:])
assert rec["action"] == "annal.key.rotate", rec
assert rec["actor"] == actor, rec
if added == "-":
    assert "key_added" not in rec, rec
else:
    assert rec["key_added"] == pub(added), rec
sig = rec["signing"]
assert sorted(sig) == ["keys", "policy"], rec
assert sig["policy"] == "required", rec
assert sorted(sig["keys"]) == want_set, (sig["keys"], want_set)
assert len(set(sig["keys"])) == len(sig["keys"]), rec
if retired == "-":
    assert "keys_retired" not in rec, rec
else:
    assert rec["keys_retired"] == [pub(f) for f in retired.split(",")], rec
if reason == "-":
    assert "reason" not in rec, rec
else:
    assert rec["reason"] == reason, rec
' "$TRASH_DIRECTORY/.rot" "$@"
}

# window_ts REPO K: record K's ts as an allowed_signers time, YYYYMMDDHHMMSSZ
window_ts () {
	annal_record "$1" "$(annal_nth "$1" "$2")" >"$TRASH_DIRECTORY/.wrec" &&
	json_get ts <"$TRASH_DIRECTORY/.wrec" >"$TRASH_DIRECTORY/.wts" &&
	sed "s/^\"\(....\)-\(..\)-\(..\)T\(..\):\(..\):\(..\)\..*/\1\2\3\4\5\6Z/" \
		"$TRASH_DIRECTORY/.wts"
}

# list_line REPO KEY.pub AFTER BEFORE: the line annal key list prints for
# KEY, trusted from the rotation record AFTER until the record BEFORE that
# retired it (record numbers; - for none): annal-key(1)
list_line () {
	ll_opts_="namespaces=\"git\""
	if test "$3" != -
	then
		ll_opts_="$ll_opts_,valid-after=\"$(window_ts "$1" "$3")\""
	fi
	if test "$4" != -
	then
		ll_opts_="$ll_opts_,valid-before=\"$(window_ts "$1" "$4")\""
	fi
	echo "annal $ll_opts_ $(ssh_pub "$2")"
}

# forge_after KEY: t.git, a copy of repo.git with one more record, by
# mallory, signed by KEY (ssh_forge); its ids in new-ids
forge_after () {
	rm -rf t.git &&
	cp -R repo.git t.git &&
	test_tick &&
	ssh_forge t.git main append "$1" mallory grant >new-ids
}

# check_list REPO [LOG] <EXPECT: annal key list prints these lines (any order)
check_list () {
	sort >"$TRASH_DIRECTORY/.list-expect" &&
	annal -C "$1" key list ${2:+--log "$2"} >"$TRASH_DIRECTORY/.list-out" &&
	sort "$TRASH_DIRECTORY/.list-out" >"$TRASH_DIRECTORY/.list-actual" &&
	test_cmp "$TRASH_DIRECTORY/.list-expect" "$TRASH_DIRECTORY/.list-actual"
}

test_expect_success 'setup' '
	# who rotates by default, as the OS has it (as annal export)
	WHO=$(python3 -c "import os, pwd, socket
print(pwd.getpwuid(os.geteuid()).pw_name + \"@\" + socket.gethostname())") &&
	test -n "$WHO" &&
	for k in k1 k2 k3 k4 k5
	do
		annal keygen -f $k -C "$k@example.com" >/dev/null || return 1
	done &&
	ssh_allowed allowed1 "namespaces=\"git\"" k1.pub &&
	ssh_allowed allowed-all "namespaces=\"git\"" k1.pub k2.pub k3.pub k5.pub &&
	annal init repo.git >/dev/null &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor alice --action login >ids &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor bob --action read >>ids &&
	annal -C repo.git key list >out &&
	echo "annal namespaces=\"git\" $(ssh_pub k1.pub)" >expect &&
	test_cmp expect out
'

test_expect_success PYTHON3,GIT 'rotate --new-key k2.pub: a record signed by k1 adding k2' '
	test_tick &&
	annal -C repo.git key rotate --new-key k2.pub --sign-key k1 >out 2>err &&
	test_line_count = 1 out &&
	annal_head repo.git >head &&
	test_cmp head out &&
	cat out >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	check_rotation repo.git 3 "$WHO" k2.pub - - k1.pub k2.pub &&
	ssh_signers repo.git >actual &&
	ssh_expect_signers k1.pub k1.pub k1.pub >expect &&
	test_cmp expect actual
'

test_expect_success GITSSH 'git verify-commit: the rotation record is signed by k1' '
	git_verify_log repo.git allowed1
'

test_expect_success PYTHON3 'key list: k1, and k2 valid after the rotation' '
	{
		list_line repo.git k1.pub - - &&
		list_line repo.git k2.pub 3 -
	} | check_list repo.git
'

test_expect_success 'after the rotation k2 signs, and k1 (not retired) still does' '
	test_tick &&
	annal -C repo.git append --sign-key k2 --actor carol --action write >>ids &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor dave --action write >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	annal -C repo.git verify >out &&
	echo "log main: 5 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out
'

test_expect_success SSHKEYGEN 'an untrusted key still cannot append or rotate' '
	annal_fails_cleanly 2 repo.git append --sign-key k4 --actor m --action x &&
	grep "$(ssh_fp k4.pub)" err &&
	annal_fails_cleanly 2 repo.git key rotate --new-key k4.pub --sign-key k4 &&
	annal_fails_cleanly 2 repo.git key rotate --new-key k4.pub
'

test_expect_success GITSSH 'key list output is an allowedSignersFile for git' '
	annal -C repo.git key list >list &&
	git_verify_commits repo.git list $(sed -n "4,\$p" ids)
'

test_expect_success PYTHON3,GIT 'rotate --retire: k1 signs its own retirement, k3 added' '
	test_tick &&
	annal -C repo.git key rotate --new-key k3 --retire --sign-key k1 \
		--actor ops --reason "k1 left" >out &&
	test_line_count = 1 out &&
	cat out >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	check_rotation repo.git 6 ops k3.pub k1.pub "k1 left" k2.pub k3.pub &&
	ssh_signers repo.git >actual &&
	ssh_expect_signers k1.pub k1.pub k1.pub k2.pub k1.pub k1.pub >expect &&
	test_cmp expect actual &&
	{
		list_line repo.git k1.pub - 6 &&
		list_line repo.git k2.pub 3 - &&
		list_line repo.git k3.pub 6 -
	} | check_list repo.git
'

test_expect_success SSHKEYGEN 'after --retire k1 cannot append: exit 2 naming it, nothing written' '
	annal_fails_cleanly 2 repo.git append --sign-key k1 --actor alice --action x &&
	grep "$(ssh_fp k1.pub)" err &&
	annal_fails_cleanly 2 repo.git key rotate --new-key k4.pub --sign-key k1
'

test_expect_success 'after --retire k2 and k3 sign; records before and after verify' '
	test_tick &&
	annal -C repo.git append --sign-key k3 --actor erin --action write >>ids &&
	test_tick &&
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k2" &&
		export ANNAL_SIGNING_KEY &&
		annal -C repo.git append --actor frank --action write
	) >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	annal -C repo.git verify >out &&
	echo "log main: 8 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out
'

test_expect_success GITSSH 'git verify-commit: every record with all keys, and with key list' '
	git_verify_log repo.git allowed-all &&
	annal -C repo.git key list >list &&
	git_verify_log repo.git list &&
	annal -C repo.git verify --allowed-signers list
'

test_expect_success 'a pin of the original key only still passes through the rotations' '
	echo "log main: 8 records verified, head $(tail -n 1 ids)" >expect &&
	annal -C repo.git verify --key k1.pub >out &&
	test_cmp expect out &&
	annal -C repo.git verify --allowed-signers allowed1 >out &&
	test_cmp expect out
'

test_expect_success 'a pin of a later key fails at record 1: untrustedKey' '
	annal_verify_fails repo.git 1 untrustedKey --key k2.pub &&
	annal_verify_fails repo.git 1 untrustedKey --key k3.pub
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a record by the retired k1 forged in after its retirement: untrustedKey' '
	forge_after k1 &&
	test_line_count = 9 new-ids &&
	annal_verify_fails t.git 9 untrustedKey &&
	annal_verify_fails t.git 9 untrustedKey --key k1.pub &&
	rm -rf t.git &&
	cp -R repo.git t.git &&
	ssh_forge t.git main append k3 grace grant >new-ids &&
	annal -C t.git verify --key k1.pub
'

test_expect_success PYTHON3,SSHKEYGEN,GITSSH 'git with key list also refuses the retired k1 after its retirement' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	test_tick &&
	ssh_forge t.git main append k1 mallory grant >new-ids &&
	annal -C t.git key list >list &&
	git_verify_commits t.git list $(sed -n "1,8p" new-ids) &&
	! git_verify_commits t.git list "$(sed -n 9p new-ids)" &&
	grep "expired" "$TRASH_DIRECTORY/.gvc-err"
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a record by k1 placed right after the retirement: untrustedKey' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	ssh_forge --resign-with k1 t.git main resign 7 k1 >new-ids &&
	annal_verify_fails t.git 7 untrustedKey
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a rotation record signed by an untrusted key: untrustedKey' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	test_tick &&
	add4="{\"key_added\":\"$(ssh_pub k4.pub)\",\"signing\":{\"keys\":[\"$(ssh_pub k2.pub)\",\"$(ssh_pub k3.pub)\",\"$(ssh_pub k4.pub)\"],\"policy\":\"required\"}}" &&
	ssh_forge t.git main append k4 annal annal.key.rotate "$add4" >new-ids &&
	annal_verify_fails t.git 9 untrustedKey &&
	rm -rf t.git &&
	cp -R repo.git t.git &&
	retire2="{\"key_added\":\"$(ssh_pub k4.pub)\",\"keys_retired\":[\"$(ssh_pub k2.pub)\"],\"signing\":{\"keys\":[\"$(ssh_pub k3.pub)\",\"$(ssh_pub k4.pub)\"],\"policy\":\"required\"}}" &&
	ssh_forge t.git main append k2 annal annal.key.rotate "$retire2" >new-ids &&
	test_tick &&
	ssh_forge t.git main append k4 mallory grant >new-ids &&
	annal -C t.git verify &&
	ssh_forge t.git main append k2 mallory grant >new-ids &&
	annal_verify_fails t.git 11 untrustedKey
'

test_expect_success PYTHON3,GIT 'retire the last of the old keys, k2: only k3 and k5 remain' '
	test_tick &&
	annal -C repo.git key rotate --new-key k5.pub --retire --sign-key k2 >>ids &&
	check_rotation repo.git 9 "$WHO" k5.pub k2.pub - k3.pub k5.pub &&
	annal_fails_cleanly 2 repo.git append --sign-key k2 --actor a --action b &&
	annal_fails_cleanly 2 repo.git append --sign-key k1 --actor a --action b &&
	test_tick &&
	annal -C repo.git append --sign-key k5 --actor a --action b >>ids &&
	{
		list_line repo.git k1.pub - 6 &&
		list_line repo.git k2.pub 3 9 &&
		list_line repo.git k3.pub 6 - &&
		list_line repo.git k5.pub 9 -
	} | check_list repo.git &&
	annal -C repo.git verify --key k1.pub
'

test_expect_success PYTHON3 'rotate: usage and input errors write nothing; config key' '
	annal_usage_fails repo.git key rotate --sign-key k3 &&
	echo garbage >garbage.pub &&
	annal_fails_cleanly 2 repo.git key rotate --new-key garbage.pub --sign-key k3 &&
	annal_fails_cleanly 2 repo.git key rotate --log nosuch --new-key k4.pub --sign-key k3 &&
	git -C repo.git config annal.signingKey "$TRASH_DIRECTORY/k3" &&
	test_when_finished "git -C repo.git config --unset annal.signingKey" &&
	test_tick &&
	annal -C repo.git key rotate --new-key k4.pub --actor cfg >>ids &&
	check_rotation repo.git 11 cfg k4.pub - - k3.pub k4.pub k5.pub &&
	annal -C repo.git verify --allowed-signers allowed1
'

test_expect_success PYTHON3,GIT 'rotate --retire-key: k3 retires k4, nothing added' '
	test_tick &&
	annal -C repo.git key rotate --retire-key k4.pub --sign-key k3 \
		--reason "k4 lost" >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 out &&
	cat out >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	check_rotation repo.git 12 "$WHO" - k4.pub "k4 lost" k3.pub k5.pub &&
	annal_fails_cleanly 2 repo.git append --sign-key k4 --actor a --action b &&
	grep "$(ssh_fp k4.pub)" err &&
	test_tick &&
	annal -C repo.git append --sign-key k5 --actor a --action b >>ids &&
	annal -C repo.git verify --key k1.pub &&
	{
		list_line repo.git k1.pub - 6 &&
		list_line repo.git k2.pub 3 9 &&
		list_line repo.git k3.pub 6 - &&
		list_line repo.git k4.pub 11 12 &&
		list_line repo.git k5.pub 9 -
	} | check_list repo.git
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a record by k4 forged in after --retire-key retired it: untrustedKey' '
	forge_after k4 &&
	test_line_count = 14 new-ids &&
	annal_verify_fails t.git 14 untrustedKey --key k1.pub &&
	annal -C repo.git key list >list &&
	annal_verify_fails t.git 14 untrustedKey --allowed-signers list
'

test_expect_success PYTHON3,GIT 'rotate --retire and --retire-key together, with --new-key' '
	annal keygen -f k6 -C k6 >/dev/null &&
	test_tick &&
	annal -C repo.git key rotate --new-key k6.pub --retire --retire-key k5.pub \
		--sign-key k3 >>ids &&
	check_rotation repo.git 14 "$WHO" k6.pub k3.pub,k5.pub - k6.pub &&
	annal_fails_cleanly 2 repo.git append --sign-key k3 --actor a --action b &&
	annal_fails_cleanly 2 repo.git append --sign-key k5 --actor a --action b &&
	test_tick &&
	annal -C repo.git append --sign-key k6 --actor a --action b >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	annal -C repo.git verify --allowed-signers allowed1
'

test_expect_success GITSSH 'git verify-commit: every record with key list after --retire-key' '
	annal -C repo.git key list >list &&
	test_line_count = 6 list &&
	git_verify_log repo.git list &&
	annal -C repo.git verify --allowed-signers list
'

test_expect_success 'rotate --retire-key: a key not trusted now, twice, or the last one: exit 2' '
	annal keygen -f k7 -C k7 >/dev/null &&
	annal_fails_cleanly 2 repo.git key rotate --retire-key k4.pub --sign-key k6 &&
	grep "^annal: error: key $(ssh_fp k4.pub) cannot be retired: it is not trusted by log '\''main'\''\$" err &&
	annal_fails_cleanly 2 repo.git key rotate --retire-key k7.pub --new-key k5.pub --sign-key k6 &&
	grep "key $(ssh_fp k7.pub) cannot be retired" err &&
	test_tick &&
	annal -C repo.git key rotate --new-key k7.pub --sign-key k6 >>ids &&
	annal_fails_cleanly 2 repo.git key rotate --retire-key k7.pub --retire-key k7.pub \
		--sign-key k6 &&
	grep "key $(ssh_fp k7.pub) is given twice to retire" err &&
	annal_fails_cleanly 2 repo.git key rotate --retire-key k7.pub --retire-key k6.pub \
		--sign-key k6 &&
	grep "^annal: error: log '\''main'\'' would trust no key: keep one, or add one with --new-key\$" err &&
	annal_fails_cleanly 2 repo.git key rotate --retire --retire-key k7.pub --sign-key k6 &&
	annal_fails_cleanly 2 repo.git key rotate --retire-key garbage.pub --sign-key k6 &&
	annal_fails_cleanly 2 repo.git key rotate --retire-key nosuch.pub --sign-key k6 &&
	annal_usage_fails repo.git key rotate --sign-key k6 &&
	grep "nothing to rotate" err &&
	annal_ids repo.git >actual &&
	test_cmp ids actual
'

test_expect_success GIT 'rotate --retire alone: the signer leaves, the others stay' '
	test_tick &&
	annal -C repo.git key rotate --retire --sign-key k7 >>ids &&
	annal_fails_cleanly 2 repo.git append --sign-key k7 --actor a --action b &&
	test_tick &&
	annal -C repo.git append --sign-key k6 --actor a --action b >>ids &&
	annal -C repo.git verify --key k1.pub
'

test_expect_success PYTHON3,GIT 'key list: a key trusted again gets a second window' '
	test_tick &&
	annal -C repo.git key rotate --new-key k7.pub --sign-key k6 >>ids &&
	test_tick &&
	annal -C repo.git append --sign-key k7 --actor a --action b >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	check_rotation repo.git 17 "$WHO" - k7.pub - k6.pub &&
	check_rotation repo.git 19 "$WHO" k7.pub - - k6.pub k7.pub &&
	{
		list_line repo.git k7.pub 16 17 &&
		list_line repo.git k7.pub 19 -
	} >expect &&
	annal -C repo.git key list >list &&
	grep " $(ssh_pub k7.pub)\$" list >actual &&
	test_cmp expect actual &&
	annal -C repo.git verify --allowed-signers list
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a rewrite by k7 into the time it was retired fails against key list' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	git -C t.git update-ref refs/audit/main "$(sed -n 16p ids)" &&
	ANNAL_TEST_NOW=$((ANNAL_TEST_NOW - 120)) ssh_forge t.git main append k7 mallory grant >new-ids &&
	annal -C t.git verify --key k1.pub &&
	annal_verify_fails t.git 17 untrustedKey --allowed-signers list
'

test_expect_success GITSSH 'git agrees: the log passes with key list, the rewrite does not' '
	git_verify_log repo.git list &&
	! git_verify_commits t.git list "$(sed -n 17p new-ids)"
'

test_expect_success 'key list: unsigned log prints nothing; --log; unknown log' '
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor a --action b >plain-ids &&
	test_tick &&
	annal -C plain.git append --actor a --action c >>plain-ids &&
	annal -C plain.git key list >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	annal -C repo.git append --log other --sign-key k2 --actor a --action b >/dev/null &&
	annal -C repo.git key list --log other >out &&
	echo "annal namespaces=\"git\" $(ssh_pub k2.pub)" >expect &&
	test_cmp expect out &&
	test_expect_code 2 annal -C repo.git key list --log nosuch >out 2>err &&
	test_line_count = 1 err
'

test_expect_success PYTHON3,GIT 'rotate on an unsigned log starts signing with the new key' '
	test_tick &&
	annal -C plain.git key rotate --new-key k1 >out &&
	test_line_count = 1 out &&
	cat out >>plain-ids &&
	annal_ids plain.git >actual &&
	test_cmp plain-ids actual &&
	check_rotation plain.git 3 "$WHO" k1.pub - - k1.pub &&
	ssh_signers plain.git >actual &&
	ssh_expect_signers - - k1.pub >expect &&
	test_cmp expect actual &&
	{
		# the key that started signing: SPEC-SIGNING.md prints it
		# without window, annal-key(1) says valid-after
		list_line plain.git k1.pub - - | check_list plain.git ||
		list_line plain.git k1.pub 3 - | check_list plain.git
	}
'

test_expect_success GIT 'the started log must be signed from then on' '
	annal_fails_cleanly 2 plain.git append --actor a --action d &&
	grep "^annal: error: log '\''main'\'' is signed: " err &&
	annal_fails_cleanly 2 plain.git append --sign-key k2 --actor a --action d &&
	test_tick &&
	annal -C plain.git append --sign-key k1 --actor a --action d >>plain-ids &&
	annal -C plain.git verify >out &&
	echo "log main: 4 records verified, head $(tail -n 1 plain-ids)" >expect &&
	test_cmp expect out
'

test_expect_success GITSSH 'git verify-commit accepts the records from the rotation on' '
	git_verify_commits plain.git allowed1 $(sed -n "3,\$p" plain-ids) &&
	! git_verify_commits plain.git allowed1 "$(sed -n 1p plain-ids)"
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the started log: a later unsigned record fails' '
	rm -rf t.git &&
	cp -R plain.git t.git &&
	test_tick &&
	ssh_forge t.git main append none mallory grant >new-ids &&
	annal_verify_fails t.git 5 missingSignature &&
	rm -rf t.git &&
	cp -R plain.git t.git &&
	ssh_forge --resign-with k1 t.git main strip 3 >new-ids &&
	annal_verify_fails t.git 3 missingSignature &&
	rm -rf t.git &&
	cp -R plain.git t.git &&
	ssh_forge t.git main resign 3 k2 >new-ids &&
	annal_verify_fails t.git 3 untrustedKey
'

test_expect_success 'pinned verify of a log that started unsigned: missingSignature at 1' '
	annal_verify_fails plain.git 1 missingSignature --key k1.pub
'

test_expect_success 'rotate on an unsigned log needs the new private key: exit 2 for a .pub' '
	annal init plain2.git >/dev/null &&
	annal -C plain2.git append --actor a --action b >/dev/null &&
	test_tick &&
	annal_fails_cleanly 2 plain2.git key rotate --new-key k2.pub &&
	annal_fails_cleanly 2 plain2.git key rotate --retire-key k2.pub --sign-key k2 &&
	grep "^annal: error: log '\''main'\'' is not signed: there is no key to retire\$" err &&
	annal_fails_cleanly 2 plain2.git key rotate --retire --new-key k2 &&
	annal -C plain2.git key list >out &&
	test_must_be_empty out &&
	annal -C plain2.git append --actor a --action c >/dev/null &&
	annal -C plain2.git verify
'

test_expect_success PYTHON3 'rotate: the actor is --actor, else annal.actor, else user@host' '
	annal init who.git >/dev/null &&
	annal -C who.git append --actor a --action b >/dev/null &&
	test_tick &&
	git -C who.git config annal.actor "ci:rotator" &&
	annal -C who.git key rotate --new-key k1 >/dev/null &&
	check_rotation who.git 2 ci:rotator k1.pub - - k1.pub &&
	git -C who.git config --unset annal.actor &&
	test_tick &&
	annal -C who.git key rotate --new-key k2.pub --sign-key k1 >/dev/null &&
	check_rotation who.git 3 "$WHO" k2.pub - - k1.pub k2.pub &&
	test_tick &&
	annal -C who.git key rotate --retire-key k2.pub --sign-key k1 --actor ops >/dev/null &&
	check_rotation who.git 4 ops - k2.pub - k1.pub
'

test_done
