# Shared by the tests of damaged repositories (t7005, t7006).

# fails CODE WHAT CMD...: CMD exits CODE (not by a signal) with one line
# "annal: error: ..." containing WHAT on stderr
fails () {
	f_code_=$1
	f_what_=$2
	shift 2
	test_expect_code $f_code_ "$@" >out 2>err || {
		cat err
		return 1
	}
	test_line_count = 1 err &&
	grep "^annal: error: .*$f_what_" err >/dev/null || {
		echo "wanted one 'annal: error: ...$f_what_' line, got:"
		cat err
		return 1
	}
}
