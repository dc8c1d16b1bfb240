// Command note answers queries about C2SP signed notes with Go's
// golang.org/x/mod/sumdb/note, for t/t9311-note-go.sh: one process, one
// query a line on standard input, one answer a line on standard output.
//
//	genkey NAME VKEYFILE   make a key named NAME, write its verifier key to VKEYFILE; answer it
//	sign NAME TEXT OUT     sign the file TEXT with NAME's key into OUT; "ok"
//	verifier VKEYFILE      "ok" if note.NewVerifier takes the key, else "error"
//	open VKEYFILE NOTE     "ok" if note.Open verifies NOTE with that key, else "error"
//
// An error answer is "error <what Go says>".
package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func readKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

func answer(signers map[string]note.Signer, f []string) string {
	switch {
	case len(f) == 3 && f[0] == "genkey":
		skey, vkey, err := note.GenerateKey(rand.Reader, f[1])
		if err != nil {
			return "error " + err.Error()
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			return "error " + err.Error()
		}
		signers[f[1]] = s
		if err := os.WriteFile(f[2], []byte(vkey+"\n"), 0o644); err != nil {
			return "error " + err.Error()
		}
		return vkey
	case len(f) == 4 && f[0] == "sign":
		text, err := os.ReadFile(f[2])
		if err != nil {
			return "error " + err.Error()
		}
		msg, err := note.Sign(&note.Note{Text: string(text)}, signers[f[1]])
		if err != nil {
			return "error " + err.Error()
		}
		if err := os.WriteFile(f[3], msg, 0o644); err != nil {
			return "error " + err.Error()
		}
		return "ok"
	case len(f) == 2 && f[0] == "verifier":
		vkey, err := readKey(f[1])
		if err == nil {
			_, err = note.NewVerifier(vkey)
		}
		if err != nil {
			return "error " + err.Error()
		}
		return "ok"
	case len(f) == 3 && f[0] == "open":
		vkey, err := readKey(f[1])
		var v note.Verifier
		if err == nil {
			v, err = note.NewVerifier(vkey)
		}
		var msg []byte
		if err == nil {
			msg, err = os.ReadFile(f[2])
		}
		if err == nil {
			_, err = note.Open(msg, note.VerifierList(v))
		}
		if err != nil {
			return "error " + err.Error()
		}
		return "ok"
	}
	return "error bad query"
}

func main() {
	signers := map[string]note.Signer{}
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fmt.Fprintln(out, answer(signers, strings.Fields(in.Text())))
	}
}
