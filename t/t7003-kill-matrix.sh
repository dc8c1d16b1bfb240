#!/bin/sh

test_description='SIGKILL at random moments, across the writing commands

A seeded plan kills annal append, append --stdin (batches of varied size,
signed and unsigned), append --stdin --stream, export --bundle and key
rotate after a random delay (100 us to 150 ms).  After each kill: the log
verifies, every id printed before the kill is a record of the log, a batch
landed whole or not at all, and a lock left behind is reported as stale
with the command to recover, then removed as it says.  Runs go on until
ANNAL_KILL_MIN kills (default 200) have landed, at most 3 times as many
runs.  Repeat a run with ANNAL_KILL_SEED=<seed> (default 7003).'

# test-lib.sh clears ANNAL_*: read ours first
kill_seed=${ANNAL_KILL_SEED:-7003}
kill_min=${ANNAL_KILL_MIN:-200}
kill_runs=$((kill_min * 3))

. "$(dirname "$0")/test-lib.sh"

# In a sanitizer build, LeakSanitizer checks for leaks as a process exits,
# by stopping its threads from a helper; a SIGKILL landing then makes the
# helper report "Unable to get registers", which is no finding of annal's.
# The commands killed here are leak-checked where they run to the end.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

if ! test_have_prereq PYTHON3 || ! test_have_prereq GIT
then
	skip_all='python3 or git is not available'
	test_done
fi

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO
KILL="$TEST_DIRECTORY/lib-kill.py"

# a lock is stale after 300 ms here, not 5 s: t7001 checks the default
STALE_MS=300

killed=0
finished=0
stale_locks=0
pack_locks=0
rotations=0
recorded_temp=0

# fail MESSAGE: report a violation with what repeats it
fail () {
	echo "FAIL (ANNAL_KILL_SEED=$kill_seed, run $run: $op $size after ${delay}s, exit $rc): $*"
	for f in out err
	do
		test -s $f && { echo "--- $f"; cat $f; }
	done
	return 1
}

# count LOG: the number of records of LOG, in $records
count () {
	records=$(git -C repo.git rev-list --count refs/audit/$1) || {
		fail "cannot count the records of log $1"
		return 1
	}
}

# check_printed LOG: every id in out is a record of LOG
check_printed () {
	grep -x "[0-9a-f]\{40\}" out >printed
	test -s printed || return 0
	git -C repo.git cat-file --batch-check <printed >present || {
		fail "cat-file --batch-check failed"
		return 1
	}
	if grep missing present
	then
		fail "printed ids are missing from the object store"
		return 1
	fi
	git -C repo.git rev-list refs/audit/$1 | sort >all &&
	sort printed >printed.sorted &&
	comm -23 printed.sorted all >lost &&
	if test -s lost
	then
		fail "printed ids are not in log $1: $(cat lost)"
		return 1
	fi
}

# sign_opt LOG: the signing option an append to LOG needs
sign_opt () {
	case $1 in
	s) echo "--sign-key k$cur" ;;
	esac
}

# check_lock LOG: a ref lock left behind blocks the next append with
# exit 3 naming it and saying to remove it; the operator does so
check_lock () {
	test -e repo.git/refs/audit/$1.lock || return 0
	stale_locks=$((stale_locks + 1))
	count $1 || return 1
	locked=$records
	ANNAL_TEST_LOCK_STALE_MS=$STALE_MS annal append --log $1 $(sign_opt $1) \
		--actor k --action blocked >lock.out 2>lock.err
	lrc=$?
	test $lrc = 3 || {
		fail "append with a stale $1.lock exited $lrc, wanted 3: $(cat lock.err)"
		return 1
	}
	test_must_be_empty lock.out &&
	test_line_count = 1 lock.err &&
	grep "^annal: error: .*refs/audit/$1\.lock' exists; .*remove it" lock.err >/dev/null || {
		fail "stale $1.lock not reported as it should be: $(cat lock.err)"
		return 1
	}
	count $1 &&
	test "$records" = "$locked" || {
		fail "append with a stale lock wrote to log $1"
		return 1
	}
	rm -f repo.git/refs/audit/$1.lock &&
	annal append --log $1 $(sign_opt $1) --actor k --action unblocked >lock.out || {
		fail "append after removing $1.lock failed"
		return 1
	}
}

# check_pack_lock: an annal-pack.lock left behind makes annal pack exit 3
# saying to remove it
check_pack_lock () {
	test -e repo.git/annal-pack.lock || return 0
	pack_locks=$((pack_locks + 1))
	annal pack >lock.out 2>lock.err
	lrc=$?
	test $lrc = 3 &&
	grep "^annal: error: cannot lock .*annal-pack.lock.*remove the file" lock.err >/dev/null || {
		fail "annal pack with a stale lock exited $lrc: $(cat lock.err)"
		return 1
	}
	rm -f repo.git/annal-pack.lock &&
	annal pack -q || {
		fail "annal pack after removing the lock failed"
		return 1
	}
}

# kill_after DELAY INPUT CMD...: run CMD reading INPUT, SIGKILL it after
# DELAY seconds; returns its exit status (137 when the kill landed)
kill_after () {
	ka_delay_=$1
	ka_input_=$2
	shift 2
	"$@" <"$ka_input_" &
	ka_pid_=$!
	sleep $ka_delay_
	kill -9 $ka_pid_ 2>/dev/null
	wait $ka_pid_
}

# kill_one: run $op on $size records, SIGKILL it after $delay seconds,
# check what it left
kill_one () {
	log=main
	case $op in
	signed | bundle | rotate) log=s ;;
	esac
	count $log || return 1
	before=$records
	next=$((cur + 1))
	case $op in
	append)
		kill_after $delay /dev/null annal append --actor k --action "run $run" \
			>out 2>err ;;
	batch)
		kill_after $delay batch.$size annal append --stdin >out 2>err ;;
	signed)
		kill_after $delay batch.$size annal append --log s --stdin \
			--sign-key k$cur >out 2>err ;;
	stream)
		kill_after $delay batch.$size annal append --stdin --stream \
			>out 2>err ;;
	bundle)
		kill_after $delay /dev/null annal export --log s --bundle b$run.zip \
			--sign-key k$cur --as auditor >out 2>err ;;
	rotate)
		test -f k$next || annal keygen -f k$next -C k$next >/dev/null || return 1
		kill_after $delay /dev/null annal key rotate --log s --new-key k$next.pub \
			--sign-key k$cur --retire >out 2>err ;;
	esac
	rc=$?
	case $rc in
	137) killed=$((killed + 1)) ;;
	0) finished=$((finished + 1)) ;;
	*) fail "unexpected exit status"; return 1 ;;
	esac
	if test $log = s
	then
		annal verify --log s --key k1.pub >verify.out 2>verify.err
	else
		annal verify >verify.out 2>verify.err
	fi || {
		fail "verify fails: $(cat verify.out verify.err)"
		return 1
	}
	count $log || return 1
	added=$((records - before))
	check_printed $log || return 1
	printed=$(wc -l <printed)
	case $op in
	stream)
		# answered lines are durable; the rest may or may not be
		test $added -ge $printed && test $added -le $size ||
			{ fail "$added records added, $printed answered"; return 1; } ;;
	*)
		test $added = 0 || test $added = $size ||
			{ fail "$added of $size records added"; return 1; }
		# ids are printed once the batch has landed: a kill while
		# they are printed leaves the first of them (and a part line)
		test $printed -le $size ||
			{ fail "$printed ids printed for $size records"; return 1; }
		test $printed = 0 || test $added = $size ||
			{ fail "ids printed, records not added"; return 1; } ;;
	esac
	if test $rc = 0
	then
		case $op in
		bundle) test -f b$run.zip && test $added = 1 ;;
		*) test $printed = $size ;;
		esac || { fail "finished without its full output"; return 1; }
	fi
	case $op in
	rotate)
		annal key list --log s >keys || { fail "key list fails"; return 1; }
		if grep "$(cut -d" " -f2 k$next.pub)" keys >/dev/null
		then
			test $added = 1 || { fail "key trusted, no rotation record"; return 1; }
			cur=$next
			rotations=$((rotations + 1))
		else
			test $added = 0 || { fail "rotation record, key not trusted"; return 1; }
		fi ;;
	bundle)
		# a bundle is linked in place only once its export is
		# recorded; a kill in between leaves it under a temporary name
		if test -f b$run.zip
		then
			test $added = 1 || { fail "bundle without its export record"; return 1; }
			annal log --log s -n 1 --format json >rec &&
			sha=$(sha256sum b$run.zip | cut -d" " -f1) &&
			grep "\"sha256\":\"$sha\"" rec >/dev/null ||
				{ fail "the export record names another bundle"; return 1; }
		elif test $added = 1
		then
			# the recorded bundle is whole under its temporary name
			annal log --log s -n 1 --format json >rec &&
			for f in b$run.zip.tmp-*
			do
				sha=$(sha256sum "$f" | cut -d" " -f1) &&
				grep "\"sha256\":\"$sha\"" rec >/dev/null &&
				annal audit-verify --key k$cur.pub "$f" >/dev/null &&
				recorded_temp=$((recorded_temp + 1)) &&
				break
			done
			test -f b$run.zip.tmp-* ||
				{ fail "export recorded, no bundle"; return 1; }
		fi ;;
	esac
	check_lock $log &&
	check_pack_lock
}

test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	git -C repo.git config annal.autoPack 40 &&
	annal keygen -f k1 -C k1 >/dev/null &&
	annal append --actor k --action first >/dev/null &&
	annal append --log s --sign-key k1 --actor k --action first >/dev/null &&
	for n in 1 3 7 8 9 30 100 300
	do
		for i in $(test_seq $n)
		do
			echo "{\"actor\":\"batch\",\"action\":\"b$n\",\"i\":$i}" || return 1
		done >batch.$n || return 1
	done &&
	python3 "$KILL" plan $kill_seed $kill_runs >plan &&
	test_line_count = $kill_runs plan
'

say "ANNAL_KILL_SEED=$kill_seed, until $kill_min kills"

test_expect_success "kill matrix (ANNAL_KILL_SEED=$kill_seed)" '
	cur=1 &&
	run=0 &&
	while test $killed -lt $kill_min && read op size delay
	do
		run=$((run + 1)) &&
		kill_one || return 1
	done <plan &&
	say "seed $kill_seed: $run runs, $killed killed, $finished finished," \
		"$stale_locks stale ref locks, $pack_locks stale pack locks," \
		"$rotations rotations, $recorded_temp recorded bundles left under a temporary name" &&
	test $killed -ge $kill_min
'

test_expect_success 'both logs take appends and verify, from the first key' '
	annal append --actor k --action last >/dev/null &&
	annal append --log s --sign-key k$cur --actor k --action last >/dev/null &&
	annal verify --all &&
	annal verify --log s --key k1.pub
'

test_expect_success 'what killed batches and packs left is only temporary files' '
	ls repo.git/objects/pack >files &&
	{ grep -v "^pack-[0-9a-f]*\.\(pack\|idx\)$" files >left || :; } &&
	{ grep -v "^\(annal_tmp_pack\|annal_tmp_idx\|annal_tmp_keep\|pack_git2\)_" left >other || :; } &&
	# and the .keep of a pack whose writer died before its ref moved
	# (or before the pack was renamed into place)
	for k in $(grep "^pack-[0-9a-f]*\.keep$" other)
	do
		grep "^annal: pending since [0-9]*, pid [0-9]* on " repo.git/objects/pack/$k ||
		return 1
	done &&
	{ grep -v "^pack-[0-9a-f]*\.keep$" other >other2 || :; } &&
	test_must_be_empty other2 &&
	say "$(wc -l <left) temporary files left in objects/pack (annal pack removes them after an hour)"
'

test_done
