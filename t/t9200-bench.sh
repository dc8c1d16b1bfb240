#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='the benchmark suite still runs (bench/run.sh, make bench-doc)

A tiny run of bench/run.sh checks that every figure is measured, parsed
and printed, and that the results file goes into performance.md; it
times nothing that can fail: BENCH_NOFAIL=1 keeps missed targets from
failing it.  Whether a missed target fails `make bench` is checked on
rows made up here.'
. "$(dirname "$0")/test-lib.sh"
. "$ANNAL_SOURCE_DIR/t/lib-ssh.sh"

bench=$ANNAL_SOURCE_DIR/bench

test_lazy_prereq LIBSODIUM_CC '
	test -x "$ANNAL_BUILD_DIR/bench/machine" ||
	{ command -v cc && pkg-config --exists libsodium; }
'

# row ID VALUE REF TARGET: a row of figure ID in rows.tsv
row () {
	"$PYTHON" "$bench/timing.py" row --out rows.tsv --id "$1" \
		--name "figure $1" --unit s --value "$2" --ref "$3" \
		--target "$4"
}

test_expect_success 'setup' '
	PYTHON=$(command -v python3) &&
	test -n "$PYTHON"
'

test_expect_success 'rows that meet their targets pass the verdict' '
	rm -f rows.tsv &&
	row 1a 0.010,0.009,0.012 0.020,0.019,0.030 "ratio<=0.5" &&
	row 2b 0.003 0.002 "ratio<=2" &&
	row 7a 0.5 0.1 "" &&
	"$PYTHON" "$bench/timing.py" row --out rows.tsv --id 8 \
		--name "figure 8" --unit s --na "n/a (needs issue 16)" \
		--target "ratio<=1.2" &&
	"$PYTHON" "$bench/timing.py" verdict rows.tsv &&
	"$PYTHON" "$bench/timing.py" report rows.tsv >report &&
	grep "^Verdict: all 2 targets met$" report &&
	grep "^1a .*10.0 ms (9.00-12.0) .*20.0 ms (19.0-30.0) .*0.50x .*met$" report &&
	grep "^8 .*n/a (needs issue 16) .*n/a$" report
'

test_expect_success 'a missed target or a failed reference fails the verdict' '
	row 2a 0.010 0.009 "ratio<=0.5" &&
	test_expect_code 1 "$PYTHON" "$bench/timing.py" verdict rows.tsv &&
	rm -f rows.tsv &&
	row 5b 0.002 FAILED "ratio<=1.5" &&
	test_expect_code 1 "$PYTHON" "$bench/timing.py" verdict rows.tsv &&
	"$PYTHON" "$bench/timing.py" report rows.tsv >report &&
	grep "^5b .*FAILED (no reference)$" report &&
	grep "^Verdict: 1 of 1 targets missed or failed: 5b figure 5b$" report
'

test_expect_success GITSSH,LIBSODIUM_CC 'a tiny run measures and prints every figure' '
	if test -x "$ANNAL_BUILD_DIR/bench/machine" &&
	   test -x "$ANNAL_BUILD_DIR/bench/empty"
	then
		BENCH_MACHINE=$ANNAL_BUILD_DIR/bench/machine &&
		BENCH_EMPTY=$ANNAL_BUILD_DIR/bench/empty &&
		export BENCH_MACHINE BENCH_EMPTY
	fi &&
	ANNAL=$ANNAL_BUILD_DIR/annal BENCH_SIZES=200 BENCH_RUNS=1 \
	BENCH_QUERY_RUNS=1 BENCH_SINGLE=2 BENCH_STREAM=3 BENCH_WRITERS=2 \
	BENCH_EACH=2 BENCH_HOSTS=2 BENCH_ROUNDS=2 BENCH_PUSH_EACH=3 \
	BENCH_MACHINE_SECONDS=0.01 BENCH_RESULTS=results \
	BENCH_NOFAIL=1 TMPDIR=$PWD BENCH_ALT=$ANNAL_BUILD_DIR/annal \
		sh "$bench/run.sh" >out 2>err &&
	test_path_is_file results/*.txt &&
	test_cmp results/*.txt out &&
	for id in 1a 1b 1c 1d 1e 1f 1g 2a 2b 2c 3a 3b 4a 4b 4c 4d 5a 5b 5c 5d 6 \
		7a 7b 8a 8c 9a 9b 9c 18a 18b 18e 18f
	do
		grep "^$id  *[a-z0-9]" out >row &&
		! grep FAILED row || return 1
	done &&
	for id in 2a 2b 5b
	do
		grep "^$id .*, second build  " out >row &&
		! grep FAILED row || return 1
	done &&
	grep "^8a  *pre-receive signed, 100 pushed onto N=100 " out &&
	grep "^8a  *pre-receive unsigned, 100 pushed onto N=100 " out &&
	grep "^8c  *2 hosts pushing at once " out &&
	grep "^18c  *export --format html N=300  *[0-9]" out &&
	grep "^18d  *export --format html peak RSS N=300  *[0-9]" out &&
	# the commit, or "unknown" from a tree out of git (a tarball, a
	# package build)
	{
		source=$(git -C "$bench/.." describe --always --dirty 2>/dev/null) ||
			source=unknown
	} &&
	grep "^source:  $source\$" out &&
	grep "^Verdict: " out &&
	! grep "^Errors" out &&
	! ls annal-bench.* 2>/dev/null
'

test_expect_success GITSSH,LIBSODIUM_CC 'bench-doc puts the results file into performance.md' '
	cp "$ANNAL_SOURCE_DIR/Documentation/technical/performance.md" doc.md &&
	"$PYTHON" "$bench/doc.py" doc.md results/*.txt &&
	sed -n "/^<!-- results: /,/^<!-- end of results -->/p" doc.md >block &&
	source=$(sed -n "s/^source:  //p" out) &&
	grep "^The run of .*, of commit $source:" block &&
	sed -n "/^\`\`\`$/,/^\`\`\`$/p" block | sed "1d;\$d" >copied &&
	test_cmp out copied &&
	cp doc.md doc.1 &&
	"$PYTHON" "$bench/doc.py" doc.md --dir results &&
	test_cmp doc.1 doc.md
'

test_done
