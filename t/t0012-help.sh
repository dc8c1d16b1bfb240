#!/bin/sh

test_description='usage text, -h, annal help, usage errors

Every command listed by annal --list-cmds answers -h with its usage on
stdout, exit 0, anywhere; misuse is one error line plus the usage on
stderr, exit 2.'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

test_expect_success 'setup' '
	annal init repo.git >/dev/null &&
	mkdir outside &&
	annal --list-cmds >cmds &&
	for c in init append log logs verify help
	do
		grep -x "$c" cmds || return 1
	done
'

# The command list is read once more here to generate one test per command.
for cmd in $(annal --list-cmds)
do
	test_expect_success "$cmd -h: usage on stdout, exit 0, outside a repository" '
		(
			cd outside &&
			ANNAL_REPO="$TRASH_DIRECTORY/nowhere" &&
			export ANNAL_REPO &&
			annal '"$cmd"' -h >../out 2>../err
		) &&
		test_must_be_empty err &&
		head -n 1 out >first &&
		grep -e "^usage: annal '"$cmd"'\$" -e "^usage: annal '"$cmd"' " first &&
		test_path_is_missing nowhere
	'

	test_expect_success "$cmd -h inside a repository is the same" '
		annal -C repo.git '"$cmd"' -h >out.repo 2>err &&
		test_must_be_empty err &&
		test_cmp out out.repo
	'

	test_expect_success "help $cmd: the same usage, exit 0" '
		(
			cd outside &&
			ANNAL_REPO="$TRASH_DIRECTORY/nowhere" &&
			export ANNAL_REPO &&
			annal help '"$cmd"' >../out.help 2>../err
		) &&
		test_must_be_empty err &&
		test_cmp out out.help
	'
done

test_expect_success 'a sub-verb'"'"'s -h and --list-opts work outside a repository too' '
	for v in rotate list
	do
		(
			cd outside &&
			ANNAL_REPO="$TRASH_DIRECTORY/nowhere" &&
			export ANNAL_REPO &&
			annal key $v -h >../out &&
			annal key $v --list-opts >../opts
		) &&
		grep "^usage: annal key $v " out &&
		grep "^--log <name>\$" opts || return 1
	done
'

test_expect_success 'annal -h and --help: usage on stdout, exit 0' '
	(cd outside && annal -h >../out 2>../err) &&
	test_must_be_empty err &&
	head -n 1 out >first &&
	grep "^usage: annal " first &&
	(cd outside && annal --help >../out.long 2>../err) &&
	test_must_be_empty err &&
	test_cmp out out.long
'

test_expect_success 'annal help lists the commands, exit 0' '
	(cd outside && annal help >../out 2>../err) &&
	test_must_be_empty err &&
	for c in init append log verify
	do
		grep -w "$c" out || return 1
	done
'

test_expect_success 'annal without a command: usage on stderr, exit 2' '
	(cd outside && test_expect_code 2 annal >../out 2>../err) &&
	test_must_be_empty out &&
	grep "^usage: annal " err
'

test_expect_success 'an unknown command: one error line, exit 2' '
	test_expect_code 2 annal -C repo.git frobnicate >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: .*frobnicate" err
'

test_expect_success 'help for an unknown command: exit 2' '
	test_expect_code 2 annal help frobnicate >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	grep "^annal: error: .*frobnicate" first
'

test_expect_success 'an unknown global option: exit 2' '
	test_expect_code 2 annal --bogus -C repo.git log >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	grep "^annal: error: " first
'

test_expect_success 'an unknown option: one error line and where to look, exit 2' '
	test_expect_code 2 annal -C repo.git append --bogus >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: unknown option ${SQ}bogus${SQ}; see ${SQ}annal append -h${SQ}" >expect &&
	test_cmp expect err &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/main
'

test_expect_success 'a mistyped option: the closest option is named' '
	test_expect_code 2 annal -C repo.git append --actr a --action b >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: unknown option ${SQ}actr${SQ}; did you mean ${SQ}--actor${SQ}? (see ${SQ}annal append -h${SQ})" >expect &&
	test_cmp expect err &&
	test_expect_code 2 annal -C repo.git log --revers 2>err &&
	grep "did you mean .--reverse.?" err &&
	test_expect_code 2 annal -C repo.git key rotate --retire-kye k 2>err &&
	grep "did you mean .--retire-key.? (see .annal key rotate -h.)" err &&
	test_expect_code 2 annal -C repo.git log -x 2>err &&
	echo "annal: error: unknown switch ${SQ}x${SQ}; see ${SQ}annal log -h${SQ}" >expect &&
	test_cmp expect err &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/main
'

test_expect_success 'unknown options of the other commands: exit 2' '
	test_expect_code 2 annal -C repo.git log --bogus 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal -C repo.git verify --bogus 2>err &&
	grep "^annal: error: " err &&
	test_expect_code 2 annal init --bogus 2>err &&
	grep "^annal: error: " err &&
	test_path_is_missing --bogus
'

test_expect_success 'option names cannot be abbreviated' '
	test_expect_code 2 annal -C repo.git append --act a --action b >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: " err &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/main
'

test_expect_success 'a non-repeatable option given twice: exit 2' '
	test_expect_code 2 annal -C repo.git append --actor a --actor b --action x >out 2>err &&
	test_must_be_empty out &&
	sed -n 1p err >first &&
	grep "^annal: error: " first &&
	test_expect_code 2 annal -C repo.git append --actor a --action x --log one --log two 2>err &&
	grep "^annal: error: " err &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/main &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/one &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/two
'

test_expect_success 'a missing option argument: exit 2' '
	test_expect_code 2 annal -C repo.git append --action b --actor >out 2>err &&
	test_must_be_empty out &&
	sed -n 1p err >first &&
	grep "^annal: error: " first &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/main
'

test_expect_success 'a stray argument to append: exit 2' '
	test_expect_code 2 annal -C repo.git append --actor a --action b stray >out 2>err &&
	test_must_be_empty out &&
	sed -n 1p err >first &&
	grep "^annal: error: " first &&
	test_must_fail git -C repo.git rev-parse -q --verify refs/audit/main
'

test_expect_success 'a global option without its argument: exit 2' '
	test_expect_code 2 annal -C >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: " err
'

test_done
