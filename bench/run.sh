#!/bin/sh
# bench/run.sh - annal's benchmark suite (`make bench` runs it).
#
# Measures the figures of Documentation/technical/performance.md against
# references measured in the same run (stock git doing the same job, and
# this machine's own Ed25519 rates), prints one table with the spread of
# the runs and writes it to bench/results/<date>.txt; exits 1 after that
# when a figure misses its target (or could not be measured).  Targets
# live here only, never in `make check`.  `make bench-doc` copies a
# results file into performance.md.
#
# Environment:
#   ANNAL          the annal binary (default: ../annal from this directory;
#                  a libtool wrapper script is bypassed for .libs/annal)
#   BENCH_SIZES    log sizes (default "10000 100000"; add 1000000 for 1M)
#   BENCH_RUNS     runs per figure, the median is reported (default 5)
#   BENCH_QUERY_RUNS  runs per fast query (default 21)
#   BENCH_SINGLE   single appends per single-append figure (default 200)
#   BENCH_STREAM   records per streaming run (default 1000)
#   BENCH_WRITERS, BENCH_EACH  concurrent writers and appends each (8, 50)
#   BENCH_HOSTS, BENCH_ROUNDS, BENCH_PUSH_EACH  hosts pushing at once to a
#                  central repository, their rounds, and the records each
#                  host appends and pushes per round (4, 10, 100)
#   BENCH_MACHINE, BENCH_EMPTY  prebuilt bench/machine and bench/empty
#                  (default: built here with cc and pkg-config libsodium)
#   BENCH_MACHINE_SECONDS  seconds of each round of bench/machine (0.3)
#   BENCH_RESULTS  results directory (default: bench/results)
#   BENCH_ALT      a second annal binary (another configure of the same
#                  source) timed in the start-up figures 2a, 2b and 5b
#   BENCH_ALT_NAME what the table calls it (default "second build")
#   BENCH_KEEP=1   keep the temporary directory
#   BENCH_NOFAIL=1 exit 0 even when a target is missed (t9200 uses it: a
#                  tiny run checks that the suite works, not the figures)
#   TMPDIR         where the logs are made (default /tmp): the disk measured
set -eu

here=$(cd "$(dirname "$0")" && pwd)
ANNAL=${ANNAL:-$here/../annal}
BENCH_SIZES=${BENCH_SIZES:-"10000 100000"}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_QUERY_RUNS=${BENCH_QUERY_RUNS:-21}
BENCH_SINGLE=${BENCH_SINGLE:-200}
BENCH_STREAM=${BENCH_STREAM:-1000}
BENCH_RESULTS=${BENCH_RESULTS:-$here/results}
WRITERS=${BENCH_WRITERS:-8}
EACH=${BENCH_EACH:-50}
CENTRAL_HOSTS=${BENCH_HOSTS:-4}
CENTRAL_ROUNDS=${BENCH_ROUNDS:-10}
CENTRAL_EACH=${BENCH_PUSH_EACH:-100}

die() { printf 'bench: error: %s\n' "$*" >&2; exit 3; }
say() { printf 'bench: %s\n' "$*" >&2; }

for v in BENCH_RUNS BENCH_QUERY_RUNS BENCH_SINGLE BENCH_STREAM WRITERS EACH; do
	eval "x=\$$v"
	[ "$x" -ge 1 ] 2>/dev/null || die "$v must be a number >= 1"
done
for n in $BENCH_SIZES; do
	[ "$n" -ge 200 ] 2>/dev/null || die "BENCH_SIZES: '$n' is not a size >= 200"
done
command -v git >/dev/null || die "git not found"
command -v python3 >/dev/null || die "python3 not found"
# the real interpreter: HOME changes below (a pyenv shim would break)
PY=$(python3 -c 'import sys; print(sys.executable)')

[ -x "$ANNAL" ] || die "annal binary '$ANNAL' not found (set ANNAL)"
case $ANNAL in /*) ;; *) ANNAL=$(pwd)/$ANNAL ;; esac
# the source measured, for the report and performance.md (make bench-doc)
source=$(git -C "$here/.." describe --always --dirty 2>/dev/null) ||
	source=unknown

tmp=$(mktemp -d "${TMPDIR:-/tmp}/annal-bench.XXXXXX")
cleanup() {
	if [ "${BENCH_KEEP:-}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Time a copy of the binary, so that a rebuild during the run cannot mix
# two builds.  A libtool wrapper script is bypassed: it would add a bash
# start to every call.
mkdir "$tmp/bin"
if head -c 1024 "$ANNAL" | grep -q 'temporary wrapper script'; then
	d=$(dirname "$ANNAL")/.libs
	[ -x "$d/$(basename "$ANNAL")" ] || die "no $d/$(basename "$ANNAL") behind the libtool wrapper"
	if ! cp "$d/$(basename "$ANNAL")" "$tmp/bin/annal" ||
	   ! cp -P "$d"/libannal.so* "$tmp/bin/"; then
		die "cannot copy annal from $d"
	fi
	LD_LIBRARY_PATH=$tmp/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
	from="$d/$(basename "$ANNAL"), libtool wrapper bypassed"
else
	cp "$ANNAL" "$tmp/bin/annal" || die "cannot copy $ANNAL"
	from=$ANNAL
fi
A=$tmp/bin/annal
"$A" --version >/dev/null || die "$A does not run"
# A second build of the same source (configure options differ, e.g. how
# libgit2 is linked) is timed in the start-up figures too.
A2=''
if [ -n "${BENCH_ALT:-}" ]; then
	if head -c 1024 "$BENCH_ALT" | grep -q 'temporary wrapper script'; then
		die "BENCH_ALT: give the binary, not the libtool wrapper $BENCH_ALT"
	fi
	mkdir "$tmp/alt"
	cp "$BENCH_ALT" "$tmp/alt/annal" || die "cannot copy $BENCH_ALT"
	A2=$tmp/alt/annal
	"$A2" --version >/dev/null || die "$BENCH_ALT does not run"
fi
ALT=${BENCH_ALT_NAME:-second build}

# A hermetic environment: no user or system git config, no agent.
mkdir "$tmp/home"
HOME=$tmp/home
GIT_CONFIG_NOSYSTEM=1
LC_ALL=C
TZ=UTC
GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
export HOME GIT_CONFIG_NOSYSTEM LC_ALL TZ GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset ANNAL_REPO ANNAL_SIGNING_KEY ANNAL_TEST_NOW SSH_AUTH_SOCK GIT_DIR \
	GIT_OBJECT_DIRECTORY GIT_INDEX_FILE 2>/dev/null || :

T() { "$PY" "$here/timing.py" "$@"; }
BENCH_ERRLOG=$tmp/errors
: >"$BENCH_ERRLOG"
export BENCH_ERRLOG
tsv=$tmp/rows.tsv
: >"$tsv"
row() { T row --out "$tsv" "$@"; }
# seconds of runs as "median,lo,hi" (timing.py), or FAILED (timing.py
# names the failure on stderr)
m() { T median "$@" || echo FAILED; }
calc() { "$PY" -c "print($1)"; }
objbytes() { du -sb "$1/objects" | cut -f1; }
# bytes per record of a repository's objects beyond an empty one
bpr() { calc "($(objbytes "$1") - $2) / $3"; }
count() { git --git-dir="$1" rev-list --count refs/audit/main 2>/dev/null || echo 0; }
# checked T LOG N: T, or FAILED unless LOG has N records
checked() {
	if [ "$1" = FAILED ] || [ "$(count "$2")" = "$3" ]; then echo "$1"
	else say "$2 does not have $3 records"; echo FAILED; fi
}

start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# --- the machine ------------------------------------------------------
MACHINE=${BENCH_MACHINE:-}
EMPTY=${BENCH_EMPTY:-}
if [ -z "$MACHINE" ] || [ -z "$EMPTY" ]; then
	CC=${CC:-cc}
	flags=$(pkg-config --cflags --libs libsodium) ||
		die "pkg-config cannot find libsodium (apt-get install libsodium-dev)"
	if [ -z "$MACHINE" ]; then
		MACHINE=$tmp/machine
		# shellcheck disable=SC2086
		$CC -O2 "$here/machine.c" -o "$MACHINE" $flags ||
			die "cannot build bench/machine.c"
	fi
	if [ -z "$EMPTY" ]; then
		EMPTY=$tmp/empty
		$CC -O2 "$here/empty.c" -o "$EMPTY" || die "cannot build bench/empty.c"
	fi
fi
say "measuring the machine"
"$MACHINE" "$tmp" ${BENCH_MACHINE_SECONDS:+"$BENCH_MACHINE_SECONDS"} >"$tmp/machine.txt"
# "median,lo,hi" of the rounds
mval() { sed -n "s/^$1 //p" "$tmp/machine.txt" | tr ' ' ','; }
SIGN=$(mval ed25519_sign_per_s)
VERIFY=$(mval ed25519_verify_per_s)
SHA=$(mval sha256_mb_per_s)
DURABLE=$(mval durable_create_ms)
CORES=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
VERIFY_ALL=$(T scale "$CORES" "$VERIFY")
CPU=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
FS=$(df -P "$tmp" | awk 'NR == 2 { print $1 }')
FSTYPE=$(findmnt -n -o FSTYPE -T "$tmp" 2>/dev/null ||
	stat -f -c %T "$tmp" 2>/dev/null || echo '?')

# --- keys and records ---------------------------------------------------
"$A" keygen -f "$tmp/key" -C bench >/dev/null 2>&1 || die "annal keygen failed"
K=$tmp/key
printf '* namespaces="git" %s\n' "$(cat "$K.pub")" >"$tmp/allowed_signers"
max=0
for n in $BENCH_SIZES; do [ "$n" -gt "$max" ] && max=$n; done
say "generating $max records"
T_gen() { "$PY" "$here/gen.py" "$@"; }
T_gen ndjson --count "$max" --seed 1 >"$tmp/all.ndjson"
# single, streaming and concurrent appends use records of their own
T_gen ndjson --count "$BENCH_SINGLE" --seed 2 >"$tmp/single.ndjson"
T_gen ndjson --count $((BENCH_STREAM * BENCH_RUNS)) --seed 3 >"$tmp/stream.ndjson"
T_gen ndjson --count $((BENCH_RUNS * WRITERS * EACH)) --seed 4 >"$tmp/contend.ndjson"
T_gen ndjson --count 100 --seed 5 >"$tmp/tail.ndjson"
T_gen ndjson --count $((CENTRAL_HOSTS * CENTRAL_ROUNDS * CENTRAL_EACH)) --seed 6 >"$tmp/central.ndjson"

# A log with one signed record, so later appends extend a signed log.
signed_repo() {
	"$A" init "$1" >/dev/null &&
	"$A" -C "$1" append --sign-key "$K" --actor svc:bench --action setup >/dev/null
}

# The same for stock git: a signed commit on refs/audit/main, HEAD.
EMPTY_TREE=4b825dc642cb6eb9a060e54bf8d69288fbee4904
git_signed_repo() {
	git init -q --bare "$1" &&
	git --git-dir="$1" symbolic-ref HEAD refs/audit/main &&
	gsr_c=$(git --git-dir="$1" -c gpg.format=ssh -c user.signingkey="$K" \
		commit-tree -S -m setup $EMPTY_TREE) &&
	git --git-dir="$1" update-ref HEAD "$gsr_c"
}
# has_cmd NAME: the binary has the command NAME
has_cmd() { "$A" --list-cmds 2>/dev/null | grep -qx "$1"; }

"$A" init "$tmp/empty-annal.git" >/dev/null
git init -q --bare "$tmp/empty-git.git"
EMPTY_A=$(objbytes "$tmp/empty-annal.git")
EMPTY_G=$(objbytes "$tmp/empty-git.git")

# central_setup LOG C K: C, a central repository (annal init --central)
# holding LOG's records but the last K under refs/audit/hosts/h/main, as
# its pre-receive hook accepted them (the hook's state kept in C.state);
# C.line, the hook's input for a push of the last K records
central_setup() {
	old=$(git --git-dir="$1" rev-parse "refs/audit/main~$3") &&
	new=$(git --git-dir="$1" rev-parse refs/audit/main) &&
	"$A" init --central "$2" >/dev/null &&
	git --git-dir="$2" fetch -q "$1" refs/audit/main:refs/tmp/all &&
	git --git-dir="$2" update-ref refs/audit/hosts/h/main "$old" &&
	git --git-dir="$2" update-ref -d refs/tmp/all &&
	echo "0000000000000000000000000000000000000000 $old refs/audit/hosts/h/main" |
		"$A" -C "$2" verify --pre-receive &&
	cp "$2/annal/verified/hosts/h/main" "$2.state" &&
	echo "$old $new refs/audit/hosts/h/main" >"$2.line"
}

# --- 1 batch append, 4 verify, per size -------------------------------
for n in $BENCH_SIZES; do
	recs=$tmp/recs-$n.ndjson
	head -n "$n" "$tmp/all.ndjson" >"$recs"
	T_gen fast-import --count "$n" --seed 1 >"$tmp/fi-$n.stream"
	s=$tmp/s-$n.git u=$tmp/u-$n.git f=$tmp/f-$n.git fs=$tmp/fs-$n.git

	say "[1] batch append, signed, N=$n ($BENCH_RUNS runs)"
	t=$(m --runs "$BENCH_RUNS" --setup "rm -rf '$s' && '$A' init '$s'" \
		--stdin "$recs" -- "$A" -C "$s" append --stdin --sign-key "$K")
	t=$(checked "$t" "$s" "$n")
	row --id 1a --name "batch append signed N=$n" --unit rec/s \
		--value "$t" --value-per "$n" --ref "$SIGN" --target 'ratio>=0.70' \
		--cmd "annal append --stdin --sign-key K <$n records" \
		--ref-cmd "bench/machine: Ed25519 signatures/s, one core"

	say "[1] batch append, unsigned, N=$n, and git fast-import"
	tf=$(m --runs "$BENCH_RUNS" --setup "rm -rf '$f' && git init -q --bare '$f'" \
		--stdin "$tmp/fi-$n.stream" -- \
		git -c core.fsync=all -c core.fsyncMethod=fsync --git-dir="$f" fast-import --quiet)
	tf=$(checked "$tf" "$f" "$n")
	bf=FAILED
	[ "$tf" = FAILED ] || bf=$(bpr "$f" "$EMPTY_G" "$n")
	t=$(m --runs "$BENCH_RUNS" --setup "rm -rf '$u' && '$A' init '$u'" \
		--stdin "$recs" -- "$A" -C "$u" append --stdin)
	t=$(checked "$t" "$u" "$n")
	b=FAILED
	[ "$t" = FAILED ] || b=$(bpr "$u" "$EMPTY_A" "$n")
	row --id 1b --name "batch append unsigned N=$n" --unit rec/s \
		--value "$t" --value-per "$n" --ref "$tf" --ref-per "$n" --target 'ratio>=1' \
		--cmd "annal append --stdin <$n records" \
		--ref-cmd "git -c core.fsync=all -c core.fsyncMethod=fsync fast-import <the same $n records as annal's commits (bench/gen.py fast-import)"
	row --id 1c --name "bytes/record unsigned N=$n, after batch" --unit B/rec \
		--value "$b" --ref "$bf" --target 'ratio<=1.2' \
		--cmd "du -sb objects after 1b, minus an empty repository's" \
		--ref-cmd "the same for fast-import's repository of 1b (its own pack, as fast-import leaves it)"
	# the signed reference: stock git importing the commits of 1a
	b=FAILED bfs=FAILED how=''
	if [ "$(count "$s")" = "$n" ]; then
		b=$(bpr "$s" "$EMPTY_A" "$n")
		rm -rf "$fs"
		if how=$("$PY" "$here/signed-baseline.py" "$s" refs/audit/main "$fs" \
			2>>"$BENCH_ERRLOG") && [ "$(count "$fs")" = "$n" ]; then
			bfs=$(bpr "$fs" "$EMPTY_G" "$n")
		else
			how="bench/signed-baseline.py failed"
		fi
	fi
	row --id 1d --name "bytes/record signed N=$n, after batch" --unit B/rec \
		--value "$b" --ref "$bfs" --target 'ratio<=1.2' \
		--cmd "du -sb objects after 1a, minus an empty repository's" \
		--ref-cmd "the same for bench/signed-baseline.py: git -c core.fsync=all fast-import of 1a's signed commits (its own pack)" \
		--note "$how"
	if [ "$n" = "$max" ]; then
		# a batch is processed as it is read: memory must not grow with it
		r=FAILED rf=''
		rm -rf "$tmp/rss.git" "$tmp/rss-f.git" &&
		"$A" init "$tmp/rss.git" >/dev/null &&
		r=$(T rss --stdin "$recs" -- "$A" -C "$tmp/rss.git" append --stdin \
			--sign-key "$K") || r=FAILED
		git init -q --bare "$tmp/rss-f.git" &&
		rf=$(T rss --stdin "$tmp/fi-$n.stream" -- git --git-dir="$tmp/rss-f.git" \
			fast-import --quiet) ||
			rf=FAILED
		rm -rf "$tmp/rss.git" "$tmp/rss-f.git"
		row --id 1e --name "batch append peak RSS N=$n" --unit KiB --value "$r" \
			--ref "$rf" \
			--cmd "/usr/bin/time -f %M annal append --stdin --sign-key K <$n records" \
			--ref-cmd "the same for git fast-import (1b's reference)" \
			--note "no target: what the batch holds is 32 bytes a record"
	fi

	say "[4] verify, N=$n"
	# without the logs of 1a and 1b there is nothing to verify
	sok=no uok=no t=FAILED tg='' note=''
	[ "$(count "$s")" != "$n" ] || sok=yes
	[ "$(count "$u")" != "$n" ] || uok=yes
	if [ $sok = yes ]; then
		t=$(m --runs "$BENCH_RUNS" -- "$A" -C "$s" verify)
		# git runs ssh-keygen per commit: time the newest 200 records only
		tg=$(m --runs "$BENCH_RUNS" -- git --git-dir="$s" \
			-c gpg.ssh.allowedSignersFile="$tmp/allowed_signers" \
			log --show-signature -n 200 refs/audit/main)
	else
		note="not run: 1a made no log"
	fi
	eval "verw_$n=\$t"	# 8d
	row --id 4a --name "verify signed N=$n" --unit rec/s \
		--value "$t" --value-per "$n" --ref "$VERIFY_ALL" \
		--target 'ratio>=0.80' --cmd "annal verify  (the signed log of 1a)" \
		--ref-cmd "$CORES cores x bench/machine Ed25519 verifications/s" \
		--note "$note"
	row --id 4b --name "verify signed N=$n vs git" --unit rec/s \
		--value "$t" --value-per "$n" --ref "$tg" --ref-per 200 \
		--cmd "annal verify  (as 4a)" \
		--ref-cmd "git -c gpg.ssh.allowedSignersFile=F log --show-signature -n 200 refs/audit/main (its rate over those 200)"
	t=FAILED tf='' note=''
	if [ $uok = yes ]; then
		tf=$(m --runs "$BENCH_RUNS" -- git --git-dir="$u" fsck --full)
		t=$(m --runs "$BENCH_RUNS" -- "$A" -C "$u" verify)
	else
		note="not run: 1b made no log"
	fi
	row --id 4c --name "verify unsigned N=$n (time)" --unit s --value "$t" \
		--ref "$tf" --target 'ratio<1' --cmd "annal verify  (the unsigned log of 1b)" \
		--ref-cmd "git fsck --full  (the same repository)" --note "$note"
	if [ "$n" = "$max" ]; then
		how="/usr/bin/time -f %M"
		[ -x /usr/bin/time ] || how="getrusage(RUSAGE_CHILDREN).ru_maxrss of"
		r=FAILED rf='' note=''
		if [ $sok = yes ]; then
			r=$(T rss -- "$A" -C "$s" verify) || r=FAILED
			rf=$(T rss -- git --git-dir="$s" fsck --full) || rf=FAILED
		else
			note="not run: 1a made no log"
		fi
		row --id 4d --name "verify peak RSS N=$n" --unit KiB --value "$r" \
			--ref "$rf" --target 'value<=65536' \
			--cmd "$how annal verify  (the signed log of 1a)" \
			--ref-cmd "$how git fsck --full  (no target)" --note "$note"
	fi

	# storage after annal pack, against the same references: fast-import
	# leaves one pack, which is what its users keep
	for kind in unsigned signed; do
		if [ $kind = unsigned ]; then
			id=1f of=1b log=$u ok=$uok ref=$bf
			refcmd="fast-import's repository of 1b, as 1c"
		else
			id=1g of=1a log=$s ok=$sok ref=$bfs
			refcmd="bench/signed-baseline.py's repository, as 1d"
		fi
		b=FAILED na='' note=''
		if ! has_cmd pack; then
			na="n/a (not implemented)"
		elif [ $ok = no ]; then
			note="not run: no log"
		elif T median --runs 1 -- "$A" -C "$log" pack >/dev/null &&
		     [ "$(count "$log")" = "$n" ]; then
			b=$(bpr "$log" "$EMPTY_A" "$n")
		fi
		row --id $id --name "bytes/record $kind N=$n, after annal pack" \
			--unit B/rec --value "$b" --ref "$ref" --target 'ratio<=1.2' \
			${na:+--na "$na"} --note "$note" \
			--cmd "annal pack on the log of $of, then du -sb objects as 1c" \
			--ref-cmd "$refcmd"
	done

	# [8] the pre-receive check of a push of the last k records of the
	# log of 1a (signed) and of 1b (unsigned) into a central repository
	# that holds the others, against annal verify of a log of k records
	# (the first k of the same stream): both are a process that checks k
	# records, so start-up counts the same on both sides
	k=$((n < 2000 ? n / 2 : 1000))
	for kind in signed unsigned; do
		if [ $kind = signed ]; then
			src=$s ok=$sok sign=$K
		else
			src=$u ok=$uok sign=''
		fi
		say "[8] pre-receive, $kind, $k records pushed onto N=$((n - k))"
		c8=$tmp/c8-$n.git v8r=$tmp/v8-$kind-$k.git p8=FAILED v8=FAILED
		if [ ! -d "$v8r" ]; then
			"$A" init "$v8r" >/dev/null &&
			head -n "$k" "$recs" |
				"$A" -C "$v8r" append --stdin ${sign:+--sign-key "$sign"} >/dev/null ||
				rm -rf "$v8r"
		fi
		if [ $ok = yes ] && [ -d "$v8r" ] && central_setup "$src" "$c8" "$k"; then
			p8=$(m --runs "$BENCH_RUNS" \
				--setup "cp '$c8.state' '$c8/annal/verified/hosts/h/main'" \
				--stdin "$c8.line" -- "$A" -C "$c8" verify --pre-receive)
			v8=$(m --runs "$BENCH_RUNS" -- "$A" -C "$v8r" verify)
		fi
		eval "pre_${kind}_$n=\$p8 ver_${kind}_$n=\$v8"
		rm -rf "$c8" "$c8.state" "$c8.line"
	done
	eval "push_$n=\$k"

	# 9c's O(1) check: a checkpoint of a copy of this log, signed
	# again after a first, untimed one recorded its origin
	ck=FAILED
	if [ $sok = yes ] && cp -R "$s" "$s.ck" &&
		"$A" -C "$s.ck" checkpoint --sign-key "$K" --origin bench.example/main >/dev/null; then
		ck=$(m --runs "$BENCH_QUERY_RUNS" -- "$A" -C "$s.ck" checkpoint --sign-key "$K")
	fi
	eval "ckpt_$n=\$ck"
	rm -rf "$s.ck"

	# keep the largest signed log for the queries
	[ "$n" = "$max" ] || rm -rf "$s"
	rm -rf "$u" "$f" "$fs" "$tmp/fi-$n.stream" "$recs"
done

# --- 5 queries on the largest log ---------------------------------------
s=$tmp/s-$max.git
q=$BENCH_QUERY_RUNS
say "[5] queries on the $max-record signed log"
# A batch shares one ts: append the newest 100 records one by one, as a
# live log grows, so that they have times of their own.
n=$((max + 100))
since=FAILED got='?' ok=yes
# without the batch of 1a there is no log to query
qnote=''
[ "$(count "$s")" = "$max" ] || {
	say "no $max-record log: skipping the queries"
	ok=no qnote="not run: 1a made no $max-record log"
}
if [ $ok = yes ] && "$PY" - "$A" "$s" "$K" "$tmp/tail.ndjson" <<'PY'
import subprocess, sys
a, repo, key, path = sys.argv[1:5]
with open(path) as f:
    for line in f:
        subprocess.run([a, "-C", repo, "append", "--sign-key", key,
                        "--json", line.strip()], check=True,
                       stdout=subprocess.DEVNULL)
PY
then
	since=$("$A" -C "$s" log -n 100 --format jsonl | tail -n 1 |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)["ts"])') ||
		since=FAILED
	got=$("$A" -C "$s" log --since "$since" --format oneline | wc -l)
fi
t=FAILED
[ "$since" = FAILED ] || t=$(m --runs "$q" -- "$A" -C "$s" log --since "$since")
tg=''
[ $ok = no ] || tg=$(m --runs "$q" -- git --git-dir="$s" log --format=%B -n 100 refs/audit/main)
row --id 5a --name "log --since (newest 100) N=$n" --unit s --value "$t" \
	--ref "$tg" --target 'ratio<=2.0' \
	--cmd "annal log --since <ts of the 100th newest record: $since>  (prints $got records)" \
	--ref-cmd "git log --format=%B -n 100 refs/audit/main" \
	--note "$qnote"
t=FAILED
[ $ok = no ] || t=$(m --runs "$q" -- "$A" -C "$s" log -n 20)
tg=''
[ $ok = no ] || tg=$(m --runs "$q" -- git --git-dir="$s" log --format=%B -n 20 refs/audit/main)
row --id 5b --name "log -n 20 N=$n" --unit s --value "$t" --ref "$tg" \
	--target 'ratio<=1.5' --cmd "annal log -n 20" \
	--ref-cmd "git log --format=%B -n 20 refs/audit/main" \
	--note "$qnote"
if [ -n "$A2" ]; then
	t=FAILED
	[ $ok = no ] || t=$(m --runs "$q" -- "$A2" -C "$s" log -n 20)
	tg=''
	[ $ok = no ] || tg=$(m --runs "$q" -- git --git-dir="$s" log --format=%B -n 20 refs/audit/main)
	row --id 5b --name "log -n 20 N=$n, $ALT" --unit s --value "$t" \
		--ref "$tg" --target 'ratio<=1.5' --cmd "$BENCH_ALT log -n 20" \
		--ref-cmd "git log --format=%B -n 20 refs/audit/main" \
		--note "$qnote"
fi
x=$((n / 2))
t=FAILED
[ $ok = no ] || t=$(m --runs "$q" -- "$A" -C "$s" log --from-seq $x --to-seq $((x + 99)))
tg=''
[ $ok = no ] || tg=$(m --runs "$q" -- git --git-dir="$s" log --format=%B \
	--skip=$((n - x - 99)) -n 100 refs/audit/main)
row --id 5c --name "log --from-seq (100, middle) N=$n" --unit s --value "$t" \
	--ref "$tg" --target 'ratio<=1' \
	--cmd "annal log --from-seq $x --to-seq $((x + 99))" \
	--ref-cmd "git log --format=%B --skip=$((n - x - 99)) -n 100 refs/audit/main" \
	--note "$qnote"
t=FAILED
[ $ok = no ] || t=$(m --runs "$BENCH_RUNS" -- "$A" -C "$s" log --format jsonl)
tg=''
[ $ok = no ] || tg=$(m --runs "$BENCH_RUNS" -- git --git-dir="$s" log --format=%B refs/audit/main)
row --id 5d --name "log --format jsonl (all) N=$n" --unit rec/s \
	--value "$t" --value-per "$n" --ref "$tg" --ref-per "$n" --target 'ratio>=0.50' \
	--cmd "annal log --format jsonl" \
	--ref-cmd "git log --format=%B refs/audit/main" \
	--note "$qnote"
# 18c, 18d (issue 18): the HTML report of the largest log, on a copy
# (each export appends its own record); the issue's goals: at least
# 20000 records/s, under 256 MiB
h=$tmp/html.git t=FAILED r=FAILED
if [ $ok = yes ] && cp -R "$s" "$h"; then
	t=$(m --runs "$BENCH_RUNS" --setup "rm -f '$tmp/report.html'" -- \
		"$A" -C "$h" export --format html -o "$tmp/report.html")
	rm -f "$tmp/report.html"
	r=$(T rss -- "$A" -C "$h" export --format html -o "$tmp/report.html") || r=FAILED
fi
row --id 18c --name "export --format html N=$n" --unit rec/s --value "$t" \
	--value-per "$n" --target 'value>=20000' \
	--cmd "annal export --format html -o report.html  (a copy of the log; verifies it, then two passes)" \
	--note "$qnote"
row --id 18d --name "export --format html peak RSS N=$n" --unit KiB --value "$r" \
	--target 'value<=262144' --cmd "/usr/bin/time -f %M annal export --format html -o report.html" \
	--note "$qnote"
rm -rf "$h" "$tmp/report.html"
# 5e, 5f: the peak RSS of a plain export and of a bundle of the largest
# log, on a copy; information: a plain export keeps 36 bytes a record and
# reads each back, a bundle still holds its members until the zip is
# written
re=FAILED rb=FAILED
if [ $ok = yes ] && cp -R "$s" "$h"; then
	re=$(T rss -- "$A" -C "$h" export --format jsonl -o "$tmp/export.jsonl") || re=FAILED
	rm -f "$tmp/export.jsonl"
	rb=$(T rss -- "$A" -C "$h" export --sign-key "$K" --bundle "$tmp/export.zip") || rb=FAILED
	rm -f "$tmp/export.zip"
fi
row --id 5e --name "export --format jsonl peak RSS N=$n" --unit KiB --value "$re" \
	--cmd "/usr/bin/time -f %M annal export --format jsonl -o FILE  (a copy of the log)" \
	--note "no target: information; 36 bytes a record, each read back by id"
row --id 5f --name "export --bundle peak RSS N=$n" --unit KiB --value "$rb" \
	--cmd "/usr/bin/time -f %M annal export --sign-key K --bundle FILE  (a copy of the log)" \
	--note "no target: information; the members are held until the zip is written"
rm -rf "$h"
# 9a (issue 17): a root and an inclusion proof on the largest log, from
# its tree cache (made by one untimed proof first), against stock git
# reading the newest record: a process that opens the repository and
# reads an object.
say "[9] tree: a proof on the $max-record log"
t=FAILED tr=FAILED
if [ $ok = yes ] && "$A" -C "$s" prove inclusion 1 >/dev/null; then
	t=$(m --runs "$q" -- "$A" -C "$s" prove inclusion "$((max / 2 + 1))")
	tr=$(m --runs "$q" -- git --git-dir="$s" log --format=%B -n 1 refs/audit/main)
fi
row --id 9a --name "prove inclusion (root and proof) N=$max" --unit s --value "$t" \
	--ref "$tr" --target 'ratio<=2.0' \
	--cmd "annal prove inclusion $((max / 2 + 1)) (tree cache current)" \
	--ref-cmd "git log --format=%B -n 1 refs/audit/main" \
	--note "$qnote"
# 9c: signing a checkpoint of the largest log, a head checkpointed
# before (the first checkpoint, untimed, records the origin), so each run
# signs the same head again; no target: information
t=FAILED tr=FAILED
if [ $ok = yes ] && "$A" -C "$s" checkpoint --sign-key "$K" --origin bench.example/main >/dev/null; then
	t=$(m --runs "$q" -- "$A" -C "$s" checkpoint --sign-key "$K")
	tr=$(m --runs "$q" -- git --git-dir="$s" log --format=%B -n 1 refs/audit/main)
fi
row --id 9c --name "checkpoint (sign the head's root) N=$((max + 1))" --unit s --value "$t" \
	--ref "$tr" \
	--cmd "annal checkpoint --sign-key K (a head checkpointed before)" \
	--ref-cmd "git log --format=%B -n 1 refs/audit/main" \
	--note "no target: the root comes from the records past the newest kept checkpoint, which its key signed"
min=$max
for n in $BENCH_SIZES; do [ "$n" -lt "$min" ] && min=$n; done
eval "cmax=\$ckpt_$max cmin=\$ckpt_$min"
if [ "$min" != "$max" ]; then
	row --id 9c --name "checkpoint, N=$max vs N=$min" \
		--unit s --value "$cmax" --ref "$cmin" --target 'ratio<=1.2' \
		--cmd "annal checkpoint --sign-key K of the signed log of N=$max (a head checkpointed before)" \
		--ref-cmd "the same of the log of N=$min: O(1), not O(log)"
fi
# 18a, 18b (issue 18): annal show of the head and of the middle record of
# the largest log; show reads every record after the one shown, looking
# for records that correct it.  No target: information.
t=FAILED tm=FAILED tr=FAILED
if [ $ok = yes ] && head=$(git --git-dir="$s" rev-parse refs/audit/main); then
	t=$(m --runs "$q" -- "$A" -C "$s" show "$head")
	tm=$(m --runs "$q" -- "$A" -C "$s" show "$((max / 2))")
	tr=$(m --runs "$q" -- git --git-dir="$s" log --format=%B -n 1 refs/audit/main)
fi
row --id 18a --name "show (the head) N=$((max + 101))" --unit s --value "$t" \
	--ref "$tr" --cmd "annal show <head id>" \
	--ref-cmd "git log --format=%B -n 1 refs/audit/main" \
	--note "no target: information"
row --id 18b --name "show (seq $((max / 2))) N=$((max + 101))" --unit s --value "$tm" \
	--ref "$tr" --cmd "annal show $((max / 2))" \
	--ref-cmd "git log --format=%B -n 1 refs/audit/main" \
	--note "no target: reads the $((max / 2 + 101)) records after it for corrections"
# 18e, 18f (issue 18): the PDF report of the largest log, its rate and its
# peak RSS; each export is recorded in the log, so --to-seq keeps the
# selection; information, the issue's bound on memory is 256 MiB
say "[10] reports: the PDF of the $max-record log"
t=FAILED r=FAILED
if [ $ok = yes ]; then
	t=$(m --runs "$BENCH_RUNS" --setup "rm -f '$tmp/r.pdf'" -- \
		"$A" -C "$s" export --to-seq "$max" --format pdf -o "$tmp/r.pdf")
	rm -f "$tmp/r.pdf"
	r=$(T rss -- "$A" -C "$s" export --to-seq "$max" --format pdf -o "$tmp/r.pdf") || r=FAILED
	rm -f "$tmp/r.pdf"
fi
row --id 18e --name "export --format pdf N=$max" --unit rec/s --value "$t" --value-per "$max" \
	--cmd "annal export --to-seq $max --format pdf -o FILE" \
	--note "no target: two passes over the records, each line laid out by pango"
row --id 18f --name "export --format pdf peak RSS N=$max" --unit KiB --value "$r" \
	--cmd "/usr/bin/time -f %M annal export --to-seq $max --format pdf -o FILE" \
	--note "no target: the issue bounds it at 256 MiB; the report keeps 36 bytes a record"
rm -rf "$s"

# --- 2 single append ---------------------------------------------------
say "[2] single append: $BENCH_SINGLE signed appends by annal and by git, alternating"
sa=$tmp/single-annal.git sg=$tmp/single-git.git
signed_repo "$sa" || say "cannot make a signed log"
git_signed_repo "$sg" || say "cannot make a signed git repository"
# shellcheck disable=SC2046 # two words: annal's and git's medians
set -- $(T single --annal "$A" --annal-repo "$sa" --git-repo "$sg" --key "$K" \
	--records "$tmp/single.ndjson" --count "$BENCH_SINGLE" || echo FAILED FAILED)
t=$1 tg=$2
row --id 2a --name "single append signed (per call)" --unit s --value "$t" \
	--ref "$tg" --target 'ratio<=0.5' \
	--cmd "annal append --sign-key K --json RECORD  (a process per record; median of $BENCH_SINGLE calls)" \
	--ref-cmd "git -c core.fsync=all -c core.fsyncMethod=fsync -c gpg.format=ssh -c user.signingkey=K commit-tree -S -p HEAD -m MSG EMPTYTREE && git -c core.fsync=all -c core.fsyncMethod=fsync update-ref HEAD NEW OLD  (MSG: summary and the same record)"
GITTIME=$tg
if [ -n "$A2" ]; then
	rm -rf "$sa" "$sg"
	signed_repo "$sa" || say "cannot make a signed log"
	git_signed_repo "$sg" || say "cannot make a signed git repository"
	# shellcheck disable=SC2046 # two words: annal's and git's medians
	set -- $(T single --annal "$A2" --annal-repo "$sa" --git-repo "$sg" \
		--key "$K" --records "$tmp/single.ndjson" --count "$BENCH_SINGLE" ||
		echo FAILED FAILED)
	row --id 2a --name "single append signed (per call), $ALT" --unit s \
		--value "$1" --ref "$2" --target 'ratio<=0.5' \
		--cmd "$BENCH_ALT append --sign-key K --json RECORD  (as 2a)" \
		--ref-cmd "the stock plumbing of 2a, timed again alternating with it"
fi
t=$(m --runs "$q" -- "$A" --version)
tg=$(m --runs "$q" -- git --version)
te=$(m --runs "$q" -- "$EMPTY")
row --id 2b --name "start-up: annal --version" --unit s --value "$t" \
	--ref "$tg" --target 'ratio<=2' --cmd "annal --version" \
	--ref-cmd "git --version"
if [ -n "$A2" ]; then
	row --id 2b --name "start-up: annal --version, $ALT" --unit s \
		--value "$(m --runs "$q" -- "$A2" --version)" --ref "$tg" \
		--target 'ratio<=2' --cmd "$BENCH_ALT --version" \
		--ref-cmd "git --version (as 2b)"
fi
row --id 2c --name "start-up over the floor (information)" --unit s \
	--value "$t" --ref "$te" --cmd "annal --version  (as 2b)" \
	--ref-cmd "bench/empty.c (int main(void) { return 0; }): a process start from the harness, a machine limit, not a baseline"
rm -rf "$sa" "$sg"

# --- 3 streaming append ------------------------------------------------
# 3a: issue 5's goal, a producer faster than the disk (group commit
# allowed, each id printed once durable); 3b: issue 15's point 4, one
# acknowledgement at a time, bounded by the flushes a record needs
# (design.md, "What an acknowledgement costs"): information
say "[3] streaming append"
refcmd="1 / the stock plumbing time per record of 2a (git commit-tree -S, git update-ref)"
for mode in pipelined waiting; do
	if [ $mode = pipelined ]; then
		id=3a name="streaming append signed, a producer ahead of the disk"
		cmd="annal append --stdin --stream --sign-key K, fed every line at once by bench/timing.py stream --pipelined, the ids read as they come ($BENCH_STREAM records a run)"
		target='ratio>=20' flag=--pipelined note=
	else
		id=3b name="streaming append signed, one id at a time"
		cmd="annal append --stdin --stream --sign-key K, fed a line per id by bench/timing.py stream ($BENCH_STREAM records a run)"
		target= flag= note="no target: five flushes a record, the least this storage contract allows (design.md)"
	fi
	if "$A" append -h 2>/dev/null | grep -q -e '--stream'; then
		st=$tmp/stream.git
		r=FAILED
		if signed_repo "$st"; then
			r=$(T stream --annal "$A" --repo "$st" --key "$K" $flag \
				--records "$tmp/stream.ndjson" --count "$BENCH_STREAM" \
				--runs "$BENCH_RUNS") || r=FAILED
			r=$(checked "$r" "$st" $((BENCH_STREAM * BENCH_RUNS + 1)))
		fi
		row --id $id --name "$name" --unit rec/s --value "$r" \
			--ref "$GITTIME" --ref-per 1 ${target:+--target "$target"} --cmd "$cmd" \
			--ref-cmd "$refcmd" ${note:+--note "$note"}
		rm -rf "$st"
	else
		row --id $id --name "$name" --unit rec/s --ref "$GITTIME" --ref-per 1 \
			${target:+--target "$target"} --na "n/a (not implemented)" --cmd "$cmd" \
			--ref-cmd "$refcmd"
	fi
done

# --- 6 contention -------------------------------------------------------
say "[6] $WRITERS concurrent writers x $EACH appends, annal and git ($BENCH_RUNS runs)"
c=$tmp/contend.git cg=$tmp/contend-git.git
signed_repo "$c" || say "cannot make a signed log"
git_signed_repo "$cg" || say "cannot make a signed git repository"
off=0 fails=0 gfails=0 retries=0 rates='' grates='' i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	# shellcheck disable=SC2046 # three words: records/s, failures, retries
	set -- $(T contend --annal "$A" --repo "$c" --key "$K" \
		--records "$tmp/contend.ndjson" --writers "$WRITERS" --each "$EACH" \
		--offset $off)
	rates="$rates $1" fails=$((fails + $2))
	# shellcheck disable=SC2046
	set -- $(T contend --git --repo "$cg" --key "$K" \
		--records "$tmp/contend.ndjson" --writers "$WRITERS" --each "$EACH" \
		--offset $off)
	grates="$grates $1" gfails=$((gfails + $2)) retries=$((retries + $3))
	off=$((off + WRITERS * EACH))
	i=$((i + 1))
	say "  run $i/$BENCH_RUNS: annal $(echo "$rates" | awk '{ print $NF }') rec/s, git $1 rec/s"
done
total=$((BENCH_RUNS * WRITERS * EACH))
fail=''
[ $fails = 0 ] || fail="$fails of $total appends failed"
# every acknowledged append is in the log, and the log verifies
have=$(count "$c")
[ "$have" = $((total + 1 - fails)) ] ||
	fail="${fail:+$fail, }$have records, expected $((total + 1 - fails))"
"$A" -C "$c" verify >/dev/null 2>&1 || fail="${fail:+$fail, }verify failed"
gr=FAILED
# shellcheck disable=SC2086 # a list of rates
[ $gfails != 0 ] || [ "$(count "$cg")" != $((total + 1)) ] || gr=$(T stats $grates)
# shellcheck disable=SC2086
row --id 6 --name "$WRITERS writers x $EACH appends (aggregate)" --unit rec/s \
	--value "$(T stats $rates)" --ref "$gr" --target 'ratio>=1' \
	${fail:+--fail "$fail"} \
	--cmd "$WRITERS concurrent loops of $EACH 'annal append --sign-key K --json RECORD' on one log; all must exit 0, the log must then hold them all and verify" \
	--ref-cmd "$WRITERS concurrent loops of $EACH stock appends on one repository, taking turns under flock(2): git rev-parse HEAD, git commit-tree -S -p HEAD, git update-ref HEAD NEW OLD (fsync options of 2a)" \
	--note "git: $gfails of $total appends failed, $retries redone"
rm -rf "$cg"

# --- 7 maintenance ------------------------------------------------------
say "[7] maintenance on the log of $have single appends"
p=$tmp/pack.git
before=$(bpr "$c" "$EMPTY_A" "$have")
tg=$(m --runs "$BENCH_RUNS" --setup "rm -rf '$p' && cp -a '$c' '$p'" -- \
	git -c core.fsync=all -c core.fsyncMethod=fsync --git-dir="$p" repack -a -d -q)
bg=$(bpr "$p" "$EMPTY_A" "$have")
note="before packing: $(printf '%.0f' "$before") B/rec"
if has_cmd pack; then
	t=$(m --runs "$BENCH_RUNS" --setup "rm -rf '$p' && cp -a '$c' '$p'" -- \
		"$A" -C "$p" pack)
	b=FAILED
	if [ "$t" != FAILED ]; then
		if "$A" -C "$p" verify >/dev/null 2>&1; then
			b=$(bpr "$p" "$EMPTY_A" "$have")
		else
			say "annal verify fails after annal pack"; t=FAILED
		fi
	fi
	na=''
else
	t='' b='' na="n/a (not implemented)"
fi
row --id 7a --name "pack after $have appends (time)" --unit s --value "$t" \
	--ref "$tg" ${na:+--na "$na"} --cmd "annal pack  (then annal verify)" \
	--ref-cmd "git -c core.fsync=all -c core.fsyncMethod=fsync repack -a -d"
row --id 7b --name "pack after $have appends (size)" --unit B/rec --value "$b" \
	--ref "$bg" ${na:+--na "$na"} --note "$note" \
	--cmd "du -sb objects after annal pack, minus an empty repository's" \
	--ref-cmd "the same after git repack -a -d"
rm -rf "$c" "$p"

# --- 8 the central side -------------------------------------------------
# 8a: the pre-receive check of k pushed records (measured in the loop of
# 1 and 4) against annal verify of a log of k records, at most 1.2x;
# 8b: it is O(pushed): the same push into the largest log and the
# smallest; 8c: four hosts pushing at once
min=$max
for n in $BENCH_SIZES; do [ "$n" -lt "$min" ] && min=$n; done
for n in $BENCH_SIZES; do
	for kind in signed unsigned; do
		eval "p=\$pre_${kind}_$n v=\$ver_${kind}_$n k=\$push_$n"
		row --id 8a --name "pre-receive $kind, $k pushed onto N=$((n - k))" --unit rec/s \
			--value "$p" --value-per "$k" --ref "$v" --ref-per "$k" --target 'ratio>=0.83' \
			--cmd "annal verify --pre-receive: the hook's input for a push of the last $k records of the $kind log of N=$n into a central repository holding the others (its state restored before each run)" \
			--ref-cmd "annal verify of a log of $k $kind records (the first $k of the same stream)"
	done
done
eval "pmax=\$pre_signed_$max pmin=\$pre_signed_$min kmax=\$push_$max kmin=\$push_$min"
if [ "$min" != "$max" ] && [ "$kmax" = "$kmin" ]; then
	row --id 8b --name "pre-receive signed, $kmax pushed, N=$max vs N=$min" \
		--unit s --value "$pmax" --ref "$pmin" --target 'ratio<=1.2' \
		--cmd "8a's signed push into the log of N=$max" \
		--ref-cmd "the same push into the log of N=$min: O(pushed), not O(log)"
fi

say "[8] $CENTRAL_HOSTS hosts x $CENTRAL_ROUNDS rounds of $CENTRAL_EACH signed records pushed at once"
cr=FAILED cg=FAILED fail=''
if has_cmd push; then
	cr=$(T central --annal "$A" --key "$K" --dir "$tmp/central" --hosts "$CENTRAL_HOSTS" \
		--rounds "$CENTRAL_ROUNDS" --each "$CENTRAL_EACH" --records "$tmp/central.ndjson" \
		--runs "$BENCH_RUNS") || cr=FAILED
	cg=$(T central --annal "$A" --key "$K" --dir "$tmp/central" --hosts "$CENTRAL_HOSTS" \
		--rounds "$CENTRAL_ROUNDS" --each "$CENTRAL_EACH" --records "$tmp/central.ndjson" \
		--runs "$BENCH_RUNS" --stock) || cg=FAILED
fi
row --id 8c --name "$CENTRAL_HOSTS hosts pushing at once (accepted centrally)" --unit rec/s \
	--value "$cr" --ref "$cg" \
	--cmd "$CENTRAL_HOSTS concurrent loops of $CENTRAL_ROUNDS x (append $CENTRAL_EACH signed records, annal push file://) to a repository of annal init --central; every record must land and verify --all pass" \
	--ref-cmd "the same loops with git push of the same refspec to a plain git init --bare (no check on receipt)" \
	--note "no target: what checking on receipt costs a central"

# the same check against verify's cost per record of a whole log, where
# start-up is spread over N records: shown, no target
for n in $BENCH_SIZES; do
	eval "p=\$pre_signed_$n v=\$verw_$n k=\$push_$n"
	row --id 8d --name "pre-receive signed, $k pushed, vs verify N=$n" --unit rec/s \
		--value "$p" --value-per "$k" --ref "$v" --ref-per "$n" \
		--cmd "8a's signed push" \
		--ref-cmd "4a: annal verify of the signed log of N=$n, per record" \
		--note "no target: start-up is 1 process for $k records against 1 for $n"
done

# --- 9b the Merkle tree (issue 17), see 9a in the queries ---------------
# 9b: a batch append with the tree cache kept current (the log has a
# cache that ends at its head: the batch extends it as it appends)
# against the same batch onto the same log without a cache.
say "[9] tree: batch append with and without the tree cache"
k9=$max
[ "$k9" -le 100000 ] || k9=100000
b9=$tmp/tree-base.git t9=$tmp/tree.git r9=$tmp/tree-recs.ndjson
head -n "$k9" "$tmp/all.ndjson" >"$r9"
tw=FAILED to=FAILED
if "$A" init "$b9" >/dev/null && "$A" -C "$b9" append --stdin <"$r9" >/dev/null &&
	"$A" -C "$b9" prove inclusion 1 >/dev/null; then
	tw=$(m --runs "$BENCH_RUNS" --setup "rm -rf '$t9' && cp -r '$b9' '$t9'" \
		--stdin "$r9" -- "$A" -C "$t9" append --stdin)
	to=$(m --runs "$BENCH_RUNS" \
		--setup "rm -rf '$t9' && cp -r '$b9' '$t9' && rm '$t9/annal/tree/main'" \
		--stdin "$r9" -- "$A" -C "$t9" append --stdin)
fi
row --id 9b --name "batch append unsigned, tree kept current, $k9 onto N=$k9" --unit rec/s \
	--value "$tw" --value-per "$k9" --ref "$to" --ref-per "$k9" --target 'ratio>=0.90' \
	--cmd "annal append --stdin <$k9 records, onto a log whose tree cache ends at its head" \
	--ref-cmd "the same onto the same log without a tree cache (annal/tree/main removed)"
rm -rf "$b9" "$t9" "$r9"

# 18g (issue 18): log --follow latency, an append's exit (id printed) to
# the follower's line; information only, no target
say "[10] follow: from an append to the record printed"
f10=$tmp/follow.git
lf=FAILED
if "$A" init "$f10" >/dev/null && "$PY" "$here/follow.py" "$A" "$f10" 30 >"$tmp/follow.txt"; then
	lf=$(T stats $(cat "$tmp/follow.txt")) || lf=FAILED
fi
row --id 18g --name "log --follow latency, append exit to record printed" --unit s \
	--value "$lf" --cmd "annal log --follow --format oneline beside 30 single appends"
rm -rf "$f10" "$tmp/follow.txt"

# --- the report ---------------------------------------------------------
end=$(date +%s)
# "median,lo,hi" as "median (lo-hi)"
spread() { echo "$1" | awk -F, '{ printf "%s (%s-%s)", $1, $2, $3 }'; }
mkdir -p "$BENCH_RESULTS"
day=$(date -u +%Y-%m-%d)
out=$BENCH_RESULTS/$day.txt
i=2
while [ -e "$out" ]; do out=$BENCH_RESULTS/$day.$i.txt; i=$((i + 1)); done
{
	echo "annal benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $((end - start)) s"
	echo "annal:   $("$A" --version) ($from)"
	[ -z "$A2" ] || echo "$ALT: $("$A2" --version) ($BENCH_ALT)"
	echo "source:  $source"
	echo "git:     $(git --version | sed 's/^git version //'), $(uname -sr)"
	echo "machine: $CORES cores, ${CPU:-unknown CPU}, ${MEM:-? memory}, $FS ($FSTYPE) for $tmp"
	echo "limits:  per core, Ed25519 sign $(spread "$SIGN")/s and verify $(spread "$VERIFY")/s, SHA-256 $(spread "$SHA") MB/s; durable file create $(spread "$DURABLE") ms"
	echo "load:    $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at the end (1, 5, 15 min averages)"
	echo "runs:    BENCH_SIZES=\"$BENCH_SIZES\" BENCH_RUNS=$BENCH_RUNS BENCH_QUERY_RUNS=$q BENCH_SINGLE=$BENCH_SINGLE BENCH_STREAM=$BENCH_STREAM BENCH_WRITERS=$WRITERS BENCH_EACH=$EACH BENCH_HOSTS=$CENTRAL_HOSTS BENCH_ROUNDS=$CENTRAL_ROUNDS BENCH_PUSH_EACH=$CENTRAL_EACH${A2:+ BENCH_ALT=$BENCH_ALT}"
	echo
	T report "$tsv"
	if [ -s "$BENCH_ERRLOG" ]; then
		echo
		echo "Errors (each FAILED figure is a command that did not exit 0):"
		sed 's/^/  /' "$BENCH_ERRLOG"
	fi
} >"$out"
cat "$out"
say "wrote $out"
if ! T verdict "$tsv"; then
	if [ "${BENCH_NOFAIL:-}" = 1 ]; then
		say "targets missed (BENCH_NOFAIL=1: exit 0)"
	else
		say "targets missed: see the verdict above"
		exit 1
	fi
fi
