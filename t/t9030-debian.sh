#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='the Debian package (debian/): build, lintian, install, purge

Builds the annal package from a clean export of the tree (git archive
HEAD from a checkout, else a copy of a pristine tree such as make
distcheck'"'"'s) with DEB_BUILD_OPTIONS=nocheck: the suite around this
script is the test run.  lintian must find no error, and the README'"'"'s
demo runs with the binary of the package unpacked with dpkg -x.  Only
on CI'"'"'s disposable machine (CI=true, as root) is the package installed
with dpkg -i, the demo run with /usr/bin/annal, and the package purged:
nothing of it may be left.'
. "$(dirname "$0")/test-lib.sh"

# dpkg-buildpackage, dh and lintian, and the build dependencies of
# debian/control (dpkg-checkbuilddeps): the README's test command
# installs them all, so CI never skips this
test_lazy_prereq DEBUILD '
	command -v dpkg-buildpackage &&
	command -v dh &&
	command -v lintian &&
	(cd "$ANNAL_SOURCE_DIR" && dpkg-checkbuilddeps -B)
'

# dpkg -i changes the machine: CI's only, which is thrown away after
test_lazy_prereq DPKG_INSTALL '
	test "$CI" = true &&
	test "$(id -u)" = 0 &&
	command -v dpkg
'

version=$(sed -n "1s/^annal (\([^)]*\)).*/\1/p" "$ANNAL_SOURCE_DIR/debian/changelog")
arch=$(dpkg --print-architecture 2>/dev/null)
deb=annal_${version}_$arch.deb

# demo BINARY: the README's demo (the ./annal commands of "Try it"),
# run with BINARY on demo.git; what they print goes to demo.out
demo () {
	awk '/^Try it$/ { s = 1 } s && /^```/ { if (f) exit; f = 1; next } f' \
		"$ANNAL_SOURCE_DIR/README" |
	sed "s/ && /\\n/g" |
	sed -n -e "s|/tmp/annal-demo\.git|demo.git|g" -e "s|^\./annal |\"$1\" |p" >demo.sh &&
	test_line_count = 5 demo.sh &&
	rm -rf demo.git &&
	sh -e demo.sh >demo.out &&
	grep "db.drop" demo.out
}

# where a clean tree comes from: the top of a git checkout (git archive
# HEAD), or a tree nothing was built in, as make distcheck's source;
# not the tree of a package build that runs its own tests
if test "$(git -C "$ANNAL_SOURCE_DIR" rev-parse --show-toplevel 2>/dev/null)" = \
	"$(cd "$ANNAL_SOURCE_DIR" && pwd -P)"
then
	export_from=git
elif test ! -f "$ANNAL_SOURCE_DIR/config.status"
then
	export_from=copy
else
	export_from=
fi
# make distcheck builds inside the tree it unpacked (_build/sub): a copy
# leaves out that directory, which holds this very script's trash
copy_skip=
src_abs=$(cd "$ANNAL_SOURCE_DIR" && pwd -P)
build_abs=$(cd "$ANNAL_BUILD_DIR" && pwd -P)
case $build_abs/ in
"$src_abs"/*)
	copy_skip=${build_abs#"$src_abs"/}
	copy_skip=./${copy_skip%%/*}
	;;
esac
test_lazy_prereq CLEAN_TREE 'test -n "$export_from"'

test_expect_success DEBUILD,CLEAN_TREE 'setup: a clean export of the tree' '
	mkdir build &&
	if test $export_from = git
	then
		git -C "$ANNAL_SOURCE_DIR" archive --prefix="annal-$version/" HEAD |
			tar -x -C build
	else
		mkdir "build/annal-$version" &&
		tar -C "$ANNAL_SOURCE_DIR" -cf - --anchored \
			${copy_skip:+--exclude="$copy_skip"} . |
			tar -x -C "build/annal-$version" &&
		chmod -R u+w "build/annal-$version"
	fi &&
	test_path_is_file "build/annal-$version/debian/rules" &&
	test_path_is_missing "build/annal-$version/config.status"
'

test_expect_success DEBUILD,CLEAN_TREE 'dpkg-buildpackage -us -uc -b builds the package' '
	if ! (
		cd "build/annal-$version" &&
		# not the jobs of the make around this script
		unset MAKEFLAGS MFLAGS MAKELEVEL &&
		DEB_BUILD_OPTIONS="nocheck parallel=2" \
			dpkg-buildpackage -us -uc -b >../build.log 2>&1
	)
	then
		tail -n 40 build/build.log &&
		false
	fi &&
	test_path_is_file "build/$deb" &&
	test_path_is_file build/annal_${version}_$arch.changes &&
	test_path_is_file build/annal_${version}_$arch.buildinfo
'

test_expect_success DEBUILD,CLEAN_TREE 'lintian: no error on the .deb, the .changes and the .buildinfo' '
	if ! lintian --fail-on error build/annal_${version}_$arch.changes >lintian.out 2>&1
	then
		cat lintian.out &&
		false
	fi &&
	! grep "^E: " lintian.out
'

test_expect_success DEBUILD,CLEAN_TREE 'the package holds the command, its manual, the completion, the hooks' '
	dpkg -c "build/$deb" | awk "{ print \$6 }" | sed "s|^\./|/|" >contents &&
	grep -x /usr/bin/annal contents &&
	for page in $(cd "$ANNAL_SOURCE_DIR/Documentation" && ls annal*.adoc)
	do
		section=1 &&
		case $page in annal-format.adoc | annal-bundle.adoc) section=5 ;; esac &&
		grep -x "/usr/share/man/man$section/${page%.adoc}.$section.gz" contents ||
			return 1
	done &&
	grep -x /usr/share/bash-completion/completions/annal contents &&
	grep -x /usr/share/annal/hooks/pre-receive contents &&
	grep -x /usr/share/doc/annal/copyright contents &&
	! grep -e "/usr/include" -e "libannal" contents
'

test_expect_success DEBUILD,CLEAN_TREE 'no build path inside the package' '
	dpkg -x "build/$deb" root &&
	top=$(cd build && pwd -P) &&
	! grep -F "$top" contents &&
	! grep -rlF "$top" root
'

test_expect_success DEBUILD,CLEAN_TREE 'the README demo runs with the binary of the package (dpkg -x)' '
	ldd root/usr/bin/annal >ldd.out &&
	! grep "not found" ldd.out &&
	demo "$(pwd)/root/usr/bin/annal" &&
	"$(pwd)/root/usr/bin/annal" -C demo.git verify
'

test_expect_success DEBUILD,CLEAN_TREE,DPKG_INSTALL 'dpkg -i, the demo with /usr/bin/annal, dpkg --purge leaves nothing' '
	# whatever fails below, no later script may find /usr/bin/annal
	test_when_finished "dpkg --purge annal >/dev/null 2>&1 || :" &&
	dpkg -i "build/$deb" &&
	dpkg -L annal >installed &&
	grep -x /usr/bin/annal installed &&
	demo /usr/bin/annal &&
	dpkg --purge annal &&
	! dpkg -s annal >/dev/null 2>&1 &&
	while read -r path
	do
		# the directories other packages share (/usr, /usr/share...) stay
		if test -e "$path" && ! test -d "$path"
		then
			echo "left behind: $path" >&2
			return 1
		fi
	done <installed &&
	test_path_is_missing /usr/share/annal &&
	test_path_is_missing /usr/share/doc/annal
'

test_done
