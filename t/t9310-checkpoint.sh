#!/bin/sh

test_description='annal checkpoint and annal verify --checkpoint

A checkpoint is a C2SP signed note over "<origin>\n<size>\n<root>\n":
the root is the RFC 6962 tree of the records (recomputed here with
python), the signature line and verifier key follow c2sp.org/signed-note,
the origin is recorded once in the log, every checkpoint is kept in
refs/annal/checkpoints/<log>, and verify names a truncated, rewritten
or split log, another origin and a bad signature.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# tree_root REPO [LOG]: base64 RFC 6962 root of the log's records
tree_root () {
	git --git-dir="$1" log --reverse --format=%H "refs/audit/${2:-main}" >"$TRASH_DIRECTORY/.ids" &&
	python3 -c '
import base64, hashlib, subprocess, sys
leaves = []
for oid in open(sys.argv[2]).read().split():
    msg = subprocess.run(["git", "--git-dir=" + sys.argv[1], "cat-file", "commit", oid],
                         capture_output=True, check=True).stdout
    leaves.append(hashlib.sha256(b"\0" + msg.rstrip(b"\n").split(b"\n")[-1]).digest())
def root(h):
    if len(h) == 0: return hashlib.sha256(b"").digest()
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b"\1" + root(h[:k]) + root(h[k:])).digest()
print(base64.b64encode(root(leaves)).decode())
' "$1" "$TRASH_DIRECTORY/.ids"
}

# key_id NAME PUBFILE: the C2SP key id, 8 hex digits
key_id () {
	python3 -c '
import base64, hashlib, struct, sys
blob = base64.b64decode(open(sys.argv[2]).read().split()[1])
pk = blob[-32:]
print(hashlib.sha256(sys.argv[1].encode() + b"\n\1" + pk).hexdigest()[:8])
' "$1" "$2"
}

cp_ref () {
	git --git-dir="$1" rev-parse --verify -q "refs/annal/checkpoints/${2:-main}"
}

test_expect_success 'setup: a signed log of three records' '
	ssh_vector_key key &&
	ssh_key other &&
	annal init repo.git >/dev/null &&
	for a in login deploy logout
	do
		test_tick &&
		annal -C repo.git append --sign-key key --actor alice --action $a >/dev/null || return 1
	done
'

test_expect_success 'the first checkpoint records the origin, then signs the head' '
	test_tick &&
	annal -C repo.git checkpoint --sign-key key --origin example.com/audit >cp4 &&
	annal -C repo.git log -n 1 --format jsonl >last &&
	test "$(json_get action <last)" = "\"annal.origin\"" &&
	test "$(json_get origin <last)" = "\"example.com/audit\"" &&
	printf "example.com/audit\n4\n%s\n\n" "$(tree_root repo.git)" >expect &&
	head -n 4 cp4 >actual &&
	test_cmp expect actual &&
	test_line_count = 5 cp4 &&
	sed -n 5p cp4 >sig &&
	grep "^— example.com/audit [A-Za-z0-9+/]*=*\$" sig &&
	sed "s/^— example.com.audit //" sig | base64 -d | od -An -tx1 | tr -d " \n" | cut -c1-8 >id &&
	key_id example.com/audit key.pub >expect &&
	test_cmp expect id
'

test_expect_success '--verifier-key prints <name>+<id>+<base64(0x01 || key)>' '
	annal -C repo.git checkpoint --sign-key key --verifier-key >vkey &&
	pk=$(python3 -c "import base64,sys; b=base64.b64decode(open(\"key.pub\").read().split()[1]); print(base64.b64encode(b\"\\1\"+b[-32:]).decode())") &&
	echo "example.com/audit+$(key_id example.com/audit key.pub)+$pk" >expect &&
	test_cmp expect vkey
'

test_expect_success 'the checkpoint is kept once in refs/annal/checkpoints/<log>' '
	git --git-dir=repo.git log --format=%s refs/annal/checkpoints/main >subjects &&
	echo "checkpoint 4 example.com/audit" >expect &&
	test_cmp expect subjects &&
	git --git-dir=repo.git cat-file blob refs/annal/checkpoints/main:checkpoint >kept &&
	test_cmp cp4 kept &&
	git --git-dir=repo.git ls-tree --name-only refs/annal/checkpoints/main >names &&
	echo checkpoint >expect &&
	test_cmp expect names
'

test_expect_success 'a new head makes a new checkpoint, chained to the last' '
	test_tick &&
	annal -C repo.git append --sign-key key --actor bob --action read >/dev/null &&
	annal -C repo.git checkpoint --sign-key key -o cp5 >out &&
	test_must_be_empty out &&
	sed -n 2p cp5 >size &&
	echo 5 >expect &&
	test_cmp expect size &&
	git --git-dir=repo.git log --format=%s refs/annal/checkpoints/main >subjects &&
	printf "checkpoint 5 example.com/audit\ncheckpoint 4 example.com/audit\n" >expect &&
	test_cmp expect subjects
'

test_expect_success 'the same head again is not kept twice' '
	before=$(cp_ref repo.git) &&
	annal -C repo.git checkpoint --sign-key key >again &&
	test_cmp cp5 again &&
	test "$(cp_ref repo.git)" = "$before"
'

test_expect_success 'verify checks given and kept checkpoints' '
	annal -C repo.git verify --checkpoint cp4 --checkpoint cp5 >out &&
	grep "^log main: 4 checkpoints consistent\$" out
'

test_expect_success 'refused: an unsigned log, an untrusted key, no key' '
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor a --action b >/dev/null &&
	test_expect_code 2 annal -C plain.git checkpoint --sign-key key 2>err &&
	grep "log .main. is not signed" err &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key other 2>err &&
	grep "is not trusted by log .main." err &&
	test_expect_code 2 annal -C repo.git checkpoint 2>err &&
	grep "no signing key" err &&
	test_expect_code 2 annal -C repo.git checkpoint --log nosuch --sign-key key 2>err &&
	test_line_count = 1 err
'

test_expect_success 'refused: another origin than the recorded one' '
	before=$(annal_head repo.git) &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key --origin other.example 2>err &&
	grep "has origin .example.com/audit., not .other.example." err &&
	test "$(annal_head repo.git)" = "$before"
'

test_expect_success 'refused: an origin with a space or +, nothing appended' '
	annal init fresh.git >/dev/null &&
	annal -C fresh.git append --sign-key key --actor a --action b >/dev/null &&
	before=$(annal_head fresh.git) &&
	test_expect_code 2 annal -C fresh.git checkpoint --sign-key key --origin "a b" 2>err &&
	grep "holds a space" err &&
	test_expect_code 2 annal -C fresh.git checkpoint --sign-key key --origin "a+b" 2>err &&
	grep "holds .+." err &&
	test "$(annal_head fresh.git)" = "$before" &&
	test_must_fail cp_ref fresh.git
'

test_expect_success 'the default origin is <annal.host>/annal/<log>' '
	git --git-dir=fresh.git config annal.host web1 &&
	annal -C fresh.git checkpoint --sign-key key >cpf &&
	head -n 1 cpf >origin &&
	echo web1/annal/main >expect &&
	test_cmp expect origin
'

test_expect_success 'truncated: a log cut below a checkpoint (checkpointTruncated)' '
	cp -R repo.git cut.git &&
	git --git-dir=cut.git update-ref refs/audit/main refs/audit/main~1 &&
	test_expect_code 1 annal -C cut.git verify --checkpoint cp5 2>err &&
	grep "checkpointTruncated: log .main. was truncated: it has 4 records, checkpoint .cp5. signs 5" err &&
	test_line_count = 1 err &&
	test_expect_code 1 annal -C cut.git verify 2>err &&
	grep "checkpointTruncated: .* stored checkpoint [0-9a-f]* signs 5" err
'

test_expect_success 'rewritten: other records at a checkpoint size (checkpointMismatch)' '
	cp -R repo.git fork.git &&
	git --git-dir=fork.git update-ref refs/audit/main refs/audit/main~1 &&
	git --git-dir=fork.git update-ref -d refs/annal/checkpoints/main &&
	test -f fork.git/annal/tree/main &&
	test_tick &&
	annal -C fork.git append --sign-key key --actor mallory --action read >/dev/null &&
	test_expect_code 1 annal -C fork.git verify --checkpoint cp5 2>err &&
	grep "checkpointMismatch: log .main. was rewritten: its first 5 records have root" err &&
	test_line_count = 1 err &&
	annal -C fork.git checkpoint --sign-key key >cp5-fork
'

test_expect_success 'checkpoint never signs a log cut or rewritten below a kept checkpoint' '
	test_when_finished "rm -rf cut2.git" &&
	cp -R cut.git cut2.git &&
	before=$(cp_ref cut2.git) &&
	test_expect_code 1 annal -C cut2.git checkpoint --sign-key key 2>err &&
	grep "log .main. was truncated: it has 4 records, a checkpoint it signed has 5 (refs/annal/checkpoints/main): not signing" err &&
	test_tick &&
	annal -C cut2.git append --sign-key key --actor mallory --action read >/dev/null &&
	annal -C cut2.git append --sign-key key --actor mallory --action read >/dev/null &&
	test_expect_code 1 annal -C cut2.git checkpoint --sign-key key >out 2>err &&
	grep "log .main. was rewritten: its first 5 records are not those of a checkpoint it signed" err &&
	rm -rf cut2.git/annal/tree &&
	test_expect_code 1 annal -C cut2.git checkpoint --sign-key key >out 2>err &&
	grep "was rewritten" err &&
	test_must_be_empty out &&
	test "$(cp_ref cut2.git)" = "$before"
'

test_expect_success 'a stale tree cache: verify names the truncation, readers rebuild it' '
	cp -R repo.git stale.git &&
	for a in one two
	do
		test_tick &&
		annal -C stale.git append --sign-key key --actor bob --action $a >/dev/null || return 1
	done &&
	annal -C stale.git checkpoint --sign-key key -o cp7 &&
	git --git-dir=stale.git update-ref refs/audit/main refs/audit/main~2 &&
	test_tick &&
	annal -C stale.git append --sign-key key --actor mallory --action read >/dev/null &&
	# the cache holds 7 leaves, the log 6 records, the 6th another one
	test -f stale.git/annal/tree/main &&
	cp -R stale.git stale2.git &&
	test_expect_code 1 annal -C stale.git verify 2>err &&
	test_line_count = 1 err &&
	grep "checkpointTruncated: log .main. was truncated: it has 6 records, stored checkpoint [0-9a-f]* signs 7" err &&
	annal -C stale.git prove inclusion 1 >proof &&
	tail -n 2 proof >actual &&
	printf "6\n%s\n" "$(tree_root stale.git)" >expect &&
	test_cmp expect actual
'

test_expect_success 'checkpoint refuses to sign a log truncated or rewritten below its last' '
	before=$(cp_ref stale.git) &&
	test_expect_code 1 annal -C stale.git checkpoint --sign-key key 2>err &&
	test_line_count = 1 err &&
	grep "log .main. was truncated: it has 6 records, a checkpoint it signed has 7 (refs/annal/checkpoints/main): not signing" err &&
	test_tick &&
	annal -C stale.git append --sign-key key --actor mallory --action more >/dev/null &&
	test_expect_code 1 annal -C stale.git checkpoint --sign-key key 2>err &&
	grep "log .main. was rewritten: its first 7 records are not those of a checkpoint it signed" err &&
	test "$(cp_ref stale.git)" = "$before"
'

test_expect_success 'a stale tree cache and no checkpoint past the cut: verify passes' '
	git --git-dir=stale2.git update-ref refs/annal/checkpoints/main refs/annal/checkpoints/main~1 &&
	annal -C stale2.git verify >out &&
	grep "^log main: 6 records verified" out
'

test_expect_success 'two checkpoints of one size, two roots: splitView' '
	test_expect_code 1 annal -C repo.git verify --checkpoint cp5 --checkpoint cp5-fork 2>err &&
	grep "splitView: split view: checkpoint .cp5. and checkpoint .cp5-fork. both sign size 5" err &&
	test_expect_code 1 annal -C fork.git verify --checkpoint cp5-fork --checkpoint cp5 2>err &&
	grep splitView err
'

test_expect_success 'another origin: checkpointOrigin names both' '
	test_expect_code 1 annal -C fresh.git verify --checkpoint cp5 2>err &&
	grep "checkpointOrigin: checkpoint .cp5. is for origin .example.com/audit., the log.s is .web1/annal/main." err
'

test_expect_success 'a bad signature: badCheckpointSignature' '
	sed "s/^5\$/4/" cp5 >forged &&
	test_expect_code 1 annal -C repo.git verify --checkpoint forged 2>err &&
	grep "badCheckpointSignature: .*does not verify" err &&
	sed "5s/.\$/A/;5s/=A\$/A=/" cp5 >flipped &&
	! test_cmp cp5 flipped &&
	test_expect_code 1 annal -C repo.git verify --checkpoint flipped 2>err &&
	grep "badCheckpointSignature" err
'

test_expect_success 'a key rotated out since: its checkpoints still verify' '
	cp -R repo.git rot.git &&
	annal -C rot.git key rotate --new-key other.pub --retire --sign-key key >/dev/null &&
	test_tick &&
	annal -C rot.git append --sign-key other --actor bob --action read >/dev/null &&
	test_expect_code 2 annal -C rot.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	annal -C rot.git checkpoint --sign-key other -o cp7 &&
	annal -C rot.git verify >out &&
	grep "^log main: 3 checkpoints consistent\$" out &&
	annal -C rot.git verify --checkpoint cp5 --checkpoint cp7 >out &&
	grep "^log main: 5 checkpoints consistent\$" out
'

# alt_checkpoint KEY NAME: a checkpoint of size 4 for example.com/audit,
# of another log (three records and its origin) signed by KEY throughout
alt_checkpoint () {
	annal init "$2.git" >/dev/null &&
	for a in login deploy logout
	do
		annal -C "$2.git" append --sign-key "$1" --actor alice --action $a >/dev/null || return 1
	done &&
	annal -C "$2.git" checkpoint --sign-key "$1" --origin example.com/audit -o "$2"
}

test_expect_success 'a key the log did not trust at that size: badCheckpointSignature' '
	ssh_key third &&
	alt_checkpoint other by-other &&
	alt_checkpoint third by-third &&
	for f in by-other by-third
	do
		test_expect_code 1 annal -C rot.git verify --checkpoint $f 2>err &&
		grep "badCheckpointSignature: checkpoint .$f.: no signature by the key" err || return 1
	done &&
	git --git-dir=rot.git fetch -q by-third.git \
		+refs/annal/checkpoints/main:refs/annal/checkpoints/main &&
	test_expect_code 1 annal -C rot.git verify 2>err &&
	grep "badCheckpointSignature: stored checkpoint .*: no signature by the key" err
'

test_expect_success '--checkpoint-key trusts a key the log does not' '
	annal -C by-third.git checkpoint --sign-key third --verifier-key >vkey3 &&
	test_expect_code 1 annal -C repo.git verify --checkpoint by-third --checkpoint-key "$(cat vkey3)" 2>err &&
	grep "splitView: .*checkpoint .by-third. and stored checkpoint" err
'

test_expect_success 'prove --checkpoint: signed by a key the log trusted at its size' '
	annal -C rot.git prove inclusion --checkpoint cp5 1 >proof &&
	tail -n 5 proof >tail &&
	test_cmp cp5 tail &&
	annal -C rot.git prove consistency cp5 cp7 >req &&
	test_expect_code 1 annal -C rot.git prove inclusion --checkpoint by-other 1 2>err &&
	test_line_count = 1 err &&
	grep "checkpoint .by-other.: no signature by the key" err &&
	test_expect_code 1 annal -C rot.git prove consistency by-third 2>err &&
	grep "checkpoint .by-third.: no signature by the key" err
'

malformed () {
	name=$1 && shift &&
	printf "$@" >"$name" &&
	test_expect_code 2 annal -C repo.git verify --checkpoint "$name" 2>err &&
	test_line_count = 1 err &&
	grep "checkpoint .$name.: malformed: " err
}

test_expect_success 'malformed checkpoints: one line, exit 2' '
	root=$(sed -n 3p cp5) && sig=$(sed -n 5p cp5) &&
	malformed extra-blank "example.com/audit\n5\n%s\n\n\n%s\n" "$root" "$sig" &&
	grep "empty extension line" err &&
	malformed leading-zero "example.com/audit\n05\n%s\n\n%s\n" "$root" "$sig" &&
	grep "leading zero" err &&
	malformed past-2-63 "example.com/audit\n9223372036854775808\n%s\n\n%s\n" "$root" "$sig" &&
	grep "2^63" err &&
	malformed name-space "example.com/audit\n5\n%s\n\n— a b %s\n" "$root" "${sig##* }" &&
	malformed name-plus "example.com/audit\n5\n%s\n\n— a+b %s\n" "$root" "${sig##* }" &&
	grep "holds .+." err &&
	malformed duplicate "example.com/audit\n5\n%s\n\n%s\n%s\n" "$root" "$sig" "$sig" &&
	grep "are by one key" err &&
	malformed no-newline "example.com/audit\n5\n%s\n\n%s" "$root" "$sig" &&
	malformed short-root "example.com/audit\n5\nAAAA\n\n%s\n" "$sig" &&
	malformed control "example.com/audit\r\n5\n%s\n\n%s\n" "$root" "$sig" &&
	grep "holds control character 0x0d" err &&
	malformed nul "example.com/au\0dit\n5\n%s\n\n%s\n" "$root" "$sig" &&
	grep "holds control character 0x00" err
'

test_expect_success 'malformed --checkpoint-key: wrong key id, unknown type' '
	vkey=$(cat vkey) &&
	id=${vkey#*+} && id=${id%%+*} &&
	test_expect_code 2 annal -C repo.git verify --checkpoint cp5 \
		--checkpoint-key "$(echo "$vkey" | sed "s/+$id+/+00000000+/")" 2>err &&
	grep "key id 00000000 is not the key" err &&
	b64=${vkey##*+} &&
	t5=$(echo "$b64" | base64 -d | python3 -c "import sys,base64; b=sys.stdin.buffer.read(); print(base64.b64encode(b\"\\5\"+b[1:]).decode())") &&
	test_expect_code 2 annal -C repo.git verify --checkpoint cp5 \
		--checkpoint-key "example.com/audit+$id+$t5" 2>err &&
	grep "unknown signature type 0x05" err
'

test_expect_success 'a second annal.origin record: originChanged' '
	cp -R repo.git two.git &&
	annal -C two.git append --sign-key key --actor eve --action annal.origin --field origin=evil.example >/dev/null &&
	test_expect_code 1 annal -C two.git verify 2>err &&
	grep "record 6 .*originChanged: the log records a second origin; its origin is recorded once, at seq 4" err
'

test_expect_success 'origin records are checked without a checkpoint too' '
	git --git-dir=two.git update-ref -d refs/annal/checkpoints/main &&
	test_expect_code 1 annal -C two.git verify 2>err &&
	grep "record 6 .*originChanged: the log records a second origin" err &&
	annal init bad-origin.git >/dev/null &&
	annal -C bad-origin.git append --actor a --action b >/dev/null &&
	annal -C bad-origin.git append --actor a --action annal.origin --field "origin=a b" >/dev/null &&
	test_expect_code 1 annal -C bad-origin.git verify 2>err &&
	grep "record 2 .*badField: the record records no valid origin: origin .a b.: key name holds a space" err
'

test_expect_success '-o that is no regular file: exit 2, nothing stored or left behind' '
	mkdir out-dir && mkfifo out-fifo &&
	git --git-dir=repo.git rev-parse refs/annal/checkpoints/main >before &&
	annal -C repo.git append --sign-key key --actor a --action b >/dev/null &&
	for o in out-dir out-fifo
	do
		test_expect_code 2 annal -C repo.git checkpoint --sign-key key -o $o 2>err &&
		test_line_count = 1 err &&
		grep "^annal: error: .$o. is not a regular file" err || return 1
	done &&
	test -d out-dir && rmdir out-dir &&
	test -p out-fifo && rm out-fifo &&
	git --git-dir=repo.git rev-parse refs/annal/checkpoints/main >after &&
	test_cmp before after &&
	ls >files &&
	! grep "tmp\|XXXX\|out-dir\." files
'

test_expect_success '-o in a directory that cannot be written: exit 3' '
	test_expect_code 3 annal -C repo.git checkpoint --sign-key key -o no-such-dir/cp 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: cannot create a file next to .no-such-dir/cp." err
'

test_done
