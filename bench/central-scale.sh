#!/bin/sh
# bench/central-scale.sh ANNAL N [P] [RUNS]: the CPU time (perf stat
# task-clock, ms) of a central repository's pre-receive check of a push
# of the last P records (default 1000) of a signed log of N + P records,
# the central holding the first N, its hook state restored before each of
# RUNS runs (default 7); prints the median and every run.  Figure 8b of
# `make bench` at sizes its default run does not reach, in CPU time, so
# that other load on the machine matters less:
#
#     bench/central-scale.sh ./annal 10000
#     bench/central-scale.sh ./annal 1000000
#
# The 1,000,000-record log takes about a minute to build.
set -e
A=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
N=$2 P=${3:-1000} RUNS=${4:-7}
here=$(cd "$(dirname "$0")" && pwd)
command -v perf >/dev/null || { echo "central-scale: needs perf (linux-perf)" >&2; exit 2; }
d=$(mktemp -d "${TMPDIR:-/tmp}/central-scale.XXXXXX")
trap 'rm -rf "$d"' EXIT
cd "$d"
"$A" keygen -f key -C bench >/dev/null 2>&1
"$A" init host >/dev/null
python3 "$here/gen.py" ndjson --count $((N + P)) --seed 1 |
	"$A" -C host append --stdin --sign-key key >/dev/null
"$A" init --central c.git >/dev/null
git -C c.git fetch -q ../host refs/audit/main:refs/tmp/all
old=$(git -C host rev-parse "refs/audit/main~$P")
new=$(git -C host rev-parse refs/audit/main)
git -C c.git update-ref refs/audit/hosts/h/main "$old"
git -C c.git update-ref -d refs/tmp/all
echo "0000000000000000000000000000000000000000 $old refs/audit/hosts/h/main" |
	"$A" -C c.git verify --pre-receive >/dev/null
cp c.git/annal/verified/hosts/h/main state
echo "$old $new refs/audit/hosts/h/main" >line
runs=''
i=0
while [ $i -lt "$RUNS" ]; do
	cp state c.git/annal/verified/hosts/h/main
	t=$(perf stat -x, -e task-clock "$A" -C c.git verify --pre-receive <line 2>&1 >/dev/null |
		awk -F, '/task-clock/ { print $1 }')
	grep -q "^head $new" c.git/annal/verified/hosts/h/main ||
		{ echo "central-scale: the push was not accepted" >&2; exit 1; }
	runs="$runs $t"
	i=$((i + 1))
done
med=$(echo "$runs" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "N=$N P=$P signed: pre-receive CPU median $med ms; runs:$runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
