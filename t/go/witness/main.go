// A log and a checker written against golang.org/x/mod/sumdb (Debian's
// golang-golang-x-mod-dev) for t9320: it signs checkpoints with Go's
// note package, proves consistency with Go's tlog package, and checks
// the cosignatures annal's witness makes with crypto/ed25519 by the
// rules of c2sp.org/tlog-cosignature, so that annal is checked against
// code that is not its own.
//
// Commands, one a line on standard input ("<command> <out file> args"):
//
//	key <out> <name>                  the log's verifier key (from a fixed seed)
//	request <out> <origin> <old> <new> <fork>
//	                                  an add-checkpoint request: old size,
//	                                  the proof from old to new, the signed
//	                                  checkpoint of the first <new> leaves;
//	                                  leaves from <fork> on differ (-1: none)
//	cosig <out> <witness name> <base64 key> <note file>
//	                                  "ok <time>" when the note holds a valid
//	                                  cosignature/v1 by that key, else "bad ..."
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type seed struct{ n byte }

func (s *seed) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s.n
		s.n++
	}
	return len(p), nil
}

func keys(name string) (string, string) {
	skey, vkey, err := note.GenerateKey(&seed{7}, name)
	if err != nil {
		panic(err)
	}
	return skey, vkey
}

func leaf(i int64, fork int64) []byte {
	if fork >= 0 && i >= fork {
		return []byte(fmt.Sprintf("forked record %d", i))
	}
	return []byte(fmt.Sprintf("record %d", i))
}

// The stored hashes of the first n leaves.
func tree(n, fork int64) tlog.HashReaderFunc {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i := int64(0); i < n; i++ {
		hs, err := tlog.StoredHashes(i, leaf(i, fork), r)
		if err != nil {
			panic(err)
		}
		stored = append(stored, hs...)
	}
	return r
}

func request(origin string, old, n, fork int64) []byte {
	var b bytes.Buffer
	r := tree(n, fork)
	fmt.Fprintf(&b, "old %d\n", old)
	if old > 0 && old < n {
		p, err := tlog.ProveTree(n, old, r)
		if err != nil {
			panic(err)
		}
		for _, h := range p {
			fmt.Fprintf(&b, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
		}
	}
	b.WriteString("\n")
	root, err := tlog.TreeHash(n, r)
	if err != nil {
		panic(err)
	}
	skey, _ := keys(origin)
	signer, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", origin, n, base64.StdEncoding.EncodeToString(root[:]))
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		panic(err)
	}
	b.Write(msg)
	return b.Bytes()
}

func cosig(name, key64, file string) string {
	pk, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(pk) != 32 {
		return "bad key"
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "bad file"
	}
	i := bytes.LastIndex(data, []byte("\n\n"))
	if i < 0 {
		return "bad note"
	}
	text, sigs := data[:i+1], data[i+2:]
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{0x04})
	h.Write(pk)
	id := h.Sum(nil)[:4]
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "—" || f[1] != name {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil || len(raw) != 4+8+64 || !bytes.Equal(raw[:4], id) {
			continue
		}
		t := binary.BigEndian.Uint64(raw[4:12])
		msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, text)
		if ed25519.Verify(ed25519.PublicKey(pk), []byte(msg), raw[12:]) {
			return fmt.Sprintf("ok %d", t)
		}
		return "bad signature"
	}
	return "bad no cosignature"
}

func atoi(s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return v
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) < 2 {
			continue
		}
		var out []byte
		switch f[0] {
		case "key":
			_, vkey := keys(f[2])
			out = []byte(vkey + "\n")
		case "request":
			out = request(f[2], atoi(f[3]), atoi(f[4]), atoi(f[5]))
		case "cosig":
			out = []byte(cosig(f[2], f[3], f[4]) + "\n")
		default:
			fmt.Fprintf(os.Stderr, "unknown command %q\n", f[0])
			os.Exit(2)
		}
		if err := os.WriteFile(f[1], out, 0o644); err != nil {
			panic(err)
		}
	}
}
