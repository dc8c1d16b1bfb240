#!/bin/sh
# make installcheck: the installed annal, run in a temporary repository,
# and its manual found where man looks.  $ANNAL is the installed binary,
# $ANNAL_MANDIR its manual's directory, $ANNAL_HAVE_MAN whether the
# manual was built (asciidoctor).
set -u

fail () {
	echo "installcheck: $*" >&2
	exit 1
}

test -x "$ANNAL" || fail "$ANNAL: not installed"
tmp=$(mktemp -d) || fail "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
# nothing of the build tree: the installed annal alone, its own config
unset ANNAL_REPO ANNAL_SIGNING_KEY GIT_DIR
HOME=$tmp
export HOME

"$ANNAL" --version >"$tmp/version" || fail "annal --version failed"
grep -q '^annal version [0-9]' "$tmp/version" || fail "annal --version: $(cat "$tmp/version")"
"$ANNAL" --version --build-options >"$tmp/build" || fail "annal --version --build-options failed"
grep -q '^libgit2: [0-9]' "$tmp/build" || fail "--build-options names no libgit2"
! grep 'not found' "$tmp/build" || fail "a library the installed annal cannot load"

repo=$tmp/audit.git
"$ANNAL" init "$repo" >/dev/null || fail "annal init failed"
"$ANNAL" -C "$repo" append --actor user:alice --action deploy --target prod >/dev/null ||
	fail "annal append failed"
"$ANNAL" -C "$repo" append --actor user:bob --action db.drop --decision blocked >/dev/null ||
	fail "annal append failed"
"$ANNAL" -C "$repo" verify >"$tmp/verify" || fail "annal verify failed: $(cat "$tmp/verify")"
grep -q '^log main: 2 records verified' "$tmp/verify" || fail "annal verify: $(cat "$tmp/verify")"
"$ANNAL" -P -C "$repo" log --format oneline >"$tmp/log" || fail "annal log failed"
test "$(wc -l <"$tmp/log")" -eq 2 || fail "annal log: $(cat "$tmp/log")"

if test "$ANNAL_HAVE_MAN" = yes
then
	for page in 1:annal 1:annal-append 1:annal-verify 5:annal-format 5:annal-bundle
	do
		file=$ANNAL_MANDIR/man${page%%:*}/${page#*:}.${page%%:*}
		test -s "$file" || fail "$file: not installed"
		if command -v man >/dev/null 2>&1
		then
			found=$(man -M "$ANNAL_MANDIR" -w "${page%%:*}" "${page#*:}" 2>/dev/null) ||
				fail "man -M $ANNAL_MANDIR ${page%%:*} ${page#*:}: not found"
			test "$found" = "$file" || fail "man found $found, not $file"
		fi
	done
	command -v man >/dev/null 2>&1 ||
		echo "installcheck: no man(1) here: the manual's files checked, not man's search"
fi
echo "installcheck: $ANNAL: ok"
