#!/bin/sh

test_description='annal append: concurrent writers never lose or fork records'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

WRITERS=8
PER_WRITER=500

# appender P W N ARGS...: N appends (annal append ARGS...) by actor PW,
# one process each; ids in Pids.W, stderr in Perr.W, exit codes in Prc.W
appender () {
	ap_p_=$1 ap_w_=$2 ap_n_=$3
	shift 3
	i=1
	while test $i -le $ap_n_
	do
		annal append "$@" --actor "$ap_p_$ap_w_" --action a --field "i=$i" \
			>>"${ap_p_}ids.$ap_w_" 2>>"${ap_p_}err.$ap_w_"
		echo $? >>"${ap_p_}rc.$ap_w_"
		i=$((i + 1))
	done
}

# writer W N: N appends to main; ids in wids.W, exit codes in wrc.W
writer () {
	appender w "$@"
}

# signed_writer W N: N appends to log signed, signed with key k; ids in
# sids.W, exit codes in src.W
signed_writer () {
	appender s "$@" --log signed --sign-key k
}

# batch_writer W B N: B appends of N records each from --stdin
batch_writer () {
	b=1
	while test $b -le $2
	do
		i=1
		while test $i -le $3
		do
			echo "{\"actor\":\"b$1\",\"action\":\"batch\",\"batch\":$b,\"i\":$i}"
			i=$((i + 1))
		done >"in.$1.$b"
		annal append --log batch --stdin <"in.$1.$b" >"bids.$1.$b" \
			2>>"berr.$1"
		echo $? >>"brc.$1"
		b=$((b + 1))
	done
}

# signed_batch_writer W B N: B signed batches of N records
signed_batch_writer () {
	b=1
	while test $b -le $2
	do
		test_seq $3 | sed -e "s/.*/{\"actor\":\"sb$1\",\"action\":\"b$b\",\"i\":&}/" \
			>"sin.$1.$b"
		annal append --log signed --sign-key k --stdin <"sin.$1.$b" \
			>"sbids.$1.$b" 2>>"sberr.$1"
		echo $? >>"sbrc.$1"
		b=$((b + 1))
	done
}

# run_all FUNCTION COUNT ARGS...: COUNT copies of FUNCTION W ARGS... at once
run_all () {
	f=$1
	n=$2
	shift 2
	w=1
	while test $w -le $n
	do
		$f $w "$@" &
		w=$((w + 1))
	done
	wait
}

test_expect_success 'setup' '
	annal init "$ANNAL_REPO"
'

test_expect_success "$WRITERS writers x $PER_WRITER appends at once" '
	start=$(date +%s) &&
	run_all writer $WRITERS $PER_WRITER &&
	end=$(date +%s) &&
	say "$((WRITERS * PER_WRITER)) concurrent appends took $((end - start))s"
'

test_expect_success 'every append exited 0 and printed one id' '
	for w in $(test_seq $WRITERS)
	do
		test_line_count = $PER_WRITER wrc.$w &&
		test_must_be_empty werr.$w &&
		! grep -v "^0\$" wrc.$w &&
		test_line_count = $PER_WRITER wids.$w || return 1
	done
'

test_expect_success GIT 'the log has exactly every record, no fork' '
	git -C repo.git rev-list --count refs/audit/main >actual &&
	echo $((WRITERS * PER_WRITER)) >expect &&
	test_cmp expect actual &&
	git -C repo.git rev-list --min-parents=2 refs/audit/main >merges &&
	test_must_be_empty merges
'

test_expect_success PYTHON3 'seqs 1..N, every writer complete, printed ids in the log' '
	annal log --format jsonl --reverse >all.jsonl &&
	cat wids.* >printed &&
	python3 -c "
import json, sys
writers, per = int(sys.argv[1]), int(sys.argv[2])
recs = [json.loads(l) for l in open(\"all.jsonl\")]
assert len(recs) == writers * per, len(recs)
assert [r[\"seq\"] for r in recs] == list(range(1, writers * per + 1))
seen = {}
for r in recs:
    seen.setdefault(r[\"actor\"], []).append(r[\"i\"])
assert sorted(seen) == sorted(\"w%d\" % w for w in range(1, writers + 1)), seen.keys()
for actor, got in seen.items():
    # one process at a time per writer: its records in order
    assert got == [str(i) for i in range(1, per + 1)], (actor, got[:10])
ids = [r[\"id\"] for r in recs]
assert len(set(ids)) == len(ids)
printed = open(\"printed\").read().split()
assert sorted(printed) == sorted(ids), \"printed ids differ from the log\"
" $WRITERS $PER_WRITER
'

test_expect_success 'the log verifies' '
	annal log -n 1 >newest &&
	head=$(sed -n "s/^record //p" newest) &&
	annal verify >out &&
	echo "log main: $((WRITERS * PER_WRITER)) records verified, head $head" >expect &&
	test_cmp expect out
'

test_expect_success '4 writers x 20 batches of 25 at once' '
	start=$(date +%s) &&
	run_all batch_writer 4 20 25 &&
	end=$(date +%s) &&
	say "80 concurrent batches took $((end - start))s" &&
	for w in 1 2 3 4
	do
		test_line_count = 20 brc.$w &&
		! grep -v "^0\$" brc.$w &&
		test_must_be_empty berr.$w || return 1
	done
'

test_expect_success PYTHON3 'every batch is complete and contiguous' '
	annal log --log batch --format jsonl --reverse >batch.jsonl &&
	cat bids.* >printed &&
	python3 -c "
import json
recs = [json.loads(l) for l in open(\"batch.jsonl\")]
assert len(recs) == 4 * 20 * 25, len(recs)
assert [r[\"seq\"] for r in recs] == list(range(1, 2001))
for start in range(0, 2000, 25):
    chunk = recs[start:start + 25]
    keys = {(r[\"actor\"], r[\"batch\"]) for r in chunk}
    assert len(keys) == 1, (start, keys)
    assert [r[\"i\"] for r in chunk] == list(range(1, 26)), (start, chunk)
assert len({(r[\"actor\"], r[\"batch\"]) for r in recs}) == 80
printed = open(\"printed\").read().split()
assert sorted(printed) == sorted(r[\"id\"] for r in recs)
"
'

test_expect_success 'the batch log verifies' '
	annal verify --log batch >out &&
	grep "^log batch: 2000 records verified, head [0-9a-f]\{40\}\$" out
'

test_expect_success 'independent oracles: storage checker and git fsck --strict' '
	annal_oracles repo.git main &&
	annal_oracles repo.git batch
'

# Signed appenders at once: single appends and batches, each process
# signing with the same key.  Checked by annal (pinned), the storage
# checker of lib-ssh.sh, git fsck --strict and git verify-commit on
# every record.
test_expect_success SSHKEYGEN,GITSSH 'signed writers at once: 4 x 15 appends and 2 x 5 batches of 8' '
	annal keygen -f k -C k >/dev/null &&
	ssh_allowed allowed "" k.pub &&
	annal append --log signed --sign-key k --actor s0 --action first >sids.0 &&
	{
		run_all signed_writer 4 15 &
		run_all signed_batch_writer 2 5 8 &
		wait
	} &&
	for w in 1 2 3 4
	do
		test_line_count = 15 src.$w &&
		! grep -v "^0\$" src.$w &&
		test_must_be_empty serr.$w &&
		test_line_count = 15 sids.$w || return 1
	done &&
	for w in 1 2
	do
		test_line_count = 5 sbrc.$w &&
		! grep -v "^0\$" sbrc.$w &&
		test_must_be_empty sberr.$w || return 1
	done &&
	cat sids.* sbids.* | sort >printed &&
	annal_ids repo.git signed | sort >landed &&
	test_line_count = 141 landed &&
	test_cmp printed landed &&
	annal verify --log signed --key k.pub &&
	annal_oracles repo.git signed allowed &&
	ssh_signers repo.git signed >signers &&
	sort -u signers >kinds &&
	ssh_expect_signers k.pub >expect &&
	test_cmp expect kinds
'

test_done
