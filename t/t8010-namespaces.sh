#!/bin/sh

test_description='log names with host namespaces: hosts/<host>/<log>

A central repository holds each host'\''s logs under refs/audit/hosts/<host>/.
Such a name works wherever a log name does (append, log, logs, verify,
export, key); verify --all covers every namespace.  Log names are checked
like git'\''s check-ref-format, and stricter: every name annal takes, git
takes after refs/audit/.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

test_expect_success 'setup: logs in two hosts'\'' namespaces and one of our own' '
	annal_repo_init &&
	for log in hosts/web1/main hosts/web2/main hosts/web1/ops/db main
	do
		test_tick &&
		annal -C repo.git append --log $log --actor ci --action "to-$log" >/dev/null &&
		annal -C repo.git append --log $log --actor ci --action again >/dev/null ||
		return 1
	done
'

test_expect_success 'append and log: hosts/web1/main is a log like any other' '
	annal -C repo.git log --log hosts/web1/main --format jsonl >out &&
	test_line_count = 2 out &&
	head -n 1 out | json_get action >action &&
	echo "\"again\"" >expect &&
	test_cmp expect action &&
	git -C repo.git rev-list --count refs/audit/hosts/web1/main >n &&
	echo 2 >expect &&
	test_cmp expect n &&
	annal -C repo.git log --log hosts/web2/main --action "to-*" --format jsonl >out &&
	json_get action <out >action &&
	echo "\"to-hosts/web2/main\"" >expect &&
	test_cmp expect action
'

test_expect_success 'logs lists every namespace' '
	annal -C repo.git logs | sed -n "s/^log //p" >actual &&
	cat >expect <<-\EOF &&
	hosts/web1/main
	hosts/web1/ops/db
	hosts/web2/main
	main
	EOF
	test_cmp expect actual
'

test_expect_success 'verify --log and verify --all cover every namespace' '
	annal -C repo.git verify --log hosts/web1/ops/db >out &&
	grep "^log hosts/web1/ops/db: 2 records verified" out &&
	annal -C repo.git verify --all >out &&
	sed -n "s/^log \([^:]*\): 2 records verified.*/\1/p" out >actual &&
	annal -C repo.git logs | sed -n "s/^log //p" >expect &&
	test_cmp expect actual
'

test_expect_success 'verify --all fails on a broken log in a namespace' '
	git clone -q --mirror repo.git broken.git &&
	first=$(git -C broken.git rev-list --max-parents=0 refs/audit/hosts/web2/main) &&
	git -C broken.git update-ref refs/audit/hosts/web2/main "$first" &&
	git -C broken.git cat-file commit "$first" >c &&
	sed "s/\"to-hosts/\"TO-hosts/" c >forged &&
	forged=$(git -C broken.git hash-object -t commit -w --stdin <forged) &&
	git -C broken.git update-ref refs/audit/hosts/web2/main "$forged" &&
	test_expect_code 1 annal -C broken.git verify --all >out 2>&1 &&
	grep "log hosts/web2/main: record 1 .*recordHashMismatch" out &&
	! grep "^log hosts/web2/main: .* verified" out &&
	grep "^log hosts/web1/main: 2 records verified" out
'

test_expect_success 'export of a namespaced log' '
	annal -C repo.git export --log hosts/web1/main >out &&
	test_line_count = 2 out &&
	# a host pushes its namespace: the central records exports in main
	# (annal-export(1)), or the next push of the host would not fast-forward
	annal -C repo.git log --log hosts/web1/main --action annal.export --format jsonl >rec &&
	test_line_count = 0 rec &&
	annal -C repo.git log --log main --action annal.export --format jsonl >rec &&
	test_line_count = 1 rec
'

test_expect_success SSHKEYGEN 'key: a signed log in a namespace, rotated and listed' '
	ssh_key k1 &&
	ssh_key k2 &&
	annal -C repo.git append --log hosts/db1/main --sign-key k1 --actor a --action x >/dev/null &&
	annal -C repo.git key rotate --log hosts/db1/main --new-key k2.pub --sign-key k1 >/dev/null &&
	annal -C repo.git key list --log hosts/db1/main >list &&
	test_line_count = 2 list &&
	annal -C repo.git verify --log hosts/db1/main >out &&
	grep "^log hosts/db1/main: 2 records verified" out
'

test_expect_success 'a log cannot be a directory of another one' '
	test_expect_code 2 annal -C repo.git append --log hosts/web1 --actor a --action x 2>err &&
	test_expect_code 2 annal -C repo.git append --log hosts/web1/main/sub --actor a --action x 2>err
'

# Names annal refuses, each with the rule it breaks.  git refuses most of
# them too; those it would take (a leading "-", a component ending in
# ".") annal refuses to stay clear of option parsing and of git's rule
# that no ref ends with ".".
test_expect_success 'invalid names are refused everywhere, exit 2, nothing written' '
	refs_snapshot &&
	printf "%s\n" "a..b" "hosts/../main" ".hidden" "hosts/.x/main" "main.lock" \
		"hosts/a.lock/main" "main." "hosts/w./main" "a//b" "/main" "main/" \
		"a b" "a~1" "a^" "a:b" "a?" "a*" "a[" "a\\b" "a@{1}" "@" "-x" "hosts/-x/main" \
		"" "$(printf "a\001b")" "$(printf "a\177b")" "$(test_seq 1 120 | tr -d "\n")" \
		>bad &&
	while IFS= read -r name
	do
		test_expect_code 2 annal -C repo.git append --log "$name" --actor a --action x \
			2>err &&
		grep "invalid log name" err &&
		test_expect_code 2 annal -C repo.git log --log "$name" 2>err &&
		test_expect_code 2 annal -C repo.git verify --log "$name" 2>err &&
		test_expect_code 2 annal -C repo.git export --log "$name" 2>err || {
			echo "accepted: $name"
			return 1
		}
	done <bad &&
	refs_unchanged
'

test_expect_success 'every name annal takes, git check-ref-format takes' '
	python3 - >names <<-\EOF &&
	import random
	random.seed(8010)
	alphabet = "ab.-_/9Z"
	seen = set()
	while len(seen) < 400:
	    seen.add("".join(random.choice(alphabet) for _ in range(random.randint(1, 9))))
	for n in sorted(seen):
	    print(n)
	EOF
	taken=0 &&
	while IFS= read -r name
	do
		if annal -C repo.git log --log "$name" >/dev/null 2>err ||
		   ! grep -q "invalid log name" err
		then
			taken=$((taken + 1)) &&
			git check-ref-format "refs/audit/$name" || {
				echo "annal takes, git refuses: $name"
				return 1
			}
		fi
	done <names &&
	test $taken -gt 20
'

test_done
