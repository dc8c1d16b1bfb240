#!/bin/sh

test_description='the test harness itself

Runs small test scripts in a scratch directory and checks their TAP output
and exit status, then exercises the helper functions directly.'

test_needs_annal=no
. "$(dirname "$0")/test-lib.sh"

# run_sub_test NAME [OPTION...] <SCRIPT-BODY
# Writes NAME/NAME.sh (test-lib header + stdin) and runs it with its trash
# directory under NAME/root; leaves NAME/out, NAME/err and NAME/status.
run_sub_test () {
	sub_name_=$1
	shift
	mkdir "$sub_name_" &&
	{
		echo '#!/bin/sh' &&
		echo "test_description='sub-test $sub_name_'" &&
		echo "TEST_DIRECTORY='$TEST_DIRECTORY'" &&
		echo 'test_needs_annal=no' &&
		echo '. "$TEST_DIRECTORY/test-lib.sh"' &&
		cat
	} >"$sub_name_/$sub_name_.sh" &&
	(
		# a sub-test sets its own skip policy (run_sub_test_env)
		unset CI ANNAL_TEST_NO_SKIPS ANNAL_TEST_SKIPS_ALLOWED &&
		eval "$run_sub_test_env" &&
		cd "$sub_name_" &&
		{ sh "./$sub_name_.sh" --root="$TRASH_DIRECTORY/$sub_name_/root" "$@" \
			>out 2>err; echo $? >status; }
	)
}

# check_sub_test NAME STATUS <EXPECTED-TAP
# (the "trash directory kept" comment of a failing script is left out)
check_sub_test () {
	cat >"$1/expect" &&
	echo "$2" >"$1/expect-status" &&
	sed -e "/^# trash directory kept: /d" "$1/out" >"$1/out-filtered" &&
	test_cmp "$1/expect" "$1/out-filtered" &&
	test_cmp "$1/expect-status" "$1/status"
}

test_expect_success 'success is reported like this' '
	:
'

test_expect_success 'a passing script reports ok, a plan and exits 0' '
	run_sub_test pass <<-\EOF &&
	for i in 1 2 3
	do
		test_expect_success "passing test #$i" "true"
	done
	test_done
	EOF
	check_sub_test pass 0 <<-\EOF &&
	ok 1 - passing test \#1
	ok 2 - passing test \#2
	ok 3 - passing test \#3
	# passed all 3 test(s)
	1..3
	EOF
	test_path_is_missing pass/root/trash-pass
'

test_expect_success 'a failing test is reported with its body, exit 1' '
	run_sub_test fail <<-\EOF &&
	test_expect_success "passing test" "true"
	test_expect_success "failing test" "
		echo >marker &&
		false
	"
	test_expect_success "passing again" "true"
	test_done
	EOF
	sed -e "s/Q/	/g" >fail/expect-body <<-\EOF &&
	ok 1 - passing test
	not ok 2 - failing test
	#Q
	#Qecho >marker &&
	#Qfalse
	#Q
	ok 3 - passing again
	# failed 1 among 3 test(s)
	1..3
	EOF
	check_sub_test fail 1 <fail/expect-body &&
	test_path_is_file fail/root/trash-fail/marker &&
	grep "^# trash directory kept: .*/fail/root/trash-fail\$" fail/out
'

test_expect_success 'known breakages are TODO and do not fail the script' '
	run_sub_test broken <<-\EOF &&
	test_expect_failure "still broken" "false"
	test_expect_failure "now fixed" "true"
	test_expect_success "passing" "true"
	test_done
	EOF
	check_sub_test broken 0 <<-\EOF
	not ok 1 - still broken # TODO known breakage
	ok 2 - now fixed # TODO known breakage vanished
	ok 3 - passing
	# 1 known breakage(s) vanished; mark them test_expect_success
	# still have 1 known breakage(s)
	# passed all 3 test(s)
	1..3
	EOF
'

test_expect_success 'missing prerequisites skip tests' '
	run_sub_test prereq <<-\EOF &&
	test_set_prereq HAVEIT
	test_expect_success HAVEIT "with HAVEIT" "true"
	test_expect_success DONTHAVEIT "with DONTHAVEIT" "false"
	test_expect_success HAVEIT,DONTHAVEIT "with both" "false"
	test_expect_success !DONTHAVEIT "without DONTHAVEIT" "true"
	test_expect_success !HAVEIT "without HAVEIT" "false"
	test_done
	EOF
	check_sub_test prereq 0 <<-\EOF
	ok 1 - with HAVEIT
	ok 2 - with DONTHAVEIT # SKIP missing DONTHAVEIT
	ok 3 - with both # SKIP missing DONTHAVEIT
	ok 4 - without DONTHAVEIT
	ok 5 - without HAVEIT # SKIP missing !HAVEIT
	# passed all 5 test(s)
	1..5
	EOF
'

test_expect_success 'lazy prerequisites are evaluated once, on first use' '
	run_sub_test lazy <<-\EOF &&
	test_lazy_prereq YES "echo >>\"\$TRASH_DIRECTORY/evaluated\""
	test_lazy_prereq NO "false"
	test_expect_success "not used yet" "test_path_is_missing evaluated"
	test_expect_success YES "first use" "test_line_count = 1 evaluated"
	test_expect_success YES "second use" "test_line_count = 1 evaluated"
	test_expect_success NO "never runs" "false"
	test_expect_success "query" "test_have_prereq YES && ! test_have_prereq NO"
	test_done
	EOF
	check_sub_test lazy 0 <<-\EOF
	ok 1 - not used yet
	ok 2 - first use
	ok 3 - second use
	ok 4 - never runs # SKIP missing NO
	ok 5 - query
	# passed all 5 test(s)
	1..5
	EOF
'

test_expect_success 'skip_all skips the whole script' '
	run_sub_test skipall <<-\EOF &&
	skip_all="nothing to see"
	test_done
	EOF
	check_sub_test skipall 0 <<-\EOF
	1..0 # SKIP nothing to see
	EOF
'

# The skip policy: CI=true (or ANNAL_TEST_NO_SKIPS=1) fails each skip the
# allowlist (ANNAL_TEST_SKIPS_ALLOWED, t/skips-allowed) does not name.
test_expect_success 'setup: an allowlist' '
	if test "$(id -u)" = 0
	then
		me=root other=nonroot
	else
		me=nonroot other=root
	fi &&
	cat >allowed <<-EOF
	# a comment
	LISTED   any     why
	MINE     $me     why
	THEIRS   $other  why
	EOF
'

test_expect_success 'CI=true: a skip the allowlist does not name fails' '
	run_sub_test_env="CI=true ANNAL_TEST_SKIPS_ALLOWED=\"\$TRASH_DIRECTORY/allowed\"; export CI ANNAL_TEST_SKIPS_ALLOWED" &&
	test_when_finished "run_sub_test_env=" &&
	run_sub_test ci <<-\EOF &&
	test_expect_success LISTED "listed" "false"
	test_expect_success MINE "listed for this user" "false"
	test_expect_success THEIRS "listed for the other user" "false"
	test_expect_success LISTED,UNLISTED "one unlisted" "false"
	test_expect_success "optional, listed" "
		! test_optional_prereq LISTED
	"
	test_expect_success "optional, unlisted" "
		! test_optional_prereq UNLISTED
	"
	test_done
	EOF
	check_sub_test ci 1 <<-\EOF &&
	ok 1 - listed # SKIP missing LISTED
	ok 2 - listed for this user # SKIP missing MINE
	not ok 3 - listed for the other user
	# missing THEIRS, not on the skip allowlist (t/skips-allowed): a skip fails when CI=true
	not ok 4 - one unlisted
	# missing LISTED,UNLISTED, not on the skip allowlist (t/skips-allowed): a skip fails when CI=true
	# test 5: a part left out, missing LISTED
	ok 5 - optional, listed
	not ok 6 - optional, unlisted
	#	
	#	! test_optional_prereq UNLISTED
	#	
	# output of the failed test (its last 60 lines):
	#   missing UNLISTED, not on the skip allowlist (t/skips-allowed): a skip fails when CI=true
	# failed 3 among 6 test(s)
	1..6
	EOF
	printf "ci\t%s\t%s\t%s\t%s\n" >expect \
		1 LISTED listed listed \
		2 MINE listed "listed for this user" \
		3 THEIRS unlisted "listed for the other user" \
		4 LISTED,UNLISTED unlisted "one unlisted" \
		5 LISTED listed "optional, listed (a part)" \
		6 UNLISTED unlisted "optional, unlisted (a part)" &&
	test_cmp expect ci/root/ci.skips
'

test_expect_success 'without CI=true the same skips pass, and are written down' '
	run_sub_test noci <<-\EOF &&
	test_expect_success UNLISTED "unlisted" "false"
	test_expect_success "optional, unlisted" "
		! test_optional_prereq UNLISTED
	"
	test_done
	EOF
	check_sub_test noci 0 <<-\EOF &&
	ok 1 - unlisted # SKIP missing UNLISTED
	# test 2: a part left out, missing UNLISTED
	ok 2 - optional, unlisted
	# passed all 2 test(s)
	1..2
	EOF
	printf "noci\t%s\t%s\t%s\t%s\n" >expect \
		1 UNLISTED unlisted unlisted \
		2 UNLISTED unlisted "optional, unlisted (a part)" &&
	test_cmp expect noci/root/noci.skips
'

test_expect_success 'ANNAL_TEST_NO_SKIPS=1: skip_all fails' '
	run_sub_test_env="ANNAL_TEST_NO_SKIPS=1; export ANNAL_TEST_NO_SKIPS" &&
	test_when_finished "run_sub_test_env=" &&
	run_sub_test noskipall <<-\EOF &&
	skip_all="nothing to see"
	test_done
	EOF
	check_sub_test noskipall 1 <<-\EOF
	not ok 1 - the rest of the script: nothing to see
	# skip_all is never on the skip allowlist: it fails when CI=true
	# failed 1 among 1 test(s)
	1..1
	EOF
'

test_expect_success 'ANNAL_TEST_WRAPPER_EVERY=3: the 1st, 4th, 7th annal run wrapped' '
	cat >wrap.sh <<-\EOF &&
	#!/bin/sh
	echo "$*" >>"$WRAP_LOG"
	exec "$@"
	EOF
	chmod +x wrap.sh &&
	WRAP_LOG="$TRASH_DIRECTORY/wrapped" &&
	export WRAP_LOG &&
	# ANNAL_TEST_WRAPPER is shell words: the path quoted, for a space in it
	run_sub_test_env="ANNAL_TEST_WRAPPER=\"\\\"\$TRASH_DIRECTORY/wrap.sh\\\"\" ANNAL_TEST_WRAPPER_EVERY=3; export ANNAL_TEST_WRAPPER ANNAL_TEST_WRAPPER_EVERY" &&
	test_when_finished "run_sub_test_env=" &&
	run_sub_test every <<-\EOF &&
	test_expect_success "seven runs" "
		for i in 1 2 3 4 5 6 7
		do
			annal --version >out.\$i || return 1
		done
	"
	test_done
	EOF
	check_sub_test every 0 <<-\EOF &&
	ok 1 - seven runs
	# passed all 1 test(s)
	1..1
	EOF
	sed -e "s|.*/annal |annal |" wrapped >actual &&
	printf "annal --version\n" >expect &&
	printf "annal --version\n" >>expect &&
	printf "annal --version\n" >>expect &&
	test_cmp expect actual
'

test_expect_success 'a script skips itself when annal is not built' '
	mkdir nobuild &&
	cat >nobuild/t.sh <<-EOF &&
	#!/bin/sh
	test_description="needs annal"
	TEST_DIRECTORY="$TEST_DIRECTORY"
	. "\$TEST_DIRECTORY/test-lib.sh"
	test_expect_success "never runs" "false"
	test_done
	EOF
	(
		unset CI ANNAL_TEST_NO_SKIPS &&
		cd nobuild && ANNAL_BUILD_DIR="$TRASH_DIRECTORY/nobuild" sh t.sh >out
	) &&
	grep "^1\.\.0 # SKIP " nobuild/out &&
	test_line_count = 1 nobuild/out &&
	test_path_is_missing nobuild/t/trash-t &&
	(
		cd nobuild && CI=true && export CI &&
		test_expect_code 1 env ANNAL_BUILD_DIR="$TRASH_DIRECTORY/nobuild" sh t.sh >out
	) &&
	grep "^Bail out! annal is not built" nobuild/out &&
	test_line_count = 1 nobuild/out
'

test_expect_success '--immediate stops at the first failure' '
	run_sub_test immediate --immediate <<-\EOF &&
	test_expect_success "failing" "false"
	test_expect_success "not reached" "true"
	test_done
	EOF
	test_cmp - immediate/status <<-\EOF &&
	1
	EOF
	grep "^not ok 1 - failing" immediate/out &&
	! grep "not reached" immediate/out
'

test_expect_success 'a broken &&-chain is a bug in the test script' '
	run_sub_test chain <<-\EOF &&
	test_expect_success "broken chain" "
		true
		true
	"
	test_done
	EOF
	test_cmp - chain/status <<-\EOF &&
	1
	EOF
	grep "^Bail out! bug in the test script: broken &&-chain" chain/out
'

test_expect_success 'an exit in a test body is reported' '
	run_sub_test early-exit <<-\EOF &&
	test_expect_success "exits" "exit 0"
	test_done
	EOF
	test_cmp - early-exit/status <<-\EOF &&
	1
	EOF
	grep "^Bail out! .*unexpected exit" early-exit/out
'

test_expect_success '--verbose shows the output of tests, else it is hidden' '
	cat >body <<-\EOF &&
	test_expect_success "talk" "echo to-stdout && echo >&2 to-stderr"
	test_done
	EOF
	run_sub_test quiet <body &&
	! grep to-std quiet/out quiet/err &&
	run_sub_test loud -v <body &&
	grep to-stdout loud/out &&
	grep to-stderr loud/err
'

test_expect_success 'the environment is hermetic' '
	run_sub_test env <<-\EOF &&
	test_expect_success "environment" "
		test -z \"\$ANNAL_REPO\" &&
		test -z \"\$ANNAL_SOMETHING\" &&
		test -z \"\$GIT_DIR\" &&
		test \"\$LC_ALL\" = C &&
		test \"\$TZ\" = UTC &&
		test \"\$HOME\" = \"\$TRASH_DIRECTORY\" &&
		test \"\$(pwd)\" = \"\$TRASH_DIRECTORY\" &&
		test \"\$GIT_CONFIG_NOSYSTEM\" = 1 &&
		test -n \"\$ANNAL_BUILD_DIR\" &&
		test -n \"\$ANNAL_SOURCE_DIR\" &&
		test \"\$ANNAL_TEST_NOW\" = 1795000000 &&
		test_tick &&
		test \"\$ANNAL_TEST_NOW\" = 1795000060 &&
		test_tick &&
		test \"\$ANNAL_TEST_NOW\" = 1795000120
	"
	test_done
	EOF
	check_sub_test env 0 <<-\EOF
	ok 1 - environment
	# passed all 1 test(s)
	1..1
	EOF
'

test_expect_success 'the environment is hermetic even when the caller sets it' '
	rm -rf env &&
	cat >body <<-\EOF &&
	test_expect_success "scrubbed" "
		test -z \"\$ANNAL_REPO\" &&
		test -z \"\$ANNAL_SOMETHING\" &&
		test -z \"\$GIT_DIR\" &&
		test \"\$LC_ALL\" = C
	"
	test_done
	EOF
	ANNAL_REPO=/nonexistent ANNAL_SOMETHING=x GIT_DIR=/nonexistent LC_ALL=POSIX &&
	export ANNAL_REPO ANNAL_SOMETHING GIT_DIR LC_ALL &&
	run_sub_test env2 <body &&
	unset ANNAL_REPO ANNAL_SOMETHING GIT_DIR &&
	LC_ALL=C &&
	check_sub_test env2 0 <<-\EOF
	ok 1 - scrubbed
	# passed all 1 test(s)
	1..1
	EOF
'

test_expect_success 'test_when_finished runs after the test, also on failure' '
	run_sub_test finished <<-\EOF &&
	test_expect_success "cleanup after success" "
		test_when_finished \"echo first >>log\" &&
		test_when_finished \"echo second >>log\" &&
		echo body >>log
	"
	test_expect_success "cleanup ran in reverse order" "
		printf \"body\\nsecond\\nfirst\\n\" >expect &&
		test_cmp expect log
	"
	test_expect_success "cleanup after failure" "
		test_when_finished \"echo cleaned >cleaned\" &&
		false
	"
	test_expect_success "it did run" "test_path_is_file cleaned"
	test_expect_success "a failing cleanup fails the test" "
		test_when_finished false &&
		true
	"
	test_done
	EOF
	sed -e "s/Q/	/g" >finished/expect-body <<-\EOF &&
	ok 1 - cleanup after success
	ok 2 - cleanup ran in reverse order
	not ok 3 - cleanup after failure
	#Q
	#Qtest_when_finished "echo cleaned >cleaned" &&
	#Qfalse
	#Q
	ok 4 - it did run
	not ok 5 - a failing cleanup fails the test
	#Q
	#Qtest_when_finished false &&
	#Qtrue
	#Q
	# failed 2 among 5 test(s)
	1..5
	EOF
	check_sub_test finished 1 <finished/expect-body
'

test_expect_success 'test_must_fail accepts failure, rejects success' '
	test_must_fail false &&
	test_must_fail sh -c "exit 1" &&
	test_must_fail sh -c "exit 3" &&
	! test_must_fail true
'

test_expect_success 'test_must_fail rejects death by a signal' '
	! test_must_fail sh -c "kill -TERM \$\$" &&
	! test_must_fail sh -c "kill -SEGV \$\$" &&
	! test_must_fail sh -c "exit 134"
'

test_expect_success 'test_must_fail rejects a command that cannot run' '
	! test_must_fail this-command-does-not-exist &&
	! test_must_fail sh -c "exit 126"
'

test_expect_success 'test_expect_code wants exactly that status' '
	test_expect_code 0 true &&
	test_expect_code 1 false &&
	test_expect_code 2 sh -c "exit 2" &&
	! test_expect_code 2 sh -c "exit 3" &&
	! test_expect_code 1 true
'

test_expect_success 'test_cmp' '
	printf "a\nb\n" >one &&
	printf "a\nb\n" >two &&
	printf "a\nc\n" >three &&
	test_cmp one two &&
	! test_cmp one three >diff &&
	grep "^-b" diff &&
	grep "^+c" diff
'

test_expect_success 'test_must_be_empty' '
	: >empty &&
	echo x >full &&
	test_must_be_empty empty &&
	! test_must_be_empty full &&
	! test_must_be_empty does-not-exist
'

test_expect_success 'test_line_count' '
	printf "1\n2\n3\n" >three-lines &&
	test_line_count = 3 three-lines &&
	test_line_count "<" 4 three-lines &&
	test_line_count ">" 2 three-lines &&
	test_line_count -ge 3 three-lines &&
	! test_line_count = 2 three-lines &&
	! test_line_count ">" 3 three-lines
'

test_expect_success 'test_seq' '
	test_seq 3 >actual &&
	printf "1\n2\n3\n" >expect &&
	test_cmp expect actual &&
	test_seq 9 11 >actual &&
	printf "9\n10\n11\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'test_path_is_*' '
	mkdir dir &&
	: >file &&
	test_path_is_file file &&
	test_path_is_dir dir &&
	test_path_is_missing nothing &&
	! test_path_is_file dir &&
	! test_path_is_dir file &&
	! test_path_is_missing file
'

test_set_prereq SETHERE
test_expect_success SETHERE 'prerequisites set in the script hold' '
	test_have_prereq SETHERE &&
	! test_have_prereq !SETHERE &&
	! test_have_prereq NEVERSET
'

test_expect_success 'variables set in a test are visible in the next one' '
	carried_over=yes
'

test_expect_success 'variables set in a test are visible in the next one (check)' '
	test "$carried_over" = yes
'

test_expect_success 'bodies start in the trash directory' '
	mkdir -p sub &&
	cd sub
'

test_expect_success 'bodies start in the trash directory (check)' '
	test "$(pwd)" = "$TRASH_DIRECTORY"
'

test_expect_success 'a test that hangs is killed and fails, the script stops' '
	cat >body <<-\EOF &&
	test_expect_success "quick" "true"
	test_expect_success "a child that never ends" "
		x=\$(sleep 1000; echo late) &&
		echo \"\$x\" >got
	"
	test_expect_success "never reached" "true"
	test_done
	EOF
	ANNAL_TEST_TIMEOUT=2 &&
	export ANNAL_TEST_TIMEOUT &&
	run_sub_test hang <body &&
	sed -e "s/^\\(# timed out\\): .*/\\1/" -e "/^#  /d" -e "/^# output of/d" hang/out >hang/out-timeout &&
	mv hang/out-timeout hang/out &&
	check_sub_test hang 1 <<-\EOF &&
	ok 1 - quick
	not ok 2 - a child that never ends
	# timed out
	# failed 1 among 2 test(s)
	1..2
	EOF
	! test_path_is_file hang/root/trash-hang/got &&
	cat >body <<-\EOF &&
	test_expect_success "a loop of the shell that never ends" "
		while ! test -f never; do sleep 0.1; done
	"
	test_done
	EOF
	run_sub_test loop <body &&
	unset ANNAL_TEST_TIMEOUT &&
	grep "^not ok 1 - a loop of the shell that never ends" loop/out &&
	grep "^# timed out: .*more than 2 s" loop/out &&
	test "$(cat loop/status)" = 1
'

test_expect_success 'a bare wait in a test does not wait for the watchdog' '
	cat >body <<-\EOF &&
	test_expect_success "wait" "
		{ true & } &&
		wait
	"
	test_done
	EOF
	ANNAL_TEST_TIMEOUT=30 &&
	export ANNAL_TEST_TIMEOUT &&
	run_sub_test barewait <body &&
	unset ANNAL_TEST_TIMEOUT &&
	check_sub_test barewait 0 <<-\EOF
	ok 1 - wait
	# passed all 1 test(s)
	1..1
	EOF
'

test_expect_success 'a test that ends in time leaves no watchdog behind' '
	cat >body <<-\EOF &&
	test_expect_success "quick" "true"
	test_done
	EOF
	run_sub_test exits <<-\EOF &&
	test_expect_success "a body that exits the script" "exit 3"
	test_done
	EOF
	grep "^Bail out! .*unexpected exit" exits/out &&
	run_sub_test nodog <body &&
	check_sub_test nodog 0 <<-\EOF &&
	ok 1 - quick
	# passed all 1 test(s)
	1..1
	EOF
	ps -e -o args= >procs &&
	! grep "watchdog.*/nodog/" procs &&
	! grep "watchdog.*/exits/" procs
'

test_done
