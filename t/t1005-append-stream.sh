#!/bin/sh
test_description='annal append --stdin --stream: one answer per line, durable first'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	annal_repo_init
'

test_expect_success 'each line gets its id, in order, and the log verifies' '
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"one\"}" \
		"{\"actor\":\"a\",\"action\":\"two\"}" >in &&
	annal -C repo.git append --stdin --stream <in >out &&
	test_line_count = 2 out &&
	git -C repo.git rev-list --reverse refs/audit/main >expect &&
	test_cmp expect out &&
	annal -C repo.git verify
'

test_expect_success 'a bad line is answered with an error line, the others land' '
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"three\"}" "not json" \
		"{\"actor\":\"a\"}" "{\"actor\":\"a\",\"action\":\"four\",\"seq\":9}" \
		"{\"actor\":\"a\",\"action\":\"five\"}" >in &&
	test_expect_code 2 annal -C repo.git append --stdin --stream <in >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 5 out &&
	sed -n 2p out >line2 && grep "^error: invalid JSON" line2 &&
	sed -n 3p out >line3 && grep "^error: .action. is required" line3 &&
	sed -n 4p out >line4 && grep "^error: field .seq. is assigned by annal" line4 &&
	sed -n 1p out >id1 && sed -n 5p out >id5 &&
	git -C repo.git rev-parse refs/audit/main >head &&
	test_cmp head id5 &&
	git -C repo.git rev-parse refs/audit/main~1 >prev &&
	test_cmp prev id1 &&
	annal -C repo.git verify
'

test_expect_success PYTHON3 'an answer comes before the next line is sent' '
	cat >driver.py <<-\PY &&
	import subprocess, sys
	p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
	for i in range(20):
	    p.stdin.write("{\"actor\":\"d\",\"action\":\"n%d\"}\n" % i)
	    p.stdin.flush()
	    line = p.stdout.readline().strip()
	    assert len(line) == 40, line
	    # durable before acknowledged: the ref already names it
	    head = subprocess.run(["git", "-C", "repo.git", "rev-parse", "refs/audit/main"],
	                          capture_output=True, text=True).stdout.strip()
	    assert head == line, (head, line)
	p.stdin.close()
	sys.exit(p.wait())
	PY
	python3 driver.py annal -C repo.git append --stdin --stream &&
	annal -C repo.git verify
'

test_expect_success 'a last line without a newline is taken' '
	printf "{\"actor\":\"a\",\"action\":\"tail\"}" |
	annal -C repo.git append --stdin --stream >out &&
	test_line_count = 1 out
'

test_expect_success '--stream needs --stdin' '
	test_expect_code 2 annal -C repo.git append --stream --actor a --action b 2>err &&
	grep "^annal: error: option .--stream. needs .--stdin." err
'

test_done
