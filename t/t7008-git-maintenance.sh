#!/bin/sh

test_description='stock git maintenance at any moment loses no acknowledged record

git gc, git gc --prune=now, git repack -adq and git prune are run by an
administrator while annal writes. Each is made to run in the window
between an append writing its objects and moving its ref (strace
delays the open of the ref lock), and then all of them in a loop beside
appenders, batches, streams and annal pack. Every printed id must stay
readable and the log must verify. Also: a writer that loses the race
never deletes objects another writer acknowledged, and every directory
entry a record depends on is fsynced before its id is printed.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

# LeakSanitizer cannot run under ptrace: no leak check for test_strace runs
# (the same commands run untraced elsewhere in the suite)
# in_window CMD -- ANNAL-ARGS...: run annal ANNAL-ARGS, stop it (strace
# injects SIGSTOP) when it first looks for the ref lock, after writing
# its objects; once it is stopped, run CMD (a shell string), then let
# annal go on and wait for it.  Its ids go to "ids", its stderr to
# "err".  The window is held open however long CMD takes, and CMD runs
# in it every time; a stop that never comes is ended by the watchdog.
in_window () {
	cmd=$1 &&
	shift 2 &&
	: >marker &&
	lock="$(pwd)/repo.git/refs/audit/main.lock" &&
	rm -f strace.out &&
	{ test_strace -f -o strace.out -P "$lock" -e trace=access,openat \
		-e inject=access:signal=SIGSTOP:when=1 \
		annal -C repo.git "$@" <input >ids 2>err & } &&
	pid=$! &&
	until grep "stopped by SIGSTOP" strace.out >/dev/null 2>&1
	do
		kill -0 $pid 2>/dev/null || {
			echo "annal $* ended before it looked for the ref lock" &&
			cat err
			return 1
		}
		sleep 0.01
	done &&
	stopped=$(sed -n "s/^\([0-9]*\) *--- stopped by SIGSTOP.*/\1/p" strace.out) &&
	# the window: objects written, the ref not yet locked
	test -n "$(find repo.git/objects -type f -newer marker ! -name "*tmp_*" | head -n 1)" &&
	test_path_is_missing "$lock" &&
	{ eval "$cmd"; rc=$?; } &&
	kill -CONT $stopped &&
	wait $pid &&
	return $rc
}

# acknowledged: every id in "ids" (and in "all-ids") is an object of
# the repository, the log verifies and git agrees
acknowledged () {
	cat ids >>all-ids &&
	while read id
	do
		git -C repo.git cat-file -e "$id" || {
			echo "acknowledged record $id is gone"
			return 1
		}
	done <all-ids &&
	annal -C repo.git verify &&
	if git -C repo.git cat-file commit refs/audit/main | grep "^gpgsig " >/dev/null
	then
		ssh_signers repo.git main >/dev/null
	else
		annal_check_log repo.git main >/dev/null
	fi &&
	git -C repo.git fsck --no-dangling --strict
}

# fresh: repo.git anew, with one record, the only id in all-ids
fresh () {
	rm -rf repo.git &&
	cp -R base.git repo.git &&
	cp base-ids all-ids
}

test_expect_success 'setup' '
	annal_repo_init base.git &&
	annal -C base.git append --actor a --action first >base-ids &&
	for i in $(test_seq 20)
	do
		echo "{\"actor\":\"b\",\"action\":\"batch$i\"}" || return 1
	done >batch20
'

for maintenance in "git -C repo.git prune" \
	"git -C repo.git gc -q --prune=now" \
	"git -C repo.git repack -adq" \
	"git -C repo.git gc -q" \
	"annal -C repo.git pack -q && git -C repo.git repack -adq && git -C repo.git prune"
do
	test_expect_success STRACE,GIT "a single append survives '$maintenance' before its ref moves" '
		fresh && : >input &&
		in_window "$maintenance" -- append --actor s --action single &&
		test_line_count = 1 ids &&
		acknowledged
	'

	test_expect_success STRACE,GIT "a batch survives '$maintenance' before its ref moves" '
		fresh && cp batch20 input &&
		in_window "$maintenance" -- append --stdin &&
		test_line_count = 20 ids &&
		acknowledged
	'
done

test_expect_success STRACE,GIT 'a stream survives git gc --prune=now before its ref moves' '
	fresh && head -n 3 batch20 >input &&
	in_window "git -C repo.git gc -q --prune=now" -- append --stdin --stream &&
	test_line_count = 3 ids &&
	acknowledged
'

test_expect_success STRACE,GIT 'a signed log survives git repack -adq during a key rotation' '
	annal keygen -f k1 -C k1 >/dev/null &&
	annal keygen -f k2 -C k2 >/dev/null &&
	annal init signed.git >/dev/null &&
	annal -C signed.git append --sign-key k1 --actor a --action first >/dev/null &&
	rm -rf repo.git && cp -R signed.git repo.git &&
	: >input && : >all-ids &&
	in_window "git -C repo.git repack -adq && git -C repo.git prune" -- \
		key rotate --sign-key k1 --new-key k2.pub &&
	test_line_count = 1 ids &&
	acknowledged
'

test_expect_success STRACE,GIT 'what a pending append holds is kept from git: a .keep until the ref moves' '
	annal_repo_init keep.git &&
	rm -rf repo.git && cp -R keep.git repo.git && : >all-ids &&
	cp batch20 input &&
	in_window "ls repo.git/objects/pack/*.keep >keeps && cat repo.git/objects/pack/*.keep >notes" \
		-- append --stdin &&
	test_line_count = 1 keeps &&
	grep "^annal: pending since [0-9]*, pid [0-9]* on " notes &&
	! ls repo.git/objects/pack/*.keep &&
	acknowledged
'

# Two writers build byte-identical commits (same head, same content, same
# millisecond): the first writes its pack and waits for the ref lock, the
# second appends meanwhile and wins, the first loses and builds again.
test_expect_success STRACE,GIT 'a losing batch deletes nothing that another writer acknowledged' '
	rm -rf repo.git && annal_repo_init && : >all-ids &&
	ANNAL_TEST_NOW=1795000000 annal -C repo.git append --actor hb --action heartbeat >>all-ids &&
	{
		echo "{\"actor\":\"hb\",\"action\":\"heartbeat\"}" &&
		sed -n 1,9p batch20
	} >input &&
	ANNAL_TEST_NOW=1795000000 &&
	export ANNAL_TEST_NOW &&
	in_window "annal -C repo.git append --actor hb --action heartbeat >>all-ids" \
		-- append --stdin &&
	unset ANNAL_TEST_NOW &&
	test_line_count = 10 ids &&
	test_line_count = 2 all-ids &&
	acknowledged &&
	annal -C repo.git log --format oneline >log &&
	test_line_count = 12 log
'

test_expect_success STRACE,GIT 'a failed signed append leaves no signed commit behind' '
	rm -rf repo.git && cp -R signed.git repo.git && : >all-ids && : >ids &&
	: >input &&
	>repo.git/refs/audit/main.lock &&
	test_expect_code 3 env ANNAL_TEST_LOCK_STALE_MS=1 \
		annal -C repo.git append --sign-key k1 --actor a --action never 2>err &&
	rm repo.git/refs/audit/main.lock &&
	ls repo.git/objects/pack >packs &&
	! grep "\.keep$" packs &&
	git -C repo.git cat-file --batch-all-objects --batch-check="%(objecttype) %(objectname)" >all &&
	grep "^commit" all >commits &&
	test_line_count = 1 commits &&
	acknowledged
'

# Every directory entry an acknowledged record depends on is made durable
# before the id is printed: the new pack directory, refs/audit/ and the
# directories of a log name with "/".
test_expect_success STRACE 'directories are fsynced before the id is printed' '
	rm -rf bare.git && mkdir bare.git && git init -q --bare bare.git &&
	annal init bare.git >/dev/null &&
	rm -rf bare.git/objects/pack bare.git/refs/audit &&
	test_strace -f -s 64 -o trace -e trace=openat,close,fsync,fdatasync,write \
		annal -C "$(pwd)/bare.git" append --log team/web --actor a --action b >id &&
	r=$(pwd)/bare.git &&
	python3 "$TEST_DIRECTORY/lib-fsync-order.py" trace \
		"$r/objects" "$r/objects/pack" "$r/refs" "$r/refs/audit" "$r/refs/audit/team"
'

# stress_loops END: until the epoch second END, single appends, batches, a
# stream, annal pack and every maintenance command, each in a loop of its
# own; the ids printed go to ids.1 to ids.3
stress_loops () {
	(
		while test $(date +%s) -lt $1
		do
			annal -C repo.git append --actor s --action single >>ids.1 || exit 1
		done
	) &
	p1=$!
	(
		while test $(date +%s) -lt $1
		do
			annal -C repo.git append --stdin <batch20 >>ids.2 || exit 1
		done
	) &
	p2=$!
	(
		while test $(date +%s) -lt $1
		do
			echo "{\"actor\":\"st\",\"action\":\"line\"}" && sleep 0.1
		done | annal -C repo.git append --stdin --stream >>ids.3
	) &
	p3=$!
	(
		while test $(date +%s) -lt $1
		do
			annal -C repo.git pack -q
			git -C repo.git gc -q
			git -C repo.git repack -adq
			git -C repo.git gc -q --prune=now
			git -C repo.git prune
		done
	) &
	p4=$!
	wait $p1 && wait $p2 && wait $p3 && wait $p4
}

# The class, without delays: appenders, batches, a stream, annal pack and
# every maintenance command in loops, for 8 s (make check-full, which sets
# ANNAL_TEST_FULL=1: 60 s).
test_expect_success GIT 'appends, annal pack and git maintenance in loops lose nothing' '
	rm -rf repo.git && annal_repo_init && : >all-ids && : >ids.1 && : >ids.2 && : >ids.3 &&
	secs=8 &&
	if test -n "$ANNAL_TEST_FULL"
	then
		secs=60
	fi &&
	stress_loops $(($(date +%s) + secs)) &&
	cat ids.1 ids.2 ids.3 >ids &&
	! grep -v "^[0-9a-f]\{40\}$" ids &&
	acknowledged &&
	annal -C repo.git log --format oneline >log &&
	test_line_count = $(wc -l <ids) log &&
	say "$(wc -l <ids) records in $secs s beside git maintenance"
'

test_done
