#!/bin/sh

test_description='annal log and show through a pager on a terminal

The pager is $ANNAL_PAGER, else core.pager, else $PAGER, else less
(LESS=FRX, LV=-c when unset); cat or an empty value means none, and so
do --no-pager, -P and an output that is not a terminal.  annal exits
with its own status, 0 when the pager quits before reading everything.
The terminal is script(1)'\''s pseudo-terminal.'

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq SCRIPT '
	script -qec true typescript >tty.out
'

if ! test_have_prereq SCRIPT
then
	skip_all='script(1) (util-linux) is needed for a terminal'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
unset PAGER LESS LV ANNAL_PAGER NO_COLOR

# in_tty CMD: run the shell command CMD with a terminal as its standard
# output (and input); its output in tty.out; its exit status
in_tty () {
	script -qec "$1" typescript >tty.out
}

# fake NAME: a pager that writes its name, argv, LESS, LV and its input to
# $TRASH_DIRECTORY/NAME.out
fake () {
	mkdir -p bin &&
	cat >"bin/$1" <<-EOF &&
	#!/bin/sh
	{
		echo "pager: $1 \$*"
		echo "LESS=\${LESS-unset} LV=\${LV-unset}"
		cat
	} >"$TRASH_DIRECTORY/$1.out"
	EOF
	chmod +x "bin/$1"
}

test_expect_success 'setup' '
	annal_repo_init &&
	annal append --actor user:alice --action deploy --decision allowed >ids &&
	annal append --actor user:bob --action drop --decision blocked >>ids &&
	fake env-pager && fake core-pager && fake pager-pager && fake less &&
	PATH="$TRASH_DIRECTORY/bin:$PATH" && export PATH &&
	annal log --format oneline --color never >expect.log
'

test_expect_success 'ANNAL_PAGER first' '
	test_when_finished "rm -f *.out; git -C repo.git config --unset core.pager" &&
	git -C repo.git config core.pager core-pager &&
	ANNAL_PAGER=env-pager PAGER=pager-pager in_tty "annal log --format oneline --color never" &&
	test_path_is_file env-pager.out &&
	test_path_is_missing core-pager.out &&
	test_path_is_missing pager-pager.out &&
	{ echo "pager: env-pager " && echo "LESS=FRX LV=-c" && cat expect.log; } >expect &&
	test_cmp expect env-pager.out
'

test_expect_success 'then core.pager' '
	test_when_finished "rm -f *.out; git -C repo.git config --unset core.pager" &&
	git -C repo.git config core.pager "core-pager --flag" &&
	PAGER=pager-pager in_tty "annal log" &&
	test_path_is_file core-pager.out &&
	test_path_is_missing pager-pager.out &&
	head -n 1 core-pager.out >actual &&
	echo "pager: core-pager --flag" >expect &&
	test_cmp expect actual
'

test_expect_success 'then PAGER' '
	test_when_finished "rm -f *.out" &&
	PAGER=pager-pager in_tty "annal log" &&
	test_path_is_file pager-pager.out &&
	test_path_is_missing less.out
'

test_expect_success 'then less, with LESS=FRX and LV=-c unless set' '
	test_when_finished "rm -f *.out" &&
	in_tty "annal show 1" &&
	head -n 2 less.out >actual &&
	{ echo "pager: less " && echo "LESS=FRX LV=-c"; } >expect &&
	test_cmp expect actual &&
	rm less.out &&
	LESS=-S LV=x in_tty "annal show 1" &&
	sed -n 2p less.out >actual &&
	echo "LESS=-S LV=x" >expect &&
	test_cmp expect actual
'

test_expect_success 'cat or empty means none: the terminal gets the output' '
	test_when_finished "rm -f *.out" &&
	ANNAL_PAGER=cat in_tty "annal log --format oneline --color never" &&
	grep "user:bob drop -> blocked" tty.out &&
	ANNAL_PAGER= PAGER=pager-pager in_tty "annal log" &&
	git -C repo.git config core.pager "" &&
	PAGER=pager-pager in_tty "annal log" &&
	unset ANNAL_PAGER &&
	git -C repo.git config --unset core.pager &&
	PAGER= in_tty "annal log" &&
	test_path_is_missing pager-pager.out &&
	test_path_is_missing less.out
'

test_expect_success '--no-pager and -P before the command: none' '
	test_when_finished "rm -f *.out" &&
	in_tty "annal --no-pager log --format oneline --color never" &&
	grep "user:bob drop -> blocked" tty.out &&
	in_tty "annal -P show 1" &&
	grep "action: deploy" tty.out &&
	test_path_is_missing less.out
'

test_expect_success 'not a terminal: none' '
	ANNAL_PAGER=env-pager annal log >out &&
	test_path_is_missing env-pager.out &&
	grep "actor: user:bob" out
'

test_expect_success 'annal exits with its own status, not the pager'\''s' '
	test_when_finished "rm -f *.out" &&
	printf "#!/bin/sh\ncat >fails.out\nexit 7\n" >bin/fails &&
	chmod +x bin/fails &&
	ANNAL_PAGER=fails in_tty "annal log; echo \"status \$?\" >status" &&
	echo "status 0" >expect &&
	test_cmp expect status &&
	test_path_is_file fails.out &&
	ANNAL_PAGER=fails in_tty "annal show 99 2>err; echo \"status \$?\" >status" &&
	echo "status 2" >expect &&
	test_cmp expect status &&
	test_line_count = 1 err
'

test_expect_success 'a pager that quits early: exit 0, no error' '
	test_when_finished "rm -f *.out" &&
	i=0 &&
	while test $i -lt 3000
	do
		echo "{\"actor\":\"a$i\",\"action\":\"x\"}" &&
		i=$((i + 1)) || return 1
	done >many &&
	annal append --stdin <many >many.ids &&
	printf "#!/bin/sh\nhead -n 1 >\"%s/head.out\"\n" "$TRASH_DIRECTORY" >bin/quits &&
	chmod +x bin/quits &&
	ANNAL_PAGER=quits in_tty "annal log 2>err; echo \"status \$?\" >status" &&
	echo "status 0" >expect &&
	test_cmp expect status &&
	test_must_be_empty err &&
	test_line_count = 1 head.out &&
	ANNAL_PAGER=quits in_tty "annal show 1 2 3 4 5 6 7 8 9 10 2>err; echo \"status \$?\" >status" &&
	test_cmp expect status &&
	test_must_be_empty err
'

test_expect_success 'a pager that does not exist: the terminal gets the output' '
	ANNAL_PAGER=nosuch-pager in_tty "annal log --format oneline --color never; echo \"status \$?\" >status" &&
	echo "status 0" >expect &&
	test_cmp expect status &&
	grep "user:bob drop -> blocked" tty.out &&
	PAGER=nosuch-pager in_tty "annal show 1" &&
	grep "action: deploy" tty.out
'

# Running as root, a file can be given to another user: a repository
# config owned by someone else, as a shared central's may be.
test_lazy_prereq CHOWN '
	>owned && chown 65534 owned && test "$(stat -c %u owned)" = 65534
'

test_expect_success CHOWN 'core.pager of a repository owned by someone else is not run' '
	test_when_finished "rm -f *.out pwned; chown $(id -u) repo.git repo.git/config; git -C repo.git config --unset core.pager" &&
	git -C repo.git config core.pager "touch \"$TRASH_DIRECTORY/pwned\"; core-pager" &&
	chown 65534 repo.git/config &&
	PAGER=pager-pager in_tty "annal log" &&
	test_path_is_missing pwned &&
	test_path_is_missing core-pager.out &&
	test_path_is_file pager-pager.out &&
	rm pager-pager.out &&
	chown $(id -u) repo.git/config &&
	chown 65534 repo.git &&
	PAGER=pager-pager in_tty "annal show 1" &&
	test_path_is_missing pwned &&
	test_path_is_file pager-pager.out &&
	rm pager-pager.out &&
	chown $(id -u) repo.git &&
	PAGER=pager-pager in_tty "annal log" &&
	test_path_is_file pwned &&
	test_path_is_file core-pager.out
'

test_done
