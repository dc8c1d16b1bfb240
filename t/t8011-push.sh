#!/bin/sh

test_description='annal push: a host'\''s logs to refs/audit/hosts/<host>/<log>

One line per log, exit 0 when every log landed or was up to date, 1 when
the remote refused one (its reason printed), 2 for bad usage, 3 when the
remote cannot be reached.  A path and file:// run git receive-pack, so
that the central hooks run; ssh runs $GIT_SSH_COMMAND (here a stand-in
that runs the command locally).'

. "$(dirname "$0")/test-lib.sh"

# write_script FILE <BODY: an executable sh script.
write_script () {
	{ echo "#!/bin/sh" && cat; } >"$1" &&
	chmod +x "$1"
}

# new_record REPO [LOG]: append a record.
new_record () {
	test_tick &&
	annal -C "$1" append --log "${2:-main}" --actor ci --action deploy >/dev/null
}

test_expect_success 'setup: a host with two logs, an empty central' '
	annal_repo_init host.git &&
	annal_repo_init central.git &&
	git -C host.git config annal.host web1 &&
	new_record host.git &&
	new_record host.git &&
	new_record host.git ops/db
'

test_expect_success 'push to a path: one line per log, the records land in the namespace' '
	annal -C host.git push "$PWD/central.git" >out 2>err &&
	cat >expect <<-\EOF &&
	main -> hosts/web1/main: 2 new records
	ops/db -> hosts/web1/ops/db: 1 new record
	EOF
	test_cmp expect out &&
	test_must_be_empty err &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C host.git rev-parse refs/audit/main)" &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/ops/db)" = \
		"$(git -C host.git rev-parse refs/audit/ops/db)" &&
	annal -C central.git verify --all
'

test_expect_success 'again: up to date, exit 0' '
	annal -C host.git push "$PWD/central.git" >out &&
	cat >expect <<-\EOF &&
	main -> hosts/web1/main: up to date
	ops/db -> hosts/web1/ops/db: up to date
	EOF
	test_cmp expect out
'

test_expect_success 'file://, annal.pushRemote, a configured remote, --log, -q' '
	new_record host.git &&
	git -C host.git config annal.pushRemote "file://$PWD/central.git" &&
	annal -C host.git push --log main >out &&
	echo "main -> hosts/web1/main: 1 new record" >expect &&
	test_cmp expect out &&
	new_record host.git &&
	git -C host.git remote add central "$PWD/central.git" &&
	annal -C host.git push -q central >out &&
	test_must_be_empty out &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C host.git rev-parse refs/audit/main)"
'

test_expect_success '--format json' '
	new_record host.git ops/db &&
	annal -C host.git push --format json central >out &&
	python3 - out <<-\EOF
	import json, sys
	r = json.load(open(sys.argv[1]))
	assert r["host"] == "web1" and r["remote"] == "central" and r["ok"] is True, r
	assert r["error"] is None, r
	logs = {l["log"]: l for l in r["logs"]}
	assert logs["main"]["status"] == "up-to-date" and logs["main"]["records"] == 0, r
	assert logs["ops/db"]["status"] == "updated" and logs["ops/db"]["records"] == 1, r
	assert logs["ops/db"]["ref"] == "refs/audit/hosts/web1/ops/db", r
	assert logs["ops/db"]["reason"] is None, r
	EOF
'

test_expect_success '--host, and the short hostname by default' '
	annal_repo_init central2.git &&
	git -C host.git remote add central2 "$PWD/central2.git" &&
	annal -C host.git push --host db-2 central2 >out &&
	grep "^main -> hosts/db-2/main: 4 new records$" out &&
	git -C host.git config --unset annal.host &&
	short=$(python3 -c "import socket; print(socket.gethostname().split(\".\")[0])") &&
	annal -C host.git push --log main central2 >out &&
	echo "main -> hosts/$short/main: 4 new records" >expect &&
	test_cmp expect out &&
	git -C host.git config annal.host web1
'

test_expect_success 'a host is not pushed its own namespace back: logs under hosts/ stay' '
	annal_repo_init relay.git &&
	new_record relay.git &&
	new_record relay.git hosts/other/main &&
	annal -C relay.git push --host relay "$PWD/central.git" >out &&
	echo "main -> hosts/relay/main: 1 new record" >expect &&
	test_cmp expect out
'

test_expect_success 'bad usage and bad names: exit 2, nothing pushed' '
	git -C central.git for-each-ref >before &&
	test_expect_code 2 annal -C host.git push --host "a/b" central 2>err &&
	grep "invalid host name" err &&
	test_expect_code 2 annal -C host.git push --host ".x" central 2>err &&
	test_expect_code 2 annal -C host.git push --host "x.lock" central 2>err &&
	test_expect_code 2 annal -C host.git push --host "" central 2>err &&
	test_expect_code 2 annal -C host.git push --host "$(printf "a\001")" central 2>err &&
	grep "a\\\\u0001" err &&
	test_expect_code 2 annal -C host.git push --host "$(test_seq 1 40 | tr -d "\n")" central 2>err &&
	test_expect_code 2 annal -C host.git push --log nosuch central 2>err &&
	grep "no log .nosuch." err &&
	# a bad log is said before the remote is tried
	test_expect_code 2 annal -C host.git push --log nosuch "$PWD/nowhere.git" 2>err &&
	grep "no log .nosuch." err &&
	test_expect_code 2 annal -C host.git push --log "a..b" central 2>err &&
	test_expect_code 2 annal -C host.git push nosuchremote 2>err &&
	grep "no remote .nosuchremote." err &&
	test_expect_code 2 annal -C host.git push central extra 2>err &&
	test_expect_code 2 annal -C host.git push -q --format json central 2>err &&
	git -C central.git for-each-ref >after &&
	test_cmp before after
'

test_expect_success 'the remote cannot be reached: exit 3, one line, records kept' '
	new_record host.git &&
	test_expect_code 3 annal -C host.git push "$PWD/nowhere.git" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: cannot push to .*nowhere.git" err &&
	test_expect_code 3 annal -C host.git push --format json "$PWD/nowhere.git" >out &&
	json_get ok <out >ok &&
	echo false >expect &&
	test_cmp expect ok &&
	annal -C host.git push central >out &&
	grep "^main -> hosts/web1/main: 1 new record$" out
'

test_expect_success 'a token in the remote'\''s URL is not shown, as git does not show it' '
	# https://user:token@host/ is how deployment.md gives a token; the
	# error goes to syslog every minute while the central side is down
	test_expect_code 3 annal -C host.git push "https://web1:s3cret@127.0.0.1:1/audit.git" \
		>out 2>err &&
	grep "cannot push to '\''https://127.0.0.1:1/audit.git'\''" err &&
	test_expect_code 3 annal -C host.git push --format json \
		"https://web1:s3cret@127.0.0.1:1/a@b.git" >out 2>err &&
	grep "https://127.0.0.1:1/a@b.git" out &&
	test_expect_code 3 annal -C host.git push "https://web1:s3cret@[::1/x" 2>>err &&
	! grep s3cret out err
'

test_expect_success 'a refusing hook: exit 1, the line naming the ref is the reason' '
	write_script central.git/hooks/pre-receive <<-\EOF &&
	while read old new ref
	do
		case $ref in
		*/main) printf "refused %s: seq 9 (abc): badThing\033[31m\n" "$ref" >&2 ;;
		esac
	done
	echo "some other line" >&2
	printf "progress  10%%\rprogress  50%%\rprogress 100%%, done.\n" >&2
	printf "a line ended by CRLF\r\n" >&2
	exit 1
	EOF
	new_record host.git &&
	new_record host.git ops/db &&
	git -C central.git for-each-ref >before &&
	test_expect_code 1 annal -C host.git push central >out 2>err &&
	cat >expect <<-\EOF &&
	main -> hosts/web1/main: refused: refused refs/audit/hosts/web1/main: seq 9 (abc): badThing\u001b[31m
	ops/db -> hosts/web1/ops/db: refused: pre-receive hook declined
	EOF
	test_cmp expect out &&
	grep "^remote: refused refs/audit/hosts/web1/main: seq 9 (abc): badThing\\\\u001b\[31m$" err &&
	grep "^remote: some other line$" err &&
	grep "^remote: a line ended by CRLF$" err &&
	grep "^remote: progress 100%, done.$" err &&
	! grep "progress  [15]0%" err &&
	git -C central.git for-each-ref >after &&
	test_cmp before after &&
	rm central.git/hooks/pre-receive &&
	annal -C host.git push central >out &&
	grep "^main -> hosts/web1/main: 1 new record$" out
'

test_expect_success 'a central head this host does not hold is refused by name, the rest pushed' '
	git clone -q --mirror host.git other.git &&
	annal init other.git >/dev/null &&
	new_record other.git &&
	git -C other.git push -q "$PWD/central.git" refs/audit/main:refs/audit/hosts/web1/main &&
	new_record host.git ops/db &&
	test_expect_code 1 annal -C host.git push central >out &&
	grep "^main -> hosts/web1/main: refused: the remote.s head [0-9a-f]* is not in this log.s history" out &&
	grep "^ops/db -> hosts/web1/ops/db: 1 new record$" out &&
	git -C central.git update-ref refs/audit/hosts/web1/main \
		"$(git -C host.git rev-parse refs/audit/main)"
'

test_expect_success 'push takes no lock of an append: a held ref lock does not stop it' '
	annal_repo_init locked.git &&
	new_record locked.git &&
	>locked.git/refs/audit/main.lock &&
	annal -C locked.git push --host locked "$PWD/central.git" >out &&
	echo "main -> hosts/locked/main: 1 new record" >expect &&
	test_cmp expect out &&
	rm locked.git/refs/audit/main.lock
'

test_expect_success 'ssh:// and host:path run $GIT_SSH_COMMAND with the host and git-receive-pack' '
	write_script fake-ssh <<-EOF &&
	# the arguments, then the command run here, as sshd would
	echo "\$*" >>"$PWD/ssh-args"
	while test \$# -gt 1
	do
		shift
	done
	exec sh -c "\$1"
	EOF
	new_record host.git &&
	GIT_SSH_COMMAND="\"$PWD/fake-ssh\"" \
		annal -C host.git push --log main "ssh://me@example.org:2222$PWD/central.git" >out &&
	echo "main -> hosts/web1/main: 1 new record" >expect &&
	test_cmp expect out &&
	echo "-p 2222 me@example.org git-receive-pack '\''$PWD/central.git'\''" >expect.args &&
	test_cmp expect.args ssh-args &&
	rm ssh-args &&
	new_record host.git &&
	GIT_SSH_COMMAND="\"$PWD/fake-ssh\"" \
		annal -C host.git push --log main "example.org:$PWD/central.git" >out &&
	test_cmp expect out &&
	echo "example.org git-receive-pack '\''$PWD/central.git'\''" >expect.args &&
	test_cmp expect.args ssh-args &&
	test_must_fail annal -C host.git push --log main "ssh://-oProxyCommand=touch%20pwned/x" 2>err &&
	test_path_is_missing pwned
'

# push_over_ssh URL [GIT_SSH_COMMAND]: push a new record of main over the
# fake ssh, which writes its arguments to ssh-args.
push_over_ssh () {
	rm -f ssh-args &&
	new_record host.git &&
	if test $# -gt 1
	then
		GIT_SSH_COMMAND="$2" annal -C host.git push --log main "$1" >out
	else
		annal -C host.git push --log main "$1" >out
	fi &&
	echo "main -> hosts/web1/main: 1 new record" >expect &&
	test_cmp expect out
}

test_expect_success 'core.sshCommand runs in place of ssh, GIT_SSH_COMMAND before it, as in git' '
	# the usual way to give a push its own key: git config
	# core.sshCommand "ssh -i <key>"; the real ssh would fail on .invalid
	git -C host.git config core.sshCommand "\"$PWD/fake-ssh\" -i push-key" &&
	push_over_ssh "central.invalid:$PWD/central.git" &&
	echo "-i push-key central.invalid git-receive-pack '\''$PWD/central.git'\''" >expect.args &&
	test_cmp expect.args ssh-args &&
	push_over_ssh "central.invalid:$PWD/central.git" "\"$PWD/fake-ssh\" -i env-key" &&
	echo "-i env-key central.invalid git-receive-pack '\''$PWD/central.git'\''" >expect.args &&
	test_cmp expect.args ssh-args &&
	git -C host.git config --unset core.sshCommand
'

# Running as root, a file can be given to another user: a repository
# config owned by someone else.
test_lazy_prereq CHOWN '
	>owned && chown 65534 owned && test "$(stat -c %u owned)" = 65534
'

test_expect_success CHOWN 'core.sshCommand of a repository someone else owns is not run' '
	test_when_finished "chown $(id -u) host.git/config; git -C host.git config --unset core.sshCommand; rm -rf bin pwned" &&
	mkdir bin &&
	cp fake-ssh bin/ssh &&
	git -C host.git config core.sshCommand "touch \"$PWD/pwned\"; \"$PWD/fake-ssh\"" &&
	chown 65534 host.git/config &&
	PATH="$PWD/bin:$PATH" push_over_ssh "central.invalid:$PWD/central.git" &&
	test_path_is_missing pwned &&
	echo "central.invalid git-receive-pack '\''$PWD/central.git'\''" >expect.args &&
	test_cmp expect.args ssh-args &&
	chown $(id -u) host.git/config &&
	PATH="$PWD/bin:$PATH" push_over_ssh "central.invalid:$PWD/central.git" &&
	test_path_is_file pwned
'

test_expect_success 'ssh:// with an IPv6 address: ssh is given it without brackets, as by git' '
	push_over_ssh "ssh://me@[::1]:2222$PWD/central.git" "\"$PWD/fake-ssh\"" &&
	echo "-p 2222 me@::1 git-receive-pack '\''$PWD/central.git'\''" >expect.args &&
	test_cmp expect.args ssh-args &&
	test_expect_code 3 annal -C host.git push "ssh://[::1$PWD/central.git" 2>err &&
	grep "cannot parse the remote" err &&
	test_expect_code 3 annal -C host.git push "ssh://[-oProxyCommand=touch%20pwned]/x" &&
	test_path_is_missing pwned
'

test_expect_success PYTHON3 'an ssh that logs to stderr as it relays does not stall the push' '
	# as ssh -vvv or a logging wrapper: 70 kB on stderr (more than a
	# pipe holds) once the push starts, then relays; annal must read
	# that stderr while it writes the pack, or both wait for ever
	write_script chatty-ssh <<-\EOF &&
	while test $# -gt 1
	do
		shift
	done
	exec python3 -c "
	import os, subprocess, sys
	p = subprocess.Popen([\"sh\", \"-c\", sys.argv[1]], stdin=subprocess.PIPE)
	first = True
	while True:
	    b = os.read(0, 65536)
	    if first:
	        os.write(2, b\"debug3: \" + b\"x\" * 70000 + b\"\\n\")
	        first = False
	    if not b:
	        break
	    p.stdin.write(b)
	    p.stdin.flush()
	p.stdin.close()
	sys.exit(p.wait())
	" "$1"
	EOF
	annal_repo_init chatty.git &&
	annal_repo_init chatty-central.git &&
	test_seq 1 5000 | sed "s/.*/{\"actor\":\"ci\",\"action\":\"a&\"}/" |
		annal -C chatty.git append --stdin >/dev/null &&
	GIT_SSH_COMMAND="\"$PWD/chatty-ssh\"" timeout 300 \
		annal -C chatty.git push --host c1 "example.org:$PWD/chatty-central.git" >out &&
	echo "main -> hosts/c1/main: 5000 new records" >expect &&
	test_cmp expect out
'

test_expect_success 'a push that lost the race to another push of the same records is up to date' '
	# the first push waits in the hook while a second one lands the
	# same records: the first then finds the ref moved ("cannot lock
	# ref"), which is no refusal, and must not exit 1 (an alert)
	git init -q --bare race-central.git &&
	annal_repo_init race.git &&
	new_record race.git &&
	annal -C race.git push -q --host web1 "$PWD/race-central.git" &&
	mkfifo started go &&
	write_script race-central.git/hooks/pre-receive <<-EOF &&
	cat >/dev/null
	if ! test -e "$PWD/first"
	then
		>"$PWD/first"
		echo started >"$PWD/started"
		read x <"$PWD/go"
	fi
	EOF
	new_record race.git &&
	{
		(
			annal -C race.git push --host web1 "$PWD/race-central.git" >out1 2>err1
			echo $? >status1
		) &
	} &&
	first=$! &&
	read x <started &&
	annal -C race.git push --host web1 "$PWD/race-central.git" >out2 &&
	echo "main -> hosts/web1/main: 1 new record" >expect &&
	test_cmp expect out2 &&
	echo go >go &&
	wait $first &&
	echo 0 >expect.status &&
	test_cmp expect.status status1 &&
	echo "main -> hosts/web1/main: up to date" >expect &&
	test_cmp expect out1 &&
	test "$(git -C race-central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C race.git rev-parse refs/audit/main)"
'

test_expect_success '-q: the remote'\''s messages only when the push fails' '
	# receive-pack'\''s "Resolving deltas: 100% (n/n), done." after a large
	# push would otherwise reach syslog from the cron line every minute;
	# git push, not on a terminal, prints nothing either
	git init -q --bare quiet-central.git &&
	write_script quiet-central.git/hooks/pre-receive <<-\EOF &&
	cat >/dev/null
	printf "Resolving deltas:  50%% (1/2)\rResolving deltas: 100%% (2/2), done.\n" >&2
	echo "central: accepted" >&2
	test ! -e "$GIT_DIR/refuse"
	EOF
	annal_repo_init quiet.git &&
	new_record quiet.git &&
	annal -C quiet.git push -q --host q1 "$PWD/quiet-central.git" >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	new_record quiet.git &&
	>quiet-central.git/refuse &&
	test_expect_code 1 annal -C quiet.git push -q --host q1 "$PWD/quiet-central.git" >out 2>err &&
	grep "^main -> hosts/q1/main: refused: pre-receive hook declined$" out &&
	grep "^remote: central: accepted$" err &&
	grep "^remote: Resolving deltas: 100% (2/2), done.$" err &&
	test_expect_code 1 annal -C quiet.git push --host q1 "$PWD/quiet-central.git" >out 2>err &&
	grep "^remote: central: accepted$" err &&
	rm quiet-central.git/refuse &&
	annal -C quiet.git push --host q1 "$PWD/quiet-central.git" >out 2>err &&
	grep "^remote: central: accepted$" err
'

test_expect_success 'the caller'\''s repository variables do not reach receive-pack' '
	# annal push from a git hook, or with a push in quarantine: git
	# unsets these for the receive-pack it runs; set, receive-pack wrote
	# the objects to GIT_OBJECT_DIRECTORY and moved the central ref to
	# objects the central repository did not hold
	git init -q --bare env-central.git &&
	mkdir elsewhere &&
	(
		GIT_OBJECT_DIRECTORY="$PWD/elsewhere" &&
		GIT_DIR="$PWD/elsewhere" &&
		export GIT_OBJECT_DIRECTORY GIT_DIR &&
		annal -C "$PWD/host.git" push --log main --host env1 "$PWD/env-central.git" >out
	) &&
	grep "^main -> hosts/env1/main: " out &&
	git -C env-central.git fsck &&
	annal -C env-central.git verify --log hosts/env1/main &&
	test -z "$(ls -A elsewhere)"
'

test_expect_success 'stock git push with the same refspec lands the same' '
	new_record host.git &&
	git -C host.git push -q central refs/audit/main:refs/audit/hosts/web1/main &&
	annal -C host.git push --log main central >out &&
	echo "main -> hosts/web1/main: up to date" >expect &&
	test_cmp expect out &&
	annal -C central.git verify --log hosts/web1/main
'

test_done
