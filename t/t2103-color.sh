#!/bin/sh

test_description='colour in annal log and show

--color=always|never|auto, color.ui, NO_COLOR; ids yellow, blocked and
errored red, held yellow, allowed green; machine formats never
coloured.  The terminal for auto is script(1)'\''s.'

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq SCRIPT '
	script -qec true typescript >tty.out
'

ANNAL_REPO="$TRASH_DIRECTORY/repo.git"
export ANNAL_REPO
unset NO_COLOR ANNAL_PAGER PAGER
TERM=xterm
export TERM
ESC=$(printf "\033")

test_expect_success 'setup' '
	annal_repo_init &&
	for d in allowed blocked held errored other
	do
		annal append --actor user:a --action act --decision $d >>ids || return 1
	done
'

test_expect_success 'oneline --color=always: ids and decisions' '
	annal log --reverse --format oneline --color always >out &&
	n=0 &&
	for d in allowed blocked held errored other
	do
		n=$((n + 1)) &&
		case $d in
		allowed) c="${ESC}[32m$d${ESC}[m" ;;
		blocked|errored) c="${ESC}[31m$d${ESC}[m" ;;
		held) c="${ESC}[33m$d${ESC}[m" ;;
		*) c=$d ;;
		esac &&
		echo "${ESC}[33m$(sed -n ${n}p ids | cut -c1-12)${ESC}[m $n 2026-11-18T11:06:40.000Z user:a act -> $c" ||
		return 1
	done >expect &&
	sed "s/ 2026-[^ ]* / 2026-11-18T11:06:40.000Z /" out >actual &&
	test_cmp expect actual
'

test_expect_success 'pretty --color=always: the id line and the decision' '
	annal log -n 1 --reverse --color always >out &&
	head -n 1 out >actual &&
	echo "record ${ESC}[33m$(tail -n 1 ids)${ESC}[m" >expect &&
	test_cmp expect actual &&
	annal log --reverse --color=always >out &&
	grep "^    decision: ${ESC}\[31mblocked${ESC}\[m$" out
'

test_expect_success 'show --color=always: checks, decision, diff' '
	annal append --actor a --action b --decision held \
		--field "before:={\"x\":1,\"y\":1}" --field "after:={\"x\":2,\"z\":1}" &&
	annal show --color always 6 >out &&
	grep "^record:       ${ESC}\[32mgood${ESC}\[m$" out &&
	grep "^    decision: ${ESC}\[33mheld${ESC}\[m$" out &&
	grep "^    ${ESC}\[36m~ /x: 1 -> 2${ESC}\[m$" out &&
	grep "^    ${ESC}\[31m- /y: 1${ESC}\[m$" out &&
	grep "^    ${ESC}\[32m+ /z: 1${ESC}\[m$" out
'

test_expect_success 'never, and auto off a terminal: no colour' '
	for c in "--color never" "--color auto" ""
	do
		annal log $c >out &&
		annal log $c --format oneline >>out &&
		annal show $c 1 6 >>out &&
		! grep "$ESC" out || return 1
	done
'

test_expect_success 'color.ui: always, never, and --color before it' '
	test_when_finished "git -C repo.git config --unset color.ui" &&
	git -C repo.git config color.ui always &&
	annal log --format oneline >out &&
	grep "$ESC" out &&
	annal log --format oneline --color never >out &&
	! grep "$ESC" out &&
	git -C repo.git config color.ui never &&
	annal show --color always 1 >out &&
	grep "$ESC" out
'

test_expect_success 'machine formats are never coloured' '
	for f in json jsonl csv otlp-json splunk-hec datadog
	do
		annal log --format $f --color always >out &&
		! grep "$ESC" out || return 1
	done &&
	annal show --format json --color always 1 >out &&
	! grep "$ESC" out
'

test_expect_success SCRIPT 'auto on a terminal colours, unless NO_COLOR' '
	script -qec "annal --no-pager log --format oneline" typescript >tty.out &&
	grep "${ESC}\[31mblocked" typescript &&
	NO_COLOR=1 script -qec "annal --no-pager log --format oneline" typescript >tty.out &&
	! grep "$ESC\[3" typescript &&
	NO_COLOR= script -qec "annal --no-pager show 2" typescript >tty.out &&
	grep "${ESC}\[31mblocked" typescript &&
	NO_COLOR=1 script -qec "annal --no-pager show --color always 2" typescript >tty.out &&
	grep "${ESC}\[31mblocked" typescript
'

test_expect_success SCRIPT 'auto: no colour on a dumb terminal, or with no TERM, as git' '
	TERM=dumb script -qec "annal --no-pager log --format oneline" typescript >tty.out &&
	grep "blocked" typescript &&
	! grep "$ESC\[" typescript &&
	(
		unset TERM &&
		script -qec "annal --no-pager show 2" typescript >tty.out
	) &&
	grep "blocked" typescript &&
	! grep "$ESC\[" typescript &&
	TERM=dumb script -qec "annal --no-pager show --color always 2" typescript >tty.out &&
	grep "${ESC}\[31mblocked" typescript
'

test_expect_success SCRIPT 'auto colours what goes through the pager too' '
	printf "#!/bin/sh\ncat >\"%s/paged\"\n" "$TRASH_DIRECTORY" >pager &&
	chmod +x pager &&
	# the pager is a shell command: a path with a space is quoted
	ANNAL_PAGER="\"$TRASH_DIRECTORY/pager\"" script -qec "annal log --format oneline" typescript >tty.out &&
	grep "${ESC}\[31mblocked" paged
'

test_done
