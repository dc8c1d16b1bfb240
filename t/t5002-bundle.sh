#!/bin/sh

test_description='annal export --bundle: signed zip evidence bundles

The members and their order; a stock-tool check (unzip, sha256sum -c,
ssh-keygen -Y verify with namespace annal); the manifest; records.jsonl
and the format files equal the plain exports; commits/<id> are the raw
commit objects; chain.jsonl is the skeleton of every record from the first
to the last exported one, also those a filter left out.  No key, an
existing output, or any failure: exit 2 (3 for the environment), no
bundle and no temporary file left beside it; a log that does not verify
is not signed: exit 1 naming the check.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_lazy_prereq UNZIP 'unzip -v'
test_lazy_prereq SHA256SUM 'echo x >f && sha256sum f >s && sha256sum -c s'

if ! test_have_prereq PYTHON3
then
	skip_all='python3 is not available'
	test_done
fi

LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"

# The exports run at this pinned time.
EXPORT_NOW=1795100000.250
EXPORT_TS=2026-11-19T14:53:20.250Z

# fresh REPO: w.git, a copy of REPO as it was before any export
fresh () {
	rm -rf w.git &&
	cp -R "$1" w.git
}

# bundle_of REPO OUT [export options...]: annal export --bundle OUT of a
# fresh copy w.git of REPO, silent on stderr
bundle_of () {
	bo_repo_=$1
	bo_out_=$2
	shift 2
	fresh "$bo_repo_" &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --bundle "$bo_out_" "$@" \
		>bundle.out 2>bundle.err &&
	test_must_be_empty bundle.err &&
	test_path_is_file "$bo_out_"
}

# plain_of REPO [export options...]: annal export of a fresh copy, to out
plain_of () {
	po_repo_=$1
	shift
	fresh "$po_repo_" &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export "$@" >out
}

# members ZIP: the member names in archive order
members () {
	python3 "$LIB_BUNDLE" list "$1"
}

# member ZIP NAME: the bytes of one member
member () {
	python3 "$LIB_BUNDLE" cat "$1" "$2"
}

# skeleton REPO FROM TO: the chain.jsonl lines of seq FROM..TO, from the log
skeleton () {
	annal -C "$1" log --reverse --format jsonl --from-seq "$2" --to-seq "$3" \
		>"$TRASH_DIRECTORY/.skeleton" &&
	python3 <"$TRASH_DIRECTORY/.skeleton" -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    s = {k: r[k] for k in ("hash", "id", "prev_hash", "seq", "ts")}
    print(json.dumps(s, sort_keys=True, separators=(",", ":")))
'
}

# ids_of FILE: the "id" of each jsonl line of FILE, in order
ids_of () {
	sed -n 's/.*"id":"\([0-9a-f]\{40\}\)".*/\1/p' "$1"
}

# extract ZIP DIR: unpack with unzip, or python zipfile without it
extract () {
	if test_optional_prereq UNZIP
	then
		unzip -q "$1" -d "$2"
	else
		python3 -c '
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
' "$1" "$2"
	fi
}

# stock_check ZIP KEY.pub: unpack, sha256sum -c, ssh-keygen -Y verify
stock_check () {
	rm -rf x &&
	extract "$1" x &&
	printf "evidence@example.com namespaces=\"annal\" %s\n" \
		"$(ssh_pub "$2")" >allowed_signers &&
	(
		cd x &&
		sha256sum -c --strict SHA256SUMS >../sums.out &&
		ssh-keygen -Y verify -f ../allowed_signers -I evidence@example.com \
			-n annal -s SHA256SUMS.sig <SHA256SUMS >../sig.out
	) &&
	grep "^Good \"annal\" signature for evidence@example.com with ED25519 key $(ssh_fp "$2")\$" sig.out
}

# no_temp_files DIR: DIR holds only what is listed in DIR.before
no_temp_files () {
	ls -A "$1" >"$1.after" &&
	test_cmp "$1.before" "$1.after"
}

# The signed log (key k), seq: actor
#  1 alice  2 bob  3 alice  4 carol  5 alice  6 bob  7 bob  8 alice
test_expect_success 'setup' '
	annal keygen -f k -C signer@example.com >/dev/null &&
	annal keygen -f k2 -C other@example.com >/dev/null &&
	annal init repo.git >/dev/null &&
	n=0 &&
	for a in alice bob alice carol alice bob bob alice
	do
		n=$((n + 1)) &&
		ANNAL_TEST_NOW=$((1795000000 + 60 * n)) annal -C repo.git append \
			--sign-key k --actor $a --action "act$n" --target "t$n" \
			--decision allowed --field n:=$n >>ids || return 1
	done &&
	test_line_count = 8 ids &&
	annal init plain.git >/dev/null &&
	for a in alice bob alice
	do
		ANNAL_TEST_NOW=1795000000 annal -C plain.git append \
			--actor $a --action login >>plain.ids || return 1
	done &&
	VERSION=$(annal --version | sed "s/^annal version //") &&
	test -n "$VERSION"
'

test_expect_success 'annal export --bundle: the members, in order' '
	bundle_of repo.git b.zip --sign-key k --format csv --format otlp-json &&
	members b.zip >actual &&
	{
		printf "%s\n" manifest.json records.jsonl records.csv \
			records.otlp.json chain.jsonl &&
		sed "s|^|commits/|" ids &&
		printf "%s\n" signer.pub SHA256SUMS SHA256SUMS.sig
	} >expect &&
	test_cmp expect actual
'

test_expect_success UNZIP 'unzip -l lists them; unzip -t finds no error' '
	unzip -Z1 b.zip >actual &&
	test_cmp expect actual &&
	unzip -l b.zip >listing &&
	grep " commits/$(head -n 1 ids)\$" listing &&
	grep " SHA256SUMS.sig\$" listing &&
	unzip -tq b.zip
'

test_expect_success 'flat: regular files only, no directory entries, CRCs good' '
	python3 -c "
import stat, sys, zipfile
z = zipfile.ZipFile(\"b.zip\")
assert z.testzip() is None
for i in z.infolist():
    mode = i.external_attr >> 16
    assert not i.is_dir(), i.filename
    assert mode == 0 or stat.S_ISREG(mode), (i.filename, oct(mode))
    assert not i.filename.startswith(\"/\") and \"..\" not in i.filename
    assert \"/\" not in i.filename or i.filename.startswith(\"commits/\")
"
'

test_expect_success SSHKEYGEN,SHA256SUM 'stock tools: sha256sum -c and ssh-keygen -Y verify (namespace annal)' '
	stock_check b.zip k.pub &&
	test_line_count = 14 sums.out &&
	! grep -v ": OK\$" sums.out
'

test_expect_success SSHKEYGEN 'the signature is for namespace annal only, and by k only' '
	(
		cd x &&
		ssh-keygen -Y check-novalidate -n annal -s SHA256SUMS.sig <SHA256SUMS &&
		! ssh-keygen -Y check-novalidate -n git \
			-s SHA256SUMS.sig <SHA256SUMS &&
		printf "evidence@example.com %s\n" "$(ssh_pub ../k2.pub)" >../other_signers &&
		! ssh-keygen -Y verify -f ../other_signers \
			-I evidence@example.com -n annal -s SHA256SUMS.sig <SHA256SUMS
	)
'

test_expect_success 'SHA256SUMS: every other member, sorted by name, sha256sum format' '
	member b.zip SHA256SUMS >sums &&
	members b.zip | grep -v "^SHA256SUMS" | LC_ALL=C sort >names &&
	sed "s/^[0-9a-f]\{64\}  //" sums >listed &&
	test_cmp names listed &&
	! grep -v "^[0-9a-f]\{64\}  [^ ]" sums &&
	for n in $(cat names)
	do
		member b.zip "$n" >m &&
		echo "$(sha256sum <m | cut -d" " -f1)  $n" || return 1
	done >expect &&
	test_cmp expect sums
'

test_expect_success 'signer.pub is the signer'\''s public key line' '
	member b.zip signer.pub >actual &&
	test_cmp k.pub actual
'

test_expect_success SSHKEYGEN 'manifest.json: canonical, every field' '
	member b.zip manifest.json >manifest &&
	python3 - "$VERSION" "$(sed -n 1p ids)" "$(sed -n 8p ids)" \
		"$(ssh_pub k.pub)" "$(ssh_fp k.pub)" "$EXPORT_TS" <<-\EOF
	import json, sys
	version, first, last, key, fp, created = sys.argv[1:]
	text = open("manifest").read()
	m = json.loads(text)
	c = json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
	assert text in (c, c + "\n"), "not canonical: %r" % text
	want = {"annal_version": version, "created": created, "filters": {},
	        "first": {"id": first, "seq": 1}, "format": "annal-bundle",
	        "head": {"id": last, "seq": 8}, "last": {"id": last, "seq": 8},
	        "log": "main", "log_keys": [key], "log_signed": True,
	        "records": 8, "signer": fp, "version": 1}
	formats = m.pop("formats")
	assert m == want, "\n%s\n%s" % (m, want)
	assert sorted(formats) == ["csv", "jsonl", "otlp-json"], formats
	assert formats[0] == "jsonl", formats
	EOF
'

test_expect_success PYTHON3 'the independent checker accepts the bundle' '
	python3 "$LIB_BUNDLE" check b.zip >out &&
	echo "ok 8 records, chain of 8" >expect &&
	test_cmp expect out
'

test_expect_success 'records.* are the plain exports of the same records' '
	member b.zip records.jsonl >bundled &&
	plain_of repo.git &&
	test_cmp out bundled &&
	ids_of bundled >actual &&
	test_cmp ids actual &&
	member b.zip records.csv >bundled &&
	plain_of repo.git --format csv &&
	test_cmp out bundled &&
	member b.zip records.otlp.json >bundled &&
	plain_of repo.git --format otlp-json &&
	test_cmp out bundled
'

test_expect_success 'commits/<id>: exactly git cat-file commit <id>, hashing to <id>' '
	for id in $(cat ids)
	do
		member b.zip commits/$id >raw &&
		git -C repo.git cat-file commit $id >expect &&
		test_cmp expect raw &&
		python3 -c "
import hashlib, sys
raw = open(\"raw\", \"rb\").read()
got = hashlib.sha1(b\"commit %d\\0\" % len(raw) + raw).hexdigest()
sys.exit(got != sys.argv[1])
" $id &&
		grep "^gpgsig -----BEGIN SSH SIGNATURE-----" raw || return 1
	done
'

test_expect_success 'chain.jsonl: the skeleton of seq 1..8' '
	member b.zip chain.jsonl >actual &&
	skeleton repo.git 1 8 >expect &&
	test_cmp expect actual &&
	head -n 1 actual >first &&
	grep "\"prev_hash\":\"$ZERO_HASH\"" first
'

test_expect_success 'a filtered bundle: only alice, the skeleton still continuous' '
	bundle_of repo.git alice.zip --sign-key k --actor alice &&
	member alice.zip records.jsonl >recs &&
	ids_of recs >actual &&
	sed -n "1p;3p;5p;8p" ids >expect &&
	test_cmp expect actual &&
	member alice.zip chain.jsonl >actual &&
	skeleton repo.git 1 8 >expect &&
	test_cmp expect actual &&
	members alice.zip >names &&
	sed -n "s|^commits/||p" names >actual &&
	sed -n "1p;3p;5p;8p" ids >expect &&
	test_cmp expect actual &&
	! grep "^records\.[^j]" names &&
	python3 "$LIB_BUNDLE" check alice.zip >out &&
	echo "ok 4 records, chain of 8" >expect &&
	test_cmp expect out &&
	member alice.zip manifest.json >manifest &&
	json_get records <manifest >n &&
	echo 4 >expect &&
	test_cmp expect n &&
	json_get filters <manifest >filters &&
	grep alice filters &&
	grep actor filters
'

test_expect_success 'a filtered bundle starting later: the skeleton starts there' '
	bundle_of repo.git bob.zip --sign-key k --actor bob &&
	member bob.zip chain.jsonl >actual &&
	skeleton repo.git 2 7 >expect &&
	test_cmp expect actual &&
	member bob.zip records.jsonl >recs &&
	ids_of recs >actual &&
	sed -n "2p;6p;7p" ids >expect &&
	test_cmp expect actual &&
	python3 "$LIB_BUNDLE" check bob.zip >out &&
	echo "ok 3 records, chain of 6" >expect &&
	test_cmp expect out &&
	member bob.zip manifest.json >manifest &&
	json_get first <manifest >actual &&
	echo "{\"id\":\"$(sed -n 2p ids)\",\"seq\":2}" >expect &&
	test_cmp expect actual &&
	json_get last <manifest >actual &&
	echo "{\"id\":\"$(sed -n 7p ids)\",\"seq\":7}" >expect &&
	test_cmp expect actual &&
	json_get head <manifest >actual &&
	echo "{\"id\":\"$(sed -n 8p ids)\",\"seq\":8}" >expect &&
	test_cmp expect actual
'

test_expect_success SSHKEYGEN,SHA256SUM 'filtered bundles pass the stock-tool check too' '
	stock_check alice.zip k.pub &&
	stock_check bob.zip k.pub
'

test_expect_success 'seq and date filters: the skeleton covers the exported range' '
	bundle_of repo.git range.zip --sign-key k --from-seq 3 --to-seq 6 \
		--action "act[36]" &&
	member range.zip chain.jsonl >actual &&
	skeleton repo.git 3 6 >expect &&
	test_cmp expect actual &&
	python3 "$LIB_BUNDLE" check range.zip >out &&
	echo "ok 2 records, chain of 4" >expect &&
	test_cmp expect out
'

test_expect_success SSHKEYGEN,SHA256SUM 'no matching record: an empty but complete, signed bundle' '
	bundle_of repo.git empty.zip --sign-key k --actor nobody &&
	members empty.zip >actual &&
	printf "%s\n" manifest.json records.jsonl chain.jsonl signer.pub \
		SHA256SUMS SHA256SUMS.sig >expect &&
	test_cmp expect actual &&
	member empty.zip records.jsonl >recs &&
	test_must_be_empty recs &&
	member empty.zip chain.jsonl >chain &&
	test_must_be_empty chain &&
	member empty.zip manifest.json >manifest &&
	for f in first last
	do
		json_get $f <manifest >v &&
		echo null >expect &&
		test_cmp expect v || return 1
	done &&
	json_get records <manifest >v &&
	echo 0 >expect &&
	test_cmp expect v &&
	python3 "$LIB_BUNDLE" check empty.zip &&
	stock_check empty.zip k.pub
'

test_expect_success SSHKEYGEN,SHA256SUM 'an unsigned log: log_signed false, no log_keys, signed bundle' '
	bundle_of plain.git plain.zip --sign-key k2 &&
	member plain.zip manifest.json >manifest &&
	json_get log_signed <manifest >v &&
	echo false >expect &&
	test_cmp expect v &&
	json_get log_keys <manifest >v &&
	echo "[]" >expect &&
	test_cmp expect v &&
	json_get signer <manifest >v &&
	echo "\"$(ssh_fp k2.pub)\"" >expect &&
	test_cmp expect v &&
	python3 "$LIB_BUNDLE" check plain.zip >out &&
	echo "ok 3 records, chain of 3" >expect &&
	test_cmp expect out &&
	stock_check plain.zip k2.pub &&
	member plain.zip signer.pub >actual &&
	test_cmp k2.pub actual
'

test_expect_success 'every format: one file each, before chain.jsonl, the plain exports' '
	bundle_of repo.git all.zip --sign-key k --format datadog --format json \
		--format splunk-hec --format jsonl --format otlp-json --format csv &&
	members all.zip >names &&
	sed -n "1,2p;8p" names >actual &&
	printf "%s\n" manifest.json records.jsonl chain.jsonl >expect &&
	test_cmp expect actual &&
	sed -n "3,7p" names | sort >actual &&
	printf "%s\n" records.csv records.datadog.jsonl records.json \
		records.otlp.json records.splunk.jsonl >expect &&
	test_cmp expect actual &&
	python3 "$LIB_BUNDLE" check all.zip &&
	for f in json:json csv:csv otlp-json:otlp.json splunk-hec:splunk.jsonl \
		datadog:datadog.jsonl
	do
		member all.zip records.${f#*:} >bundled &&
		plain_of repo.git --format ${f%%:*} &&
		test_cmp out bundled || return 1
	done
'

test_expect_success 'the format files in the order the spec lists them' '
	members all.zip >names &&
	sed -n "3,7p" names >actual &&
	printf "%s\n" records.json records.csv records.otlp.json \
		records.splunk.jsonl records.datadog.jsonl >expect &&
	test_cmp expect actual
'

test_expect_success 'no --format, or --format jsonl: records.jsonl alone' '
	bundle_of repo.git j1.zip --sign-key k &&
	members j1.zip >names &&
	! grep "^records\.[^j]" names &&
	member j1.zip manifest.json >manifest &&
	json_get formats <manifest >v &&
	echo "[\"jsonl\"]" >expect &&
	test_cmp expect v &&
	bundle_of repo.git j2.zip --sign-key k --format jsonl &&
	members j2.zip >names2 &&
	test_cmp names names2
'

test_expect_success 'an unknown format with --bundle: exit 2, no bundle' '
	fresh repo.git &&
	test_expect_code 2 annal -C w.git export --bundle u.zip --sign-key k \
		--format csv --format xml >out 2>err &&
	grep "^annal: error: " err &&
	test_path_is_missing u.zip
'

test_expect_success 'the key from $ANNAL_SIGNING_KEY, then annal.signingKey' '
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k" &&
		export ANNAL_SIGNING_KEY &&
		bundle_of repo.git env.zip
	) &&
	member env.zip signer.pub >actual &&
	test_cmp k.pub actual &&
	fresh repo.git &&
	git -C w.git config annal.signingKey "$TRASH_DIRECTORY/k" &&
	ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export --bundle cfg.zip 2>err &&
	test_must_be_empty err &&
	member cfg.zip signer.pub >actual &&
	test_cmp k.pub actual
'

test_expect_success SSHAGENT '--agent: the key stays in ssh-agent' '
	eval "$(ssh-agent -s)" >/dev/null &&
	test_when_finished "kill $SSH_AGENT_PID && unset SSH_AUTH_SOCK SSH_AGENT_PID" &&
	ssh-add k 2>/dev/null &&
	mkdir -p pubonly &&
	cp k.pub pubonly/k.pub &&
	bundle_of repo.git agent.zip --agent --sign-key pubonly/k.pub \
		--format csv --format otlp-json &&
	member agent.zip signer.pub >actual &&
	test_cmp k.pub actual &&
	python3 "$LIB_BUNDLE" check agent.zip &&
	if test_optional_prereq SSHKEYGEN && test_optional_prereq SHA256SUM
	then
		stock_check agent.zip k.pub
	fi
'

test_expect_success 'no signing key: exit 2, no bundle, nothing recorded' '
	fresh repo.git &&
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	test_expect_code 2 annal -C w.git export --bundle outdir/b.zip >stdout 2>err &&
	test_must_be_empty stdout &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	no_temp_files outdir &&
	annal_ids w.git >actual &&
	annal_ids repo.git >expect &&
	test_cmp expect actual
'

test_expect_success 'an existing bundle: exit 2, untouched, nothing recorded' '
	fresh repo.git &&
	mkdir -p outdir &&
	echo precious >outdir/b.zip &&
	cp outdir/b.zip precious &&
	ls -A outdir >outdir.before &&
	test_expect_code 2 annal -C w.git export --bundle outdir/b.zip --sign-key k \
		>stdout 2>err &&
	test_must_be_empty stdout &&
	test_line_count = 1 err &&
	grep "^annal: error: .*already exists" err &&
	test_cmp precious outdir/b.zip &&
	no_temp_files outdir &&
	annal_ids w.git >actual &&
	annal_ids repo.git >expect &&
	test_cmp expect actual &&
	rm outdir/b.zip
'

test_expect_success 'unusable keys: exit 2, no bundle, no temporary file' '
	fresh repo.git &&
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	cp k open-key &&
	chmod 644 open-key &&
	echo "not a key" >junk-key &&
	chmod 600 junk-key &&
	for key in open-key junk-key no-such-key k.pub
	do
		test_expect_code 2 annal -C w.git export --bundle outdir/b.zip \
			--sign-key $key >stdout 2>err &&
		test_line_count = 1 err &&
		grep "^annal: error: " err &&
		no_temp_files outdir || return 1
	done &&
	annal_ids w.git >actual &&
	annal_ids repo.git >expect &&
	test_cmp expect actual
'

test_expect_success SSHKEYGEN 'an encrypted or non-ed25519 key: exit 2, no temporary file' '
	fresh repo.git &&
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	ssh-keygen -q -t ed25519 -N secret -f enc </dev/null &&
	ssh-keygen -q -t ecdsa -N "" -f ec </dev/null &&
	for key in enc ec
	do
		test_expect_code 2 annal -C w.git export --bundle outdir/b.zip \
			--sign-key $key >stdout 2>err &&
		test_line_count = 1 err &&
		no_temp_files outdir || return 1
	done
'

test_expect_success 'no agent: exit 3, no bundle, no temporary file' '
	fresh repo.git &&
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	(
		SSH_AUTH_SOCK="$TRASH_DIRECTORY/no-agent.sock" &&
		export SSH_AUTH_SOCK &&
		ANNAL_TEST_NOW=$EXPORT_NOW &&
		test_expect_code 3 annal -C w.git export --bundle outdir/b.zip \
			--agent --sign-key k.pub >stdout 2>err
	) &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	no_temp_files outdir
'

test_expect_success SSHAGENT 'an agent without the key: exit 3, no temporary file' '
	fresh repo.git &&
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	eval "$(ssh-agent -s)" >/dev/null &&
	test_when_finished "kill $SSH_AGENT_PID && unset SSH_AUTH_SOCK SSH_AGENT_PID" &&
	ssh-add k2 2>/dev/null &&
	ANNAL_TEST_NOW=$EXPORT_NOW test_expect_code 3 annal -C w.git export \
		--bundle outdir/b.zip --agent --sign-key k.pub --format csv >stdout 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	no_temp_files outdir &&
	annal_ids w.git >actual &&
	annal_ids repo.git >expect &&
	test_cmp expect actual
'

test_expect_success 'other failures leave nothing beside the output either' '
	fresh repo.git &&
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	test_expect_code 2 annal -C w.git export --bundle outdir/b.zip --sign-key k \
		--log nope >stdout 2>err &&
	no_temp_files outdir &&
	test_expect_code 2 annal -C w.git export --bundle outdir/b.zip --sign-key k \
		--since "not a date" >stdout 2>err &&
	no_temp_files outdir &&
	test_expect_code 2 annal -C w.git export --bundle outdir/b.zip --sign-key k \
		-o outdir/c.out >stdout 2>err &&
	no_temp_files outdir &&
	test_must_fail annal -C w.git export --bundle outdir/missing/b.zip \
		--sign-key k >stdout 2>err &&
	test_line_count = 1 err &&
	no_temp_files outdir
'

test_expect_success 'a bundle elsewhere: only the bundle appears in its directory' '
	mkdir -p elsewhere &&
	ls -A elsewhere >elsewhere.before &&
	bundle_of repo.git elsewhere/e.zip --sign-key k &&
	echo e.zip >>elsewhere.before &&
	no_temp_files elsewhere
'

# refuses_to_sign CHECK K [export options...]: annal export --bundle of
# w.git exits 1 with one line naming CHECK at record K (0: none), writes
# no bundle and no temporary file, and moves no ref
refuses_to_sign () {
	rts_check_=$1
	rts_k_=$2
	shift 2
	mkdir -p outdir &&
	ls -A outdir >outdir.before &&
	git -C w.git for-each-ref >refs.before &&
	test_expect_code 1 env ANNAL_TEST_NOW=$EXPORT_NOW annal -C w.git export \
		--bundle outdir/b.zip --sign-key k "$@" >stdout 2>err &&
	test_must_be_empty stdout &&
	test_line_count = 1 err &&
	if test "$rts_k_" = 0
	then
		grep "^annal: error: log main does not verify, no bundle written: $rts_check_: .*; run .annal verify.\$" err
	else
		grep "^annal: error: log main does not verify, no bundle written: record $rts_k_ ($(annal_nth w.git $rts_k_)): $rts_check_: .*; run .annal verify.\$" err
	fi &&
	no_temp_files outdir &&
	git -C w.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after
}

test_expect_success PYTHON3,SSHKEYGEN,GIT 'export --bundle verifies before it signs: badSignature, nothing written' '
	fresh repo.git &&
	ssh_forge --resign-with k w.git main steal 3 2 >/dev/null &&
	refuses_to_sign badSignature 3 &&
	refuses_to_sign badSignature 3 --from-seq 5 &&
	refuses_to_sign badSignature 3 --to-seq 2
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'a record forged with another key, or unsigned: untrustedKey, missingSignature' '
	fresh repo.git &&
	ANNAL_TEST_NOW=$EXPORT_NOW ssh_forge w.git main append k2 mallory grant >/dev/null &&
	refuses_to_sign untrustedKey 9 --actor alice &&
	fresh repo.git &&
	ANNAL_TEST_NOW=$EXPORT_NOW ssh_forge w.git main append none mallory grant >/dev/null &&
	refuses_to_sign missingSignature 9
'

test_expect_success GIT 'an edited record or a graft: recordHashMismatch, unsafeRepository' '
	fresh plain.git &&
	python3 "$TEST_DIRECTORY/lib-tamper.py" w.git main edit-field 2 actor mallory >/dev/null &&
	refuses_to_sign recordHashMismatch 2 &&
	fresh repo.git &&
	annal_nth w.git 3 >w.git/info/grafts &&
	refuses_to_sign unsafeRepository 0
'

test_expect_success PYTHON3,SSHKEYGEN,GITSSH 'the refused log: git refuses the same record' '
	fresh repo.git &&
	ssh_forge --resign-with k w.git main steal 3 2 >/dev/null &&
	ssh_allowed allowed-k "namespaces=\"git\"" k.pub &&
	git_verify_commits w.git allowed-k $(annal_ids w.git | sed -n 1,2p) &&
	! git_verify_commits w.git allowed-k "$(annal_nth w.git 3)"
'

test_expect_success 'a log that verifies is exported, and its records pass --log-key' '
	bundle_of repo.git ok.zip --sign-key k --from-seq 5 &&
	annal audit-verify --key k.pub --log-key k.pub ok.zip >out &&
	grep "^log keys: pinned\$" out
'

test_done
