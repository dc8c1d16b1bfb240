#!/bin/sh

test_description='annal logs: every log, its records, head, first record and keys

Checked against stock git (rev-list, rev-parse) and ssh-keygen -l.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# expect_log REPO LOG SIGNED KEYFILE...: the lines annal logs prints for LOG,
# from git and ssh-keygen
expect_log () {
	el_repo_=$1 el_log_=$2 el_signed_=$3 &&
	shift 3 &&
	el_head_=$(git -C "$el_repo_" rev-parse "refs/audit/$el_log_") &&
	el_first_=$(git -C "$el_repo_" rev-list --max-parents=0 "refs/audit/$el_log_") &&
	el_n_=$(git -C "$el_repo_" rev-list --count "refs/audit/$el_log_") &&
	echo "log $el_log_" &&
	echo "    records: $el_n_" &&
	echo "    head: $el_head_ $(annal -C "$el_repo_" log --log "$el_log_" -1 --format jsonl | json_get ts | tr -d \")" &&
	echo "    first: $el_first_ $(annal -C "$el_repo_" log --log "$el_log_" --to-seq 1 --format jsonl | json_get ts | tr -d \")" &&
	echo "    signed: $el_signed_" &&
	for el_k_ in "$@"
	do
		echo "    key: $(ssh-keygen -lf "$el_k_" | cut -d" " -f2)" || return 1
	done
}

test_expect_success 'a repository without logs: nothing, [] in JSON' '
	annal init repo.git >/dev/null &&
	annal -C repo.git logs >out &&
	test_must_be_empty out &&
	annal -C repo.git logs --format json >out &&
	echo "[]" >expect &&
	test_cmp expect out
'

test_expect_success 'one record at a time, as a daemon appends: counts, head, first' '
	for a in login read logout
	do
		test_tick &&
		annal -C repo.git append --actor alice --action $a >/dev/null || return 1
	done &&
	test_tick &&
	annal -C repo.git append --log ops/deploy --actor ci --action deploy >/dev/null &&
	annal -C repo.git logs >actual &&
	{
		expect_log repo.git main no &&
		echo &&
		expect_log repo.git ops/deploy no
	} >expect &&
	test_cmp expect actual
'

test_expect_success SSHKEYGEN 'a signed log, after a rotation: the keys trusted now' '
	annal keygen -f k1 -C one >/dev/null &&
	annal keygen -f k2 -C two >/dev/null &&
	test_tick &&
	annal -C repo.git append --log signed --sign-key k1 --actor a --action x >/dev/null &&
	annal -C repo.git logs >actual &&
	expect_log repo.git signed yes k1.pub >expect.signed &&
	sed -n "/^log signed/,/^\$/p" actual >got &&
	test_cmp expect.signed got &&
	test_tick &&
	annal -C repo.git key rotate --log signed --sign-key k1 --new-key k2.pub \
		--retire >/dev/null &&
	annal -C repo.git logs >actual &&
	expect_log repo.git signed yes k2.pub >expect.signed &&
	sed -n "/^log signed/,/^\$/p" actual >got &&
	test_cmp expect.signed got
'

test_expect_success PYTHON3 '--format json: the same facts' '
	annal -C repo.git logs --format json >out &&
	python3 - <<-\EOF
	import json, subprocess
	def git(*a):
	    return subprocess.check_output(["git", "-C", "repo.git"] + list(a), text=True).strip()
	got = json.load(open("out"))
	assert [l["log"] for l in got] == ["main", "ops/deploy", "signed"], got
	for l in got:
	    ref = "refs/audit/" + l["log"]
	    assert l["head"]["id"] == git("rev-parse", ref), l
	    assert l["first"]["id"] == git("rev-list", "--max-parents=0", ref), l
	    assert l["records"] == int(git("rev-list", "--count", ref)), l
	    assert l["signed"] == (l["log"] == "signed"), l
	    assert len(l["keys"]) == (1 if l["signed"] else 0), l
	EOF
'

test_expect_success 'a fresh clone of the repository lists the same' '
	git clone -q --mirror repo.git clone.git &&
	annal -C repo.git logs >expect &&
	annal -C clone.git logs >actual &&
	test_cmp expect actual
'

test_expect_success 'usage errors: exit 2' '
	test_expect_code 2 annal -C repo.git logs extra 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal -C repo.git logs --format csv 2>err &&
	grep "^annal: error: unknown format" err &&
	test_expect_code 2 annal -C repo.git logs --fromat json 2>err &&
	grep "did you mean .--format.?" err
'

test_done
