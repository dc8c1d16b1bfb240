#!/bin/sh

test_description='annal append with a signing key: SSH-signed records

Every record of a signed log is a commit with a gpgsig header that stock
git verify-commit and git log --show-signature accept; the first record
names the key in its "signing" field; a signed log takes only records
signed by a key it trusts; the key comes from --sign-key, then
$ANNAL_SIGNING_KEY, then annal.signingKey.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# signing_of REPO K [LOG]: the canonical JSON of record K's "signing"
signing_of () {
	annal_record "$1" "$(annal_nth "$1" "$2" "${3:-main}")" >"$TRASH_DIRECTORY/.rec" &&
	json_get signing <"$TRASH_DIRECTORY/.rec"
}

# expect_signing KEY.pub...: the "signing" field naming these keys
expect_signing () {
	python3 -c '
import json, sys
keys = [" ".join(open(f).read().split()[:2]) for f in sys.argv[1:]]
print(json.dumps({"keys": keys, "policy": "required"}, sort_keys=True,
                 separators=(",", ":")))
' "$@"
}

# make_log REPO KEY: the same four records, same clock, signed by KEY
make_log () {
	annal init "$1" >/dev/null &&
	ANNAL_TEST_NOW=1795100000 annal -C "$1" append --sign-key "$2" \
		--actor alice --action login >"$1.ids" &&
	ANNAL_TEST_NOW=1795100060.250 annal -C "$1" append --sign-key "$2" \
		--actor bob --action deploy --target web-1 --decision allowed \
		--field labels.env=prod >>"$1.ids" &&
	printf "%s\n" "{\"actor\":\"carol\",\"action\":\"read\"}" \
		"{\"actor\":\"dave\",\"action\":\"write\",\"params\":[1,2.5]}" >"$1.in" &&
	ANNAL_TEST_NOW=1795100120 annal -C "$1" append --sign-key "$2" \
		--stdin <"$1.in" >>"$1.ids"
}

test_expect_success 'setup' '
	annal init repo.git >/dev/null &&
	annal keygen -f k1 -C alice@example.com >/dev/null &&
	annal keygen -f k2 -C bob >/dev/null &&
	annal keygen -f k3 -C carol >/dev/null &&
	ssh_allowed allowed "namespaces=\"git\"" k1.pub &&
	ssh_allowed allowed2 "namespaces=\"git\"" k2.pub &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor alice --action login \
		--decision allowed >ids &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor bob --action deploy \
		--target web-1 >>ids &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --json "{\"actor\":\"carol\",\"action\":\"note\",\"reason\":\"caf\\u00e9\"}" >>ids &&
	test_line_count = 3 ids &&
	annal_ids repo.git >all &&
	test_cmp ids all
'

test_expect_success GIT 'each record has a gpgsig header right after the committer' '
	for c in $(cat ids)
	do
		git -C repo.git cat-file commit $c >commit &&
		sed -n "/^committer /{n;p;}" commit >after &&
		echo "gpgsig -----BEGIN SSH SIGNATURE-----" >expect &&
		test_cmp expect after &&
		sed -n "/^\$/{x;p;q;};h" commit >before-blank &&
		echo " -----END SSH SIGNATURE-----" >expect &&
		test_cmp expect before-blank || return 1
	done
'

test_expect_success PYTHON3,GIT 'storage format plus signature: git namespace, sha512, k1' '
	ssh_signers repo.git >actual &&
	ssh_expect_signers k1.pub k1.pub k1.pub >expect &&
	test_cmp expect actual
'

test_expect_success GITSSH 'git verify-commit accepts every record' '
	git_verify_log repo.git allowed
'

test_expect_success SSHKEYGEN,GITSSH 'git log --show-signature: a Good signature for every record' '
	git -C repo.git -c gpg.ssh.allowedSignersFile="$TRASH_DIRECTORY/allowed" \
		log --show-signature refs/audit/main >out &&
	grep "^Good \"git\" signature for anyone with ED25519 key $(ssh_fp k1.pub)\$" out >good &&
	test_line_count = 3 good
'

test_expect_success GITSSH 'git verify-commit with only another key refuses them' '
	for c in $(cat ids)
	do
		! git -C repo.git \
			-c gpg.ssh.allowedSignersFile="$TRASH_DIRECTORY/allowed2" \
			verify-commit $c 2>err || return 1
	done
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the signatures are byte for byte what ssh-keygen -Y sign makes' '
	rm -rf t.git &&
	cp -R repo.git t.git &&
	ssh_forge t.git main resign 1 k1 >new-ids &&
	test_cmp ids new-ids
'

test_expect_success PYTHON3,GIT 'the first record names the key, without comment, policy required' '
	signing_of repo.git 1 >actual &&
	expect_signing k1.pub >expect &&
	test_cmp expect actual &&
	! grep alice@example.com actual
'

test_expect_success 'annal verify passes' '
	annal -C repo.git verify >out &&
	echo "log main: 3 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out &&
	annal -C repo.git verify --all >out &&
	test_cmp expect out
'

test_expect_success 'annal log reads a signed log' '
	annal -C repo.git log --format oneline >out &&
	test_line_count = 3 out &&
	annal -C repo.git log --format jsonl >out &&
	test_line_count = 3 out
'

test_expect_success 'a signed log takes no record without a key: exit 2, nothing written' '
	annal_fails_cleanly 2 repo.git append --actor eve --action login &&
	grep "^annal: error: log '\''main'\'' is signed: " err &&
	annal_fails_cleanly 2 repo.git append --json "{\"actor\":\"e\",\"action\":\"x\"}" &&
	grep "^annal: error: log '\''main'\'' is signed: " err &&
	echo "{\"actor\":\"e\",\"action\":\"x\"}" >in &&
	test_expect_code 2 annal -C repo.git append --stdin <in >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	annal_ids repo.git >actual &&
	test_cmp ids actual
'

test_expect_success SSHKEYGEN 'a key the log does not trust: exit 2 naming its fingerprint' '
	annal_fails_cleanly 2 repo.git append --sign-key k2 --actor eve --action login &&
	grep "$(ssh_fp k2.pub)" err &&
	annal_ids repo.git >actual &&
	test_cmp ids actual
'

test_expect_success SSHKEYGEN 'a key from ssh-keygen the log does not trust: exit 2' '
	ssh_key sk &&
	annal_fails_cleanly 2 repo.git append --sign-key sk --actor eve --action login &&
	grep "$(ssh_fp sk.pub)" err
'

test_expect_success '--sign-key for an unsigned log: exit 2, rotate is the way' '
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor alice --action login >plain-ids &&
	annal_fails_cleanly 2 plain.git append --sign-key k1 --actor bob --action x &&
	grep "^annal: error: log '\''main'\'' is not signed; .*annal key rotate --new-key" err &&
	annal_ids plain.git >actual &&
	test_cmp plain-ids actual &&
	annal -C plain.git append --actor bob --action x >>plain-ids &&
	annal -C plain.git verify
'

# unsigned_heads REPO N: the last N commits of REPO's main log carry no
# signature, as stock git sees them
unsigned_heads () {
	git -C "$1" log -n "$2" --format=%H refs/audit/main >heads &&
	for c in $(cat heads)
	do
		git -C "$1" cat-file commit $c >commit &&
		! grep "^gpgsig" commit || return 1
	done
}

test_expect_success GIT 'a host-wide key ($ANNAL_SIGNING_KEY, annal.signingKey) leaves an unsigned log unsigned' '
	git -C plain.git rev-parse refs/audit/main >before &&
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k1" &&
		export ANNAL_SIGNING_KEY &&
		annal -C plain.git append --actor bob --action env >out 2>err &&
		test_must_be_empty err &&
		echo "{\"actor\":\"bob\",\"action\":\"batch\"}" |
		annal -C plain.git append --stdin >>out 2>>err &&
		echo "{\"actor\":\"bob\",\"action\":\"stream\"}" |
		annal -C plain.git append --stdin --stream >>out 2>>err &&
		test_must_be_empty err
	) &&
	git -C plain.git config annal.signingKey "$TRASH_DIRECTORY/k1" &&
	annal -C plain.git append --actor bob --action cfg >>out 2>err &&
	git -C plain.git config --unset annal.signingKey &&
	test_must_be_empty err &&
	test_line_count = 4 out &&
	git -C plain.git rev-list --reverse "$(cat before)..refs/audit/main" >landed &&
	test_cmp out landed &&
	unsigned_heads plain.git 4 &&
	annal -C plain.git verify
'

test_expect_success GIT 'a host-wide key that cannot be read: an error only where a key is needed' '
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/no-such-key" &&
		export ANNAL_SIGNING_KEY &&
		annal -C plain.git append --actor bob --action nokey >id 2>err &&
		test_must_be_empty err &&
		test_line_count = 1 id &&
		annal_fails_cleanly 2 repo.git append --actor bob --action x &&
		grep "^annal: error: cannot open key .*no-such-key" err &&
		annal init new.git >/dev/null &&
		test_expect_code 2 annal -C new.git append --actor bob --action x 2>err &&
		grep "^annal: error: cannot open key .*no-such-key" err &&
		test_must_fail git -C new.git rev-parse --verify -q refs/audit/main
	) &&
	unsigned_heads plain.git 1
'

test_expect_success 'a caller may not give "signing": exit 2, nothing written' '
	sig="{\"keys\":[\"$(ssh_pub k1.pub)\"],\"policy\":\"required\"}" &&
	annal_fails_cleanly 2 repo.git append --sign-key k1 \
		--json "{\"actor\":\"a\",\"action\":\"b\",\"signing\":$sig}" &&
	annal_fails_cleanly 2 repo.git append --sign-key k1 \
		--actor a --action b --field "signing:=$sig" &&
	annal_fails_cleanly 2 repo.git append --sign-key k1 \
		--actor a --action b --field signing=none &&
	annal_fails_cleanly 2 repo.git append --sign-key k1 \
		--actor a --action b --field signing.policy=none &&
	echo "{\"actor\":\"a\",\"action\":\"b\",\"signing\":$sig}" >in &&
	test_expect_code 2 annal -C repo.git append --sign-key k1 --stdin <in >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: stdin line 1: " err &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	annal init new.git >/dev/null &&
	annal_fails_cleanly 2 new.git append --sign-key k1 \
		--json "{\"actor\":\"a\",\"action\":\"b\",\"signing\":$sig}" &&
	! git -C new.git rev-parse -q --verify refs/audit/main &&
	annal_fails_cleanly 2 plain.git append \
		--json "{\"actor\":\"a\",\"action\":\"b\",\"signing\":$sig}" &&
	annal_fails_cleanly 2 new.git append \
		--json "{\"actor\":\"a\",\"action\":\"b\",\"signing\":{\"keys\":[],\"policy\":\"none\"}}"
'

test_expect_success PYTHON3,GITSSH '--stdin: every record of a batch is signed' '
	printf "%s\n" "{\"actor\":\"f\",\"action\":\"one\"}" "" \
		"{\"actor\":\"g\",\"action\":\"two\"}" \
		"{\"actor\":\"h\",\"action\":\"three\"}" >in &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --stdin <in >batch &&
	test_line_count = 3 batch &&
	cat ids batch >all &&
	annal_ids repo.git >actual &&
	test_cmp all actual &&
	git_verify_commits repo.git allowed $(cat batch) &&
	ssh_signers repo.git >actual &&
	ssh_expect_signers k1.pub k1.pub k1.pub k1.pub k1.pub k1.pub >expect &&
	test_cmp expect actual &&
	cp all ids
'

test_expect_success PYTHON3,GITSSH '--stdin to a new log: signed, "signing" in its first record' '
	annal init batch.git >/dev/null &&
	annal -C batch.git append --sign-key k2 --stdin <in >batch &&
	test_line_count = 3 batch &&
	git_verify_log batch.git allowed2 &&
	signing_of batch.git 1 >actual &&
	expect_signing k2.pub >expect &&
	test_cmp expect actual &&
	annal -C batch.git verify
'

test_expect_success '--stdin: a bad line in a signed batch writes nothing' '
	printf "%s\n" "{\"actor\":\"f\",\"action\":\"one\"}" "{bad" >in &&
	test_expect_code 2 annal -C repo.git append --sign-key k1 --stdin <in >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: stdin line 2: " err &&
	annal_ids repo.git >actual &&
	test_cmp ids actual
'

test_expect_success PYTHON3,GIT 'ANNAL_SIGNING_KEY signs a new log' '
	annal init env.git >/dev/null &&
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k2" &&
		export ANNAL_SIGNING_KEY &&
		annal -C env.git append --actor a --action b >id
	) &&
	test_line_count = 1 id &&
	signing_of env.git 1 >actual &&
	expect_signing k2.pub >expect &&
	test_cmp expect actual &&
	ssh_signers env.git >actual &&
	ssh_expect_signers k2.pub >expect &&
	test_cmp expect actual
'

test_expect_success PYTHON3,GIT 'annal.signingKey signs a new log' '
	annal init cfg.git >/dev/null &&
	git -C cfg.git config annal.signingKey "$TRASH_DIRECTORY/k3" &&
	annal -C cfg.git append --actor a --action b >id &&
	annal -C cfg.git append --actor a --action c >>id &&
	test_line_count = 2 id &&
	signing_of cfg.git 1 >actual &&
	expect_signing k3.pub >expect &&
	test_cmp expect actual &&
	ssh_signers cfg.git >actual &&
	ssh_expect_signers k3.pub k3.pub >expect &&
	test_cmp expect actual
'

test_expect_success PYTHON3,GIT 'precedence on a new log: --sign-key, then env, then config' '
	for how in flag env cfg
	do
		rm -rf p.git &&
		annal init p.git >/dev/null &&
		git -C p.git config annal.signingKey "$TRASH_DIRECTORY/k3" &&
		(
			ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k2" &&
			export ANNAL_SIGNING_KEY &&
			case $how in
			flag) annal -C p.git append --sign-key k1 --actor a --action b ;;
			env) annal -C p.git append --actor a --action b ;;
			cfg) unset ANNAL_SIGNING_KEY &&
				annal -C p.git append --actor a --action b ;;
			esac
		) >id &&
		test_line_count = 1 id &&
		case $how in
		flag) want=k1.pub ;;
		env) want=k2.pub ;;
		cfg) want=k3.pub ;;
		esac &&
		signing_of p.git 1 >actual &&
		expect_signing $want >expect &&
		test_cmp expect actual &&
		ssh_signers p.git >actual &&
		ssh_expect_signers $want >expect &&
		test_cmp expect actual || return 1
	done
'

test_expect_success SSHKEYGEN 'precedence on a signed log: the first key found is the one used' '
	git -C repo.git config annal.signingKey "$TRASH_DIRECTORY/k2" &&
	test_when_finished "git -C repo.git config --unset annal.signingKey" &&
	annal_fails_cleanly 2 repo.git append --actor a --action cfg-untrusted &&
	grep "$(ssh_fp k2.pub)" err &&
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k1" &&
		export ANNAL_SIGNING_KEY &&
		annal -C repo.git append --actor a --action env-beats-config >id &&
		annal_fails_cleanly 2 repo.git append --sign-key k2 --actor a --action x &&
		grep "$(ssh_fp k2.pub)" err
	) &&
	cat id >>ids &&
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k2" &&
		export ANNAL_SIGNING_KEY &&
		annal -C repo.git append --sign-key k1 --actor a --action flag-beats-env >id &&
		annal_fails_cleanly 2 repo.git append --actor a --action x &&
		grep "$(ssh_fp k2.pub)" err
	) &&
	cat id >>ids &&
	git -C repo.git config annal.signingKey "$TRASH_DIRECTORY/k1" &&
	annal -C repo.git append --actor a --action config >>ids &&
	annal_ids repo.git >actual &&
	test_cmp ids actual &&
	annal -C repo.git verify
'

test_expect_success GITSSH 'every record so far still passes git verify-commit' '
	git_verify_log repo.git allowed
'

test_expect_success PYTHON3,GIT '--log: another log gets its own first record with "signing"' '
	annal -C repo.git append --log team/b --sign-key k2 --actor a --action b >id &&
	signing_of repo.git 1 team/b >actual &&
	expect_signing k2.pub >expect &&
	test_cmp expect actual &&
	annal_fails_cleanly 2 repo.git append --log team/b --sign-key k1 --actor a --action c &&
	annal -C repo.git verify --all >out &&
	test_line_count = 2 out
'

test_expect_success GIT 'signed commit ids are deterministic with the pinned clock' '
	make_log one.git k1 &&
	make_log two.git k1 &&
	test_line_count = 4 one.git.ids &&
	test_cmp one.git.ids two.git.ids &&
	make_log three.git k2 &&
	! cmp one.git.ids three.git.ids
'

# SHA-1 and SHA-256 take the CPU's instructions where it has them; the
# portable code must give the same ids, hashes and signatures, and each
# must verify what the other wrote.
test_expect_success GIT 'the portable SHA code writes and reads the same log' '
	ANNAL_TEST_NO_SHA_INSTRUCTIONS=1 make_log portable.git k1 &&
	test_cmp one.git.ids portable.git.ids &&
	ANNAL_TEST_NOW=1795200000 ANNAL_TEST_NO_SHA_INSTRUCTIONS=1 annal -C one.git verify &&
	ANNAL_TEST_NOW=1795200000 annal -C portable.git verify &&
	ANNAL_TEST_NO_SHA_INSTRUCTIONS=1 annal -C one.git log --format jsonl >portable.out &&
	annal -C one.git log --format jsonl >sha.out &&
	test_cmp sha.out portable.out
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the vector key: stock tools rebuild the same ids' '
	ssh_vector_key vk &&
	make_log vec.git vk &&
	rm -rf t.git &&
	cp -R vec.git t.git &&
	ssh_forge t.git main resign 1 vk >new-ids &&
	test_cmp vec.git.ids new-ids &&
	ANNAL_TEST_NOW=1795100120 annal -C vec.git verify
'

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

# append_on_lock LOCK IN OUT ERR ANNAL-ARGS...: start annal ANNAL-ARGS
# in the background (its pid in $pid) and return once it has found LOCK
# taken: annal stats a lock it waits on, strace shows it.  However slowly
# annal runs (valgrind), the race below then happens; a wait that never
# comes is ended by the test's watchdog.
append_on_lock () {
	lock=$1 in=$2 out=$3 err=$4 &&
	shift 4 &&
	rm -f lock.trace &&
	{ ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o lock.trace -P "$(pwd)/$lock" -e trace=stat,newfstatat,lstat \
		annal "$@" <"$in" >"$out" 2>"$err" & } &&
	pid=$! &&
	until grep "stat.*= 0$" lock.trace >/dev/null 2>&1
	do
		kill -0 $pid 2>/dev/null || {
			echo "annal $* ended before it waited on $lock" &&
			cat "$err"
			return 1
		}
		sleep 0.01
	done
}

# A batch that starts a signed log declares its key in its first record.
# When it loses the race (here: the ref is locked, then another log's
# history appears under its name: another writer created it), it is rebuilt from what it wrote: the
# declaration must go, or be declared once, never twice.
test_expect_success PYTHON3,GIT,STRACE 'a batch that loses the race to create a signed log' '
	annal init race.git >/dev/null &&
	annal -C race.git append --log seed --sign-key k1 --actor a --action first >/dev/null &&
	test_seq 12 | sed -e "s/.*/{\"actor\":\"b\",\"action\":\"n&\"}/" >race.in &&
	: >race.git/refs/audit/new.lock &&
	append_on_lock race.git/refs/audit/new.lock race.in race.ids race.err \
		-C "$(pwd)/race.git" append --log new --sign-key "$(pwd)/k1" --stdin &&
	# written whole at once: a batch started late reads the ref first
	git -C race.git rev-parse refs/audit/seed >race.ref &&
	mv race.ref race.git/refs/audit/new &&
	git -C race.git update-ref -d refs/audit/seed &&
	rm race.git/refs/audit/new.lock &&
	wait $pid &&
	test_line_count = 12 race.ids &&
	annal -C race.git verify --log new &&
	git -C race.git rev-list --count refs/audit/new >count &&
	test $(cat count) = 13 &&
	first=$(head -n 1 race.ids) &&
	annal_record race.git $first >rec &&
	! grep signing rec &&
	annal init race2.git >/dev/null &&
	mkdir -p race2.git/refs/audit &&
	: >race2.git/refs/audit/new.lock &&
	append_on_lock race2.git/refs/audit/new.lock race.in race2.ids race2.err \
		-C "$(pwd)/race2.git" append --log new --sign-key "$(pwd)/k1" --stdin &&
	rm race2.git/refs/audit/new.lock &&
	wait $pid &&
	annal -C race2.git verify --log new &&
	annal_record race2.git $(head -n 1 race2.ids) >rec2 &&
	python3 -c "
import sys
t = open(\"rec2\").read()
assert t.count(\"\\\"signing\\\"\") == 1, t
"
'

test_expect_success '--sign-key - with --stdin (or a key named -): refused, nothing appended' '
	refs_snapshot &&
	test_expect_code 2 annal -C repo.git append --stdin --sign-key - \
		</dev/null >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: option .--sign-key. cannot read standard input (.-.): with .--stdin. it holds the records; see .annal append -h.$" err &&
	test_expect_code 2 env ANNAL_SIGNING_KEY=- annal -C repo.git append --stdin \
		</dev/null >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: .ANNAL_SIGNING_KEY cannot read standard input (.-.): with .--stdin. it holds the records" err &&
	: without --stdin, standard input is the key: none there is no key &&
	test_expect_code 2 annal -C repo.git append --sign-key - --actor a --action b \
		</dev/null >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	refs_unchanged
'

# Running as root, a file can be given to another user: a repository
# config someone else owns, as a shared central's may be.
test_lazy_prereq CHOWN '
	>owned && chown 65534 owned && test "$(stat -c %u owned)" = 65534
'

test_expect_success CHOWN 'annal.signingKey of a config someone else owns: not used' '
	test_when_finished "chown $(id -u) repo.git/config; git -C repo.git config --unset annal.signingKey" &&
	git -C repo.git config annal.signingKey "$TRASH_DIRECTORY/k1" &&
	annal -C repo.git append --actor a --action with-configured-key >/dev/null &&
	chown 65534 repo.git/config &&
	refs_snapshot &&
	test_expect_code 2 annal -C repo.git append --actor a --action b >out 2>err &&
	grep "give a signing key" err &&
	refs_unchanged
'

test_done
