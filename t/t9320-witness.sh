#!/bin/sh

test_description='annal witness: C2SP add-checkpoint on git

A log written in Go (golang.org/x/mod/sumdb note and tlog) sends its
checkpoints and consistency proofs; the witness cosigns those that
extend what it cosigned, refuses the rest naming why, keeps its state
in refs/annal/witness/<name>, and its cosignatures verify by the rules
of c2sp.org/tlog-cosignature in code that is not annal'"'"'s.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

. "$TEST_DIRECTORY/lib-go.sh"

test_lazy_prereq GO 'go_build witness'

W=example.com/w1
O=example.com/log

# cosign REQUEST [OPTIONS...]: the witness cosigns REQUEST
cosign () {
	req=$1 &&
	shift &&
	annal -C w.git witness cosign --name $W --key wkey "$@" "$req"
}

test_expect_success GO 'setup: a witness, its repository, a log in Go' '
	annal keygen -f wkey >/dev/null &&
	git init -q --bare w.git &&
	cat >cmds <<-EOF &&
	key vk $O
	request r5 $O 0 5 -1
	request r9 $O 5 9 -1
	request r13 $O 9 13 -1
	request f9 $O 5 9 7
	request f9b $O 9 9 7
	request g13 $O 9 13 3
	request r4 $O 0 4 -1
	request o5 other.example/log 0 5 -1
	EOF
	./go-witness <cmds &&
	annal witness verifier-key --name $W --key wkey.pub >wvk &&
	wpk=$(python3 -c "import base64,sys; print(base64.b64encode(base64.b64decode(sys.argv[1].split(\"+\", 2)[2])[1:]).decode())" "$(cat wvk)") &&
	echo "$wpk" >wpk
'

test_expect_success GO 'verifier-key: <name>+<id>+<base64(0x04 || key)>, no repository needed' '
	grep -E "^example\.com/w1\+[0-9a-f]{8}\+B[A-P][A-Za-z0-9+/]{42}$" wvk &&
	(cd / && annal witness verifier-key --name $W --key "$TRASH_DIRECTORY/wkey") >again &&
	test_cmp wvk again
'

test_expect_success GO 'a log the witness does not know: exit 2, nothing recorded' '
	test_expect_code 2 cosign r5 2>err &&
	grep "does not witness the log .example.com/log.; add its key" err &&
	test_must_fail git -C w.git rev-parse --verify -q refs/annal/witness/$W
'

test_expect_success GO 'add-log records the log key; twice changes nothing' '
	annal -C w.git witness add-log --name $W "$(cat vk)" &&
	git -C w.git rev-parse refs/annal/witness/$W >before &&
	annal -C w.git witness add-log --name $W "$(cat vk)" &&
	git -C w.git rev-parse refs/annal/witness/$W >after &&
	test_cmp before after &&
	echo "$O 0 $(cat vk)" >expect &&
	annal -C w.git witness list --name $W >actual &&
	test_cmp expect actual &&
	test_expect_code 2 annal -C w.git witness add-log --name $W "$(cat wvk)" 2>err &&
	grep "not a log.s verifier key" err
'

test_expect_success GO 'the first checkpoint (old 0) is cosigned; Go checks the line' '
	cosign r5 >line5 &&
	test_line_count = 1 line5 &&
	grep "^— example.com/w1 " line5 &&
	{ cat r5 | sed -n "/^$/,\$p" | sed 1d && cat line5; } >note5 &&
	echo "cosig out5 $W $(cat wpk) note5" | ./go-witness &&
	grep "^ok " out5
'

test_expect_success GO 'the state is a git commit chain, one file per origin' '
	git -C w.git log --format=%s refs/annal/witness/$W >subjects &&
	printf "cosign example.com/log 5\nadd-log example.com/log\n" >expect &&
	test_cmp expect subjects &&
	git -C w.git ls-tree --name-only refs/annal/witness/$W >names &&
	printf "example.com%%2Flog.checkpoint\nexample.com%%2Flog.key\n" >expect &&
	test_cmp expect names &&
	git -C w.git fsck --strict --no-dangling &&
	echo "$O 5 $(cat vk)" >expect &&
	annal -C w.git witness list --name $W >actual &&
	test_cmp expect actual
'

test_expect_success GO 'old must be the size cosigned (409): exit 1, naming it' '
	git -C w.git rev-parse refs/annal/witness/$W >before &&
	test_expect_code 1 cosign r4 2>err &&
	grep "goes backwards: size 4, but witness .example.com/w1. cosigned size 5" err &&
	test_expect_code 1 cosign r13 2>err &&
	grep "last cosigned size 5 of .example.com/log., not 9; send a consistency proof from size 5" err &&
	git -C w.git rev-parse refs/annal/witness/$W >after &&
	test_cmp before after
'

test_expect_success GO 'a consistent checkpoint is cosigned; --note prints the whole note' '
	cosign r9 --note >note9 &&
	echo "cosig out9 $W $(cat wpk) note9" | ./go-witness &&
	grep "^ok " out9 &&
	sed -n "/^$/,\$p" r9 | sed 1d >sent &&
	head -n 5 note9 >kept &&
	test_cmp sent kept &&
	test_line_count = 6 note9
'

test_expect_success GO 'the same checkpoint again is cosigned anew and changes nothing' '
	git -C w.git rev-parse refs/annal/witness/$W >before &&
	test_expect_code 1 cosign r9 2>err &&
	grep "not 5; send a consistency proof from size 9" err &&
	sed "1s/^old 5/old 9/" r9 | sed "2,/^$/{/^$/!d}" >r9again &&
	cosign r9again >line &&
	test_line_count = 1 line &&
	git -C w.git rev-parse refs/annal/witness/$W >after &&
	test_cmp before after
'

test_expect_success GO 'a split view at the size cosigned: exit 1, named' '
	test_expect_code 1 cosign f9b 2>err &&
	grep "split view: the log .example.com/log. signed two roots for size 9" err
'

test_expect_success GO 'a fork before the size cosigned fails the proof: exit 1' '
	git -C w.git rev-parse refs/annal/witness/$W >before &&
	test_expect_code 1 cosign g13 2>err &&
	grep "at size 13 is not consistent with size 9, which witness .example.com/w1. cosigned" err &&
	git -C w.git rev-parse refs/annal/witness/$W >after &&
	test_cmp before after
'

test_expect_success GO 'a flipped bit in the proof: exit 1' '
	sed "2s/^./\//;2s/^\/\//A/" r13 >bad13 &&
	! test_cmp r13 bad13 &&
	test_expect_code 1 cosign bad13 2>err &&
	grep "consistency proof fails" err
'

test_expect_success GO 'a checkpoint not signed by the log key: exit 1' '
	sed "/^— /s/A\(.\{10\}\)./A\1B/" r13 >forged &&
	! test_cmp r13 forged &&
	test_expect_code 1 cosign forged 2>err &&
	grep "not signed by the log.s key" err
'

test_expect_success GO 'malformed requests: exit 2, naming the line' '
	sed "1s/old 9/old 09/" r13 >bad &&
	test_expect_code 2 cosign bad 2>err &&
	grep "request line 1:" err &&
	sed "2s/=\$//" r13 >bad &&
	test_expect_code 2 cosign bad 2>err &&
	grep "request line 2: a proof hash is not base64 of 32 bytes" err &&
	printf "old 9\n" >bad &&
	test_expect_code 2 cosign bad 2>err &&
	grep "no blank line before the checkpoint" err &&
	sed "1s/old 9/old 14/" r13 >bad &&
	test_expect_code 2 cosign bad 2>err &&
	grep "old size 14 is past the checkpoint.s size 13" err &&
	{ echo "old 9" && for i in $(seq 64); do sed -n 2p r13; done && sed -n "/^$/,\$p" r13; } >bad &&
	test_expect_code 2 cosign bad 2>err &&
	grep "more than 63 proof hashes" err &&
	sed 2d r13 >bad &&
	test_expect_code 2 cosign bad 2>err &&
	grep "request: a consistency proof from size 9 to 13 has 4 hashes, not 5" err
'

test_expect_success GO 'the request on standard input; the next size cosigned' '
	cosign - <r13 >line13 &&
	echo "$O 13 $(cat vk)" >expect &&
	annal -C w.git witness list --name $W >actual &&
	test_cmp expect actual
'

test_expect_success GO 'bad names and usage: exit 2' '
	test_expect_code 2 annal -C w.git witness cosign --key wkey r5 2>err &&
	grep "option .--name. is required" err &&
	test_expect_code 2 annal -C w.git witness cosign --name "a b" --key wkey r5 2>err &&
	grep "witness name .a b." err &&
	test_expect_code 2 annal -C w.git witness cosign --name "a..b" --key wkey r5 2>err &&
	grep "cannot name a git ref" err &&
	test_expect_code 2 annal -C w.git witness frob 2>err &&
	grep "unknown subcommand .frob." err
'

test_expect_success GO 'two witness processes at once on one repository lose no state' '
	git init -q --bare many.git &&
	for i in 1 2 3 4 5 6 7 8
	do
		echo "key vk$i log$i.example/x"
	done >cmds &&
	./go-witness <cmds &&
	for i in 1 2 3 4 5 6 7 8
	do
		annal -C many.git witness add-log --name $W "$(cat vk$i)" &
	done &&
	wait &&
	annal -C many.git witness list --name $W >list &&
	test_line_count = 8 list &&
	git -C many.git rev-list refs/annal/witness/$W >commits &&
	test_line_count = 8 commits
'

test_expect_success GO,SSHAGENT 'cosign --agent: the key stays in ssh-agent' '
	eval "$(ssh-agent -s)" >/dev/null &&
	test_when_finished "kill $SSH_AGENT_PID && unset SSH_AUTH_SOCK SSH_AGENT_PID" &&
	chmod 600 wkey &&
	ssh-add -q wkey 2>/dev/null &&
	git init -q --bare agent.git &&
	annal -C agent.git witness add-log --name $W "$(cat vk)" &&
	annal -C agent.git witness cosign --name $W --key wkey.pub --agent r5 >aline &&
	{ sed -n "/^$/,\$p" r5 | sed 1d && cat aline; } >anote &&
	echo "cosig aout $W $(cat wpk) anote" | ./go-witness &&
	grep "^ok " aout
'

test_done
