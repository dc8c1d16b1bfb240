#!/bin/sh

test_description='the key cache annal/keys/<log>

annal checkpoint and prove --checkpoint find the keys a log trusts after
a seq in the key cache (annal-format(5), "The key cache"): every record
with a "signing" field, complete up to a record of the log.  A damaged,
stale or forged cache is rebuilt from the records, never trusted for
signing with a retired key; one forged consistently is what verify
names (keysMismatch).'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# kc REPO CMD...: read or rewrite REPO/annal/keys/main
#   show: "upto <seq>" and "epoch <seq> <nkeys>" lines
#   drop <seq>: leave that epoch out, checksum recomputed
#   swap-keys <seq> <pubfile>: that epoch holds only the key of pubfile
#   origin-at <seq> <id>: the origin record said to be that one
#   flip: one byte of an epoch's key changed, checksum kept
kc () {
	python3 - "$@" <<-\PY
	import base64, hashlib, struct, sys
	repo, cmd = sys.argv[1], sys.argv[2]
	path = repo + "/annal/keys/main"
	b = open(path, "rb").read()
	assert b[:16] == b"ANNALKEY" + b"\0" * 7 + b"\1"
	upto, = struct.unpack(">Q", b[16:24]); uid = b[24:44]
	n, = struct.unpack(">I", b[44:48])
	p = 48; ep = []
	for i in range(n):
	    seq, = struct.unpack(">Q", b[p:p + 8]); eid = b[p + 8:p + 28]; k = b[p + 28]
	    keys = [b[p + 29 + 32 * j:p + 61 + 32 * j] for j in range(k)]
	    ep.append([seq, eid, keys]); p += 29 + 32 * k
	origin = b[p:p + 28]; p += 28
	assert p + 32 == len(b) and hashlib.sha256(b[:p]).digest() == b[p:]
	def write(ep, fix=True):
	    out = b[:16] + struct.pack(">Q", upto) + uid + struct.pack(">I", len(ep))
	    for seq, eid, keys in ep:
	        out += struct.pack(">Q", seq) + eid + bytes([len(keys)]) + b"".join(keys)
	    out += origin
	    out += hashlib.sha256(out).digest() if fix else b[-32:]
	    open(path, "wb").write(out)
	if cmd == "show":
	    print("upto %d" % upto)
	    if struct.unpack(">Q", origin[:8])[0]:
	        print("origin %d" % struct.unpack(">Q", origin[:8])[0])
	    for seq, eid, keys in ep:
	        print("epoch %d %d" % (seq, len(keys)))
	elif cmd == "drop":
	    write([e for e in ep if e[0] != int(sys.argv[3])])
	elif cmd == "swap-keys":
	    pk = base64.b64decode(open(sys.argv[4]).read().split()[1])[-32:]
	    for e in ep:
	        if e[0] == int(sys.argv[3]):
	            e[2] = [pk]
	    write(ep)
	elif cmd == "origin-at":
	    origin = struct.pack(">Q", int(sys.argv[3])) + bytes.fromhex(sys.argv[4])
	    write(ep)
	elif cmd == "flip":
	    k = bytearray(ep[-1][2][0]); k[0] ^= 1; ep[-1][2][0] = bytes(k)
	    write(ep, fix=False)
	PY
}

test_expect_success 'setup: a log signed by key, rotated to new (key retired)' '
	ssh_vector_key key &&
	ssh_key new &&
	annal init repo.git >/dev/null &&
	for a in login deploy logout
	do
		annal -C repo.git append --sign-key key --actor alice --action $a >/dev/null || return 1
	done &&
	annal -C repo.git checkpoint --sign-key key --origin example.com/audit >cp4 &&
	annal -C repo.git key rotate --new-key new.pub --retire --sign-key key >/dev/null &&
	annal -C repo.git append --sign-key new --actor bob --action read >/dev/null
'

test_expect_success 'the rotation wrote the cache; a head signed by new needs none' '
	kc repo.git show >actual &&
	cat >expect <<-\EOF &&
	upto 4
	origin 4
	epoch 1 1
	EOF
	test_cmp expect actual &&
	cp repo.git/annal/keys/main keys-upto-4 &&
	annal -C repo.git checkpoint --sign-key new >cp7 &&
	kc repo.git show >actual &&
	test_cmp expect actual &&
	annal -C repo.git verify --checkpoint cp4 --checkpoint cp7
'

test_expect_success 'records since the cache: read and added, the retired key refused' '
	annal -C repo.git append --sign-key new --actor bob --action write >/dev/null &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	kc repo.git show >actual &&
	cat >expect <<-\EOF &&
	upto 7
	origin 4
	epoch 1 1
	epoch 5 1
	EOF
	test_cmp expect actual
'

test_expect_success 'a forged epoch (the retired key): rebuilt, never trusted' '
	kc repo.git swap-keys 5 key.pub &&
	test_expect_code 1 annal -C repo.git verify 2>err &&
	grep "record 5 ($(git --git-dir=repo.git rev-parse refs/audit/main~2)): keysMismatch: the key cache .annal/keys/main." err &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	kc repo.git show >actual &&
	test_cmp expect actual &&
	annal -C repo.git verify
'

test_expect_success 'a damaged cache (its checksum fails): rebuilt; verify leaves it to readers' '
	kc repo.git flip &&
	annal -C repo.git verify &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	annal -C repo.git verify &&
	echo garbage >repo.git/annal/keys/main &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	kc repo.git show >actual &&
	test_cmp expect actual
'

test_expect_success 'a stale cache, from before the rotation: the records since are read' '
	cp keys-upto-4 repo.git/annal/keys/main &&
	annal -C repo.git verify &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	kc repo.git show >actual &&
	test_cmp expect actual
'

test_expect_success 'a cache of another history (the log rewritten): stale, rebuilt' '
	cp -R repo.git fork.git &&
	git --git-dir=fork.git update-ref refs/audit/main refs/audit/main~4 &&
	git --git-dir=fork.git update-ref -d refs/annal/checkpoints/main &&
	for a in x y z w
	do
		annal -C fork.git append --sign-key key --actor eve --action $a >/dev/null || return 1
	done &&
	annal -C fork.git verify &&
	annal -C fork.git key rotate --new-key new.pub --sign-key key >/dev/null &&
	kc fork.git show >actual &&
	cat >expect-fork <<-\EOF &&
	upto 7
	epoch 1 1
	EOF
	test_cmp expect-fork actual &&
	annal -C fork.git verify
'

test_expect_success 'a cache leaving out the rotation, checksum recomputed: keysMismatch' '
	kc repo.git drop 5 &&
	test_expect_code 1 annal -C repo.git verify 2>err &&
	grep "record 5 (.*): keysMismatch" err &&
	rm repo.git/annal/keys/main &&
	annal -C repo.git verify
'

test_expect_success 'a symbolic link at the cache path is left alone, not followed' '
	echo keep >target &&
	ln -s "$TRASH_DIRECTORY/target" repo.git/annal/keys/main &&
	annal -C repo.git checkpoint --sign-key new >/dev/null &&
	test -h repo.git/annal/keys/main &&
	echo keep >expect &&
	test_cmp expect target &&
	rm repo.git/annal/keys/main
'

test_expect_success 'verify --state takes the origin record from its state, not the cache' '
	annal -C repo.git checkpoint --sign-key new >/dev/null &&
	annal -C repo.git verify --state st >out &&
	grep "checkpoints consistent" out &&
	grep "^origin 4 " st &&
	annal -C repo.git append --sign-key new --actor a --action b >/dev/null &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>/dev/null &&
	kc repo.git origin-at 3 "$(git --git-dir=repo.git rev-parse refs/audit/main~5)" &&
	annal -C repo.git verify --state st >out &&
	grep "checkpoints consistent" out &&
	grep "^origin 4 " st &&
	rm repo.git/annal/keys/main
'

test_lazy_prereq PYCRYPTOGRAPHY '
	python3 -c "from cryptography.hazmat.primitives.serialization import load_ssh_private_key"
'

test_expect_success PYCRYPTOGRAPHY 'a cache saying "no epoch": prove --checkpoint still checks the signature' '
	head -n 3 cp4 >text &&
	python3 "$TEST_DIRECTORY/lib-notesign.py" new text >by-new &&
	annal -C repo.git prove inclusion --checkpoint cp4 1 >/dev/null &&
	test_expect_code 1 annal -C repo.git prove inclusion --checkpoint by-new 1 2>err &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>/dev/null &&
	kc repo.git drop 1 &&
	kc repo.git drop 5 &&
	kc repo.git show >actual &&
	printf "upto 8\norigin 4\n" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 annal -C repo.git prove inclusion --checkpoint by-new 1 2>err &&
	grep "no signature by the key" err
'

test_expect_success 'a cache grafted with another log'"'"'s epoch: rebuilt, named by verify' '
	annal init two.git >/dev/null &&
	annal -C two.git append --sign-key key --actor a --action x >/dev/null &&
	annal -C two.git key rotate --new-key new.pub --retire --sign-key key >/dev/null &&
	annal -C two.git append --sign-key new --actor a --action y >/dev/null &&
	annal -C two.git checkpoint --sign-key new >/dev/null &&
	annal -C two.git append --log other --sign-key key --actor b --action x >/dev/null &&
	annal -C two.git key rotate --log other --new-key new.pub --sign-key key >/dev/null &&
	annal -C two.git log --log other --format jsonl >other.jsonl &&
	test_expect_code 2 annal -C two.git checkpoint --sign-key key 2>/dev/null &&
	: main trusts new only, other key and new since its seq 2: main.s newest &&
	: epoch replaced by that record, which holds its seq and keys, and signs &&
	: main.s head with new &&
	python3 - two.git/annal/keys/main other.jsonl 2 <<-\PY &&
	import base64, hashlib, json, struct, sys
	path, seq = sys.argv[1], int(sys.argv[3])
	rec = [r for r in map(json.loads, open(sys.argv[2])) if r["seq"] == seq][0]
	keys = [base64.b64decode(k.split()[1])[-32:] for k in rec["signing"]["keys"]]
	b = open(path, "rb").read()
	first = b[48:48 + 29 + 32 * b[48 + 28]]
	out = (b[:44] + struct.pack(">I", 2) + first + struct.pack(">Q", seq) +
	       bytes.fromhex(rec["id"]) + bytes([len(keys)]) + b"".join(keys) + b[-60:-32])
	open(path, "wb").write(out + hashlib.sha256(out).digest())
	PY
	cp two.git/annal/keys/main grafted &&
	test_expect_code 1 annal -C two.git verify --log main 2>err &&
	grep "keysMismatch: the key cache .annal/keys/main." err &&
	test_expect_code 2 annal -C two.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	! test_cmp grafted two.git/annal/keys/main &&
	annal -C two.git verify --log main
'

test_done
