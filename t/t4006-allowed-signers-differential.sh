#!/bin/sh

test_description='allowed_signers lines: annal, ssh-keygen and git agree on every record

Lines from the allowed-signers fuzz corpus and from a generator
(t/lib-signers-diff.py) are judged, one file each, by ssh-keygen -Y
find-principals and -Y verify and by git verify-commit on every record
of a signed log whose records are a day apart, and by annal verify
--allowed-signers on the chain.  Any disagreement, and any crash, fails.
make check generates 150 lines; make check-full 2000.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_expect_success SSHKEYGEN 'setup: a log of 4 records signed a day apart' '
	ssh-keygen -q -t ed25519 -N "" -C k1 -f k1 </dev/null &&
	ssh-keygen -q -t ed25519 -N "" -C k2 -f k2 </dev/null &&
	ssh-keygen -q -t rsa -b 2048 -N "" -C kr -f kr </dev/null &&
	annal init repo.git >/dev/null &&
	for i in 0 1 2 3
	do
		ANNAL_TEST_NOW=$((1795000060 + i * 86400)) \
			annal -C repo.git append --sign-key k1 --actor a --action "day$i" \
			>/dev/null || return 1
	done
'

count=150
test -n "$ANNAL_TEST_FULL" && count=2000

test_expect_success PYTHON3,SSHKEYGEN,GITSSH "corpus and $count generated lines: the same answer from all three, record by record" '
	ANNAL_TEST_NOW=1795400000 python3 "$TEST_DIRECTORY/lib-signers-diff.py" \
		repo.git k1.pub "$ANNAL_SOURCE_DIR/fuzz/corpus/allowed-signers" \
		$count 4006 k2.pub kr.pub >judged &&
	tail -n 1 judged &&
	say "$(tail -n 1 judged)"
'

test_done
