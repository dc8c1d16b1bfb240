#!/bin/sh

test_description='checkpoints and witnesses as an operator runs them

The examples of annal-witness(1) run as written; a host, a central
repository made by annal init --central, a witness and an auditor on a
fresh mirror clone exchange logs, checkpoints and cosignatures with
stock git, git gc and repack between the steps; the central repository
refuses a push that rewinds or deletes the kept checkpoints; verify
--format json counts the checkpoints it checked.'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

test_expect_success 'setup: a signed log with its key in annal.signingKey' '
	annal init log.git >/dev/null &&
	annal keygen -f logkey >/dev/null &&
	git -C log.git config annal.signingKey "$PWD/logkey" &&
	annal -C log.git append --actor alice --action deploy >/dev/null &&
	annal -C log.git checkpoint --origin example.com/audit/main >/dev/null
'

test_expect_success 'annal-witness(1) EXAMPLES, as written' '
	(
		ANNAL_REPO=$PWD/log.git && export ANNAL_REPO &&
		annal keygen -f witness.key >/dev/null &&
		git init -q --bare witness.git &&
		annal -C witness.git witness add-log --name example.com/w1 \
			"$(annal checkpoint --verifier-key)" &&
		annal checkpoint >old.cp &&
		annal prove consistency 0 old.cp >req &&
		annal -C witness.git witness cosign --name example.com/w1 \
			--key witness.key --note req >old.cosigned &&
		annal append --actor alice --action deploy >/dev/null &&
		annal checkpoint >new.cp &&
		annal prove consistency old.cp new.cp >req &&
		annal -C witness.git witness cosign --name example.com/w1 \
			--key witness.key --note req >new.cosigned
	) &&
	grep "^— example.com/w1 " new.cosigned &&
	annal -C witness.git witness list --name example.com/w1 >list &&
	test "$(cut -d" " -f1,2 list)" = "example.com/audit/main 3"
'

test_expect_success PYTHON3 'verify --format json counts the checkpoints it checked' '
	annal -C log.git verify --format json --checkpoint new.cosigned >out &&
	json_get /logs/0/checkpoints <out >actual &&
	: new.cosigned and the two kept in refs/annal/checkpoints/main &&
	echo 3 >expect &&
	test_cmp expect actual &&
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor a --action b >/dev/null &&
	annal -C plain.git verify --format json >out &&
	python3 -c "
import json
got = json.load(open(\"out\"))
assert \"checkpoints\" not in got[\"logs\"][0], got
"
'

gc_all () {
	for r in "$@"
	do
		git -C "$r" gc -q --prune=now &&
		git -C "$r" repack -adq &&
		git -C "$r" prune || return 1
	done
}

test_expect_success 'host, central, witness, auditor over stock git' '
	annal init --central central.git >/dev/null &&
	git -C log.git config annal.host web1 &&
	gc_all log.git witness.git &&
	annal -C log.git push -q "$PWD/central.git" &&
	git -C log.git push -q "$PWD/central.git" \
		+refs/annal/checkpoints/main:refs/annal/checkpoints/hosts/web1/main &&
	git -C witness.git push -q "$PWD/central.git" \
		"refs/annal/witness/*:refs/annal/witness/*" &&
	gc_all central.git &&
	annal witness verifier-key --name example.com/w1 --key witness.key.pub >w1.vkey &&
	git clone -q --mirror central.git audit.git &&
	test_path_is_missing audit.git/annal/tree &&
	git -C audit.git show \
		"refs/annal/witness/example.com/w1:example.com%2Faudit%2Fmain.checkpoint" >cp &&
	test_cmp new.cosigned cp &&
	annal -C audit.git verify --log hosts/web1/main --checkpoint cp \
		--witness-key "$(cat w1.vkey)" >out &&
	grep "^log hosts/web1/main: 3 checkpoints consistent$" out &&
	grep "cosigned by 1 of 1 witnesses (example.com/w1), 1 required$" out &&
	annal -C audit.git verify --all >out &&
	grep "^log hosts/web1/main: 2 checkpoints consistent$" out &&
	gc_all audit.git &&
	annal -C log.git export --bundle b.zip --checkpoint new.cosigned >/dev/null &&
	annal audit-verify --key logkey.pub --log-key logkey.pub \
		--witness-key "$(cat w1.vkey)" b.zip >out &&
	grep "^result: intact$" out
'

test_expect_success GIT 'the central keeps every checkpoint: no rewind, no deletion' '
	ref=refs/annal/checkpoints/hosts/web1/main &&
	kept=$(git -C central.git rev-parse $ref) &&
	test_must_fail git -C log.git push "$PWD/central.git" \
		+refs/annal/checkpoints/main~1:$ref 2>err &&
	grep "^remote: annal: error: $ref: nonFastForward: " err &&
	test_must_fail git -C log.git push "$PWD/central.git" :$ref 2>err &&
	grep "^remote: annal: error: $ref: deletedRef: " err &&
	test "$(git -C central.git rev-parse $ref)" = "$kept" &&
	annal -C log.git append --actor alice --action deploy >/dev/null &&
	annal -C log.git checkpoint >/dev/null &&
	annal -C log.git push -q "$PWD/central.git" &&
	git -C log.git push -q "$PWD/central.git" refs/annal/checkpoints/main:$ref &&
	test "$(git -C central.git rev-parse $ref)" = \
		"$(git -C log.git rev-parse refs/annal/checkpoints/main)" &&
	git -C audit.git fetch -q origin "+refs/*:refs/*"
'

test_expect_success PYTHON3 'a damaged kept checkpoint fails its log, named, not verify --all' '
	annal init two.git >/dev/null &&
	annal -C two.git append --log a --actor a --action b >/dev/null &&
	annal -C two.git append --log b --actor a --action c >/dev/null &&
	empty=$(git -C two.git mktree </dev/null) &&
	c1=$(git -C two.git commit-tree -m x $empty) &&
	git -C two.git update-ref refs/annal/checkpoints/a $c1 &&
	test_expect_code 1 annal -C two.git verify --all >out 2>err &&
	grep "^annal: error: log a: badCheckpoint: stored checkpoint $c1 holds no .checkpoint. file$" err &&
	grep "^log b: 1 record verified" out &&
	junk=$(echo junk | git -C two.git hash-object -w --stdin) &&
	tree=$(printf "100644 blob %s\tcheckpoint\n" $junk | git -C two.git mktree) &&
	c2=$(git -C two.git commit-tree -m x $tree) &&
	git -C two.git update-ref refs/annal/checkpoints/a $c2 &&
	test_expect_code 1 annal -C two.git verify --all --format json >out &&
	json_get /logs/0/error/check <out >actual &&
	echo "\"badCheckpoint\"" >expect &&
	test_cmp expect actual &&
	json_get /logs/1/ok <out >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success '--witnesses 0 is a usage error, not "all"' '
	test_expect_code 2 annal -C log.git verify --checkpoint new.cosigned \
		--witness-key "$(cat w1.vkey)" --witnesses 0 2>err &&
	head -n 1 err >actual &&
	echo "annal: error: ${SQ}--witnesses${SQ} takes 1 to the number of ${SQ}--witness-key${SQ}, not 0" >expect &&
	test_cmp expect actual &&
	test_expect_code 2 annal audit-verify --unpinned \
		--witness-key "$(cat w1.vkey)" --witnesses 0 b.zip 2>err &&
	head -n 1 err >actual &&
	test_cmp expect actual
'

test_expect_success 'checkpoint --agent goes with --sign-key <file>.pub, as -h says' '
	annal checkpoint -h >out &&
	grep "^usage: annal checkpoint .*\[--sign-key <file>\] \[--agent\]" out
'

test_expect_success 'README: the checkpoint and witness example' '
	mkdir readme &&
	(
		cd readme &&
		annal init log.git >/dev/null &&
		annal keygen -f logkey >/dev/null &&
		ANNAL_REPO=$PWD/log.git && export ANNAL_REPO &&
		ANNAL_SIGNING_KEY=$PWD/logkey && export ANNAL_SIGNING_KEY &&
		annal append --actor alice --action deploy >/dev/null &&
		annal checkpoint --origin example.com/audit/main >cp &&
		annal checkpoint --verifier-key >log.vkey &&
		annal prove consistency 0 cp >req &&
		annal keygen -f w1.key >/dev/null && git init -q --bare witness.git &&
		annal witness verifier-key --name w1.example --key w1.key.pub >w1.vkey &&
		annal -C witness.git witness add-log --name w1.example "$(cat log.vkey)" &&
		annal -C witness.git witness cosign --name w1.example --key w1.key --note req >cp.w1 &&
		annal verify --checkpoint cp.w1 --witness-key "$(cat w1.vkey)" >out &&
		grep "cosigned by 1 of 1 witnesses (w1.example), 1 required$" out
	)
'

test_expect_success 'the auditor catches a truncated host' '
	git -C central.git update-ref refs/audit/hosts/web1/main \
		"$(git -C central.git rev-parse refs/audit/hosts/web1/main~1)" &&
	git -C audit.git fetch -q --prune origin "+refs/*:refs/*" &&
	test_expect_code 1 annal -C audit.git verify --log hosts/web1/main \
		--checkpoint cp --witness-key "$(cat w1.vkey)" 2>err &&
	grep "checkpointTruncated" err
'

test_done
