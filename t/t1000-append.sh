#!/bin/sh

test_description='annal append: records and their storage

Appends with the pinned clock and checks the result from outside with
stock git (and python3): the commit layout byte for byte, seq, ts,
prev_hash and hash, parents, logs, field options and --json.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to check the repository'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
SQ="'"

test_expect_success 'setup' '
	annal_repo_init
'

test_expect_success 'append prints the id of the new record' '
	annal append --actor user:alice --action deploy --target prod \
		--decision allowed >out 2>err &&
	test_must_be_empty err &&
	echo 2f0ac783145933e995ebb1a74cc778d78299a9bb >expect &&
	test_cmp expect out &&
	git -C repo.git rev-parse refs/audit/main >actual &&
	test_cmp out actual
'

test_expect_success 'the first commit is exactly the storage contract' '
	cat >expect <<-EOF &&
	tree $EMPTY_TREE
	author user:alice <annal> 1795000000 +0000
	committer user:alice <annal> 1795000000 +0000

	#1 user:alice deploy prod -> allowed

	{"action":"deploy","actor":"user:alice","decision":"allowed","hash":"sha256:8e52a792ee2780f742e62166aa63db07fc36895297c75440294bc863922f8d4f","prev_hash":"$ZERO_HASH","seq":1,"target":"prod","ts":"2026-11-18T11:06:40.000Z"}
	EOF
	git -C repo.git cat-file commit refs/audit/main >actual &&
	test_cmp expect actual
'

test_expect_success 'the tree is the empty tree and the first commit a root' '
	echo $EMPTY_TREE >expect &&
	git -C repo.git rev-parse "refs/audit/main^{tree}" >actual &&
	test_cmp expect actual &&
	git -C repo.git rev-list --max-parents=0 refs/audit/main >roots &&
	git -C repo.git rev-parse refs/audit/main >expect &&
	test_cmp expect roots
'

test_expect_success 'second record: parent, prev_hash, fractional pinned clock' '
	ANNAL_TEST_NOW=1795000060.500 annal append --actor user:bob \
		--action db.drop --target users --decision blocked \
		--reason "needs approval" >out &&
	echo f59a31dfee23e5f18681bee3f6315155cafe8938 >expect &&
	test_cmp expect out &&
	cat >expect <<-EOF &&
	tree $EMPTY_TREE
	parent 2f0ac783145933e995ebb1a74cc778d78299a9bb
	author user:bob <annal> 1795000060 +0000
	committer user:bob <annal> 1795000060 +0000

	#2 user:bob db.drop users -> blocked

	{"action":"db.drop","actor":"user:bob","decision":"blocked","hash":"sha256:a4669e5a36dfb029609713fce6b350fc78b81c81e6ac7d09a16a87814f9e03a8","prev_hash":"sha256:8e52a792ee2780f742e62166aa63db07fc36895297c75440294bc863922f8d4f","reason":"needs approval","seq":2,"target":"users","ts":"2026-11-18T11:07:40.500Z"}
	EOF
	git -C repo.git cat-file commit refs/audit/main >actual &&
	test_cmp expect actual
'

test_expect_success 'the hash is sha256 of the record without "hash"' '
	printf "%s" "{\"action\":\"db.drop\",\"actor\":\"user:bob\",\"decision\":\"blocked\",\"prev_hash\":\"sha256:8e52a792ee2780f742e62166aa63db07fc36895297c75440294bc863922f8d4f\",\"reason\":\"needs approval\",\"seq\":2,\"target\":\"users\",\"ts\":\"2026-11-18T11:07:40.500Z\"}" >unhashed &&
	sha256sum <unhashed >sum &&
	echo "a4669e5a36dfb029609713fce6b350fc78b81c81e6ac7d09a16a87814f9e03a8  -" >expect &&
	test_cmp expect sum
'

test_expect_success 'a record without target and decision' '
	ANNAL_TEST_NOW=1795000120 annal append --actor user:carol --action login >id &&
	git -C repo.git cat-file commit refs/audit/main >commit &&
	sed -n -e 4p -e 6p commit >actual &&
	cat >expect <<-\EOF &&
	committer user:carol <annal> 1795000120 +0000
	#3 user:carol login
	EOF
	test_cmp expect actual &&
	check_field $(cat id) ts "\"2026-11-18T11:08:40.000Z\"" &&
	check_field $(cat id) seq 3 &&
	check_no_field $(cat id) target &&
	check_no_field $(cat id) decision
'

test_expect_success PYTHON3 'the log checks out with stock tools' '
	annal_check_log repo.git >records &&
	test_line_count = 3 records
'

test_expect_success 'a linear history: counts and parents' '
	echo 3 >expect &&
	git -C repo.git rev-list --count refs/audit/main >actual &&
	test_cmp expect actual &&
	git -C repo.git rev-list --min-parents=2 refs/audit/main >merges &&
	test_must_be_empty merges &&
	git -C repo.git rev-list --parents refs/audit/main >parents &&
	cat >expect <<-EOF &&
	$(cat id) f59a31dfee23e5f18681bee3f6315155cafe8938
	f59a31dfee23e5f18681bee3f6315155cafe8938 2f0ac783145933e995ebb1a74cc778d78299a9bb
	2f0ac783145933e995ebb1a74cc778d78299a9bb
	EOF
	test_cmp expect parents
'

test_expect_success 'seq counts up, prev_hash links to the previous hash' '
	check_field 2f0ac783145933e995ebb1a74cc778d78299a9bb seq 1 &&
	check_field 2f0ac783145933e995ebb1a74cc778d78299a9bb prev_hash "\"$ZERO_HASH\"" &&
	check_field f59a31dfee23e5f18681bee3f6315155cafe8938 seq 2 &&
	check_field $(cat id) seq 3 &&
	check_field $(cat id) prev_hash "\"sha256:a4669e5a36dfb029609713fce6b350fc78b81c81e6ac7d09a16a87814f9e03a8\""
'

test_expect_success 'a clock going backwards does not make ts go backwards' '
	ANNAL_TEST_NOW=1794999000 annal append --actor a --action back >id &&
	annal_record repo.git $(cat id) >rec &&
	json_get ts <rec >ts &&
	echo "\"2026-11-18T11:08:40.000Z\"" >expect &&
	test_cmp expect ts &&
	git -C repo.git cat-file commit $(cat id) >commit &&
	grep "^author a <annal> 1795000120 +0000\$" commit
'

test_expect_success 'ts stays monotonic within a second (milliseconds)' '
	ANNAL_TEST_NOW=1795000200.900 annal append --actor a --action late >id1 &&
	ANNAL_TEST_NOW=1795000200.100 annal append --actor a --action early >id2 &&
	check_field $(cat id1) ts "\"2026-11-18T11:10:00.900Z\"" &&
	check_field $(cat id2) ts "\"2026-11-18T11:10:00.900Z\""
'

test_expect_success 'ANNAL_TEST_NOW may be an RFC 3339 time' '
	ANNAL_TEST_NOW=2027-01-01T00:00:00Z annal append --actor a --action rfc >id &&
	check_field $(cat id) ts "\"2027-01-01T00:00:00.000Z\"" &&
	git -C repo.git cat-file commit $(cat id) >commit &&
	grep "^committer a <annal> 1798761600 +0000\$" commit
'

test_expect_success PYTHON3 'the log still checks out' '
	annal_check_log repo.git >records &&
	test_line_count = 7 records
'

test_expect_success '--log tenant/acme writes refs/audit/tenant/acme' '
	git -C repo.git rev-parse refs/audit/main >main.before &&
	test_tick &&
	annal append --log tenant/acme --actor a --action one >id &&
	git -C repo.git rev-parse refs/audit/tenant/acme >actual &&
	test_cmp id actual &&
	git -C repo.git rev-parse refs/audit/main >main.after &&
	test_cmp main.before main.after &&
	check_field $(cat id) seq 1 &&
	check_field $(cat id) prev_hash "\"$ZERO_HASH\"" &&
	git -C repo.git rev-list --max-parents=0 refs/audit/tenant/acme >root &&
	test_cmp id root
'

test_expect_success 'two logs are independent chains' '
	test_tick &&
	annal append --log tenant/acme --actor a --action two >acme2 &&
	annal append --actor a --action eight >main8 &&
	check_field $(cat acme2) seq 2 &&
	check_field $(cat main8) seq 8 &&
	annal_record repo.git $(cat id) >acme1.rec &&
	json_get hash <acme1.rec >expect &&
	annal_record repo.git $(cat acme2) >acme2.rec &&
	json_get prev_hash <acme2.rec >actual &&
	test_cmp expect actual &&
	echo 2 >expect &&
	git -C repo.git rev-list --count refs/audit/tenant/acme >actual &&
	test_cmp expect actual &&
	git -C repo.git for-each-ref --format="%(refname)" refs/audit/ >refs &&
	cat >expect <<-\EOF &&
	refs/audit/main
	refs/audit/tenant/acme
	EOF
	test_cmp expect refs
'

test_expect_success PYTHON3 'both logs check out' '
	annal_check_log repo.git main >records &&
	test_line_count = 8 records &&
	annal_check_log repo.git tenant/acme >records &&
	test_line_count = 2 records
'

test_expect_success 'the known field options' '
	annal append --actor a --action b --target t --decision held \
		--reason "a reason" --tenant acme --trace 4bf92f3577b34da6 >id &&
	check_field $(cat id) target "\"t\"" &&
	check_field $(cat id) decision "\"held\"" &&
	check_field $(cat id) reason "\"a reason\"" &&
	check_field $(cat id) tenant "\"acme\"" &&
	check_field $(cat id) trace_id "\"4bf92f3577b34da6\"" &&
	check_no_field $(cat id) trace
'

test_expect_success '--field key=value stores a string' '
	annal append --actor a --action b --field note=hello \
		--field n=42 --field eq=a=b --field empty= >id &&
	check_field $(cat id) note "\"hello\"" &&
	check_field $(cat id) n "\"42\"" &&
	check_field $(cat id) eq "\"a=b\"" &&
	check_field $(cat id) empty "\"\""
'

test_expect_success '--field key:=json stores a JSON value' '
	annal append --actor a --action b --field n:=42 --field f:=1.5 \
		--field t:=true --field z:=null \
		--field "obj:={\"k\": [1, \"two\", {\"x\": null}]}" >id &&
	check_field $(cat id) n 42 &&
	check_field $(cat id) f 1.5 &&
	check_field $(cat id) t true &&
	check_field $(cat id) z null &&
	check_field $(cat id) obj "{\"k\":[1,\"two\",{\"x\":null}]}"
'

test_expect_success 'dotted --field keys nest into objects' '
	annal append --actor a --action b --field labels.env=prod \
		--field labels.team=core --field params.a.b.c:=1 >id &&
	check_field $(cat id) labels "{\"env\":\"prod\",\"team\":\"core\"}" &&
	check_field $(cat id) params "{\"a\":{\"b\":{\"c\":1}}}"
'

test_expect_success '--field with a JSON Pointer: keys holding dots, / and ~' '
	annal append --actor a --action b --field /http.request.method=GET \
		--field "/params/a~1b:=[1]" --field "/params/m~0n=x" \
		--field /labels/k8s.io~1name=web >id &&
	check_field $(cat id) /http.request.method "\"GET\"" &&
	check_field $(cat id) params "{\"a/b\":[1],\"m~n\":\"x\"}" &&
	check_field $(cat id) labels "{\"k8s.io/name\":\"web\"}" &&
	check_no_field $(cat id) http
'

test_expect_success '--field with a JSON Pointer merges with dotted keys and --json' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"x\":1}}" \
		--field /params/y=2 --field params.z=3 >id &&
	check_field $(cat id) params "{\"x\":1,\"y\":\"2\",\"z\":\"3\"}" &&
	refs_snapshot &&
	test_expect_code 2 annal append --actor a --action b --field /k=1 --field k=2 2>err &&
	grep "^annal: error: field ${SQ}k${SQ} given twice" err &&
	test_expect_code 2 annal append --actor a --action b --field "/bad~2=1" 2>err &&
	grep "^annal: error: invalid field name ${SQ}/bad~2${SQ}" err &&
	test_expect_code 2 annal append --actor a --action b \
		--field "/list:=[1]" --field /list/0=x 2>err &&
	grep "^annal: error: field ${SQ}list${SQ} is not an object" err &&
	refs_unchanged
'

test_expect_success 'known fields can be given with --field' '
	annal append --field actor=x --field action=y --field target=z >id &&
	check_field $(cat id) actor "\"x\"" &&
	git -C repo.git cat-file commit $(cat id) >commit &&
	grep "^#[0-9]* x y z\$" commit
'

test_expect_success '--json gives the record, options are merged into it' '
	annal append --json "{\"actor\":\"svc:ci\",\"action\":\"build\",\"extra\":{\"n\":1}}" \
		--tenant acme --field labels.env=prod --field k:=[1] >id &&
	check_field $(cat id) actor "\"svc:ci\"" &&
	check_field $(cat id) action "\"build\"" &&
	check_field $(cat id) extra "{\"n\":1}" &&
	check_field $(cat id) tenant "\"acme\"" &&
	check_field $(cat id) labels "{\"env\":\"prod\"}" &&
	check_field $(cat id) k "[1]"
'

test_expect_success '--json with all the known fields' '
	cat >in.json <<-\EOF &&
	{"actor": "user:alice", "action": "update", "target": "doc:1",
	 "decision": "allowed", "reason": "r", "tenant": "t",
	 "actor_role": "admin", "agent_id": "agent-7", "environment": "prod",
	 "trace_id": "tr", "request_id": "rq", "source_ip": "192.0.2.1",
	 "entity_type": "doc", "entity_id": "1",
	 "event_time": "2026-11-18T10:00:00.123+01:00",
	 "before": {"v": 1}, "after": [2], "params": "p",
	 "labels": {"a": "b"}, "free": [true, null]}
	EOF
	annal append --json "$(cat in.json)" >id &&
	check_field $(cat id) event_time "\"2026-11-18T10:00:00.123+01:00\"" &&
	check_field $(cat id) before "{\"v\":1}" &&
	check_field $(cat id) after "[2]" &&
	check_field $(cat id) params "\"p\"" &&
	check_field $(cat id) free "[true,null]" &&
	check_field $(cat id) source_ip "\"192.0.2.1\""
'

test_expect_success 'labels is an object, its values are not restricted' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"labels\":{\"n\":1,\"ok\":true,\"l\":[\"x\"],\"o\":{\"k\":null}}}" >id &&
	check_field $(cat id) labels "{\"l\":[\"x\"],\"n\":1,\"o\":{\"k\":null},\"ok\":true}"
'

test_expect_success 'a key given twice is an error (exit 2)' '
	refs_snapshot &&
	test_expect_code 2 annal append --json "{\"actor\":\"a\",\"action\":\"b\"}" --actor c 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal append --actor a --action b --field actor=c 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal append --actor a --action b --field x=1 --field x=2 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal append --actor a --action b --field labels.env=1 --field labels.env=2 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal append --actor a --action b --trace t --field trace_id=u 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"k\":1}" --field k=2 2>err &&
	grep "^annal: error: " err &&
	refs_unchanged
'

for f in seq ts prev_hash hash redacted id
do
	test_expect_success "reserved field $f cannot be given (exit 2)" '
		refs_snapshot &&
		test_expect_code 2 annal append --actor a --action b --field '"$f"'=1 >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: " err &&
		test_expect_code 2 annal append --actor a --action b --field '"$f"':=1 2>err &&
		grep "^annal: error: " err &&
		test_expect_code 2 annal append \
			--json "{\"actor\":\"a\",\"action\":\"b\",\"'"$f"'\":\"x\"}" >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: " err &&
		test_expect_code 2 annal append --log fresh \
			--json "{\"actor\":\"a\",\"action\":\"b\",\"'"$f"'\":1}" 2>err &&
		grep "^annal: error: " err &&
		refs_unchanged
	'
done

test_expect_success 'reserved names are fine below the top level' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"after\":{\"id\":7}}" \
		--field params.seq:=1 --field labels.hash=x >id &&
	check_field $(cat id) params.seq 1 &&
	check_field $(cat id) labels.hash "\"x\"" &&
	check_field $(cat id) after.id 7
'

test_expect_success '< and > are replaced by ? in the commit only' '
	annal append --actor "ev<il>" --action "<do>" --target "t>" \
		--decision "<d" >id &&
	git -C repo.git cat-file commit $(cat id) >commit &&
	grep "^author ev?il? <annal> [0-9]* +0000\$" commit &&
	grep "^committer ev?il? <annal> [0-9]* +0000\$" commit &&
	grep "^#[0-9]* ev?il? ?do? t? -> ?d\$" commit &&
	check_field $(cat id) actor "\"ev<il>\"" &&
	check_field $(cat id) action "\"<do>\""
'

# Identifiers with control characters are refused outright (they are how
# log-injection tricks start); free text such as reason keeps them.
test_expect_success 'control characters in identifier fields: exit 2' '
	tab=$(printf "\t") &&
	del=$(printf "\177") &&
	refs_snapshot &&
	test_expect_code 2 annal append --actor "a${tab}b" --action x 2>err &&
	grep "^annal: error: field .actor. must not contain U+0009 (a control character)\$" err &&
	test_expect_code 2 annal append --actor a --action "do${del}it" &&
	test_expect_code 2 annal append --actor a --action b --target "t$(printf "\033")" &&
	test_expect_code 2 annal append --actor a --action b --decision "d${tab}" &&
	test_expect_code 2 annal append --actor a --action b --target "" &&
	refs_unchanged
'

test_expect_success 'control characters in free text are kept in the record' '
	annal append --actor a --action b --reason "line 1
line${tab}2" >id &&
	annal_record repo.git $(cat id) >rec &&
	json_get reason <rec >actual &&
	printf "%s\n" "\"line 1\\nline\\t2\"" >expect &&
	test_cmp expect actual
'

test_expect_success 'a non-ASCII actor is kept as UTF-8 in the commit' '
	annal append --actor "José 😀" --action b >id &&
	git -C repo.git cat-file commit $(cat id) >commit &&
	grep "^author José 😀 <annal> " commit &&
	grep "^#[0-9]* José 😀 b\$" commit
'

test_expect_success PYTHON3 'the log checks out after all of this' '
	annal_check_log repo.git >records &&
	git -C repo.git rev-list --count refs/audit/main >count &&
	test_line_count = $(cat count) records
'

test_expect_success 'git fsck --strict finds nothing wrong' '
	git -C repo.git fsck --strict --no-dangling >out 2>err &&
	! grep -i -e error -e warning -e missing -e broken out err
'

# git cannot hold refs/audit/main and refs/audit/main/sub at once: a
# typo in --log gets one clear line, exit 2, and writes nothing.
test_expect_success 'a log name below an existing log is refused, and the reverse' '
	annal init conflict.git >/dev/null &&
	annal -C conflict.git append --actor a --action b >/dev/null &&
	annal -C conflict.git append --log team/web --actor a --action b >/dev/null &&
	git -C conflict.git for-each-ref >refs.before &&
	find conflict.git/objects -type f | sort >objects.before &&
	test_expect_code 2 annal -C conflict.git append --log main/sub --actor a --action b >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: log ${SQ}main/sub${SQ} cannot be created: log ${SQ}main${SQ} exists, and git cannot hold both ${SQ}refs/audit/main${SQ} and ${SQ}refs/audit/main/sub${SQ}; choose another log name" >expect &&
	test_cmp expect err &&
	echo "{\"actor\":\"a\",\"action\":\"b\"}" >line &&
	test_expect_code 2 annal -C conflict.git append --stdin --log main/sub/deeper <line >out 2>err &&
	grep "^annal: error: log ${SQ}main/sub/deeper${SQ} cannot be created: log ${SQ}main${SQ} exists" err &&
	test_expect_code 2 annal -C conflict.git append --log team --actor a --action b >out 2>err &&
	echo "annal: error: log ${SQ}team${SQ} cannot be created: log ${SQ}team/web${SQ} exists, and git cannot hold both ${SQ}refs/audit/team${SQ} and ${SQ}refs/audit/team/web${SQ}; choose another log name" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal -C conflict.git append --stdin --stream --log team <line >out 2>err &&
	test_cmp expect err &&
	git -C conflict.git pack-refs --all &&
	test_expect_code 2 annal -C conflict.git append --log main/sub --actor a --action b 2>err &&
	grep "log ${SQ}main${SQ} exists" err &&
	test_expect_code 2 annal -C conflict.git append --log team --actor a --action b 2>err &&
	grep "log ${SQ}team/web${SQ} exists" err &&
	git -C conflict.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	find conflict.git/objects -type f | sort >objects.after &&
	test_cmp objects.before objects.after &&
	annal -C conflict.git append --log team/app --actor a --action b >/dev/null &&
	annal -C conflict.git append --log mainly --actor a --action b >/dev/null
'

test_done
