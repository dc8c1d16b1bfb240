#!/bin/sh

test_description='start-up: what every annal process pays before its work

Debian'"'"'s libgit2 (built with mbedTLS) parses the whole system CA bundle
in git_libgit2_init(), 3 ms of each process, for network transports annal
does not use.  annal defers that parse until a network operation asks for
it (src/net.c): no command opens anything under /etc/ssl.'

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq STRACE 'strace -f -o /dev/null true'

# no_tls_files TRACE: TRACE shows no file under /etc/ssl opened
no_tls_files () {
	if grep "/etc/ssl" "$1" >ssl.opened
	then
		echo "opened under /etc/ssl:" &&
		cat ssl.opened &&
		return 1
	fi
}

test_expect_success 'setup' '
	annal init r.git >/dev/null &&
	annal -C r.git append --actor a --action b >/dev/null &&
	annal keygen -f k >/dev/null &&
	annal init s.git >/dev/null
'

test_expect_success STRACE 'log opens no CA certificates' '
	test_strace -f -o log.trace -e trace=open,openat annal -C r.git log -n 20 >out &&
	grep "^record " out &&
	no_tls_files log.trace
'

test_expect_success STRACE 'append, signed, opens no CA certificates' '
	test_strace -f -o append.trace -e trace=open,openat \
		annal -C s.git append --sign-key k --actor a --action c >id &&
	no_tls_files append.trace &&
	annal -C s.git verify
'

test_expect_success STRACE 'append --stdin and verify open no CA certificates' '
	echo "{\"actor\":\"a\",\"action\":\"d\"}" >rec &&
	test_strace -f -o stdin.trace -e trace=open,openat \
		annal -C r.git append --stdin <rec >id &&
	no_tls_files stdin.trace &&
	test_strace -f -o verify.trace -e trace=open,openat annal -C r.git verify &&
	no_tls_files verify.trace
'

test_expect_success STRACE '--version and -h do not start libgit2' '
	test_strace -f -o version.trace -e trace=%file annal --version >out &&
	grep "^annal version " out &&
	no_tls_files version.trace &&
	test_strace -f -o help.trace -e trace=%file annal -h >out &&
	grep "^usage: annal" out &&
	no_tls_files help.trace
'

test_lazy_prereq LDD 'ldd "$ANNAL_BUILD_DIR/annal" >/dev/null 2>&1'

test_expect_success LDD 'cairo, pango and glib are not linked: the first PDF export loads them' '
	bin=$ANNAL_BUILD_DIR/annal &&
	if test -x "$ANNAL_BUILD_DIR/.libs/annal"
	then
		bin=$ANNAL_BUILD_DIR/.libs/annal
	fi &&
	ldd "$bin" >libs &&
	grep "libc\.so" libs &&
	! grep -E "lib(cairo|pango|pangocairo|glib|gobject|fontconfig|harfbuzz)" libs
'

test_done
