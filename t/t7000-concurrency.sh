#!/bin/sh

test_description='annal append: concurrent writers never lose or fork records'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO

WRITERS=8
PER_WRITER=500

# writer W N: N appends, one process each; ids in ids.W, exit codes in rc.W
writer () {
	i=1
	while test $i -le $2
	do
		annal append --actor "w$1" --action a --field "i=$i" \
			>>"ids.$1" 2>>"err.$1"
		echo $? >>"rc.$1"
		i=$((i + 1))
	done
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
		test_line_count = $PER_WRITER rc.$w &&
		test_must_be_empty err.$w &&
		! grep -v "^0\$" rc.$w &&
		test_line_count = $PER_WRITER ids.$w || return 1
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
	cat ids.* >printed &&
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

test_done
