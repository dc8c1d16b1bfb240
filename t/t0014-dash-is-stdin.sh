#!/bin/sh

test_description='a file named - is standard input, or refused saying why

As in ssh-keygen, minisign and jq, "-" for a file annal reads is standard
input: public and private keys, allowed signers files and bundles.  At
most one option of a command may read it, none while it holds the
records of append --stdin, and "-" is refused for a file annal writes in
place (verify --anchor-file, export --bundle, keygen -f); annal(1),
FILES.  Every option that names a file is tried here.'

. "$(dirname "$0")/test-lib.sh"

SQ="'"

# refused CMD...: exit 2, one line naming '-' and why, nothing on stdout
refused () {
	test_expect_code 2 "$@" >out 2>err </dev/null &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: .*${SQ}-${SQ}.*; see ${SQ}annal .* -h${SQ}\$" err
}

test_expect_success 'setup: a signed log, keys, a pin' '
	annal keygen -f k1 -C k1 >/dev/null &&
	annal keygen -f k2 -C k2 >/dev/null &&
	annal keygen -f k3 -C k3 >/dev/null &&
	annal init repo.git >/dev/null &&
	test_tick &&
	annal -C repo.git append --sign-key k1 --actor a --action one >/dev/null &&
	test_tick &&
	annal -C repo.git append --log other --sign-key k1 --actor b --action other >/dev/null &&
	annal -C repo.git key list --pin >pin &&
	annal -C repo.git key list --pin --log other >pin-other &&
	cat pin pin-other >pins
'

test_expect_success 'append --sign-key -: the private key from stdin' '
	test_tick &&
	annal -C repo.git append --sign-key - --actor a --action two <k1 >id &&
	test_line_count = 1 id &&
	annal -C repo.git verify --key k1.pub
'

test_expect_success 'append --stdin --sign-key -: refused, stdin holds the records' '
	refused annal -C repo.git append --stdin --sign-key - &&
	grep "option .--sign-key. cannot read standard input (.-.): with .--stdin. it holds the records" err
'

test_expect_success 'annal.signingKey = -: refused, a setting names no stdin' '
	test_when_finished "git -C repo.git config --unset annal.signingKey" &&
	git -C repo.git config annal.signingKey - &&
	echo "{\"actor\":\"a\",\"action\":\"x\"}" >rec &&
	git -C repo.git rev-parse refs/audit/main >before &&
	test_expect_code 2 annal -C repo.git append --stdin <rec >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: annal.signingKey is .-.: a configured key must be a file" err &&
	git -C repo.git rev-parse refs/audit/main >after &&
	test_cmp before after
'

test_expect_success 'verify --key - and --allowed-signers -, also for each log of --all' '
	annal -C repo.git verify --key - <k1.pub >out &&
	grep "^log main: 2 records verified" out &&
	annal -C repo.git verify --allowed-signers - <pin >out &&
	grep "^log main: 2 records verified" out &&
	annal -C repo.git verify --all --allowed-signers - <pins >out &&
	test_line_count = 2 out &&
	test_expect_code 1 annal -C repo.git verify --key - <k2.pub 2>err &&
	grep "untrustedKey" err
'

test_expect_success 'verify --anchor-file -: refused, the file is replaced' '
	refused annal -C repo.git verify --anchor-file - &&
	grep "needs a file name, not .-.: verify reads the heads there and replaces" err
'

test_expect_success 'key rotate --new-key -, --retire-key -, --sign-key -' '
	annal -C repo.git key rotate --new-key - --sign-key k1 <k2.pub >/dev/null &&
	annal -C repo.git key rotate --retire-key - --sign-key k1 <k2.pub >/dev/null &&
	annal -C repo.git key rotate --new-key k3.pub --sign-key - <k1 >/dev/null &&
	annal -C repo.git key list >list &&
	grep -c "ssh-ed25519" list >n &&
	echo 3 >expect &&
	test_cmp expect n &&
	annal -C repo.git verify --key k1.pub
'

test_expect_success 'key rotate: two options cannot both read stdin' '
	refused annal -C repo.git key rotate --new-key - --sign-key - &&
	grep "options .--new-key. and .--sign-key. cannot both read standard input" err &&
	refused annal -C repo.git key rotate --retire-key - --retire-key - --sign-key k1 &&
	grep "options .--retire-key. and .--retire-key. cannot both" err
'

test_expect_success 'export --sign-key -; --bundle - refused' '
	annal -C repo.git export --bundle b.zip --sign-key - <k1 &&
	test -s b.zip &&
	refused annal -C repo.git export --bundle - --sign-key k1 &&
	grep "option .--bundle. needs a file name, not .-." err
'

test_expect_success 'audit-verify: --key -, --allowed-signers -, --log-key -, --log-allowed-signers -, the bundle -' '
	printf "x namespaces=\"annal\" %s\n" "$(cat k1.pub)" >signers &&
	annal audit-verify --key - b.zip <k1.pub >out &&
	grep "^result: intact\$" out &&
	annal audit-verify --allowed-signers - b.zip <signers >out &&
	grep "^result: intact\$" out &&
	annal audit-verify --log-key - b.zip <k1.pub >out &&
	grep "^log keys: pinned\$" out &&
	annal audit-verify --key k1.pub --log-allowed-signers - b.zip <pin >out &&
	grep "^log keys: pinned\$" out &&
	annal audit-verify --key k1.pub - <b.zip >out &&
	grep "^result: intact\$" out
'

test_expect_success 'audit-verify: the bundle and a key cannot both be stdin' '
	refused annal audit-verify --key - - &&
	grep "option .--key. cannot read standard input (.-.): the bundle is read from it" err &&
	refused annal audit-verify --key - --log-key - b.zip &&
	grep "options .--key. and .--log-key. cannot both" err
'

test_expect_success 'keygen -f -: refused' '
	refused annal keygen -f - &&
	grep "option .-f. needs a file name, not .-." err &&
	test_path_is_missing - &&
	test_path_is_missing -.pub
'

test_done
