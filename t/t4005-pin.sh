#!/bin/sh

test_description='annal key list --pin: a pin ties a log to its keys

The keys of "annal key list" alone pin nothing after a rotation: a new
log signed with any listed key passes.  "annal key list --pin" adds the
line "# annal-pin <log> <id>" naming the log first signed record; verify
and audit-verify then refuse any other log (pinMismatch), also one that
became signed by a rotation, and git and ssh-keygen read the same file
as a plain allowed_signers file.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# first_signed REPO: the id of the first record whose commit has a
# signature, found with stock git.
first_signed () {
	git -C "$1" rev-list --reverse refs/audit/main >"$TRASH_DIRECTORY/.fs-ids" &&
	while read fs_id_
	do
		if git -C "$1" cat-file commit "$fs_id_" | grep "^gpgsig " >/dev/null
		then
			echo "$fs_id_"
			return 0
		fi
	done <"$TRASH_DIRECTORY/.fs-ids" &&
	return 1
}

test_expect_success 'setup: a log signed by k1, then k2 added by a rotation' '
	for k in k1 k2
	do
		annal keygen -f $k -C "$k@example.com" >/dev/null || return 1
	done &&
	annal init repo.git >/dev/null &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor alice --action login >/dev/null &&
	test_tick &&
	annal -C repo.git key rotate --new-key k2.pub --sign-key k1 >/dev/null &&
	test_tick &&
	annal -C repo.git append --sign-key k2 --actor bob --action read >/dev/null &&
	annal -C repo.git key list >list &&
	annal -C repo.git key list --pin >pin
'

test_expect_success GIT 'key list --pin: the annal-pin line, then the key list lines' '
	echo "# annal-pin main $(git -C repo.git rev-list --max-parents=0 refs/audit/main)" >expect &&
	cat list >>expect &&
	test_cmp expect pin &&
	annal -C repo.git verify --allowed-signers pin >out &&
	grep "^log main: 3 records verified" out
'

test_expect_success GITSSH 'git and ssh-keygen read the pin as allowed_signers' '
	git_verify_log repo.git pin &&
	echo hello >msg &&
	ssh-keygen -Y sign -n git -f k2 msg 2>/dev/null &&
	ssh-keygen -Y verify -f pin -I annal -n git -s msg.sig <msg
'

test_expect_success 'a new log signed with a listed key passes the bare list, not the pin' '
	annal init new.git >/dev/null &&
	test_tick &&
	annal -C new.git append --sign-key k2 --actor mallory --action grant >/dev/null &&
	annal -C new.git verify --allowed-signers list >/dev/null &&
	new=$(git -C new.git rev-parse refs/audit/main) &&
	old=$(git -C repo.git rev-list --max-parents=0 refs/audit/main) &&
	test_expect_code 1 annal -C new.git verify --allowed-signers pin >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: record 1 ($new): pinMismatch: the log.s first signed record is $new, the pin names $old: a different log" err
'

test_expect_success 'a new log signed with the original key fails the pin too' '
	annal init new1.git >/dev/null &&
	test_tick &&
	annal -C new1.git append --sign-key k1 --actor alice --action login >/dev/null &&
	test_expect_code 1 annal -C new1.git verify --allowed-signers pin 2>err &&
	grep "pinMismatch: the log.s first signed record is" err
'

test_expect_success GIT '--key pins keys only: the new log passes it, not with an anchor of the log' '
	annal -C new1.git verify --key k1.pub >out &&
	grep "^log main: 1 record verified" out &&
	old=$(git -C repo.git rev-list --max-parents=0 refs/audit/main) &&
	annal -C repo.git verify --key k1.pub --anchor $old >out &&
	test_expect_code 1 annal -C new1.git verify --key k1.pub --anchor $old >out 2>err &&
	grep "^annal: error: log main: anchorNotFound: anchor $old is no object of this repository" err
'

test_expect_success 'a pin (or a key list) given as --key or --log-key says where it goes' '
	for f in list pin
	do
		test_expect_code 2 annal -C repo.git verify --key $f >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: .$f. is an allowed signers file.*, not a public key file: give it with --allowed-signers (for audit-verify.s log keys, --log-allowed-signers)" err || return 1
	done &&
	grep "with an annal-pin line, not a public key file: .*; a public key pins keys only, never the log\$" err &&
	test_expect_code 2 annal -C new1.git verify --key - <pin 2>err &&
	grep "^annal: error: .-. is an allowed signers file with an annal-pin line" err &&
	annal -C repo.git export --bundle pinned.zip --sign-key k2 >/dev/null &&
	test_expect_code 2 annal audit-verify --key k2.pub --log-key pin pinned.zip >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: .pin. is an allowed signers file with an annal-pin line" err
'

test_expect_success PYTHON3 'verify --format json names pinMismatch' '
	test_expect_code 1 annal -C new.git verify --allowed-signers pin --format json >out &&
	json_get /logs/0/error/check <out >actual &&
	echo "\"pinMismatch\"" >expect &&
	test_cmp expect actual
'

test_expect_success 'a pin for main does not pin another log' '
	test_tick &&
	annal -C repo.git append --log other --sign-key k1 --actor a --action b >/dev/null &&
	test_expect_code 1 annal -C repo.git verify --log other --allowed-signers pin 2>err &&
	grep "^annal: error: log other: pinMismatch: the pin names the first signed record of log .main., not of log .other.: make a pin for this log with .annal key list --pin --log other.$" err &&
	annal -C repo.git key list --pin --log other >pin-other &&
	annal -C repo.git verify --log other --allowed-signers pin-other
'

test_expect_success 'the pin still holds after more records and rotations' '
	test_tick &&
	annal -C repo.git key rotate --retire-key k1.pub --sign-key k2 >/dev/null &&
	test_tick &&
	annal -C repo.git append --sign-key k2 --actor bob --action read >/dev/null &&
	annal -C repo.git key list --pin >pin2 &&
	head -n 1 pin >expect &&
	head -n 1 pin2 >actual &&
	test_cmp expect actual &&
	annal -C repo.git verify --allowed-signers pin2
'

test_expect_success 'setup: a log that starts unsigned and becomes signed by a rotation' '
	annal init late.git >/dev/null &&
	test_tick &&
	annal -C late.git append --actor alice --action login >/dev/null &&
	test_tick &&
	annal -C late.git append --actor alice --action read >/dev/null &&
	test_tick &&
	annal -C late.git key rotate --new-key k1 >/dev/null &&
	test_tick &&
	annal -C late.git append --sign-key k1 --actor bob --action read >/dev/null &&
	annal -C late.git key list >late-list &&
	annal -C late.git key list --pin >late-pin
'

test_expect_success GIT 'it is pinned from its first signed record' '
	echo "# annal-pin main $(first_signed late.git)" >expect &&
	head -n 1 late-pin >actual &&
	test_cmp expect actual &&
	annal -C late.git verify --allowed-signers late-pin >out &&
	grep "^log main: 4 records verified" out
'

test_expect_success 'the bare list refuses it, saying why and what to do' '
	annal_verify_fails late.git 1 missingSignature --allowed-signers late-list &&
	grep "the record is not signed, but signers are pinned: if the log became signed later by a rotation, pin it with .annal key list --pin." err
'

test_expect_success 'a rewrite of its unsigned records, signed again by k1, fails the pin' '
	annal init late2.git >/dev/null &&
	test_tick &&
	annal -C late2.git append --actor mallory --action login >/dev/null &&
	test_tick &&
	annal -C late2.git key rotate --new-key k1 >/dev/null &&
	test_expect_code 1 annal -C late2.git verify --allowed-signers late-pin 2>err &&
	grep "pinMismatch: the log.s first signed record is" err
'

test_expect_success 'an unsigned log fails a pin naming its first signed record' '
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor a --action b >/dev/null &&
	test_expect_code 1 annal -C plain.git verify --allowed-signers late-pin 2>err &&
	grep "^annal: error: log main: pinMismatch: no record is signed, but the pin names the log.s first signed record" err
'

test_expect_success 'key list --pin of an unsigned log: exit 2, nothing printed' '
	annal_fails_cleanly 2 plain.git key list --pin &&
	grep "^annal: error: log .main. is not signed: there is no key to pin" err
'

test_expect_success 'a malformed annal-pin line is named by file and line' '
	{
		echo "# annal-pin main 1234" &&
		cat list
	} >bad-pin &&
	test_expect_code 2 annal -C repo.git verify --allowed-signers bad-pin 2>err &&
	grep "^annal: error: bad-pin:1: an annal-pin line must be" err &&
	{
		head -n 1 pin && head -n 1 pin && cat list
	} >two-pin &&
	test_expect_code 2 annal -C repo.git verify --allowed-signers two-pin 2>err &&
	grep "^annal: error: two-pin:2: a second annal-pin line for log .main." err
'

test_expect_success PYTHON3,GIT 'key list --format json: the same facts, null when none' '
	annal -C repo.git key list --format json >out &&
	python3 - "$(git -C repo.git rev-list --max-parents=0 refs/audit/main)" \
		"$(ssh_pub k1.pub)" "$(ssh_pub k2.pub)" "$(ssh_fp k1.pub)" <<-\EOF &&
	import json, sys
	root, k1, k2, fp1 = sys.argv[1:5]
	text = open("out").read()
	assert text.count("\n") == 1, repr(text)
	o = json.loads(text)
	assert o["log"] == "main" and o["first_signed"] == root, o
	keys = {k["key"]: k for k in o["keys"]}
	assert sorted(keys) == sorted([k1, k2]), o
	assert keys[k1]["fingerprint"] == fp1, o
	assert keys[k1]["valid_after"] is None and keys[k1]["valid_before"], o
	assert keys[k2]["valid_after"] and keys[k2]["valid_before"] is None, o
	EOF
	annal -C plain.git key list --format json >out &&
	echo "{\"log\":\"main\",\"first_signed\":null,\"keys\":[]}" >expect &&
	test_cmp expect out &&
	test_expect_code 2 annal -C repo.git key list --format json --log nosuch >out 2>err &&
	test_must_be_empty err &&
	json_get error <out >actual &&
	echo "\"no such log '"'"'nosuch'"'"'\"" >expect &&
	test_cmp expect actual &&
	test_expect_code 3 annal -C no/such.git key list --format json >out 2>err &&
	test_must_be_empty err &&
	json_get keys <out >actual &&
	echo null >expect &&
	test_cmp expect actual
'

test_expect_success 'a .pub file given as allowed signers: use --key, it says' '
	annal_fails_cleanly 2 repo.git verify --allowed-signers k1.pub &&
	grep "^annal: error: .k1.pub. is a public key file, not an allowed signers file: give it with --key" err &&
	annal -C repo.git verify --key k1.pub
'

test_expect_success 'audit-verify --log-allowed-signers checks the identity' '
	test_tick &&
	annal -C late.git export --bundle late.zip --sign-key k1 >/dev/null &&
	annal audit-verify --key k1.pub --log-allowed-signers late-pin late.zip >out &&
	test_tick &&
	annal -C late2.git export --bundle late2.zip --sign-key k1 >/dev/null &&
	test_expect_code 1 annal audit-verify --key k1.pub --log-allowed-signers late-pin late2.zip >out 2>err &&
	grep "pinMismatch: the log.s first signed record is" err
'

test_expect_success 'a bundle that leaves out the first signed record cannot show its log' '
	test_tick &&
	annal -C late.git export --actor bob --bundle bob.zip --sign-key k1 >/dev/null &&
	annal audit-verify --key k1.pub --log-allowed-signers late-list bob.zip >out &&
	test_expect_code 1 annal audit-verify --key k1.pub --log-allowed-signers late-pin bob.zip >out 2>err &&
	grep "pinMismatch: records are left out before the log.s first signed record" err
'

test_done
