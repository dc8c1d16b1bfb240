#!/bin/sh

test_description='annal verify --state remembers the origin record

A log records its origin once (annal.origin, written by the first
checkpoint).  An incremental verify reads only the records after the
head its state holds, so the state keeps the seq and id of the origin
record it saw: a second one appended later is originChanged.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_expect_success 'setup: a signed log with its origin, verified with --state' '
	ssh_vector_key key &&
	annal init repo.git >/dev/null &&
	annal -C repo.git append --sign-key key --actor a --action login >/dev/null &&
	annal -C repo.git checkpoint --sign-key key --origin example.com/audit >/dev/null &&
	annal -C repo.git append --sign-key key --actor a --action logout >/dev/null &&
	git --git-dir=repo.git update-ref -d refs/annal/checkpoints/main &&
	annal -C repo.git verify --state state >/dev/null &&
	id=$(git --git-dir=repo.git rev-parse refs/audit/main~1) &&
	grep "^origin 2 $id\$" state
'

test_expect_success 'a second origin record after the state: originChanged' '
	cp -R repo.git two.git &&
	cp state state-two &&
	annal -C two.git append --sign-key key --actor eve --action annal.origin \
		--field origin=evil.example >/dev/null &&
	test_expect_code 1 annal -C two.git verify --state state-two 2>err &&
	grep "record 4 .*originChanged: the log records a second origin; its origin is recorded once, at seq 2" err
'

test_expect_success 'records after the state without an origin: the state keeps it' '
	annal -C repo.git append --sign-key key --actor a --action b >/dev/null &&
	annal -C repo.git verify --state state >/dev/null &&
	grep "^origin 2 " state &&
	annal -C repo.git append --sign-key key --actor eve --action annal.origin \
		--field origin=evil.example >/dev/null &&
	test_expect_code 1 annal -C repo.git verify --state state 2>err &&
	grep "record 5 .*originChanged" err
'

test_expect_success 'the origin recorded after the state is kept by the next' '
	annal init late.git >/dev/null &&
	annal -C late.git append --sign-key key --actor a --action login >/dev/null &&
	annal -C late.git verify --state late-state >/dev/null &&
	! grep "^origin" late-state &&
	annal -C late.git checkpoint --sign-key key --origin example.com/late >/dev/null &&
	annal -C late.git verify --state late-state >/dev/null &&
	grep "^origin 2 " late-state
'

test_expect_success 'a malformed or impossible origin line: verified from the first record' '
	sed "s/^origin .*/origin x/" state-two >bad-state &&
	test_expect_code 2 annal -C repo.git verify --state bad-state 2>err &&
	test_line_count = 1 err &&
	sed "s/^origin 2 /origin 99 /" state-two >far-state &&
	test_expect_code 1 annal -C two.git verify --state far-state 2>err &&
	grep "record 4 .*originChanged" err
'

test_expect_success 'verify --state of a log with checkpoints reads the records since its state' '
	# the origin is record 2: finding it must not walk the log either
	for n in 20 1000
	do
		annal init "big$n.git" >/dev/null &&
		i=0 &&
		while test $i -lt $n
		do
			echo "{\"actor\":\"a$i\",\"action\":\"x\"}" &&
			i=$((i + 1)) || return 1
		done >"recs$n" &&
		annal -C "big$n.git" append --sign-key key --actor a --action first >/dev/null &&
		annal -C "big$n.git" checkpoint --sign-key key --origin example.com/big >/dev/null &&
		annal -C "big$n.git" append --sign-key key --stdin <"recs$n" >/dev/null &&
		annal -C "big$n.git" checkpoint --sign-key key >/dev/null &&
		annal -C "big$n.git" verify --state "state$n" >/dev/null &&
		annal -C "big$n.git" append --sign-key key --actor a --action b >/dev/null &&
		annal -C "big$n.git" checkpoint --sign-key key >/dev/null &&
		rm -f "reads$n" &&
		ANNAL_TEST_TRACE_READS="$TRASH_DIRECTORY/reads$n" \
			annal -C "big$n.git" verify --state "state$n" >out &&
		grep "3 checkpoints consistent" out &&
		tail -n 1 "reads$n" >"last$n" || return 1
	done &&
	test_cmp last20 last1000 &&
	test "$(cat last1000)" -lt 100
'

test_done
