#!/bin/sh

test_description='contrib/systemd and contrib/cron: the units parse, the cron line runs

The systemd service and timer that run annal push every minute are
checked by systemd-analyze verify when it is installed (else their
sections and keys by a Python check); the command of the cron.d line is
run as cron would run it, with its environment, against a central
repository: records land, a run while another holds the lock does
nothing, and an unreachable central gives one line to syslog (here a
stand-in logger) and the next run ships everything.'

. "$(dirname "$0")/test-lib.sh"

contrib="$ANNAL_SOURCE_DIR/contrib"

test_lazy_prereq SYSTEMD_ANALYZE '
	systemd-analyze --version >/dev/null 2>&1
'

test_lazy_prereq CRON_TOOLS '
	command -v flock && command -v timeout
'

test_expect_success 'the unit files exist' '
	test_path_is_file "$contrib/systemd/annal-push.service" &&
	test_path_is_file "$contrib/systemd/annal-push.timer" &&
	test_path_is_file "$contrib/cron/annal-push"
'

test_expect_success SYSTEMD_ANALYZE 'systemd-analyze verify: no error, no warning' '
	mkdir units &&
	# the service names annal, which need not be installed here
	# (quoted, for a build path with a space in it)
	sed "s|^ExecStart=annal |ExecStart=\"$ANNAL_BUILD_DIR/annal\" |" \
		"$contrib/systemd/annal-push.service" >units/annal-push.service &&
	cp "$contrib/systemd/annal-push.timer" units/ &&
	systemd-analyze verify --man=no units/annal-push.service units/annal-push.timer \
		>out 2>err &&
	test_must_be_empty err
'

test_expect_success PYTHON3 'the units: their sections and keys (without systemd too)' '
	python3 - "$contrib/systemd" <<-\EOF
	import sys
	known = {
	    "Unit": {"Description", "Documentation", "Wants", "After"},
	    "Service": {"Type", "User", "Group", "Environment", "ExecStart",
	                "TimeoutStartSec", "Nice", "NoNewPrivileges", "PrivateTmp",
	                "ProtectSystem", "ProtectHome"},
	    "Timer": {"OnCalendar", "RandomizedDelaySec", "AccuracySec", "Persistent"},
	    "Install": {"WantedBy"},
	}
	def parse(path):
	    sections, name = {}, None
	    for n, line in enumerate(open(path), 1):
	        line = line.strip()
	        if not line or line[0] in "#;":
	            continue
	        if line.startswith("["):
	            assert line.endswith("]") and line[1:-1] in known, (path, n)
	            name = line[1:-1]
	            sections[name] = {}
	            continue
	        key, eq, value = line.partition("=")
	        assert name and eq and key in known[name], (path, n, line)
	        sections[name][key] = value
	    return sections
	svc = parse(sys.argv[1] + "/annal-push.service")
	assert svc["Service"]["Type"] == "oneshot", svc
	assert svc["Service"]["ExecStart"].split()[1:] == ["push", "-q"], svc
	timer = parse(sys.argv[1] + "/annal-push.timer")
	assert timer["Timer"]["OnCalendar"] == "minutely", timer
	assert timer["Install"]["WantedBy"] == "timers.target", timer
	EOF
'

# make install puts annal in $(bindir), /usr/local/bin by default: a
# service naming /usr/bin/annal would fail there (status 203/EXEC).
test_expect_success 'the service runs the annal make install installs' '
	prefix=$(sed -n "s/^prefix = //p" "$ANNAL_BUILD_DIR/Makefile") &&
	test -n "$prefix" &&
	sed -n "s/^ExecStart=\([^ ]*\) .*/\1/p" "$contrib/systemd/annal-push.service" >program &&
	case "$(cat program)" in
	annal | "$prefix/bin/annal")
		;;
	*)
		echo "ExecStart runs $(cat program), not annal from PATH or $prefix/bin" &&
		false
	esac
'

# The cron.d line: its environment lines, and the command after the five
# time fields and the user.
test_expect_success PYTHON3 'the cron line: every minute, as user annal' '
	python3 - "$contrib/cron/annal-push" >cron.env <<-\EOF &&
	import shlex, sys
	jobs = []
	for line in open(sys.argv[1]):
	    line = line.strip()
	    if not line or line.startswith("#"):
	        continue
	    name, eq, value = line.partition("=")
	    if eq and name.isidentifier():
	        print("CRON_%s=%s" % (name, shlex.quote(value)))
	        continue
	    jobs.append(line.split(None, 6))
	assert len(jobs) == 1, jobs
	assert jobs[0][:5] == ["*"] * 5, jobs
	assert jobs[0][5] == "annal", jobs
	print("CRON_COMMAND=%s" % shlex.quote(jobs[0][6]))
	EOF
	. ./cron.env &&
	test -n "$CRON_COMMAND" &&
	test "$CRON_SHELL" = /bin/sh
'

# run_cron [PREFIX...]: the command as cron runs it (after PREFIX), with
# the file'\''s environment but ANNAL_REPO the host here, PATH with the
# built annal and a logger that writes to syslog.out (and the harness's
# sanitizer options, which cron would not pass).
run_cron () {
	"$@" env -i HOME="$HOME" ANNAL_REPO="$PWD/host.git" \
		ASAN_OPTIONS="${ASAN_OPTIONS-}" LSAN_OPTIONS="${LSAN_OPTIONS-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS-}" \
		PATH="$PWD/bin:$ANNAL_BUILD_DIR:$CRON_PATH" \
		/bin/sh -c "$CRON_COMMAND"
}

test_expect_success PYTHON3,CRON_TOOLS 'the cron command ships the records' '
	. ./cron.env &&
	mkdir bin &&
	printf "#!/bin/sh\ncat >>\"%s/syslog.out\"\n" "$PWD" >bin/logger &&
	chmod +x bin/logger &&
	annal_repo_init host.git &&
	annal_repo_init central.git &&
	git -C host.git config annal.host web1 &&
	git -C host.git config annal.pushRemote "$PWD/central.git" &&
	annal -C host.git append --actor a --action x >/dev/null &&
	>syslog.out &&
	run_cron &&
	test_must_be_empty syslog.out &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C host.git rev-parse refs/audit/main)"
'

test_expect_success PYTHON3,CRON_TOOLS 'a run while the last one holds the lock does nothing' '
	. ./cron.env &&
	annal -C host.git append --actor a --action y >/dev/null &&
	run_cron flock host.git/annal-push.lock &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C host.git rev-parse refs/audit/main~1)" &&
	run_cron &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C host.git rev-parse refs/audit/main)"
'

test_expect_success PYTHON3,CRON_TOOLS 'central down: one line to syslog; back: all records' '
	. ./cron.env &&
	mv central.git central.away &&
	annal -C host.git append --actor a --action z >/dev/null &&
	annal -C host.git append --actor a --action z >/dev/null &&
	run_cron &&
	test_line_count = 1 syslog.out &&
	grep "^annal: error: cannot push to " syslog.out &&
	mv central.away central.git &&
	>syslog.out &&
	run_cron &&
	test_must_be_empty syslog.out &&
	test "$(git -C central.git rev-parse refs/audit/hosts/web1/main)" = \
		"$(git -C host.git rev-parse refs/audit/main)"
'

test_done
