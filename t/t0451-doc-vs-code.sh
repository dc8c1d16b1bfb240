#!/bin/sh

test_description='the manual pages list what the code has

annal(1) names every command of annal --list-cmds under COMMANDS and SEE
ALSO, and nothing else; each option that takes fixed values (the hidden
annal CMD --list-opts, read from the option table that also gives -h and
the bash completion) lists exactly those values in the first sentence of
its entry under OPTIONS in annal-CMD(1).'

. "$(dirname "$0")/test-lib.sh"

doc_dir="$ANNAL_SOURCE_DIR/Documentation"

test_expect_success 'setup' '
	annal --list-cmds >cmds &&
	test -s cmds
'

test_expect_success 'annal(1) COMMANDS names every command, and only those' '
	sort cmds >expect &&
	sed -n "s/^annal-\([a-z-]*\)(1)::\$/\1/p" "$doc_dir/annal.adoc" | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'annal(1) SEE ALSO names every command' '
	sed -n "/^== SEE ALSO/,\$p" "$doc_dir/annal.adoc" >see-also &&
	while read -r c
	do
		grep "annal-$c(1)" see-also || return 1
	done <cmds
'

test_expect_success 'annal -h lists every command' '
	annal -h >help &&
	while read -r c
	do
		grep "^   $c " help || return 1
	done <cmds
'

test_expect_success PYTHON3 'each command'"'"'s page opens with what it does and prints' '
	cat >opening.py <<-\EOF &&
	import re, sys
	doc_dir, cmds = sys.argv[1], open(sys.argv[2]).read().split()
	bad = []
	for cmd in cmds:
	    page = open("%s/annal-%s.adoc" % (doc_dir, cmd), encoding="utf-8").read()
	    m = re.search(r"^== DESCRIPTION\n\n(.*?)\n\n", page, re.M | re.S)
	    first = m.group(1) if m else ""
	    # a verb, as git-update-ref(1) "Given two arguments, stores..." does
	    # not: "Appends", "Checks", "Shows"; then what comes out of it
	    if not re.match(r"[A-Z][a-z]+s ", first) or \
	       not re.search(r"\b(print|prints|printed|writes|shows|lists|Lists|Shows|Writes)\b", first):
	        bad.append("annal-%s(1): %s" % (cmd, first.split("\n")[0]))
	if bad:
	    sys.exit("\n".join(bad))
	EOF
	python3 opening.py "$doc_dir" cmds
'

test_expect_success PYTHON3 'every value list in the manual is the option table'"'"'s' '
	cat >check.py <<-\EOF &&
	import re, subprocess, sys
	doc_dir, cmds = sys.argv[1], open(sys.argv[2]).read().split()
	checked = 0
	for cmd in cmds:
	    p = subprocess.run(["annal", cmd, "--list-opts"], capture_output=True,
	                       text=True)
	    if p.returncode:
	        continue        # help, and key (whose forms have options of their own)
	    page = open("%s/annal-%s.adoc" % (doc_dir, cmd), encoding="utf-8").read()
	    for line in p.stdout.splitlines():
	        if "\t" not in line:
	            continue
	        opt, values = line.split("\t")
	        m = re.search(r"^" + re.escape(opt) + r"::\n((?:\t.*\n)+)", page, re.M)
	        if not m:
	            sys.exit("annal-%s(1) has no entry %s::" % (cmd, opt))
	        text = " ".join(l.strip() for l in m.group(1).splitlines())
	        first = re.split(r"\.(?:\s|$)", text)[0]
	        doc = re.findall(r"`([^`]+)`", first)
	        if sorted(doc) != sorted(values.split()):
	            sys.exit("annal-%s(1) %s: %s; the code: %s"
	                     % (cmd, opt, " ".join(doc), values))
	        checked += 1
	if checked < 4:
	    sys.exit("only %d value lists checked" % checked)
	print("%d value lists agree" % checked)
	EOF
	python3 check.py "$doc_dir" cmds
'

test_expect_success 'every test script is in make check (SH_TESTS of Makefile.am)' '
	for f in "$ANNAL_SOURCE_DIR"/t/t[0-9][0-9][0-9][0-9]-*.sh
	do
		name=t/${f##*/} &&
		grep -q "^[[:space:]]*$name[[:space:]\\\\]*\$" "$ANNAL_SOURCE_DIR/Makefile.am" ||
			{ echo "$name is not in Makefile.am: make check never runs it"; return 1; }
	done
'

test_expect_success 'every file of t/ is in the tarball (a word of Makefile.am, or its directory)' '
	# only a git checkout knows which files are the source; a tarball
	# has what it has
	{ git -C "$ANNAL_SOURCE_DIR" ls-files t/ >files 2>/dev/null || : >files; } &&
	while read -r f
	do
		d=$f &&
		while ! grep -qE "(^|[[:space:]=])$d([[:space:]\\\\]|\$)" "$ANNAL_SOURCE_DIR/Makefile.am" &&
			test "$d" != "${d%/*}"
		do
			d=${d%/*}
		done &&
		grep -qE "(^|[[:space:]=])$d([[:space:]\\\\]|\$)" "$ANNAL_SOURCE_DIR/Makefile.am" ||
			{ echo "$f is not in Makefile.am: make dist leaves it out" && return 1; }
	done <files
'

test_done
