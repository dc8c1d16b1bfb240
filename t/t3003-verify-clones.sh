#!/bin/sh

test_description='annal verify --all in clones: no logs is a failure, fetching refs/audit/* fixes it'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

test_expect_success 'setup: a repository with two logs' '
	annal init origin.git >/dev/null &&
	test_tick &&
	annal -C origin.git append --actor a --action one >/dev/null &&
	annal -C origin.git append --log team/web --actor a --action two >/dev/null
'

test_expect_success 'verify --all in an empty repository fails with exit 1' '
	annal init empty.git >/dev/null &&
	test_expect_code 1 annal -C empty.git verify --all >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: no logs found in ${SQ}$TRASH_DIRECTORY/empty.git/${SQ}" err &&
	grep "+refs/audit/\*:refs/audit/\*" err &&
	grep -e "--allow-empty" err
'

test_expect_success PYTHON3 'verify --all --format json without logs: noLogs, exit 1' '
	test_expect_code 1 annal -C empty.git verify --all --format json >out 2>err &&
	test_must_be_empty err &&
	python3 -c "
import json, sys
o = json.load(open(\"out\"))
assert o[\"ok\"] is False and o[\"logs\"] == [], o
assert o[\"error\"][\"check\"] == \"noLogs\", o
assert \"refs/audit/*\" in o[\"error\"][\"message\"], o
"
'

test_expect_success '--allow-empty accepts a repository without logs' '
	annal -C empty.git verify --all --allow-empty >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	annal -C empty.git verify --all --allow-empty --format json >out &&
	echo "{\"ok\":true,\"logs\":[]}" >expect &&
	test_cmp expect out
'

test_expect_success '--allow-empty without --all is a usage error' '
	test_expect_code 2 annal -C origin.git verify --allow-empty >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: option ${SQ}--allow-empty${SQ} needs ${SQ}--all${SQ}" err
'

test_expect_success GIT 'a bare clone has no logs: verify --all fails and names the refspec' '
	git clone -q --bare "file://$TRASH_DIRECTORY/origin.git" bare.git 2>/dev/null &&
	test_expect_code 1 annal -C bare.git verify --all >out 2>err &&
	test_must_be_empty out &&
	grep "^annal: error: no logs found in .*bare.git/.*git fetch <remote> ${SQ}+refs/audit/\*:refs/audit/\*${SQ}" err
'

test_expect_success GIT 'fetching the refspec from the error makes it pass' '
	git -C bare.git fetch -q origin "+refs/audit/*:refs/audit/*" &&
	annal -C bare.git verify --all >out &&
	git -C origin.git rev-parse refs/audit/main refs/audit/team/web >heads &&
	{
		echo "log main: 1 record verified, head $(sed -n 1p heads)" &&
		echo "log team/web: 1 record verified, head $(sed -n 2p heads)"
	} >expect &&
	test_cmp expect out
'

test_expect_success GIT 'a mirror clone has the logs and stays up to date' '
	git clone -q --mirror "file://$TRASH_DIRECTORY/origin.git" mirror.git &&
	annal -C mirror.git verify --all >out &&
	test_line_count = 2 out &&
	annal -C origin.git append --actor a --action three >id &&
	git -C mirror.git remote update >/dev/null 2>&1 &&
	annal -C mirror.git verify --all >out &&
	grep "^log main: 2 records verified, head $(cat id)$" out
'

test_done
