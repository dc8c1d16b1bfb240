#!/bin/sh

test_description='verified on receipt: annal init --central, verify --pre-receive

A central repository made by annal init --central runs annal verify
--pre-receive from its pre-receive hook.  Hosts push their logs to
refs/audit/hosts/<host>/<log> with stock git, over file:// and over
git daemon; the hook accepts a first push and incremental ones at a
cost of O(pushed records), and refuses, with one line the pusher sees
as "remote: annal: error: ...", and nothing landed: a rewrite, a
deletion, a record signed by another host key, an unsigned record
under a signed policy, a seq gap, a ts far in the future, a new log
that starts at seq 2, and a push that mixes a good ref and a bad one
(pre-receive is all or nothing for a push).'

. "$(dirname "$0")/test-lib.sh"

# push HOST SRC DST [git push options]: push HOST's SRC ref to the
# central repository (file://) as DST; the pusher's stderr in HOST.err
push () {
	host=$1 src=$2 dst=$3 &&
	shift 3 &&
	git -C "$host" push -q "$@" "file://$TRASH_DIRECTORY/central.git" \
		"$src:$dst" 2>"$host.err"
}

# refused HOST PATTERN: the push was refused with that one reason
refused () {
	grep "^remote: annal: error: $2" "$1.err" &&
	grep "pre-receive hook declined" "$1.err"
}

test_expect_success GIT 'setup: keys of two hosts, and their logs' '
	annal keygen -f ka -C web1 >/dev/null &&
	annal keygen -f kb -C web2 >/dev/null &&
	printf "web1 %s\nweb2 %s\n" "$(cut -d" " -f1,2 ka.pub)" \
		"$(cut -d" " -f1,2 kb.pub)" >signers &&
	annal init web1 >/dev/null &&
	annal init web2 >/dev/null &&
	for i in 1 2 3
	do
		annal -C web1 append --sign-key ka --actor deploy --action "a$i" >/dev/null &&
		annal -C web2 append --sign-key kb --actor deploy --action "b$i" >/dev/null ||
		return 1
	done
'

test_expect_success GIT 'init --central installs contrib/hooks/pre-receive and the policy' '
	annal init --central --allowed-signers signers central.git >out &&
	test_cmp "$ANNAL_SOURCE_DIR/contrib/hooks/pre-receive" central.git/hooks/pre-receive &&
	test -x central.git/hooks/pre-receive &&
	test_cmp signers central.git/annal/allowed_signers &&
	test "$(git -C central.git config annal.receive.requireSigned)" = true &&
	test "$(git -C central.git config receive.fsckObjects)" = true &&
	test -x "$(git -C central.git config annal.receive.program)"
'

test_expect_success GIT 'reinitializing keeps the policy; a new file replaces it' '
	annal init --central central.git >out &&
	test_cmp signers central.git/annal/allowed_signers &&
	cp signers signers2 &&
	echo "# another line" >>signers2 &&
	annal init --central --allowed-signers signers2 central.git >out &&
	test_cmp signers2 central.git/annal/allowed_signers &&
	annal init --central --allowed-signers signers central.git >out
'

test_expect_success GIT 'init --central refuses a hook that is not annal'"'"'s, and a bad signers file' '
	git init -q --bare other.git &&
	printf "#!/bin/sh\nexit 0\n" >other.git/hooks/pre-receive &&
	test_expect_code 2 annal init --central other.git 2>err &&
	grep "is not annal.s hook" err &&
	echo "web1 ssh-ed25519 AAAA-not-base64" >bad-signers &&
	test_expect_code 2 annal init --central --allowed-signers bad-signers fresh.git &&
	test_expect_code 2 annal init --allowed-signers signers fresh2.git
'

test_expect_success GIT 'a shared central: every user of the group can read the policy' '
	(
		umask 077 &&
		annal init --shared --central --allowed-signers signers shared.git >/dev/null
	) &&
	test -n "$(find shared.git/annal/allowed_signers -perm -0440)" &&
	test -n "$(find shared.git/hooks/pre-receive -perm -0550)"
'

test_expect_success GIT 'a first push, then an incremental one, are accepted' '
	push web1 refs/audit/main refs/audit/hosts/web1/main &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C web1 rev-parse refs/audit/main)" &&
	grep "^head $(git -C web1 rev-parse refs/audit/main) 3$" \
		central.git/annal/verified/hosts/web1/main &&
	annal -C web1 append --sign-key ka --actor deploy --action a4 >/dev/null &&
	push web1 refs/audit/main refs/audit/hosts/web1/main &&
	grep "^head $(git -C web1 rev-parse refs/audit/main) 4$" \
		central.git/annal/verified/hosts/web1/main &&
	push web2 refs/audit/main refs/audit/hosts/web2/main &&
	annal -C central.git verify --all --allowed-signers signers >out &&
	grep "log hosts/web1/main: 4 records verified" out
'

test_expect_success GIT 'refs outside refs/audit/ pass untouched' '
	t=$(git -C web1 hash-object -t tree -w --stdin </dev/null) &&
	c=$(git -C web1 commit-tree -m note "$t") &&
	push web1 "$c" refs/heads/notes &&
	test "$(git -C central.git rev-parse refs/heads/notes)" = "$c"
'

test_expect_success GIT 'a rewritten log (force push) is refused: nonFastForward' '
	before=$(git -C central.git rev-parse refs/audit/hosts/web1/main) &&
	test_must_fail push web1 refs/audit/main~2 refs/audit/hosts/web1/main -f &&
	refused web1 "refs/audit/hosts/web1/main: record [0-9a-f]*: nonFastForward: " &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = "$before"
'

test_expect_success GIT 'a deleted log is refused: deletedRef' '
	test_must_fail git -C web1 push -q "file://$TRASH_DIRECTORY/central.git" \
		:refs/audit/hosts/web1/main 2>web1.err &&
	refused web1 "refs/audit/hosts/web1/main: deletedRef: " &&
	git -C central.git rev-parse refs/audit/hosts/web1/main
'

test_expect_success GIT 'host B'"'"'s key in host A'"'"'s namespace is refused: untrustedKey' '
	test_must_fail push web2 refs/audit/main refs/audit/hosts/web1/other &&
	refused web2 "refs/audit/hosts/web1/other: record 1 ([0-9a-f]*): untrustedKey: signed by SHA256:[^ ]*, which the central allowed signers do not allow for host .web1." &&
	test_must_fail git -C central.git rev-parse --verify -q refs/audit/hosts/web1/other
'

test_expect_success GIT 'an unsigned record under a signed policy is refused: missingSignature' '
	annal init plain >/dev/null &&
	annal -C plain append --actor a --action x >/dev/null &&
	test_must_fail push plain refs/audit/main refs/audit/hosts/web1/plain &&
	refused plain "refs/audit/hosts/web1/plain: record 1 ([0-9a-f]*): missingSignature: .*requires signatures" &&
	test_must_fail git -C central.git rev-parse --verify -q refs/audit/hosts/web1/plain
'

test_expect_success GIT 'with a signer policy, logs outside hosts/<host>/ are refused: badLayout' '
	test_must_fail push web1 refs/audit/main refs/audit/main &&
	refused web1 "refs/audit/main: badLayout: " &&
	test_must_fail git -C central.git rev-parse --verify -q refs/audit/main
'

test_expect_success GIT 'a push mixing a good ref and a bad one lands neither' '
	annal -C web1 append --sign-key ka --actor deploy --action a5 >/dev/null &&
	good_before=$(git -C central.git rev-parse refs/audit/hosts/web1/main) &&
	test_must_fail git -C web1 push -q "file://$TRASH_DIRECTORY/central.git" \
		refs/audit/main:refs/audit/hosts/web1/main \
		refs/audit/main~1:refs/audit/hosts/web1/main-copy 2>web1.err &&
	refused web1 "refs/audit/hosts/web1/main-copy: record [0-9]* ([0-9a-f]*): sharedRecord: " &&
	grep "^remote: annal: refs/audit/hosts/web1/main: verified, but not updated: git refuses the whole push" web1.err &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = "$good_before" &&
	grep "^head $good_before 4$" central.git/annal/verified/hosts/web1/main
'

test_expect_success GIT 'a new log of records another log holds is refused: sharedRecord' '
	test_must_fail push web1 refs/audit/main~2 refs/audit/hosts/web1/inside &&
	refused web1 "refs/audit/hosts/web1/inside: record 3 ([0-9a-f]*): sharedRecord: the record is also in log .hosts/web1/main., below that log.s head" &&
	test_must_fail git -C central.git rev-parse --verify -q refs/audit/hosts/web1/inside &&
	for i in 1 2 3
	do
		annal -C web1 append --log two --sign-key ka --actor deploy --action "t$i" \
			>/dev/null || return 1
	done &&
	test_must_fail git -C web1 push -q "file://$TRASH_DIRECTORY/central.git" \
		refs/audit/two~1:refs/audit/hosts/web1/part \
		refs/audit/two:refs/audit/hosts/web1/two 2>web1.err &&
	refused web1 "refs/audit/hosts/web1/two: record 2 ([0-9a-f]*): sharedRecord: the record is the head of log .hosts/web1/part. too" &&
	test_must_fail git -C central.git rev-parse --verify -q refs/audit/hosts/web1/part &&
	push web1 refs/audit/two refs/audit/hosts/web1/two &&
	annal -C central.git verify --all --allowed-signers signers >out &&
	grep "log hosts/web1/two: 3 records verified" out
'

test_expect_success GIT 'a policy whose allowed signers file is missing refuses, not admits' '
	annal init --central --allowed-signers signers lost.git >/dev/null &&
	mv lost.git/annal/allowed_signers lost-signers &&
	test_must_fail git -C web2 push -q "file://$TRASH_DIRECTORY/lost.git" \
		refs/audit/main:refs/audit/hosts/web1/main 2>web2.err &&
	grep "^remote: annal: error: annal.receive.requireSigned is true but there is no annal/allowed_signers" web2.err &&
	test_must_fail git -C lost.git rev-parse --verify -q refs/audit/hosts/web1/main &&
	mv lost-signers lost.git/annal/allowed_signers &&
	git -C web2 push -q "file://$TRASH_DIRECTORY/lost.git" refs/audit/main:refs/audit/hosts/web2/main
'

test_expect_success GIT 'a ts far in the future is refused: tsFuture' '
	annal init future >/dev/null &&
	ANNAL_TEST_NOW=4102444800 annal -C future append --sign-key ka --actor a --action x >/dev/null &&
	test_must_fail push future refs/audit/main refs/audit/hosts/web1/future &&
	refused future "refs/audit/hosts/web1/future: record 1 ([0-9a-f]*): tsFuture: "
'

test_expect_success GIT 'a host key outside its validity window is refused; requireSigned false admits unsigned logs' '
	printf "web1 valid-before=\"20000101Z\" %s\n" "$(cut -d" " -f1,2 ka.pub)" >expired &&
	annal init --central --allowed-signers expired win.git >/dev/null &&
	test_must_fail git -C web1 push -q "file://$TRASH_DIRECTORY/win.git" \
		refs/audit/main:refs/audit/hosts/web1/main 2>win.err &&
	grep "^remote: annal: error: refs/audit/hosts/web1/main: record 1 ([0-9a-f]*): untrustedKey: .*outside its valid-after/valid-before" win.err &&
	git -C central.git config annal.receive.requireSigned false &&
	git -C plain push -q "file://$TRASH_DIRECTORY/central.git" refs/audit/main:refs/audit/hosts/web1/plain &&
	test_must_fail git -C web2 push -q "file://$TRASH_DIRECTORY/central.git" \
		refs/audit/main:refs/audit/hosts/web1/stolen 2>web2.err &&
	grep "untrustedKey: .*do not allow for host .web1." web2.err &&
	git -C central.git config annal.receive.requireSigned true
'

test_expect_success GIT 'a policy change keeps requireSigned false: unsigned hosts still push' '
	annal init --central --allowed-signers signers mixed.git >/dev/null &&
	git -C mixed.git config annal.receive.requireSigned false &&
	git -C plain push -q "file://$TRASH_DIRECTORY/mixed.git" refs/audit/main:refs/audit/hosts/web3/main &&
	annal -C plain append --actor a --action after >/dev/null &&
	cp signers signers2 &&
	printf "web9 %s\n" "$(cut -d" " -f1,2 ka.pub)" >>signers2 &&
	annal init --central --allowed-signers signers2 mixed.git >/dev/null &&
	test_cmp signers2 mixed.git/annal/allowed_signers &&
	test "$(git -C mixed.git config annal.receive.requireSigned)" = false &&
	git -C plain push -q "file://$TRASH_DIRECTORY/mixed.git" refs/audit/main:refs/audit/hosts/web3/main
'

test_expect_success GIT,PYTHON3 'without a policy: a seq gap, and a new log at seq 2, are refused' '
	annal init --central open.git >/dev/null &&
	annal init u >/dev/null &&
	for i in 1 2 3 4 5
	do
		annal -C u append --actor a --action "u$i" >/dev/null || return 1
	done &&
	git -C u push -q "file://$TRASH_DIRECTORY/open.git" refs/audit/main:refs/audit/hosts/u/main &&
	cp -R u gap &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" gap main seq-gap 4 >/dev/null &&
	test_must_fail git -C gap push -q -f "file://$TRASH_DIRECTORY/open.git" \
		refs/audit/main:refs/audit/hosts/u/gap 2>gap.err &&
	grep "^remote: annal: error: refs/audit/hosts/u/gap: record 4 ([0-9a-f]*): seqGap: " gap.err &&
	cp -R u two &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" two main drop 1 >/dev/null &&
	test_must_fail git -C two push -q "file://$TRASH_DIRECTORY/open.git" \
		refs/audit/main:refs/audit/hosts/u/two 2>two.err &&
	grep "^remote: annal: error: refs/audit/hosts/u/two: record 1 ([0-9a-f]*): seqGap: " two.err &&
	test_must_fail git -C open.git rev-parse --verify -q refs/audit/hosts/u/two
'

test_expect_success GIT 'the check reads O(pushed) objects: the same push into a 1k and a 20k log' '
	for n in 1000 20000
	do
		annal init "big$n" >/dev/null &&
		test_seq 1 $n | sed "s/.*/{\"actor\":\"a\",\"action\":\"x&\"}/" |
			annal -C "big$n" append --stdin >/dev/null &&
		git -C "big$n" push -q "file://$TRASH_DIRECTORY/open.git" \
			refs/audit/main:refs/audit/hosts/big$n/main &&
		test_seq 1 100 | sed "s/.*/{\"actor\":\"a\",\"action\":\"y&\"}/" |
			annal -C "big$n" append --stdin >/dev/null &&
		ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/reads$n" \
			git -C "big$n" push -q "file://$TRASH_DIRECTORY/open.git" \
			refs/audit/main:refs/audit/hosts/big$n/main || return 1
	done &&
	test_cmp reads1000 reads20000 &&
	test "$(cat reads1000)" -lt 1000
'

test_expect_success GIT 'a head that never landed is not trusted: the state is keyed by head' '
	git -C u update-ref refs/audit/side "$(git -C u rev-parse refs/audit/main)" &&
	head=$(git -C open.git rev-parse refs/audit/hosts/u/main) &&
	sed "s/^head [0-9a-f]* /head $(git -C web1 rev-parse refs/audit/main) /" \
		open.git/annal/verified/hosts/u/main >state &&
	cp state open.git/annal/verified/hosts/u/main &&
	annal -C u append --actor a --action u6 >/dev/null &&
	git -C u push -q "file://$TRASH_DIRECTORY/open.git" refs/audit/main:refs/audit/hosts/u/main &&
	grep "^head $(git -C u rev-parse refs/audit/main) 6$" open.git/annal/verified/hosts/u/main
'

test_expect_success GIT 'a state naming the wrong seq for its head does not refuse good pushes' '
	sed "s/^\(head [0-9a-f]*\) 6$/\1 5/" open.git/annal/verified/hosts/u/main >state &&
	! cmp -s state open.git/annal/verified/hosts/u/main &&
	cp state open.git/annal/verified/hosts/u/main &&
	annal -C u append --actor a --action u7 >/dev/null &&
	git -C u push -q "file://$TRASH_DIRECTORY/open.git" refs/audit/main:refs/audit/hosts/u/main &&
	grep "^head $(git -C u rev-parse refs/audit/main) 7$" open.git/annal/verified/hosts/u/main
'

test_expect_success GIT,MAXRSS 'a push of many records is accepted in bounded memory: as verify'"'"'s' '
	if test -n "$ANNAL_TEST_FULL" || test -z "$CI"
	then
		n=100000
	else
		n=30000
	fi &&
	annal init many >/dev/null &&
	test_seq 1 $n | sed "s/.*/{\"actor\":\"a\",\"action\":\"m&\"}/" |
		annal -C many append --stdin >/dev/null &&
	git -C open.git config annal.receive.program "$TRASH_DIRECTORY/rss-annal" &&
	printf "#!/bin/sh\nexec /usr/bin/time -f %%M -o \"%s/rss\" \"%s\" \"\$@\"\n" \
		"$TRASH_DIRECTORY" "$(command -v annal)" >rss-annal &&
	chmod +x rss-annal &&
	git -C many push -q "file://$TRASH_DIRECTORY/open.git" refs/audit/main:refs/audit/hosts/many/main &&
	git -C open.git config annal.receive.program "$(command -v annal)" &&
	test "$(git -C open.git rev-parse refs/audit/hosts/many/main)" = \
		"$(git -C many rev-parse refs/audit/main)" &&
	rss=$(cat rss) &&
	/usr/bin/time -f %M -o vrss annal -C open.git verify --log hosts/many/main >/dev/null &&
	vrss=$(cat vrss) &&
	echo "peak RSS $rss KiB for $n records pushed, $vrss KiB for verify" &&
	test_rss_below $((vrss + 16384)) &&
	test_rss_below 131072
'

test_lazy_prereq GITDAEMON '
	git daemon --help >/dev/null 2>&1 || test -x "$(git --exec-path)/git-daemon"
'

test_expect_success GIT,GITDAEMON,PYTHON3 'over git daemon: accepted, then refused with its reason' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	mkdir served &&
	annal init --central --allowed-signers signers served/central.git >/dev/null &&
	git daemon --enable=receive-pack --base-path="$TRASH_DIRECTORY/served" --export-all \
		--listen=127.0.0.1 --port="$port" --reuseaddr --pid-file=daemon.pid \
		--detach "$TRASH_DIRECTORY/served" &&
	test_when_finished "kill \$(cat daemon.pid)" &&
	url="git://127.0.0.1:$port/central.git" &&
	for i in 1 2 3 4 5 6 7 8 9 10
	do
		git ls-remote "$url" >/dev/null 2>&1 && break
		sleep 1
	done &&
	git -C web1 push -q "$url" refs/audit/main:refs/audit/hosts/web1/main &&
	test "$(git -C served/central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C web1 rev-parse refs/audit/main)" &&
	test_must_fail git -C web2 push -q "$url" refs/audit/main:refs/audit/hosts/web1/b 2>d.err &&
	grep "^remote: annal: error: refs/audit/hosts/web1/b: record 1 ([0-9a-f]*): untrustedKey: " d.err
'

test_expect_success GIT 'a plain verify reads no directory the environment names' '
	annal init alt >/dev/null &&
	annal -C alt append --actor a --action x >/dev/null &&
	git init -q --bare lone.git &&
	git -C lone.git config annal.formatVersion 1 &&
	mkdir -p lone.git/refs/audit &&
	git -C alt rev-parse refs/audit/main >lone.git/refs/audit/main &&
	objs="$TRASH_DIRECTORY/alt/objects" &&
	test_expect_code 1 env GIT_OBJECT_DIRECTORY="$objs" GIT_ALTERNATE_OBJECT_DIRECTORIES="$objs" \
		GIT_QUARANTINE_PATH="$objs" annal -C lone.git verify 2>err &&
	grep objectMissing err &&
	test_expect_code 3 env GIT_QUARANTINE_PATH="$objs" annal -C lone.git verify --pre-receive \
		</dev/null 2>err &&
	grep "is not a quarantine directory" err
'

test_done
