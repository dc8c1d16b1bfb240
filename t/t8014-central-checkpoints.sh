#!/bin/sh

test_description='checkpoints to the central repository, held to its records on receipt

annal push ships each log'\''s kept checkpoints with its records, to
refs/annal/checkpoints/hosts/<host>/<log>, over a path and file://.  The
central'\''s pre-receive hook reads each new checkpoint of the chain in
quarantine and refuses, with its check id and nothing landed, a note that
is no checkpoint, another origin, more records than the log will hold,
another key, a key retired before its size, and a root the records do not
make; a log and its checkpoints pushed together are held to the pushed
head.  A witness'\''s state goes with stock git push.'

. "$(dirname "$0")/test-lib.sh"

# new_record REPO KEY [N]: append N records (default 1) signed by KEY.
new_record () {
	for i in $(test_seq "${3:-1}")
	do
		test_tick &&
		annal -C "$1" append --sign-key "$2" --actor deploy --action run >/dev/null ||
		return 1
	done
}

# forge NOTE: push a checkpoint commit holding the file NOTE on top of
# web1's chain, as refs/annal/checkpoints/hosts/web1/main; stderr in forge.err
forge () {
	blob=$(git -C web1 hash-object -w "$TRASH_DIRECTORY/$1") &&
	tree=$(printf "100644 blob %s\tcheckpoint\n" "$blob" | git -C web1 mktree) &&
	commit=$(git -C web1 commit-tree -p refs/annal/checkpoints/main -m forged "$tree") &&
	git -C web1 push "$TRASH_DIRECTORY/central.git" \
		"$commit:refs/annal/checkpoints/hosts/web1/main" 2>forge.err
}

# refused CHECK: the last forge was refused with that check, naming the ref
refused () {
	grep "^remote: annal: error: refs/annal/checkpoints/hosts/web1/main: $1: " forge.err &&
	grep "pre-receive hook declined" forge.err &&
	test "$(git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main)" = \
		"$(cat kept)"
}

# signed_as REPO KEY N [ORIGIN]: a fresh log of N records signed by KEY
# whose checkpoint (for ORIGIN, else web1's) goes to REPO.cp
signed_as () {
	annal init "$1" >/dev/null &&
	git -C "$1" config annal.host web1 &&
	new_record "$1" "$2" "$3" &&
	annal -C "$1" checkpoint --sign-key "$2" ${4:+--origin "$4"} >"$1.cp"
}

test_expect_success GIT 'setup: a central with a signer policy, a host with checkpoints' '
	annal keygen -f ka -C web1 >/dev/null &&
	annal keygen -f kb -C web1 >/dev/null &&
	annal keygen -f kx -C other >/dev/null &&
	printf "web1 %s\nweb1 %s\n" "$(cut -d" " -f1,2 ka.pub)" \
		"$(cut -d" " -f1,2 kb.pub)" >signers &&
	annal init --central --allowed-signers signers central.git >/dev/null &&
	annal init web1 >/dev/null &&
	git -C web1 config annal.host web1 &&
	new_record web1 ka 3 &&
	annal -C web1 checkpoint --sign-key ka >/dev/null &&
	new_record web1 ka &&
	annal -C web1 checkpoint --sign-key ka >/dev/null
'

test_expect_success GIT 'push to a path: the log and its checkpoints land, a line each' '
	annal -C web1 push "$PWD/central.git" >out 2>err &&
	cat >expect <<-\EOF &&
	main -> hosts/web1/main: 5 new records
	main (checkpoints) -> checkpoints/hosts/web1/main: 2 new checkpoints
	EOF
	test_cmp expect out &&
	test_must_be_empty err &&
	test "$(git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main)" = \
		"$(git -C web1 rev-parse refs/annal/checkpoints/main)" &&
	annal -C central.git verify --all >out &&
	grep "hosts/web1/main: 2 checkpoints consistent" out
'

test_expect_success GIT 'file://, after a key rotation: older checkpoints keep their key' '
	annal -C web1 key rotate --new-key kb.pub --retire --sign-key ka >/dev/null &&
	new_record web1 kb 2 &&
	annal -C web1 checkpoint --sign-key kb >/dev/null &&
	annal -C web1 push "file://$PWD/central.git" >out &&
	cat >expect <<-\EOF &&
	main -> hosts/web1/main: 3 new records
	main (checkpoints) -> checkpoints/hosts/web1/main: 1 new checkpoint
	EOF
	test_cmp expect out &&
	annal -C web1 push --format json "file://$PWD/central.git" >out &&
	grep "\"checkpoints\":true,\"status\":\"up-to-date\"" out &&
	annal -C central.git verify --all >out &&
	grep "hosts/web1/main: 3 checkpoints consistent" out &&
	git -C central.git fsck --no-progress &&
	git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main >kept
'

test_expect_success GIT 'a note that is no checkpoint is refused: badCheckpoint' '
	printf "not a checkpoint\n" >bad.cp &&
	test_must_fail forge bad.cp &&
	refused badCheckpoint
'

test_expect_success GIT 'another origin is refused: checkpointOrigin' '
	signed_as elsewhere kb 7 web9/annal/main &&
	test_must_fail forge elsewhere.cp &&
	refused checkpointOrigin
'

test_expect_success GIT 'more records than the log holds is refused: checkpointTruncated' '
	signed_as longer kb 9 &&
	test_must_fail forge longer.cp &&
	refused checkpointTruncated &&
	grep "signs 10 records" forge.err
'

test_expect_success GIT 'a key the log never trusted is refused: badCheckpointSignature' '
	signed_as otherkey kx 7 &&
	test_must_fail forge otherkey.cp &&
	refused badCheckpointSignature
'

test_expect_success GIT 'the key retired before that size is refused: badCheckpointSignature' '
	signed_as retired ka 7 &&
	test_must_fail forge retired.cp &&
	refused badCheckpointSignature &&
	grep "trusted at record 8" forge.err
'

test_expect_success GIT 'its state keeps the epochs; without them the records are read' '
	st=central.git/annal/verified/hosts/web1/main &&
	grep "^epochs 2\$" "$st" &&
	cp "$st" st.save &&
	test_when_finished "cp st.save $st" &&
	grep -v "^epoch" st.save >"$st" &&
	test_must_fail forge retired.cp &&
	refused badCheckpointSignature &&
	grep "trusted at record 8" forge.err
'

test_expect_success GIT 'the right origin, size and key, another root: checkpointMismatch' '
	signed_as forked kb 7 &&
	test_must_fail forge forked.cp &&
	refused checkpointMismatch
'

test_expect_success GIT 'checkpoints past the central log, without their records: refused' '
	new_record web1 kb &&
	annal -C web1 checkpoint --sign-key kb >/dev/null &&
	test_must_fail git -C web1 push "$PWD/central.git" \
		refs/annal/checkpoints/main:refs/annal/checkpoints/hosts/web1/main 2>forge.err &&
	refused checkpointTruncated
'

test_expect_success GIT 'a good log with a bad checkpoint: nothing lands' '
	git -C central.git rev-parse refs/audit/hosts/web1/main >log-before &&
	blob=$(git -C web1 hash-object -w "$PWD/forked.cp") &&
	tree=$(printf "100644 blob %s\tcheckpoint\n" "$blob" | git -C web1 mktree) &&
	commit=$(git -C web1 commit-tree -p refs/annal/checkpoints/main -m forged "$tree") &&
	test_must_fail git -C web1 push "$PWD/central.git" \
		refs/audit/main:refs/audit/hosts/web1/main \
		"$commit:refs/annal/checkpoints/hosts/web1/main" 2>forge.err &&
	refused checkpointMismatch &&
	git -C central.git rev-parse refs/audit/hosts/web1/main >log-after &&
	test_cmp log-before log-after
'

test_expect_success GIT 'the honest push of the log and its checkpoint together lands' '
	annal -C web1 push "$PWD/central.git" >out &&
	cat >expect <<-\EOF &&
	main -> hosts/web1/main: 1 new record
	main (checkpoints) -> checkpoints/hosts/web1/main: 1 new checkpoint
	EOF
	test_cmp expect out &&
	annal -C central.git verify --all >out &&
	grep "hosts/web1/main: 4 checkpoints consistent" out
'

test_expect_success GIT 'annal push does not send the checkpoints of a log it refuses' '
	git init -q --bare restored &&
	git -C restored fetch -q "$PWD/web1" "refs/*:refs/*" &&
	git -C restored update-ref refs/audit/main refs/audit/main~1 &&
	tip=$(git -C restored rev-parse refs/annal/checkpoints/main) &&
	again=$(git -C restored commit-tree -p $tip -m again "$tip^{tree}") &&
	git -C restored update-ref refs/annal/checkpoints/main $again &&
	test_expect_code 1 annal -C restored push --host web1 "$PWD/central.git" >out &&
	grep "^main -> hosts/web1/main: refused: the remote.s head" out &&
	grep "^main (checkpoints) -> checkpoints/hosts/web1/main: refused: not pushed: the log.s records were refused" out &&
	test "$(git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main)" = \
		"$(git -C web1 rev-parse refs/annal/checkpoints/main)"
'

test_expect_success GIT 'a witness state goes with stock git push, and lands untouched' '
	W=witness.example/w1 &&
	annal -C web1 checkpoint --sign-key kb >cpw &&
	annal -C web1 checkpoint --sign-key kb --verifier-key >vk &&
	git init -q --bare witness.git &&
	annal keygen -f wkey >/dev/null &&
	annal -C witness.git witness add-log --name $W "$(cat vk)" &&
	annal -C web1 prove consistency 0 cpw >req &&
	annal -C witness.git witness cosign --name $W --key wkey req >/dev/null &&
	git -C witness.git push -q "$PWD/central.git" "refs/annal/witness/$W:refs/annal/witness/$W" &&
	test "$(git -C central.git rev-parse refs/annal/witness/$W)" = \
		"$(git -C witness.git rev-parse refs/annal/witness/$W)" &&
	annal -C central.git verify --all
'

test_expect_success GIT 'a fresh central takes the whole chain at once, across the rotation' '
	annal init --central --allowed-signers signers fresh.git >/dev/null &&
	annal -C web1 push "$PWD/fresh.git" >out &&
	grep "^main (checkpoints) -> checkpoints/hosts/web1/main: 4 new checkpoints" out &&
	annal -C fresh.git verify --all >out &&
	grep "hosts/web1/main: 4 checkpoints consistent" out
'

test_expect_success GIT 'the check reads O(pushed) records: the same push into a 1k and a 20k log' '
	annal init --central open.git >/dev/null &&
	for n in 1000 20000
	do
		annal init "big$n" >/dev/null &&
		test_seq 1 $n | sed "s/.*/{\"actor\":\"a\",\"action\":\"x&\"}/" |
			annal -C "big$n" append --sign-key ka --stdin >/dev/null &&
		annal -C "big$n" checkpoint --sign-key ka --origin "big$n/main" >/dev/null &&
		git -C "big$n" push -q "$TRASH_DIRECTORY/open.git" \
			refs/audit/main:refs/audit/big$n \
			refs/annal/checkpoints/main:refs/annal/checkpoints/big$n &&
		test_seq 1 100 | sed "s/.*/{\"actor\":\"a\",\"action\":\"y&\"}/" |
			annal -C "big$n" append --sign-key ka --stdin >/dev/null &&
		annal -C "big$n" checkpoint --sign-key ka >/dev/null &&
		ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/reads$n" \
			git -C "big$n" push -q "$TRASH_DIRECTORY/open.git" \
			refs/audit/main:refs/audit/big$n \
			refs/annal/checkpoints/main:refs/annal/checkpoints/big$n || return 1
	done &&
	test_cmp reads1000 reads20000 &&
	test "$(cat reads1000)" -lt 1000
'

test_expect_success GIT 'the kept note in a commit of its own, or with a file more: refused, the host not locked out' '
	git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main >kept &&
	git clone -q --bare --mirror central.git squatter.git &&
	tip=$(cat kept) &&
	again=$(git -C squatter.git commit-tree -p $tip -m again "$tip^{tree}") &&
	test_must_fail git -C squatter.git push "$TRASH_DIRECTORY/central.git" \
		"$again:refs/annal/checkpoints/hosts/web1/main" 2>forge.err &&
	refused badCheckpoint &&
	grep "signs \([0-9]*\) records, the one before it ($tip) \1: " forge.err &&
	new_record web1 kb &&
	annal -C web1 checkpoint --sign-key kb >next.cp &&
	blob=$(git -C squatter.git hash-object -w "$TRASH_DIRECTORY/next.cp") &&
	junk=$(echo junk | git -C squatter.git hash-object -w --stdin) &&
	tree=$(printf "100644 blob %s\tcheckpoint\n100644 blob %s\tjunk\n" "$blob" "$junk" |
		git -C squatter.git mktree) &&
	git -C web1 push -q "$TRASH_DIRECTORY/central.git" \
		refs/audit/main:refs/audit/hosts/web1/main &&
	wrapped=$(git -C squatter.git commit-tree -p $tip -m wrapped "$tree") &&
	test_must_fail git -C squatter.git push "$TRASH_DIRECTORY/central.git" \
		"$wrapped:refs/annal/checkpoints/hosts/web1/main" 2>forge.err &&
	refused badCheckpoint &&
	grep "holds more than a file .checkpoint." forge.err &&
	annal -C web1 push "$TRASH_DIRECTORY/central.git" >out &&
	grep "^main (checkpoints) -> checkpoints/hosts/web1/main: 1 new checkpoint" out &&
	git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main >kept
'

test_expect_success GIT 'a cache the hook cannot write: the log is read once a push, not once a checkpoint' '
	annal init chained >/dev/null &&
	for i in $(test_seq 1 20)
	do
		test_seq 1 50 | sed "s/.*/{\"actor\":\"a\",\"action\":\"x&\"}/" |
			annal -C chained append --sign-key ka --stdin >/dev/null &&
		annal -C chained checkpoint --sign-key ka --origin chained/main >/dev/null ||
		return 1
	done &&
	annal init --central cached.git >/dev/null &&
	annal init --central nocache.git >/dev/null &&
	# another user'\''s cache, in life; here a file where its directory goes
	mkdir -p nocache.git/annal &&
	: >nocache.git/annal/tree &&
	for c in cached nocache
	do
		ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/reads-$c" \
			git -C chained push -q "$TRASH_DIRECTORY/$c.git" \
			refs/audit/main:refs/audit/chained \
			refs/annal/checkpoints/main:refs/annal/checkpoints/chained || return 1
	done &&
	test "$(git -C nocache.git rev-parse refs/annal/checkpoints/chained)" = \
		"$(git -C chained rev-parse refs/annal/checkpoints/main)" &&
	test "$(cat reads-nocache)" -le $(( $(cat reads-cached) * 3 / 2 ))
'

test_expect_success GIT 'verify there too: the roots of the checkpoints from one read of the tree' '
	for c in cached nocache
	do
		ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/verify-$c" \
			annal -C $c.git verify --log chained --state "verify-$c.st" >out &&
		grep "chained: 20 checkpoints consistent" out || return 1
	done &&
	test "$(tail -n 1 verify-nocache)" -lt $(( $(tail -n 1 verify-cached) * 3 ))
'

test_expect_success MAXRSS 'a checkpoint file of 200 MB of zeros is refused from its size, not read' '
	tip=$(git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main) &&
	blob=$(head -c 209715200 /dev/zero | git -C central.git hash-object -w --stdin) &&
	tree=$(printf "100644 blob %s\tcheckpoint\n" "$blob" | git -C central.git mktree) &&
	commit=$(git -C central.git commit-tree -p $tip -m huge "$tree") &&
	echo "$tip $commit refs/annal/checkpoints/hosts/web1/main" >in &&
	test_expect_code 1 /usr/bin/time -f %M -o rss \
		annal -C central.git verify --pre-receive <in >out 2>err &&
	grep "^annal: error: refs/annal/checkpoints/hosts/web1/main: badCheckpoint: .*its .checkpoint. file is over 1048576 bytes" err &&
	test "$(tail -n 1 rss)" -lt 100000
'

test_expect_success MAXRSS 'a chain of 200 commits sharing a note of 1 MB is read a note at a time' '
	tip=$(git -C central.git rev-parse refs/annal/checkpoints/hosts/web1/main) &&
	{
		printf "web1/annal/main\n5\n%s\n" "$(printf "%064d" 0 | sed "s/0/A/g" | cut -c1-43)=" &&
		test_seq 1 1000 | sed "s/.*/x&/" | awk "{ printf \"%s%0990d\\n\", \$0, 0 }" &&
		printf "\n\342\200\224 web1/annal/main %s\n" "$(printf "%092d" 0 | sed "s/0/A/g")"
	} >fat.cp &&
	blob=$(git -C central.git hash-object -w "$PWD/fat.cp") &&
	tree=$(printf "100644 blob %s\tcheckpoint\n" "$blob" | git -C central.git mktree) &&
	commit=$tip &&
	for i in $(test_seq 1 200)
	do
		commit=$(git -C central.git commit-tree -p $commit -m "fat $i" "$tree") ||
		return 1
	done &&
	echo "$tip $commit refs/annal/checkpoints/hosts/web1/main" >in &&
	test_expect_code 1 /usr/bin/time -f %M -o rss \
		annal -C central.git verify --pre-receive <in >out 2>err &&
	grep "^annal: error: refs/annal/checkpoints/hosts/web1/main: badCheckpointSignature: " err &&
	test_rss_below 100000
'

test_done
