#!/bin/sh

test_description='contrib/ci: annal-ci.sh and the pipelines that call it

annal-ci.sh runs in a checkout whose remote (a local bare repository)
holds the logs: it fetches refs/audit/* and refs/annal/checkpoints/*,
verifies every log against the heads kept from the last run, writes a
JUnit report, prints the new heads, and fails with one line saying why.
The GitHub Actions and GitLab CI files are parsed with python3 yaml and
their steps run as the CI would, against the same remote.'

. "$(dirname "$0")/test-lib.sh"

CI_DIR="$TEST_DIRECTORY/../contrib/ci"
test -d "$CI_DIR" || CI_DIR="$ANNAL_SOURCE_DIR/contrib/ci"
ANNAL_CI_SCRIPT="$CI_DIR/annal-ci.sh"
export ANNAL_CI_SCRIPT

test_lazy_prereq XMLLINT 'xmllint --version'
test_lazy_prereq YAML 'python3 -c "import yaml"'

# ci [VAR=value...]: annal-ci.sh in the checkout co, stdout in out,
# stderr in err, its exit status returned
ci () {
	(
		cd co &&
		env "$@" sh "$ANNAL_CI_SCRIPT" >../out 2>../err
	)
}

valid () {
	xmllint --noout --schema "$TEST_DIRECTORY/junit.xsd" "$1"
}

test_expect_success GIT 'setup: a signed log in a remote, a checkout of it' '
	annal keygen -f k -C k >/dev/null &&
	annal init work.git >/dev/null &&
	for a in login deploy logout
	do
		test_tick &&
		annal -C work.git append --sign-key k --actor alice --action $a >/dev/null || return 1
	done &&
	annal -C work.git checkpoint --sign-key k --origin example.com/audit >cp4 &&
	git init -q --bare remote.git &&
	git --git-dir=work.git push -q "$(pwd)/remote.git" "refs/audit/*:refs/audit/*" \
		"refs/annal/*:refs/annal/*" &&
	git init -q co &&
	git -C co remote add origin "$(pwd)/remote.git" &&
	git --git-dir=remote.git rev-parse refs/audit/main >head4
'

test_expect_success XMLLINT,GIT 'a good remote: exit 0, the heads to keep, a valid report' '
	ci &&
	echo "main $(cat head4)" >expect &&
	tail -n 1 out >actual &&
	test_cmp expect actual &&
	grep "^annal-ci: every log verified; keep these heads" out &&
	test_must_be_empty err &&
	valid co/annal-junit.xml &&
	grep "<testsuite name=\"main\" tests=\"9\" failures=\"0\"" co/annal-junit.xml &&
	tail -n 1 out >anchor
'

test_expect_success XMLLINT,GIT 'the remote grew: passes against the anchor; ANNAL_ANCHOR_FILE takes the new heads' '
	test_tick &&
	annal -C work.git append --sign-key k --actor bob --action read >/dev/null &&
	git --git-dir=work.git push -q "$(pwd)/remote.git" "refs/audit/*:refs/audit/*" &&
	ci ANNAL_ANCHOR="$(cat anchor)" ANNAL_JUNIT=report.xml &&
	valid co/report.xml &&
	grep "<property name=\"anchor\" value=\"$(cat head4)\"/>" co/report.xml &&
	cp anchor anchor-file &&
	ci ANNAL_ANCHOR_FILE="$(pwd)/anchor-file" &&
	echo "main $(git --git-dir=remote.git rev-parse refs/audit/main)" >expect &&
	test_cmp expect anchor-file
'

test_expect_success XMLLINT,GIT 'a rewound remote: anchorNotFound, exit 1, the anchor file kept' '
	cp anchor-file anchor-before &&
	git --git-dir=remote.git update-ref refs/audit/main refs/audit/main~1 &&
	test_expect_code 1 ci ANNAL_ANCHOR_FILE="$(pwd)/anchor-file" &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: log main: anchorNotFound: " last &&
	test_cmp anchor-before anchor-file &&
	valid co/annal-junit.xml &&
	grep "<failure type=\"anchorNotFound\"" co/annal-junit.xml &&
	git --git-dir=remote.git update-ref refs/audit/main "$(cut -d" " -f2 anchor-file)"
'

test_expect_success XMLLINT,GIT 'a log deleted from the remote: deletedRef, exit 1' '
	annal -C work.git append --log ops --actor carol --action read >/dev/null &&
	git --git-dir=work.git push -q "$(pwd)/remote.git" "refs/audit/*:refs/audit/*" &&
	ci ANNAL_ANCHOR_FILE="$(pwd)/anchor-file" &&
	grep "^ops " anchor-file &&
	cp anchor-file anchor-before &&
	git --git-dir=remote.git update-ref -d refs/audit/ops &&
	test_expect_code 1 ci ANNAL_ANCHOR_FILE="$(pwd)/anchor-file" &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: log ops: deletedRef: .refs/audit/ops. is gone, but the anchor names a record of it" last &&
	test_cmp anchor-before anchor-file &&
	valid co/annal-junit.xml &&
	grep "<failure type=\"deletedRef\"" co/annal-junit.xml &&
	grep "<testsuite name=\"main\" tests=\"9\" failures=\"0\"" co/annal-junit.xml &&
	grep -v "^ops " anchor-before >anchor-file
'

test_expect_success XMLLINT,GIT 'a checkpoint kept as a CI variable: its text, or a file' '
	ci ANNAL_CHECKPOINT="$(cat cp4)" &&
	valid co/annal-junit.xml &&
	test "$(grep -c "<testsuite " co/annal-junit.xml)" = 2 &&
	ci ANNAL_CHECKPOINT="$(pwd)/cp4" &&
	grep "<property name=\"checkpoints\" value=\"2\"/>" co/annal-junit.xml
'

test_expect_success XMLLINT,GIT 'a tampered remote (the head edited, its signature kept): exit 1, the reason last' '
	rm -rf saved.git && cp -R remote.git saved.git &&
	git --git-dir=remote.git cat-file commit refs/audit/main >commit &&
	sed "s/\"actor\":\"bob\"/\"actor\":\"eve\"/" commit >forged &&
	! test_cmp commit forged >/dev/null &&
	forged=$(git --git-dir=remote.git hash-object -t commit -w --literally forged) &&
	git --git-dir=remote.git update-ref refs/audit/main "$forged" &&
	test_expect_code 1 ci &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: log main: record 5 ($forged): " last &&
	valid co/annal-junit.xml &&
	grep "<failure type=" co/annal-junit.xml &&
	rm -rf remote.git && mv saved.git remote.git
'

test_expect_success XMLLINT,GIT 'no refs/audit/* at all: a clear error, exit 1' '
	git init -q --bare empty.git &&
	test_expect_code 1 ci ANNAL_REMOTE_URL="$(pwd)/empty.git" &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: .*empty.git. has no refs/audit/\*: no audit log to verify" last &&
	valid co/annal-junit.xml &&
	grep "<failure type=\"noLogs\"" co/annal-junit.xml
'

test_expect_success GIT 'an unreachable remote: exit 3; both anchors: exit 2' '
	test_expect_code 3 ci ANNAL_REMOTE_URL="$(pwd)/nosuch.git" &&
	grep "^annal-ci: error: cannot fetch refs/audit/\* from " err &&
	test_expect_code 2 ci ANNAL_ANCHOR="$(cat anchor)" ANNAL_ANCHOR_FILE=anchor-file &&
	grep "^annal-ci: error: both ANNAL_ANCHOR and ANNAL_ANCHOR_FILE are set" err
'

test_expect_success XMLLINT,GIT 'an unreachable remote leaves no report of an earlier run' '
	ci &&
	valid co/annal-junit.xml &&
	test_expect_code 3 ci ANNAL_REMOTE_URL="$(pwd)/nosuch.git" &&
	test_path_is_missing co/annal-junit.xml &&
	ci &&
	test_expect_code 3 ci ANNAL=no-such-annal &&
	grep "^annal-ci: error: .no-such-annal. is not installed" err &&
	test_path_is_missing co/annal-junit.xml
'

test_expect_success XMLLINT,GIT 'ANNAL_ANCHOR as CI variables hold it: CRs, tabs, blanks around' '
	id=$(git --git-dir=remote.git rev-parse refs/audit/main) &&
	ci ANNAL_ANCHOR="$(printf "\r\n main \t %s \r\n\r\n\r\n" "$id")" &&
	echo "main $id" >expect &&
	tail -n 1 out >actual &&
	test_cmp expect actual
'

test_expect_success XMLLINT,GIT 'a malformed ANNAL_ANCHOR: exit 2, a valid report, the variable named' '
	id=$(git --git-dir=remote.git rev-parse refs/audit/main) &&
	test_expect_code 2 ci ANNAL_ANCHOR="$(printf "\nmain %s extra\n" "$id")" &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: ANNAL_ANCHOR line 1 (blank lines not counted): not .<log> <record id>." last &&
	valid co/annal-junit.xml &&
	grep "<error type=\"error\"" co/annal-junit.xml
'

test_expect_success XMLLINT,GIT 'under sh -e (dash and bash): the report and the reason all the same' '
	for shell in dash bash
	do
		command -v $shell >/dev/null || continue
		(cd co && $shell -eu "$ANNAL_CI_SCRIPT" >../out 2>../err) &&
		valid co/annal-junit.xml &&
		tail -n 1 out >anchor-e &&
		git --git-dir=remote.git update-ref refs/audit/main refs/audit/main~1 &&
		test_expect_code 1 env ANNAL_ANCHOR="$(cat anchor-e)" \
			sh -c "cd co && $shell -eu \"\$ANNAL_CI_SCRIPT\" >../out 2>../err" &&
		git --git-dir=remote.git update-ref refs/audit/main "$(cut -d" " -f2 anchor-e)" &&
		grep "^annal-ci: error: log main: anchorNotFound: " err &&
		valid co/annal-junit.xml &&
		grep "<failure type=\"anchorNotFound\"" co/annal-junit.xml || return 1
	done
'

test_expect_success GIT 'a usage error of annal verify: its exit 2 and reason, no report' '
	test_expect_code 2 ci ANNAL_KEY=k.pub ANNAL_ALLOWED_SIGNERS=signers &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: annal verify wrote no report (exit 2): options .--allowed-signers. and .--key. cannot be used together" last &&
	test_path_is_missing co/annal-junit.xml
'

test_expect_success XMLLINT,GIT 'the first run: the directories of ANNAL_ANCHOR_FILE and ANNAL_JUNIT made' '
	rm -rf co/.annal co/reports &&
	ci ANNAL_ANCHOR_FILE=.annal/anchors ANNAL_JUNIT=reports/annal.xml &&
	valid co/reports/annal.xml &&
	echo "main $(git --git-dir=remote.git rev-parse refs/audit/main)" >expect &&
	test_cmp expect co/.annal/anchors
'

test_expect_success YAML 'the pipelines: valid YAML, the JUnit report published' '
	cat >pipelines.py <<-\EOF &&
	import os, subprocess, sys, yaml

	def github(path):
	    doc = yaml.safe_load(open(path))
	    on = doc.get("on", doc.get(True))
	    assert "push" in on and "schedule" in on, on
	    job = doc["jobs"]["verify"]
	    junit = job["env"]["ANNAL_JUNIT"]
	    pub = [s for s in job["steps"] if "junit" in s.get("uses", "")]
	    assert pub and pub[0]["with"]["report_paths"] == junit, pub
	    assert pub[0]["if"] == "always()"
	    env = {}
	    for k, v in job["env"].items():
	        # ${{ vars.X }}: the repository variable, here the environment
	        env[k] = os.environ.get(k, "") if "${{" in str(v) else str(v)
	    return [s["run"] for s in job["steps"] if "run" in s], env

	def gitlab(path):
	    doc = yaml.safe_load(open(path))
	    job = doc["annal-verify"]
	    junit = job["variables"]["ANNAL_JUNIT"]
	    assert job["artifacts"]["reports"]["junit"] == junit, job["artifacts"]
	    assert job["artifacts"]["when"] == "always"
	    return job["before_script"] + job["script"], dict(job["variables"])

	kind, path = sys.argv[1], sys.argv[2]
	steps, env = (github if kind == "github" else gitlab)(path)
	if sys.argv[3:] == ["--check"]:
	    sys.exit(0)
	env = dict(os.environ, **env)
	for cmd in steps:
	    # as the runners do: each step a shell that stops at the first error
	    rc = subprocess.run(["sh", "-e", "-c", cmd], env=env).returncode
	    if rc:
	        sys.exit(rc)
	EOF
	python3 pipelines.py github "$CI_DIR/github-actions.yml" --check &&
	python3 pipelines.py gitlab "$CI_DIR/gitlab-ci.yml" --check
'

# pipeline KIND FILE [VAR=value...]: its steps in the checkout co
pipeline () {
	pl_kind_=$1 pl_file_=$2 &&
	shift 2 &&
	(
		cd co &&
		rm -f annal-junit.xml &&
		env "$@" python3 ../pipelines.py "$pl_kind_" "$pl_file_" >../out 2>../err
	)
}

test_expect_success YAML,XMLLINT,GIT 'the steps of both pipelines pass on a good remote' '
	pipeline github "$CI_DIR/github-actions.yml" ANNAL_ANCHOR="$(cat anchor)" \
		GITHUB_ACTIONS=true GITHUB_OUTPUT="$(pwd)/gh-output" &&
	valid co/annal-junit.xml &&
	grep "^anchor<<" gh-output &&
	grep "^main $(git --git-dir=remote.git rev-parse refs/audit/main)\$" gh-output &&
	pipeline gitlab "$CI_DIR/gitlab-ci.yml" ANNAL_ANCHOR="$(cat anchor)" &&
	valid co/annal-junit.xml &&
	grep "^annal-ci: every log verified" out
'

test_expect_success YAML,XMLLINT,GIT 'the steps of both pipelines fail with the reason on a rewound remote' '
	git --git-dir=remote.git update-ref refs/audit/main refs/audit/main~2 &&
	test_expect_code 1 pipeline github "$CI_DIR/github-actions.yml" \
		ANNAL_ANCHOR="$(cat anchor)" GITHUB_ACTIONS=true &&
	grep "^::error title=annal-ci::log main: anchorNotFound: " out &&
	valid co/annal-junit.xml &&
	test_expect_code 1 pipeline gitlab "$CI_DIR/gitlab-ci.yml" ANNAL_ANCHOR="$(cat anchor)" &&
	tail -n 1 err >last &&
	grep "^annal-ci: error: log main: anchorNotFound: " last &&
	valid co/annal-junit.xml
'

test_done
