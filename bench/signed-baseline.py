#!/usr/bin/env python3
"""The stock reference of the signed storage figures (1d, 1g): git
fast-import of the same signed commits annal wrote.

    signed-baseline.py SOURCE REF OUT

reads the commits of REF in the repository SOURCE (a signed log made by
annal), oldest first, and imports them with stock `git fast-import`
(fsync on, as every reference of bench/run.sh) into a new bare
repository OUT.  It prints one line saying how, for the table's note.

git fast-import learned a `gpgsig` command only in git 2.52; older git
(Debian 12 ships 2.39) rejects it.  Then each commit is imported with
its gpgsig header moved, byte for byte, to the top of its message: the
object has the same bytes in another order and the same length, so
fast-import deltas and compresses the same content, but the ids differ.
With a git that has `gpgsig` the commits are imported as they are, and
the line says whether the ids came out equal.

To try another reference, replace this script: bench/run.sh only needs
OUT to hold REF with as many commits as SOURCE, and the line on stdout.
"""
import subprocess
import sys
import tempfile
import threading

GIT_FSYNC = ["-c", "core.fsync=all", "-c", "core.fsyncMethod=fsync"]


def commits(source, ref):
    """(id, headers, signature, message) of each commit, oldest first;
    headers is a list of (name, value) without gpgsig, signature the
    gpgsig header's value (b"" if none) with its continuation spaces."""
    revs = subprocess.run(["git", "--git-dir=" + source, "rev-list",
                           "--reverse", ref], check=True,
                          capture_output=True).stdout
    cat = subprocess.Popen(["git", "--git-dir=" + source, "cat-file",
                            "--batch"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    feeder = threading.Thread(
        target=lambda: (cat.stdin.write(revs), cat.stdin.close()))
    feeder.start()
    out = cat.stdout
    while True:
        head = out.readline()
        if not head:
            break
        oid, kind, size = head.split()
        body = out.read(int(size))
        out.read(1)
        if kind != b"commit":
            raise SystemExit("signed-baseline.py: %s is a %s" % (
                oid.decode(), kind.decode()))
        hdr, _, msg = body.partition(b"\n\n")
        headers, sig = [], b""
        for line in hdr.split(b"\n"):
            if line.startswith(b" "):
                if headers[-1][0] != b"gpgsig":
                    raise SystemExit("signed-baseline.py: %s: a folded "
                                     "header other than gpgsig" % oid.decode())
                sig += b"\n" + line
                continue
            name, _, value = line.partition(b" ")
            if name == b"gpgsig":
                sig = value
            headers.append((name, value))
        yield oid, [h for h in headers if h[0] != b"gpgsig"], sig, msg
    feeder.join()
    if cat.wait() != 0:
        raise SystemExit("signed-baseline.py: git cat-file failed")


def data(b):
    return b"data %d\n" % len(b) + b + b"\n"


def stream(source, ref, out, gpgsig):
    """Write the fast-import stream of ref's commits to out."""
    n = 0
    last = None
    for oid, headers, sig, msg in commits(source, ref):
        n += 1
        h = dict(headers)
        if set(h) - {b"tree", b"parent", b"author", b"committer"}:
            raise SystemExit("signed-baseline.py: %s: headers %r" % (
                oid.decode(), sorted(h)))
        out.write(b"commit %s\nmark :%d\n" % (ref.encode(), n))
        out.write(b"author %s\ncommitter %s\n" % (h[b"author"],
                                                  h[b"committer"]))
        if gpgsig and sig:
            # the signature without the header's continuation spaces
            out.write(b"gpgsig sha1 ssh\n" +
                      data(sig.replace(b"\n ", b"\n") + b"\n"))
            out.write(data(msg))
        elif sig:
            # the header's bytes at the top of the message: the object
            # is as long as the signed commit
            out.write(data(b"gpgsig " + sig + b"\n" + msg))
        else:
            out.write(data(msg))
        if last:
            out.write(b"from :%d\n" % (n - 1))
        out.write(b"\n")
        last = oid
    return n, last


def fast_import(repo, write):
    p = subprocess.Popen(["git"] + GIT_FSYNC + ["--git-dir=" + repo,
                                                "fast-import", "--quiet"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        result = write(p.stdin)
        p.stdin.close()
    except BrokenPipeError:
        result = None
    err = p.stderr.read().decode(errors="replace").strip()
    return p.wait() == 0, result, err


def has_gpgsig():
    """Whether this git's fast-import takes a gpgsig command."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["git", "init", "-q", "--bare", d], check=True)
        probe = (b"commit refs/heads/probe\n"
                 b"committer c <c> 1 +0000\n"
                 b"gpgsig sha1 ssh\n" + data(b"x\n") + data(b"m\n"))
        ok, _, _ = fast_import(d, lambda f: f.write(probe))
        return ok


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: signed-baseline.py SOURCE REF OUT")
    source, ref, out = sys.argv[1:]
    gpgsig = has_gpgsig()
    subprocess.run(["git", "init", "-q", "--bare", out], check=True)
    ok, result, err = fast_import(out, lambda f: stream(source, ref, f,
                                                         gpgsig))
    if not ok or not result:
        raise SystemExit("signed-baseline.py: git fast-import failed: %s" %
                         err[:300])
    n, last = result
    if gpgsig:
        got = subprocess.run(["git", "--git-dir=" + out, "rev-parse", ref],
                             capture_output=True).stdout.strip()
        print("git fast-import of the %d signed commits with gpgsig; "
              "ids %s" % (n, "equal to annal's" if got == last else
                          "differ from annal's"))
    else:
        print("git fast-import of the %d signed commits, each with its "
              "gpgsig header moved into its message (this git's "
              "fast-import has no gpgsig): same bytes and length, "
              "other ids" % n)


if __name__ == "__main__":
    main()
