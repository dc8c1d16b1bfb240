#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='bash completion (contrib/completion/annal)'
. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq BASH 'command -v bash'

completion="$ANNAL_SOURCE_DIR/contrib/completion/annal"

# run_completion 'LINE': complete the last word of LINE as bash would
# after <TAB> (a trailing space starts an empty word), with the
# completion script sourced in a fresh bash; COMPREPLY, sorted, goes to
# "out", one entry a line.
run_completion () {
	bash -c '
		. "$1" || exit 1
		line=$2
		read -r -a COMP_WORDS <<<"$line"
		case $line in *" ") COMP_WORDS+=("") ;; esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		_annal || exit 1
		test ${#COMPREPLY[@]} = 0 || printf "%s\n" "${COMPREPLY[@]}"
	' run_completion "$completion" "$1" >out.raw &&
	sort out.raw >out
}

test_expect_success 'setup' '
	test_path_is_file "$completion" &&
	annal_repo_init
'

test_expect_success BASH 'script loads without output' '
	bash -c ". \"\$1\"" load "$completion" >actual 2>&1 &&
	test_must_be_empty actual
'

test_expect_success BASH 'annal ap<TAB> completes to append' '
	run_completion "annal ap" &&
	echo append >expect &&
	test_cmp expect out
'

test_expect_success BASH 'annal <TAB> lists every command' '
	annal --list-cmds >cmds &&
	sort cmds >expect &&
	run_completion "annal " &&
	test_cmp expect out
'

test_expect_success BASH 'global options are skipped' '
	run_completion "annal -C repo.git ver" &&
	echo verify >expect &&
	test_cmp expect out &&
	run_completion "annal --repo repo.git lo" &&
	printf "%s\n" log logs >expect &&
	test_cmp expect out
'

test_expect_success BASH 'annal help <TAB> completes commands' '
	run_completion "annal help in" &&
	echo init >expect &&
	test_cmp expect out
'

test_expect_success BASH 'annal log --fo<TAB> offers --follow and --format, --form<TAB> completes' '
	run_completion "annal log --fo" &&
	printf "%s\n" --follow --format >expect &&
	test_cmp expect out &&
	run_completion "annal log --form" &&
	echo --format >expect &&
	test_cmp expect out
'

test_expect_success BASH 'options come from annal CMD -h' '
	run_completion "annal append --" &&
	for opt in --log --actor --action --json --stdin --field --redact \
		--redact-if-present --corrects
	do
		grep -x -e "$opt" out || return 1
	done &&
	run_completion "annal verify --a" &&
	printf "%s\n" --all --allow-empty --allowed-signers --anchor --anchor-file >expect &&
	test_cmp expect out
'

test_expect_success BASH 'annal log --format <TAB> lists every format log takes' '
	run_completion "annal log --format " &&
	printf "%s\n" csv datadog json jsonl oneline otlp-json pretty splunk-hec >expect &&
	test_cmp expect out
'

test_expect_success BASH '--format <TAB>: the values of the option table' '
	for cmd in log export verify audit-verify
	do
		annal $cmd --list-opts >opts &&
		sed -n "s/^--format <format>\t//p" opts | tr " " "\n" | sort >expect &&
		test -s expect &&
		run_completion "annal $cmd --format " &&
		test_cmp expect out || return 1
	done
'

test_expect_success BASH 'annal log --format=js<TAB>' '
	run_completion "annal log --format=js" &&
	printf "%s\n" --format=json --format=jsonl >expect &&
	test_cmp expect out
'

test_expect_success BASH 'annal verify --format <TAB>' '
	run_completion "annal verify --format " &&
	printf "%s\n" json junit pretty >expect &&
	test_cmp expect out
'

test_expect_success BASH 'annal log --log <TAB> lists the logs of the repository' '
	annal init logs.git >/dev/null &&
	annal -C logs.git append --actor a --action x >/dev/null &&
	annal -C logs.git append --log ops/deploy --actor a --action x >/dev/null &&
	annal -C logs.git append --log ops/db --actor a --action x >/dev/null &&
	run_completion "annal -C logs.git log --log ops/" &&
	printf "%s\n" ops/db ops/deploy >expect &&
	test_cmp expect out &&
	run_completion "annal -C logs.git export --log " &&
	printf "%s\n" main ops/db ops/deploy >expect &&
	test_cmp expect out &&
	run_completion "annal -C logs.git log --log=m" &&
	echo --log=main >expect &&
	test_cmp expect out
'

test_expect_success BASH 'the logs of the repository --repo=DIR, --repo = DIR or -C ~/DIR names' '
	printf "%s\n" main ops/db ops/deploy >expect &&
	run_completion "annal --repo=logs.git export --log " &&
	test_cmp expect out &&
	run_completion "annal --repo = logs.git export --log " &&
	test_cmp expect out &&
	(
		HOME=$(pwd) &&
		export HOME &&
		run_completion "annal -C ~/logs.git export --log "
	) &&
	test_cmp expect out &&
	run_completion "annal --repo = " &&
	grep "^logs.git\$" out
'

test_expect_success BASH 'a bundle, a checkpoint, a file to cosign: file names' '
	mkdir -p operands &&
	>operands/b.zip &&
	echo operands/b.zip >expect &&
	run_completion "annal audit-verify --key k.pub operands/b" &&
	test_cmp expect out &&
	run_completion "annal prove consistency --log main operands/b" &&
	test_cmp expect out &&
	run_completion "annal witness cosign --name w --key k operands/b" &&
	test_cmp expect out &&
	run_completion "annal show operands/b" &&
	test_must_be_empty out &&
	run_completion "annal prove inclusion operands/b" &&
	test_must_be_empty out &&
	run_completion "annal witness list --name operands/b" &&
	test_must_be_empty out
'

test_expect_success BASH 'annal push <TAB> lists the remotes, --log <TAB> the logs' '
	git -C logs.git remote add central /srv/central.git &&
	git -C logs.git remote add mirror /srv/mirror.git &&
	run_completion "annal -C logs.git push " &&
	printf "%s\n" central mirror >expect &&
	test_cmp expect out &&
	(
		ANNAL_REPO=logs.git &&
		export ANNAL_REPO &&
		run_completion "annal push c"
	) &&
	echo central >expect &&
	test_cmp expect out &&
	run_completion "annal -C logs.git push --log ops/" &&
	printf "%s\n" ops/db ops/deploy >expect &&
	test_cmp expect out
'

# help_options CMD [SUB]: the options the table of `annal CMD [SUB] -h`
# lists, a line each, sorted: the long name, or the short one if there
# is none; `annal -h`: the options of its usage line
help_options () {
	annal "$@" -h >help &&
	python3 - help <<-\PY
	import re, sys
	lines = open(sys.argv[1]).read().splitlines()
	found = set()
	def name(spec):
	    return re.split(r"[ =\[]", spec.strip(), maxsplit=1)[0]
	if lines[0].startswith("usage: annal [-"):
	    usage = lines[0][len("usage: annal "):].split("<command>")[0]
	    found = {w for w in re.split(r"[][() |]+", usage) if w.startswith("-")}
	for line in lines:
	    m = re.match(r"^    (-[^ ].*?)(?:  +|$)", line)
	    if not m:
	        continue
	    names = [name(n) for n in m.group(1).split(", ")]
	    longs = [n for n in names if n.startswith("--")]
	    shorts = [n for n in names if re.fullmatch(r"-[A-Za-z]", n)]
	    if longs or shorts:
	        found.add((longs or shorts)[0])
	print("\n".join(sorted(found)))
	PY
}

# sub_verbs CMD: the sub-verbs of CMD (annal key rotate), from its usage
sub_verbs () {
	annal "$1" -h | sed -n "s/^\(usage:\|   or:\) annal $1 \([a-z][-a-z]*\).*/\2/p" | sort -u
}

test_expect_success BASH 'every option of every command, as -h lists it, and nothing else' '
	help_options >expect &&
	test -s expect &&
	run_completion "annal -" &&
	test_cmp expect out &&
	for cmd in $(annal --list-cmds)
	do
		test $cmd != help || continue
		sub_verbs $cmd >subs &&
		if test -s subs
		then
			run_completion "annal $cmd " &&
			test_cmp subs out &&
			for sub in $(cat subs)
			do
				help_options $cmd $sub >expect &&
				test -s expect &&
				run_completion "annal $cmd $sub -" &&
				test_cmp expect out || return 1
			done
		else
			help_options $cmd >expect &&
			test -s expect &&
			run_completion "annal $cmd -" &&
			test_cmp expect out || return 1
		fi
	done
'

# The lines zsh and fish must complete as bash does: commands, options,
# sub-verbs, values, "--opt=value"
same_lines="annal |annal ver|annal -|annal log --fo|annal log --format |annal log --format=js|annal key |annal key rotate --|annal verify --a|annal help in"

# as make install writes them (Makefile.am: install-zsh-completion)
test_expect_success BASH 'bash annal --complete: the bridge zsh and fish use' '
	sed "s|@bashcompletion@|$completion|" "$ANNAL_SOURCE_DIR/contrib/completion/_annal.in" >_annal &&
	sed "s|@bashcompletion@|$completion|" "$ANNAL_SOURCE_DIR/contrib/completion/annal.fish.in" >annal.fish &&
	bash "$completion" --complete annal log --fo >actual &&
	printf "%s\n" --follow --format >expect &&
	test_cmp expect actual &&
	test_expect_code 2 bash "$completion" 2>err &&
	grep "^usage: bash .* --complete <word>" err
'

test_lazy_prereq ZSH 'command -v zsh'
test_lazy_prereq FISH 'command -v fish'

test_expect_success BASH,ZSH 'zsh completes as bash does' '
	IFS="|" &&
	for line in $same_lines
	do
		IFS=" " &&
		run_completion "$line" &&
		# compadd stubbed: what the completion would offer
		zsh -fc "compadd () { shift; print -rl -- \"\$@\"; }
			words=(\${(z)1}); [[ \$1 == *\" \" ]] && words+=(\"\")
			CURRENT=\${#words}; source ./_annal" zsh "$line" >zsh.raw &&
		sort zsh.raw >zsh.out &&
		test_cmp out zsh.out || return 1
	done
'

test_expect_success BASH,FISH 'fish completes as bash does' '
	IFS="|" &&
	for line in $same_lines
	do
		IFS=" " &&
		run_completion "$line" &&
		fish --no-config -c "source annal.fish; complete -C \$argv[1]" "$line" |
			cut -f 1 | sort >fish.out &&
		test_cmp out fish.out || return 1
	done
'

test_expect_success BASH 'no values offered for free-form options' '
	run_completion "annal log --since " &&
	test_must_be_empty out
'

test_done
