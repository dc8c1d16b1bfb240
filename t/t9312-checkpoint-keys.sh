#!/bin/sh

test_description='annal checkpoint: the keys trusted at the head, without a walk

checkpoint signs only with a key the log trusts after its head.  A head
signed by the checkpoint'"'"'s key, holding no "signing" field, vouches for
that key (append trusts it the same way): the records below it are not
read.  A head that changed the set, or one signed by another key, is
answered from the records, as before.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# reads REPO: objects read by one checkpoint of REPO signed by key
reads () {
	rm -f "$TRASH_DIRECTORY/reads" &&
	ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/reads" \
		annal -C "$1" checkpoint --sign-key "${2:-key}" >/dev/null &&
	cat "$TRASH_DIRECTORY/reads"
}

# records N: N NDJSON records
records () {
	i=0
	while test $i -lt "$1"
	do
		echo "{\"actor\":\"a$i\",\"action\":\"x\"}"
		i=$((i + 1))
	done
}

test_expect_success 'setup: keys, a 1-record log' '
	ssh_vector_key key &&
	ssh_key new &&
	ssh_key third &&
	annal init one.git >/dev/null &&
	annal -C one.git append --sign-key key --actor a --action b >/dev/null
'

test_expect_success 'a 1-record log: its head changed the set, checkpoint signs' '
	annal -C one.git checkpoint --sign-key key --origin example.com/one >cp &&
	sed -n 2p cp >size &&
	echo 2 >expect &&
	test_cmp expect size &&
	test_expect_code 2 annal -C one.git checkpoint --sign-key new 2>err &&
	grep "is not trusted by log .main." err &&
	annal -C one.git verify --checkpoint cp
'

test_expect_success 'a checkpoint of a head signed by its key reads no record below it' '
	for n in 20 1000
	do
		annal init "big$n.git" >/dev/null &&
		records $n | annal -C "big$n.git" append --sign-key key --stdin >/dev/null &&
		annal -C "big$n.git" checkpoint --sign-key key --origin example.com/big >/dev/null &&
		annal -C "big$n.git" append --sign-key key --actor a --action b >/dev/null &&
		reads "big$n.git" >"reads$n" || return 1
	done &&
	test_cmp reads20 reads1000 &&
	test "$(cat reads1000)" -lt 20
'

test_expect_success 'rotation: the head is the rotation itself (it changed the set)' '
	cp -R big20.git rot.git &&
	annal -C rot.git key rotate --new-key new.pub --retire --sign-key key >/dev/null &&
	test_expect_code 2 annal -C rot.git checkpoint --sign-key key 2>err &&
	grep "key .* is not trusted by log .main." err &&
	annal -C rot.git checkpoint --sign-key new >cp-rot &&
	annal -C rot.git verify --checkpoint cp-rot
'

test_expect_success 'rotation: a head signed by the new key; the retired key is refused' '
	annal -C rot.git append --sign-key new --actor a --action b >/dev/null &&
	annal -C rot.git checkpoint --sign-key new >cp-new &&
	test_expect_code 2 annal -C rot.git checkpoint --sign-key key 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: key .* is not trusted by log .main.; sign with a key it trusts" err &&
	annal -C rot.git verify --checkpoint cp-new
'

test_expect_success 'rotation keeping the old key: a head signed by either signs' '
	cp -R big20.git add.git &&
	annal -C add.git key rotate --new-key third.pub --sign-key key >/dev/null &&
	annal -C add.git append --sign-key third --actor a --action b >/dev/null &&
	annal -C add.git checkpoint --sign-key key >cp-old &&
	annal -C add.git checkpoint --sign-key third >cp-third &&
	annal -C add.git append --sign-key key --actor a --action c >/dev/null &&
	annal -C add.git checkpoint --sign-key third >cp-third2 &&
	annal -C add.git checkpoint --sign-key key >cp-old2 &&
	annal -C add.git verify --checkpoint cp-old --checkpoint cp-third \
		--checkpoint cp-third2 --checkpoint cp-old2 &&
	test_expect_code 2 annal -C add.git checkpoint --sign-key new 2>err &&
	grep "is not trusted by log .main." err
'

test_done
