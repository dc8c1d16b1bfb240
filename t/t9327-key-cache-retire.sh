#!/bin/sh

test_description='the key cache cannot hide the rotation that retired a key

A key is retired in two steps (a new key added, then the old one
retired) so that the head is signed by a key both of the last two
epochs hold: a cache leaving out the newest epoch, its checksum
recomputed, must not make annal checkpoint sign with the retired key,
nor annal prove --checkpoint take a checkpoint it signed.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

# drop_newest REPO: the cache of log main without its newest epoch,
# checksum recomputed
drop_newest () {
	python3 - "$1/annal/keys/main" <<-\PY
	import hashlib, struct, sys
	path = sys.argv[1]
	b = open(path, "rb").read()
	upto = b[16:44]
	n, = struct.unpack(">I", b[44:48])
	p = 48; ep = []
	for i in range(n):
	    k = b[p + 28]
	    ep.append(b[p:p + 29 + 32 * k]); p += 29 + 32 * k
	origin = b[p:p + 28]
	assert p + 60 == len(b)
	out = b[:16] + upto + struct.pack(">I", n - 1) + b"".join(ep[:-1]) + origin
	open(path, "wb").write(out + hashlib.sha256(out).digest())
	print(n)
	PY
}

test_expect_success 'setup: key, then key and new, then new alone' '
	ssh_key key &&
	ssh_key new &&
	annal init repo.git >/dev/null &&
	annal -C repo.git append --sign-key key --actor alice --action login >/dev/null &&
	annal -C repo.git checkpoint --sign-key key --origin example.com/audit >/dev/null &&
	annal -C repo.git key rotate --new-key new.pub --sign-key key >/dev/null &&
	annal -C repo.git append --sign-key new --actor bob --action read >/dev/null &&
	annal -C repo.git key rotate --retire-key key.pub --sign-key new >/dev/null &&
	annal -C repo.git append --sign-key new --actor bob --action write >/dev/null &&
	annal -C repo.git key list >keys &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key 2>err &&
	grep "is not trusted by log .main." err &&
	annal -C repo.git checkpoint --sign-key new >/dev/null
'

test_expect_success 'a cache without the retiring epoch: the retired key still refused' '
	echo 3 >expect &&
	drop_newest repo.git >actual &&
	test_cmp expect actual &&
	test_expect_code 2 annal -C repo.git checkpoint --sign-key key >cp 2>err &&
	grep "is not trusted by log .main." err &&
	test_must_be_empty cp
'

test_lazy_prereq PYCRYPTOGRAPHY '
	python3 -c "from cryptography.hazmat.primitives.serialization import load_ssh_private_key"
'

test_expect_success PYCRYPTOGRAPHY 'that cache: prove --checkpoint refuses a checkpoint by the retired key' '
	annal -C repo.git checkpoint --sign-key new >cp &&
	head -n 3 cp >text &&
	python3 "$TEST_DIRECTORY/lib-notesign.py" key text >by-key &&
	annal -C repo.git prove inclusion --checkpoint cp 1 >/dev/null &&
	rm repo.git/annal/keys/main &&
	test_expect_code 1 annal -C repo.git prove inclusion --checkpoint by-key 1 2>err &&
	grep "no signature by the key" err &&
	drop_newest repo.git >/dev/null &&
	test_expect_code 1 annal -C repo.git prove inclusion --checkpoint by-key 1 2>err &&
	grep "no signature by the key" err &&
	annal -C repo.git prove inclusion --checkpoint cp 1 >/dev/null
'

test_done
