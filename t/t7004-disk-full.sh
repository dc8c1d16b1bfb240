#!/bin/sh

test_description='a full disk: appends fail with exit 3 and leave the log whole

The disk fills up at every point of an append, a batch, a stream, a key
rotation and a bundle export: a preloaded shim (t/helper/enospc.c) lets a
process write N bytes to files, then fails its writes with ENOSPC, or
fails fsync() alone.  Each command then exits 3 with one line naming the
cause, the log verifies, its ref has not moved (a stream may have landed
the lines it answered), no lock or temporary file is left; once there is
space again, the same commands succeed.  As root, a small tmpfs fills up
for real.'

. "$(dirname "$0")/test-lib.sh"

SHIM="$ANNAL_BUILD_DIR/t/helper/.libs/enospc.so"
# libarchive, built without frame pointers, leaks on a full disk (see
# t/lsan.supp): unwind fully, so that its frames show and match there
ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
export ASAN_OPTIONS
# A sanitizer build (configure --enable-sanitizers) must have the ASan
# runtime first in the list of preloaded libraries.
PRELOAD=$SHIM
asan_=$(ldd "$ANNAL_BUILD_DIR/annal" 2>/dev/null | sed -n "s/^[	 ]*libasan[^ ]* => \([^ ]*\) .*/\1/p")
test -n "$asan_" && PRELOAD="$asan_ $SHIM"

# the shim loads and fails a write to a file, not one to a pipe
test_lazy_prereq ENOSPC_SHIM '
	test -f "$SHIM" &&
	test "$(LD_PRELOAD="$PRELOAD" sh -c "echo ok")" = ok &&
	! LD_PRELOAD="$PRELOAD" sh -c "echo x >f" 2>/dev/null
'
test_lazy_prereq TMPFS '
	test "$(id -u)" = 0 &&
	mkdir m &&
	mount -t tmpfs -o size=256k tmpfs m &&
	umount m
'

if ! test_have_prereq GIT
then
	skip_all='git is not available'
	test_done
fi

BUDGETS="0 1 100 400 1000 4000 16000 64000"
failures=0

# run_cmd NAME: run command NAME (see below) with standard streams to
# out and err; what the environment says about space applies
run_cmd () {
	case $1 in
	single) annal append --actor k --action single ;;
	batch5) annal append --stdin <batch.5 ;;
	batch30) annal append --stdin <batch.30 ;;
	batch300) annal append --stdin <batch.300 ;;
	stream30) annal append --stdin --stream <batch.30 ;;
	stream300) annal append --stdin --stream <batch.300 ;;
	signed) annal append --log s --stdin --sign-key k$cur <batch.30 ;;
	rotate)
		annal key rotate --log s --new-key k$((cur + 1)).pub --sign-key k$cur --retire ;;
	bundle)
		rm -f b.zip &&
		annal export --log s --bundle b.zip --sign-key k$cur ;;
	esac >out 2>err
}

log_of () {
	case $1 in
	signed | rotate | bundle) echo s ;;
	*) echo main ;;
	esac
}

size_of () {
	case $1 in
	batch5) echo 5 ;;
	batch30 | stream30 | signed) echo 30 ;;
	batch300 | stream300) echo 300 ;;
	*) echo 1 ;;
	esac
}

# check_left LOG: no lock and no temporary file in the repository
check_left () {
	find repo.git -name "*.lock" >locks &&
	test_must_be_empty locks &&
	find repo.git/objects -name "tmp_*" -o -name "pack_git2_*" >tmp &&
	test_must_be_empty tmp &&
	{ ls b.zip.tmp-* 2>/dev/null >tmp || :; } &&
	test_must_be_empty tmp
}

# full NAME VAR=VALUE...: run command NAME on a disk filled as the
# variables say (ENOSPC_BYTES, ENOSPC_FSYNC); it succeeds whole or fails
# with exit 3, one line, nothing written
full () {
	fname_=$1
	shift
	flog_=$(log_of $fname_)
	fsize_=$(size_of $fname_)
	before_=$(git -C repo.git rev-parse refs/audit/$flog_) &&
	n0_=$(git -C repo.git rev-list --count refs/audit/$flog_) || return 1
	(
		for v in "$@"
		do
			export "$v" || exit 99
		done
		LD_PRELOAD="$PRELOAD" &&
		export LD_PRELOAD &&
		run_cmd $fname_
	)
	rc_=$?
	grep -x "[0-9a-f]\{40\}" out >printed
	n1_=$(git -C repo.git rev-list --count refs/audit/$flog_) || return 1
	case $rc_ in
	0)
		test_must_be_empty err || return 1
		case $fname_ in
		bundle) test -f b.zip && test $n1_ = $((n0_ + 1)) ;;
		*) test_line_count = $fsize_ printed && test $n1_ = $((n0_ + fsize_)) ;;
		esac || { echo "$fname_ $*: finished, but not whole"; return 1; }
		test $fname_ = rotate && cur=$((cur + 1))
		;;
	3)
		failures=$((failures + 1))
		test_line_count = 1 err &&
		grep "^annal: error: .*: No space left on device$" err >/dev/null || {
			echo "$fname_ $*: no clear message:"
			cat err
			return 1
		}
		if test -s printed
		then
			# a stream answers a line once it is durable
			test $fname_ = stream30 || test $fname_ = stream300 || {
				echo "$fname_ $*: failed, but printed ids"
				return 1
			}
			git -C repo.git rev-list refs/audit/$flog_ | sort >all &&
			sort printed >printed.sorted &&
			comm -23 printed.sorted all >lost &&
			test_must_be_empty lost &&
			test $n1_ = $((n0_ + $(wc -l <printed))) || return 1
		else
			test "$(git -C repo.git rev-parse refs/audit/$flog_)" = "$before_" || {
				echo "$fname_ $*: failed, but the ref moved"
				return 1
			}
		fi
		test $fname_ != bundle || test_path_is_missing b.zip || return 1
		;;
	*)
		echo "$fname_ $*: exit $rc_, wanted 0 or 3"
		cat err
		return 1
		;;
	esac
	annal verify --log $flog_ >/dev/null || {
		echo "$fname_ $*: the log does not verify"
		return 1
	}
	check_left
}

test_expect_success 'setup' '
	annal init repo.git &&
	ANNAL_REPO="$(pwd)/repo.git" &&
	export ANNAL_REPO &&
	for i in $(test_seq 20)
	do
		annal keygen -f k$i -C k$i >/dev/null || return 1
	done &&
	annal append --actor k --action first >/dev/null &&
	annal append --log s --sign-key k1 --actor k --action first >/dev/null &&
	for n in 5 30 300
	do
		for i in $(test_seq $n)
		do
			echo "{\"actor\":\"batch\",\"action\":\"b$n\",\"i\":$i}" || return 1
		done >batch.$n || return 1
	done &&
	cur=1
'

for cmd in single batch5 batch30 batch300 stream30 stream300 signed rotate bundle
do
	test_expect_success ENOSPC_SHIM "$cmd on a disk that fills up: exit 3 or whole" '
		failures=0 &&
		for b in $BUDGETS
		do
			full $cmd ENOSPC_BYTES=$b || return 1
		done &&
		say "$cmd: $failures of $(echo $BUDGETS | wc -w) fill levels failed" &&
		test $failures -ge 3
	'

	test_expect_success ENOSPC_SHIM "$cmd when fsync finds no space: exit 3" '
		failures=0 &&
		full $cmd ENOSPC_FSYNC=1 &&
		test $failures = 1
	'
done

test_expect_success ENOSPC_SHIM 'the message names the file and the cause' '
	test_expect_code 3 env LD_PRELOAD="$PRELOAD" annal append --stdin <batch.30 >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: cannot write .*/objects/pack/annal_tmp_pack_.*: No space left on device$" err
'

test_expect_success 'with space again, every command succeeds' '
	for cmd in single batch5 batch30 batch300 stream30 stream300 signed rotate bundle
	do
		full $cmd ENOSPC_BYTES=1000000000 || return 1
	done &&
	annal verify --all &&
	annal verify --log s --key k1.pub
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
