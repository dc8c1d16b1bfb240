#!/bin/sh

test_description='the report model of HTML and PDF exports (src/report.h)

t/helper/report-dump prints what annal_report_gather() keeps of a
selection: the filters as options, the range, each log with its
verification (run, not read from a cache), the keys that sign it, the
counts by decision and by actor (top ten, the rest summed), and the
records of the second pass, oldest first in the order of annal export.'

. "$(dirname "$0")/test-lib.sh"

T0=$ANNAL_TEST_NOW
SQ="'"

dump () {
	"$ANNAL_BUILD_DIR/t/helper/report-dump" "$@"
}

# a record at T0 + $1 seconds; main unsigned, other signed by k
on_main () {
	ANNAL_TEST_NOW=$((T0 + $1)) && shift &&
	annal -C repo.git append "$@" >/dev/null
}
on_other () {
	ANNAL_TEST_NOW=$((T0 + $1)) && shift &&
	annal -C repo.git append --log other --sign-key k "$@" >/dev/null
}

test_expect_success 'setup: two logs, one signed' '
	annal keygen -f k -C signer@example.com >/dev/null &&
	annal init repo.git >/dev/null &&
	on_main 0 --actor alice --action login --decision allowed &&
	on_other 60 --actor carol --action login --decision blocked &&
	on_main 120 --actor bob --action deploy --decision blocked &&
	on_other 120 --actor alice --action read &&
	on_main 180 --actor alice --action read --decision allowed &&
	ssh-keygen -l -f k.pub | cut -d" " -f2 >fp
'

test_expect_success 'one log: scope, verification, counts, records oldest first' '
	dump repo.git --log main >out &&
	grep "^filters: \$" out &&
	grep "^version: $(annal --version | sed "s/.* //")\$" out &&
	grep "^generated: 24\$" out &&
	grep "^records: 3\$" out &&
	grep "^labelled: 0\$" out &&
	grep "^verified: 1\$" out &&
	grep "^log main records=3 seqs=1-3 head=3 [0-9a-f]* checked=1 ok=1 verified=3 signed=0 check=- signers=\$" out &&
	cat >expect <<-\EOT &&
	decision allowed 2
	decision blocked 1
	actor alice 2
	actor bob 1
	rest 0 records 0 actors truncated=0
	EOT
	grep "^decision\|^actor\|^rest" out >actual &&
	test_cmp expect actual &&
	annal -C repo.git log --log main --reverse --format jsonl >log &&
	sed "s/.*\"id\":\"\([0-9a-f]*\)\".*/\1/" log >ids &&
	sed -n "s/^record main [0-9]* //p" out >actual &&
	test_cmp ids actual
'

test_expect_success 'several logs: labelled, signers, records in export order' '
	dump repo.git --all >out &&
	grep "^records: 5\$" out &&
	grep "^labelled: 1\$" out &&
	grep "^log other records=2 seqs=1-2 head=2 [0-9a-f]* checked=1 ok=1 verified=2 signed=1 check=- signers=$(cat fp)\$" out &&
	grep "^decision (none) 1\$" out &&
	tail -n 1 out | grep "^record main 3 " &&
	sed -n "s/^record \([a-z]*\) \([0-9]*\) .*/\1 \2/p" out >actual &&
	cat >expect <<-\EOT &&
	main 1
	other 1
	other 2
	main 2
	main 3
	EOT
	test_cmp expect actual
'

test_expect_success 'filters as options, quoted; range of the matches' '
	dump repo.git --log main --actor "alice" --since "1970-01-01" --from-seq 2 >out &&
	grep "^filters: --actor ${SQ}alice${SQ} --since ${SQ}1970-01-01${SQ} --from-seq 2\$" out &&
	grep "^records: 1\$" out &&
	grep "^log main records=1 seqs=3-3 " out &&
	dump repo.git --log main --actor "o${SQ}brien" >out &&
	grep "^filters: --actor ${SQ}o${SQ}\\\\${SQ}${SQ}brien${SQ}\$" out &&
	grep "^records: 0\$" out &&
	grep "^range:  \$" out
'

test_expect_success 'has: a record selected, by full lowercase id only' '
	id=$(sed -n 1p ids) &&
	dump repo.git --log main --has main $id --has other $id \
		--has main $(echo $id | cut -c1-12) \
		--has main $(echo $id | tr a-f A-F) >out &&
	grep "^has $id 1\$" out &&
	test $(grep -c "^has .* 0\$" out) = 3
'

test_expect_success 'top ten actors, the rest summed' '
	annal init many.git >/dev/null &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12
	do
		n=$((13 - i)) &&
		while test $n -gt 0
		do
			echo "{\"actor\":\"user$i\",\"action\":\"a\"}" &&
			n=$((n - 1)) || return 1
		done || return 1
	done >batch &&
	annal -C many.git append --stdin <batch >/dev/null &&
	dump many.git >out &&
	grep "^records: 78\$" out &&
	test $(grep -c "^actor " out) = 10 &&
	grep "^actor user1 12\$" out &&
	grep "^actor user10 3\$" out &&
	grep "^rest 3 records 2 actors truncated=0\$" out
'

test_expect_success 'a log that fails verification: said, not an error' '
	rm -rf bad.git &&
	cp -R repo.git bad.git &&
	head=$(git --git-dir=bad.git rev-parse refs/audit/main) &&
	parent=$(git --git-dir=bad.git rev-parse refs/audit/main~1) &&
	git --git-dir=bad.git cat-file commit $head |
		sed "s/\"decision\":\"allowed\"/\"decision\":\"blocked\"/" >forged &&
	forged=$(git --git-dir=bad.git hash-object -t commit -w forged) &&
	git --git-dir=bad.git update-ref refs/audit/main $forged &&
	dump bad.git --log main >out &&
	grep "^verified: 0\$" out &&
	grep "^log main .* checked=1 ok=0 .* check=[a-zA-Z]" out
'

test_done
