#!/bin/sh

test_description='annal init, repository selection, --version

annal init creates or prepares a bare repository; -C, --repo, ANNAL_REPO
and discovery from the current directory select the repository of the
other commands; a missing repository is exit 3.'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to check repositories'
	test_done
fi

# check_config REPO: the configuration annal init promises.
check_config () {
	echo 1 >expect.config &&
	git -C "$1" config annal.formatVersion >actual.config &&
	test_cmp expect.config actual.config &&
	echo true >expect.config &&
	git -C "$1" config --bool receive.denyNonFastForwards >actual.config &&
	test_cmp expect.config actual.config &&
	git -C "$1" config --bool receive.denyDeletes >actual.config &&
	test_cmp expect.config actual.config
}

test_expect_success 'init creates a bare repository' '
	annal init repo.git >out 2>err &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/repo.git/" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	echo true >expect &&
	git -C repo.git rev-parse --is-bare-repository >actual &&
	test_cmp expect actual
'

test_expect_success 'init writes the configuration' '
	check_config repo.git
'

test_expect_success 'init creates no log' '
	git -C repo.git for-each-ref >refs &&
	test_must_be_empty refs
'

test_expect_success 'init again reinitializes, exit 0' '
	annal init repo.git >out 2>err &&
	echo "Reinitialized existing annal repository in $TRASH_DIRECTORY/repo.git/" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	check_config repo.git
'

test_expect_success 'init keeps the records of an existing log' '
	annal -C repo.git append --actor a --action b >id &&
	annal init repo.git >out &&
	grep "^Reinitialized existing annal repository in " out &&
	git -C repo.git rev-parse refs/audit/main >actual &&
	test_cmp id actual
'

test_expect_success 'init prints an absolute path for a relative one' '
	mkdir sub &&
	(cd sub && annal init ../rel.git >../out) &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/rel.git/" >expect &&
	test_cmp expect out
'

test_expect_success 'init creates missing parent directories' '
	annal init deep/er/repo.git >out &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/deep/er/repo.git/" >expect &&
	test_cmp expect out &&
	check_config deep/er/repo.git
'

test_expect_success 'init without a path uses the current directory' '
	mkdir here.git &&
	(cd here.git && annal init >../out) &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/here.git/" >expect &&
	test_cmp expect out &&
	check_config here.git &&
	echo true >expect &&
	git -C here.git rev-parse --is-bare-repository >actual &&
	test_cmp expect actual
'

test_expect_success 'annal -C <path> init' '
	annal -C c.git init >out &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/c.git/" >expect &&
	test_cmp expect out &&
	check_config c.git
'

test_expect_success 'annal --repo <path> init' '
	annal --repo r.git init >out &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/r.git/" >expect &&
	test_cmp expect out &&
	check_config r.git
'

test_expect_success 'ANNAL_REPO=<path> annal init' '
	ANNAL_REPO=env.git annal init >out &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/env.git/" >expect &&
	test_cmp expect out &&
	check_config env.git
'

test_expect_success 'init of an existing bare git repository prepares it' '
	git init -q --bare plain.git &&
	commit=$(git -C plain.git commit-tree -m kept $EMPTY_TREE) &&
	git -C plain.git update-ref refs/heads/master $commit &&
	git -C plain.git config user.name keep-me &&
	annal init plain.git >out &&
	echo "Prepared existing git repository $TRASH_DIRECTORY/plain.git/ for annal" >expect &&
	test_cmp expect out &&
	check_config plain.git &&
	echo $commit >expect &&
	git -C plain.git rev-parse refs/heads/master >actual &&
	test_cmp expect actual &&
	echo keep-me >expect &&
	git -C plain.git config user.name >actual &&
	test_cmp expect actual
'

test_expect_success 'init of an existing non-bare git repository prepares it' '
	git init -q work &&
	echo content >work/file &&
	git -C work add file &&
	git -C work commit -q -m initial &&
	git -C work rev-parse HEAD >expect &&
	annal init work >out &&
	echo "Prepared existing git repository $TRASH_DIRECTORY/work/.git/ for annal" >expect.out &&
	test_cmp expect.out out &&
	test_line_count = 1 out &&
	check_config work &&
	git -C work rev-parse HEAD >actual &&
	test_cmp expect actual &&
	echo false >expect &&
	git -C work rev-parse --is-bare-repository >actual &&
	test_cmp expect actual &&
	git -C work status --porcelain >status &&
	test_must_be_empty status
'

test_expect_success 'init of a prepared repository says reinitialized, of a git one prepared' '
	annal init plain.git >out &&
	echo "Reinitialized existing annal repository in $TRASH_DIRECTORY/plain.git/" >expect &&
	test_cmp expect out
'

test_expect_success 'init of a path that is a file fails with exit 3' '
	echo not a directory >afile &&
	cp afile afile.orig &&
	test_expect_code 3 annal init afile >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	echo "annal: error: ${SQ}afile${SQ} is not a directory; name a new or empty directory, or a git repository" >expect &&
	test_cmp expect err &&
	test_cmp afile.orig afile
'

test_expect_success 'init of a non-empty directory that is no git repository fails' '
	mkdir -p project/src &&
	echo data >project/file &&
	echo code >project/src/main.c &&
	test_expect_code 3 annal init project >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: ${SQ}project${SQ} is a directory that is neither empty nor a git repository; name a new or empty directory" >expect &&
	test_cmp expect err &&
	test_path_is_missing project/HEAD &&
	test_path_is_missing project/objects &&
	test_expect_code 3 annal -C project init >out 2>err &&
	test_cmp expect err &&
	(cd project/src && test_expect_code 3 annal init >../../out 2>../../err) &&
	test_path_is_missing project/src/HEAD
'

test_expect_success 'init of an empty existing directory creates the repository' '
	mkdir empty.git &&
	annal init empty.git >out &&
	echo "Initialized empty annal repository in $TRASH_DIRECTORY/empty.git/" >expect &&
	test_cmp expect out
'

test_expect_success 'init with two paths is a usage error' '
	test_expect_code 2 annal init one.git two.git >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	grep "^annal: error: " first &&
	test_path_is_missing one.git &&
	test_path_is_missing two.git
'

test_expect_success '-C names a missing repository: exit 3' '
	test_expect_code 3 annal -C nowhere.git append --actor a --action b >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: not a git repository: .*nowhere\.git" err &&
	test_path_is_missing nowhere.git
'

test_expect_success '--repo names a missing repository: exit 3' '
	test_expect_code 3 annal --repo nowhere.git log >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: not a git repository: .*nowhere\.git" err &&
	test_path_is_missing nowhere.git
'

test_expect_success 'ANNAL_REPO names a missing repository: exit 3' '
	test_expect_code 3 env ANNAL_REPO=nowhere.git annal verify >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: not a git repository: .*nowhere\.git" err &&
	test_path_is_missing nowhere.git
'

test_expect_success '-C uses exactly that path, no search upwards' '
	mkdir repo.git/not-a-repo &&
	test_when_finished "rmdir repo.git/not-a-repo" &&
	git -C repo.git rev-parse refs/audit/main >before &&
	test_expect_code 3 annal -C repo.git/not-a-repo append --actor a --action b >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: not a git repository: " err &&
	git -C repo.git rev-parse refs/audit/main >after &&
	test_cmp before after
'

test_expect_success 'ANNAL_REPO uses exactly that path, no search upwards' '
	mkdir repo.git/not-a-repo &&
	test_when_finished "rmdir repo.git/not-a-repo" &&
	test_expect_code 3 env ANNAL_REPO=repo.git/not-a-repo annal log >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: not a git repository: " err
'

test_expect_success 'without -C or ANNAL_REPO the repository is discovered upwards (bare)' '
	git -C repo.git rev-list --count refs/audit/main >before &&
	(cd repo.git/refs && annal append --actor a --action discovered >../../id) &&
	git -C repo.git rev-parse refs/audit/main >actual &&
	test_cmp id actual &&
	git -C repo.git rev-list --count refs/audit/main >after &&
	test $(cat after) = $(($(cat before) + 1))
'

test_expect_success 'discovery finds a non-bare repository from a subdirectory' '
	mkdir -p work/sub/dir &&
	(cd work/sub/dir && annal append --actor a --action b >../../../id) &&
	git -C work rev-parse refs/audit/main >actual &&
	test_cmp id actual
'

# An application's own checkout: annal must not add logs to its .git.
test_expect_success 'discovery does not use a git repository annal init did not prepare' '
	git init -q app &&
	echo code >app/main.c &&
	git -C app add main.c &&
	git -C app commit -q -m app &&
	mkdir app/src &&
	cp app/.git/config app-config.before &&
	(cd app/src && test_expect_code 3 annal append --actor a --action b >../../out 2>../../err) &&
	test_must_be_empty out &&
	echo "annal: error: not an annal repository: ${SQ}$TRASH_DIRECTORY/app/.git/${SQ} (a git repository that annal init did not prepare); use -C <repo> or ANNAL_REPO, or run ${SQ}annal init $TRASH_DIRECTORY/app/.git/${SQ}" >expect &&
	test_cmp expect err &&
	(cd app && echo "{\"actor\":\"a\",\"action\":\"b\"}" |
		test_expect_code 3 annal append --stdin >../out 2>../err) &&
	test_cmp expect err &&
	(cd app && test_expect_code 3 annal log >../out 2>../err) &&
	test_cmp expect err &&
	(cd app && test_expect_code 3 annal verify --all >../out 2>../err) &&
	test_cmp expect err &&
	(cd app && test_expect_code 3 annal pack >../out 2>../err) &&
	test_cmp expect err &&
	git -C app for-each-ref refs/audit >refs &&
	test_must_be_empty refs &&
	test_path_is_missing app/.git/annal &&
	test_path_is_missing app/.git/annal-pack.lock &&
	test_cmp app-config.before app/.git/config
'

test_expect_success 'an explicit -C to a git repository annal did not prepare: readers read, writers refuse' '
	annal -C repo.git append --log mirrored --actor a --action b >/dev/null &&
	git clone -q --mirror "file://$TRASH_DIRECTORY/repo.git" mirror.git &&
	test_must_fail git -C mirror.git config annal.formatVersion &&
	annal -C mirror.git verify --log mirrored >out &&
	grep "^log mirrored: 1 record verified" out &&
	annal -C mirror.git log --log mirrored --format oneline >out &&
	test_line_count = 1 out &&
	annal -C mirror.git export --log mirrored --format jsonl -o exported.jsonl 2>err &&
	test_line_count = 1 exported.jsonl &&
	grep "^annal: warning: export not recorded: annal init did not prepare the repository" err &&
	git -C mirror.git rev-parse refs/audit/mirrored >before &&
	test_expect_code 3 annal -C mirror.git append --log mirrored --actor a --action b >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: not an annal repository: ${SQ}$TRASH_DIRECTORY/mirror.git/${SQ} (a git repository that annal init did not prepare)" err &&
	test_line_count = 1 err &&
	test_expect_code 3 annal -C mirror.git append --log new --actor a --action b 2>err &&
	test_expect_code 3 annal -C mirror.git pack 2>err &&
	git -C mirror.git rev-parse refs/audit/mirrored >after &&
	test_cmp before after &&
	test_must_fail git -C mirror.git rev-parse --verify -q refs/audit/new &&
	test_path_is_missing mirror.git/annal &&
	annal init mirror.git >out &&
	echo "Prepared existing git repository $TRASH_DIRECTORY/mirror.git/ for annal" >expect &&
	test_cmp expect out &&
	annal -C mirror.git append --log mirrored --actor a --action b >id &&
	git -C mirror.git rev-parse refs/audit/mirrored >actual &&
	test_cmp id actual
'

test_expect_success '-C wins over ANNAL_REPO' '
	git -C repo.git rev-parse refs/audit/main >before &&
	ANNAL_REPO=nowhere.git annal -C repo.git append --actor a --action b >id &&
	git -C repo.git rev-parse refs/audit/main >actual &&
	test_cmp id actual &&
	! test_cmp before actual &&
	test_path_is_missing nowhere.git
'

test_expect_success 'ANNAL_REPO wins over discovery' '
	annal_repo_init other.git &&
	(cd repo.git && ANNAL_REPO=../other.git annal append --actor a --action b >../id) &&
	git -C other.git rev-parse refs/audit/main >actual &&
	test_cmp id actual
'

test_expect_success 'an empty ANNAL_REPO is ignored' '
	(cd other.git && ANNAL_REPO= annal append --actor a --action b >../id) &&
	git -C other.git rev-parse refs/audit/main >actual &&
	test_cmp id actual
'

test_expect_success '--version' '
	annal --version >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 out &&
	grep "^annal version [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*" out
'

test_expect_success '--version works outside any repository' '
	mkdir empty &&
	(cd empty && ANNAL_REPO=/nonexistent annal --version >../out) &&
	grep "^annal version " out
'

test_done
