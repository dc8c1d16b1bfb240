#!/bin/sh

test_description='annal append rejects invalid input

Each case exits 2 with exactly one "annal: error: " line on stderr, prints
nothing on stdout, and moves no ref: neither the existing log main nor a
brand-new log (whose ref must not come into existence).'

. "$(dirname "$0")/test-lib.sh"

if ! test_have_prereq GIT
then
	skip_all='stock git is needed to check the repository'
	test_done
fi

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO

# rejected ARGS...: "annal append ARGS" is refused without side effects,
# on the log main and on a new log.
rejected () {
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal append --log fresh "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: " err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/fresh
}

# rejected_json JSON: --json JSON is refused, and so is the same object as
# a --stdin line (named as line 1).
rejected_json () {
	rejected --json "$1" &&
	printf "%s\n" "$1" >in.ndjson &&
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --stdin <in.ndjson >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: stdin line 1: " err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after
}

# rejected_stdin <INPUT: a one-line --stdin batch is refused.
rejected_stdin () {
	cat >in.ndjson &&
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append --stdin <in.ndjson >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: stdin line 1: " err &&
	test_expect_code 2 annal append --stdin --log fresh <in.ndjson >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/fresh
}

# accepted ARGS...: a positive control; the record is appended to main.
accepted () {
	annal append "$@" >id &&
	git -C repo.git rev-parse refs/audit/main >head &&
	test_cmp id head
}

# wrap JSON-FRAGMENT: a valid record with the fragment as extra members.
wrap () {
	printf '{"actor":"a","action":"b",%s}' "$1"
}

test_expect_success 'setup' '
	annal_repo_init &&
	annal append --actor a --action first >first
'

test_expect_success 'no fields at all' '
	git -C repo.git for-each-ref >refs.before &&
	test_expect_code 2 annal append >out 2>err &&
	test_must_be_empty out &&
	sed -n 1p err >first-line &&
	grep "^annal: error: " first-line &&
	git -C repo.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after
'

test_expect_success 'missing actor, missing action' '
	rejected --action b &&
	rejected --actor a &&
	rejected_json "{\"action\":\"b\"}" &&
	rejected_json "{\"actor\":\"a\"}" &&
	rejected_json "{}"
'

test_expect_success 'empty actor or action' '
	rejected --actor "" --action b &&
	rejected --actor a --action "" &&
	rejected_json "{\"actor\":\"\",\"action\":\"b\"}" &&
	rejected_json "{\"actor\":\"a\",\"action\":\"\"}"
'

test_expect_success 'actor or action not a string' '
	rejected_json "{\"actor\":1,\"action\":\"b\"}" &&
	rejected_json "{\"actor\":null,\"action\":\"b\"}" &&
	rejected_json "{\"actor\":[\"a\"],\"action\":\"b\"}" &&
	rejected_json "{\"actor\":{\"name\":\"a\"},\"action\":\"b\"}" &&
	rejected_json "{\"actor\":\"a\",\"action\":true}" &&
	rejected --action b --field actor:=1
'

test_expect_success 'invalid JSON' '
	rejected_json "{\"actor\":\"a\",\"action\":\"b\"" &&
	rejected_json "{actor:\"a\",\"action\":\"b\"}" &&
	rejected_json "{'\''actor'\'':'\''a'\'','\''action'\'':'\''b'\''}" &&
	rejected_json "{\"actor\":\"a\",\"action\":\"b\",}" &&
	rejected_json "{\"actor\":\"a\" \"action\":\"b\"}" &&
	rejected_json "$(wrap "\"x\":01")" &&
	rejected_json "$(wrap "\"x\":.5")" &&
	rejected_json "$(wrap "\"x\":1.")" &&
	rejected_json "$(wrap "\"x\":+1")" &&
	rejected_json "$(wrap "\"x\":0x10")" &&
	rejected_json "$(wrap "\"x\":tru")" &&
	rejected_json "$(wrap "\"x\":\"\\q\"")" &&
	rejected_json "$(wrap "\"x\":\"\\u12\"")" &&
	rejected_json "$(wrap "\"x\":[1,2")" &&
	rejected_json "$(wrap "\"x\":undefined")" &&
	rejected_json "$(wrap "\"x\":1 // comment")" &&
	rejected --json "" &&
	rejected --json "   "
'

test_expect_success 'a raw control character inside a string' '
	rejected_json "$(printf "{\"actor\":\"a\tb\",\"action\":\"c\"}")" &&
	rejected_json "$(printf "{\"actor\":\"a\",\"action\":\"c\",\"x\":\"\033\"}")"
'

test_expect_success 'trailing garbage' '
	rejected_json "$(wrap "\"x\":1") x" &&
	rejected_json "$(wrap "\"x\":1"){}" &&
	rejected_json "$(wrap "\"x\":1")}" &&
	rejected_json "$(wrap "\"x\":1"),"
'

test_expect_success 'duplicate keys' '
	rejected_json "{\"actor\":\"a\",\"action\":\"b\",\"actor\":\"c\"}" &&
	rejected_json "$(wrap "\"x\":1,\"x\":1")" &&
	rejected_json "$(wrap "\"params\":{\"k\":1,\"k\":2}")" &&
	rejected_json "$(wrap "\"params\":[{\"deep\":{\"k\":1,\"k\":1}}]")"
'

test_expect_success 'duplicate keys spelled differently (escapes)' '
	rejected_json "$(wrap "\"k\":1,\"\\u006b\":2")" &&
	rejected_json "$(wrap "\"params\":{\"\\u00e9\":1,\"é\":2}")"
'

test_expect_success 'not an object' '
	rejected_json "[]" &&
	rejected_json "[{\"actor\":\"a\",\"action\":\"b\"}]" &&
	rejected_json "\"string\"" &&
	rejected_json "1" &&
	rejected_json "true" &&
	rejected_json "null"
'

test_expect_success 'invalid UTF-8' '
	rejected_json "$(wrap "\"x\":\"$(printf "\377")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\200")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\342\202")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\370\210\200\200\200")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\364\220\200\200")\"")" &&
	rejected_json "$(wrap "\"$(printf "\377")\":1")" &&
	rejected --actor "$(printf "a\377")" --action b
'

test_expect_success 'overlong UTF-8 and UTF-8-encoded surrogates' '
	rejected_json "$(wrap "\"x\":\"$(printf "\300\257")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\340\200\257")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\360\200\200\257")\"")" &&
	rejected_json "$(wrap "\"x\":\"$(printf "\355\240\200")\"")"
'

test_expect_success 'lone surrogates in \u escapes' '
	rejected_json "$(wrap "\"x\":\"\\ud800\"")" &&
	rejected_json "$(wrap "\"x\":\"\\udc00\"")" &&
	rejected_json "$(wrap "\"x\":\"\\ud800\\u0041\"")" &&
	rejected_json "$(wrap "\"x\":\"\\ud800x\"")" &&
	rejected_json "$(wrap "\"x\":\"\\ude00\\ud83d\"")" &&
	rejected_json "$(wrap "\"\\udfff\":1")"
'

test_expect_success 'a surrogate pair is fine (positive control)' '
	accepted --json "$(wrap "\"x\":\"\\ud83d\\ude00\"")"
'

test_expect_success 'NUL: raw on a --stdin line' '
	printf "{\"actor\":\"a\",\"action\":\"b\",\"x\":\"a\000b\"}\n" >nul1 &&
	rejected_stdin <nul1 &&
	printf "{\"actor\":\"a\000\",\"action\":\"b\"}\n" >nul2 &&
	rejected_stdin <nul2 &&
	printf "{\"actor\":\"a\",\"action\":\"b\"}\000\n" >nul3 &&
	rejected_stdin <nul3 &&
	printf "{\"actor\":\"a\",\"action\":\"b\",\"x\000\":1}\n" >nul4 &&
	rejected_stdin <nul4
'

test_expect_success 'NUL: as a \u0000 escape' '
	rejected_json "$(wrap "\"x\":\"\\u0000\"")" &&
	rejected_json "$(wrap "\"x\":\"a\\u0000b\"")" &&
	rejected_json "$(wrap "\"\\u0000\":1")" &&
	rejected_json "{\"actor\":\"a\\u0000\",\"action\":\"b\"}" &&
	rejected --actor a --action b --field "x:=\"\\u0000\""
'

# nested ARRAYS: a record whose value "x" is ARRAYS nested arrays, so
# the record nests ARRAYS + 1 levels.
nested () {
	open=$(printf "%${1}s" "" | tr " " "[") &&
	close=$(printf "%${1}s" "" | tr " " "]") &&
	wrap "\"x\":$open$close"
}

test_expect_success 'nesting: 64 levels are fine, 65 are not' '
	accepted --json "$(nested 63)" &&
	rejected_json "$(nested 64)" &&
	rejected_json "$(nested 1000)"
'

# record_of_ys KIB: a --stdin line whose field x holds KIB KiB of "y".
record_of_ys () {
	printf '{"actor":"a","action":"b","x":"' &&
	dd if=/dev/zero bs=1024 count="$1" 2>/dev/null | tr '\000' y &&
	printf '"}\n'
}

test_expect_success 'a record over 1 MiB' '
	record_of_ys 1024 >big &&
	rejected_stdin <big
'

test_expect_success 'a record just under 1 MiB is fine (positive control)' '
	record_of_ys 1022 >almost &&
	annal append --stdin <almost >id &&
	test_line_count = 1 id &&
	git -C repo.git rev-parse refs/audit/main >head &&
	test_cmp id head
'

test_expect_success 'an object key over 256 bytes' '
	k256=$(printf "%256s" "" | tr " " k) &&
	k257=$(printf "%257s" "" | tr " " k) &&
	accepted --json "$(wrap "\"$k256\":1")" &&
	rejected_json "$(wrap "\"$k257\":1")" &&
	rejected_json "$(wrap "\"params\":{\"$k257\":1}")" &&
	rejected --actor a --action b --field "$k257=1"
'

test_expect_success 'key length counts bytes, not characters' '
	e128=$(printf "%128s" "" | sed -e "s/ /é/g") &&
	e129=$(printf "%129s" "" | sed -e "s/ /é/g") &&
	accepted --json "$(wrap "\"$e128\":1")" &&
	rejected_json "$(wrap "\"$e129\":1")"
'

test_expect_success 'actor and other id-like strings over 1024 bytes' '
	s1024=$(printf "%1024s" "" | tr " " a) &&
	s1025=$(printf "%1025s" "" | tr " " a) &&
	accepted --actor "$s1024" --action "$s1024" --decision "$s1024" --tenant "$s1024" &&
	rejected --actor "$s1025" --action b &&
	rejected --actor a --action "$s1025" &&
	rejected --actor a --action b --decision "$s1025" &&
	rejected --actor a --action b --tenant "$s1025" &&
	rejected --actor a --action b --target "$s1025" &&
	rejected --actor a --action b --trace "$s1025" &&
	rejected_json "$(wrap "\"entity_id\":\"$s1025\"")"
'

test_expect_success 'a long reason or free field is fine (positive control)' '
	s4000=$(printf "%4000s" "" | tr " " r) &&
	accepted --actor a --action b --reason "$s4000" --field note="$s4000"
'

test_expect_success 'NaN, infinities, numbers out of range' '
	rejected_json "$(wrap "\"x\":NaN")" &&
	rejected_json "$(wrap "\"x\":Infinity")" &&
	rejected_json "$(wrap "\"x\":-Infinity")" &&
	rejected_json "$(wrap "\"x\":1e400")" &&
	rejected_json "$(wrap "\"x\":-1e400")" &&
	rejected_json "$(wrap "\"x\":[1.7976931348623159e308]")" &&
	rejected --actor a --action b --field x:=NaN &&
	rejected --actor a --action b --field x:=1e999
'

test_expect_success 'the largest double is fine (positive control)' '
	accepted --json "$(wrap "\"x\":1.7976931348623157e308")"
'

test_expect_success 'invalid log names' '
	for name in ../x a..b -x .x x.lock a/x.lock x/ /x a//b "a b" "a:b" \
		"a*b" "a?b" "a[b" "a~b" "a^b" "a\\b" "" "@{x}" "a@{1}"
	do
		git -C repo.git for-each-ref >refs.before &&
		test_expect_code 2 annal append --log "$name" --actor a --action b >out 2>err &&
		test_must_be_empty out &&
		sed -n 1p err >first-line &&
		grep "^annal: error: " first-line &&
		git -C repo.git for-each-ref >refs.after &&
		test_cmp refs.before refs.after || return 1
	done
'

test_expect_success 'an invalid log name is one error line' '
	test_expect_code 2 annal append --log a..b --actor a --action b >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: " err
'

test_expect_success 'valid log names (positive control)' '
	for name in a-b_c.d A1 tenant/acme x/y/z 0 a.b/c-d
	do
		annal append --log "$name" --actor a --action b >id &&
		git -C repo.git rev-parse "refs/audit/$name" >head &&
		test_cmp id head || return 1
	done
'

test_expect_success '--corrects an unknown id' '
	rejected --actor a --action b --corrects 0000000000000000000000000000000000000000 &&
	rejected --actor a --action b --corrects deadbeef &&
	rejected --actor a --action b --corrects not-hex &&
	rejected --actor a --action b --corrects "" &&
	rejected_json "$(wrap "\"corrects\":\"0000000000000000000000000000000000000000\"")" &&
	rejected_json "$(wrap "\"corrects\":\"$EMPTY_TREE\"")" &&
	rejected_json "$(wrap "\"corrects\":42")"
'

test_expect_success 'event_time must be RFC 3339' '
	rejected --actor a --action b --field event_time=yesterday &&
	rejected --actor a --action b --field event_time=2026-11-18 &&
	rejected --actor a --action b --field event_time=2026-11-18T12:00:00 &&
	rejected --actor a --action b --field event_time=2026-13-01T00:00:00Z &&
	rejected --actor a --action b --field event_time=2026-11-31T00:00:00Z &&
	rejected --actor a --action b --field event_time=2026-11-18T25:00:00Z &&
	rejected --actor a --action b --field event_time=1795000000 &&
	rejected --actor a --action b --field event_time:=1795000000 &&
	rejected --actor a --action b --field "event_time=2026-11-18T12:00:00Z junk"
'

test_expect_success 'RFC 3339 event_time is fine (positive control)' '
	accepted --actor a --action b --field event_time=2026-11-18T12:00:00Z &&
	accepted --actor a --action b --field event_time=2026-11-18T12:00:00.123456+05:30
'

test_expect_success 'labels must be an object' '
	rejected_json "$(wrap "\"labels\":\"env=prod\"")" &&
	rejected_json "$(wrap "\"labels\":[\"env\"]")" &&
	rejected_json "$(wrap "\"labels\":1")" &&
	rejected --actor a --action b --field labels=x
'

test_expect_success 'known string fields of the wrong type' '
	for f in target decision reason tenant actor_role agent_id environment \
		trace_id request_id source_ip entity_type entity_id event_time
	do
		rejected_json "$(wrap "\"$f\":1")" &&
		rejected_json "$(wrap "\"$f\":{\"a\":\"b\"}")" || return 1
	done
'

test_expect_success 'malformed --field' '
	rejected --actor a --action b --field novalue &&
	rejected --actor a --action b --field =v &&
	rejected --actor a --action b --field :=1 &&
	rejected --actor a --action b --field a..b=1 &&
	rejected --actor a --action b --field .a=1 &&
	rejected --actor a --action b --field a.=1 &&
	rejected --actor a --action b --field k:= &&
	rejected --actor a --action b --field "k:={" &&
	rejected --actor a --action b --field "k:=1 2"
'

test_expect_success 'a key given twice via options' '
	rejected --actor a --action b --field x=1 --field x=2 &&
	rejected --actor a --action b --field labels=x --field labels.env=y &&
	rejected --actor a --action b --field labels.env=y --field labels=x
'

test_expect_success 'the accepted records form a sound log' '
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/fresh &&
	git -C repo.git fsck --strict --no-dangling >out 2>&1 &&
	! grep -i -e error -e warning -e missing -e broken out
'

test_expect_success PYTHON3 'the accepted records check out with stock tools' '
	annal_check_log repo.git >records
'

test_done
