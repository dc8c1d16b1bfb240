#!/bin/sh

test_description='a witness refuses its own state rewound

A witness remembers what it cosigned in refs/annal/witness/<name>, and
the id of the last state it wrote in annal/witness-seen/<name>, outside
the ref.  When the ref is moved back (git update-ref, a forced push,
deleted), the witness refuses to read it, exit 1, naming the ref, the
state it last wrote and how to put it back, instead of cosigning a fork
of what it cosigned; git gc does not lift that.  Put back, it cosigns
again.  With annal.witness.seenDir outside the repository, a restore of
the repository from a backup is caught too.'

. "$(dirname "$0")/test-lib.sh"

W=witness.example/w1
SEEN=witness.git/annal/witness-seen/$W

test_expect_success 'setup: a witness cosigns a log at sizes 4 and 7' '
	annal init host.git >/dev/null &&
	annal keygen -f logkey >/dev/null &&
	annal keygen -f wkey >/dev/null &&
	git init -q --bare witness.git &&
	ANNAL_SIGNING_KEY=$PWD/logkey && export ANNAL_SIGNING_KEY &&
	for i in 1 2 3
	do
		annal -C host.git append --actor alice --action deploy >/dev/null || return 1
	done &&
	annal -C host.git checkpoint --origin host.example/annal/main >cp4 &&
	annal -C host.git checkpoint --verifier-key >vk &&
	annal -C witness.git witness add-log --name $W "$(cat vk)" &&
	annal -C host.git prove consistency 0 cp4 >req4 &&
	annal -C witness.git witness cosign --name $W --key wkey req4 >/dev/null &&
	git -C witness.git rev-parse refs/annal/witness/$W >at4 &&
	cp -R host.git fork.git &&
	for i in 4 5 6
	do
		annal -C host.git append --actor bob --action deploy >/dev/null || return 1
	done &&
	annal -C host.git checkpoint >cp7 &&
	annal -C host.git prove consistency cp4 cp7 >req7 &&
	annal -C witness.git witness cosign --name $W --key wkey req7 >/dev/null &&
	git -C witness.git rev-parse refs/annal/witness/$W >at7 &&
	for i in 4 5 6
	do
		annal -C fork.git append --actor mallory --action deploy >/dev/null || return 1
	done &&
	annal -C fork.git checkpoint >fork7 &&
	annal -C fork.git prove consistency cp4 fork7 >reqfork
'

test_expect_success 'the witness keeps the id of the state it last wrote' '
	echo "$(cat at7)" >expect &&
	test_cmp expect "$SEEN"
'

test_expect_success 'a rewound state is refused, the fork not cosigned' '
	git -C witness.git update-ref refs/annal/witness/$W "$(cat at4)" &&
	test_expect_code 1 annal -C witness.git witness cosign --name $W --key wkey \
		reqfork >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: witness .$W.: refs/annal/witness/$W is at $(cat at4), not at or after $(cat at7), the state it last wrote" err &&
	grep "put it back (git update-ref refs/annal/witness/$W $(cat at7))" err &&
	test_line_count = 1 err &&
	test "$(git -C witness.git rev-parse refs/annal/witness/$W)" = "$(cat at4)" &&
	test_expect_code 1 annal -C witness.git witness list --name $W 2>err &&
	grep "the ref was rewound" err
'

test_expect_success 'put back, the witness reads it again and still refuses the fork' '
	git -C witness.git update-ref refs/annal/witness/$W "$(cat at7)" &&
	echo "host.example/annal/main 7 $(cat vk)" >expect &&
	annal -C witness.git witness list --name $W >actual &&
	test_cmp expect actual &&
	test_expect_code 1 annal -C witness.git witness cosign --name $W --key wkey \
		reqfork 2>err &&
	! grep "rewound" err &&
	git -C witness.git update-ref refs/annal/witness/$W "$(cat at4)"
'

test_expect_success 'git gc with the reflog expired does not lift the refusal' '
	git -C witness.git reflog expire --expire=now --all &&
	git -C witness.git gc -q --prune=now &&
	test_expect_code 1 annal -C witness.git witness cosign --name $W --key wkey \
		reqfork 2>err &&
	grep "the ref was rewound" err
'

test_expect_success 'a deleted state is refused too' '
	git -C witness.git update-ref -d refs/annal/witness/$W &&
	test_expect_code 1 annal -C witness.git witness cosign --name $W --key wkey \
		reqfork 2>err &&
	grep "refs/annal/witness/$W is at (none)" err
'

test_expect_success 'removing the kept id trusts the ref as it is (the documented escape)' '
	rm "$SEEN" &&
	annal -C witness.git witness add-log --name $W "$(cat vk)" &&
	annal -C witness.git witness cosign --name $W --key wkey req4 >/dev/null &&
	git -C witness.git rev-parse refs/annal/witness/$W >expect &&
	test_cmp expect "$SEEN"
'

test_expect_success 'a restore from backup: caught with annal.witness.seenDir outside it' '
	git -C witness.git config annal.witness.seenDir "$PWD/seen" &&
	annal -C witness.git witness cosign --name $W --key wkey req7 >/dev/null &&
	git -C witness.git rev-parse refs/annal/witness/$W >expect &&
	test_cmp expect "seen/$W" &&
	cp -R witness.git backup.git &&
	for i in 7 8
	do
		annal -C host.git append --actor bob --action deploy >/dev/null || return 1
	done &&
	annal -C host.git checkpoint >cp9 &&
	annal -C host.git prove consistency cp7 cp9 >req9 &&
	annal -C witness.git witness cosign --name $W --key wkey req9 >/dev/null &&
	rm -rf witness.git &&
	mv backup.git witness.git &&
	test_expect_code 1 annal -C witness.git witness cosign --name $W --key wkey \
		reqfork 2>err &&
	grep "the ref was rewound" err &&
	grep "$PWD/seen/$W" err
'

test_expect_success 'annal.witness.seenDir must be an absolute path' '
	git -C witness.git config annal.witness.seenDir seen &&
	test_expect_code 2 annal -C witness.git witness list --name $W 2>err &&
	grep "^annal: error: annal.witness.seenDir is .seen., not an absolute path" err
'

test_expect_success 'another cosign landing while the state is read is no rewind' '
	git -C witness.git config --unset annal.witness.seenDir &&
	head=$(git -C witness.git rev-parse refs/annal/witness/$W) &&
	next=$(git -C witness.git commit-tree -p $head -m "cosign another log" "$head^{tree}") &&
	rm -f "$SEEN" &&
	mkfifo "$SEEN" &&
	{ annal -C witness.git witness list --name $W >out 2>err & } &&
	pid=$! &&
	# once the witness opens the kept id, another cosign lands: the ref
	# moves on, then the kept id names it
	timeout 120 sh -c "exec 9>\"\$1\" &&
		git -C witness.git update-ref refs/annal/witness/$W $next $head &&
		echo $next >&9" - "$SEEN" &&
	wait $pid &&
	test_must_be_empty err &&
	grep "^host.example/annal/main 7 " out
'

test_expect_success UNPRIVILEGED 'a kept id the witness cannot write: refused before the ref moves' '
	git init -q --bare ro-witness.git &&
	annal -C ro-witness.git witness add-log --name $W "$(cat vk)" &&
	mkdir roseen &&
	git -C ro-witness.git config annal.witness.seenDir "$PWD/roseen" &&
	chmod 555 roseen &&
	: the witness owns its repository: a config of someone else names no directory &&
	if test "$(id -u)" = 0
	then
		chown -R 65534:65534 ro-witness.git
	else
		chmod -R a+rwX ro-witness.git
	fi &&
	cp wkey wkey-ro &&
	give_unprivileged wkey-ro &&
	as_unprivileged git -C ro-witness.git rev-parse refs/annal/witness/$W >before &&
	test_expect_code 3 as_unprivileged annal -C ro-witness.git witness cosign \
		--name $W --key wkey-ro req4 >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: witness .$W.: cannot keep the id of its state (.*$PWD/roseen.*Permission denied)" err &&
	as_unprivileged git -C ro-witness.git rev-parse refs/annal/witness/$W >after &&
	test_cmp before after
'

# Running as root, a file can be given to another user: a witness
# repository whose config someone else owns names no directory annal
# writes to (as git ignores such a repository's settings).
test_lazy_prereq CHOWN '
	>owned && chown 65534 owned && test "$(stat -c %u owned)" = 65534
'

test_expect_success CHOWN 'annal.witness.seenDir of a config someone else owns: not used' '
	test_when_finished "chown $(id -u) witness.git/config" &&
	: the kept id in its place again, not the FIFO of the test before &&
	rm -f "$SEEN" &&
	git -C witness.git rev-parse refs/annal/witness/$W >"$SEEN" &&
	git -C witness.git config annal.witness.seenDir "$PWD/elsewhere" &&
	chown 65534 witness.git/config &&
	annal -C witness.git witness list --name $W >out 2>err &&
	test_path_is_missing elsewhere &&
	chown $(id -u) witness.git/config &&
	git -C witness.git config annal.witness.seenDir seen &&
	chown 65534 witness.git/config &&
	annal -C witness.git witness list --name $W >out 2>err &&
	! grep seenDir err
'

test_done
