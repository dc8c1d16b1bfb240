#!/bin/sh

test_description='annal append --redact and --corrects

A redacted value is replaced by "[REDACTED]" and never reaches the
repository; --corrects stores the full id of an earlier record of the
same log.'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to check the repository'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
SQ="'"

# secret_nowhere STRING: STRING is in no file of the repository and in no
# object, loose or packed (objects are read back through git).
secret_nowhere () {
	! grep -r -a -F -e "$1" repo.git >/dev/null &&
	git -C repo.git cat-file --batch-all-objects --batch >all-objects &&
	test -s all-objects &&
	! grep -a -F -e "$1" all-objects >/dev/null
}

# rejected ARGS...: exit 2, one error line, no ref moved.
rejected () {
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after
}

test_expect_success 'setup' '
	annal_repo_init
'

test_expect_success '--redact replaces the value and lists the path' '
	annal append --json "{\"actor\":\"user:bob\",\"action\":\"login\",\"params\":{\"user\":\"bob\",\"password\":\"hunter2-SECRET-a1\"}}" \
		--redact params.password >id &&
	check_field $(cat id) params.password "\"[REDACTED]\"" &&
	check_field $(cat id) params.user "\"bob\"" &&
	check_field $(cat id) redacted "[\"params.password\"]"
'

test_expect_success 'the secret is nowhere in the repository' '
	secret_nowhere hunter2-SECRET-a1
'

test_expect_success 'the redacted record is hashed as stored' '
	annal_record repo.git $(cat id) >rec &&
	json_get hash <rec >hash &&
	sed -e "s/,\"hash\":\"sha256:[0-9a-f]*\"//" rec >unhashed &&
	printf "\"sha256:%s\"\n" $(tr -d "\n" <unhashed | sha256sum | sed -e "s/ .*//") >expect &&
	test_cmp expect hash
'

test_expect_success 'a value of any type is replaced by the string' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"token\":{\"k\":\"SECRET-obj-b2\",\"n\":[1,2]}},\"card\":4111111111111111}" \
		--redact params.token --redact card >id &&
	check_field $(cat id) params.token "\"[REDACTED]\"" &&
	check_field $(cat id) card "\"[REDACTED]\"" &&
	check_field $(cat id) redacted "[\"card\",\"params.token\"]" &&
	secret_nowhere SECRET-obj-b2 &&
	secret_nowhere 4111111111111111
'

test_expect_success 'option fields can be redacted too' '
	annal append --actor a --action b --reason "SECRET-reason-c3" \
		--field params.api_key=SECRET-key-c3 \
		--redact reason --redact params.api_key >id &&
	check_field $(cat id) reason "\"[REDACTED]\"" &&
	check_field $(cat id) params.api_key "\"[REDACTED]\"" &&
	secret_nowhere SECRET-reason-c3 &&
	secret_nowhere SECRET-key-c3
'

test_expect_success 'several paths are listed sorted and once' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"z\":1,\"b\":{\"c\":2},\"params\":{\"a\":3,\"z\":4}}" \
		--redact params.z --redact z --redact b.c --redact params.a --redact z >id &&
	check_field $(cat id) redacted "[\"b.c\",\"params.a\",\"params.z\",\"z\"]" &&
	check_field $(cat id) b.c "\"[REDACTED]\"" &&
	check_field $(cat id) z "\"[REDACTED]\""
'

test_expect_success 'a --redact path that matches nothing: exit 2, nothing stored' '
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"password\":\"hunter2-SECRET-typo-j1\"}}" \
		--redact params.pasword &&
	echo "annal: error: --redact ${SQ}params.pasword${SQ} matches nothing in the record; fix the path (a JSON Pointer such as ${SQ}/a.b/0${SQ} names keys with dots and array elements) or use --redact-if-present" >expect &&
	test_cmp expect err &&
	secret_nowhere hunter2-SECRET-typo-j1 &&
	rejected --actor a --action b --field params.password=SECRET-typo-j1 \
		--redact params.password --redact params.pasword &&
	grep "${SQ}params.pasword${SQ} matches nothing" err &&
	secret_nowhere SECRET-typo-j1
'

test_expect_success 'the dotted form of a key that holds a dot matches nothing: exit 2' '
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"http.request.header.authorization\":\"Bearer SECRET-otel-j2\"}" \
		--redact http.request.header.authorization &&
	grep "matches nothing in the record; fix the path (a JSON Pointer such as" err &&
	secret_nowhere SECRET-otel-j2 &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"items\":[{\"secret\":\"SECRET-item-j2\"}]}" \
		--redact items.0.secret &&
	secret_nowhere SECRET-item-j2
'

test_expect_success 'a path through a non-object or past an array matches nothing: exit 2' '
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":\"flat\"}" \
		--redact params.password &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"items\":[1,2]}" \
		--redact /items/2 &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"items\":[1,2]}" \
		--redact /items/01 &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"items\":[1,2]}" \
		--redact /items/- &&
	rejected --actor a --action b --redact params.password
'

test_expect_success 'an invalid path: exit 2' '
	for path in "" a..b .a a. "/x~2" "/x~" "$(printf "a\\377b")"
	do
		rejected --actor a --action b --field "a.b=1" --redact "$path" &&
		grep "^annal: error: cannot redact ${SQ}.*${SQ}: it is no path" err || return 1
	done
'

test_expect_success '--redact-if-present: an absent path is fine and not listed' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"user\":\"u\"}}" \
		--redact-if-present params.password --redact params.user \
		--redact-if-present nothing.here >id 2>err &&
	test_must_be_empty err &&
	check_field $(cat id) redacted "[\"params.user\"]" &&
	check_no_field $(cat id) params.password &&
	check_no_field $(cat id) nothing
'

test_expect_success '--redact-if-present: present, it is redacted and listed' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"token\":\"SECRET-present-k2\"}}" \
		--redact-if-present /params/token >id &&
	check_field $(cat id) params.token "\"[REDACTED]\"" &&
	check_field $(cat id) redacted "[\"/params/token\"]" &&
	secret_nowhere SECRET-present-k2
'

test_expect_success '--redact-if-present, nothing present: no "[REDACTED]" anywhere' '
	annal append --actor a --action b --redact-if-present params.password >id &&
	annal_record repo.git $(cat id) >rec &&
	! grep -F "[REDACTED]" rec &&
	! grep -F "params.password" rec &&
	check_no_field $(cat id) params &&
	rejected --actor a --action b --redact-if-present a..b &&
	rejected --actor a --action b --redact-if-present actor
'

test_expect_success 'overlapping paths: the outer value and one inside it' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"t\":{\"x\":\"SECRET-nest-l3\"}}}" \
		--redact /params/t/x --redact params --redact params.t >id &&
	check_field $(cat id) params "\"[REDACTED]\"" &&
	check_field $(cat id) redacted "[\"/params/t/x\",\"params\",\"params.t\"]" &&
	secret_nowhere SECRET-nest-l3 &&
	annal verify
'

test_expect_success 'redacting actor or action: exit 2' '
	rejected --actor a --action b --redact actor &&
	rejected --actor a --action b --redact action &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\"}" --redact actor
'

test_expect_success 'redacting labels or event_time whole: exit 2, verify would reject it' '
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"labels\":{\"env\":\"prod\"}}" \
		--redact labels &&
	grep "cannot redact ${SQ}labels${SQ}: it must stay an object; redact the keys inside it" err &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"event_time\":\"2026-01-01T00:00:00Z\"}" \
		--redact event_time &&
	grep "cannot redact ${SQ}event_time${SQ}: it must stay a date-time" err &&
	rejected --actor a --action b --redact corrects &&
	grep "cannot redact ${SQ}corrects${SQ}: it is needed to read the record" err
'

test_expect_success 'a key inside labels can be redacted, and the log verifies' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"labels\":{\"env\":\"SECRET-label-f6\"}}" \
		--redact labels.env >id &&
	check_field $(cat id) labels "{\"env\":\"[REDACTED]\"}" &&
	secret_nowhere SECRET-label-f6 &&
	annal verify
'

test_expect_success '--redact with a JSON Pointer: keys holding dots, / and ~' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"http.request.header.authorization\":\"Bearer SECRET-otel-g7\",\"params.token\":\"SECRET-dotkey-g7\",\"params\":{\"token\":\"kept-g7\",\"a/b\":\"SECRET-slash-g7\",\"m~n\":\"SECRET-tilde-g7\",\"~1\":\"SECRET-esc-g7\"}}" \
		--redact /http.request.header.authorization --redact /params.token \
		--redact "/params/a~1b" --redact "/params/m~0n" --redact "/params/~01" >id &&
	check_field $(cat id) /http.request.header.authorization "\"[REDACTED]\"" &&
	check_field $(cat id) /params.token "\"[REDACTED]\"" &&
	check_field $(cat id) params "{\"a/b\":\"[REDACTED]\",\"m~n\":\"[REDACTED]\",\"token\":\"kept-g7\",\"~1\":\"[REDACTED]\"}" &&
	check_field $(cat id) redacted "[\"/http.request.header.authorization\",\"/params.token\",\"/params/a~1b\",\"/params/m~0n\",\"/params/~01\"]" &&
	for s in otel dotkey slash tilde esc
	do
		secret_nowhere SECRET-$s-g7 || return 1
	done
'

test_expect_success '--redact with a JSON Pointer: array elements' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"items\":[{\"secret\":\"SECRET-item0-h8\"},{\"secret\":\"SECRET-item1-h8\",\"n\":1},\"SECRET-item2-h8\",[\"SECRET-nested-h8\"]]}" \
		--redact /items/0 --redact /items/1/secret --redact /items/2 \
		--redact /items/3/0 >id &&
	check_field $(cat id) items "[\"[REDACTED]\",{\"n\":1,\"secret\":\"[REDACTED]\"},\"[REDACTED]\",[\"[REDACTED]\"]]" &&
	check_field $(cat id) redacted "[\"/items/0\",\"/items/1/secret\",\"/items/2\",\"/items/3/0\"]" &&
	for s in item0 item1 item2 nested
	do
		secret_nowhere SECRET-$s-h8 || return 1
	done
'

test_expect_success '--redact: a JSON Pointer and a dotted path for the same value' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"params\":{\"password\":\"SECRET-both-i9\"}}" \
		--redact /params/password --redact params.password >id &&
	check_field $(cat id) params.password "\"[REDACTED]\"" &&
	check_field $(cat id) redacted "[\"/params/password\",\"params.password\"]" &&
	secret_nowhere SECRET-both-i9
'

test_expect_success 'a JSON Pointer to actor, action, corrects or labels: exit 2' '
	rejected --actor a --action b --redact /actor &&
	rejected --actor a --action b --redact /action &&
	rejected --actor a --action b --field labels.env=x --redact /labels
'

test_expect_success 'redacted cannot be given by the caller' '
	rejected --actor a --action b --field "redacted:=[\"x\"]"
'

test_expect_success 'redaction applies to every line of a --stdin batch' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1","params":{"password":"SECRET-line1-d4"}}
	{"actor":"a","action":"2"}
	{"actor":"a","action":"3","params":{"password":"SECRET-line3-d4","keep":true}}
	EOF
	annal append --stdin --redact params.password <in >ids &&
	test_line_count = 3 ids &&
	check_field $(sed -n 1p ids) params.password "\"[REDACTED]\"" &&
	check_field $(sed -n 1p ids) redacted "[\"params.password\"]" &&
	check_no_field $(sed -n 2p ids) params &&
	annal_record repo.git $(sed -n 2p ids) >rec &&
	! grep -F "[REDACTED]" rec &&
	check_field $(sed -n 3p ids) params "{\"keep\":true,\"password\":\"[REDACTED]\"}" &&
	secret_nowhere SECRET-line1-d4 &&
	secret_nowhere SECRET-line3-d4
'

test_expect_success 'a --stdin batch: a path that matches in no line: exit 2, nothing written' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1","params":{"password":"SECRET-batch-m4"}}
	{"actor":"a","action":"2"}
	EOF
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --stdin --redact params.pasword <in >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: --redact ${SQ}params.pasword${SQ} matches nothing in any record of the batch; fix the path (a JSON Pointer such as ${SQ}/a.b/0${SQ} names keys with dots and array elements) or use --redact-if-present" >expect &&
	test_cmp expect err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	secret_nowhere SECRET-batch-m4 &&
	annal append --stdin --redact-if-present params.pasword <in >ids &&
	test_line_count = 2 ids
'

test_expect_success 'a batch written as a pack: no pack, temporary or not, is left' '
	for i in $(test_seq 300)
	do
		echo "{\"actor\":\"a\",\"action\":\"n$i\",\"params\":{\"password\":\"SECRET-pack-n5-$i\"}}" ||
		return 1
	done >in &&
	ls repo.git/objects/pack >packs.before &&
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --stdin --redact params.pasword <in >out 2>err &&
	test_must_be_empty out &&
	grep "matches nothing in any record of the batch" err &&
	ls repo.git/objects/pack >packs.after &&
	test_cmp packs.before packs.after &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	secret_nowhere SECRET-pack-n5
'

test_expect_success 'an empty batch with --redact: nothing to redact, exit 0' '
	annal append --stdin --redact params.password </dev/null >out &&
	test_must_be_empty out
'

test_expect_success '--stream: each line must match, a line that does not is refused' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1","params":{"token":"SECRET-stream1-o6"}}
	{"actor":"a","action":"2","params":{"tokn":"SECRET-stream2-o6"}}
	{"actor":"a","action":"3","params":{"token":"SECRET-stream3-o6"}}
	EOF
	test_expect_code 2 annal append --stdin --stream --redact params.token <in >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 3 out &&
	sed -n 2p out >line2 &&
	echo "error: --redact ${SQ}params.token${SQ} matches nothing in the record; fix the path (a JSON Pointer such as ${SQ}/a.b/0${SQ} names keys with dots and array elements) or use --redact-if-present" >expect &&
	test_cmp expect line2 &&
	check_field $(sed -n 1p out) params.token "\"[REDACTED]\"" &&
	check_field $(sed -n 3p out) params.token "\"[REDACTED]\"" &&
	secret_nowhere SECRET-stream1-o6 &&
	secret_nowhere SECRET-stream2-o6 &&
	secret_nowhere SECRET-stream3-o6
'

test_expect_success '--stream with --redact-if-present: every line lands' '
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"1\",\"params\":{\"token\":\"SECRET-opt-p7\"}}" \
		"{\"actor\":\"a\",\"action\":\"2\"}" >in &&
	annal append --stdin --stream --redact-if-present params.token <in >out &&
	test_line_count = 2 out &&
	check_field $(sed -n 1p out) params.token "\"[REDACTED]\"" &&
	check_no_field $(sed -n 2p out) redacted &&
	secret_nowhere SECRET-opt-p7
'

test_expect_success '--stream with an invalid path: exit 2 before reading a line' '
	echo "{\"actor\":\"a\",\"action\":\"1\"}" >in &&
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --stdin --stream --redact "/a~2" <in >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: cannot redact ${SQ}/a~2${SQ}: it is no path" err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after
'

test_expect_success 'a rejected batch leaves no trace of its secrets' '
	cat >in <<-\EOF &&
	{"actor":"a","action":"1","params":{"password":"SECRET-rejected-e5"}}
	{"actor":"a"}
	EOF
	test_expect_code 2 annal append --stdin --redact params.password <in 2>err &&
	grep "^annal: error: stdin line 2: " err &&
	secret_nowhere SECRET-rejected-e5
'

test_expect_success PYTHON3 'the log checks out with stock tools' '
	annal_check_log repo.git >records
'

test_expect_success 'corrects: setup' '
	annal append --actor user:bob --action db.drop --target users \
		--decision blocked >wrong &&
	annal append --log other --actor a --action b >foreign &&
	test_tick &&
	annal append --actor a --action b >later
'

test_expect_success '--corrects with a full id' '
	annal append --actor user:bob --action db.drop --target users \
		--decision allowed --corrects $(cat wrong) >id &&
	check_field $(cat id) corrects "\"$(cat wrong)\""
'

test_expect_success '--corrects with an abbreviated id stores the full id' '
	short=$(cut -c1-7 wrong) &&
	annal append --actor a --action b --corrects $short >id &&
	check_field $(cat id) corrects "\"$(cat wrong)\"" &&
	short=$(cut -c1-4 wrong) &&
	annal append --actor a --action b --corrects $short >id &&
	check_field $(cat id) corrects "\"$(cat wrong)\""
'

test_expect_success 'corrects given in the JSON' '
	annal append --json "{\"actor\":\"a\",\"action\":\"b\",\"corrects\":\"$(cat wrong)\"}" >id &&
	check_field $(cat id) corrects "\"$(cat wrong)\""
'

test_expect_success '--corrects an unknown id: exit 2' '
	rejected --actor a --action b --corrects 0000000000000000000000000000000000000000 &&
	rejected --actor a --action b --corrects 0000000 &&
	rejected --actor a --action b --corrects $(cut -c1-3 wrong) &&
	rejected --actor a --action b --corrects zzzzzzz
'

test_expect_success '--corrects a record of another log: exit 2' '
	rejected --actor a --action b --corrects $(cat foreign) &&
	rejected --log other --actor a --action b --corrects $(cat wrong) &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"corrects\":\"$(cat foreign)\"}"
'

test_expect_success '--corrects an object that is not a record: exit 2' '
	rejected --actor a --action b --corrects $EMPTY_TREE &&
	blob=$(echo hello | git -C repo.git hash-object -w --stdin) &&
	rejected --actor a --action b --corrects $blob &&
	commit=$(git -C repo.git commit-tree -m stray $EMPTY_TREE) &&
	rejected --actor a --action b --corrects $commit
'

test_expect_success 'corrects in the JSON must be a full id' '
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"corrects\":\"$(cut -c1-7 wrong)\"}" &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"corrects\":1}"
'

test_expect_success '--corrects twice, or with corrects in the JSON: exit 2' '
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --actor a --action b \
		--corrects $(cat wrong) --corrects $(cat later) >out 2>err &&
	test_must_be_empty out &&
	sed -n 1p err >first &&
	grep "^annal: error: " first &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	rejected --json "{\"actor\":\"a\",\"action\":\"b\",\"corrects\":\"$(cat wrong)\"}" \
		--corrects $(cat wrong)
'

test_expect_success '--corrects with --stdin: exit 2' '
	echo "{\"actor\":\"a\",\"action\":\"b\"}" >in &&
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --stdin --corrects $(cat wrong) <in >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: " err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after
'

test_expect_success PYTHON3 'both logs check out with stock tools' '
	annal_check_log repo.git main >records &&
	annal_check_log repo.git other >records
'

test_done
