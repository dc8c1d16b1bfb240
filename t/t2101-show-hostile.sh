#!/bin/sh

test_description='annal show: hostile records, large and deep values, signed logs

Control characters, C1 controls, bidirectional overrides and invisible
characters in keys and values are escaped in show'\''s pretty output and
its error messages; bytes that are not UTF-8 in arguments too.  A record
of about 1 MiB is shown whole; a before 10,000 levels deep never gets
into a record.  In a signed log, show names the signer and whether the
log trusts it.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is needed to make and check the records'
	test_done
fi

. "$TEST_DIRECTORY/lib-ssh.sh"

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
TEXT="$TEST_DIRECTORY/lib-text.py"

# safe FILE...: no raw unsafe character, valid UTF-8
safe () {
	python3 "$TEXT" check "$@"
}

test_expect_success 'setup' '
	annal_repo_init &&
	cat >rec.py <<-\EOF &&
	import json, sys
	rec = {"actor": "carol", "action": "note", "reason": ALL,
	       "before": {"k\u202ex": "\u0085a\u001b", "all": ALL, "same": 1},
	       "after": {"k\u202ex": "b\u202e", "all": [ALL], "same": 1,
	                 ALL: "new"}}
	sys.stdout.write(json.dumps(rec) + "\n")
	EOF
	python3 "$TEXT" run rec.py >rec &&
	annal append --stdin <rec >ids
'

test_expect_success 'pretty: nothing raw in fields or diff' '
	annal show 1 >out &&
	safe out &&
	grep "^    ~ /k\\\\u202ex: \"\\\\u0085a\\\\u001b\" -> \"b\\\\u202e\"$" out &&
	grep "^    + /.*: \"new\"$" out &&
	! grep "/same" out
'

test_expect_success 'pretty: every hostile value shown as lib-text.py escapes it' '
	annal show 1 >out &&
	python3 "$TEXT" run /dev/stdin <<-\EOF
	import json
	out = open("out", encoding="utf-8").read()
	# a value is written as canonical JSON (C0 as \u00XX), then escaped
	text = show(json.dumps(ALL, ensure_ascii=False))
	assert text in out, (text, out)
	EOF
'

test_expect_success 'json: values exact' '
	annal show --format json 1 >out &&
	python3 "$TEXT" run /dev/stdin <<-\EOF
	import json
	r = json.loads(open("out", encoding="utf-8").read())
	d = {e["path"]: e for e in r["diff"]}
	assert d["/k\u202ex"]["old"] == "\u0085a\u001b", d
	assert d["/all"]["new"] == [ALL] and d["/all"]["old"] == ALL
	assert r["record"]["reason"] == ALL
	EOF
'

test_expect_success 'errors quote arguments escaped, invalid UTF-8 too' '
	test_expect_code 2 annal show "$(printf "ab\377\302\205\342\200\256")" 2>err &&
	safe err &&
	echo "annal: error: '\''ab\\xff\\u0085\\u202e'\'' is neither a seq nor a record id (4 to 40 hex digits)" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal show --log "$(printf "l\033\377")" 1 2>err &&
	safe err
'

test_expect_success 'a record of about 1 MiB is shown whole' '
	python3 - <<-\EOF &&
	import json
	half = 500 * 1024
	rec = {"actor": "a", "action": "big", "before": {"blob": "x" * half},
	       "after": {"blob": "y" * half + "\u202e"}}
	open("big", "w").write(json.dumps(rec) + "\n")
	EOF
	annal append --stdin <big &&
	annal show 2 >out &&
	safe out &&
	test $(wc -c <out) -gt 2000000 &&
	grep -c "^    ~ /blob: \"x*\" -> \"y*\\\\u202e\"$" out >count &&
	echo 1 >expect &&
	test_cmp expect count
'

test_expect_success 'a before 10,000 levels deep is refused by append' '
	python3 -c "print(\"{\\\"actor\\\":\\\"a\\\",\\\"action\\\":\\\"deep\\\",\\\"before\\\":\" + \"[\" * 10000 + \"]\" * 10000 + \"}\")" >deep &&
	test_expect_code 2 annal append --stdin <deep 2>err &&
	test_line_count = 1 err &&
	test_expect_code 2 annal show 3 >out &&
	test_must_be_empty out
'

test_expect_success SSHKEYGEN 'a signed log: the signer and the trust' '
	annal_repo_init signed.git &&
	ssh_key k1 &&
	annal -C signed.git append --sign-key k1 --actor a --action first >/dev/null &&
	annal -C signed.git append --sign-key k1 --actor a --action second >/dev/null &&
	annal -C signed.git show 2 >out &&
	grep "^signature:    good$" out &&
	echo "signer:       $(ssh_fp k1.pub), a key the log trusts here" >expect &&
	grep "^signer:" out >actual &&
	test_cmp expect actual &&
	annal -C signed.git show --format json 1 >out &&
	grep "\"signature\":{\"principals\":null,\"signed\":true,\"signer\":\"$(ssh_fp k1.pub)\",\"trusted\":true,\"valid\":true}" out
'

test_expect_success SSHKEYGEN 'principals from --allowed-signers or gpg.ssh.allowedSignersFile' '
	ssh_key k2 &&
	{
		printf "alice@example.com,\"ops team\" %s\n" "$(ssh_pub k1.pub)" &&
		printf "mallory %s\n" "$(ssh_pub k2.pub)" &&
		printf "\"a\033b\" %s\n" "$(ssh_pub k1.pub)"
	} >allowed &&
	annal -C signed.git show --allowed-signers allowed 2 >out &&
	echo "signer:       $(ssh_fp k1.pub), principal alice@example.com,ops team,a\\u001bb, a key the log trusts here" >expect &&
	grep "^signer:" out >actual &&
	test_cmp expect actual &&
	annal -C signed.git show --allowed-signers - --format json 1 <allowed >out &&
	grep "\"principals\":\"alice@example.com,ops team,a\\\\u001bb\"" out &&
	git -C signed.git config gpg.ssh.allowedSignersFile "$TRASH_DIRECTORY/allowed" &&
	annal -C signed.git show 2 >out &&
	grep "^signer:" out >actual &&
	test_cmp expect actual &&
	git -C signed.git config gpg.ssh.allowedSignersFile "$TRASH_DIRECTORY/nosuch" &&
	annal -C signed.git show 2 >out &&
	grep "^signer:       $(ssh_fp k1.pub), a key the log trusts here$" out &&
	test_expect_code 3 annal -C signed.git show --allowed-signers nosuch 2 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err
'

# Running as root, a file can be given to another user: a repository
# config owned by someone else, as a shared central's may be.
test_lazy_prereq CHOWN '
	>owned && chown 65534 owned && test "$(stat -c %u owned)" = 65534
'

test_expect_success SSHKEYGEN,CHOWN 'the allowedSignersFile of a repository owned by someone else: ignored' '
	test_when_finished "chown $(id -u) signed.git/config; rm -f .gitconfig" &&
	printf "ceo@example.com %s\n" "$(ssh_pub k1.pub)" >forged &&
	git -C signed.git config gpg.ssh.allowedSignersFile "$TRASH_DIRECTORY/forged" &&
	chown 65534 signed.git/config &&
	annal -C signed.git show 2 >out &&
	grep "^signer:       $(ssh_fp k1.pub), a key the log trusts here$" out &&
	git config --global gpg.ssh.allowedSignersFile "$TRASH_DIRECTORY/allowed" &&
	annal -C signed.git show 2 >out &&
	grep "^signer:       $(ssh_fp k1.pub), principal alice@example.com" out &&
	chown $(id -u) signed.git/config &&
	annal -C signed.git show 2 >out &&
	grep "^signer:       $(ssh_fp k1.pub), principal ceo@example.com" out
'

test_done
