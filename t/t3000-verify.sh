#!/bin/sh

test_description='annal verify: intact logs, --all, --anchor, --format json'

. "$(dirname "$0")/test-lib.sh"

ANNAL_REPO="$(pwd)/repo.git"
export ANNAL_REPO
SQ="'"

# snapshot FILE: every path and file checksum in repo.git
snapshot () {
	find repo.git -print | sort >"$1" &&
	find repo.git -type f -exec cksum {} + | sort >>"$1"
}

test_expect_success 'setup' '
	annal init "$ANNAL_REPO" &&
	for i in 1 2 3 4 5
	do
		test_tick &&
		annal append --actor "user$i" --action "act$i" \
			--decision allowed >>ids || return 1
	done &&
	test_line_count = 5 ids &&
	annal append --log one --actor solo --action once >one-ids &&
	test_tick &&
	annal append --log team/a --actor t --action x >team-ids &&
	annal append --log team/a --actor t --action y >>team-ids
'

test_expect_success 'an intact log verifies' '
	annal verify >out 2>err &&
	echo "log main: 5 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success '--log selects the log' '
	annal verify --log main >out &&
	echo "log main: 5 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out &&
	annal verify --log one >out &&
	echo "log one: 1 records verified, head $(cat one-ids)" >expect &&
	test_cmp expect out &&
	annal verify --log team/a >out &&
	echo "log team/a: 2 records verified, head $(tail -n 1 team-ids)" >expect &&
	test_cmp expect out
'

test_expect_success PYTHON3 '--format json' '
	annal verify --format json >out &&
	test_line_count = 1 out &&
	python3 -c "
import json, sys
got = json.load(open(\"out\"))
want = {\"ok\": True, \"logs\": [{\"log\": \"main\", \"ok\": True,
        \"records\": 5, \"head\": sys.argv[1], \"signed\": False}]}
assert got == want, got
" "$(tail -n 1 ids)"
'

test_expect_success '--all verifies every log' '
	annal verify --all >out 2>err &&
	cat >expect <<-EOF &&
	log main: 5 records verified, head $(tail -n 1 ids)
	log one: 1 records verified, head $(cat one-ids)
	log team/a: 2 records verified, head $(tail -n 1 team-ids)
	EOF
	sort out >actual &&
	test_cmp expect actual &&
	test_must_be_empty err
'

test_expect_success PYTHON3 '--all --format json' '
	annal verify --all --format json >out &&
	python3 -c "
import json, sys
got = json.load(open(\"out\"))
assert got[\"ok\"] is True, got
logs = sorted(got[\"logs\"], key=lambda l: l[\"log\"])
want = [
    {\"log\": \"main\", \"ok\": True, \"records\": 5, \"head\": sys.argv[1], \"signed\": False},
    {\"log\": \"one\", \"ok\": True, \"records\": 1, \"head\": sys.argv[2], \"signed\": False},
    {\"log\": \"team/a\", \"ok\": True, \"records\": 2, \"head\": sys.argv[3], \"signed\": False},
]
assert logs == want, got
" "$(tail -n 1 ids)" "$(cat one-ids)" "$(tail -n 1 team-ids)"
'

test_expect_success 'unknown log: exit 2' '
	test_expect_code 2 annal verify --log nope >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no such log ${SQ}nope${SQ}" >expect &&
	test_cmp expect err
'

test_expect_success 'a repository without logs: no such log main' '
	annal init empty.git &&
	test_expect_code 2 annal -C empty.git verify >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: no such log ${SQ}main${SQ}" >expect &&
	test_cmp expect err
'

test_expect_success 'setup: the head we remember, then more records' '
	tail -n 1 ids >anchor &&
	test_tick &&
	annal append --actor late --action one >>ids &&
	test_tick &&
	annal append --actor late --action two >>ids &&
	test_line_count = 7 ids
'

test_expect_success '--anchor: an earlier head is still in the chain' '
	annal verify --anchor "$(cat anchor)" >out 2>err &&
	echo "log main: 7 records verified, head $(tail -n 1 ids)" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	annal verify --anchor "$(tail -n 1 ids)" >out &&
	test_cmp expect out &&
	annal verify --anchor "$(head -n 1 ids)" >out &&
	test_cmp expect out
'

test_expect_success '--anchor with an abbreviated id' '
	echo "log main: 7 records verified, head $(tail -n 1 ids)" >expect &&
	annal verify --anchor "$(cut -c1-12 anchor)" >out &&
	test_cmp expect out &&
	annal verify --anchor "$(cut -c1-7 anchor)" >out &&
	test_cmp expect out
'

test_expect_success '--anchor not in the chain: anchorNotFound, exit 1' '
	test_expect_code 1 annal verify --anchor "$(cat one-ids)" >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: .*anchorNotFound" err &&
	test_expect_code 1 annal verify \
		--anchor 0000000000000000000000000000000000000000 2>err &&
	test_line_count = 1 err &&
	grep anchorNotFound err &&
	test_expect_code 1 annal verify --log team/a \
		--anchor "$(cat anchor)" 2>err &&
	grep "^annal: error: log team/a: .*anchorNotFound" err
'

test_expect_success PYTHON3 '--anchor not found, --format json' '
	test_expect_code 1 annal verify --format json --anchor "$(cat one-ids)" >out &&
	python3 -c "
import json
got = json.load(open(\"out\"))
assert got[\"ok\"] is False, got
assert len(got[\"logs\"]) == 1 and got[\"logs\"][0][\"log\"] == \"main\", got
assert got[\"logs\"][0][\"ok\"] is False, got
assert got[\"logs\"][0][\"error\"][\"check\"] == \"anchorNotFound\", got
"
'

test_expect_success 'usage errors: exit 2' '
	for args in "--all --anchor $(cat anchor)" "--all --log main" \
		"--format xml" "--bogus" "extra" "--anchor"
	do
		test_expect_code 2 annal verify $args >out 2>err &&
		test_must_be_empty out &&
		head -n 1 err >first &&
		grep "^annal: error: " first || return 1
	done
'

test_expect_success 'a longer log verifies' '
	for i in $(test_seq 300)
	do
		echo "{\"actor\":\"bulk\",\"action\":\"n$i\"}" || return 1
	done >batch &&
	annal append --log bulk --stdin <batch >bulk-ids &&
	test_line_count = 300 bulk-ids &&
	annal verify --log bulk >out &&
	echo "log bulk: 300 records verified, head $(tail -n 1 bulk-ids)" >expect &&
	test_cmp expect out
'

test_expect_success 'verify does not modify the repository' '
	snapshot before &&
	annal verify >out &&
	annal verify --all >out &&
	annal verify --anchor "$(cat anchor)" --format json >out &&
	test_expect_code 1 annal verify --anchor "$(cat one-ids)" 2>err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success PYTHON3 '--format json when nothing can be checked: one object, nothing on stderr' '
	printf "bad line\n" >bad-signers &&
	test_expect_code 2 annal verify --log nosuch --format json >out 2>err &&
	test_must_be_empty err &&
	test_expect_code 2 annal verify --log -x --format json >>out 2>err &&
	test_must_be_empty err &&
	test_expect_code 2 annal verify --allowed-signers bad-signers --format json >>out 2>err &&
	test_must_be_empty err &&
	python3 -c "
import json
lines = open(\"out\").read().splitlines()
assert len(lines) == 3, lines
for l, want in zip(lines, [\"no such log\", \"invalid log name\", \"bad-signers:1:\"]):
    o = json.loads(l)
    assert o[\"ok\"] is False and o[\"logs\"] == [], o
    assert o[\"error\"][\"check\"] is None and want in o[\"error\"][\"message\"], o
"
'

test_done
