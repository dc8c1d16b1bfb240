#!/bin/sh

test_description='every crash state a writing command may leave is consistent

A power cut, unlike SIGKILL, loses what was not synced: file data not
fsynced, directory entries whose directory was not fsynced.  strace
records each write, fsync, rename, link, unlink and mkdir of a command
and the moment each id is printed; t/lib-crash.py replays them on a
model file system and builds the states a crash after each of them may
leave (only what was synced; each unsynced directory operation or data
alone persisted; everything).  In every state the repository must verify,
git fsck --strict must pass, no record there before is lost, and every
id printed before the crash must be reachable; once the command has
exited 0, what it wrote must be there.  For a single append (a new log
and an existing one, signed and unsigned), a batch of 30, a stream of 5,
annal pack, key rotate, export --bundle and -o, keygen, a log window
writing the seq index, verify --anchor-file and verify --state.  ANNAL_TEST_FULL adds
every subset of the unsynced directory operations, every prefix of a
file'"'"'s writes, a batch of 300 and a stream of 30.'

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

if ! test_have_prereq STRACE || ! test_have_prereq PYTHON3 || ! test_have_prereq GIT
then
	skip_all='strace, python3 or git is not available'
	test_done
fi

CRASH="$TEST_DIRECTORY/lib-crash.py"
full= batch=30 stream=5
if test -n "$ANNAL_TEST_FULL"
then
	full=--full batch=300 stream=30
fi

# The check each crash state must pass, run in a directory holding it
# (CRASH_DONE=1 once the command has exited 0): the repository
# verifies, git finds nothing wrong, every record there before the
# command (the file "before") is still reachable, and the reachable ids
# go to stdout for lib-crash.py.  $extra_check adds a
# condition of the test.
state_check='annal -C repo.git verify --all --allow-empty >&2 &&
	git -C repo.git fsck --strict --no-dangling >&2 &&
	git -C repo.git rev-list --all | sort >reach &&
	if comm -23 "$TRASH_DIRECTORY/before" reach | grep .
	then
		echo "records there before the command are lost" >&2
		exit 1
	fi &&
	eval "$extra_check" &&
	cat reach'
export state_check TRASH_DIRECTORY

# crash_states [--feed FILE] [ROOT...] -- COMMAND...: run COMMAND (stdin
# passed on, or FILE a line at a time, each once the last was answered;
# ids to "ids") and check every crash state of repo.git and each ROOT
crash_states () {
	roots="--root repo.git=repo.git" &&
	if test "$1" = --feed
	then
		roots="--feed $2 $roots" &&
		shift 2
	fi &&
	while test "$1" != "--"
	do
		roots="$roots --root $1=$1" &&
		shift
	done &&
	shift &&
	git -C repo.git rev-list --all | sort >before &&
	python3 "$CRASH" $full --check "$state_check" $roots -- "$@" >ids 2>crash.err
	rc=$? &&
	cat crash.err >&2 &&
	sed -n "s/^# \([0-9]*\) crash points.*/\1/p" crash.err >>"$TRASH_DIRECTORY/points.all" &&
	return $rc
}

# fresh: repo.git anew from base.git, no extra check
fresh () {
	extra_check=: &&
	rm -rf repo.git &&
	cp -R base.git repo.git
}

extra_check=:
export extra_check

test_expect_success 'setup' '
	annal_repo_init base.git &&
	rm -rf base.git/hooks &&
	annal -C base.git append --actor a --action first >/dev/null &&
	annal keygen -f k1 -C k1 >/dev/null &&
	annal keygen -f k2 -C k2 >/dev/null &&
	annal -C base.git append --log s --sign-key k1 --actor a --action first >/dev/null &&
	for i in $(test_seq $batch)
	do
		echo "{\"actor\":\"b$i\",\"action\":\"batch\"}" || return 1
	done >batch &&
	for i in $(test_seq $stream)
	do
		echo "{\"actor\":\"s$i\",\"action\":\"stream\"}" || return 1
	done >stream.in
'

test_expect_success 'append to an existing log' '
	fresh &&
	crash_states -- annal -C repo.git append --actor a --action b &&
	test_line_count = 1 ids
'

test_expect_success 'append starting a new log, its name with /' '
	fresh &&
	crash_states -- annal -C repo.git append --log team/web --actor a --action b &&
	test_line_count = 1 ids
'

test_expect_success 'append into a repository without objects/pack and refs/audit' '
	rm -rf repo.git && git init -q --bare repo.git && rm -rf repo.git/hooks &&
	annal init repo.git >/dev/null &&
	rm -rf repo.git/objects/pack repo.git/refs/audit &&
	crash_states -- annal -C repo.git append --actor a --action b &&
	test_line_count = 1 ids
'

test_expect_success 'signed append' '
	fresh &&
	crash_states -- annal -C repo.git append --log s --sign-key k1 --actor a --action b &&
	test_line_count = 1 ids
'

test_expect_success 'a batch lands whole or not at all' '
	fresh &&
	b=$(git -C repo.git rev-list --count refs/audit/main) &&
	extra_check="n=\$(git -C repo.git rev-list --count refs/audit/main) &&
		test \$n = $b || test \$n = $((b + batch))" &&
	crash_states -- annal -C repo.git append --stdin <batch &&
	test_line_count = $batch ids
'

test_expect_success 'a signed batch' '
	fresh &&
	crash_states -- annal -C repo.git append --log s --sign-key k1 --stdin <batch &&
	test_line_count = $batch ids
'

test_expect_success 'a stream: each id durable when printed' '
	fresh &&
	crash_states --feed stream.in -- annal -C repo.git append --stdin --stream &&
	test_line_count = $stream ids
'

test_expect_success 'annal pack' '
	fresh &&
	for i in 1 2 3
	do
		annal -C repo.git append --actor a --action p$i >/dev/null || return 1
	done &&
	annal -C repo.git append --stdin <batch >/dev/null &&
	crash_states -- annal -C repo.git pack &&
	ls repo.git/objects/pack/*.pack >packs &&
	test_line_count = 1 packs
'

test_expect_success 'key rotate' '
	fresh &&
	annal keygen -f k3 -C k3 >/dev/null &&
	crash_states -- annal -C repo.git key rotate --log s --new-key k3.pub --sign-key k1 &&
	test_line_count = 1 ids
'

# A bundle in place is whole and named by the last record, an export
# record, which is there before it (t7003 checks the same after SIGKILL);
# once export has exited 0, the bundle is in place.
test_expect_success 'export --bundle' '
	fresh &&
	rm -rf out && mkdir out &&
	extra_check="if test -n \"\$CRASH_DONE\" && ! test -f out/b.zip
		then
			echo \"export exited 0, no bundle\" >&2
			exit 1
		fi &&
		if test -f out/b.zip
		then
			annal -C repo.git log --log s -n 1 --format json >rec &&
			sha=\$(sha256sum out/b.zip | cut -d\" \" -f1) &&
			grep \"\\\"sha256\\\":\\\"\$sha\\\"\" rec >/dev/null &&
			annal audit-verify --key \"$TRASH_DIRECTORY/k1.pub\" out/b.zip >/dev/null ||
			{ echo \"bundle not whole or not recorded\" >&2; exit 1; }
		fi" &&
	crash_states out -- annal -C repo.git export --log s --bundle out/b.zip --sign-key k1 --as me &&
	test_path_is_file out/b.zip
'

# export -o: once export has exited 0 the file is in place and whole,
# every record but its own export record
test_expect_success 'export -o' '
	fresh &&
	rm -rf out && mkdir out &&
	extra_check="if test -n \"\$CRASH_DONE\"
		then
			cmp \"$TRASH_DIRECTORY/out/e.jsonl\" out/e.jsonl >&2 ||
			{ echo \"export exited 0, its file is not whole\" >&2; exit 1; }
		fi" &&
	crash_states out -- annal -C repo.git export -o out/e.jsonl --as me &&
	annal -C repo.git log --reverse --format jsonl >all &&
	head -n -1 all >expect &&
	test_cmp expect out/e.jsonl
'

# keygen: once it has exited 0 both key files are there and whole
test_expect_success 'keygen' '
	rm -rf keys && mkdir keys &&
	fresh &&
	extra_check="if test -n \"\$CRASH_DONE\"
		then
			cmp \"$TRASH_DIRECTORY/keys/k\" keys/k >&2 &&
			cmp \"$TRASH_DIRECTORY/keys/k.pub\" keys/k.pub >&2 ||
			{ echo \"keygen exited 0, a key file is not whole\" >&2; exit 1; }
		fi" &&
	crash_states keys -- annal keygen -f keys/k -C k &&
	test_path_is_file keys/k.pub
'

# The seq index of log windows is a cache verify compares with the log:
# a crash never leaves one that is wrong (zeros where the ids were)
test_expect_success 'log window writing the seq index' '
	fresh &&
	annal -C repo.git append --stdin <batch >/dev/null &&
	rm -rf repo.git/annal/index &&
	crash_states -- annal -C repo.git log --from-seq 3 --to-seq 5 --format oneline &&
	test_path_is_file repo.git/annal/index/main
'

# verify --anchor-file: the file holds the old heads or the new, whole
test_expect_success 'verify --anchor-file' '
	fresh &&
	rm -rf anchors && mkdir anchors &&
	annal -C repo.git verify --all --anchor-file anchors/a >/dev/null &&
	cp anchors/a old &&
	annal -C repo.git append --actor a --action b >/dev/null &&
	annal -C repo.git append --log s --sign-key k1 --actor a --action b >/dev/null &&
	extra_check="cmp anchors/a \"$TRASH_DIRECTORY/old\" >/dev/null ||
		cmp anchors/a \"$TRASH_DIRECTORY/anchors/a\" >/dev/null ||
		{ echo \"the anchor file is neither the old nor the new\" >&2; exit 1; }" &&
	crash_states anchors -- annal -C repo.git verify --all --anchor-file anchors/a &&
	! cmp -s old anchors/a
'

# verify --state: the state is a cache, old or new, never one that
# fails the next run; its directory is not synced (an old state is as
# right), its data is
test_expect_success 'verify --state' '
	fresh &&
	rm -rf states && mkdir states &&
	annal -C repo.git verify --all --state states/s >/dev/null &&
	annal -C repo.git append --actor a --action b >/dev/null &&
	extra_check="annal -C repo.git verify --all --state states/s >/dev/null ||
		{ echo \"the next verify --state fails\" >&2; exit 1; }" &&
	crash_states states -- annal -C repo.git verify --all --state states/s &&
	grep "^head $(git -C repo.git rev-parse refs/audit/main) " states/s
'

test_figure crash-points "$(cat points.all 2>/dev/null | awk '{ n += $1 } END { print n + 0 }')"
test_done
