#!/bin/sh

test_description='annal audit-verify: hostile and damaged bundles

Variants of a good bundle, built with python zipfile and a hand-made zip
writer (t/lib-bundle.py): truncated archives, flipped bytes, extra,
missing, duplicate, traversing, symlink, directory and device members,
lying sizes, deflate bombs and many members, a signature of another
file, a signer key of another type (ECDSA, RSA), and bundles
re-signed by an attacker (SHA256SUMS recomputed, signer.pub replaced) so
that only the deeper checks (records, skeleton, commits, manifest) can
catch them.  Each is rejected: exit 1 (2 for what is no zip at all or no
file), no output, exactly one "annal: error:" line, never a crash.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

if ! test_have_prereq PYTHON3 || ! test_have_prereq SSHKEYGEN
then
	skip_all='python3 or ssh-keygen is not available'
	test_done
fi

LIB_BUNDLE="$TEST_DIRECTORY/lib-bundle.py"
ATTACKER=

# limited CMD...: CMD with a time limit when timeout(1) is there
limited () {
	if command -v timeout >/dev/null
	then
		timeout 60 "$@"
	else
		"$@"
	fi
}

# rejects CODES FILE [audit-verify args...]: audit-verify exits with one of
# CODES ("1", "2" or "1|2"), prints nothing on stdout and exactly one
# error line, naming the bundle for exit 1; never crashes
rejects () {
	rj_codes_=$1
	rj_file_=$2
	shift 2
	limited annal audit-verify $(audit_unpinned "$@") "$@" "$rj_file_" >out 2>err
	rj_rc_=$?
	case "|$rj_codes_|" in
	*"|$rj_rc_|"*) ;;
	*)
		echo "audit-verify $rj_file_ exited $rj_rc_, wanted $rj_codes_"
		cat err
		return 1
		;;
	esac
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: ." err &&
	if test "$rj_rc_" = 1
	then
		grep "^annal: error: bundle $rj_file_: ." err
	fi &&
	! grep -i "segmentation\|core dump\|abort\|assert" err
}

# accepts FILE [args...]: audit-verify exits 0, "result: intact" (and
# ", UNPINNED ..." when no pin is given)
accepts () {
	audit_verify "$@" >out 2>err &&
	test_must_be_empty err &&
	tail -n 1 out >last &&
	grep "^result: intact" last
}

# variant CODES FILE TITLE [ARGS]: one line of the variant table
variant () {
	printf "%s\t%s\t%s\t%s\n" "$1" "$2" "$3" "$4" >>variants.txt
}

# sq WORD: WORD quoted for the shell (and python shlex)
sq () {
	printf "'%s'" "$(printf "%s" "$1" | sed "s/'/'\\\\''/g")"
}

# forged CODES NAME TITLE FORGE-SPEC...: v/NAME.zip forged from good.zip
# (by the batch at the end of the setup)
forged () {
	fg_codes_=$1
	fg_name_=$2
	fg_title_=$3
	shift 3
	fg_line_="v/$fg_name_.zip"
	for fg_a_
	do
		fg_line_="$fg_line_ $(sq "$fg_a_")"
	done
	printf "%s\n" "$fg_line_" >>batch.txt &&
	variant "$fg_codes_" "v/$fg_name_.zip" "$fg_title_"
}

# Signed log (key k), seq: actor
#  1 alice  2 bob  3 alice  4 bob  5 carol
test_expect_success 'setup: a good bundle, a filtered one, keys' '
	annal keygen -f k -C log-key >/dev/null &&
	annal keygen -f k2 -C other-key >/dev/null &&
	annal keygen -f ka -C attacker >/dev/null &&
	ssh-keygen -q -t ecdsa -N "" -C ecdsa-key -f kecdsa </dev/null &&
	ssh-keygen -q -t rsa -b 2048 -N "" -C rsa-key -f krsa </dev/null &&
	annal init repo.git >/dev/null &&
	n=0 &&
	for a in alice bob alice bob carol
	do
		n=$((n + 1)) &&
		ANNAL_TEST_NOW=$((1795000000 + 60 * n)) annal -C repo.git append \
			--sign-key k --actor $a --action "act$n" >>ids || return 1
	done &&
	annal init plain.git >/dev/null &&
	annal -C plain.git append --actor alice --action login >/dev/null &&
	annal -C plain.git append --actor bob --action login >/dev/null &&
	rm -rf w.git &&
	cp -R repo.git w.git &&
	annal -C w.git export --bundle good.zip --sign-key k --format csv >/dev/null &&
	rm -rf w.git &&
	cp -R repo.git w.git &&
	annal -C w.git export --bundle alice.zip --sign-key k --actor alice >/dev/null &&
	annal -C plain.git export --bundle plain.zip --sign-key k >/dev/null &&
	rm -rf w.git &&
	cp -R repo.git w.git &&
	annal -C w.git export --bundle other.zip --sign-key k --actor bob >/dev/null &&
	python3 "$LIB_BUNDLE" list good.zip >good.names &&
	for i in 1 2 3 4 5
	do
		eval "ID$i=$(sed -n ${i}p ids)" || return 1
	done &&
	test -n "$ID5" &&
	PUB_K=$(ssh_pub k.pub) &&
	PUB_KA=$(ssh_pub ka.pub) &&
	FP_K=$(ssh_fp k.pub) &&
	mkdir v
'

test_expect_success 'the bundles are good, and lib-bundle.py rewrites them faithfully' '
	accepts --key k.pub good.zip &&
	accepts --key k.pub alice.zip &&
	accepts --key k.pub plain.zip &&
	python3 "$LIB_BUNDLE" check good.zip &&
	python3 "$LIB_BUNDLE" forge good.zip v/identity.zip identity &&
	accepts --key k.pub v/identity.zip &&
	python3 "$LIB_BUNDLE" forge alice.zip v/alice-identity.zip identity &&
	accepts --key k.pub v/alice-identity.zip &&
	python3 "$LIB_BUNDLE" forge good.zip v/stored.zip method records.csv 0 &&
	accepts --key k.pub v/stored.zip
'

test_expect_success 're-signed by an attacker, nothing else changed: passes unpinned, says so' '
	python3 "$LIB_BUNDLE" forge good.zip v/resigned.zip --resign ka identity &&
	python3 "$LIB_BUNDLE" check v/resigned.zip &&
	accepts v/resigned.zip &&
	grep "^signer: $(ssh_fp ka.pub) (NOT pinned: checked against the key in the bundle)\$" out &&
	grep "^result: intact, UNPINNED (anyone could have made this bundle)\$" out &&
	test_expect_code 2 annal audit-verify v/resigned.zip >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: no pin given; pass --key <exporter.pub>" err &&
	rejects 1 v/resigned.zip --key k.pub &&
	ssh_allowed as-k "namespaces=\"annal\"" k.pub &&
	rejects 1 v/resigned.zip --allowed-signers as-k
'

test_expect_success 'the signer pinned to another key: exit 1' '
	rejects 1 good.zip --key k2.pub &&
	rejects 1 good.zip --key ka.pub
'

test_expect_success 'setup: the hostile variants' '
	: >variants.txt &&
	: >batch.txt &&

	# not a zip, no file, empty file: exit 2
	python3 "$LIB_BUNDLE" not-zip v/text.zip &&
	variant 2 v/text.zip "a text file" &&
	variant 2 v/missing.zip "a missing file" &&
	: >v/empty-file.zip &&
	variant 2 v/empty-file.zip "an empty file" &&
	head -c 4096 /dev/urandom >v/random.zip &&
	variant 2 v/random.zip "random bytes" &&
	python3 -c "import gzip, sys; sys.stdout.buffer.write(gzip.compress(b\"hello\"))" >v/gzip.zip &&
	variant 2 v/gzip.zip "a gzip file" &&

	# truncated archives
	for n in 4 10 30 100 1000 50% 90% -1 -22 -23 -100
	do
		python3 "$LIB_BUNDLE" truncate good.zip "v/trunc$n.zip" $n &&
		variant "1|2" "v/trunc$n.zip" "truncated to $n" || return 1
	done &&

	# a broken central directory
	for what in entries cd-offset cd-size name-len extra-len local-offset zip64
	do
		python3 "$LIB_BUNDLE" patch good.zip "v/patch-$what.zip" $what &&
		variant "1|2" "v/patch-$what.zip" "zip structure broken: $what" || return 1
	done &&
	for what in local-name central-name
	do
		python3 "$LIB_BUNDLE" patch good.zip "v/patch-$what.zip" $what &&
		variant 1 "v/patch-$what.zip" "local and central header disagree: $what" || return 1
	done &&
	# a second local header for records.jsonl that unzip would read
	for where in gap trail extra
	do
		python3 "$LIB_BUNDLE" shadow good.zip "v/shadow-$where.zip" $where &&
		variant 1 "v/shadow-$where.zip" "a shadow local header ($where)" || return 1
	done &&

	# one raw byte flipped in each member, nothing recomputed
	k=0 &&
	for m in $(cat good.names)
	do
		k=$((k + 1)) &&
		python3 "$LIB_BUNDLE" raw-flip good.zip v/raw$k.zip "$m" &&
		variant 1 v/raw$k.zip "raw byte flipped in $m" &&
		forged 1 flip$k "content byte flipped in $m (CRC good)" flip "$m" &&
		forged 1 drop$k "$m missing" drop "$m" &&
		forged 1 dropsigned$k "$m missing, re-signed" --resign ka drop "$m" || return 1
		case $m in
		SHA256SUMS*) ;;
		*) forged 1 resum$k "$m changed, SHA256SUMS recomputed, not re-signed" \
			--resum flip "$m" ;;
		esac || return 1
	done &&
	forged 1 flip-sig-start "first byte of SHA256SUMS.sig" flip SHA256SUMS.sig 0 &&
	forged 1 flip-sums-end "last byte of SHA256SUMS" flip SHA256SUMS -1 &&

	# a signature, but of something else
	python3 "$LIB_BUNDLE" cat other.zip SHA256SUMS.sig >other.sig &&
	forged 1 other-sig "SHA256SUMS.sig of another bundle" replace SHA256SUMS.sig other.sig &&
	python3 "$LIB_BUNDLE" cat other.zip SHA256SUMS >other.sums &&
	forged 1 other-sums "SHA256SUMS of another bundle, its signature" \
		replace SHA256SUMS other.sums + replace SHA256SUMS.sig other.sig &&
	forged 1 signer-swap "signer.pub replaced, SHA256SUMS recomputed, old signature" \
		--resum replace signer.pub ka.pub &&
	forged 1 manifest-signer "manifest names the signer, another key signed" \
		--resign-raw ka identity &&
	python3 "$LIB_BUNDLE" cat good.zip SHA256SUMS >sums &&
	ssh-keygen -Y sign -n git -f k sums >/dev/null 2>&1 &&
	forged 1 git-namespace "SHA256SUMS signed by the right key in namespace git" \
		replace SHA256SUMS.sig sums.sig &&

	# the right signature in an armor ssh-keygen -Y verify does not read
	python3 "$LIB_BUNDLE" cat good.zip SHA256SUMS.sig >good.sig &&
	for how in lead-newline crlf begin-no-newline end-on-base64
	do
		python3 - "$how" good.sig >"armor-$how.sig" <<-\EOF &&
		import sys
		how, d = sys.argv[1], open(sys.argv[2], "rb").read()
		if how == "lead-newline":
		    d = b"\n" + d
		elif how == "crlf":
		    d = d.replace(b"\n", b"\r\n")
		elif how == "begin-no-newline":
		    d = d.replace(b"-----\n", b"-----", 1)
		else:
		    d = d.replace(b"\n-----END", b"-----END")
		sys.stdout.buffer.write(d)
		EOF
		forged 1 "armor-$how" "SHA256SUMS.sig armored badly ($how)" \
			replace SHA256SUMS.sig "armor-$how.sig" || return 1
	done &&

	# members that should not be there
	forged 1 extra "an extra member" add extra.txt hello &&
	forged 1 extra-signed "an extra member, listed and re-signed" --resign ka add extra.txt hello &&
	forged 1 extra-records "records.json not in the manifest formats, re-signed" \
		--resign ka add records.json "[]" &&
	forged 1 extra-commit "a commit of no exported record, re-signed" \
		--resign ka add commits/0000000000000000000000000000000000000000 x &&
	python3 "$LIB_BUNDLE" cat good.zip commits/$ID2 >commit2 &&
	python3 "$LIB_BUNDLE" forge alice.zip v/extra-real-commit.zip --resign ka \
		add-file commits/$ID2 commit2 &&
	variant 1 v/extra-real-commit.zip "alice: the real commit of a filtered-out record, re-signed" &&
	forged 1 extra-upper "commits/<ID> in upper case, re-signed" \
		--resign ka rename commits/$ID1 commits/$(echo $ID1 | tr a-f A-F) &&
	forged 1 extra-short "commits/<39 hex>, re-signed" \
		--resign ka rename commits/$ID1 commits/$(echo $ID1 | cut -c1-39) &&

	# names that leave the directory
	for name in ../x /abs commits/../../x commits/../manifest.json ./manifest.json \
		"commits//$ID1" "..\\x" "C:/x"
	do
		k=$((k + 1)) &&
		forged 1 name$k "member named $name, re-signed" \
			--resign ka add "$name" x || return 1
	done &&
	forged 1 rename-trav "signer.pub renamed ../signer.pub" rename signer.pub ../signer.pub &&
	python3 "$LIB_BUNDLE" forge good.zip v/ctrl-name.zip \
		add "$(printf "evil\nannal: error: forged line\033[31m")" x &&
	variant 1 v/ctrl-name.zip "a member name with a newline and ESC" &&

	# not regular files
	forged 1 symlink-csv "records.csv a symlink, re-signed" \
		--resign ka symlink records.csv /etc/passwd &&
	forged 1 symlink-manifest "manifest.json a symlink" symlink manifest.json records.jsonl &&
	forged 1 symlink-extra "an extra symlink member, re-signed" \
		--resign ka add-symlink link /etc/passwd &&
	forged 1 dir-commits "a commits/ directory entry, re-signed" --resign ka add-dir commits/ &&
	forged 1 dir-other "a directory entry x/" add-dir x/ &&
	forged 1 device "a device member, re-signed" --resign ka add-device records.json &&

	# the same name twice
	forged 1 dup-manifest "manifest.json twice, same bytes, re-signed" \
		--resign ka dup manifest.json same &&
	forged 1 dup-records "records.jsonl twice, different bytes" dup records.jsonl changed &&
	forged 1 dup-sig "SHA256SUMS.sig twice" dup SHA256SUMS.sig same &&
	forged 1 dup-commit "a commit twice, re-signed" --resign ka dup commits/$ID3 same &&

	# sizes that lie, bombs
	forged 1 lie-4g "records.csv declares 4 GiB" lie-size records.csv 4294967280 &&
	forged 1 lie-300m "records.csv declares 300 MiB" lie-size records.csv 314572800 &&
	forged 1 lie-small "records.csv declares fewer bytes than it holds" lie-size records.csv 10 &&
	forged 1 bomb "records.csv: 300 MiB of zeros, deflated" bomb records.csv 300 &&
	forged 1 bomb-lie "records.csv: 300 MiB of zeros declared as 1000 bytes" \
		bomb records.csv 300 lie &&
	forged 1 bomb-total "five members of 250 MiB: over 1 GiB together" \
		bombs 250 records.json records.csv records.otlp.json \
		records.splunk.jsonl records.datadog.jsonl &&
	forged 1 method "records.csv with an unknown compression method" method records.csv 99 &&
	forged 1 bomb-count "65,000 more members, the most a zip without zip64 holds" \
		many 65000 &&
	forged "1|2" no-members "a zip without members" empty &&

	# re-signed by the attacker: only the deeper checks can tell
	forged 1 reorder "records.jsonl reordered, re-signed" \
		--resign ka swap-lines records.jsonl 0 1 &&
	forged 1 reorder-middle "records.jsonl: two middle records swapped, re-signed" \
		--resign ka swap-lines records.jsonl 1 2 &&
	forged 1 reorder-last "records.jsonl last two swapped, re-signed" \
		--resign ka swap-lines records.jsonl 3 4 &&
	forged 1 gap "a skeleton line removed, re-signed" --resign ka drop-line chain.jsonl 2 &&
	forged 1 gap-first "the first skeleton line removed, re-signed" \
		--resign ka drop-line chain.jsonl 0 &&
	forged 1 gap-last "the last skeleton line removed, re-signed" \
		--resign ka drop-line chain.jsonl 4 &&
	forged 1 rec-hash "a record hash edited, re-signed" \
		--resign ka set-json records.jsonl 2 hash "\"sha256:$(printf %064d 1)\"" &&
	forged 1 rec-field "a record field edited, re-signed" \
		--resign ka set-json records.jsonl 2 actor "\"mallory\"" &&
	forged 1 rec-rehash "a record edited and rehashed, re-signed" \
		--resign ka set-json records.jsonl 2 actor "\"mallory\"" + rehash 2 &&
	forged 1 rec-rehash-skel "the last record edited, rehashed, skeleton too, re-signed" \
		--resign ka set-json records.jsonl 4 actor "\"mallory\"" + rehash 4 + \
		skel-sync 4 &&
	forged 1 rec-id "a record id edited, re-signed" \
		--resign ka set-json records.jsonl 1 id "\"$ID3\"" &&
	forged 1 rec-seq "a record seq edited, re-signed" \
		--resign ka set-json records.jsonl 1 seq 9 &&
	forged 1 rec-extra-field "a record with a new field, re-signed" \
		--resign ka set-json records.jsonl 0 note "\"added\"" &&
	forged 1 rec-dropped-field "a record without its action, rehashed, re-signed" \
		--resign ka del-json records.jsonl 0 action + rehash 0 &&
	forged 1 rec-noncanonical "a record not canonical, re-signed" \
		--resign ka space-json records.jsonl 0 &&
	forged 1 rec-dup "a record line twice, re-signed" \
		--resign ka dup-line records.jsonl 1 &&
	forged 1 rec-dup-count "a record line twice, manifest count agreeing, re-signed" \
		--resign ka dup-line records.jsonl 1 + set-json manifest.json 0 records 6 &&
	forged 1 rec-missing "a record missing, manifest and commits agreeing, first gone" \
		--resign ka drop-line records.jsonl 0 + drop commits/$ID1 + \
		set-json manifest.json 0 records 4 &&
	forged 1 commit-edit "a commit whose content differs, re-signed" \
		--resign ka commit-edit $ID3 &&
	forged 1 commit-swap "a commit holding another record, re-signed" \
		--resign ka commit-swap $ID3 $ID4 &&
	forged 1 manifest-records "manifest records count wrong, re-signed" \
		--resign ka set-json manifest.json 0 records 4 &&
	forged 1 manifest-first "manifest first wrong, re-signed" \
		--resign ka set-json manifest.json 0 first "{\"id\":\"$ID2\",\"seq\":2}" &&
	forged 1 manifest-last "manifest last wrong, re-signed" \
		--resign ka set-json manifest.json 0 last "{\"id\":\"$ID4\",\"seq\":4}" &&
	forged 1 manifest-formats "manifest formats without csv, re-signed" \
		--resign ka set-json manifest.json 0 formats "[\"jsonl\"]" &&
	forged 1 manifest-formats-more "manifest formats name a missing file, re-signed" \
		--resign ka set-json manifest.json 0 formats "[\"jsonl\",\"csv\",\"json\"]" &&
	forged 1 manifest-log-keys "manifest log_keys of the attacker, re-signed" \
		--resign ka set-json manifest.json 0 log_keys "[\"$PUB_KA\"]" &&
	forged 1 manifest-not-json "manifest.json not JSON, re-signed" \
		--resign ka replace manifest.json ids &&
	forged 1 manifest-format "manifest format not annal-bundle, re-signed" \
		--resign ka set-json manifest.json 0 format "\"other\"" &&
	forged 1 manifest-version "manifest version 2, re-signed" \
		--resign ka set-json manifest.json 0 version 2 &&
	forged 1 signer-not-key "signer.pub not a key, re-signed" \
		--resign-raw ka replace signer.pub ids &&
	forged 1 key-ecdsa "signer.pub an ECDSA key, SHA256SUMS signed with it" \
		--resign kecdsa identity &&
	forged 1 key-rsa "signer.pub an RSA key, SHA256SUMS signed with it" \
		--resign krsa identity &&

	# the attacker also rewrote the signing of the log
	python3 "$LIB_BUNDLE" forge plain.zip v/plain-signed.zip --resign ka \
		set-json manifest.json 0 log_signed true + \
		set-json manifest.json 0 log_keys "[\"$PUB_KA\"]" &&
	variant 1 v/plain-signed.zip "an unsigned log claimed signed, re-signed" &&
	python3 "$LIB_BUNDLE" forge good.zip v/signed-unsigned.zip --resign ka \
		set-json manifest.json 0 log_keys "[]" &&
	variant 1 v/signed-unsigned.zip "log_keys emptied, re-signed" &&

	# the skeleton of records not exported (alice: records 1 and 3 of 1..3)
	for spec in "ts \"2000-01-01T00:00:00.000Z\"|skeleton ts backwards" \
		"seq 7|skeleton seq not +1" \
		"hash \"sha256:$(printf %064d 7)\"|skeleton hash not linked" \
		"prev_hash \"sha256:$(printf %064d 7)\"|skeleton prev_hash not linked" \
		"id \"$ID4\"|skeleton id not the parent of the next commit"
	do
		k=$((k + 1)) &&
		python3 "$LIB_BUNDLE" forge alice.zip v/skel$k.zip --resign ka \
			set-json chain.jsonl 1 ${spec%%|*} &&
		variant 1 v/skel$k.zip "alice: ${spec#*|}, re-signed" || return 1
	done &&
	python3 "$LIB_BUNDLE" forge alice.zip v/skel-gap.zip --resign ka \
		drop-line chain.jsonl 1 &&
	variant 1 v/skel-gap.zip "alice: the skeleton of a filtered-out record removed, re-signed" &&
	python3 "$LIB_BUNDLE" forge alice.zip v/skel-genesis.zip --resign ka \
		set-json chain.jsonl 0 prev_hash "\"sha256:$(printf %064d 1)\"" + \
		set-json records.jsonl 0 prev_hash "\"sha256:$(printf %064d 1)\"" &&
	variant 1 v/skel-genesis.zip "alice: seq 1 not from genesis, re-signed" &&
	python3 "$LIB_BUNDLE" forge alice.zip v/skel-short.zip --resign ka \
		drop-line chain.jsonl 2 &&
	variant 1 v/skel-short.zip "alice: skeleton ends before the last record, re-signed" &&

	python3 "$LIB_BUNDLE" batch good.zip <batch.txt &&
	test_path_is_file v/bomb-total.zip &&
	wc -l variants.txt
'

# The armors above are refused because ssh-keygen refuses them: check
# that it does, and that it reads the good one.
test_expect_success 'ssh-keygen -Y verify refuses the armors audit-verify refuses' '
	printf "s %s\n" "$(cut -d" " -f1,2 k.pub)" >armor-allowed &&
	ssh-keygen -Y verify -f armor-allowed -I s -n annal -s good.sig <sums &&
	for how in lead-newline crlf begin-no-newline end-on-base64
	do
		test_expect_code 255 ssh-keygen -Y verify -f armor-allowed -I s \
			-n annal -s "armor-$how.sig" <sums >out 2>err ||
		return 1
	done
'

# caught_by FILE: the reason audit-verify gave for FILE (the one line in
# err), ids and fingerprints masked, and libarchive's detail of a damaged
# member (it depends on the random keys' bytes), added to caught-by
caught_by () {
	sed -e "s|^annal: error: bundle $1: ||" -e "s|^annal: error: ||" \
		-e "s/[0-9a-fA-F]\{39,64\}/<hex>/g" \
		-e "s|SHA256:[A-Za-z0-9+/]\{43\}|SHA256:<fp>|g" \
		-e "s/^\(member .* is damaged\): .*/\1/" err >reason &&
	printf "%s\t%s\n" "$1" "$(cat reason)" >>caught-by
}

: >caught-by
while IFS='	' read -r codes file title args
do
	test_expect_success "rejected: $title" "
		rejects '$codes' $file $args &&
		caught_by $file
	"
done <variants.txt

# Which check rejects each bundle is part of the contract: a change that
# lets a later check (or none) catch a variant shows here.
# t/t6001/caught-by is the "caught by" of testing.md, variant by variant.
# A line of it may give alternatives, separated by a tab and "| ": a
# byte flipped in signer.pub's base64 spoils the key or changes it,
# depending on the random key.
test_expect_success 'each bundle is rejected by the check testing.md names' '
	python3 - "$TEST_DIRECTORY/t6001/caught-by" caught-by <<-\PY
	import sys
	golden = {}
	for l in open(sys.argv[1], encoding="utf-8"):
	    f, reasons = l.rstrip("\n").split("\t", 1)
	    golden[f] = reasons.split("\t| ")
	got = {}
	for l in open(sys.argv[2], encoding="utf-8"):
	    f, reason = l.rstrip("\n").split("\t", 1)
	    got[f] = reason
	bad = ["%s: caught by %r, want %s" % (f, got.get(f), " or ".join(map(repr, w)))
	       for f, w in sorted(golden.items()) if got.get(f) not in w]
	bad += ["%s: not in t6001/caught-by" % f for f in sorted(set(got) - set(golden))]
	print("\n".join(bad))
	sys.exit(1 if bad else 0)
	PY
'

test_expect_success 'nothing was written anywhere' '
	test_path_is_missing ../x &&
	test_path_is_missing x &&
	test_path_is_missing /abs &&
	test_path_is_missing link &&
	test_path_is_missing extra.txt &&
	test_path_is_missing signer.pub
'

test_done
