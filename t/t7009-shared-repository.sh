#!/bin/sh

test_description='core.sharedRepository: two users of one group write one log

annal init --shared writes core.sharedRepository and widens the modes as
git init --shared does; annal then creates what it writes (packs, refs,
ref directories, locks, the seq index) group-writable, whatever the
umask of the user, so that the next user of the group can append.'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to check the repository'
	test_done
fi

# Two users, each with a primary group of their own, who share the group
# annal-t7009.  Made once per machine: tests run as root in CI.
test_lazy_prereq TWO_USERS '
	test "$(id -u)" = 0 &&
	command -v useradd && command -v groupadd && command -v setpriv &&
	{ getent group annal-t7009 >/dev/null || groupadd annal-t7009; } &&
	for u in annal-t7009a annal-t7009b
	do
		getent passwd $u >/dev/null ||
		useradd -M -U -G annal-t7009 -d /nonexistent -s /bin/sh $u ||
		return 1
	done &&
	mkdir -p -m 777 probe &&
	as_user annal-t7009a 022 sh -c "cd probe && annal --version && touch ok" &&
	test -f probe/ok
'

# as_user USER UMASK CMD...: run CMD as USER, in the shared group too.
as_user () {
	as_user_u=$1 as_user_m=$2 &&
	shift 2 &&
	setpriv --reuid=$as_user_u --regid=$as_user_u --groups=annal-t7009 \
		--inh-caps=-all sh -c "umask $as_user_m && exec \"\$@\"" sh "$@"
}

# check_modes REPO: every directory group-writable and setgid, every file
# group-readable, and nothing owned by another group.
check_modes () {
	find "$1" -type d ! -perm -2070 >bad &&
	find "$1" -type f ! -perm -040 >>bad &&
	find "$1" ! -group annal-t7009 >>bad &&
	test_must_be_empty bad
}

# exercise REPO UMASK: the two users alternate appends, batches, a new
# log under a prefix the other created, pack, log and verify.
exercise () {
	r=$TRASH_DIRECTORY/$1 m=$2 &&
	as_user annal-t7009a $m annal -C "$r" append --actor alice --action one >>ids &&
	as_user annal-t7009b $m annal -C "$r" append --actor bob --action two >>ids &&
	printf "{\"actor\":\"alice\",\"action\":\"b%s\"}\n" 1 2 3 4 5 6 7 8 9 >batch &&
	as_user annal-t7009a $m annal -C "$r" append --stdin <batch >>ids &&
	as_user annal-t7009b $m annal -C "$r" append --stdin <batch >>ids &&
	as_user annal-t7009b $m annal -C "$r" append --log team/web --actor bob --action x &&
	as_user annal-t7009a $m annal -C "$r" append --log team/app --actor alice --action y &&
	as_user annal-t7009a $m annal -C "$r" append --log team/web --actor alice --action z &&
	as_user annal-t7009b $m annal -C "$r" log --to-seq 3 --format oneline >/dev/null &&
	as_user annal-t7009a $m annal -C "$r" log --to-seq 5 --format oneline >/dev/null &&
	as_user annal-t7009b $m annal -C "$r" pack &&
	as_user annal-t7009a $m annal -C "$r" append --actor alice --action after-pack >>ids &&
	as_user annal-t7009a $m annal -C "$r" pack &&
	as_user annal-t7009b $m annal -C "$r" append --actor bob --action after-pack >>ids &&
	as_user annal-t7009b $m annal -C "$r" verify --all &&
	as_user annal-t7009a $m annal -C "$r" verify --all &&
	as_user annal-t7009a $m git -c safe.directory="*" -C "$r" fsck --strict --no-dangling &&
	for l in main team/web team/app
	do
		git -c safe.directory="*" -C "$r" rev-parse refs/audit/$l >/dev/null &&
		annal_check_log "$r" $l >/dev/null || return 1
	done &&
	git -C "$r" rev-list --count refs/audit/main >count &&
	echo 22 >expect &&
	test_cmp expect count &&
	check_modes "$1"
}

test_expect_success TWO_USERS 'setup: a shared repository of the group' '
	mkdir -m 777 home &&
	annal init --shared shared.git >out &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/shared.git/" >expect &&
	test_cmp expect out &&
	echo group >expect &&
	git -C shared.git config core.sharedRepository >actual &&
	test_cmp expect actual &&
	chgrp -R annal-t7009 shared.git &&
	cp -a shared.git shared077.git
'

test_expect_success TWO_USERS 'two users alternate, umask 022' '
	exercise shared.git 022
'

test_expect_success TWO_USERS 'two users alternate, umask 077' '
	exercise shared077.git 077
'

test_expect_success TWO_USERS 'a repository made shared by git init --shared' '
	git init -q --bare --shared=group gitshared.git &&
	annal init gitshared.git >out &&
	chgrp -R annal-t7009 gitshared.git &&
	exercise gitshared.git 077
'

test_expect_success TWO_USERS 'init --shared of an existing repository widens its modes' '
	(umask 077 && annal init late.git >/dev/null &&
	 annal -C late.git append --log pre --actor root --action before &&
	 annal -C late.git append --log a/b --actor root --action before-ab) >/dev/null &&
	chgrp -R annal-t7009 late.git &&
	test_expect_code 3 as_user annal-t7009a 022 annal -C late.git append --actor a --action b 2>err &&
	annal init --shared=group late.git >out &&
	echo "Reinitialized existing annal repository in $TRASH_DIRECTORY/late.git/" >expect &&
	test_cmp expect out &&
	chgrp -R annal-t7009 late.git &&
	check_modes late.git &&
	exercise late.git 022
'

test_expect_success '--shared=all and --shared=0xxx' '
	(umask 077 && annal init --shared=all all.git >/dev/null &&
	 annal -C all.git append --log x/y --actor a --action b >/dev/null) &&
	echo all >expect &&
	git -C all.git config core.sharedRepository >actual &&
	test_cmp expect actual &&
	find all.git -type d ! -perm -2775 >bad &&
	find all.git -type f ! -perm -044 >>bad &&
	test_must_be_empty bad &&
	(umask 022 && annal init --shared=0640 oct.git >/dev/null &&
	 annal -C oct.git append --log x/y --actor a --action b >/dev/null) &&
	echo 0640 >expect &&
	git -C oct.git config core.sharedRepository >actual &&
	test_cmp expect actual &&
	find oct.git -type d -perm /0007 >bad &&
	find oct.git -type f -perm /0007 >>bad &&
	find oct.git -type d ! -perm -2750 >>bad &&
	test_must_be_empty bad
'

test_expect_success 'an invalid --shared value is a usage error, nothing written' '
	test_expect_code 2 annal init --shared=0400 bad.git >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: invalid --shared value ${SQ}0400${SQ}; use group, all, umask or an octal mode such as 0660" >expect &&
	test_cmp expect err &&
	test_path_is_missing bad.git &&
	test_expect_code 2 annal init --shared=staff bad.git 2>err &&
	test_path_is_missing bad.git
'

test_done
