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

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

# "durable first" means more than "the ref names it": the pack must be
# fsynced and in a synced directory, the ref's new content fsynced,
# renamed into place and its directory synced, all before the answer.
# strace shows the order; the checker fails every answer that came early.
test_expect_success PYTHON3,STRACE 'durable first: every answer follows the fsyncs of its record' '
	git -C repo.git rev-parse refs/audit/main >before &&
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		python3 driver.py strace -f -s 4096 -o trace \
		-e trace=openat,write,fsync,fdatasync,close,rename,link \
		annal -C "$(pwd)/repo.git" append --stdin --stream &&
	python3 "$TEST_DIRECTORY/lib-durable-order.py" trace \
		"$(pwd)/repo.git/refs/audit/main" &&
	git -C repo.git rev-list "$(cat before)..refs/audit/main" >landed &&
	test_line_count = 20 landed &&
	test_seq 8 | sed -e "s/.*/{\"actor\":\"g\",\"action\":\"n&\"}/" >in &&
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -s 4096 -o trace2 \
		-e trace=openat,write,fsync,fdatasync,close,rename,link \
		annal -C "$(pwd)/repo.git" append --stdin --stream <in >out &&
	test_line_count = 8 out &&
	python3 "$TEST_DIRECTORY/lib-durable-order.py" trace2 \
		"$(pwd)/repo.git/refs/audit/main" &&
	annal -C repo.git verify
'

# The flushes between one answer and the next, from the outside: the
# least the storage contract needs is five a record (pack and index
# data, objects/pack, the ref lock's data, the ref's directory; see
# design.md, "What an acknowledgement costs").  More is a regression in
# speed, fewer one in safety (t7010 names which crash it lets through).
# The directories above them (objects/, the repository, refs/) are
# synced once for each incarnation of objects/pack, refs/ and refs/audit/:
# by the first process that finds one unmarked, which then marks it
# (store_mkdir_durable(), design.md).  Automatic packing (three flushes
# once 50 small packs piled up) is off here.
flushes_per_answer () {
	awk '
		/(^| )(fsync|fdatasync|syncfs|sync_file_range|msync)\(/ { n++ }
		/(^| )write\(1, "[0-9a-f]+\\n"/ { print n + 0; n = 0 }
	' "$1"
}

# birth times and user extended attributes, which the marks need
test_lazy_prereq DIRMARK '
	mkdir dirmark &&
	python3 -c "import os; os.setxattr(\"dirmark\", \"user.t\", b\"1\")" &&
	test "$(stat -c %W dirmark)" != 0
'

unmark () {
	python3 -c '
import os, sys
for d in sys.argv[1:]:
    try:
        os.removexattr(d, "user.annal.durable")
    except OSError:
        pass
' "$1/objects/pack" "$1/refs" "$1/refs/audit"
}

single_flushes () {
	test_strace -f -s 64 -o trace-single \
		-e trace=write,fsync,fdatasync,syncfs,sync_file_range,msync \
		annal -C "$(pwd)/$1" append --actor s --action one >/dev/null &&
	flushes_per_answer trace-single
}

test_expect_success PYTHON3,STRACE,DIRMARK 'five flushes per acknowledged record, three more once' '
	git -C repo.git config annal.autoPack 0 &&
	test_when_finished "git -C repo.git config --unset annal.autoPack" &&
	unmark repo.git &&
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		python3 driver.py strace -f -s 64 -o trace-count \
		-e trace=write,fsync,fdatasync,syncfs,sync_file_range,msync \
		annal -C "$(pwd)/repo.git" append --stdin --stream &&
	flushes_per_answer trace-count >counts &&
	{ echo 8 && test_seq 19 | sed "s/.*/5/"; } >expect &&
	test_cmp expect counts &&
	single_flushes repo.git >counts &&
	echo 5 >expect &&
	test_cmp expect counts
'

# A mark names its directory by device, inode and birth time and its
# parent the same way: cp -a copies the marks, not the durability of
# the copy's entries, so the first append there syncs them again.
test_expect_success PYTHON3,STRACE,DIRMARK 'a copy of the repository is synced anew, once' '
	git -C repo.git config annal.autoPack 0 &&
	test_when_finished "git -C repo.git config --unset annal.autoPack" &&
	rm -rf copy.git &&
	cp -a repo.git copy.git &&
	single_flushes copy.git >counts &&
	single_flushes copy.git >>counts &&
	printf "8\n5\n" >expect &&
	test_cmp expect counts &&
	annal -C copy.git verify
'

# git pack-refs --all prunes an empty refs/audit/<dir>, and a stream
# makes it again for its next record.  ext4 often gives the new
# directory the old one's inode number back, so a directory this process
# creates is always synced in its parent, never taken for the one it
# synced before.  Whether the number comes back is the file system's
# choice: over 30 rounds the code that looked it up missed a sync in
# about one run of two on this suite's ext4.
test_expect_success PYTHON3,STRACE,GIT 'a log directory pruned and made again is synced each time' '
	cat >driver-prune.py <<-\PY &&
	import subprocess, sys
	p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
	for i in range(30):
	    p.stdin.write("{\"actor\":\"d\",\"action\":\"p%d\"}\n" % i)
	    p.stdin.flush()
	    line = p.stdout.readline().strip()
	    assert len(line) == 40, line
	    subprocess.run(["git", "-C", "repo.git", "pack-refs", "--all"], check=True)
	p.stdin.close()
	sys.exit(p.wait())
	PY
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		python3 driver-prune.py strace -f -y -s 256 -o trace-prune \
		-e trace=mkdir,fsync,write \
		annal -C "$(pwd)/repo.git" append --log team/x --stdin --stream &&
	awk -v dir="$(pwd)/repo.git/refs/audit/team" -v parent="$(pwd)/repo.git/refs/audit" "
		index(\$0, \"mkdir(\\\"\" dir \"\\\"\") && / = 0\$/ { made++; open = 1 }
		open && index(\$0, \"fsync(\") && index(\$0, \"<\" parent \">\") { synced++; open = 0 }
		open && /(^| )write\(1, \"[0-9a-f]+\\\\n\"/ { print \"answered before the parent was synced\" }
		END { print made + 0, synced + 0 }
	" trace-prune >made-synced &&
	echo "30 30" >expect &&
	test_cmp expect made-synced &&
	annal -C repo.git verify --log team/x
'

# What a record costs besides its flushes must not grow with the small
# packs piled up before automatic packing: every append of a stream
# leaves one, and reading objects/pack and each index after every record
# made the 45th record of a stream open 45 files more than the first.
# Counted, not timed: the files each answer opened, from the second
# record on (the first does a process's work once), must be the same.
opens_per_answer () {
	awk '
		/(^| )openat\(/ { n++ }
		/(^| )write\(1, "[0-9a-f]+\\n"/ { print n + 0; n = 0 }
	' "$1"
}

test_expect_success PYTHON3,STRACE 'per-record work does not grow with the small packs' '
	annal -C repo.git pack >/dev/null &&
	cat >driver45.py <<-\PY &&
	import subprocess, sys
	p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
	for i in range(45):
	    p.stdin.write("{\"actor\":\"p\",\"action\":\"n%d\"}\n" % i)
	    p.stdin.flush()
	    assert len(p.stdout.readline().strip()) == 40
	p.stdin.close()
	sys.exit(p.wait())
	PY
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		python3 driver45.py strace -f -s 64 -o trace-opens \
		-e trace=openat,write \
		annal -C "$(pwd)/repo.git" append --stdin --stream &&
	opens_per_answer trace-opens >opens &&
	test_line_count = 45 opens &&
	sed -n 10p opens >at10 &&
	sed -n 45p opens >at45 &&
	test_cmp at10 at45 &&
	sed 1d opens | sort -u >distinct &&
	test_line_count = 1 distinct &&
	annal -C repo.git verify
'

# The lines a daemon may send that are JSON but no record: each is answered
# with an error line and the stream goes on.
cat >bad-lines <<\EOF
{"actor":"d"}
{"actor":"d","action":"x","seq":7}
{"actor":"d","action":"x","corrects":"zz"}
{"actor":"d","action":"x","corrects":"0123456789012345678901234567890123456789"}
{"actor":"d\u202e","action":"x"}
{"actor":"d","action":"x","params":{"tokn":"s"}}
EOF

test_expect_success PYTHON3 'a daemon: bad lines alone are answered, the stream goes on' '
	cat >daemon.py <<-\PY &&
	import json, subprocess, sys, time
	bad = [l.rstrip("\n") for l in open("bad-lines")]
	p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
	                     stdout=subprocess.PIPE, text=True)
	ids = []
	for i in range(12):
	    good = i % 2 == 0
	    line = (json.dumps({"actor": "d", "action": "g%d" % i,
	                        "params": {"token": "s"}})
	            if good else bad[(i // 2) % len(bad)])
	    p.stdin.write(line + "\n")
	    p.stdin.flush()
	    answer = p.stdout.readline().rstrip("\n")
	    if good:
	        assert len(answer) == 40, (i, answer)
	        ids.append(answer)
	    else:
	        assert answer.startswith("error: "), (i, answer)
	    time.sleep(0.05)
	p.stdin.close()
	assert p.stdout.read() == ""
	open("daemon-ids", "w").write("".join(x + "\n" for x in ids))
	sys.exit(p.wait())
	PY
	git -C repo.git rev-parse refs/audit/main >before &&
	test_expect_code 2 python3 daemon.py \
		annal -C repo.git append --stdin --stream --redact params.token 2>err &&
	test_must_be_empty err &&
	git -C repo.git rev-list --reverse "$(cat before)..refs/audit/main" >landed &&
	test_cmp daemon-ids landed &&
	git -C repo.git log --reverse --format=%s "$(cat before)..refs/audit/main" >subjects &&
	sed "s/^#[0-9]* //" subjects >actual &&
	printf "d g%s\n" 0 2 4 6 8 10 >expect &&
	test_cmp expect actual &&
	annal -C repo.git verify
'

test_expect_success 'a group: bad lines among good ones take none of them along' '
	git -C repo.git rev-parse refs/audit/main >before &&
	: >in && : >expect-answers && : >expect-actions && i=0 &&
	while test $i -lt 40
	do
		if test $((i % 3)) = 1
		then
			sed -n "$((i % 6 + 1))p" bad-lines >>in &&
			echo error >>expect-answers
		else
			echo "{\"actor\":\"d\",\"action\":\"grp$i\",\"params\":{\"token\":\"s\"}}" >>in &&
			echo id >>expect-answers && echo "d grp$i" >>expect-actions
		fi &&
		i=$((i + 1))
	done &&
	cat bad-lines >>in && sed "s/.*/error/" bad-lines >>expect-answers &&
	test_expect_code 2 annal -C repo.git append --stdin --stream \
		--redact params.token <in >out 2>err &&
	test_must_be_empty err &&
	sed -e "s/^error: .*/error/" -e "s/^[0-9a-f]\{40\}$/id/" out >answers &&
	test_cmp expect-answers answers &&
	grep -v "^error: " out >ids &&
	git -C repo.git rev-list --reverse "$(cat before)..refs/audit/main" >landed &&
	test_cmp ids landed &&
	git -C repo.git log --reverse --format=%s "$(cat before)..refs/audit/main" >subjects &&
	sed "s/^#[0-9]* //" subjects >actions &&
	test_cmp expect-actions actions &&
	annal -C repo.git verify
'

# wait_for_lines N FILE: until FILE holds N lines (the test's watchdog
# ends a wait for an answer that never comes)
wait_for_lines () {
	while test "$(wc -l <"$2")" -lt "$1"
	do
		sleep 0.01
	done
}

# A writer that sends a line, waits for its answer, sends the next, as a
# shell daemon does through a fifo: "ok", a line that is no record, "ok"
# again.  Each line is sent only once the one before it was answered, so
# annal reads them one at a time however slowly it runs.
stream_via_fifo () {
	rm -f fifo-in &&
	mkfifo fifo-in &&
	: >fifo-out || return 1
	(exec annal -C repo.git append --stdin --stream <fifo-in >fifo-out 2>err) &
	pid=$!
	{
		echo "{\"actor\":\"f\",\"action\":\"one\"}" &&
		wait_for_lines 1 fifo-out &&
		echo "{\"actor\":\"f\"}" &&
		wait_for_lines 2 fifo-out &&
		echo "{\"actor\":\"f\",\"action\":\"two\"}"
	} >fifo-in
	wait $pid
}

test_expect_success 'a fifo fed a line at a time: one bad line alone does not end it' '
	git -C repo.git rev-parse refs/audit/main >before &&
	test_expect_code 2 stream_via_fifo &&
	test_must_be_empty err &&
	test_line_count = 3 fifo-out &&
	sed -n 2p fifo-out >line2 && grep "^error: .action. is required" line2 &&
	git -C repo.git log --reverse --format=%s "$(cat before)..refs/audit/main" >subjects &&
	sed "s/^#[0-9]* //" subjects >actual &&
	printf "f %s\\n" one two >expect &&
	test_cmp expect actual
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

test_expect_success MAXRSS 'a 200 MB line is answered with an error, not buffered; the next lands' '
	git -C repo.git rev-parse refs/audit/main >before &&
	{
		printf "{\"actor\":\"a\",\"action\":\"big\",\"x\":\"" &&
		head -c 200000000 /dev/zero | tr "\0" a &&
		echo "\"}" &&
		echo "{\"actor\":\"a\",\"action\":\"after-big\"}"
	} |
	test_expect_code 2 /usr/bin/time -f %M -o rss \
		annal -C repo.git append --stdin --stream >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 2 out &&
	sed -n 1p out >line1 &&
	echo "error: input is over 4194304 bytes" >expect &&
	test_cmp expect line1 &&
	sed -n 2p out >id2 &&
	git -C repo.git rev-parse refs/audit/main >head &&
	test_cmp id2 head &&
	git -C repo.git rev-parse refs/audit/main~1 >parent &&
	test_cmp before parent &&
	test "$(tail -n 1 rss)" -lt 100000
'

# check_acks ACKS BEFORE: ACKS holds one {"id","seq","hash"} line per record
# landed on the log after BEFORE, in order, each matching the stored record
check_acks () {
	git -C repo.git rev-list --reverse "$2..refs/audit/main" >acks.landed &&
	for c in $(cat acks.landed)
	do
		git -C repo.git cat-file commit $c | sed -n "\$p" || return 1
	done >acks.records &&
	python3 - "$1" acks.landed acks.records <<-\PY
	import json, sys
	acks = [json.loads(l) for l in open(sys.argv[1])]
	acks = [a for a in acks if "error" not in a]
	ids = open(sys.argv[2]).read().split()
	recs = [json.loads(l) for l in open(sys.argv[3])]
	assert [a["id"] for a in acks] == ids, (acks, ids)
	for a, r in zip(acks, recs):
	    assert sorted(a) == ["hash", "id", "seq"], a
	    assert a["seq"] == r["seq"] and a["hash"] == r["hash"], (a, r)
	PY
}

test_expect_success PYTHON3 '--format json: one object a record, for one, a batch and a stream' '
	git -C repo.git rev-parse refs/audit/main >before &&
	annal -C repo.git append --format json --actor a --action j1 >acks &&
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"j2\"}" "{\"actor\":\"a\",\"action\":\"j3\"}" |
	annal -C repo.git append --format json --stdin >>acks &&
	test_line_count = 3 acks &&
	check_acks acks "$(cat before)" &&
	git -C repo.git rev-parse refs/audit/main >before &&
	printf "%s\n" "{\"actor\":\"a\",\"action\":\"j4\"}" "{\"actor\":\"a\"}" \
		"{\"actor\":\"a\",\"action\":\"j5\"}" |
	test_expect_code 2 annal -C repo.git append --format json --stdin --stream >acks &&
	test_line_count = 3 acks &&
	sed -n 2p acks >line2 &&
	grep "^{\"error\":\".action. is required\"}$" line2 &&
	check_acks acks "$(cat before)"
'

test_expect_success '--format: id is the default, anything else a usage error' '
	annal -C repo.git append --format id --actor a --action fid >out &&
	git -C repo.git rev-parse refs/audit/main >expect &&
	test_cmp expect out &&
	test_expect_code 2 annal -C repo.git append --format xml --actor a --action x >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: unknown format .xml. (expected: id, json); see .annal append -h.\$" err &&
	test_line_count = 1 err
'

test_expect_success 'a new signed log: a group of 300 lines, every other one refused, the first too' '
	annal keygen -f sk -C stream >/dev/null &&
	annal init signed.git >/dev/null &&
	i=0 && : >in && : >expect-actions &&
	while test $i -lt 300
	do
		if test $((i % 2)) = 0
		then
			echo "{\"actor\":\"s\",\"action\":\"x\",\"seq\":$i}" >>in
		else
			echo "{\"actor\":\"s\",\"action\":\"n$i\"}" >>in &&
			echo "s n$i" >>expect-actions
		fi &&
		i=$((i + 1))
	done &&
	test_expect_code 2 annal -C signed.git append --stdin --stream --sign-key sk \
		<in >out 2>err &&
	test_must_be_empty err &&
	grep -c "^error: field .seq. is assigned by annal" out >count &&
	echo 150 >expect && test_cmp expect count &&
	grep -v "^error: " out >ids &&
	git -C signed.git rev-list --reverse refs/audit/main >landed &&
	test_cmp ids landed &&
	git -C signed.git log --reverse --format=%s refs/audit/main >subjects &&
	sed "s/^#[0-9]* //" subjects >actions &&
	test_cmp expect-actions actions &&
	annal -C signed.git verify
'

test_done
