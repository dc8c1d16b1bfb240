#!/bin/sh

test_description='evidence bundles of version 3: a checkpoint and inclusion proofs

annal export --bundle adds the checkpoint kept last (or --checkpoint
<file>) when it covers the exported records, and an inclusion proof per
record; audit-verify checks the checkpoint'"'"'s signature, each record'"'"'s
leaf against its root, and with --witness-key its cosignatures.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"

test_expect_success 'setup: a signed log of 5 records and its checkpoint' '
	annal init log.git >/dev/null &&
	annal keygen -f logkey >/dev/null &&
	ANNAL_SIGNING_KEY=$PWD/logkey && export ANNAL_SIGNING_KEY &&
	for i in 1 2 3 4
	do
		annal -C log.git append --actor alice --action "step$i" >/dev/null || return 1
	done &&
	annal -C log.git checkpoint --origin example.com/log >cp5 &&
	sed -n 2p cp5 >size &&
	echo 5 >expect &&
	test_cmp expect size
'

test_expect_success 'a bundle of the whole log is version 3, with checkpoint and proofs' '
	annal -C log.git export --bundle all.zip &&
	python3 "$LIB_BUNDLE" list all.zip >members &&
	grep -x checkpoint members &&
	grep -x proofs.jsonl members &&
	python3 "$LIB_BUNDLE" cat all.zip manifest.json >manifest &&
	grep "\"version\":3" manifest &&
	python3 "$LIB_BUNDLE" cat all.zip checkpoint >kept &&
	test_cmp cp5 kept &&
	python3 "$LIB_BUNDLE" cat all.zip proofs.jsonl >proofs &&
	test_line_count = 5 proofs &&
	head -n 1 proofs >first &&
	grep "^{\"index\":0,\"proof\":\[\"[A-Za-z0-9+/]\{43\}=\",\"[A-Za-z0-9+/]\{43\}=\",\"[A-Za-z0-9+/]\{43\}=\"\],\"seq\":1}$" first &&
	annal audit-verify --key logkey.pub all.zip >out &&
	grep "^checkpoint: example.com/log, size 5: every record proved in its tree$" out &&
	grep "^result: intact$" out &&
	annal audit-verify --key logkey.pub --format json all.zip >json &&
	grep "\"checkpoint\":{\"size\":5,\"origin\":\"example.com/log\"}" json
'

test_expect_success 'the proofs check with the RFC 6962 rules, outside annal' '
	python3 "$LIB_BUNDLE" cat all.zip records.jsonl >records &&
	cat >check.py <<-\EOF &&
	import base64, hashlib, json, sys
	cp = open(sys.argv[1]).read().split("\n")
	size, root = int(cp[1]), base64.b64decode(cp[2])
	def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()
	for rec_line, proof_line in zip(open(sys.argv[2], "rb"), open(sys.argv[3])):
	    rec = json.loads(rec_line)
	    del rec["id"]
	    leaf = json.dumps(rec, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False).encode()
	    p = json.loads(proof_line)
	    h, fn, sn = hashlib.sha256(b"\x00" + leaf).digest(), p["index"], size - 1
	    for x in map(base64.b64decode, p["proof"]):
	        if fn % 2 == 1 or fn == sn:
	            h = node(x, h)
	            while fn % 2 == 0 and fn:
	                fn, sn = fn >> 1, sn >> 1
	        else:
	            h = node(h, x)
	        fn, sn = fn >> 1, sn >> 1
	    assert h == root and sn == 0, p["seq"]
	print("ok")
	EOF
	python3 check.py cp5 records proofs >out &&
	echo ok >expect &&
	test_cmp expect out
'

test_expect_success 'a filtered export: a proof for each record exported' '
	annal -C log.git export --bundle some.zip --action step2 --checkpoint cp5 &&
	python3 "$LIB_BUNDLE" cat some.zip proofs.jsonl >proofs &&
	test_line_count = 1 proofs &&
	grep "^{\"index\":1,.*\"seq\":2}$" proofs &&
	annal audit-verify --key logkey.pub some.zip >out &&
	grep "every record proved" out
'

test_expect_success 'no checkpoint covers the records: version 1, as before' '
	annal -C log.git export --bundle v1.zip &&
	python3 "$LIB_BUNDLE" cat v1.zip manifest.json >manifest &&
	grep "\"version\":1" manifest &&
	python3 "$LIB_BUNDLE" list v1.zip >members &&
	! grep -x checkpoint members &&
	annal audit-verify --key logkey.pub v1.zip >out &&
	! grep "^checkpoint:" out &&
	test_expect_code 2 annal -C log.git export --bundle x.zip --checkpoint cp5 2>err &&
	grep "does not cover the last record exported" err &&
	test_path_is_missing x.zip
'

test_expect_success 'a checkpoint of another tree is refused at export' '
	annal -C log.git checkpoint >cp8 &&
	sed "3s/^A/#/;3s/^[^#]/A/;3s/^#/B/" cp8 >bad &&
	! test_cmp cp8 bad &&
	test_expect_code 1 annal -C log.git export --bundle y.zip --from-seq 1 --to-seq 2 --checkpoint bad 2>err &&
	grep "does not sign the log.s root" err &&
	test_path_is_missing y.zip
'

test_expect_success 'witnesses: audit-verify --witness-key asks for cosignatures' '
	annal keygen -f wkey >/dev/null &&
	git init -q --bare w.git &&
	annal -C w.git witness add-log --name w.example "$(annal -C log.git checkpoint --verifier-key)" &&
	annal -C log.git prove consistency 0 cp8 >req &&
	annal -C w.git witness cosign --name w.example --key wkey --note req >cp8.cosigned &&
	annal witness verifier-key --name w.example --key wkey.pub >wvk &&
	annal -C log.git export --bundle w.zip --from-seq 1 --to-seq 3 --checkpoint cp8.cosigned &&
	annal audit-verify --key logkey.pub --witness-key "$(cat wvk)" w.zip >out &&
	grep "result: intact" out &&
	test_expect_code 1 annal audit-verify --key logkey.pub --witness-key "$(cat wvk)" all.zip 2>err &&
	grep "cosigned by 0 of the 1 witnesses required" err
'

test_expect_success SSHKEYGEN 'a signer who lies about the proofs or the checkpoint is caught' '
	chmod 600 logkey &&
	python3 "$LIB_BUNDLE" cat all.zip proofs.jsonl >proofs &&
	sed "2s/\"proof\":\[\"A/\"proof\":[\"#/;2s/\"proof\":\[\"[^#]/\"proof\":[\"A/;2s/\"proof\":\[\"#/\"proof\":[\"B/" proofs >bad-proofs &&
	! test_cmp proofs bad-proofs &&
	sed 1d proofs >short-proofs &&
	python3 "$LIB_BUNDLE" cat all.zip checkpoint >cp &&
	sed "3s/^A/#/;3s/^[^#]/A/;3s/^#/B/" cp >bad-cp &&
	! test_cmp cp bad-cp &&
	python3 "$LIB_BUNDLE" forge all.zip f1.zip --resign logkey replace proofs.jsonl bad-proofs &&
	test_expect_code 1 annal audit-verify --key logkey.pub f1.zip 2>err &&
	grep "record seq 2 is not in the tree the checkpoint signs" err &&
	python3 "$LIB_BUNDLE" forge all.zip f2.zip --resign logkey replace proofs.jsonl short-proofs &&
	test_expect_code 1 annal audit-verify --key logkey.pub f2.zip 2>err &&
	grep "proofs.jsonl line 1 is not the proof of record seq 1" err &&
	python3 "$LIB_BUNDLE" forge all.zip f3.zip --resign logkey replace checkpoint bad-cp &&
	test_expect_code 1 annal audit-verify --key logkey.pub f3.zip 2>err &&
	grep "checkpoint: not signed by a key of the log" err &&
	python3 "$LIB_BUNDLE" forge all.zip f4.zip --resign logkey drop proofs.jsonl &&
	test_expect_code 1 annal audit-verify --key logkey.pub f4.zip 2>err &&
	grep "member .proofs.jsonl. is missing" err &&
	python3 "$LIB_BUNDLE" forge all.zip f5.zip --resign logkey set-json manifest.json 0 version 1 &&
	test_expect_code 1 annal audit-verify --key logkey.pub f5.zip 2>err &&
	grep "a bundle of version 1 holds no checkpoint or proofs.jsonl" err
'

test_lazy_prereq PYCRYPTOGRAPHY '
	python3 -c "from cryptography.hazmat.primitives.serialization import load_ssh_private_key"
'

test_expect_success SSHKEYGEN,PYCRYPTOGRAPHY 'log keys pinned: a checkpoint signed by the bundle'"'"'s own signer is refused' '
	annal keygen -f evil >/dev/null &&
	chmod 600 evil &&
	python3 "$LIB_BUNDLE" cat all.zip checkpoint >cp &&
	head -n 3 cp >text &&
	python3 "$TEST_DIRECTORY/lib-notesign.py" evil text >evil-cp &&
	python3 "$LIB_BUNDLE" forge all.zip evil.zip --resign evil replace checkpoint evil-cp &&
	test_expect_code 1 annal audit-verify --log-key logkey.pub evil.zip 2>err &&
	grep "checkpoint: not signed by a key the log.s pins vouch for" err &&
	annal audit-verify --log-key logkey.pub all.zip >out &&
	grep "^result: intact$" out &&
	annal audit-verify --key evil.pub evil.zip >out &&
	grep "^result: intact$" out
'

test_done
