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

# ---- the fault shim (t/helper/fault.c): t7003, t7004 ----------------------
#
# A test makes a template repository, records the trace of a command run
# on a copy of it (fault_trace), then runs the command again on a fresh
# copy for each point of the trace (fault_points) with the fault there
# (fault_run), and checks what it left (fault_oracles).  Copies of one
# template, a pinned clock and a shim that counts operations make every
# run do the same operations in the same order: point N of a run is the
# Nth operation of the trace, and a failure names the point to replay.

FAULT_SO="$ANNAL_BUILD_DIR/t/helper/.libs/fault.so"
# LD_PRELOAD splits its list at spaces and colons and cannot quote one:
# from a build directory with either in its path (a package build's may)
# the shim is preloaded through a link in a directory of its own, which
# test_done removes.
case $FAULT_SO in
*[' :']*)
	test -f "$FAULT_SO" && {
		fault_link_dir_=$(mktemp -d /tmp/annal-fault.XXXXXX) &&
		test_outside_dirs_="$test_outside_dirs_ $fault_link_dir_" &&
		chmod 755 "$fault_link_dir_" &&
		ln -s "$FAULT_SO" "$fault_link_dir_/fault.so" &&
		FAULT_SO=$fault_link_dir_/fault.so ||
			BUG "cannot link $FAULT_SO from a path without spaces"
	} ;;
esac
# A sanitizer build (configure --enable-sanitizers) must have the ASan
# runtime first in the list of preloaded libraries.
FAULT_PRELOAD=$FAULT_SO
fault_asan_=$(ldd "$ANNAL_BUILD_DIR/annal" 2>/dev/null |
	sed -n "s/^[	 ]*libasan[^ ]* => \([^ ]*\) .*/\1/p")
test -n "$fault_asan_" && FAULT_PRELOAD="$fault_asan_ $FAULT_SO"

# the shim loads, counts what annal init does, fails it, leaves pipes alone
test_lazy_prereq FAULT_SHIM '
	test -f "$FAULT_SO" &&
	test "$(LD_PRELOAD="$FAULT_PRELOAD" FAULT_AT=1 sh -c "echo ok")" = ok &&
	LD_PRELOAD="$FAULT_PRELOAD" FAULT_TRACE="$(pwd)/trace" annal init p.git >/dev/null &&
	grep "^1 mkdir 0 .*/p\.git" trace &&
	grep "^[0-9]* write [1-9][0-9]* .*/p\.git/" trace &&
	! LD_PRELOAD="$FAULT_PRELOAD" FAULT_AT=1 annal init q.git >/dev/null 2>&1 &&
	test_path_is_missing q.git
'

# fault_run VAR=VALUE... -- CMD...: CMD with the shim preloaded and the
# variables set (FAULT_AT, FAULT_DO, FAULT_ROOM, FAULT_TRACE)
fault_run () {
	(
		while test "$1" != --
		do
			export "$1" || exit 99
			shift
		done
		shift
		LD_PRELOAD="$FAULT_PRELOAD" &&
		export LD_PRELOAD &&
		exec "$@"
	)
}

# fault_fresh: repo.git becomes a fresh copy of tmpl.git, and nothing a
# run left beside it stays
fault_fresh () {
	rm -rf repo.git b.zip b.zip.tmp-* e.jsonl e.jsonl.* new.git &&
	cp -R tmpl.git repo.git
}

# fault_cmd NAME VAR=VALUE...: writing command NAME on repo.git with the
# shim set as the variables say, output to out and err.  Log main has
# records, log s is signed by k1 (k2 is the next key); batch.N holds N
# records.
fault_cmd () {
	rc_cmd_=$1
	shift
	case $rc_cmd_ in
	new) fault_run "$@" -- annal append --log new --actor k --action single ;;
	single) fault_run "$@" -- annal append --actor k --action single ;;
	batch30) fault_run "$@" -- annal append --stdin <batch.30 ;;
	batch300) fault_run "$@" -- annal append --stdin <batch.300 ;;
	stream3) fault_run "$@" -- annal append --stdin --stream <batch.3 ;;
	stream30) fault_run "$@" -- annal append --stdin --stream <batch.30 ;;
	signed) fault_run "$@" -- annal append --log s --stdin --sign-key k1 <batch.5 ;;
	rotate)
		fault_run "$@" -- annal key rotate --log s --new-key k2.pub \
			--sign-key k1 --retire ;;
	export) fault_run "$@" -- annal export --log s -o e.jsonl --sign-key k1 ;;
	bundle) fault_run "$@" -- annal export --log s --bundle b.zip --sign-key k1 ;;
	pack) fault_run "$@" -- annal pack ;;
	autopack)
		git -C repo.git config annal.autoPack 3 &&
		fault_run "$@" -- annal append --actor k --action autopack ;;
	init) fault_run "$@" -- annal init new.git ;;
	esac >out 2>err
}

# fault_log_of NAME: the log NAME writes to; fault_size_of NAME: the
# records it adds
fault_log_of () {
	case $1 in
	new) echo new ;;
	signed | rotate | export | bundle) echo s ;;
	*) echo main ;;
	esac
}
fault_size_of () {
	case $1 in
	batch30 | stream30) echo 30 ;;
	batch300) echo 300 ;;
	stream3) echo 3 ;;
	signed) echo 5 ;;
	pack | init) echo 0 ;;
	*) echo 1 ;;
	esac
}

# fault_count LOG: its number of records, 0 when there is none
fault_count () {
	git -C repo.git rev-list --count refs/audit/$1 2>/dev/null || echo 0
}

# fault_template: tmpl.git with logs main (two records) and s (one,
# signed by k1), three packs; keys k1 and k2 (allowed: both); batch.N of
# 3, 5, 30 and 300 records; repo.git a copy, checked
fault_template () {
	annal init tmpl.git &&
	for i in 1 2
	do
		annal keygen -f k$i -C k$i >/dev/null || return 1
	done &&
	printf "k %s\n" "$(cut -d" " -f1,2 k1.pub)" "$(cut -d" " -f1,2 k2.pub)" >allowed &&
	annal -C tmpl.git append --actor k --action first >/dev/null &&
	annal -C tmpl.git append --actor k --action second >/dev/null &&
	annal -C tmpl.git append --log s --sign-key k1 --actor k --action first >/dev/null &&
	for n in 3 5 30 300
	do
		for i in $(test_seq $n)
		do
			echo "{\"actor\":\"batch\",\"action\":\"b$n\",\"i\":$i}" || return 1
		done >batch.$n || return 1
	done &&
	fault_fresh &&
	fault_oracles main &&
	fault_oracles s allowed
}

# fault_label <TRACE: each operation "N KIND LEN PATH [-> TO]" with a
# phase instead of its path: "N LEN PHASE", the phase made of the kind
# and the path inside the repository (or beside it), names and random
# parts folded ("pack-H", "_X"), and named where the path alone does not
# say: the pack header rewrite, the pack trailer after it
fault_label () {
	awk -v top="$(pwd)" '
	BEGIN {
		hex40 = "[0-9a-f]"
		for (i = 1; i < 40; i++)
			hex40 = hex40 "[0-9a-f]"
		rnd = "[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]"
	}
	function fold(p) {
		if (p == top)
			p = ""
		else if (index(p, top "/") == 1)
			p = substr(p, length(top) + 2)
		sub(/^(\.\.\/)+/, "", p)
		sub(/^(repo|new)\.git\//, "", p)
		gsub(hex40, "H", p)
		sub("_" rnd "$", "_X", p)
		sub("\\.tmp-" rnd "$", ".tmp-X", p)
		sub(/_XXXXXX$/, "_X", p)
		sub(/-XXXXXX$/, "-X", p)
		if (p == "") p = "."
		return p
	}
	{
		kind = $2
		# the paths whole, spaces and all (a build path may have some)
		from = $0
		sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", from)
		to = ""
		if ((i = index(from, " -> ")) > 0) {
			to = substr(from, i + 4)
			from = substr(from, 1, i - 1)
		}
		path = fold(from)
		if (kind ~ /^pwrite@8$/ && path ~ /annal_tmp_pack_/) {
			phase = "pack header rewrite"
			rewritten[from] = 1
		} else if (kind == "write" && rewritten[from])
			phase = "pack trailer"
		else if (kind == "write" && path ~ /annal_tmp_pack_/)
			phase = "pack data"
		else {
			sub(/@.*/, "", kind)
			phase = kind " " path
			if (to != "")
				phase = phase " -> " fold(to)
		}
		print $1, $3, phase
	}'
}

# fault_points MODE [SAMPLE] <LABELLED: the points to fail, "N ROOM PHASE"
#   enospc-edges  every operation but an unlink fails with the disk full;
#                 a write also one byte in and one byte before its end
#   enospc        the same without the bytes on either side
#   kill          a kill before each operation
# SAMPLE K keeps the first and last two points and every Kth between.
fault_points () {
	awk -v mode="$1" -v k="${2:-1}" '
	{
		n = $1; len = $2
		phase = $0
		sub(/^[0-9]+ [0-9]+ /, "", phase)
		if (mode == "kill") {
			pts[++np] = n " 0 " phase
			next
		}
		if (phase ~ /^unlink /)
			next
		pts[++np] = n " 0 " phase
		if (mode == "enospc-edges" && len > 1)
			pts[++np] = n " 1 " phase
		if (mode == "enospc-edges" && len > 2)
			pts[++np] = n " " (len - 1) " " phase
	}
	END {
		for (i = 1; i <= np; i++)
			if (i <= 2 || i > np - 2 || i % k == 0)
				print pts[i]
	}'
}

# fault_trace NAME CMD...: run CMD VAR=VALUE on a fresh copy, where CMD
# passes the variable to fault_run and sends its output to out and err;
# the labelled trace goes to trace.NAME
fault_trace () {
	ft_name_=$1
	shift
	fault_fresh &&
	rm -f trace.raw &&
	"$@" FAULT_TRACE="$(pwd)/trace.raw" || {
		echo "tracing $ft_name_ failed:"
		cat err
		return 1
	}
	fault_label <trace.raw >trace.$ft_name_ &&
	test -s trace.$ft_name_
}

# fault_oracles LOG [ALLOWED]: repo.git checked by annal verify, then by
# annal_oracles (t/lib-ssh.sh): the storage checker, git fsck --strict and,
# given an allowed signers file, git verify-commit on every record of LOG
fault_oracles () {
	annal verify --log "$1" >fo.out 2>&1 || {
		echo "annal verify --log $1 fails:"
		cat fo.out
		return 1
	}
	annal_oracles repo.git "$1" "$2"
}

# fault_phases POINTS: how many points, and the phases they cover
fault_phases () {
	echo "$(wc -l <"$1") points in $(cut -d" " -f3- "$1" | sort -u | wc -l) phases:" \
		"$(cut -d" " -f3- "$1" | awk '!seen[$0]++' | tr '\n' ';' | sed -e 's/;$//' -e 's/;/; /g')"
}
