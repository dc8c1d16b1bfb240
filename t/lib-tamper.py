#!/usr/bin/env python3
"""Rewrite an annal log with stock git plumbing, to test `annal verify`.

usage: python3 lib-tamper.py <git-dir> <log> <mutation> [<args>...]

Reads every record of refs/audit/<log> oldest first (`git cat-file`), applies
one mutation, writes the commits again exactly in annal's storage format
(`git hash-object -t commit -w --stdin`) and moves the ref (`git update-ref`),
so that the only defect in the new log is the intended one.  Prints the
commit ids of the new chain, oldest first, one per line.  Record numbers K
are 1-based positions in the chain.

Before any mutation the log is rebuilt without change and every commit must
come out byte for byte identical: the tool and annal agree on the format.

Mutations:
  identity                      rebuild only (the ids must not change)
  edit-field K FIELD VALUE      edit record K, keep its stale "hash"
  edit-field-rehash K F VALUE   edit K and recompute its hash, not K+1's prev_hash
  fully-consistent-edit K F V   edit K and recompute every later prev_hash/hash
  drop-field K FIELD            remove FIELD from K, chain recomputed
  swap K                        swap records K and K+1
  drop K                        remove record K
  ts-back K                     K's ts one second before K-1's, chain recomputed
  seq-gap K                     seq + 1 from K on, chain recomputed
  merge K                       record K gets record 1 as a second parent
  summary K                     change only K's summary line
  author K                      change only K's author name
  noncanonical K MODE           K's JSON not canonical (MODE: space, unsorted,
                                escape); the hash stays valid
  garble K                      K's message body is not JSON
  parent-blob K                 K's parent is a blob
  truncate K                    the ref points to record K
  grind K PREFIX FIELD VALUE    edit K, then add a counter "nonce" to it until
                                its commit id starts with PREFIX (hex), chain
                                recomputed: a forgery for an abbreviated anchor
  corrupt-object K              K's loose object: another valid zlib stream
  delete-object K               remove K's loose object file

VALUE: a string, or `json:<JSON>` for any JSON value.
"""

import calendar
import hashlib
import json
import os
import subprocess
import sys
import time
import zlib

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GENESIS = "sha256:" + "0" * 64


def die(msg):
    sys.stderr.write("lib-tamper: %s\n" % msg)
    sys.exit(3)


class Git:
    def __init__(self, git_dir):
        self.git_dir = git_dir

    def run(self, *args, data=None, check=True):
        p = subprocess.run(["git", "--git-dir=" + self.git_dir] + list(args),
                           input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0:
            if not check:
                return None
            die("git %s: %s" % (" ".join(args),
                                p.stderr.decode(errors="replace").strip()))
        return p.stdout

    def resolve(self, ref):
        out = self.run("cat-file", "--batch-check", data=(ref + "\n").encode())
        fields = out.decode().split()
        if len(fields) != 3:
            die("cannot resolve %s: %s" % (ref, out.decode().strip()))
        return fields[0], fields[1]

    def commit_bytes(self, oid):
        return self.run("cat-file", "commit", oid)

    def write(self, kind, data):
        out = self.run("hash-object", "-t", kind, "-w", "--stdin", data=data,
                       check=False)
        if out is None:
            # newer git refuses some deliberately broken objects
            out = self.run("hash-object", "-t", kind, "-w", "--stdin",
                           "--literally", data=data)
        return out.decode().strip()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def record_hash(rec):
    rest = {k: v for k, v in rec.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(canonical(rest).encode()).hexdigest()


def sanitize(s):
    return "".join("?" if c in "<>" or ord(c) < 0x20 or ord(c) == 0x7f else c
                   for c in s)


def ts_seconds(ts):
    return calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))


def summary_of(rec):
    s = "#%s %s %s" % (rec.get("seq"), sanitize(str(rec.get("actor", ""))),
                       sanitize(str(rec.get("action", ""))))
    if "target" in rec:
        s += " " + sanitize(str(rec["target"]))
    if "decision" in rec:
        s += " -> " + sanitize(str(rec["decision"]))
    return s


class Entry:
    """One record of the chain and what to write for it."""

    def __init__(self, oid, raw):
        self.oid = oid
        self.raw = raw
        head, _, msg = raw.partition(b"\n\n")
        self.parents = [l[7:].decode() for l in head.split(b"\n")
                        if l.startswith(b"parent ")]
        summary, sep, body = msg.decode().partition("\n\n")
        if not sep or not body.endswith("\n"):
            die("commit %s: message is not summary, blank line, JSON" % oid)
        self.rec = json.loads(body[:-1])
        # overrides for a deliberate defect
        self.json_text = None
        self.summary = None
        self.author = None
        self.committer = None
        self.extra_parents = []
        self.parent_override = None

    def build(self, parent):
        rec = self.rec
        secs = ts_seconds(rec["ts"])
        name = self.author if self.author is not None \
            else sanitize(str(rec["actor"]))
        lines = ["tree " + EMPTY_TREE]
        if self.parent_override is not None:
            lines.append("parent " + self.parent_override)
        elif parent is not None:
            lines.append("parent " + parent)
        lines += ["parent " + p for p in self.extra_parents]
        lines.append("author %s <annal> %d +0000" % (name, secs))
        cname = self.committer if self.committer is not None \
            else sanitize(str(rec["actor"]))
        lines.append("committer %s <annal> %d +0000" % (cname, secs))
        summary = self.summary if self.summary is not None else summary_of(rec)
        body = self.json_text if self.json_text is not None else canonical(rec)
        return ("\n".join(lines) + "\n\n" + summary + "\n\n" + body + "\n").encode()


def read_chain(git, log):
    head, kind = git.resolve("refs/audit/" + log)
    if kind != "commit":
        die("refs/audit/%s is a %s" % (log, kind))
    chain = []
    oid = head
    while oid:
        e = Entry(oid, git.commit_bytes(oid))
        chain.append(e)
        if len(e.parents) > 1:
            die("commit %s is a merge" % oid)
        oid = e.parents[0] if e.parents else None
    chain.reverse()
    return chain


def relink(chain, start):
    """Recompute prev_hash and hash from position start (0-based) on."""
    for i in range(start, len(chain)):
        rec = chain[i].rec
        rec["prev_hash"] = chain[i - 1].rec["hash"] if i else GENESIS
        rec["hash"] = record_hash(rec)


def parse_value(v):
    return json.loads(v[5:]) if v.startswith("json:") else v


def loose_path(git_dir, oid):
    path = os.path.join(git_dir, "objects", oid[:2], oid[2:])
    if not os.path.exists(path):
        die("object %s is not loose" % oid)
    return path


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    git_dir, log, mutation, args = argv[0], argv[1], argv[2], argv[3:]
    git = Git(git_dir)
    chain = read_chain(git, log)
    old_head = chain[-1].oid

    # self-check: the format of the spec reproduces every commit
    for e in chain:
        parent = e.parents[0] if e.parents else None
        built = e.build(parent)
        if built != e.raw:
            die("rebuilding %s does not reproduce it:\n--- stored\n%s\n--- spec\n%s"
                % (e.oid, e.raw.decode(errors="replace"),
                   built.decode(errors="replace")))

    def pos(s):
        k = int(s)
        if not 1 <= k <= len(chain):
            die("no record %d (log has %d)" % (k, len(chain)))
        return k - 1

    k = pos(args[0]) if args else None
    e = chain[k] if k is not None else None

    if mutation == "identity":
        pass
    elif mutation in ("edit-field", "edit-field-rehash", "fully-consistent-edit"):
        e.rec[args[1]] = parse_value(args[2])
        if mutation == "edit-field-rehash":
            e.rec["hash"] = record_hash(e.rec)
        elif mutation == "fully-consistent-edit":
            relink(chain, k)
    elif mutation == "drop-field":
        e.summary = summary_of(e.rec)
        e.author = e.committer = sanitize(str(e.rec["actor"]))
        del e.rec[args[1]]
        relink(chain, k)
    elif mutation == "swap":
        if k + 1 >= len(chain):
            die("swap needs a record after %d" % (k + 1))
        chain[k], chain[k + 1] = chain[k + 1], chain[k]
    elif mutation == "drop":
        del chain[k]
    elif mutation == "ts-back":
        if k == 0:
            die("ts-back needs a previous record")
        prev = ts_seconds(chain[k - 1].rec["ts"]) - 1
        e.rec["ts"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(prev)) \
            + chain[k - 1].rec["ts"][19:]
        relink(chain, k)
    elif mutation == "seq-gap":
        for later in chain[k:]:
            later.rec["seq"] += 1
        relink(chain, k)
    elif mutation == "merge":
        if k < 2:
            die("merge needs K >= 3")
        e.extra_parents = ["RECORD1"]
    elif mutation == "summary":
        e.summary = summary_of(e.rec) + " (edited)"
    elif mutation == "author":
        e.author = "mallory"
    elif mutation == "noncanonical":
        mode = args[1]
        if mode == "space":
            text = json.dumps(e.rec, sort_keys=True, separators=(", ", ": "),
                              ensure_ascii=False)
        elif mode == "unsorted":
            text = json.dumps(dict(sorted(e.rec.items(), reverse=True)),
                              separators=(",", ":"), ensure_ascii=False)
        elif mode == "escape":
            text = json.dumps(e.rec, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=True)
        else:
            die("unknown noncanonical mode %s" % mode)
        if text == canonical(e.rec):
            die("noncanonical %s: record %d has nothing to change" % (mode, k + 1))
        e.json_text = text
    elif mutation == "garble":
        e.json_text = "{not json"
    elif mutation == "parent-blob":
        if k == 0:
            die("parent-blob needs a parent")
        e.parent_override = git.write("blob", b"not a commit\n")
    elif mutation == "truncate":
        del chain[k + 1:]
    elif mutation == "grind":
        prefix = args[1]
        e.rec[args[2]] = parse_value(args[3])
        parent = chain[k - 1].oid if k else None
        nonce = 0
        while True:
            e.rec["nonce"] = nonce
            e.rec["hash"] = record_hash(e.rec)
            raw = e.build(parent)
            oid = hashlib.sha1(b"commit %d\0" % len(raw) + raw).hexdigest()
            if oid.startswith(prefix):
                break
            nonce += 1
        relink(chain, k + 1)
    elif mutation in ("corrupt-object", "delete-object"):
        path = loose_path(git_dir, e.oid)
        os.chmod(path, 0o644)
        if mutation == "delete-object":
            os.unlink(path)
        else:
            content = b"commit 16\0not the original\n"
            with open(path, "wb") as f:
                f.write(zlib.compress(content))
        for x in chain:
            print(x.oid)
        return
    else:
        die("unknown mutation %s" % mutation)

    ids = []
    parent = None
    for x in chain:
        x.extra_parents = [ids[0] if p == "RECORD1" else p for p in x.extra_parents]
        parent = git.write("commit", x.build(parent))
        ids.append(parent)
    git.run("update-ref", "refs/audit/" + log, ids[-1], old_head)
    for oid in ids:
        print(oid)


if __name__ == "__main__":
    main(sys.argv[1:])
