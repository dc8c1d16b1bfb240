#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='fuzz corpora replay through their harnesses (fuzz/README)'
. "$(dirname "$0")/test-lib.sh"

# Each fuzz/corpus/<target>/ is the seed corpus of fuzz/fuzz-<target>.c,
# crashes found by fuzzing included: the replay driver runs every file
# through the harness, whose invariants abort on a regression.  Under
# make check-valgrind the driver runs under memcheck too.
for dir in "$ANNAL_SOURCE_DIR"/fuzz/corpus/*/
do
	target=$(basename "$dir")
	test_expect_success "corpus $target" '
		TMPDIR=$PWD $ANNAL_TEST_WRAPPER "$ANNAL_BUILD_DIR/fuzz/replay-$target" "$dir" >out &&
		grep "^replayed [1-9]" out
	'
done

test_done
