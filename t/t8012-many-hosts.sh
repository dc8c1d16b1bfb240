#!/bin/sh

test_description='four hosts push to one central repository, and a mirror

A central bare repository served by git daemon --enable=receive-pack on
127.0.0.1 (a free port; the daemon is killed at the end, also when a test
fails) and over file://.  Four hosts, each its own repository (two with
signed logs, two unsigned), append and push concurrently in a loop: h1
and h2 with annal push over git://, h3 with annal push over file://, h4
with stock git push and the refspec.  At the end every record a host
acknowledged is present centrally, in order, and verify --all passes on
the central repository and on a mirror (git clone --mirror, then git
fetch after more pushes; a mirror fetching without + refuses a rewound
log).  The central side down makes annal push exit 3
with one line; once it is back, the next push ships everything appended
meanwhile.'

. "$(dirname "$0")/test-lib.sh"

HOSTS="h1 h2 h3 h4"
ROUNDS=4

# central_init DIR: the central repository, which verifies every push
# on receipt (its pre-receive hook runs annal verify --pre-receive)
central_init () {
	annal init --central "$1" >/dev/null &&
	test -x "$1/hooks/pre-receive"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port () {
	python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
'
}

# start_daemon: serve srv/ with git daemon on $PORT, receive-pack on;
# wait until it answers.
start_daemon () {
	git daemon --enable=receive-pack --export-all --reuseaddr \
		--base-path="$TRASH_DIRECTORY/srv" --listen=127.0.0.1 --port="$PORT" \
		--pid-file="$TRASH_DIRECTORY/daemon.pid" --detach &&
	for i in $(test_seq 1 100)
	do
		git ls-remote "git://127.0.0.1:$PORT/central.git" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "git daemon did not answer on port $PORT" >&2
	return 1
}

stop_daemon () {
	if test -f "$TRASH_DIRECTORY/daemon.pid"
	then
		kill "$(cat "$TRASH_DIRECTORY/daemon.pid")" 2>/dev/null
		rm -f "$TRASH_DIRECTORY/daemon.pid"
	fi
	return 0
}

# The daemon must not outlive the script, whatever fails.
trap 'daemon_exit_=$?; stop_daemon; (exit $daemon_exit_); test_exit_trap_' EXIT

# url HOST: where the host pushes.
url () {
	case $1 in
	h3) echo "file://$TRASH_DIRECTORY/srv/central.git" ;;
	*) echo "git://127.0.0.1:$PORT/central.git" ;;
	esac
}

# ship HOST: push the host's log; h4 with stock git.  Exit status as the
# command's.
ship () {
	case $1 in
	h4) git -C "$1.git" push -q "$(url "$1")" "refs/audit/main:refs/audit/hosts/$1/main" ;;
	*) annal -C "$1.git" push "$(url "$1")" ;;
	esac
}

# append_some HOST N: N records, their ids (as acknowledged) added to
# HOST.acked; one single append and a batch.
append_some () {
	annal -C "$1.git" append --actor "svc@$1" --action login >>"$1.acked" &&
	test_seq 2 "$2" | sed "s/.*/{\"actor\":\"svc@$1\",\"action\":\"job\",\"n\":&}/" |
	annal -C "$1.git" append --stdin >>"$1.acked"
}

# host_loop HOST: rounds of appends, each followed by a push; a push that
# fails (the central side busy) is retried by the next round, as a timer
# would.
host_loop () {
	for r in $(test_seq 1 $ROUNDS)
	do
		append_some "$1" 3 || return 1
		ship "$1" >>"$1.pushes" 2>&1 || echo "push failed: $?" >>"$1.pushes"
	done
}

# check_central REPO: every host's acknowledged records, in order, are
# the host's log there, and verify --all passes.
check_central () {
	for h in $HOSTS
	do
		git -C "$1" rev-list --reverse "refs/audit/hosts/$h/main" >"$h.central" &&
		test_cmp "$h.acked" "$h.central" || return 1
		# a central's hook checked the head that landed (a mirror has no hook)
		test -e "$1/hooks/pre-receive" ||
			continue
		test -s "$1/annal/verified/hosts/$h/main" || return 1
	done &&
	annal -C "$1" verify --all >verify.out &&
	test_line_count = 4 verify.out
}

test_expect_success PYTHON3 'setup: a central served by git daemon, four hosts' '
	mkdir srv &&
	central_init srv/central.git &&
	PORT=$(free_port) &&
	start_daemon &&
	for h in $HOSTS
	do
		annal_repo_init "$h.git" &&
		git -C "$h.git" config annal.host "$h" &&
		>"$h.acked" || return 1
	done &&
	for h in h1 h2
	do
		annal keygen -f "$h.key" -C "$h" >/dev/null &&
		git -C "$h.git" config annal.signingKey "$PWD/$h.key" || return 1
	done
'

test_expect_success PYTHON3 'four hosts append and push at the same time' '
	for h in $HOSTS
	do
		host_loop $h >"$h.loop" 2>&1 &
	done &&
	wait &&
	for h in $HOSTS
	do
		test_must_be_empty "$h.loop" || return 1
	done &&
	# what a failed push left, the next run ships
	for h in $HOSTS
	do
		ship $h >/dev/null || return 1
	done &&
	check_central srv/central.git &&
	grep "^main -> hosts/h1/main: [0-9]* new records*$" h1.pushes &&
	annal -C srv/central.git logs --format json >logs.json &&
	python3 - logs.json <<-\EOF
	import json, sys
	logs = {l["log"]: l for l in json.load(open(sys.argv[1]))}
	assert sorted(logs) == ["hosts/h%d/main" % i for i in (1, 2, 3, 4)], logs
	assert logs["hosts/h1/main"]["signed"] and logs["hosts/h2/main"]["signed"], logs
	assert not logs["hosts/h3/main"]["signed"] and not logs["hosts/h4/main"]["signed"], logs
	EOF
'

test_expect_success PYTHON3 'a mirror verifies on its own, and after git fetch' '
	git clone -q --mirror "git://127.0.0.1:$PORT/central.git" mirror.git &&
	annal -C mirror.git verify --all >out &&
	test_line_count = 4 out &&
	for h in $HOSTS
	do
		append_some $h 2 &&
		ship $h >/dev/null || return 1
	done &&
	git -C mirror.git fetch -q &&
	check_central mirror.git &&
	git -C srv/central.git for-each-ref >central.refs &&
	git -C mirror.git for-each-ref >mirror.refs &&
	test_cmp central.refs mirror.refs
'

test_expect_success PYTHON3 'a mirror fetching without + refuses a rewound log and keeps its head' '
	git clone -q --mirror "git://127.0.0.1:$PORT/central.git" strict.git &&
	git -C strict.git config --replace-all remote.origin.fetch "refs/audit/*:refs/audit/*" &&
	head=$(git -C srv/central.git rev-parse refs/audit/hosts/h3/main) &&
	# the central administrator rewinds a log behind the hook'"'"'s back
	test_when_finished "git -C srv/central.git update-ref refs/audit/hosts/h3/main $head" &&
	git -C srv/central.git update-ref refs/audit/hosts/h3/main "$head~2" &&
	test_must_fail git -C strict.git fetch 2>err &&
	grep "rejected.*hosts/h3/main.*non-fast-forward" err &&
	test "$(git -C strict.git rev-parse refs/audit/hosts/h3/main)" = "$head" &&
	annal -C strict.git verify --all >out &&
	test_line_count = 4 out
'

test_expect_success PYTHON3 'the same over file:// only' '
	central_init file-central.git &&
	for h in $HOSTS
	do
		annal -C $h.git push "file://$PWD/file-central.git" >/dev/null || return 1
	done &&
	check_central file-central.git
'

test_expect_success PYTHON3 'central down: exit 3, one line; back up: everything arrives' '
	stop_daemon &&
	append_some h1 3 &&
	test_expect_code 3 annal -C h1.git push "$(url h1)" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: cannot push to .git://127.0.0.1:$PORT/central.git.: " err &&
	# a day of appends while it is down
	append_some h1 5 &&
	append_some h2 4 &&
	test_expect_code 3 annal -C h2.git push "$(url h2)" 2>err &&
	start_daemon &&
	annal -C h1.git push "$(url h1)" >out &&
	echo "main -> hosts/h1/main: 8 new records" >expect &&
	test_cmp expect out &&
	annal -C h2.git push "$(url h2)" >out &&
	echo "main -> hosts/h2/main: 4 new records" >expect &&
	test_cmp expect out &&
	check_central srv/central.git
'

test_expect_success PYTHON3 'stop the daemon' '
	stop_daemon
'

test_done
