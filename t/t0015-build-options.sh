#!/bin/sh
#
# SPDX-License-Identifier: MIT

test_description='annal --version --build-options: the libraries annal runs with'
. "$(dirname "$0")/test-lib.sh"

test_expect_success '--version prints one line' '
	annal --version >out &&
	echo "annal version $(sed -n "s/^#define ANNAL_VERSION \"\(.*\)\"$/\1/p" \
		"$ANNAL_SOURCE_DIR/src/annal.h")" >expect &&
	test_cmp expect out
'

# LD_DEBUG=libs: glibc's loader names each library it initialises
test_expect_success '--version loads neither libarchive nor cairo' '
	LD_DEBUG=libs LD_DEBUG_OUTPUT="$PWD/ld" annal --version >out &&
	cat ld.* >ld &&
	grep "calling init:" ld >inits &&
	test -s inits &&
	! grep -e libarchive -e libcairo -e libpango inits &&
	rm -f ld.* &&
	LD_DEBUG=libs LD_DEBUG_OUTPUT="$PWD/ld" annal --version --build-options >out &&
	cat ld.* >ld &&
	grep "calling init:.*libarchive" ld &&
	grep "calling init:.*libcairo" ld
'

# The versions, asked of the libraries themselves with Python's ctypes:
# the ones the dynamic loader finds for annal (ldd names them).
test_expect_success '--build-options: each library, as the library says' '
	annal --version --build-options >out &&
	head -n 1 out >first &&
	annal --version >expect &&
	test_cmp expect first &&
	ldd "$(command -v annal)" >ldd &&
	python3 - out ldd <<-\PY
	import ctypes, re, sys
	out = open(sys.argv[1]).read().splitlines()
	paths = {}
	for line in open(sys.argv[2]):
	    m = re.match(r"\s*(\S+) => (/\S+)", line)
	    if m:
	        paths[m.group(1)] = m.group(2)
	def lib(prefix):
	    for name, path in paths.items():
	        if name.startswith(prefix):
	            return ctypes.CDLL(path)
	    return ctypes.CDLL(prefix + ".so")
	def s(f):
	    f.restype = ctypes.c_char_p
	    return f().decode()
	git2 = lib("libgit2")
	v = [ctypes.c_int() for _ in range(3)]
	assert git2.git_libgit2_version(*[ctypes.byref(x) for x in v]) == 0
	want = {
	    "libgit2": ".".join(str(x.value) for x in v),
	    "libsodium": s(lib("libsodium").sodium_version_string),
	    "libarchive": s(ctypes.CDLL("libarchive.so.13").archive_version_string).split()[-1],
	    "cJSON": s(lib("libcjson").cJSON_Version),
	}
	got = {}
	for line in out[1:]:
	    name, _, value = line.partition(": ")
	    got[name] = value
	for name, version in want.items():
	    value = got.get(name, "")
	    assert value == version or value.startswith(version + " (built with "), (name, value, version)
	assert got["libgit2 linked"] in ("shared", "statically"), got
	assert got["pdf"].startswith("yes, cairo "), got
	PY
'

test_expect_success 'the built-with version is the one of the headers' '
	annal --version --build-options >out &&
	for lib in libsodium libcjson
	do
		built=$(pkg-config --modversion $lib) &&
		name=$lib && test $lib != libcjson || name=cJSON &&
		grep -x -e "$name: $built" -e "$name: .* (built with $built)" out || return 1
	done
'

test_expect_success '--build-options: pdf: no when cairo cannot be loaded' '
	ANNAL_TEST_CAIRO_SONAME=libcairo-not-here.so.2 annal --version --build-options >out &&
	grep -x "pdf: no: cairo and pango not found (built with cairo .*)" out
'

test_expect_success '--build-options comes after --version only' '
	test_expect_code 2 annal --build-options 2>err &&
	grep "^annal: error: unknown option .--build-options." err
'

test_done
