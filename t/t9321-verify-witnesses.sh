#!/bin/sh

test_description='annal verify --witness-key --witnesses: k of n cosignatures

Checkpoints signed by annal checkpoint, cosigned by annal witness in
witness repositories of their own; verify asks k of n witnesses.'

. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: a signed log, its checkpoint, three witnesses' '
	annal init log.git >/dev/null &&
	annal keygen -f logkey >/dev/null &&
	ANNAL_SIGNING_KEY=$PWD/logkey && export ANNAL_SIGNING_KEY &&
	for i in 1 2 3
	do
		annal -C log.git append --actor alice --action deploy >/dev/null || return 1
	done &&
	annal -C log.git checkpoint --origin example.com/log >cp &&
	annal -C log.git checkpoint --verifier-key >vk &&
	annal -C log.git prove consistency 0 cp >req &&
	for w in w1 w2 w3
	do
		annal keygen -f $w.key >/dev/null &&
		git init -q --bare $w.git &&
		annal witness verifier-key --name $w.example --key $w.key.pub >$w.vk &&
		annal -C $w.git witness add-log --name $w.example "$(cat vk)" || return 1
	done &&
	annal -C w1.git witness cosign --name w1.example --key w1.key --note req >cp.w1 &&
	annal -C w2.git witness cosign --name w2.example --key w2.key req >line.w2 &&
	cat cp.w1 line.w2 >cp.w12
'

# flip NAME: the signature line by NAME on stdin with one base64 digit
# of its signature changed
flip () {
	awk -v name="$1" '
		$1 == "—" && $2 == name {
			c = substr($3, 30, 1)
			$3 = substr($3, 1, 29) (c == "A" ? "B" : "A") substr($3, 31)
		}
		{ print }
	'
}

# keys WITNESS...: --witness-key options
keys () {
	for w in "$@"
	do
		printf " --witness-key %s" "$(cat $w.vk)"
	done
}

test_expect_success 'all witnesses given cosigned: ok, each named' '
	annal -C log.git verify --checkpoint cp.w12 $(keys w1 w2) >out &&
	grep "^log main: checkpoint cp.w12 cosigned by 2 of 2 witnesses (w1.example, w2.example), 2 required$" out
'

test_expect_success 'by default all are required: one missing fails, named' '
	test_expect_code 1 annal -C log.git verify --checkpoint cp.w12 $(keys w1 w2 w3) 2>err &&
	grep "witnessQuorum: checkpoint .cp.w12. is cosigned by 2 of the 3 witnesses required (by: w1.example, w2.example; missing or invalid: w3.example)" err
'

test_expect_success '2 of 3 is enough with --witnesses 2' '
	annal -C log.git verify --checkpoint cp.w12 $(keys w1 w2 w3) --witnesses 2 >out &&
	grep "cosigned by 2 of 3 witnesses (w1.example, w2.example), 2 required" out &&
	test_expect_code 1 annal -C log.git verify --checkpoint cp.w1 $(keys w1 w2 w3) --witnesses 2 2>err &&
	grep "cosigned by 1 of the 2 witnesses required (by: w1.example; missing or invalid: w2.example, w3.example)" err
'

test_expect_success 'a cosignature that does not verify counts as missing' '
	flip w2.example <cp.w12 >bad &&
	! test_cmp cp.w12 bad &&
	annal -C log.git verify --checkpoint bad $(keys w1) &&
	test_expect_code 1 annal -C log.git verify --checkpoint bad $(keys w1 w2) 2>err &&
	grep "missing or invalid: w2.example" err
'

test_expect_success 'json names the check' '
	test_expect_code 1 annal -C log.git verify --format json --checkpoint cp.w1 $(keys w2) >out &&
	grep "\"check\":\"witnessQuorum\"" out
'

test_expect_success 'the log key is still checked: a forged log signature fails first' '
	flip example.com/log <cp.w12 >forged &&
	! test_cmp cp.w12 forged &&
	test_expect_code 1 annal -C log.git verify --checkpoint forged $(keys w1 w2) 2>err &&
	grep badCheckpointSignature err
'

test_expect_success 'bad usage: exit 2' '
	test_expect_code 2 annal -C log.git verify $(keys w1) 2>err &&
	grep "needs .--checkpoint." err &&
	test_expect_code 2 annal -C log.git verify --checkpoint cp.w1 --witnesses 1 2>err &&
	grep "option .--witnesses. needs .--witness-key." err &&
	test_expect_code 2 annal -C log.git verify --checkpoint cp.w1 $(keys w1) --witnesses 2 2>err &&
	grep "needs as many .--witness-key., not 1" err &&
	test_expect_code 2 annal -C log.git verify --checkpoint cp.w1 --witness-key nonsense 2>err &&
	grep "witness key .nonsense." err
'

test_expect_success 'one witness key given twice does not make two cosignatures' '
	test_expect_code 2 annal -C log.git verify --checkpoint cp.w1 $(keys w1 w1) --witnesses 2 2>err &&
	grep "are one public key: give each witness once" err &&
	test_expect_code 2 annal -C log.git verify --checkpoint cp.w1 $(keys w1 w2 w1) --witnesses 2 2>err &&
	grep "are one public key" err
'

test_expect_success 'the log key is no witness key: its own signature is no cosignature' '
	test_expect_code 2 annal -C log.git verify --checkpoint cp --witness-key "$(cat vk)" 2>err &&
	grep "is not a cosignature/v1 key (type 0x01, not 0x04)" err
'

test_done
