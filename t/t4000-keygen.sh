#!/bin/sh

test_description='annal keygen, and which files annal takes as a signing key

annal keygen writes an unencrypted OpenSSH ed25519 key pair that stock
ssh-keygen reads and signs with; annal append --sign-key takes such a key
(from annal or ssh-keygen) and refuses anything else with exit 2, writing
nothing.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

# mode FILE: its permission bits in octal, e.g. 600
mode () {
	stat -c %a "$1"
}

# flip_char FILE LINE: FILE with the 10th character of line LINE changed
flip_char () {
	awk -v n="$2" 'NR == n { c = substr($0, 10, 1); r = (c == "A") ? "B" : "A"
		$0 = substr($0, 1, 9) r substr($0, 11) } { print }' "$1"
}

# long_comment KEY OUT N: KEY rewritten (PYTHON3) as a still valid
# openssh-key-v1 file whose comment is N bytes long
long_comment () {
	python3 - "$@" <<-\EOF
	import base64, struct, sys
	src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
	lines = open(src).read().split("\n")
	blob = base64.b64decode("".join(lines[1:-2]))
	def s(b, o):
	    l, = struct.unpack(">I", b[o:o + 4])
	    return b[o + 4:o + 4 + l], o + 4 + l
	def w(b):
	    return struct.pack(">I", len(b)) + b
	o = 15
	for _ in range(3):
	    _, o = s(blob, o)
	o += 4
	_, o = s(blob, o)
	head, priv = blob[:o], s(blob, o)[0]
	p = 8
	kt, p = s(priv, p)
	pk, p = s(priv, p)
	sk, p = s(priv, p)
	sec = priv[:8] + w(kt) + w(pk) + w(sk) + w(b"c" * n)
	i = 1
	while len(sec) % 8:
	    sec += bytes([i])
	    i += 1
	b64 = base64.b64encode(head + w(sec)).decode()
	with open(dst, "w") as f:
	    f.write("-----BEGIN OPENSSH PRIVATE KEY-----\n")
	    for j in range(0, len(b64), 70):
	        f.write(b64[j:j + 70] + "\n")
	    f.write("-----END OPENSSH PRIVATE KEY-----\n")
	EOF
}

# bad_key FILE: annal append --sign-key FILE exits 2 with one error line
# and creates no log
bad_key () {
	annal_fails_cleanly 2 repo.git append --sign-key "$1" \
		--actor alice --action login &&
	! git -C repo.git rev-parse --verify -q refs/audit/main
}

test_expect_success 'setup' '
	annal init repo.git >/dev/null &&
	mkdir outside
'

test_expect_success 'keygen -f -C: both files, the summary on stdout' '
	annal keygen -f k -C "alice@example.com" >keygen.out 2>err &&
	test_must_be_empty err &&
	test_path_is_file k &&
	test_path_is_file k.pub &&
	echo "Wrote k and k.pub" >expect &&
	head -n 1 keygen.out >actual &&
	test_cmp expect actual &&
	test_line_count = 2 keygen.out &&
	sed -n 2p keygen.out >line &&
	grep "^256 SHA256:[A-Za-z0-9+/]\{43\} alice@example.com (ED25519)\$" line
'

test_expect_success 'the public key file: one ssh-ed25519 line with the comment' '
	test_line_count = 1 k.pub &&
	grep "^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]\{43\} alice@example.com\$" k.pub
'

test_expect_success 'the private key file is OpenSSH armor wrapped at 70 columns' '
	head -n 1 k >first &&
	echo "-----BEGIN OPENSSH PRIVATE KEY-----" >expect &&
	test_cmp expect first &&
	tail -n 1 k >last &&
	echo "-----END OPENSSH PRIVATE KEY-----" >expect &&
	test_cmp expect last &&
	sed "1d;\$d" k >body &&
	sed "\$d" body >full &&
	! grep -v "^[A-Za-z0-9+/]\{70\}\$" full &&
	tail -n 1 body >part &&
	grep "^[A-Za-z0-9+/=]\{1,70\}\$" part &&
	tr -d "\\n" <body | base64 -d >blob &&
	head -c 15 blob | tr "\\0" @ >magic &&
	echo "openssh-key-v1@" | tr -d "\\n" >expect &&
	test_cmp expect magic
'

test_expect_success 'modes: private 0600, public 0644' '
	test "$(mode k)" = 600 &&
	test "$(mode k.pub)" = 644
'

test_expect_success 'a permissive umask does not open the private key' '
	(umask 000 && annal keygen -f kumask >/dev/null) &&
	test "$(mode kumask)" = 600 &&
	test "$(mode kumask.pub)" = 644
'

test_expect_success SSHKEYGEN 'ssh-keygen -y derives the same public key' '
	ssh-keygen -y -f k >derived &&
	cut -d" " -f1,2 derived >actual &&
	ssh_pub k.pub >expect &&
	test_cmp expect actual
'

test_expect_success SSHKEYGEN 'ssh-keygen -l prints the line annal printed' '
	ssh-keygen -l -f k.pub >expect &&
	sed -n 2p keygen.out >actual &&
	test_cmp expect actual &&
	ssh-keygen -l -f k >private &&
	cut -d" " -f1,2 expect >a &&
	cut -d" " -f1,2 private >b &&
	test_cmp a b
'

test_expect_success SSHKEYGEN 'ssh-keygen -Y sign with the key, -Y verify accepts' '
	printf "hello annal\\n" >msg &&
	ssh-keygen -Y sign -n file -f k msg 2>sign.err &&
	test_path_is_file msg.sig &&
	ssh_allowed allowed "" k.pub &&
	ssh-keygen -Y verify -f allowed -I anyone -n file -s msg.sig <msg >verify.out &&
	grep "^Good \"file\" signature for anyone with ED25519 key $(ssh_fp k.pub)\$" verify.out &&
	printf "hello annaL\\n" >forged &&
	! ssh-keygen -Y verify -f allowed -I anyone -n file -s msg.sig <forged
'

test_expect_success 'two keys are different' '
	annal keygen -f k2 >/dev/null &&
	test "$(ssh_pub k.pub)" != "$(ssh_pub k2.pub)" &&
	! cmp k k2
'

test_expect_success 'default file annal_ed25519, default comment annal' '
	mkdir dflt &&
	(cd dflt && annal keygen >../out 2>../err) &&
	test_must_be_empty err &&
	test_path_is_file dflt/annal_ed25519 &&
	test_path_is_file dflt/annal_ed25519.pub &&
	echo "Wrote annal_ed25519 and annal_ed25519.pub" >expect &&
	head -n 1 out >actual &&
	test_cmp expect actual &&
	sed -n 2p out >line &&
	grep "^256 SHA256:.* annal (ED25519)\$" line &&
	grep " annal\$" dflt/annal_ed25519.pub &&
	test "$(mode dflt/annal_ed25519)" = 600
'

test_expect_success 'an existing key file is not overwritten: exit 2, unchanged' '
	cp k k.saved &&
	cp k.pub k.pub.saved &&
	test_expect_code 2 annal keygen -f k -C other >out 2>err &&
	test_must_be_empty out &&
	echo "annal: error: '\''k'\'' already exists" >expect &&
	test_cmp expect err &&
	test_cmp k.saved k &&
	test_cmp k.pub.saved k.pub &&
	test "$(mode k)" = 600
'

test_expect_success 'an existing .pub is not overwritten, no private key made' '
	echo "not a key" >lonely.pub &&
	cp lonely.pub lonely.pub.saved &&
	test_expect_code 2 annal keygen -f lonely >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: .*already exists" err &&
	test_path_is_missing lonely &&
	test_cmp lonely.pub.saved lonely.pub
'

test_expect_success 'only the private key exists: no .pub made' '
	cp k solo &&
	test_expect_code 2 annal keygen -f solo >out 2>err &&
	test_line_count = 1 err &&
	test_path_is_missing solo.pub &&
	test_cmp k solo
'

test_expect_success 'a dangling symlink in place of the key is not followed' '
	ln -s target dangling &&
	test_must_fail annal keygen -f dangling >out 2>err &&
	test_line_count = 1 err &&
	test_path_is_missing target &&
	test_path_is_missing dangling.pub
'

test_expect_success SSHKEYGEN 'a comment with a newline never makes a .pub of two lines' '
	nl="a
b" &&
	{ annal keygen -f knl -C "$nl" >out 2>err; rc=$?; } &&
	if test $rc = 0
	then
		test_line_count = 1 knl.pub &&
		ssh-keygen -l -f knl.pub
	else
		test $rc = 2 &&
		test_line_count = 1 err &&
		test_path_is_missing knl &&
		test_path_is_missing knl.pub
	fi
'

test_expect_success 'keygen works outside a repository' '
	(
		cd outside &&
		ANNAL_REPO="$TRASH_DIRECTORY/nowhere" &&
		export ANNAL_REPO &&
		annal keygen -f ok -C c >../out 2>../err
	) &&
	test_must_be_empty err &&
	test_path_is_file outside/ok &&
	test_path_is_file outside/ok.pub &&
	test_path_is_missing nowhere
'

test_expect_success 'keygen -h: usage on stdout, exit 0' '
	(cd outside && annal keygen -h >../out 2>../err) &&
	test_must_be_empty err &&
	grep "^usage: annal keygen " out
'

test_expect_success GIT 'a key from annal keygen signs records' '
	annal init kg.git >/dev/null &&
	annal -C kg.git append --sign-key k --actor alice --action login >id &&
	test_line_count = 1 id &&
	git -C kg.git cat-file commit "$(cat id)" >commit &&
	grep "^gpgsig -----BEGIN SSH SIGNATURE-----\$" commit &&
	annal -C kg.git verify
'

test_expect_success SSHKEYGEN,GIT 'a key from ssh-keygen signs records' '
	ssh_key sk &&
	annal init sk.git >/dev/null &&
	annal -C sk.git append --sign-key sk --actor alice --action login >id &&
	test_line_count = 1 id &&
	annal -C sk.git verify
'

test_expect_success PYTHON3,SSHKEYGEN,GIT 'the vector key signs records, and is the signer' '
	ssh_vector_key vk &&
	annal init vk.git >/dev/null &&
	annal -C vk.git append --sign-key vk --actor alice --action login >id &&
	ssh_signers vk.git >actual &&
	ssh_expect_signers vk.pub >expect &&
	test_cmp expect actual
'

test_expect_success 'a 0400 or 0700 private key is fine' '
	cp k k400 &&
	chmod 400 k400 &&
	annal init k400.git >/dev/null &&
	annal -C k400.git append --sign-key k400 --actor a --action b >id &&
	test_line_count = 1 id &&
	cp k k700 &&
	chmod 700 k700 &&
	annal -C k400.git append --sign-key k700 --actor a --action b >id &&
	test_line_count = 1 id
'

test_expect_success SSHKEYGEN 'an encrypted key: exit 2, nothing written' '
	ssh-keygen -q -t ed25519 -N secret -C enc -f enc </dev/null &&
	bad_key enc
'

test_expect_success SSHKEYGEN 'an rsa key: exit 2, nothing written' '
	ssh-keygen -q -t rsa -b 2048 -N "" -f rsa </dev/null &&
	bad_key rsa
'

test_expect_success SSHKEYGEN 'an ecdsa key: exit 2, nothing written' '
	ssh-keygen -q -t ecdsa -N "" -f ecdsa </dev/null &&
	bad_key ecdsa
'

test_expect_success SSHKEYGEN 'an ecdsa key in PEM format: exit 2' '
	ssh-keygen -q -t ecdsa -m PEM -N "" -f pem </dev/null &&
	bad_key pem
'

test_expect_success 'a truncated key: exit 2, nothing written' '
	head -c 200 k >trunc &&
	chmod 600 trunc &&
	bad_key trunc &&
	head -n 3 k >trunc-lines &&
	tail -n 1 k >>trunc-lines &&
	chmod 600 trunc-lines &&
	bad_key trunc-lines
'

test_expect_success 'garbage: exit 2, nothing written' '
	printf "%s\\n" "-----BEGIN OPENSSH PRIVATE KEY-----" "Z2FyYmFnZQ==" \
		"-----END OPENSSH PRIVATE KEY-----" >garbage &&
	chmod 600 garbage &&
	bad_key garbage &&
	head -c 300 /dev/urandom >random &&
	chmod 600 random &&
	bad_key random
'

test_expect_success 'a key with one flipped bit in its base64: exit 2' '
	flip_char k 3 >flipped &&
	! cmp k flipped &&
	chmod 600 flipped &&
	bad_key flipped
'

test_expect_success 'an empty file: exit 2, nothing written' '
	: >empty &&
	chmod 600 empty &&
	bad_key empty
'

test_expect_success 'a public key file given as the private key: exit 2' '
	bad_key k.pub
'

# ws_pub KEY.pub: KEY.pub after blank lines, white space and comments,
# as ws-blank.pub, ws-space.pub, ws-tab.pub and ws-comment.pub
ws_pub () {
	{ printf "\n\n" && cat "$1"; } >ws-blank.pub &&
	{ printf "   " && cat "$1"; } >ws-space.pub &&
	{ printf "\t \r\n  \n\t" && cat "$1"; } >ws-tab.pub &&
	{ printf "# the key of alice\n\n  # its comment\n " && cat "$1"; } >ws-comment.pub
}

test_expect_success GIT 'a .pub after blank lines, white space or comments is a public key' '
	ws_pub k.pub &&
	for f in ws-blank.pub ws-space.pub ws-tab.pub ws-comment.pub
	do
		test "$(mode $f)" = 644 &&
		annal -C kg.git verify --key $f >out 2>err &&
		test_must_be_empty err &&
		grep "^log main: 1 record verified" out || return 1
	done &&
	ws_pub k2.pub &&
	test_expect_code 1 annal -C kg.git verify --key ws-space.pub 2>err &&
	grep "untrustedKey" err
'

test_expect_success SSHKEYGEN 'ssh-keygen reads those files as the same public key' '
	ws_pub k.pub &&
	ssh-keygen -l -f k.pub >expect &&
	for f in ws-blank.pub ws-space.pub ws-tab.pub ws-comment.pub
	do
		ssh-keygen -l -f $f >actual &&
		test_cmp expect actual || return 1
	done
'

test_expect_success GIT 'key rotate --new-key takes such a .pub, comment and all' '
	ws_pub k2.pub &&
	annal -C kg.git key rotate --new-key ws-comment.pub --sign-key k >id &&
	test_line_count = 1 id &&
	annal -C kg.git key list >list &&
	grep " $(ssh_pub k2.pub)\$" list
'

test_expect_success 'a private key after blank lines or white space is still private' '
	{ printf "\n  \n\t" && cat k; } >ws-private &&
	chmod 644 ws-private &&
	bad_key ws-private &&
	grep "permissions 0644 for '\''ws-private'\'' are too open" err &&
	chmod 600 ws-private &&
	annal init wsp.git >/dev/null &&
	annal -C wsp.git append --sign-key ws-private --actor a --action b >id &&
	test_line_count = 1 id &&
	annal -C wsp.git verify --key k.pub
'

test_expect_success 'a .pub of another type, or garbage, is no public key: exit 2' '
	echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ comment" >rsa-line.pub &&
	test_expect_code 2 annal -C kg.git verify --key rsa-line.pub >out 2>err &&
	test_line_count = 1 err &&
	grep "^annal: error: .rsa-line.pub. is not an ssh-ed25519 public key" err &&
	printf "\n  \n" >blank.pub &&
	test_expect_code 2 annal -C kg.git verify --key blank.pub >out 2>err &&
	grep "^annal: error: .blank.pub. is not an ssh-ed25519 public key" err
'

test_expect_success PYTHON3,SSHKEYGEN 'a valid key with a long comment is fine under 16 KiB' '
	long_comment k long 11000 &&
	chmod 600 long &&
	test $(wc -c <long) -lt 16384 &&
	ssh-keygen -y -f long >derived &&
	test "$(ssh_pub derived)" = "$(ssh_pub k.pub)" &&
	annal init long.git >/dev/null &&
	annal -C long.git append --sign-key long --actor a --action b >id &&
	test_line_count = 1 id
'

test_expect_success PYTHON3,SSHKEYGEN 'a valid key file over 16 KiB: exit 2, nothing written' '
	long_comment k big 13000 &&
	chmod 600 big &&
	test $(wc -c <big) -gt 16384 &&
	ssh-keygen -y -f big >derived &&
	test "$(ssh_pub derived)" = "$(ssh_pub k.pub)" &&
	bad_key big
'

test_expect_success 'a private key readable by others: exit 2, too open' '
	cp k k644 &&
	chmod 644 k644 &&
	bad_key k644 &&
	grep "permissions 0644 for '\''k644'\'' are too open" err
'

test_expect_success 'group or other read/write bits: exit 2' '
	for m in 640 604 620 602 660 606 777
	do
		cp k k$m &&
		chmod $m k$m &&
		bad_key k$m &&
		grep "permissions 0$m for '\''k$m'\'' are too open" err ||
		return 1
	done
'

test_expect_success 'a symlink to a good key: exit 2, nothing written' '
	ln -s k klink &&
	bad_key klink
'

test_lazy_prereq TIMEOUT 'timeout 5 true'

test_expect_success TIMEOUT 'a FIFO as the key: exit 2 at once, nothing written' '
	mkfifo kfifo &&
	chmod 600 kfifo &&
	test_expect_code 2 timeout 5 annal -C repo.git append --sign-key kfifo \
		--actor alice --action login >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	! git -C repo.git rev-parse --verify -q refs/audit/main
'

test_expect_success 'a missing key file: refused, nothing written' '
	test_must_fail annal -C repo.git append --sign-key nosuch \
		--actor alice --action login >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	! git -C repo.git rev-parse --verify -q refs/audit/main
'

test_expect_success 'a directory as the key: refused, nothing written' '
	mkdir kdir &&
	test_must_fail annal -C repo.git append --sign-key kdir \
		--actor alice --action login >out 2>err &&
	test_line_count = 1 err &&
	! git -C repo.git rev-parse --verify -q refs/audit/main
'

test_expect_success 'bad keys through ANNAL_SIGNING_KEY and annal.signingKey too' '
	(
		ANNAL_SIGNING_KEY="$TRASH_DIRECTORY/k644" &&
		export ANNAL_SIGNING_KEY &&
		annal_fails_cleanly 2 repo.git append --actor a --action b
	) &&
	grep "permissions 0644 for .*k644.* are too open" err &&
	! git -C repo.git rev-parse --verify -q refs/audit/main &&
	git -C repo.git config annal.signingKey "$TRASH_DIRECTORY/empty" &&
	test_when_finished "git -C repo.git config --unset annal.signingKey" &&
	annal_fails_cleanly 2 repo.git append --actor a --action b &&
	! git -C repo.git rev-parse --verify -q refs/audit/main
'

test_done
