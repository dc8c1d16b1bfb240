#!/bin/sh

test_description='checkpoints and witness state travel with plain git

A host, a witness and an auditor, each a repository of its own; stock
git push and fetch move refs/annal/checkpoints/<log> and
refs/annal/witness/<name>.  The host truncates its log and rewinds its
checkpoint ref; the auditor catches it with the checkpoint the witness
cosigned.'

. "$(dirname "$0")/test-lib.sh"

W=witness.example/w1

test_expect_success 'setup: host, witness, auditor' '
	annal init host.git >/dev/null &&
	annal keygen -f logkey >/dev/null &&
	annal keygen -f wkey >/dev/null &&
	git init -q --bare witness.git &&
	git init -q --bare auditor.git &&
	ANNAL_SIGNING_KEY=$PWD/logkey && export ANNAL_SIGNING_KEY &&
	for i in 1 2 3
	do
		annal -C host.git append --actor alice --action deploy >/dev/null || return 1
	done &&
	annal -C host.git checkpoint --origin host.example/annal/main >cp4 &&
	annal -C host.git checkpoint --verifier-key >vk &&
	annal -C witness.git witness add-log --name $W "$(cat vk)" &&
	annal witness verifier-key --name $W --key wkey.pub >wvk
'

test_expect_success 'the witness cosigns the first checkpoint and then a longer one' '
	annal -C host.git prove consistency 0 cp4 >req4 &&
	annal -C witness.git witness cosign --name $W --key wkey req4 >/dev/null &&
	for i in 4 5 6
	do
		annal -C host.git append --actor bob --action deploy >/dev/null || return 1
	done &&
	annal -C host.git checkpoint >cp7 &&
	annal -C host.git prove consistency cp4 cp7 >req7 &&
	head -n 1 req7 >first &&
	echo "old 4" >expect &&
	test_cmp expect first &&
	annal -C witness.git witness cosign --name $W --key wkey --note req7 >cp7.cosigned &&
	echo "host.example/annal/main 7 $(cat vk)" >expect &&
	annal -C witness.git witness list --name $W >actual &&
	test_cmp expect actual
'

test_expect_success 'the host pushes its log and checkpoints to the auditor with git push' '
	git -C host.git push -q ../auditor.git \
		refs/audit/main:refs/audit/main \
		refs/annal/checkpoints/main:refs/annal/checkpoints/hosts/host1/main &&
	git -C auditor.git rev-parse refs/annal/checkpoints/hosts/host1/main &&
	annal -C auditor.git verify --checkpoint cp7.cosigned --witness-key "$(cat wvk)" >out &&
	grep "cosigned by 1 of 1 witnesses (witness.example/w1)" out
'

test_expect_success 'the host truncates its log and rewinds its checkpoints' '
	head4=$(git -C host.git rev-parse refs/audit/main~3) &&
	git -C host.git update-ref refs/audit/main $head4 &&
	git -C host.git update-ref refs/annal/checkpoints/main \
		$(git -C host.git rev-parse refs/annal/checkpoints/main~1) &&
	annal -C host.git verify >out &&
	grep "log main: 4 records verified" out
'

test_expect_success 'a fresh auditor fetches from host and witness with git fetch' '
	rm -rf auditor.git &&
	git init -q --bare auditor.git &&
	git -C auditor.git fetch -q ../host.git \
		"refs/audit/*:refs/audit/*" \
		"refs/annal/checkpoints/*:refs/annal/checkpoints/hosts/host1/*" &&
	git -C auditor.git fetch -q ../witness.git "refs/annal/witness/*:refs/annal/witness/*" &&
	annal -C auditor.git verify >out &&
	grep "log main: 4 records verified" out
'

test_expect_success 'the auditor catches the truncation with the cosigned checkpoint' '
	git -C auditor.git show "refs/annal/witness/$W:host.example%2Fannal%2Fmain.checkpoint" >cosigned &&
	sed -n 2p cosigned >size &&
	echo 7 >expect &&
	test_cmp expect size &&
	test_expect_code 1 annal -C auditor.git verify --checkpoint cosigned \
		--witness-key "$(cat wvk)" 2>err &&
	grep "checkpointTruncated" err
'

test_expect_success 'the witness refuses the host'"'"'s truncated history' '
	for i in 5 6 7
	do
		annal -C host.git append --actor mallory --action deploy >/dev/null || return 1
	done &&
	annal -C host.git checkpoint >cp7fork &&
	annal -C host.git prove consistency 4 cp7fork >req7fork &&
	test_expect_code 1 annal -C witness.git witness cosign --name $W --key wkey req7fork 2>err &&
	grep "split view: the log .host.example/annal/main. signed two roots for size 7" err
'

test_done
