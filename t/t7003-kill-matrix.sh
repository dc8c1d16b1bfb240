#!/bin/sh

test_description='SIGKILL before every step of every writing command

A preloaded shim (t/helper/fault.c) counts what a command does to the
disk (each write, creation, mkdir, link, rename, sync, unlink) and kills
the process with SIGKILL just before the Nth of them.  For a single
append to a new log and to an existing one, a batch, a stream, a signed
batch, a key rotation, export -o, export --bundle, annal pack, an append
that packs automatically and annal init, the trace of a run is recorded
once; then, on a fresh copy of the same repository each time, the
command is killed before each of its operations in turn: no delay, no
seed, the same points in every run.  After each kill: every id printed
is a record of the log; a batch landed whole or not at all, a stream at
least the lines it answered; a rotation record exists exactly when its
key is trusted; a bundle in place, or one left under its temporary name,
is the one its export record names; a ref lock left behind makes the
next append exit 3 naming it and saying to remove it, and appends work
once it is removed; an annal-pack.lock the same for annal pack; and
annal verify, the storage checker of test-lib.sh, git fsck --strict and,
for the signed log, git verify-commit on every record accept the
repository.  The phases each command was killed in are printed.  make
check kills before every operation of the batch of 30 and the bundle
export, and before one in three of the others; ANNAL_TEST_FULL=1 kills
before every operation of every command and adds a batch of 300 and a
stream of 30.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"
. "$TEST_DIRECTORY/lib-fault.sh"

# The shim kills a process at one of its operations, never while it
# exits: leak checks stay on, also in the processes it kills (see
# testing.md, "Sanitizers").

if ! test_have_prereq PYTHON3 || ! test_have_prereq GITSSH
then
	skip_all='python3, or git that verifies SSH signatures, is not available'
	test_done
fi

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# a lock is stale after 300 ms here, not 5 s: t7001 checks the default
STALE_MS=300

sign_opt () {
	case $1 in
	s) echo "--sign-key k$2" ;;
	esac
}

# check_lock LOG KEY: a ref lock left behind blocks the next append with
# exit 3 naming it and saying to remove it; the operator does so
check_lock () {
	test -e repo.git/refs/audit/$1.lock || return 0
	stale_locks=$((stale_locks + 1))
	locked=$(fault_count $1)
	ANNAL_TEST_LOCK_STALE_MS=$STALE_MS annal append --log $1 $(sign_opt $1 $2) \
		--actor k --action blocked >lock.out 2>lock.err
	lrc=$?
	test $lrc = 3 &&
	test_must_be_empty lock.out &&
	test_line_count = 1 lock.err &&
	grep "^annal: error: .*refs/audit/$1\.lock' exists; .*remove it" lock.err >/dev/null &&
	test "$(fault_count $1)" = "$locked" || {
		echo "$kpoint: append with a stale $1.lock exited $lrc:"
		cat lock.err
		return 1
	}
	rm -f repo.git/refs/audit/$1.lock &&
	annal append --log $1 $(sign_opt $1 $2) --actor k --action unblocked >lock.out || {
		echo "$kpoint: append after removing $1.lock failed"
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
		echo "$kpoint: annal pack with a stale lock exited $lrc:"
		cat lock.err
		return 1
	}
	rm -f repo.git/annal-pack.lock &&
	annal pack -q || {
		echo "$kpoint: annal pack after removing the lock failed"
		return 1
	}
}

# check_export FILE: the last record of log s is an export of FILE
check_export () {
	annal log --log s -n 1 --format json >rec &&
	grep "\"sha256\":\"$(sha256sum "$1" | cut -d" " -f1)\"" rec >/dev/null
}

# kill_at NAME N PHASE: NAME on a fresh copy, killed before operation N
kill_at () {
	kname=$1
	kpoint="$1 killed before $2 ($3)"
	klog=$(fault_log_of $kname)
	ksize=$(fault_size_of $kname)
	fault_fresh &&
	before=$(fault_count $klog) || return 1
	fault_cmd $kname FAULT_DO=kill FAULT_AT=$2
	rc=$?
	test $rc = 137 || {
		echo "$kpoint: exit $rc, wanted 137 (killed)"
		cat err
		return 1
	}
	killed=$((killed + 1))
	if test $kname = init
	then
		# none, a repository, or a directory annal init names
		# or one whose stale config.lock annal init names
		! test -e new.git ||
		annal init new.git >/dev/null 2>init.err ||
		grep "^annal: error: .new\.git. is a directory that is neither empty nor a git repository" init.err >/dev/null ||
		grep "^annal: error: .*new\.git/config\.lock" init.err >/dev/null || {
			echo "$kpoint: annal init left new.git unusable"
			cat init.err
			return 1
		}
		return 0
	fi
	after=$(fault_count $klog)
	added=$((after - before))
	grep -x "[0-9a-f]\{40\}" out >printed
	printed=$(wc -l <printed)
	if test -s printed
	then
		git -C repo.git rev-list refs/audit/$klog | sort >all &&
		sort printed >printed.sorted &&
		comm -23 printed.sorted all >lost &&
		test_must_be_empty lost || {
			echo "$kpoint: printed ids are not in log $klog"
			return 1
		}
	fi
	case $kname in
	stream*)
		# answered lines are durable; the rest may or may not be
		test $added -ge $printed && test $added -le $ksize ;;
	pack) test $added = 0 ;;
	autopack)
		test $added -le 1 && { test $printed = 0 || test $added = 1; } ;;
	*)
		{ test $added = 0 || test $added = $ksize; } &&
		{ test $printed = 0 || test $added = $ksize; } ;;
	esac || {
		echo "$kpoint: $added records added, $printed ids printed"
		return 1
	}
	case $kname in
	rotate)
		annal key list --log s >keys &&
		if grep "$(cut -d" " -f2 k2.pub)" keys >/dev/null
		then
			test $added = 1 && key=2 && rotations=$((rotations + 1))
		else
			test $added = 0 && key=1
		fi || {
			echo "$kpoint: key trusted and rotation record disagree"
			return 1
		} ;;
	bundle)
		# linked in place only once its export is recorded; a kill
		# in between leaves it whole under its temporary name
		if test -f b.zip
		then
			test $added = 1 && check_export b.zip || {
				echo "$kpoint: a bundle its export record does not name"
				return 1
			}
		elif test $added = 1
		then
			found=
			for f in b.zip.tmp-*
			do
				test -f "$f" &&
				check_export "$f" &&
				annal audit-verify --key k1.pub "$f" >/dev/null &&
				found=$f &&
				break
			done
			test -n "$found" || {
				echo "$kpoint: export recorded, no bundle it names"
				return 1
			}
			recorded_temp=$((recorded_temp + 1))
		fi ;;
	export)
		# written whole before its export is recorded
		test $added = 0 || check_export e.jsonl || {
			echo "$kpoint: export recorded, e.jsonl is not what it names"
			return 1
		} ;;
	esac
	test $kname = rotate || key=1
	check_lock $klog $key &&
	check_pack_lock &&
	if test $klog = s
	then
		annal verify --log s --key k1.pub >/dev/null &&
		fault_oracles s allowed
	elif test $(fault_count $klog) != 0
	then
		fault_oracles $klog
	fi || {
		echo "$kpoint: the repository does not check out"
		return 1
	}
	# what may be left: temporary files, and the .keep of a pack whose
	# writer died before its ref moved, saying whose it is
	ls repo.git/objects/pack >files &&
	{ grep -v "^pack-[0-9a-f]*\.\(pack\|idx\)$" files >left || :; } &&
	{ grep -v "^\(annal_tmp_pack\|annal_tmp_idx\|annal_tmp_keep\)_" left >other || :; } &&
	for k in $(grep "^pack-[0-9a-f]*\.keep$" other)
	do
		grep "^annal: pending since [0-9]*, pid [0-9]* on " repo.git/objects/pack/$k >/dev/null ||
		return 1
	done &&
	{ grep -v "^pack-[0-9a-f]*\.keep$" other >other2 || :; } &&
	test_must_be_empty other2
}

test_expect_success 'setup: a repository with two logs, one signed, three packs' '
	fault_template
'

# a shim that was built but does not work would skip the matrix unseen
test_expect_success 'the fault shim works where it is built' '
	if test -f "$FAULT_SO"
	then
		test_have_prereq FAULT_SHIM
	fi
'

if test -n "$ANNAL_TEST_FULL"
then
	CMDS="new single batch30 batch300 stream3 stream30 signed rotate export bundle pack autopack init"
	SAMPLE=1
else
	CMDS="new single batch30 stream3 signed rotate export bundle pack autopack init"
	SAMPLE=3
fi
# every point of these in make check too
ALL="batch30 bundle"

for cmd in $CMDS
do
	test_expect_success FAULT_SHIM "$cmd: killed before each step" '
		fault_trace $cmd fault_cmd $cmd &&
		case " $ALL " in
		*" $cmd "*) fault_points kill <trace.$cmd >points ;;
		*) fault_points kill $SAMPLE <trace.$cmd >points ;;
		esac &&
		killed=0 stale_locks=0 pack_locks=0 rotations=0 recorded_temp=0 &&
		while read n room phase
		do
			kill_at $cmd $n "$phase" || return 1
		done <points &&
		say "$cmd: $(fault_phases points)" &&
		say "$cmd: $killed killed, $stale_locks stale ref locks," \
			"$pack_locks stale pack locks, $rotations rotations," \
			"$recorded_temp recorded bundles under a temporary name" &&
		test_figure "kills-$cmd" $killed &&
		test $killed = $(wc -l <points)
	'
done

test_done
