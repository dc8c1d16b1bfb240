#!/bin/sh

test_description='signing through ssh-agent

annal append --agent --sign-key KEY.pub: the private key stays in the
agent at $SSH_AUTH_SOCK.  Ed25519 is deterministic, so the records are
the same, id for id, as those signed with the key file.  No agent, or
the key not loaded: exit 3, nothing written.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# start_agent: a fresh ssh-agent for this test, killed when it ends
start_agent () {
	eval "$(ssh-agent -s)" >/dev/null &&
	test -n "$SSH_AGENT_PID" &&
	test -S "$SSH_AUTH_SOCK" &&
	test_when_finished "kill $SSH_AGENT_PID && unset SSH_AUTH_SOCK SSH_AGENT_PID"
}

# make_log REPO ARGS...: three records, pinned clock, signed as ARGS say
make_log () {
	mk_repo_=$1 &&
	shift &&
	annal init "$mk_repo_" >/dev/null &&
	ANNAL_TEST_NOW=1795200000 annal -C "$mk_repo_" append "$@" \
		--actor alice --action login >"$mk_repo_.ids" &&
	ANNAL_TEST_NOW=1795200060 annal -C "$mk_repo_" append "$@" \
		--actor bob --action deploy --target web-1 --decision allowed >>"$mk_repo_.ids" &&
	printf "%s\n" "{\"actor\":\"carol\",\"action\":\"read\"}" \
		"{\"actor\":\"dave\",\"action\":\"write\"}" >"$mk_repo_.in" &&
	ANNAL_TEST_NOW=1795200120 annal -C "$mk_repo_" append "$@" \
		--stdin <"$mk_repo_.in" >>"$mk_repo_.ids"
}

test_expect_success 'setup' '
	annal keygen -f k -C agent-key >/dev/null &&
	annal keygen -f other -C other-key >/dev/null &&
	mkdir pubonly &&
	cp k.pub pubonly/k.pub &&
	ssh_allowed allowed "namespaces=\"git\"" k.pub &&
	make_log file.git --sign-key k &&
	test_line_count = 4 file.git.ids
'

test_expect_success SSHAGENT '--agent --sign-key k.pub: the same records as with the key file' '
	start_agent &&
	ssh-add k 2>add.err &&
	make_log agent.git --agent --sign-key pubonly/k.pub &&
	test_cmp file.git.ids agent.git.ids &&
	ANNAL_TEST_NOW=1795200120 annal -C agent.git verify --key k.pub
'

test_expect_success SSHAGENT,GITSSH 'git verify-commit accepts the agent-signed records' '
	git_verify_log agent.git allowed
'

test_expect_success SSHAGENT '--agent --sign-key of a private key file: its .pub beside it is used' '
	start_agent &&
	ssh-add k 2>add.err &&
	cp k.pub moved.pub &&
	cp k moved &&
	chmod 600 moved &&
	make_log agent2.git --agent --sign-key moved &&
	test_cmp file.git.ids agent2.git.ids
'

test_expect_success SSHAGENT 'annal.signingAgent=true with annal.signingKey' '
	start_agent &&
	ssh-add k 2>add.err &&
	annal init cfg.git >/dev/null &&
	git -C cfg.git config annal.signingAgent true &&
	git -C cfg.git config annal.signingKey "$TRASH_DIRECTORY/pubonly/k.pub" &&
	ANNAL_TEST_NOW=1795200000 annal -C cfg.git append \
		--actor alice --action login >cfg.ids &&
	head -n 1 file.git.ids >expect &&
	test_cmp expect cfg.ids
'

test_expect_success SSHAGENT '--agent with ANNAL_SIGNING_KEY naming the .pub' '
	start_agent &&
	ssh-add k 2>add.err &&
	annal init env.git >/dev/null &&
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/pubonly/k.pub" &&
		export ANNAL_SIGNING_KEY &&
		ANNAL_TEST_NOW=1795200000 annal -C env.git append --agent \
			--actor alice --action login
	) >env.ids &&
	head -n 1 file.git.ids >expect &&
	test_cmp expect env.ids
'

test_expect_success SSHAGENT 'the agent holds other keys only: exit 3, one line, nothing written' '
	start_agent &&
	ssh-add other 2>add.err &&
	annal init none.git >/dev/null &&
	annal_fails_cleanly 3 none.git append --agent --sign-key pubonly/k.pub \
		--actor alice --action login &&
	! git -C none.git rev-parse -q --verify refs/audit/main &&
	annal_fails_cleanly 3 agent.git append --agent --sign-key pubonly/k.pub \
		--actor alice --action login &&
	annal_ids agent.git >actual &&
	test_cmp agent.git.ids actual
'

test_expect_success SSHAGENT 'an empty agent: exit 3, nothing written' '
	start_agent &&
	annal_fails_cleanly 3 agent.git append --agent --sign-key pubonly/k.pub \
		--actor alice --action login &&
	annal_ids agent.git >actual &&
	test_cmp agent.git.ids actual
'

test_expect_success SSHAGENT 'a key removed from the agent: exit 3' '
	start_agent &&
	ssh-add k 2>add.err &&
	annal -C agent.git append --agent --sign-key pubonly/k.pub \
		--actor x --action y >>agent.git.ids &&
	ssh-add -d k.pub 2>del.err &&
	annal_fails_cleanly 3 agent.git append --agent --sign-key pubonly/k.pub \
		--actor alice --action login &&
	annal_ids agent.git >actual &&
	test_cmp agent.git.ids actual
'

test_expect_success 'no SSH_AUTH_SOCK: exit 3, one line, nothing written' '
	(
		unset SSH_AUTH_SOCK &&
		annal_fails_cleanly 3 agent.git append --agent --sign-key pubonly/k.pub \
			--actor alice --action login
	) &&
	annal init none2.git >/dev/null &&
	(
		unset SSH_AUTH_SOCK &&
		annal_fails_cleanly 3 none2.git append --agent --sign-key pubonly/k.pub \
			--actor alice --action login
	) &&
	! git -C none2.git rev-parse -q --verify refs/audit/main
'

test_expect_success 'SSH_AUTH_SOCK naming no agent: exit 3' '
	(
		SSH_AUTH_SOCK="$TRASH_DIRECTORY/no-such-socket" &&
		export SSH_AUTH_SOCK &&
		annal_fails_cleanly 3 agent.git append --agent --sign-key pubonly/k.pub \
			--actor alice --action login
	) &&
	: >not-a-socket &&
	(
		SSH_AUTH_SOCK="$TRASH_DIRECTORY/not-a-socket" &&
		export SSH_AUTH_SOCK &&
		annal_fails_cleanly 3 agent.git append --agent --sign-key pubonly/k.pub \
			--actor alice --action login
	)
'

test_expect_success SSHAGENT,SSHKEYGEN 'an untrusted key in the agent: exit 2 like a key file' '
	start_agent &&
	ssh-add other 2>add.err &&
	annal_fails_cleanly 2 agent.git append --agent --sign-key other.pub \
		--actor alice --action login &&
	grep "$(ssh_fp other.pub)" err
'

test_expect_success SSHAGENT,PYTHON3 'key rotate --agent signs the rotation through the agent' '
	start_agent &&
	ssh-add k 2>add.err &&
	test_tick &&
	annal -C agent.git key rotate --agent --sign-key pubonly/k.pub \
		--new-key other.pub >out &&
	test_line_count = 1 out &&
	cat out >>agent.git.ids &&
	ssh_signers agent.git >signers &&
	tail -n 1 signers >actual &&
	ssh_expect_signers k.pub >expect &&
	test_cmp expect actual &&
	ANNAL_TEST_NOW=1795200120 annal -C agent.git verify --key k.pub
'

test_expect_success SSHAGENT,PYTHON3 'key rotate --agent --new-key k.pub starts signing an unsigned log' '
	start_agent &&
	ssh-add k 2>add.err &&
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor a --action b >/dev/null &&
	test_tick &&
	annal -C plain.git key rotate --agent --new-key pubonly/k.pub >out &&
	test_line_count = 1 out &&
	ssh_signers plain.git >actual &&
	ssh_expect_signers - k.pub >expect &&
	test_cmp expect actual &&
	test_tick &&
	annal -C plain.git append --agent --sign-key pubonly/k.pub --actor a --action c >/dev/null &&
	annal -C plain.git verify
'

test_done
