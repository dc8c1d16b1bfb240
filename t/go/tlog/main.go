// Command tlog checks annal's Merkle trees and proofs with Go's
// golang.org/x/mod/sumdb/tlog: one process answers a list of queries on
// standard input, one a line, with a line on standard output each:
//
//	leaf <record JSON>                   the next leaf: its bytes are the rest of the line
//	root <size>                          "root <size> <base64 tlog.TreeHash of the first size leaves>"
//	inclusion <index> <size> <root> [<hash>...]
//	                                     "ok" when tlog.CheckRecord accepts the proof of
//	                                     leaf index in the tree of size with that root, else "fail"
//	consistency <size1> <size2> <root1> <root2> [<hash>...]
//	                                     "ok" when tlog.CheckTree accepts the proof, else "fail"
//
// Hashes and roots are base64.  t/helper/merkle-check answers the same
// queries with annal's own checks; t9301 compares the two.
package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// hashes of the complete subtrees, in tlog's stored-hash order
var stored []tlog.Hash
var leaves int64

func reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
}

func hash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return h, err
	}
	if len(b) != len(h) {
		return h, fmt.Errorf("hash of %d bytes", len(b))
	}
	copy(h[:], b)
	return h, nil
}

func hashes(f []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, s := range f {
		h, err := hash(s)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func verdict(err error) string {
	if err != nil {
		return "fail"
	}
	return "ok"
}

func answer(line string) (string, error) {
	if strings.HasPrefix(line, "leaf ") {
		rest := line[len("leaf "):]
		hs, err := tlog.StoredHashes(leaves, []byte(rest), reader())
		if err != nil {
			return "", err
		}
		stored = append(stored, hs...)
		leaves++
		return "leaf " + strconv.FormatInt(leaves-1, 10), nil
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", fmt.Errorf("empty query")
	}
	num := func(i int) (int64, error) {
		if i >= len(f) {
			return 0, fmt.Errorf("too few fields")
		}
		return strconv.ParseInt(f[i], 10, 64)
	}
	switch f[0] {
	case "root":
		n, err := num(1)
		if err != nil {
			return "", err
		}
		if n > leaves {
			return "", fmt.Errorf("only %d leaves", leaves)
		}
		h, err := tlog.TreeHash(n, reader())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("root %d %s", n, base64.StdEncoding.EncodeToString(h[:])), nil
	case "inclusion":
		index, err1 := num(1)
		size, err2 := num(2)
		if err1 != nil || err2 != nil || len(f) < 4 {
			return "", fmt.Errorf("bad inclusion query")
		}
		if index < 0 || index >= leaves {
			return "fail", nil
		}
		root, err := hash(f[3])
		if err != nil {
			return "", err
		}
		p, err := hashes(f[4:])
		if err != nil {
			return "", err
		}
		leaf := stored[tlog.StoredHashIndex(0, index)]
		return verdict(tlog.CheckRecord(tlog.RecordProof(p), size, root, index, leaf)), nil
	case "consistency":
		n, err1 := num(1)
		t, err2 := num(2)
		if err1 != nil || err2 != nil || len(f) < 5 {
			return "", fmt.Errorf("bad consistency query")
		}
		r1, err := hash(f[3])
		if err != nil {
			return "", err
		}
		r2, err := hash(f[4])
		if err != nil {
			return "", err
		}
		p, err := hashes(f[5:])
		if err != nil {
			return "", err
		}
		return verdict(tlog.CheckTree(tlog.TreeProof(p), t, r2, n, r1)), nil
	}
	return "", fmt.Errorf("unknown query %q", f[0])
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 2<<20), 2<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for n := 1; in.Scan(); n++ {
		a, err := answer(in.Text())
		if err != nil {
			out.Flush()
			fmt.Fprintf(os.Stderr, "tlog: stdin line %d: %v\n", n, err)
			os.Exit(2)
		}
		fmt.Fprintln(out, a)
	}
	if err := in.Err(); err != nil {
		out.Flush()
		fmt.Fprintf(os.Stderr, "tlog: %v\n", err)
		os.Exit(2)
	}
}
