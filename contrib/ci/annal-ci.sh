#!/bin/sh
# annal-ci.sh: verify the audit logs of a repository's remote in a CI job.
#
# Fetches refs/audit/* and refs/annal/checkpoints/* from the remote into a
# bare repository of its own (a CI checkout is often shallow, which
# annal verify refuses), verifies every log with annal verify --all
# against the heads kept from the last run, writes a JUnit report, and
# prints the new heads to keep.  POSIX sh; needs git and annal.
#
# Environment (all optional):
#   ANNAL_REMOTE        the remote of the current checkout to fetch from
#                       (default: origin; its URL and credentials are the
#                       checkout's)
#   ANNAL_REMOTE_URL    fetch from this URL or path instead
#   ANNAL_ANCHOR        the heads kept from the last run, as this script
#                       prints them: lines "<log> <id>" (a CI variable);
#                       a log that no longer holds its head fails
#                       (anchorNotFound: rewound or rewritten), and so
#                       does one the remote no longer has (deletedRef)
#   ANNAL_ANCHOR_FILE   the same in a file (a CI cache); replaced by the
#                       new heads after a run where every log verified
#   ANNAL_CHECKPOINT    a signed checkpoint (annal checkpoint) kept from
#                       the last run: a file, or its text; the log
#                       ANNAL_CHECKPOINT_LOG (default main) must hold it
#   ANNAL_CHECKPOINT_KEY  a verifier key for it (annal verify --checkpoint-key)
#   ANNAL_ALLOWED_SIGNERS, ANNAL_KEY  pin the logs (annal verify
#                       --allowed-signers, --key; annal key list --pin)
#   ANNAL_JUNIT         where the JUnit report goes (default: annal-junit.xml)
#   ANNAL_CI_DIR        the bare repository the logs are fetched into, kept
#                       between runs (default: a temporary one); one run
#                       at a time: runs in parallel need one each
#   ANNAL               the annal program (default: annal)
#
# Exit status: 0 every log verified; 1 a check failed, or there is no
# log; 2 bad input (an anchor or checkpoint that is malformed); 3 the
# remote or the repository could not be read.  On failure the last
# line says why.
# Safe under sh -e too (a failure the script expects never ends it).
set -u

annal=${ANNAL:-annal}
junit=${ANNAL_JUNIT:-annal-junit.xml}
remote=${ANNAL_REMOTE:-origin}
log=${ANNAL_CHECKPOINT_LOG:-main}

fail () {
	status=$1
	shift
	echo "annal-ci: error: $*" >&2
	# GitHub Actions shows this line on the run's summary
	if test "${GITHUB_ACTIONS:-}" = true
	then
		printf '::error title=annal-ci::%s\n' "$(printf '%s' "$*" | sed 's/%/%25/g')"
	fi
	exit "$status"
}

# no report from an earlier run may pass for this one's
rm -f "$junit" || fail 3 "cannot remove the old JUnit report '$junit'"

command -v git >/dev/null 2>&1 || fail 3 "git is not installed; install it (apt-get install git)"
command -v "$annal" >/dev/null 2>&1 ||
	fail 3 "'$annal' is not installed; install annal, or set ANNAL to its path"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/annal-ci.XXXXXX") || fail 3 "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 3' HUP INT TERM

repo=${ANNAL_CI_DIR:-$tmp/audit.git}
if ! test -d "$repo"
then
	git init -q --bare "$repo" || fail 3 "cannot make the repository '$repo'"
fi

# the checkout's remote, with its URL and credentials (http.extraheader)
if test -n "${ANNAL_REMOTE_URL:-}"
then
	src=$ANNAL_REMOTE_URL
	# a path, as git -C would not find it
	test -d "$src" && src=$(cd "$src" && pwd)
	where=$ANNAL_REMOTE_URL
	config=
else
	top=$(git rev-parse --absolute-git-dir 2>/dev/null) ||
		fail 3 "not in a git checkout; run in one, or set ANNAL_REMOTE_URL"
	where=$(git config --get "remote.$remote.url") ||
		fail 3 "the checkout has no remote '$remote'; set ANNAL_REMOTE or ANNAL_REMOTE_URL"
	src=$remote
	config=$top/config
fi
if test -n "$config"
then
	git -C "$repo" -c "include.path=$config" fetch -q --prune --no-tags "$src" \
		'+refs/audit/*:refs/audit/*' '+refs/annal/checkpoints/*:refs/annal/checkpoints/*'
else
	git -C "$repo" fetch -q --prune --no-tags "$src" \
		'+refs/audit/*:refs/audit/*' '+refs/annal/checkpoints/*:refs/annal/checkpoints/*'
fi 2>"$tmp/fetch.err" || {
	sed 's/^/annal-ci: git: /' "$tmp/fetch.err" >&2
	fail 3 "cannot fetch refs/audit/* from '$where'"
}

# the heads kept from the last run: lines "<log> <id>", as annal verify
# --anchor-file reads and writes them
anchors=$tmp/anchors
if test -n "${ANNAL_ANCHOR:-}" && test -n "${ANNAL_ANCHOR_FILE:-}"
then
	fail 2 "both ANNAL_ANCHOR and ANNAL_ANCHOR_FILE are set; keep the heads in one of them"
fi
if test -n "${ANNAL_ANCHOR_FILE:-}" && test -e "$ANNAL_ANCHOR_FILE"
then
	cat "$ANNAL_ANCHOR_FILE" >"$anchors.in" ||
		fail 3 "cannot read ANNAL_ANCHOR_FILE '$ANNAL_ANCHOR_FILE'"
	anchors_from="ANNAL_ANCHOR_FILE '$ANNAL_ANCHOR_FILE'"
else
	printf '%s\n' "${ANNAL_ANCHOR:-}" >"$anchors.in"
	anchors_from=ANNAL_ANCHOR
fi
# a CI variable may end in a blank line, come with CRs, or have its
# blanks turned into tabs or doubled: "<log> <id>" a line again
tr -d '\r' <"$anchors.in" |
	sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/[[:space:]][[:space:]]*/ /g' |
	{ grep -v '^$' || test $? = 1; } >"$anchors" ||
	fail 3 "cannot write the anchors to '$anchors'"

# add_suites FILE: FILE's <testsuite>s after the report's, under a
# <testsuites> without totals (annal writes the declaration, then
# <testsuites ...>, the suites, and </testsuites> last, a line each)
add_suites () {
	{
		sed -n 1p "$tmp/report.xml"
		echo '<testsuites name="annal-ci">'
		sed '1,2d;$d' "$tmp/report.xml"
		cat "$1"
		echo '</testsuites>'
	} >"$tmp/merged.xml" && mv "$tmp/merged.xml" "$tmp/report.xml"
}

set --
test -z "${ANNAL_ALLOWED_SIGNERS:-}" || set -- "$@" --allowed-signers "$ANNAL_ALLOWED_SIGNERS"
test -z "${ANNAL_KEY:-}" || set -- "$@" --key "$ANNAL_KEY"

status=0
"$annal" -C "$repo" verify --all --anchor-file "$anchors" "$@" --format junit \
	>"$tmp/report.xml" 2>"$tmp/verify.err" || status=$?

# a checkpoint kept outside: the log must still hold what it signs
if test -n "${ANNAL_CHECKPOINT:-}"
then
	case $ANNAL_CHECKPOINT in
	*"
"*)
		# its text: without the newlines a CI variable may add or drop
		text=$(printf '%s' "$ANNAL_CHECKPOINT" | tr -d '\r')
		printf '%s\n' "$text" >"$tmp/checkpoint"
		checkpoint=$tmp/checkpoint
		;;
	*)
		checkpoint=$ANNAL_CHECKPOINT
		;;
	esac
	test -z "${ANNAL_CHECKPOINT_KEY:-}" ||
		set -- "$@" --checkpoint-key "$ANNAL_CHECKPOINT_KEY"
	cstatus=0
	"$annal" -C "$repo" verify --log "$log" --checkpoint "$checkpoint" "$@" \
		--format junit >"$tmp/checkpoint.xml" 2>>"$tmp/verify.err" || cstatus=$?
	test "$status" != 0 || status=$cstatus
	sed '1,2d;$d' "$tmp/checkpoint.xml" >"$tmp/checkpoint.suites"
	add_suites "$tmp/checkpoint.suites"
fi

# the report, whole or not at all
if ! test -s "$tmp/report.xml"
then
	test "$status" != 0 || status=3
	fail "$status" "annal verify wrote no report (exit $status): $(sed -n 's/^annal: error: //p' "$tmp/verify.err" | sed -n 1p)"
fi
# a directory of reports, a CI cache: made on the first run
{ mkdir -p "$(dirname "$junit")" && cp "$tmp/report.xml" "$junit.tmp" &&
	mv "$junit.tmp" "$junit"; } ||
	fail 3 "cannot write the JUnit report '$junit'"

if test "$status" != 0
then
	cat "$tmp/verify.err" >&2
	if test -z "$(git -C "$repo" for-each-ref refs/audit/)"
	then
		fail 1 "'$where' has no refs/audit/*: no audit log to verify; push the logs there (annal push), or point ANNAL_REMOTE_URL at the repository that holds them"
	fi
	reason=$(sed -n 's/^annal: error: //p' "$tmp/verify.err" | sed -n 1p)
	# the anchors were copied: name where they came from
	case $reason in
	"$anchors":*)
		rest=${reason#"$anchors:"}
		reason="$anchors_from line ${rest%%:*} (blank lines not counted): ${rest#*: }"
		;;
	esac
	fail "$status" "${reason:-annal verify exited $status}"
fi

if test -n "${ANNAL_ANCHOR_FILE:-}"
then
	{ mkdir -p "$(dirname "$ANNAL_ANCHOR_FILE")" && cp "$anchors" "$ANNAL_ANCHOR_FILE.tmp" &&
		mv "$ANNAL_ANCHOR_FILE.tmp" "$ANNAL_ANCHOR_FILE"; } ||
		fail 3 "cannot write ANNAL_ANCHOR_FILE '$ANNAL_ANCHOR_FILE'"
fi
if test -n "${GITHUB_OUTPUT:-}"
then
	{
		echo "anchor<<ANNAL_CI_EOF"
		cat "$anchors"
		echo "ANNAL_CI_EOF"
	} >>"$GITHUB_OUTPUT"
fi
echo "annal-ci: every log verified; keep these heads as the next ANNAL_ANCHOR (or ANNAL_ANCHOR_FILE):"
cat "$anchors"
