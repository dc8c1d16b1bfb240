#!/bin/sh

test_description='checkpoints of annal and of Go'"'"'s golang.org/x/mod/sumdb/note

t/go/note (built offline from Debian'"'"'s golang-golang-x-mod-dev) opens
annal'"'"'s checkpoint with the verifier key annal prints, signs
checkpoints that annal verifies with --checkpoint-key, and answers, in one
process, for the same broken inputs annal is given.  Both refuse each
one, except where the table below says why they differ: Go'"'"'s note
package checks notes, not checkpoints (a size with a leading zero or
past 2^63 is a checkpoint'"'"'s fault, and a Go checkpoint parser is not
in Debian), and note.Open keeps the first of two signatures by one key
where annal refuses the note (annal-verify(1), "Checkpoints").'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ssh.sh"

. "$TEST_DIRECTORY/lib-go.sh"

test_lazy_prereq GO_NOTE 'go_build note'

# b64edit FILE LINE PYTHON: rewrite the signature on LINE of FILE, whose
# decoded bytes are b, with the PYTHON statement
b64edit () {
	python3 -c '
import base64, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
n = int(sys.argv[2]) - 1
head, b64 = lines[n].rsplit(b" ", 1)
b = bytearray(base64.b64decode(b64))
exec(sys.argv[3])
lines[n] = head + b" " + base64.b64encode(bytes(b))
sys.stdout.buffer.write(b"\n".join(lines))
' "$@"
}

test_expect_success GO_NOTE 'setup: a checkpoint, its broken twins, the texts Go signs' '
	ssh_vector_key key &&
	annal init repo.git >/dev/null &&
	for a in login deploy
	do
		test_tick &&
		annal -C repo.git append --sign-key key --actor alice --action $a >/dev/null || return 1
	done &&
	annal -C repo.git checkpoint --sign-key key --origin example.com/audit >cp &&
	annal -C repo.git checkpoint --sign-key key --verifier-key >annal.vkey &&
	root=$(sed -n 3p cp) && sig=$(sed -n 5p cp) && b64=${sig##* } &&
	b64edit cp 5 "b[20] ^= 1" >flipped &&
	b64edit cp 5 "b[0] ^= 0xff" >wrong-id &&
	printf "example.com/audit\n3\n%s\n\n— example.com/audit x %s\n" "$root" "$b64" >name-space &&
	printf "example.com/audit\n3\n%s\n\n— example.com/audit\302\240x %s\n" "$root" "$b64" >name-nbsp &&
	printf "example.com/audit\n3\n%s\n\n— example.com+audit %s\n" "$root" "$b64" >name-plus &&
	printf "example.com/audit\n3\n%s\n\n%s\n%s\n" "$root" "$sig" "$sig" >duplicate &&
	printf "example.com/audit\n3\n%s\n\n\n%s\n" "$root" "$sig" >extra-blank &&
	head -n 3 cp >good.txt &&
	printf "example.com/audit\n03\n%s\n" "$root" >leading-zero.txt &&
	printf "example.com/audit\n9223372036854775808\n%s\n" "$root" >past-2-63.txt &&
	printf "other.example\n3\n%s\n" "$root" >other.txt &&
	vkey=$(cat annal.vkey) && id=${vkey#*+} && id=${id%%+*} &&
	echo "$vkey" | sed "s/+$id+/+00000000+/" >wrong-id.vkey &&
	python3 -c "
import base64, hashlib, sys
name, _, k = sys.argv[1].split(\"+\", 2)
key = bytearray(base64.b64decode(k)); key[0] = 5
print(\"%s+%s+%s\" % (name, hashlib.sha256(name.encode() + b\"\\n\" + bytes(key)).hexdigest()[:8],
                      base64.b64encode(bytes(key)).decode()))
" "$vkey" >type-5.vkey
'

test_expect_success GO_NOTE 'Go answers every query in one process' '
	cat >queries <<-\EOF &&
	genkey example.com/audit go.vkey
	genkey other.example other.vkey
	sign example.com/audit good.txt go-good
	sign example.com/audit leading-zero.txt go-leading-zero
	sign example.com/audit past-2-63.txt go-past-2-63
	sign other.example other.txt go-other
	open annal.vkey cp
	open go.vkey go-good
	open annal.vkey flipped
	open annal.vkey wrong-id
	open annal.vkey name-space
	open annal.vkey name-nbsp
	open annal.vkey name-plus
	open annal.vkey duplicate
	open annal.vkey extra-blank
	open go.vkey go-leading-zero
	open go.vkey go-past-2-63
	open annal.vkey go-other
	open other.vkey go-other
	verifier annal.vkey
	verifier wrong-id.vkey
	verifier type-5.vkey
	EOF
	./go-note <queries >answers &&
	test_line_count = 22 answers &&
	sed -n "1p" answers >actual &&
	test_cmp go.vkey actual &&
	sed "1,2d" answers | cut -d" " -f1 >actual &&
	cat >expect <<-\EOF &&
	ok
	ok
	ok
	ok
	ok
	ok
	error
	error
	error
	error
	error
	ok
	error
	ok
	ok
	error
	ok
	ok
	error
	error
	EOF
	test_cmp expect actual
'

# annal_says FILE [--checkpoint-key KEYFILE]: annal verify --checkpoint's exit status
annal_says () {
	f=$1 && shift &&
	if test $# = 2
	then
		annal -C repo.git verify --checkpoint "$f" --checkpoint-key "$(cat "$2")" >/dev/null 2>"$f.err"
	else
		annal -C repo.git verify --checkpoint "$f" >/dev/null 2>"$f.err"
	fi
	echo "$f $?"
}

test_expect_success GO_NOTE 'annal on the same inputs' '
	{
		annal_says cp &&
		annal_says go-good --checkpoint-key go.vkey &&
		annal_says go-good &&
		annal_says flipped &&
		annal_says wrong-id &&
		annal_says name-space &&
		annal_says name-nbsp &&
		annal_says name-plus &&
		annal_says duplicate &&
		annal_says extra-blank &&
		annal_says go-leading-zero --checkpoint-key go.vkey &&
		annal_says go-past-2-63 --checkpoint-key go.vkey &&
		annal_says go-other --checkpoint-key other.vkey &&
		annal_says cp --checkpoint-key wrong-id.vkey &&
		annal_says cp --checkpoint-key type-5.vkey
	} >actual &&
	cat >expect <<-\EOF &&
	cp 0
	go-good 0
	go-good 1
	flipped 1
	wrong-id 1
	name-space 2
	name-nbsp 2
	name-plus 2
	duplicate 2
	extra-blank 2
	go-leading-zero 2
	go-past-2-63 2
	go-other 1
	cp 2
	cp 2
	EOF
	test_cmp expect actual &&
	grep "badCheckpointSignature" flipped.err &&
	grep "badCheckpointSignature: .*no signature by" wrong-id.err &&
	grep "are by one key" duplicate.err &&
	grep "empty extension line" extra-blank.err &&
	grep "leading zero" go-leading-zero.err &&
	grep "2^63" go-past-2-63.err &&
	grep "checkpointOrigin: .*other.example.*example.com/audit" go-other.err
'

test_done
