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
	echo "log one: 1 record verified, head $(cat one-ids)" >expect &&
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
	log one: 1 record verified, head $(cat one-ids)
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

test_expect_success GIT '--anchor: the full id that git gives' '
	echo "log main: 7 records verified, head $(tail -n 1 ids)" >expect &&
	annal verify --anchor "$(git -C repo.git rev-parse refs/audit/main~2)" >out &&
	test_cmp expect out
'

test_expect_success '--anchor with an abbreviated id: exit 2, one line saying so' '
	for n in 4 5 7 12 39
	do
		test_expect_code 2 annal verify --anchor "$(cut -c1-$n anchor)" >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: --anchor needs a full record id (40 hex digits), not an abbreviation; " err ||
		return 1
	done
'

test_expect_success PYTHON3 '--anchor with an abbreviated id, --format json: exit 2, why' '
	test_expect_code 2 annal verify --format json --anchor "$(cut -c1-12 anchor)" >out 2>err &&
	test_must_be_empty err &&
	python3 -c "
import json
o = json.load(open(\"out\"))
assert o[\"ok\"] is False and o[\"logs\"] == [], o
assert o[\"error\"][\"message\"].startswith(\"--anchor needs a full record id\"), o
"
'

test_expect_success '--anchor that is no id or hash: exit 2' '
	for a in "" xyz "$(cat anchor)0" "$(tr a-f A-F <anchor)" " $(cat anchor)" \
		"sha256:$(cat anchor)" "sha1:$(cat anchor)"
	do
		test_expect_code 2 annal verify --anchor "$a" >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: " err || return 1
	done
'

# record_hash ID: the SHA-256 of record ID's JSON without its "hash", as
# sha256sum computes it (annal-format(5)), with its "sha256:" prefix.
record_hash () {
	annal_record repo.git "$1" >rec.hash &&
	sed -e "s/,\"hash\":\"sha256:[0-9a-f]*\"//" rec.hash | tr -d "\n" >unhashed &&
	printf "sha256:%s\n" $(sha256sum <unhashed | sed -e "s/ .*//")
}

test_expect_success GIT '--anchor with a record hash, computed with sha256sum' '
	record_hash "$(cat anchor)" >anchor-hash &&
	grep -F "\"hash\":\"$(cat anchor-hash)\"" rec.hash &&
	echo "log main: 7 records verified, head $(tail -n 1 ids)" >expect &&
	annal verify --anchor "$(cat anchor-hash)" >out 2>err &&
	test_cmp expect out &&
	test_must_be_empty err &&
	record_hash "$(head -n 1 ids)" >first-hash &&
	annal verify --anchor "$(cat first-hash)" >out &&
	test_cmp expect out
'

test_expect_success GIT '--anchor with a record hash not in the chain: anchorNotFound' '
	record_hash "$(cat one-ids)" >one-hash &&
	test_expect_code 1 annal verify --anchor "$(cat one-hash)" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: anchorNotFound: anchor $(cat one-hash) is not in the chain" err &&
	annal verify --log one --anchor "$(cat one-hash)" >out
'

test_expect_success GIT '--anchor with an abbreviated record hash: exit 2' '
	hash=$(cat anchor-hash) &&
	for n in 11 20 70
	do
		test_expect_code 2 annal verify --anchor "$(echo "$hash" | cut -c1-$n)" >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		grep "^annal: error: --anchor needs a full record hash (sha256: and 64 hex digits), not an abbreviation; " err ||
		return 1
	done
'

test_expect_success PYTHON3,GIT 'a log rewritten up to an anchor ground to its first 4 digits' '
	rm -rf g.git &&
	cp -R repo.git g.git &&
	prefix=$(cut -c1-4 anchor) &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" g.git main grind 5 "$prefix" \
		action forged >g-ids &&
	sed -n 5p g-ids >g-anchor &&
	grep "^$prefix" g-anchor &&
	! test_cmp anchor g-anchor &&
	annal -C g.git verify >out &&
	test_expect_code 2 annal -C g.git verify --anchor "$prefix" >out 2>err &&
	test_must_be_empty out &&
	grep "not an abbreviation" err &&
	test_expect_code 1 annal -C g.git verify --anchor "$(cat anchor)" 2>err &&
	grep anchorNotFound err &&
	test_expect_code 1 annal -C g.git verify --anchor "$(cat anchor-hash)" 2>err &&
	grep anchorNotFound err
'

test_lazy_prereq JQ 'jq --version'

test_expect_success JQ 'the anchors of EXAMPLES in annal-verify(1)' '
	mkdir -p safe &&
	annal verify | sed "s/.* head //" >safe/main.anchor &&
	annal log -n 1 --format jsonl | jq -r .hash >safe/main.hash &&
	tail -n 1 ids >expect &&
	test_cmp expect safe/main.anchor &&
	grep "^sha256:[0-9a-f]\{64\}\$" safe/main.hash &&
	annal verify --anchor "$(cat safe/main.anchor)" &&
	annal verify --anchor "$(cat safe/main.hash)"
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

test_expect_success '-q: no output, the exit status only' '
	annal verify -q >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	annal verify --all --quiet >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_expect_code 1 annal verify -q --anchor "$(cat one-ids)" >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_expect_code 2 annal verify -q --log nosuch >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: no such log .nosuch." err &&
	test_expect_code 2 annal verify -q --format pretty 2>err &&
	grep "^annal: error: options .-q. and .--format. cannot be used together" err
'

test_expect_success GIT '--anchor-file: each run checks the last heads, then records the new ones' '
	annal init af.git >/dev/null &&
	annal -C af.git append --actor a --action one >/dev/null &&
	annal -C af.git append --log other --actor b --action other >/dev/null &&
	annal -C af.git verify --all --anchor-file heads >out &&
	for l in main other
	do
		echo "$l $(git -C af.git rev-parse refs/audit/$l)" || return 1
	done >expect &&
	sort heads >actual &&
	test_cmp expect actual &&
	test_tick &&
	annal -C af.git append --actor a --action two >/dev/null &&
	annal -C af.git verify --all --anchor-file heads >out &&
	grep "^main $(git -C af.git rev-parse refs/audit/main)\$" heads &&
	annal -C af.git verify --log other --anchor-file heads >out &&
	test_line_count = 2 heads &&
	cp heads saved-heads &&
	git -C af.git update-ref refs/audit/main "$(git -C af.git rev-parse refs/audit/main^)" &&
	test_expect_code 1 annal -C af.git verify --all --anchor-file heads >out 2>err &&
	grep "^annal: error: log main: anchorNotFound: anchor .* is not in the chain" err &&
	test_cmp saved-heads heads &&
	test_expect_code 1 annal -C af.git verify -q --all --anchor-file heads >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_cmp saved-heads heads &&
	ls >files &&
	! grep "^heads\." files
'

test_expect_success GIT,PYTHON3 'a log deleted since its anchor or state was kept fails --all (deletedRef)' '
	annal init dl.git >/dev/null &&
	for l in main other
	do
		annal -C dl.git append --log $l --actor a --action $l >/dev/null || return 1
	done &&
	annal -C dl.git verify --all --anchor-file dl-heads >out &&
	annal -C dl.git verify --all --state dl-state >out &&
	cp dl-heads dl-saved &&
	other=$(git -C dl.git rev-parse refs/audit/other) &&
	git -C dl.git update-ref -d refs/audit/other &&
	test_expect_code 1 annal -C dl.git verify --all --anchor-file dl-heads >out 2>err &&
	grep "^log main: 1 record verified" out &&
	grep "^annal: error: log other: deletedRef: .refs/audit/other. is gone, but the anchor names a record of it" err &&
	test_cmp dl-saved dl-heads &&
	test_expect_code 1 annal -C dl.git verify --all --state dl-state >out 2>err &&
	grep "^annal: error: log other: deletedRef: .* the state names a record of it" err &&
	test_expect_code 1 annal -C dl.git verify --log other --anchor "$other" >out 2>err &&
	grep "deletedRef" err &&
	test_expect_code 1 annal -C dl.git verify --all --anchor-file dl-heads --format json >out &&
	json_get /logs/1/error/check <out >actual &&
	echo \"deletedRef\" >expect &&
	test_cmp expect actual &&
	git -C dl.git update-ref -d refs/audit/main &&
	test_expect_code 1 annal -C dl.git verify --all --anchor-file dl-heads >out 2>err &&
	test_line_count = 2 err &&
	git -C dl.git update-ref refs/audit/other "$other" &&
	sed -i /^main/d dl-heads &&
	annal -C dl.git verify --all --anchor-file dl-heads >out &&
	test_line_count = 1 dl-heads
'

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

# anchor_order TRACE DIR FILE: in TRACE (strace -e trace=openat,write,
# fsync,rename,renameat,renameat2,close) DIR/FILE was replaced durably:
# a new temporary DIR/FILE.* written and fsynced, renamed over DIR/FILE,
# then DIR fsynced, in that order, and DIR/FILE never opened to write.
anchor_order () {
	python3 - "$@" <<-\EOF
	import re, sys
	trace, d, f = sys.argv[1:4]
	path = f if d == "." else d + "/" + f
	fds, steps = {}, []
	for line in open(trace, errors="replace"):
	    line = re.sub(r"^\d+ +", "", line)
	    m = re.match(r"openat\(AT_FDCWD, \"([^\"]*)\", ([A-Z_|]+).*\) = (\d+)$", line)
	    if m:
	        name, flags, fd = m.groups()
	        assert not (name == path and "O_RDONLY" not in flags), line
	        if name.startswith(path + ".") and "O_EXCL" in flags:
	            fds[fd] = "tmp"
	            tmp = name
	        elif name == d and "O_DIRECTORY" in flags:
	            fds[fd] = "dir"
	        continue
	    m = re.match(r"(write|fsync)\((\d+)[,)].* = (\d+)$", line)
	    if m and m.group(2) in fds:
	        steps.append(m.group(1) + " " + fds[m.group(2)])
	        continue
	    m = re.match(r"close\((\d+)\)", line)
	    if m:
	        fds.pop(m.group(1), None)
	        continue
	    m = re.match(r"rename(?:at2?)?\((?:AT_FDCWD, )?\"([^\"]*)\", (?:AT_FDCWD, )?\"([^\"]*)\".*\) +=  *0", line)
	    if m:
	        assert m.groups() == (tmp, path), line
	        steps.append("rename")
	want = ["write tmp", "fsync tmp", "rename", "fsync dir"]
	assert steps == want, steps
	EOF
}

test_expect_success STRACE,PYTHON3 '--anchor-file: written beside, fsynced, renamed, directory fsynced' '
	annal init ao.git >/dev/null &&
	annal -C ao.git append --actor a --action one >/dev/null &&
	mkdir ad &&
	annal -C ao.git verify --anchor-file ad/heads >out &&
	annal -C ao.git append --actor a --action two >/dev/null &&
	test_strace -f -o trace -e trace=openat,write,fsync,rename,renameat,renameat2,close \
		annal -C ao.git verify --anchor-file ad/heads >out &&
	anchor_order trace ad heads &&
	(
		cd ad &&
		test_strace -f -o ../trace2 -e trace=openat,write,fsync,rename,renameat,renameat2,close \
			annal -C ../ao.git verify --anchor-file heads >../out
	) &&
	anchor_order trace2 . heads &&
	ls ad >files &&
	echo heads >expect &&
	test_cmp expect files
'

test_expect_success '--anchor-file: a malformed file is exit 2; not with --anchor' '
	echo "main deadbeef" >bad-heads &&
	test_expect_code 2 annal verify --anchor-file bad-heads >out 2>err &&
	grep "^annal: error: bad-heads:1: not .<log> <record id>." err &&
	test_expect_code 2 annal verify --anchor-file bad-heads --anchor "$(cat anchor)" 2>err &&
	grep "^annal: error: options .--anchor. and .--anchor-file. cannot be used together" err
'

test_expect_success '--anchor naming no object at all: a typo, it says' '
	test_expect_code 1 annal verify --anchor 0123456789abcdef0123456789abcdef01234567 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: anchorNotFound: anchor 0123456789abcdef0123456789abcdef01234567 is no object of this repository: check it for a typo" err
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

test_expect_success 'ANNAL_TEST_NOW never moves verify'"$SQ"'s clock ahead of the real one' '
	annal init future.git &&
	ANNAL_TEST_NOW=2100-01-01T00:00:00Z annal -C future.git append \
		--actor a --action far >future-id &&
	for now in 4102444800 2100-01-01T00:00:00Z 4102444800.000 9999-12-31T00:00:00Z
	do
		test_expect_code 1 env ANNAL_TEST_NOW=$now annal -C future.git verify \
			>out 2>err &&
		test_must_be_empty out &&
		grep "^annal: error: log main: record 1 ($(cat future-id)): tsFuture: ts 2100-01-01T00:00:00.000Z is later than now plus 5 minutes" err ||
		return 1
	done &&
	test_expect_code 1 env ANNAL_TEST_NOW=4102444800 annal -C future.git verify \
		--format json >out &&
	grep "\"check\":\"tsFuture\"" out
'

test_expect_success 'ANNAL_TEST_NOW earlier than the real clock makes verify stricter' '
	ANNAL_TEST_NOW=1795000000 annal -C future.git append --log near \
		--actor a --action near &&
	ANNAL_TEST_NOW=1795000000 annal -C future.git verify --log near &&
	test_expect_code 1 env ANNAL_TEST_NOW=1794990000 \
		annal -C future.git verify --log near 2>err &&
	grep "tsFuture: ts 2026-11-18T11:06:40.000Z is later than now plus 5 minutes (2026-11-18T08:25:00.000Z)" err &&
	test_expect_code 2 env ANNAL_TEST_NOW=soon \
		annal -C future.git verify --log near 2>err &&
	echo "annal: error: ANNAL_TEST_NOW: cannot parse ${SQ}soon${SQ}" >expect &&
	test_cmp expect err
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

test_expect_success PYTHON3 '--format json: a missing repository and a usage error after it are JSON too' '
	test_expect_code 3 annal -C "$TRASH_DIRECTORY/no/such.git" verify --format json >out 2>err &&
	test_must_be_empty err &&
	test_expect_code 2 annal verify --format json --no-such-option >>out 2>err &&
	test_must_be_empty err &&
	test_expect_code 2 annal verify --format json --log one --all >>out 2>err &&
	test_must_be_empty err &&
	python3 -c "
import json
lines = open(\"out\").read().splitlines()
assert len(lines) == 3, lines
for l in lines:
    o = json.loads(l)
    assert o[\"ok\"] is False and o[\"logs\"] == [], o
    assert o[\"error\"][\"check\"] is None and o[\"error\"][\"message\"], o
" &&
	: an error before --format json in argv is JSON too, whatever the order &&
	test_expect_code 2 annal verify --no-such-option --format json >out 2>err &&
	test_must_be_empty err &&
	test_expect_code 2 annal verify --format nope --format=json >>out 2>err &&
	test_must_be_empty err &&
	python3 -c "
import json
lines = open(\"out\").read().splitlines()
assert len(lines) == 2, lines
assert \"unknown option \" in json.loads(lines[0])[\"error\"][\"message\"], lines
assert \"unknown format \" in json.loads(lines[1])[\"error\"][\"message\"], lines
"
'

# rewrite_head SED SIGNED: s.git's head commit rewritten by SED fails
# verify, whose --format json says "signed":SIGNED
rewrite_head () {
	git -C s.git cat-file commit refs/audit/main >c &&
	sed "$1" c >rewritten &&
	rh_id_=$(git -C s.git hash-object -t commit -w --stdin <rewritten) &&
	git -C s.git update-ref refs/audit/main "$rh_id_" &&
	test_expect_code 1 annal -C s.git verify --format json >out &&
	json_get /logs/0/signed <out >actual &&
	echo "$2" >expect &&
	test_cmp expect actual
}

test_expect_success PYTHON3,GIT '--format json: null, not false, for what a failed check did not reach' '
	annal keygen -f k -C k >/dev/null &&
	annal init s.git >/dev/null &&
	annal -C s.git append --actor a --action b >/dev/null &&
	test_tick &&
	annal -C s.git key rotate --new-key k >/dev/null &&
	test_tick &&
	annal -C s.git append --sign-key k --actor a --action c >/dev/null &&
	annal -C s.git verify --format json >out &&
	json_get /logs/0/signed <out >actual &&
	echo true >expect &&
	test_cmp expect actual &&
	head=$(git -C s.git rev-parse refs/audit/main) &&
	git -C s.git update-ref refs/audit/main "$(git -C s.git rev-parse refs/audit/main^^)" &&
	annal -C s.git verify --format json >out &&
	json_get /logs/0/signed <out >actual &&
	echo false >expect &&
	test_cmp expect actual &&
	test_expect_code 1 annal -C s.git verify --format json \
		--anchor "$head" >out &&
	json_get /logs/0/signed <out >actual &&
	echo false >expect &&
	test_cmp expect actual &&
	json_get /logs/0/error/record <out >actual &&
	echo null >expect &&
	test_cmp expect actual &&
	git -C s.git update-ref refs/audit/main "$head" &&
	rewrite_head "/^gpgsig /,/^ -----END/d" true &&
	git -C s.git update-ref refs/audit/main "$(git -C s.git rev-parse refs/audit/main^^)" &&
	rewrite_head "s/\"action\":\"b\"/\"action\":\"x\"/" null
'

test_done
