# test-lib.sh - shell test harness for annal
#
# SPDX-License-Identifier: MIT
#
# Written for annal from the documented behaviour of git's test suite
# (t/README): the function names and their meaning follow git's, the code
# is our own.  A test script looks like
#
#	#!/bin/sh
#	test_description='what this script covers'
#	. "$(dirname "$0")/test-lib.sh"
#
#	test_expect_success 'setup' '
#		annal_repo_init
#	'
#	test_done
#
# and speaks TAP on stdout.  Options: -v/--verbose (show the output of
# the tests; also ANNAL_TEST_VERBOSE=1), -x (trace the tests, implies -v),
# -i/--immediate (stop at the first failure), -d/--debug (keep the trash
# directory), --root=<dir> (create the trash directory under <dir>),
# --no-chain-lint.
#
# Environment: ANNAL_BUILD_DIR (where the built annal is; default: the
# parent of the script's directory), ANNAL_SOURCE_DIR (the source tree,
# read only; same default), ANNAL_TEST_WRAPPER (a command put in front of
# every run of annal, e.g. valgrind: see `make check-valgrind`; shell
# words, so a path with a space in it is quoted inside the value),
# ANNAL_TEST_FULL (set by `make check-full`: slow matrices and stress
# loops run in full, not in the reduced form of `make check`),
# ANNAL_TEST_SKIPS_ALLOWED (the skip allowlist; default t/skips-allowed),
# ANNAL_TEST_WRAPPER_EVERY=N (only the 1st, N+1-th, 2N+1-th... run of
# annal in a script goes through ANNAL_TEST_WRAPPER, the others run bare:
# a reduced memcheck of a long script, all of whose tests still run),
# ANNAL_TEST_TIMEOUT (seconds a test may run, 1200 by default, ten times
# that under ANNAL_TEST_WRAPPER: a test that takes longer is killed and
# fails, and the script stops, so a hang fails instead of stalling CI).
#
# Skips: every test skipped for a missing prerequisite, and every part of
# a test left out for one (test_optional_prereq), is written to
# t/<script>.skips (script, test number, prerequisites, verdict, title; tab
# separated).  With CI=true (or ANNAL_TEST_NO_SKIPS=1) a skip the
# allowlist does not name fails instead: a missing tool must not turn a
# check into a silent pass.
#
# Sanitizers (./configure --enable-sanitizers): a finding aborts the
# program, so it fails test_must_fail and test_expect_code as well as a
# command expected to succeed; the report also goes to a log file, and a
# test during which any process wrote one fails, whatever the exit
# status it looked at.  ASAN_OPTIONS and UBSAN_OPTIONS from the caller
# are kept, after our defaults.  A wrapper can write its own reports
# there too: $ANNAL_TEST_REPORTS/report.<anything>; empty ones are fine.
#
# A script that does not need the annal binary (the harness self-test)
# sets test_needs_annal=no before sourcing this file.

# ---- options ---------------------------------------------------------------

verbose=
trace=
immediate=
debug=
chain_lint=t
test_root=
case "$ANNAL_TEST_VERBOSE" in
1 | t | true | yes) verbose=t ;;
esac

for test_arg_
do
	case "$test_arg_" in
	-v | --verbose) verbose=t ;;
	-x | --trace) trace=t; verbose=t ;;
	-i | --immediate) immediate=t ;;
	-d | --debug) debug=t ;;
	--root=*) test_root=${test_arg_#--root=} ;;
	--no-chain-lint) chain_lint= ;;
	-h | --help)
		echo "usage: $0 [-v] [-x] [-i] [-d] [--root=<dir>] [--no-chain-lint]"
		exit 0
		;;
	*)
		echo "Bail out! unknown test option '$test_arg_'"
		exit 1
		;;
	esac
done
unset test_arg_

# CI=true or ANNAL_TEST_NO_SKIPS=1: a skip fails unless t/skips-allowed
# names it (see "Skips" above).
test_skip_policy_=
case "$CI" in
true) test_skip_policy_=t ;;
esac
case "$ANNAL_TEST_NO_SKIPS" in
1 | t | true | yes) test_skip_policy_=t ;;
esac

# ---- locations -------------------------------------------------------------

if test -z "$TEST_DIRECTORY"
then
	TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd) || exit 1
fi
test_name_=${0##*/}
test_name_=${test_name_%.sh}

test_parent_dir_=$(cd "$TEST_DIRECTORY/.." && pwd) || exit 1
ANNAL_BUILD_DIR=${ANNAL_BUILD_DIR:-$test_parent_dir_}
ANNAL_SOURCE_DIR=${ANNAL_SOURCE_DIR:-$test_parent_dir_}
unset test_parent_dir_

if ! test -d "$ANNAL_BUILD_DIR"
then
	echo "Bail out! ANNAL_BUILD_DIR '$ANNAL_BUILD_DIR' is not a directory"
	exit 1
fi
ANNAL_BUILD_DIR=$(cd "$ANNAL_BUILD_DIR" && pwd) || exit 1
if test -d "$ANNAL_SOURCE_DIR"
then
	ANNAL_SOURCE_DIR=$(cd "$ANNAL_SOURCE_DIR" && pwd) || exit 1
fi
export ANNAL_BUILD_DIR ANNAL_SOURCE_DIR

if test "$test_needs_annal" != no && ! test -x "$ANNAL_BUILD_DIR/annal"
then
	if test -n "$test_skip_policy_"
	then
		echo "Bail out! annal is not built: no executable $ANNAL_BUILD_DIR/annal"
		exit 1
	fi
	echo "1..0 # SKIP annal is not built: no executable $ANNAL_BUILD_DIR/annal"
	exit 0
fi

PATH="$ANNAL_BUILD_DIR:$PATH"
export PATH

# ---- hermetic environment --------------------------------------------------

# Every ANNAL_* variable the caller may have set, except the two locations.
for test_var_ in $(env | sed -n 's/^\(ANNAL_[A-Za-z0-9_]*\)=.*/\1/p')
do
	case "$test_var_" in
	ANNAL_BUILD_DIR | ANNAL_SOURCE_DIR | ANNAL_TEST_WRAPPER | ANNAL_TEST_FULL | \
	ANNAL_TEST_NO_SKIPS | ANNAL_TEST_SKIPS_ALLOWED | ANNAL_TEST_WRAPPER_EVERY | \
	ANNAL_TEST_TIMEOUT) ;;
	*) unset "$test_var_" ;;
	esac
done
unset test_var_

LC_ALL=C
LANG=C
TZ=UTC
export LC_ALL LANG TZ
unset LANGUAGE LC_CTYPE LC_MESSAGES CDPATH
unset VISUAL EMAIL PAGER XDG_CONFIG_HOME XDG_CACHE_HOME
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_INDEX_FILE GIT_NAMESPACE
unset GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_QUARANTINE_PATH
unset GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_CONFIG_GLOBAL
unset GIT_CONFIG_SYSTEM GIT_TRACE GIT_TRACE2 GIT_TRACE2_EVENT GIT_TRACE_PERFORMANCE
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_EDITOR GIT_PAGER GIT_SSH_COMMAND
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL='author@example.com'
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL='committer@example.com'
EDITOR=:
export GIT_CONFIG_NOSYSTEM EDITOR
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

# The pinned clock (epoch seconds); test_tick moves it by a minute.
ANNAL_TEST_NOW=1795000000
export ANNAL_TEST_NOW

# Handy constants.
EMPTY_TREE=4b825dc642cb6eb9a060e54bf8d69288fbee4904
ZERO_HASH=sha256:0000000000000000000000000000000000000000000000000000000000000000
LF='
'

# ---- output plumbing -------------------------------------------------------
#
# fd 5: TAP (the original stdout), fd 7: the original stderr,
# fd 3/4: where the tests' stdout/stderr go (the terminal with -v,
# /dev/null otherwise).

exec 5>&1 7>&2
if test -n "$verbose"
then
	exec 3>&1 4>&2
else
	exec 3>/dev/null 4>/dev/null
fi

test_count=0
test_success=0
test_failure=0
test_fixed=0
test_broken=0
test_skipped=0
test_done_called_=
test_outside_dirs_=
test_in_body_=
test_cleanup_=
test_prereqs_ok_=
test_prereqs_missing_=
test_lazy_prereqs_=

say () {
	printf '# %s\n' "$*" >&5
}

# test_strace ARGS...: strace ARGS..., the traced annal without leak
# checks: LeakSanitizer cannot stop the threads of a traced process and
# reports a fatal error instead of leaks (the sanitizer build).
test_strace () {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

# test_figure NAME VALUE: a figure of this run (how many kills landed,
# how many crash states were checked) for t/figures.py, which writes
# them into Documentation/technical/testing.md.  Only figures that are
# the same in every run: nothing random, nothing timed.
test_figure () {
	test $# = 2 || BUG "test_figure NAME VALUE"
	printf '# figure: %s %s %s\n' "$test_name_" "$1" "$2" >&5
}

BUG () {
	printf 'error: bug in the test script: %s\n' "$*" >&7
	printf 'Bail out! bug in the test script: %s\n' "$*" >&5
	test_done_called_=t
	exit 1
}

test_exit_trap_ () {
	test_exit_code_=$?
	# a body that exits the script leaves its watchdog running
	test -z "$test_watchdog_" || kill -9 "$test_watchdog_" 2>/dev/null
	test -n "$test_done_called_" && return
	printf 'Bail out! %s: unexpected exit with code %s\n' \
		"$test_name_" "$test_exit_code_" >&5
	exit 1
}
trap 'test_exit_trap_' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- trash directory -------------------------------------------------------

if test -n "$test_root"
then
	mkdir -p "$test_root" || exit 1
	test_root=$(cd "$test_root" && pwd) || exit 1
else
	test_root="$ANNAL_BUILD_DIR/t"
fi
TRASH_DIRECTORY="$test_root/trash-$test_name_"
test_output_="$TRASH_DIRECTORY.out"

test_remove_trash_ () {
	rm -f "$test_output_"
	test -d "$TRASH_DIRECTORY" || return 0
	rm -rf "$TRASH_DIRECTORY" 2>/dev/null && return 0
	chmod -R u+rwx "$TRASH_DIRECTORY" 2>/dev/null
	rm -rf "$TRASH_DIRECTORY"
}

test_remove_trash_ || BUG "cannot remove $TRASH_DIRECTORY"
mkdir -p "$TRASH_DIRECTORY" || BUG "cannot create $TRASH_DIRECTORY"
cd "$TRASH_DIRECTORY" || BUG "cannot enter $TRASH_DIRECTORY"
TRASH_DIRECTORY=$(pwd -P)
HOME="$TRASH_DIRECTORY"

# Sanitizer reports, outside the trash directory, which tests list.
test_san_dir_="$test_root/trash-$test_name_.san"
rm -rf "$test_san_dir_" && mkdir -p "$test_san_dir_" ||
	BUG "cannot create $test_san_dir_"
test_san_opts_="abort_on_error=1:halt_on_error=1:log_path=$test_san_dir_/report"
ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:$test_san_opts_${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:$test_san_opts_${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# leaks of other projects' libraries we cannot fix: see the file
LSAN_OPTIONS="suppressions=$ANNAL_SOURCE_DIR/t/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
unset test_san_opts_
# for a wrapper that logs its own reports there (make check-valgrind)
ANNAL_TEST_REPORTS=$test_san_dir_
export ANNAL_TEST_REPORTS

# Skips, with the verdict of the allowlist: t/<script>.skips.
test_skips_file_="$test_root/$test_name_.skips"
rm -f "$test_skips_file_"
test_skips_allowed_=${ANNAL_TEST_SKIPS_ALLOWED:-$ANNAL_SOURCE_DIR/t/skips-allowed}
test_optional_refused_=

# ANNAL_TEST_WRAPPER: an annal first in PATH that runs the built one
# under the wrapper.
if test -n "$ANNAL_TEST_WRAPPER"
then
	test_wrap_dir_="$test_root/trash-$test_name_.bin"
	rm -rf "$test_wrap_dir_" && mkdir -p "$test_wrap_dir_" ||
		BUG "cannot create $test_wrap_dir_"
	case "$ANNAL_TEST_WRAPPER_EVERY" in
	'' | 1)
		printf '#!/bin/sh\nexec %s "%s/annal" "$@"\n' \
			"$ANNAL_TEST_WRAPPER" "$ANNAL_BUILD_DIR" ;;
	*[!0-9]* | 0)
		BUG "ANNAL_TEST_WRAPPER_EVERY must be a positive number, not '$ANNAL_TEST_WRAPPER_EVERY'" ;;
	*)
		# runs counted in a file anybody may write (as_unprivileged)
		echo 0 >"$test_wrap_dir_/count" &&
		chmod 666 "$test_wrap_dir_/count" &&
		printf '%s\n' '#!/bin/sh' \
			"c='$test_wrap_dir_/count'" \
			'n=$(($(cat "$c" 2>/dev/null) + 1))' \
			'{ echo $n >"$c"; } 2>/dev/null' \
			"if test \$(((n - 1) % $ANNAL_TEST_WRAPPER_EVERY)) = 0" \
			'then' \
			"	exec $ANNAL_TEST_WRAPPER \"$ANNAL_BUILD_DIR/annal\" \"\$@\"" \
			'fi' \
			"exec \"$ANNAL_BUILD_DIR/annal\" \"\$@\"" ;;
	esac >"$test_wrap_dir_/annal" &&
	chmod +x "$test_wrap_dir_/annal" ||
		BUG "cannot write $test_wrap_dir_/annal"
	PATH="$test_wrap_dir_:$PATH"
	export PATH
fi
# Stock git must not wander out of the trash directory into the tree
# that holds it (the build tree may itself be a git checkout).
GIT_CEILING_DIRECTORIES="$test_root"
export HOME GIT_CEILING_DIRECTORIES

# ---- running tests ---------------------------------------------------------

test_xtrace_on_=
test -n "$trace" && test_xtrace_on_='set -x'

test_eval_inner_ () {
	eval "$test_xtrace_on_
$1"
}

# Evaluate $1 in the current shell, output to fd 3/4, stdin /dev/null.
test_eval_ () {
	test_eval_inner_ "$1" </dev/null >&3 2>&4
	{ test_eval_ret_=$?; set +x; } 2>/dev/null
	return $test_eval_ret_
}

# ---- the watchdog ----------------------------------------------------------
#
# Each test body runs under a watchdog: after $test_timeout_ seconds it
# kills every process the test started (the whole tree below this shell)
# and sends us USR1, whose trap fails the test and ends the script.  A
# body stuck in a shell loop of its own (waiting for a file that never
# comes) is ended by the trap too, as the trap runs between commands.

case "$ANNAL_TEST_TIMEOUT" in
'') test_timeout_=1200
    test -n "$ANNAL_TEST_WRAPPER" && test_timeout_=12000 ;;
*[!0-9]* | 0) BUG "ANNAL_TEST_TIMEOUT must be a number of seconds, not '$ANNAL_TEST_TIMEOUT'" ;;
*) test_timeout_=$ANNAL_TEST_TIMEOUT ;;
esac
test_watchdog_=
test_shell_pid_=$$

# The watchdog is a shell of its own with every descriptor closed, so that
# nothing waiting on the TAP stream waits for it.
# It is stopped with SIGKILL (a signal caught by this shell before the
# watchdog runs would be lost), so it sleeps a second at a time.
test_watchdog_script_='
i=0
while test $i -lt "$2"
do
	kill -0 "$1" 2>/dev/null || exit 0
	sleep 1
	i=$((i + 1))
done
: >"$3"
# kill the tree below the test shell, leaves first, until it stays empty
n=0
while test $n -lt 20
do
	pids=$(ps -e -o pid= -o ppid= | awk -v root="$1" -v me=$$ "
		{ parent[\$1] = \$2 }
		END {
			for (p in parent) {
				q = p; d = 0
				while (q in parent && q != root && q != me && q > 1 && d < 64) {
					q = parent[q]; d++
				}
				if (q == root && p != root) print p
			}
		}")
	test -z "$pids" && break
	kill -9 $pids 2>/dev/null
	n=$((n + 1))
done
kill -USR1 "$1"
'

# Started from a subshell, so that it is no child of the test shell: a
# body's bare "wait" must not wait for it.
test_watchdog_start_ () {
	rm -f "$test_root/trash-$test_name_.timeout"
	test_watchdog_=$(sh -c "$test_watchdog_script_" watchdog "$test_shell_pid_" \
		"$test_timeout_" "$test_root/trash-$test_name_.timeout" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 7>&- &
		echo $!)
}

test_watchdog_stop_ () {
	test -n "$test_watchdog_" || return 0
	kill -9 "$test_watchdog_" 2>/dev/null
	test_watchdog_=
	# it may have killed the body and been stopped before it told us
	test_timed_out_
}

test_timed_out_ () {
	test -n "$test_in_body_" || test -f "$test_root/trash-$test_name_.timeout" ||
		return 0
	test_watchdog_=
	test_failure=$((test_failure + 1))
	printf 'not ok %d - %s\n' "$test_count" "$test_tap_title_" >&5
	say "timed out: the test ran for more than $test_timeout_ s (ANNAL_TEST_TIMEOUT), its processes were killed"
	test_show_output_
	rm -f "$test_root/trash-$test_name_.timeout"
	cd "$TRASH_DIRECTORY" 2>/dev/null
	test_done
}
trap 'test_timed_out_' USR1

test_run_ () {
	test_cleanup_=
	test_cleanup_ret_=0
	if test -n "$chain_lint"
	then
		# A body whose commands are all &&-chained does nothing
		# after a failing first command.
		eval "(exit 117) && $1" </dev/null >&3 2>&4
		if test $? != 117
		then
			BUG "broken &&-chain or run-away body in '$test_title_': $1"
		fi
	fi
	test_in_body_=t
	test_optional_refused_=
	test_watchdog_start_
	test_eval_ "$1"
	test_run_ret_=$?
	test_in_body_=
	test -z "$test_optional_refused_" || test_run_ret_=1
	if test -n "$test_cleanup_"
	then
		test_eval_ "$test_cleanup_"
		if test "$test_cleanup_ret_" != 0 && test "$test_run_ret_" = 0
		then
			test_run_ret_=1
		fi
		test_cleanup_=
	fi
	test_watchdog_stop_
	cd "$TRASH_DIRECTORY" || BUG "cannot return to $TRASH_DIRECTORY"
	test_san_reports_ || test_run_ret_=1
	return $test_run_ret_
}

# A sanitizer report written during the test fails it, even from a
# process whose exit status nobody checked; show it and move it aside.
test_san_reports_ () {
	test_san_ret_=0
	for test_san_f_ in "$test_san_dir_"/report.*
	do
		test -f "$test_san_f_" || continue
		if ! test -s "$test_san_f_"
		then
			rm -f "$test_san_f_"	# valgrind -q found nothing
			continue
		fi
		test_san_ret_=1
		echo >&4 "sanitizer report $test_san_f_:"
		cat >&4 "$test_san_f_"
		sed -e 's/^/# /' "$test_san_f_" >&5
		mv "$test_san_f_" "$test_san_dir_/seen.${test_san_f_##*/report.}"
	done
	return $test_san_ret_
}

# '#' would start a TAP directive: escape it in titles.
test_escape_title_ () {
	printf '%s\n' "$1" | sed -e 's/#/\\#/g' | tr '\n' ' ' | sed -e 's/ $//'
}

test_print_body_ () {
	printf '%s\n' "$1" | sed -e 's/^/#	/' >&5
}

# test_check_prereq_ LIST: 0 if all prerequisites in the comma separated
# LIST hold; sets test_missing_prereq_.
test_check_prereq_ () {
	test_missing_prereq_=
	test_save_ifs_=$IFS
	IFS=,
	set -- $1
	IFS=$test_save_ifs_
	for test_p_
	do
		if ! test_have_prereq "$test_p_"
		then
			test_missing_prereq_="${test_missing_prereq_:+$test_missing_prereq_,}$test_p_"
		fi
	done
	test -z "$test_missing_prereq_"
}

test_start_ () {
	test_count=$((test_count + 1))
	test_title_=$1
	test_tap_title_=$(test_escape_title_ "$1")
	# without -v, keep what the test prints, to show it if it fails
	if test -z "$verbose"
	then
		exec 3>"$test_output_" 4>&3
	fi
}

# What a failed test printed (without -v), as TAP comments: a failure in
# CI explains itself.
test_show_output_ () {
	test -z "$verbose" && test -s "$test_output_" || return 0
	printf '# output of the failed test (its last 60 lines):\n' >&5
	tail -n 60 "$test_output_" | sed -e 's/^/#   /' >&5
	# a failure reported before a long dump must not scroll away
	if test $(wc -l <"$test_output_") -gt 60 &&
	   grep -i -e fail -e error "$test_output_" >/dev/null
	then
		printf '# and its lines that say "fail" or "error" (the first 20):\n' >&5
		grep -i -e fail -e error "$test_output_" | head -n 20 |
			sed -e 's/^/#   /' >&5
	fi
}

test_skip_ () {
	# $1 = prereq list
	if test_check_prereq_ "$1"
	then
		return 1
	fi
	if test_note_skip_ "$test_missing_prereq_" "$test_tap_title_"
	then
		test_skipped=$((test_skipped + 1))
		printf 'ok %d - %s # SKIP missing %s\n' "$test_count" \
			"$test_tap_title_" "$test_missing_prereq_" >&5
		return 0
	fi
	test_failure=$((test_failure + 1))
	printf 'not ok %d - %s\n' "$test_count" "$test_tap_title_" >&5
	say "missing $test_missing_prereq_, not on the skip allowlist (t/skips-allowed): a skip fails when CI=true"
	return 0
}

# test_skip_allowed_ PREREQ: the allowlist lets PREREQ be missing here.
# Its lines: PREREQ WHEN reason, WHEN one of any, root, nonroot (the user
# the tests run as); # starts a comment.
test_skip_allowed_ () {
	test -r "$test_skips_allowed_" || return 1
	if test "$(id -u)" = 0
	then
		test_skip_who_=root
	else
		test_skip_who_=nonroot
	fi
	while read -r test_skip_p_ test_skip_w_ test_skip_r_
	do
		test "$test_skip_p_" = "$1" || continue
		case "$test_skip_w_" in
		any | "$test_skip_who_") return 0 ;;
		esac
	done <"$test_skips_allowed_"
	return 1
}

# test_note_skip_ PREREQS WHAT: write the skip of WHAT for the missing
# PREREQS (a comma separated list) to t/<script>.skips; fail when the
# allowlist does not name all of them and CI=true.
test_note_skip_ () {
	test_skip_verdict_=listed
	test_save_ifs_=$IFS
	IFS=,
	set -- $1 "$2"
	IFS=$test_save_ifs_
	test_skip_list_=
	while test $# -gt 1
	do
		test_skip_list_="${test_skip_list_:+$test_skip_list_,}$1"
		test_skip_allowed_ "$1" || test_skip_verdict_=unlisted
		shift
	done
	printf '%s\t%s\t%s\t%s\t%s\n' "$test_name_" "$test_count" \
		"$test_skip_list_" "$test_skip_verdict_" "$1" >>"$test_skips_file_"
	test -z "$test_skip_policy_" || test "$test_skip_verdict_" = listed
}

# test_optional_prereq PREREQ: in a test body, whether PREREQ holds, for a
# part of the test that needs it (a check with a stock tool, with a
# weaker fallback).  Leaving the part out is a skip like any other:
# noted, and a failure of the test when the allowlist does not name it
# and CI=true.
test_optional_prereq () {
	test $# = 1 || BUG "test_optional_prereq needs 1 parameter"
	test -n "$test_in_body_" || BUG "test_optional_prereq outside a test body"
	test_have_prereq "$1" && return 0
	if test_note_skip_ "$1" "$test_tap_title_ (a part)"
	then
		say "test $test_count: a part left out, missing $1"
	else
		test_optional_refused_=t
		echo >&4 "missing $1, not on the skip allowlist (t/skips-allowed): a skip fails when CI=true"
	fi
	return 1
}

test_expect_success () {
	test_prereq_=
	if test $# = 3
	then
		test_prereq_=$1
		shift
	fi
	test $# = 2 || BUG "not 2 or 3 parameters to test_expect_success"
	test_start_ "$1"
	test_skip_ "$test_prereq_" && return 0
	if test_run_ "$2"
	then
		test_success=$((test_success + 1))
		printf 'ok %d - %s\n' "$test_count" "$test_tap_title_" >&5
	else
		test_failure=$((test_failure + 1))
		printf 'not ok %d - %s\n' "$test_count" "$test_tap_title_" >&5
		test_print_body_ "$2"
		test_show_output_
		if test -n "$immediate"
		then
			say "stopping at the first failure (--immediate)"
			say "trash directory kept: $TRASH_DIRECTORY"
			test_done_called_=t
			exit 1
		fi
	fi
	return 0
}

test_expect_failure () {
	test_prereq_=
	if test $# = 3
	then
		test_prereq_=$1
		shift
	fi
	test $# = 2 || BUG "not 2 or 3 parameters to test_expect_failure"
	test_start_ "$1"
	test_skip_ "$test_prereq_" && return 0
	if test_run_ "$2"
	then
		test_fixed=$((test_fixed + 1))
		printf 'ok %d - %s # TODO known breakage vanished\n' \
			"$test_count" "$test_tap_title_" >&5
	else
		test_broken=$((test_broken + 1))
		printf 'not ok %d - %s # TODO known breakage\n' \
			"$test_count" "$test_tap_title_" >&5
	fi
	return 0
}

test_done () {
	test_done_called_=t
	test -z "$test_watchdog_" || kill -9 "$test_watchdog_" 2>/dev/null
	trap - EXIT
	# what a library made outside the trash directory (lib-fault.sh)
	test -z "$test_outside_dirs_" || rm -rf $test_outside_dirs_
	# a report from outside any test (a prerequisite, the script's top)
	if ! test_san_reports_ 2>/dev/null
	then
		test_failure=$((test_failure + 1))
		say "a sanitizer or valgrind report came from outside the tests"
	fi
	if test -n "$skip_all" &&
	   ! test_note_skip_ skip_all "skip_all: $skip_all"
	then
		test_count=$((test_count + 1))
		test_failure=$((test_failure + 1))
		printf 'not ok %d - the rest of the script: %s\n' \
			"$test_count" "$(test_escape_title_ "$skip_all")" >&5
		say "skip_all is never on the skip allowlist: it fails when CI=true"
		skip_all=
	fi
	if test "$test_count" = 0 && test -n "$skip_all"
	then
		printf '1..0 # SKIP %s\n' "$skip_all" >&5
	else
		test -n "$skip_all" && say "skipping the rest: $skip_all"
		test "$test_fixed" = 0 ||
			say "$test_fixed known breakage(s) vanished; mark them test_expect_success"
		test "$test_broken" = 0 ||
			say "still have $test_broken known breakage(s)"
		if test "$test_failure" = 0
		then
			say "passed all $test_count test(s)"
		else
			say "failed $test_failure among $test_count test(s)"
		fi
		printf '1..%d\n' "$test_count" >&5
	fi
	if test "$test_failure" = 0
	then
		if test -z "$debug"
		then
			cd "$test_root" && test_remove_trash_ &&
			rm -rf "$test_san_dir_" "$test_root/trash-$test_name_.bin"
		fi
		exit 0
	fi
	say "trash directory kept: $TRASH_DIRECTORY"
	exit 1
}

# ---- prerequisites ---------------------------------------------------------

test_set_prereq () {
	case ",$test_prereqs_ok_," in
	*,"$1",*) ;;
	*) test_prereqs_ok_="$test_prereqs_ok_,$1" ;;
	esac
}

# test_lazy_prereq NAME 'script': NAME holds if script succeeds; the
# script runs once, in a subshell in a scratch directory, on first use.
test_lazy_prereq () {
	test $# = 2 || BUG "not 2 parameters to test_lazy_prereq"
	test_lazy_prereqs_="$test_lazy_prereqs_,$1"
	eval "test_lazy_prereq_script_$1=\$2"
}

test_have_prereq () {
	case "$1" in
	!*)
		! test_have_prereq "${1#!}"
		return
		;;
	esac
	case ",$test_prereqs_ok_," in
	*,"$1",*) return 0 ;;
	esac
	case ",$test_prereqs_missing_," in
	*,"$1",*) return 1 ;;
	esac
	case ",$test_lazy_prereqs_," in
	*,"$1",*)
		eval "test_lazy_script_=\$test_lazy_prereq_script_$1"
		test_prereq_dir_="$TRASH_DIRECTORY/.prereq-$1"
		mkdir -p "$test_prereq_dir_" || BUG "cannot create $test_prereq_dir_"
		if (cd "$test_prereq_dir_" && eval "$test_lazy_script_") \
			</dev/null >&3 2>&4
		then
			test_prereqs_ok_="$test_prereqs_ok_,$1"
		else
			test_prereqs_missing_="$test_prereqs_missing_,$1"
		fi
		rm -rf "$test_prereq_dir_"
		test_have_prereq "$1"
		return
		;;
	esac
	return 1
}

test_lazy_prereq PYTHON3 'python3 -c "import hashlib, json, sys"'
test_lazy_prereq GIT 'git --version'
# GNU time: /usr/bin/time -f %M -o FILE writes the peak resident set in KiB
test_lazy_prereq MAXRSS '/usr/bin/time -f %M -o rss true && test -s rss'

# test_rss_below KIB [FILE]: the peak RSS that /usr/bin/time -f %M wrote
# last into FILE (default rss) is under KIB, except in a sanitizer build:
# AddressSanitizer keeps freed memory in quarantine (256 MB) and shadows
# the rest, so there the command must only have succeeded, its size says
# nothing
test_rss_below () {
	if grep -q "^SANITIZER_FLAGS = ." "$ANNAL_BUILD_DIR/Makefile"
	then
		echo "sanitizer build: peak RSS not compared"
	else
		test "$(tail -n 1 "${2:-rss}")" -lt "$1"
	fi
}
# A user file permissions apply to: the one running the tests, unless it
# is root; then nobody (65534, through setpriv), who must be able to reach
# the build tree.  as_unprivileged runs a command as that user.
test_lazy_prereq UNPRIVILEGED '
	test "$(id -u)" != 0 || {
		chmod 1777 "$test_san_dir_" . &&
		setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "
			annal --version && touch ok && ! touch /root/.annal-probe-must-fail" &&
		test -f ok
	}
'

# as_unprivileged CMD...: run CMD as the user of UNPRIVILEGED.  Sanitizer
# and valgrind reports of the run still reach the report directory.
as_unprivileged () {
	if test "$(id -u)" != 0
	then
		"$@"
		return
	fi
	chmod 1777 "$test_san_dir_" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# give_unprivileged FILE...: make FILE the property of the user of
# UNPRIVILEGED (a key file of mode 0600 it must read).
give_unprivileged () {
	test "$(id -u)" != 0 || chown 65534:65534 "$@"
}

# ---- helpers for test bodies -----------------------------------------------

test_tick () {
	ANNAL_TEST_NOW=$((ANNAL_TEST_NOW + 60))
	GIT_COMMITTER_DATE="$ANNAL_TEST_NOW +0000"
	GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE
	export ANNAL_TEST_NOW GIT_COMMITTER_DATE GIT_AUTHOR_DATE
}

# test_when_finished CMD...: run CMD after the current test, whatever its
# outcome; cleanups run last-registered first; a failing one fails the test.
test_when_finished () {
	test -n "$test_in_body_" ||
		BUG "test_when_finished called outside a test body"
	test_cleanup_="{ $*
} || test_cleanup_ret_=1
$test_cleanup_"
}

# test_must_fail CMD...: CMD must exit non-zero, but not by a signal, and
# it must exist (126/127 are the shell's "cannot run").
test_must_fail () {
	"$@"
	test_exit_code_=$?
	if test $test_exit_code_ = 0
	then
		echo >&4 "test_must_fail: command succeeded: $*"
		return 1
	elif test $test_exit_code_ -gt 128
	then
		echo >&4 "test_must_fail: died by signal $((test_exit_code_ - 128)): $*"
		return 1
	elif test $test_exit_code_ = 126 || test $test_exit_code_ = 127
	then
		echo >&4 "test_must_fail: command not found or not runnable: $*"
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: CMD must exit with status N.
test_expect_code () {
	test_want_code_=$1
	shift
	"$@"
	test_exit_code_=$?
	if test "$test_exit_code_" = "$test_want_code_"
	then
		return 0
	fi
	echo >&4 "test_expect_code: command exited with $test_exit_code_, we wanted $test_want_code_: $*"
	return 1
}

test_cmp () {
	test $# = 2 || BUG "test_cmp needs 2 parameters"
	diff -u "$@"
}

test_path_is_file () {
	test $# = 1 || BUG "test_path_is_file needs 1 parameter"
	test -f "$1" && return 0
	echo "file '$1' does not exist"
	return 1
}

test_path_is_dir () {
	test $# = 1 || BUG "test_path_is_dir needs 1 parameter"
	test -d "$1" && return 0
	echo "directory '$1' does not exist"
	return 1
}

test_path_is_missing () {
	test $# = 1 || BUG "test_path_is_missing needs 1 parameter"
	if test -e "$1" || test -L "$1"
	then
		echo "path '$1' exists, but should not"
		ls -ld "$1"
		return 1
	fi
	return 0
}

test_must_be_empty () {
	test $# = 1 || BUG "test_must_be_empty needs 1 parameter"
	test_path_is_file "$1" || return 1
	if test -s "$1"
	then
		echo "'$1' is not empty, it contains:"
		cat "$1"
		return 1
	fi
	return 0
}

# test_line_count OP N FILE, OP one of = != < > <= >= or -eq -ne -lt ...
# test_unpack_objects REPO: turn every pack of REPO into loose objects,
# with stock git, for tests that damage loose objects (annal writes packs).
test_unpack_objects () {
	mkdir -p "$1.packs" &&
	for p in "$1"/objects/pack/pack-*.pack
	do
		test -e "$p" || continue
		b=${p%.pack} &&
		mv "$p" "$b.idx" "$1.packs/" &&
		rm -f "$b.keep" &&
		git -C "$1" unpack-objects -q <"$1.packs/${p##*/}" || return 1
	done &&
	rm -rf "$1.packs"
}

test_line_count () {
	test $# = 3 || BUG "test_line_count needs 3 parameters"
	case "$1" in
	= | -eq) test_op_=-eq ;;
	!= | -ne) test_op_=-ne ;;
	'<' | -lt) test_op_=-lt ;;
	'>' | -gt) test_op_=-gt ;;
	'<=' | -le) test_op_=-le ;;
	'>=' | -ge) test_op_=-ge ;;
	*) BUG "test_line_count: bad operator '$1'" ;;
	esac
	test_path_is_file "$3" || return 1
	test_lines_=$(wc -l <"$3")
	test_lines_=$((test_lines_ + 0))
	if ! test "$test_lines_" "$test_op_" "$2"
	then
		echo "test_line_count: line count for $3 is $test_lines_, wanted $1 $2"
		cat "$3"
		return 1
	fi
	return 0
}

# test_seq [FIRST] LAST
test_seq () {
	case $# in
	1) set 1 "$1" ;;
	2) ;;
	*) BUG "test_seq needs 1 or 2 parameters" ;;
	esac
	test_seq_i_=$1
	while test "$test_seq_i_" -le "$2"
	do
		echo "$test_seq_i_"
		test_seq_i_=$((test_seq_i_ + 1))
	done
}

# ---- annal helpers ---------------------------------------------------------

# check_field COMMIT PATH JSON: in repo.git, the record's value at PATH is JSON.
check_field () {
	echo "$3" >expect.field &&
	annal_record repo.git "$1" >rec.field &&
	json_get "$2" <rec.field >actual.field &&
	test_cmp expect.field actual.field
}

# check_no_field COMMIT PATH: the record has nothing at PATH.
check_no_field () {
	annal_record repo.git "$1" >rec.field &&
	test_must_fail json_get "$2" <rec.field 2>/dev/null
}

# refs_snapshot, then refs_unchanged: no ref of repo.git moved and no
# commit became reachable in between.
refs_snapshot () {
	git -C repo.git for-each-ref >refs.before &&
	git -C repo.git rev-list --count --all >count.before
}
refs_unchanged () {
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	git -C repo.git rev-list --count --all >count.after &&
	test_cmp count.before count.after
}

# annal_repo_init [PATH]: a fresh annal repository (default repo.git).
annal_repo_init () {
	annal init "${1:-repo.git}" >/dev/null
}

# audit_unpinned ARGS...: print --unpinned when the audit-verify ARGS pin
# neither the bundle's signer nor the log's keys (tests of a bundle's
# integrity alone: audit-verify refuses to run without a pin otherwise).
audit_unpinned () {
	case " $* " in
	*" --key "* | *" --allowed-signers "* | *" --log-key "* | \
	*" --log-allowed-signers "* | *" --unpinned "*)
		;;
	*)
		echo --unpinned ;;
	esac
}

# audit_verify ARGS...: annal audit-verify [--unpinned] ARGS
audit_verify () {
	annal audit-verify $(audit_unpinned "$@") "$@"
}

# annal_head REPO [LOG]: the commit id refs/audit/LOG points to (fails if
# the log has no records).
annal_head () {
	git -C "$1" rev-parse --verify -q "refs/audit/${2:-main}"
}

# annal_record REPO ID: the stored JSON of record ID (the last line of the
# commit message), read with stock git.
annal_record () {
	git -C "$1" cat-file commit "$2" >"$TRASH_DIRECTORY/.annal-record" &&
	sed -n '$p' "$TRASH_DIRECTORY/.annal-record"
}

# json_get PATH <JSON: print the canonical JSON of the value at the dotted
# PATH, or at the JSON Pointer PATH (RFC 6901, "/a.b/0"), of the object on
# stdin; fail if it is absent (PYTHON3).
json_get () {
	python3 -c '
import json, re, sys
v = json.loads(sys.stdin.buffer.read())
path = sys.argv[1]
if path.startswith("/"):
    keys = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
else:
    keys = path.split(".")
for k in keys:
    if isinstance(v, list) and path.startswith("/") and \
            re.fullmatch("0|[1-9][0-9]*", k) and int(k) < len(v):
        v = v[int(k)]
    elif isinstance(v, dict) and k in v:
        v = v[k]
    else:
        sys.exit("json_get: no %s" % path)
print(json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
' "$1"
}

# annal_check_log REPO [LOG]: check the log against the storage contract
# with stock git and python3 only (PYTHON3): commit layout byte for byte,
# canonical JSON, seq, ts, prev_hash, hash, linear parents.  Prints the
# stored JSON of each record, oldest first.
annal_check_log () {
	python3 - "$1" "${2:-main}" <<-\ANNAL_CHECK_EOF
	import calendar, hashlib, json, re, subprocess, sys, time
	repo, log = sys.argv[1], sys.argv[2]
	EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	def git(*args, data=None):
	    return subprocess.run(("git", "-C", repo) + args, input=data,
	                          check=True, stdout=subprocess.PIPE).stdout
	def canonical(obj):
	    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False).encode("utf-8")
	def no_dups(pairs):
	    seen = {}
	    for k, v in pairs:
	        if k in seen:
	            raise ValueError("duplicate key %r" % k)
	        seen[k] = v
	    return seen
	def no_const(name):
	    raise ValueError("non-finite number %s" % name)
	def clean(s):
	    return "".join("?" if c in "<>" or ord(c) < 0x20 or ord(c) == 0x7f
	                   else c for c in s).encode("utf-8")
	def fail(n, oid, msg):
	    sys.exit("log %s: record %d (%s): %s" % (log, n, oid, msg))
	head = git("rev-parse", "--verify", "refs/audit/" + log).decode().strip()
	ids = git("rev-list", "--reverse", "--topo-order", head).decode().split()
	out = git("cat-file", "--batch", data="".join(i + "\n" for i in ids).encode())
	prev_id, prev_hash, prev_ts = None, "sha256:" + "0" * 64, ""
	pos = 0
	for n, oid in enumerate(ids, 1):
	    nl = out.index(b"\n", pos)
	    hdr = out[pos:nl].decode().split()
	    if hdr[0] != oid or hdr[1] != "commit":
	        fail(n, oid, "not a commit: %r" % hdr)
	    size = int(hdr[2])
	    body = out[nl + 1:nl + 1 + size]
	    pos = nl + 1 + size + 1
	    head_part, sep, msg = body.partition(b"\n\n")
	    lines = head_part.split(b"\n")
	    if not msg.endswith(b"\n") or msg.count(b"\n") != 3:
	        fail(n, oid, "message is not summary, blank line, JSON: %r" % msg)
	    summary, blank, js, _ = msg.split(b"\n")
	    if blank != b"":
	        fail(n, oid, "no blank line after the summary")
	    try:
	        rec = json.loads(js.decode("utf-8"), object_pairs_hook=no_dups,
	                         parse_constant=no_const)
	    except ValueError as e:
	        fail(n, oid, "bad JSON: %s" % e)
	    if not isinstance(rec, dict):
	        fail(n, oid, "record is not an object")
	    if canonical(rec) != js:
	        fail(n, oid, "not canonical:\n  %r\n  %r" % (js, canonical(rec)))
	    for k in ("seq", "ts", "prev_hash", "hash", "actor", "action"):
	        if k not in rec:
	            fail(n, oid, "missing %s" % k)
	    if type(rec["seq"]) is not int or rec["seq"] != n:
	        fail(n, oid, "seq %r, want %d" % (rec["seq"], n))
	    ts = rec["ts"]
	    if not isinstance(ts, str) or not re.fullmatch(
	            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ts):
	        fail(n, oid, "bad ts %r" % ts)
	    if ts < prev_ts:
	        fail(n, oid, "ts %s earlier than %s" % (ts, prev_ts))
	    secs = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
	    name = clean(rec["actor"])
	    want = [b"tree " + EMPTY_TREE.encode()]
	    if prev_id:
	        want.append(b"parent " + prev_id.encode())
	    want.append(b"author %s <annal> %d +0000" % (name, secs))
	    want.append(b"committer %s <annal> %d +0000" % (name, secs))
	    if lines != want:
	        fail(n, oid, "headers:\n  %r\n want\n  %r" % (lines, want))
	    want = b"#%d %s %s" % (n, clean(rec["actor"]), clean(rec["action"]))
	    if "target" in rec:
	        want += b" " + clean(rec["target"])
	    if "decision" in rec:
	        want += b" -> " + clean(rec["decision"])
	    if summary != want:
	        fail(n, oid, "summary %r, want %r" % (summary, want))
	    if rec["prev_hash"] != prev_hash:
	        fail(n, oid, "prev_hash %s, want %s" % (rec["prev_hash"], prev_hash))
	    h = rec.pop("hash")
	    want = "sha256:" + hashlib.sha256(canonical(rec)).hexdigest()
	    if h != want:
	        fail(n, oid, "hash %s, want %s" % (h, want))
	    sys.stdout.buffer.write(js + b"\n")
	    prev_id, prev_hash, prev_ts = oid, h, ts
	if not ids:
	    sys.exit("log %s: no records" % log)
	ANNAL_CHECK_EOF
}
