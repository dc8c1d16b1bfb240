#!/bin/sh

test_description='the manual pages'\'' SYNOPSIS matches -h

For each command, the "usage: " and "   or: " lines of annal CMD -h (prefix
stripped) must equal the SYNOPSIS block of Documentation/annal-CMD.adoc,
and annal -h must match Documentation/annal.adoc.  A SYNOPSIS block is
"== SYNOPSIS", a blank line, a line "....", one usage form per line, and
a closing "....".  A command without a page fails.'

. "$(dirname "$0")/test-lib.sh"

doc_dir="$ANNAL_SOURCE_DIR/Documentation"

# adoc_synopsis FILE: print the SYNOPSIS block of FILE; fail if the page
# does not follow the convention.
adoc_synopsis () {
	awk '
	state == 0 && $0 == "== SYNOPSIS" { state = 1; next }
	state == 1 { if ($0 == "") { state = 2; next } exit 1 }
	state == 2 { if ($0 == "....") { state = 3; next } exit 1 }
	state == 3 { if ($0 == "....") { state = 4; exit 0 } print; next }
	END { if (state != 4) exit 1 }
	' "$1"
}

# help_synopsis: the usage forms of the -h output on stdin.
help_synopsis () {
	sed -n -e 's/^usage: //p' -e 's/^   or: //p'
}

test_expect_success 'setup' '
	annal --list-cmds >cmds &&
	test -s cmds
'

test_expect_success 'annal -h matches the SYNOPSIS of annal.adoc' '
	test_path_is_file "$doc_dir/annal.adoc" &&
	adoc_synopsis "$doc_dir/annal.adoc" >expect &&
	test -s expect &&
	annal -h >help &&
	help_synopsis <help >actual &&
	test_cmp expect actual
'

for cmd in $(annal --list-cmds)
do
	test_expect_success "annal $cmd -h matches the SYNOPSIS of annal-$cmd.adoc" '
		doc="$doc_dir/annal-'"$cmd"'.adoc" &&
		test_path_is_file "$doc" &&
		adoc_synopsis "$doc" >expect &&
		test -s expect &&
		annal '"$cmd"' -h >help &&
		help_synopsis <help >actual &&
		test -s actual &&
		test_cmp expect actual
	'
done

test_done
