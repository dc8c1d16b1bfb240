#!/bin/sh

test_description='annal log and show on a real terminal, through less

tmux runs annal log in a pane 80x24: the output goes through less (the
default pager), coloured; capture-pane shows the colours and less'\''s
prompt; q quits less, and annal exits 0 although it had more to write;
after Ctrl-C annal waits for less to quit before it dies of SIGINT.'

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq TMUX_LESS '
	command -v tmux && command -v less
'

if ! test_have_prereq TMUX_LESS
then
	skip_all='tmux and less are needed for a real terminal'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
unset NO_COLOR ANNAL_PAGER PAGER LESS LV TMUX
ESC=$(printf "\033")

# tmux with a server of our own, no configuration read
# A server of its own for each test: a client that reaches the server of
# the test before while it exits (its kill-server) gets "server exited
# unexpectedly", seen on a loaded machine.
tm () {
	tmux -L "annal-t2110-$$-$test_count" -f "$TRASH_DIRECTORY/tmux.conf" "$@"
}

# wait_for PATTERN: until the pane shows PATTERN (grep -E), at most 20 s
wait_for () {
	i=0 &&
	while test $i -lt 200
	do
		tm capture-pane -e -p -t t >pane &&
		if grep -E -e "$1" pane >/dev/null
		then
			return 0
		fi &&
		sleep 0.1 &&
		i=$((i + 1)) || return 1
	done &&
	echo "the pane never showed $1:" &&
	cat pane &&
	return 1
}

test_expect_success 'setup' '
	: >tmux.conf &&
	annal_repo_init &&
	i=0 &&
	while test $i -lt 60
	do
		echo "{\"actor\":\"user:a$i\",\"action\":\"drop\",\"decision\":\"blocked\"}" &&
		i=$((i + 1)) || return 1
	done >many &&
	annal append --stdin <many >ids &&
	test_when_finished "tm kill-server || :" &&
	tm new-session -d -s t -x 80 -y 24 \
		"PATH=\"$PATH\" annal log --format oneline; echo \"status \$?\" >\"$TRASH_DIRECTORY/status\"; sleep 60" &&
	wait_for "blocked" &&
	cp pane first-screen &&
	tm send-keys -t t q &&
	wait_for "^status|^$" &&
	i=0 &&
	while ! test -f status && test $i -lt 200
	do
		sleep 0.1 &&
		i=$((i + 1)) || return 1
	done
'

test_expect_success 'less shows the first screen, coloured, with its prompt' '
	grep "${ESC}\[31mblocked" first-screen &&
	grep "${ESC}\[33m$(tail -n 1 ids | cut -c1-12)" first-screen &&
	test $(grep -c "user:a" first-screen) = 23 &&
	tail -n 1 first-screen >prompt &&
	grep "^\(${ESC}\[[0-9;]*m\)*:$" prompt
'

test_expect_success 'q quits less, annal exits 0' '
	echo "status 0" >expect &&
	test_cmp expect status
'

test_expect_success 'Ctrl-C: annal waits for less, which keeps the terminal until q' '
	test_when_finished "tm kill-server || :" &&
	rm -f status &&
	tm new-session -d -s t -x 80 -y 24 \
		"trap : INT; PATH=\"$PATH\" annal log --format oneline; echo \"status \$?\" >\"$TRASH_DIRECTORY/status\"; sleep 60" &&
	wait_for "blocked" &&
	tm send-keys -t t C-c &&
	sleep 0.5 &&
	test_path_is_missing status &&
	tm capture-pane -e -p -t t >pane &&
	test $(grep -c "user:a" pane) = 23 &&
	tm send-keys -t t q &&
	i=0 &&
	while ! test -f status && test $i -lt 200
	do
		sleep 0.1 &&
		i=$((i + 1)) || return 1
	done &&
	echo "status 130" >expect &&
	test_cmp expect status
'

test_expect_success 'show on the terminal: the record fits, less -F quits by itself' '
	test_when_finished "tm kill-server || :" &&
	rm -f status &&
	tm new-session -d -s t -x 80 -y 24 \
		"PATH=\"$PATH\" annal show 1; echo \"status \$?\" >\"$TRASH_DIRECTORY/status\"; sleep 60" &&
	wait_for "status|action: drop" &&
	i=0 &&
	while ! test -f status && test $i -lt 200
	do
		sleep 0.1 &&
		i=$((i + 1)) || return 1
	done &&
	echo "status 0" >expect &&
	test_cmp expect status &&
	tm capture-pane -e -p -t t >pane &&
	grep "${ESC}\[32mgood" pane
'

test_done
