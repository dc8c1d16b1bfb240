#!/bin/sh

test_description='verify --state never takes key epochs from the key cache alone

The key cache annal/keys/<log> is derived data anyone who can write the
repository can rewrite, checksum and all.  verify --state keeps the key
epochs it has checked in its state file, so a cache that leaves out the
rotation retiring a key cannot make it accept a checkpoint that key
signed after its retirement, below the state'"'"'s head or above it.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq PYCRYPTOGRAPHY '
	python3 -c "from cryptography.hazmat.primitives.serialization import load_ssh_private_key"
'

# forge REPO PUBFILE: rewrite REPO/annal/keys/main consistently, up to the
# head, listing one epoch: record 1 with the key of PUBFILE (the rotation
# left out), the origin record at seq 4, checksum recomputed
forge () {
	python3 - "$1" "$2" \
		"$(git --git-dir="$1" rev-list --count refs/audit/main)" \
		"$(git --git-dir="$1" rev-parse refs/audit/main)" \
		"$(git --git-dir="$1" rev-list --reverse refs/audit/main | sed -n 1p)" \
		"$(git --git-dir="$1" rev-list --reverse refs/audit/main | sed -n 4p)" <<-\PY
	import base64, hashlib, os, struct, sys
	repo, pub, n, head, first, origin = sys.argv[1:]
	pk = base64.b64decode(open(pub).read().split()[1])[-32:]
	out = b"ANNALKEY" + b"\0" * 7 + b"\1"
	out += struct.pack(">Q", int(n)) + bytes.fromhex(head) + struct.pack(">I", 1)
	out += struct.pack(">Q", 1) + bytes.fromhex(first) + bytes([1]) + pk
	out += struct.pack(">Q", 4) + bytes.fromhex(origin)
	out += hashlib.sha256(out).digest()
	os.makedirs(repo + "/annal/keys", exist_ok=True)
	open(repo + "/annal/keys/main", "wb").write(out)
	PY
}

# forge_epochs REPO SEQ:ID:PUB[,PUB]...: rewrite REPO/annal/keys/main up to
# the head with exactly these epochs, checksum recomputed
forge_epochs () {
	python3 - "$1" "$(git --git-dir="$1" rev-list --count refs/audit/main)" \
		"$(git --git-dir="$1" rev-parse refs/audit/main)" "$@" <<-\PY
	import base64, hashlib, os, struct, sys
	repo, n, head = sys.argv[1:4]
	eps = [a.split(":") for a in sys.argv[5:]]
	out = b"ANNALKEY" + b"\0" * 7 + b"\1"
	out += struct.pack(">Q", int(n)) + bytes.fromhex(head) + struct.pack(">I", len(eps))
	for seq, eid, pubs in eps:
	    pks = [base64.b64decode(open(p).read().split()[1])[-32:] for p in pubs.split(",")]
	    out += struct.pack(">Q", int(seq)) + bytes.fromhex(eid) + bytes([len(pks)]) + b"".join(pks)
	out += struct.pack(">Q", 0) + bytes(20)
	out += hashlib.sha256(out).digest()
	open(repo + "/annal/keys/main", "wb").write(out)
	PY
}

# by_retired CP: the checkpoint CP signed by the retired key instead
by_retired () {
	head -n 3 "$1" >text &&
	python3 "$TEST_DIRECTORY/lib-notesign.py" key text
}

test_expect_success 'setup: key signs, checkpoints, is rotated out (retired) for new' '
	ssh_vector_key key &&
	ssh_key new &&
	annal init repo.git >/dev/null &&
	for a in login deploy logout
	do
		annal -C repo.git append --sign-key key --actor alice --action $a >/dev/null || return 1
	done &&
	annal -C repo.git checkpoint --sign-key key >cp4 &&
	annal -C repo.git key rotate --new-key new.pub --retire --sign-key key >/dev/null &&
	annal -C repo.git append --sign-key new --actor bob --action read >/dev/null &&
	annal -C repo.git checkpoint --sign-key new >cp6 &&
	annal -C repo.git verify --state st >out &&
	grep "2 checkpoints consistent" out
'

test_expect_success PYCRYPTOGRAPHY 'verify --state: the retired key refused at a size below the state head' '
	by_retired cp6 >forged6 &&
	git --git-dir=repo.git update-ref -d refs/annal/checkpoints/main &&
	forge repo.git key.pub &&
	test_expect_code 1 annal -C repo.git verify --state st --checkpoint forged6 2>err &&
	grep "badCheckpointSignature: checkpoint .forged6." err &&
	annal -C repo.git verify --state st --checkpoint cp6 --checkpoint cp4
'

test_expect_success PYCRYPTOGRAPHY 'verify --state: the retired key refused at a size above the state head' '
	annal -C repo.git append --sign-key new --actor bob --action write >/dev/null &&
	annal -C repo.git checkpoint --sign-key new >cp7 &&
	git --git-dir=repo.git update-ref -d refs/annal/checkpoints/main &&
	by_retired cp7 >forged7 &&
	forge repo.git key.pub &&
	test_expect_code 1 annal -C repo.git verify --state st --checkpoint forged7 2>err &&
	grep "badCheckpointSignature: checkpoint .forged7." err &&
	forge repo.git key.pub &&
	annal -C repo.git verify --state st --checkpoint cp7
'

test_expect_success 'a state written before states kept key epochs: read once from the chain' '
	grep -v "^epoch" st >old-st &&
	test_must_fail grep "^epoch" old-st &&
	annal -C repo.git verify --state old-st >out &&
	grep "^epochs 2\$" old-st &&
	grep "^epoch 5 " old-st
'

test_expect_success 'a state whose epochs are cut short is refused' '
	sed "/^epoch 5 /d" st >cut-st &&
	test_expect_code 2 annal -C repo.git verify --state cut-st 2>err &&
	grep "not a verify state file" err
'

test_expect_success 'a state naming a record that is no origin record: the log is walked' '
	sed "s/^origin 4 .*/origin 4 $(git --git-dir=repo.git rev-list --reverse refs/audit/main | sed -n 3p)/" \
		st >bad-origin-st &&
	annal -C repo.git verify --state bad-origin-st --checkpoint cp7 >out &&
	grep "1 checkpoint consistent" out
'

test_expect_success 'a state keeps an epoch of two keys, one line a key, and reads it back' '
	annal init two.git >/dev/null &&
	annal -C two.git append --sign-key key --actor a --action one >/dev/null &&
	annal -C two.git key rotate --new-key new.pub --sign-key key >/dev/null &&
	annal -C two.git append --sign-key key --actor a --action two >/dev/null &&
	annal -C two.git checkpoint --sign-key key >/dev/null &&
	annal -C two.git verify --state st2 >out &&
	grep "1 checkpoint consistent" out &&
	grep "^epochs 2\$" st2 &&
	test $(grep -c "^epoch 2 " st2) = 2 &&
	annal -C two.git key rotate --retire-key key.pub --sign-key new >/dev/null &&
	annal -C two.git append --sign-key new --actor a --action three >/dev/null &&
	test_expect_code 2 annal -C two.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	annal -C two.git checkpoint --sign-key new >/dev/null &&
	annal -C two.git verify --state st2 >out &&
	grep "2 checkpoints consistent" out &&
	grep "^epochs 3\$" st2 &&
	annal -C two.git verify --state st2 >out &&
	grep "2 checkpoints consistent" out
'

test_expect_success PYCRYPTOGRAPHY 'a forged cache: checkpoint and key rotate refuse the retired key' '
	forge repo.git key.pub &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	forge repo.git key.pub &&
	ssh_key third &&
	git --git-dir=repo.git rev-parse refs/audit/main >before &&
	test_expect_code 2 annal -C repo.git key rotate --new-key third.pub --sign-key key 2>err &&
	git --git-dir=repo.git rev-parse refs/audit/main >after &&
	test_cmp before after
'

test_expect_success 'a cache epoch naming another log'"'"'s record: key rotate reads the log' '
	annal -C repo.git append --log other --sign-key key --actor a --action x >/dev/null &&
	annal -C repo.git key rotate --log other --new-key new.pub --sign-key key >/dev/null &&
	first=$(git --git-dir=repo.git rev-list --reverse refs/audit/main | sed -n 1p) &&
	both=$(git --git-dir=repo.git rev-parse refs/audit/other) &&
	forge_epochs repo.git "1:$first:key.pub" "2:$both:key.pub,new.pub" &&
	ssh_key fourth &&
	annal -C repo.git key rotate --new-key fourth.pub --sign-key new >/dev/null &&
	annal -C repo.git key list >keys &&
	grep "$(cut -d" " -f2 key.pub)" keys >key-lines &&
	test_line_count = 1 key-lines &&
	grep "valid-before" key-lines &&
	rm repo.git/annal/keys/main &&
	annal -C repo.git verify &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err
'

test_expect_success PYCRYPTOGRAPHY 'a forged cache: prove --checkpoint refuses the retired key' '
	forge repo.git key.pub &&
	test_expect_code 1 annal -C repo.git prove inclusion --checkpoint forged7 1 2>err &&
	forge repo.git key.pub &&
	annal -C repo.git prove inclusion --checkpoint cp7 1 >/dev/null
'

test_done
