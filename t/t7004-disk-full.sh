#!/bin/sh

test_description='a full disk at every step: exit 3, one line, the log whole

A preloaded shim (t/helper/fault.c) counts what a command does to the
disk (each write, creation, mkdir, link, rename, sync) and runs out of
space at the Nth of them.  For every command that writes (a single
append to a new log and to an existing one, a batch, a stream, a signed
batch, a key rotation, export -o, export --bundle, annal pack and annal
init), the trace of a run is recorded once; then, on a fresh copy of
the same repository each time, the disk is full from each operation on,
and for each write also from one byte into it and one byte before its
end.  Each run must succeed whole or exit 3 with one line ending in
"No space left on device", print no id it did not land (a stream keeps
exactly the lines it answered), leave no lock or temporary file, and
leave a repository that annal verify, the storage checker of
test-lib.sh, git fsck --strict and, for the signed log, git
verify-commit on every record all accept.  make check runs the bytes on
either side for the batch of 30 and every other operation of the other
commands; ANNAL_TEST_FULL=1 runs every point of every command and adds a
batch of 300 and a stream of 30.  As root, a small tmpfs fills up for
real.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"
. "$TEST_DIRECTORY/lib-fault.sh"

# libarchive, built without frame pointers, leaks on a full disk (see
# t/lsan.supp): unwind fully, so that its frames show and match there
ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
export ASAN_OPTIONS

test_lazy_prereq TMPFS '
	test "$(id -u)" = 0 &&
	mkdir m &&
	mount -t tmpfs -o size=256k tmpfs m &&
	umount m
'

if ! test_have_prereq PYTHON3 || ! test_have_prereq GITSSH
then
	skip_all='python3, or git that verifies SSH signatures, is not available'
	test_done
fi

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

# check_left: no lock and no temporary file in or beside the repository
check_left () {
	find repo.git -name "*.lock" >left &&
	find repo.git/objects -name "*tmp_*" -o -name "pack_git2_*" >>left &&
	{ ls b.zip.tmp-* e.jsonl.* 2>/dev/null >>left || :; } &&
	test_must_be_empty left
}

# full NAME N ROOM PHASE: NAME on a fresh copy with the disk full from
# operation N on (ROOM bytes of it written first): it succeeds whole, or
# exits 3 with one line and lands nothing it did not print
full () {
	fname_=$1
	fpoint_="$fname_ at $2+$3 ($4)"
	flog_=$(fault_log_of $fname_)
	fsize_=$(fault_size_of $fname_)
	fault_fresh &&
	n0_=$(fault_count $flog_) &&
	before_=$(git -C repo.git rev-parse -q --verify refs/audit/$flog_) || :
	fault_cmd $fname_ FAULT_AT=$2 FAULT_ROOM=$3
	rc_=$?
	grep -x "[0-9a-f]\{40\}" out >printed
	n1_=$(fault_count $flog_)
	case $rc_ in
	0)
		test_must_be_empty err &&
		case $fname_ in
		bundle) test -f b.zip && test $n1_ = $((n0_ + 1)) ;;
		export) test -s e.jsonl && test $n1_ = $((n0_ + 1)) ;;
		pack | init) : ;;
		*) test_line_count = $fsize_ printed && test $n1_ = $((n0_ + fsize_)) ;;
		esac || { echo "$fpoint_: finished, but not whole"; return 1; }
		;;
	3)
		failures=$((failures + 1))
		test_line_count = 1 err &&
		grep "^annal: error: .*: No space left on device\($\|; the bundle recorded as [0-9a-f]* is kept as 'b\.zip\.tmp-[A-Za-z0-9]*'$\)" err >/dev/null || {
			echo "$fpoint_: no clear message:"
			cat err
			return 1
		}
		if test -s printed
		then
			# a stream answers a line once it is durable; the
			# others print ids on failure only when the ref moved
			# and a sync after it failed, and then all of them
			case $fname_ in
			stream*) ;;
			*)
				grep "appended, but not yet safe from a crash: " err >/dev/null &&
				test_line_count = $fsize_ printed || {
					echo "$fpoint_: failed, but printed ids"
					cat err
					return 1
				}
				unsynced=$((unsynced + 1))
				;;
			esac
			git -C repo.git rev-list refs/audit/$flog_ | sort >all &&
			sort printed >printed.sorted &&
			comm -23 printed.sorted all >lost &&
			test_must_be_empty lost &&
			test $n1_ = $((n0_ + $(wc -l <printed))) || return 1
		elif grep " is kept as " err >/dev/null
		then
			: the export is recorded: checked below
		elif test "$(git -C repo.git rev-parse -q --verify refs/audit/$flog_)" != "$before_"
		then
			# the export record moved the ref, then the fsync of
			# the bundle'"'"'s directory, once linked, failed;
			# nothing else may do so without printing its ids
			# (or, for the records key rotate and export write
			# for themselves, the sync after the ref moved failed)
			grep "cannot sync '\.': No space\|appended, but not yet safe from a crash: " err >/dev/null || {
				echo "$fpoint_: failed, but the ref moved"
				cat err
				return 1
			}
			unreported=$((unreported + 1))
		fi
		# an export recorded, its bundle not linked: kept whole under
		# the temporary name the message gives
		kept=$(sed -n "s/.* is kept as .\(b\.zip\.tmp-[A-Za-z0-9]*\).$/\1/p" err)
		if test -n "$kept"
		then
			test $n1_ = $((n0_ + 1)) &&
			annal log --log s -n 1 --format json >rec &&
			grep "\"sha256\":\"$(sha256sum "$kept" | cut -d" " -f1)\"" rec >/dev/null &&
			annal audit-verify --key k1.pub "$kept" >/dev/null &&
			rm "$kept" || {
				echo "$fpoint_: the bundle kept as $kept is not the one recorded"
				return 1
			}
			kept_bundles=$((kept_bundles + 1))
		fi
		case $fname_ in
		bundle) test $unreported != 0 || test_path_is_missing b.zip ;;
		export)
			# a recorded export kept its file, whole
			if test $n1_ = $n0_
			then
				test_path_is_missing e.jsonl
			else
				grep "appended, but not yet safe from a crash: " err >/dev/null &&
				test -s e.jsonl
			fi
			;;
		esac || return 1
		;;
	*)
		echo "$fpoint_: exit $rc_, wanted 0 or 3"
		cat err
		return 1
		;;
	esac
	if test $fname_ = init
	then
		# none, a whole repository, or a directory that annal init
		# names as neither empty nor a repository when run again
		test $rc_ = 0 || ! test -e new.git ||
		annal init new.git >/dev/null 2>init.err ||
		grep "^annal: error: .new\.git. is a directory that is neither empty nor a git repository" init.err >/dev/null || {
			echo "$fpoint_: annal init left new.git unusable"
			cat init.err
			return 1
		}
		return 0
	fi
	check_left || { echo "$fpoint_: left a lock or a temporary file"; return 1; }
	if test $flog_ = s
	then
		fault_oracles s allowed
	elif test $n1_ != 0
	then
		fault_oracles $flog_
	fi || { echo "$fpoint_: the repository does not check out"; return 1; }
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

# the bytes on either side for these in make check; the others sampled
# (every other operation)
if test -n "$ANNAL_TEST_FULL"
then
	CMDS="new single batch30 batch300 stream3 stream30 signed rotate export bundle pack autopack init"
	EDGES="$CMDS"
	SAMPLE=1
else
	SAMPLE=2
	CMDS="new single batch30 stream3 signed rotate export bundle pack autopack init"
	EDGES="batch30"
fi

for cmd in $CMDS
do
	test_expect_success FAULT_SHIM "$cmd: the disk full at each step" '
		fault_trace $cmd fault_cmd $cmd &&
		case " $EDGES " in
		*" $cmd "*) fault_points enospc-edges <trace.$cmd >points ;;
		*) fault_points enospc $SAMPLE <trace.$cmd >points ;;
		esac &&
		failures=0 &&
		unreported=0 &&
		unsynced=0 &&
		kept_bundles=0 &&
		while read n room phase
		do
			full $cmd $n $room "$phase" || return 1
		done <points &&
		say "$cmd: $(fault_phases points); $failures failed," \
			"$unsynced landed unsynced (ids printed, exit 3)," \
			"$unreported bundles linked unsynced, $kept_bundles bundles kept" &&
		test_figure "full-disk-points-$cmd" $(wc -l <points) &&
		test $failures -gt 0
	'
done

test_expect_success FAULT_SHIM 'batch of 30, the disk full in the pack header rewrite: ENOSPC' '
	fault_trace batch30 fault_cmd batch30 &&
	n=$(awk "/ pack header rewrite\$/ { print \$1 }" trace.batch30) &&
	test -n "$n" &&
	for room in 0 1 2 3
	do
		fault_fresh &&
		test_expect_code 3 fault_run FAULT_AT=$n FAULT_ROOM=$room -- \
			annal append --stdin <batch.30 >out 2>err &&
		test_must_be_empty out &&
		grep "^annal: error: cannot write .*/objects/pack/annal_tmp_pack_.*: No space left on device$" err ||
		return 1
	done
'

# The ref names the new records once renamed into place; libgit2 then
# fsyncs refs/audit/, and when that fails annal exits 3 without printing
# the ids of records that are in the log: a caller that retries appends
# them twice.
test_expect_success FAULT_SHIM 'the fsync after the ref moved fails: the ids are printed' '
	fault_trace single fault_cmd single &&
	n=$(awk "/ rename refs\/audit\/main.lock -> refs\/audit\/main\$/ { print \$1 + 1 }" trace.single) &&
	grep "^$n 0 fsync refs/audit\$" trace.single &&
	fault_fresh &&
	before=$(git -C repo.git rev-parse refs/audit/main) &&
	test_expect_code 3 fault_cmd single FAULT_AT=$n &&
	test "$(git -C repo.git rev-parse refs/audit/main^)" = "$before" &&
	git -C repo.git rev-parse refs/audit/main >expect &&
	test_cmp expect out
'

# export -o recorded the export, then fsynced the file, which it removed
# when that failed: the log recorded an export that left nothing.
test_expect_success FAULT_SHIM 'export -o: the fsync of the file fails: no export recorded' '
	fault_trace export fault_cmd export &&
	n=$(awk "/ fsync e\\.jsonl(\\.tmp-X)?\$/ { print \$1 }" trace.export) &&
	test -n "$n" &&
	fault_fresh &&
	before=$(git -C repo.git rev-parse refs/audit/s) &&
	test_expect_code 3 fault_cmd export FAULT_AT=$n &&
	test "$(git -C repo.git rev-parse refs/audit/s)" = "$before"
'

test_expect_success FAULT_SHIM 'with space again, every command succeeds' '
	for cmd in $CMDS
	do
		full $cmd 0 0 "no fault" || return 1
	done
'

test_expect_success TMPFS 'a tmpfs that fills up: exit 3, then appends again' '
	mkdir small &&
	mount -t tmpfs -o size=512k tmpfs small &&
	test_when_finished "umount \"$(pwd)/small\"" &&
	annal init small/repo.git >/dev/null &&
	annal -C small/repo.git append --actor k --action first >/dev/null &&
	head=$(git -C small/repo.git rev-parse refs/audit/main) &&
	{ dd if=/dev/zero of=small/filler bs=4k 2>/dev/null || :; } &&
	test_expect_code 3 annal -C small/repo.git append --actor k --action full \
		>out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: .*No space left on device$" err &&
	test_expect_code 3 annal -C small/repo.git append --stdin <batch.300 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: .*No space left on device$" err &&
	test "$(git -C small/repo.git rev-parse refs/audit/main)" = "$head" &&
	annal -C small/repo.git verify &&
	find small/repo.git -name "*.lock" -o -name "tmp_*" >left &&
	test_must_be_empty left &&
	rm small/filler &&
	annal -C small/repo.git append --actor k --action space >/dev/null &&
	annal -C small/repo.git append --stdin <batch.300 >ids &&
	test_line_count = 300 ids &&
	annal -C small/repo.git verify
'

test_done
