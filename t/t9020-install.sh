#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='make install DESTDIR=... prefix=...: what lands where, and that it runs'
. "$(dirname "$0")/test-lib.sh"

# a prefix nothing may create: make install writes under DESTDIR only
prefix=/annal-install-test-$$
SQ="'"

# run_make TARGET...: make in the build tree, not as part of the make
# check that runs this test (no jobserver, no TESTS=)
run_make () {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TESTS \
		"${MAKE:-make}" -s -C "$ANNAL_BUILD_DIR" "$@" DESTDIR="$PWD/dest" prefix="$prefix"
}

test_lazy_prereq MANUAL 'grep -q "^ASCIIDOCTOR = ." "$ANNAL_BUILD_DIR/Makefile"'

# completion SHELL FILE: where make install puts FILE, SHELL's completion:
# relative to the prefix, or absolute for a directory configured so
# (--with-bash-completion-dir=/usr/share/...); nothing if none
completion () {
	dir=$(sed -n "s/^$1completiondir = //p" "$ANNAL_BUILD_DIR/Makefile" |
		sed -e "s|\${datadir}|\${prefix}/share|" -e "s|\${prefix}|$prefix|") &&
	if test -n "$dir"
	then
		echo "${dir#$prefix/}/$2"
	fi
}

# in_dest PATH: PATH as completion prints it, in DESTDIR
in_dest () {
	case $1 in
	/*) echo "dest$1" ;;
	*) echo "dest$prefix/$1" ;;
	esac
}

test_expect_success 'make install DESTDIR' '
	run_make install >out 2>err &&
	test_path_is_missing "$prefix" &&
	test_path_is_dir "dest$prefix"
'

test_expect_success 'the files installed: the list' '
	src=$ANNAL_SOURCE_DIR &&
	root=dest$prefix &&
	{
		echo bin/annal &&
		echo include/annal.h &&
		echo lib/pkgconfig/annal.pc &&
		for f in hooks/pre-receive hooks/pre-push systemd/annal-push.service \
			systemd/annal-push.timer cron/annal-push
		do
			test_path_is_file "$src/contrib/$f" &&
			echo "share/annal/$f" || return 1
		done &&
		completion bash annal &&
		completion zsh _annal &&
		completion fish annal.fish &&
		if test_have_prereq MANUAL
		then
			for adoc in "$src"/Documentation/*.adoc
			do
				sed -n "1s|^= \(annal[a-z-]*\)(\([15]\))$|share/man/man\2/\1.\2|p" "$adoc"
			done
		fi
	} | sort >expect &&
	grep -c "^share/man/man5/" expect >n5 &&
	# every file in DESTDIR: relative to the prefix if under it
	(cd dest && find . ! -type d) | sed -e "s|^\.||" -e "s|^$prefix/||" | sort >all &&
	# the shared library as libtool names it; the CI files of contrib/ci
	grep -v -e "^lib/libannal\.\(la\|so[.0-9]*\)$" -e "^share/annal/ci/" all >actual &&
	test_cmp expect actual &&
	grep -x lib/libannal.so all &&
	bash=$(completion bash annal) &&
	test -n "$bash" &&
	for f in $(sed -n "s|^share/annal/ci/||p" all)
	do
		test_path_is_file "$src/contrib/ci/$f" || return 1
	done &&
	test -x "$root/share/annal/hooks/pre-push" &&
	test -x "$root/share/annal/hooks/pre-receive" &&
	cmp "$src/contrib/completion/annal" "$(in_dest "$bash")"
'

test_expect_success 'zsh and fish completions: they ask the installed bash one' '
	bash=$(completion bash annal) &&
	case $bash in /*) ;; *) bash=$prefix/$bash ;; esac &&
	zsh=$(completion zsh _annal) &&
	if test -n "$zsh"
	then
		grep -F "ANNAL_BASH_COMPLETION:-${SQ}$bash${SQ}}" "$(in_dest "$zsh")" &&
		! grep @bashcompletion@ "$(in_dest "$zsh")"
	fi &&
	fish=$(completion fish annal.fish) &&
	if test -n "$fish"
	then
		grep -F "set -l script ${SQ}$bash${SQ}" "$(in_dest "$fish")" &&
		! grep @bashcompletion@ "$(in_dest "$fish")"
	fi
'

test_expect_success MANUAL 'the manual: sections 1 and 5' '
	grep -x share/man/man5/annal-format.5 expect &&
	grep -x share/man/man5/annal-bundle.5 expect &&
	grep -x share/man/man1/annal-append.1 expect
'

test_expect_success 'the installed annal runs' '
	bin=dest$prefix/bin/annal &&
	# it links libannal-core whole, not libannal.so: if that changes,
	# the installed library must be the one it finds
	if ldd "$bin" | grep libannal
	then
		LD_LIBRARY_PATH=$PWD/dest$prefix/lib &&
		export LD_LIBRARY_PATH &&
		ldd "$bin" | grep "libannal.so.* => $PWD/dest$prefix/lib/" || return 1
	fi &&
	"$bin" --version >out &&
	annal --version >expect &&
	test_cmp expect out &&
	"$bin" init inst.git >/dev/null &&
	"$bin" -C inst.git append --actor user:alice --action deploy >/dev/null &&
	"$bin" -C inst.git verify >out &&
	grep "^log main: 1 record verified" out
'

test_expect_success 'make installcheck runs the installed annal' '
	run_make installcheck >out 2>&1 &&
	grep "^installcheck: .*/bin/annal: ok$" out
'

test_expect_success 'make uninstall removes every file' '
	run_make uninstall >out 2>err &&
	(cd dest && find . ! -type d) >left &&
	test_must_be_empty left &&
	test_path_is_missing "$prefix"
'

test_done
