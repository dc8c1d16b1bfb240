#!/usr/bin/env python3
"""Read, check and forge annal evidence bundles with python's standard library.

usage: python3 lib-bundle.py list ZIP
       python3 lib-bundle.py cat ZIP MEMBER
       python3 lib-bundle.py check ZIP
       python3 lib-bundle.py forge IN OUT [--resum] [--resign KEY] MUTATION [ARGS...]
       python3 lib-bundle.py batch IN <SPEC
       python3 lib-bundle.py raw-flip IN OUT MEMBER
       python3 lib-bundle.py truncate IN OUT N|N%
       python3 lib-bundle.py patch IN OUT WHAT
       python3 lib-bundle.py shadow IN OUT gap|trail|extra
       python3 lib-bundle.py not-zip OUT

`list` prints the member names in archive order; `cat` writes one member
to stdout.

`check` is an independent checker of a bundle's content (everything of
SPEC-EXPORT.md "The audit of the audit" except the SSH signatures, which
the tests check with ssh-keygen): manifest, SHA256SUMS, records, the chain
skeleton and the raw commits.  Prints "ok N records, chain of M" or exits
1 with the first problem.

`forge` reads every member of IN (a good bundle), applies MUTATION, then
optionally recomputes SHA256SUMS (--resum: not re-signed, so the old
signature no longer matches) or re-signs the whole bundle as an attacker
would (--resign KEY: signer.pub becomes KEY.pub, the manifest's "signer"
its fingerprint, SHA256SUMS is recomputed and signed with
`ssh-keygen -Y sign -n annal -f KEY`), and writes OUT with its own zip
writer, which gives full control over names, modes, sizes and CRCs.
`forge IN OUT identity` must give a bundle that verifies.  --resign-raw
KEY re-signs but leaves the manifest's "signer" as it was.  Several
mutations may be chained, separated by a lone "+".

Mutations (NAME is a member name; I a 0-based line number):
  identity                  no change
  flip NAME [OFFSET]        xor 0x01 into one byte of NAME (default: middle)
  drop NAME                 remove NAME
  add NAME TEXT             a new regular member
  rename OLD NEW            rename a member (keeps its place)
  replace NAME FILE         NAME gets the bytes of FILE
  symlink NAME TARGET       NAME becomes a symlink to TARGET (same place)
  add-symlink NAME TARGET   a new symlink member
  add-dir NAME              a directory entry (NAME should end with /)
  add-device NAME           a character device entry
  dup NAME same|changed     a second member NAME after the first
  swap-lines NAME I J       exchange two lines of a text member
  drop-line NAME I          remove one line
  set-json NAME I KEY JSON  line I of NAME (the whole file for manifest.json:
                            I=0) gets KEY = JSON, written canonical (plus the
                            newline it had)
  del-json NAME I KEY       remove KEY from that JSON object
  rehash I                  records.jsonl line I: recompute "hash"
  space-json NAME I         line I not canonical (a space after the first ':')
  commit-edit ID            commits/ID: its JSON gets "actor":"mallory"
  method NAME M             NAME stored with compression method number M
  lie-size NAME SIZE        NAME declares SIZE bytes uncompressed (data as is)
  bomb NAME MIB [lie]       NAME = MIB MiB of zeros, deflated; "lie": the
                            headers declare 1000 bytes instead
  bombs MIB NAMES...        each NAME (added or replaced) = MIB MiB of zeros
  add-file NAME FILE        a new regular member with the bytes of FILE
  many N                    N more empty members commits/<40 hex>
  dup-line NAME I           line I twice
  skel-sync I               the skeleton line of records.jsonl line I made
                            to agree with that record
  empty                     no member at all
  commit-swap ID OTHER      commits/ID gets the bytes of commits/OTHER

`batch IN` reads lines "OUT [--resum] [--resign KEY] MUTATION ARGS..."
(shell-quoted) from stdin and forges each from IN: one python for many
variants.

`raw-flip` flips one byte in the middle of MEMBER's stored (compressed)
data inside the archive file, recomputing nothing (the first byte from the
middle on whose flip changes what the member inflates to: some bits of a
deflate stream change nothing).  `truncate` keeps the
first N bytes (N% of the file with a % sign; a negative N drops -N bytes
from the end).  `not-zip` writes a text file.  `patch IN OUT WHAT` corrupts the zip
structure (WHAT: entries, cd-offset, cd-size, name-len, extra-len,
local-offset, zip64, local-name, central-name: the first member's name
differs between its local and its central header).
"""

import base64
import hashlib
import json
import os
import re
import shlex
import stat
import struct
import subprocess
import sys
import tempfile
import warnings
import zipfile
import zlib

GENESIS = "sha256:" + "0" * 64
FORMAT_FILES = {
    "json": "records.json",
    "csv": "records.csv",
    "otlp-json": "records.otlp.json",
    "splunk-hec": "records.splunk.jsonl",
    "datadog": "records.datadog.jsonl",
}


def die(msg, code=3):
    sys.stderr.write("lib-bundle: %s\n" % msg)
    sys.exit(code)


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def record_hash(rec):
    rest = {k: v for k, v in rec.items() if k not in ("hash", "id")}
    return "sha256:" + hashlib.sha256(canonical(rest).encode()).hexdigest()


def fingerprint(pub_line):
    blob = base64.b64decode(pub_line.split()[1])
    fp = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return "SHA256:" + fp


# ---- the archive model -------------------------------------------------

class Member:
    def __init__(self, name, data, kind="file"):
        self.name = name          # str (may hold anything)
        self.data = data          # bytes
        self.kind = kind          # file, symlink, dir, device
        self.method = 8           # 0 stored, 8 deflated, other: stored data
        self.declared = None      # lie about the uncompressed size
        self.bomb = None          # (compressed bytes, crc, real size)

    def mode(self):
        return {"file": stat.S_IFREG | 0o644,
                "symlink": stat.S_IFLNK | 0o777,
                "dir": stat.S_IFDIR | 0o755,
                "device": stat.S_IFCHR | 0o644}[self.kind]


def load(path):
    members = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            members.append(Member(info.filename, z.read(info)))
    return members


def find(members, name):
    for m in members:
        if m.name == name:
            return m
    die("no member %r" % name)


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


_bomb_cache = {}


def zeros_bomb(mib):
    """(raw deflate stream, crc32, size) of mib MiB of zeros"""
    if mib not in _bomb_cache:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        chunk = bytes(1 << 20)
        crc, out = 0, []
        for _ in range(mib):
            out.append(c.compress(chunk))
            crc = zlib.crc32(chunk, crc)
        out.append(c.flush())
        _bomb_cache[mib] = (b"".join(out), crc, mib << 20)
    return _bomb_cache[mib]


def write(path, members):
    """A plain zip (no data descriptors, no zip64) written by hand."""
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("utf-8", "surrogateescape")
        if m.bomb is not None:
            stored, crc, size = m.bomb
            method = 8
        else:
            crc, size = zlib.crc32(m.data), len(m.data)
            method = m.method
            stored = deflate(m.data) if method == 8 else m.data
        declared = size if m.declared is None else m.declared
        flags = 0x800
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, flags, method,
                           0, 0x21, crc, len(stored), declared, len(name), 0)
        out += name + stored
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50,
                               (3 << 8) | 20, 20, flags, method, 0, 0x21,
                               crc, len(stored), declared, len(name), 0, 0,
                               0, 0, m.mode() << 16, offset)
        central += name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(members),
                       len(members), len(central), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


# ---- mutations -----------------------------------------------------------

def lines_of(m):
    return m.data.decode().split("\n")   # last element "" if final newline


def set_lines(m, lines):
    m.data = "\n".join(lines).encode()


def json_line(m, i):
    lines = lines_of(m)
    return lines, json.loads(lines[i])


def resum(members):
    names = sorted(m.name for m in members
                   if m.name not in ("SHA256SUMS", "SHA256SUMS.sig"))
    by = {m.name: m for m in members}
    text = "".join("%s  %s\n" % (hashlib.sha256(by[n].data).hexdigest(), n)
                   for n in names)
    sums = [m for m in members if m.name == "SHA256SUMS"]
    if sums:
        sums[0].data = text.encode()
    return text.encode()


def resign(members, key, manifest_too=True):
    pub = open(key + ".pub", "rb").read()
    for m in members:
        if m.name == "signer.pub":
            m.data = pub
        elif m.name == "manifest.json" and manifest_too:
            nl = m.data.endswith(b"\n")
            try:
                man = json.loads(m.data)
            except ValueError:
                continue      # a broken manifest stays broken
            man["signer"] = fingerprint(pub.decode())
            m.data = canonical(man).encode() + (b"\n" if nl else b"")
    sums = resum(members)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "SHA256SUMS")
        with open(f, "wb") as fh:
            fh.write(sums)
        p = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "annal",
                            "-f", key, f], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode:
            die("ssh-keygen -Y sign: %s" % p.stderr.decode())
        sig = open(f + ".sig", "rb").read()
    for m in members:
        if m.name == "SHA256SUMS.sig":
            m.data = sig


def mutate(members, op, args):
    if op == "identity":
        pass
    elif op == "flip":
        m = find(members, args[0])
        if not m.data:
            die("member %s is empty" % args[0])
        off = int(args[1]) if len(args) > 1 else len(m.data) // 2
        b = bytearray(m.data)
        b[off] ^= 0x01
        m.data = bytes(b)
    elif op == "drop":
        members.remove(find(members, args[0]))
    elif op == "add":
        members.append(Member(args[0], args[1].encode()))
    elif op == "rename":
        find(members, args[0]).name = args[1]
    elif op == "replace":
        find(members, args[0]).data = open(args[1], "rb").read()
    elif op == "symlink":
        m = find(members, args[0])
        m.kind, m.data = "symlink", args[1].encode()
    elif op == "add-symlink":
        members.append(Member(args[0], args[1].encode(), "symlink"))
    elif op == "add-dir":
        members.append(Member(args[0], b"", "dir"))
    elif op == "add-device":
        members.append(Member(args[0], b"", "device"))
    elif op == "dup":
        m = find(members, args[0])
        data = m.data
        if args[1] == "changed":
            data = data + b"\n"
        members.insert(members.index(m) + 1, Member(m.name, data))
    elif op == "swap-lines":
        m = find(members, args[0])
        lines = lines_of(m)
        i, j = int(args[1]), int(args[2])
        lines[i], lines[j] = lines[j], lines[i]
        set_lines(m, lines)
    elif op == "drop-line":
        m = find(members, args[0])
        lines = lines_of(m)
        del lines[int(args[1])]
        set_lines(m, lines)
    elif op in ("set-json", "del-json", "space-json"):
        m = find(members, args[0])
        lines, obj = json_line(m, int(args[1]))
        if op == "set-json":
            obj[args[2]] = json.loads(args[3])
            text = canonical(obj)
        elif op == "del-json":
            del obj[args[2]]
            text = canonical(obj)
        else:
            text = canonical(obj).replace(":", ": ", 1)
        lines[int(args[1])] = text
        set_lines(m, lines)
    elif op == "rehash":
        m = find(members, "records.jsonl")
        i = int(args[0])
        lines, obj = json_line(m, i)
        obj["hash"] = record_hash(obj)
        lines[i] = canonical(obj)
        set_lines(m, lines)
    elif op == "commit-edit":
        m = find(members, "commits/" + args[0])
        head, sep, body = m.data.rpartition(b"\n\n")
        rec = json.loads(body)
        rec["actor"] = "mallory"
        m.data = head + sep + canonical(rec).encode() + b"\n"
    elif op == "method":
        m = find(members, args[0])
        m.method = int(args[1])
    elif op == "lie-size":
        find(members, args[0]).declared = int(args[1])
    elif op == "bomb":
        m = find(members, args[0])
        m.bomb = zeros_bomb(int(args[1]))
        if len(args) > 2 and args[2] == "lie":
            m.declared = 1000
    elif op == "bombs":
        mib = int(args[0])
        for name in args[1:]:
            old = [m for m in members if m.name == name]
            m = old[0] if old else Member(name, b"")
            if not old:
                members.insert(1, m)
            m.bomb = zeros_bomb(mib)
    elif op == "many":
        for i in range(int(args[0])):
            members.append(Member("commits/%040x" % i, b""))
    elif op == "add-file":
        members.append(Member(args[0], open(args[1], "rb").read()))
    elif op == "dup-line":
        m = find(members, args[0])
        lines = lines_of(m)
        i = int(args[1])
        lines.insert(i, lines[i])
        set_lines(m, lines)
    elif op == "skel-sync":
        lines, rec = json_line(find(members, "records.jsonl"), int(args[0]))
        m = find(members, "chain.jsonl")
        chain = lines_of(m)
        for k, line in enumerate(chain):
            if line and json.loads(line)["seq"] == rec["seq"]:
                chain[k] = canonical({f: rec[f] for f in
                                      ("hash", "id", "prev_hash", "seq", "ts")})
        set_lines(m, chain)
    elif op == "empty":
        del members[:]
    elif op == "commit-swap":
        find(members, "commits/" + args[0]).data = \
            find(members, "commits/" + args[1]).data
    else:
        die("unknown mutation %s" % op)


def forge(src, dst, argv):
    resum_, key, manifest_too = False, None, True
    while argv and argv[0].startswith("--"):
        if argv[0] == "--resum":
            resum_, argv = True, argv[1:]
        elif argv[0] in ("--resign", "--resign-raw"):
            manifest_too = argv[0] == "--resign"
            key, argv = argv[1], argv[2:]
        else:
            die("unknown option %s" % argv[0])
    if not argv:
        die("forge: no mutation")
    members = load(src)
    ops, cur = [], []
    for a in argv:
        if a == "+":
            ops.append(cur)
            cur = []
        else:
            cur.append(a)
    ops.append(cur)
    for op in ops:
        mutate(members, op[0], op[1:])
    if key is not None:
        resign(members, key, manifest_too)
    elif resum_:
        resum(members)
    write(dst, members)


# ---- raw byte surgery -----------------------------------------------------

def raw_flip(src, dst, name):
    data = bytearray(open(src, "rb").read())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(name)
    off = info.header_offset
    sig, = struct.unpack("<I", data[off:off + 4])
    if sig != 0x04034b50:
        die("no local header for %s" % name)
    n, e = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + n + e
    if info.compress_size == 0:
        die("member %s has no data" % name)
    # A deflate stream has bits whose flip leaves what it inflates to as
    # it was (about 1 in 700 here): the member would still be intact, and
    # a checker right to accept it.  Flip the first byte from the middle
    # on whose flip changes the member or breaks its stream.
    orig = bytes(data[start:start + info.compress_size])
    for i in range(info.compress_size // 2, info.compress_size):
        flipped = bytearray(orig)
        flipped[i] ^= 0x01
        if info.compress_type != zipfile.ZIP_DEFLATED:
            break
        try:
            d = zlib.decompressobj(-15)
            same = d.decompress(bytes(flipped)) == z_inflate(orig) and d.eof
        except zlib.error:
            same = False
        if not same:
            break
    else:
        die("no byte of %s can be flipped to damage it" % name)
    data[start + i] ^= 0x01
    open(dst, "wb").write(data)


def z_inflate(raw):
    return zlib.decompress(raw, -15)


def patch(src, dst, what):
    """Corrupt the zip structure: the end of central directory record or
    the first central directory header."""
    data = bytearray(open(src, "rb").read())
    eocd = data.rfind(b"PK\x05\x06")
    if eocd < 0:
        die("no end of central directory")
    cd = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    if what == "entries":            # claims 65535 members
        data[eocd + 8:eocd + 12] = struct.pack("<HH", 0xffff, 0xffff)
    elif what == "cd-offset":        # the central directory past the end
        data[eocd + 16:eocd + 20] = struct.pack("<I", len(data) + 1000)
    elif what == "cd-size":          # a huge central directory
        data[eocd + 12:eocd + 16] = struct.pack("<I", 0xfffffff0)
    elif what == "name-len":         # a name running past the end
        data[cd + 28:cd + 30] = struct.pack("<H", 0xffff)
    elif what == "extra-len":        # an extra field running past the end
        data[cd + 30:cd + 32] = struct.pack("<H", 0xffff)
    elif what == "local-offset":     # the first member's data elsewhere
        data[cd + 42:cd + 46] = struct.pack("<I", 0x7ffffff0)
    elif what in ("local-name", "central-name"):
        # the first member's name changed in one of its two headers only
        name = struct.unpack("<H", data[cd + 28:cd + 30])[0]
        at = cd + 46 + name - 1 if what == "central-name" else 30 + name - 1
        data[at] ^= 0x01
    elif what == "zip64":            # sizes say: see the zip64 extra field
        data[cd + 20:cd + 28] = struct.pack("<II", 0xffffffff, 0xffffffff)
    else:
        die("unknown patch %s" % what)
    open(dst, "wb").write(data)


def shadow(src, dst, where):
    """A second local header for records.jsonl, with other content, that
    the central directory points to instead of the real one: hidden in a
    gap before the real header, after the end of the deflate stream of the
    member before it (inside its compressed size), or inside the extra
    field of the real header.  unzip and python's zipfile read the hidden
    content; a reader that follows the local headers alone reads the
    real one."""
    members = load(src)
    names = [m.name for m in members]
    target = names.index("records.jsonl")
    evil = b'{"actor":"mallory"}\n'

    def local(name, data, crc, size, method=0, extra=b""):
        return struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0x800, method, 0, 0x21,
                           crc, len(data), size, len(name), len(extra)) + name + extra + data

    hidden = local(b"records.jsonl", evil, zlib.crc32(evil), len(evil))
    out, central = bytearray(), bytearray()
    for i, m in enumerate(members):
        name = m.name.encode()
        crc, size, data, method, extra = zlib.crc32(m.data), len(m.data), m.data, 0, b""
        if where == "gap" and i == target:
            points_to = len(out)
            out += hidden
        if where == "trail" and i == target - 1:
            data, method = deflate(m.data), 8
            points_from = len(data)
            data += hidden
        if where == "extra" and i == target:
            extra = struct.pack("<HH", 0xcafe, len(hidden)) + hidden
            points_to = len(out) + 30 + len(name) + 4
        offset = len(out)
        out += local(name, data, crc, size, method, extra)
        if where == "trail" and i == target - 1:
            points_to = offset + 30 + len(name) + points_from
        if i == target:
            offset, crc, size, data = points_to, zlib.crc32(evil), len(evil), evil
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, (3 << 8) | 20, 20,
                               0x800, method, 0, 0x21, crc, len(data), size, len(name),
                               0, 0, 0, 0, m.mode() << 16, offset) + name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(members), len(members),
                       len(central), cd_offset, 0)
    open(dst, "wb").write(out)


def truncate(src, dst, n):
    data = open(src, "rb").read()
    if n.endswith("%"):
        k = len(data) * int(n[:-1]) // 100
    else:
        k = int(n)
        if k < 0:
            k = len(data) + k
    open(dst, "wb").write(data[:k])


# ---- the independent checker --------------------------------------------

class Bad(Exception):
    pass


def check(path):
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise Bad("duplicate member names")
        for i in infos:
            mode = i.external_attr >> 16
            if i.is_dir() or (mode and not stat.S_ISREG(mode)):
                raise Bad("%s is not a regular file" % i.filename)
        files = {n: z.read(n) for n in names}
    for n in names:
        if not (n in ("manifest.json", "records.jsonl", "chain.jsonl",
                      "signer.pub", "SHA256SUMS", "SHA256SUMS.sig")
                or n in FORMAT_FILES.values()
                or re.fullmatch(r"commits/[0-9a-f]{40}", n)):
            raise Bad("unexpected member %r" % n)
    for n in ("manifest.json", "records.jsonl", "chain.jsonl", "signer.pub",
              "SHA256SUMS", "SHA256SUMS.sig"):
        if n not in files:
            raise Bad("missing %s" % n)

    # SHA256SUMS: every member but the two, sorted, right hashes
    want = "".join("%s  %s\n" % (hashlib.sha256(files[n]).hexdigest(), n)
                   for n in sorted(names)
                   if n not in ("SHA256SUMS", "SHA256SUMS.sig"))
    if files["SHA256SUMS"].decode() != want:
        raise Bad("SHA256SUMS:\n%s\nwant\n%s" % (files["SHA256SUMS"].decode(),
                                                 want))

    text = files["manifest.json"].decode()
    man = json.loads(text)
    if text not in (canonical(man), canonical(man) + "\n"):
        raise Bad("manifest.json is not canonical JSON")
    keys = {"annal_version", "created", "filters", "first", "format",
            "formats", "head", "last", "log", "log_keys", "log_signed",
            "records", "signer", "version"}
    if set(man) != keys:
        raise Bad("manifest keys %s, want %s" % (sorted(man), sorted(keys)))
    if man["format"] != "annal-bundle" or man["version"] != 1:
        raise Bad("manifest format/version")
    if man["signer"] != fingerprint(files["signer.pub"].decode()):
        raise Bad("manifest signer is not signer.pub's fingerprint")
    if not isinstance(man["formats"], list) or "jsonl" not in man["formats"]:
        raise Bad("manifest formats %r" % man["formats"])
    for f, n in FORMAT_FILES.items():
        if (f in man["formats"]) != (n in files):
            raise Bad("format %s <-> member %s" % (f, n))

    def jsonl(name):
        t = files[name].decode()
        if t and not t.endswith("\n"):
            raise Bad("%s: no final newline" % name)
        out = []
        for k, line in enumerate(t.split("\n")[:-1], 1):
            obj = json.loads(line)
            if canonical(obj) != line:
                raise Bad("%s line %d not canonical" % (name, k))
            out.append(obj)
        return out

    recs = jsonl("records.jsonl")
    chain = jsonl("chain.jsonl")
    if man["records"] != len(recs):
        raise Bad("manifest records %r, %d in records.jsonl"
                  % (man["records"], len(recs)))
    for c in chain:
        if set(c) != {"hash", "id", "prev_hash", "seq", "ts"}:
            raise Bad("skeleton keys %s" % sorted(c))
    for a, b in zip(chain, chain[1:]):
        if b["seq"] != a["seq"] + 1 or b["ts"] < a["ts"] or \
           b["prev_hash"] != a["hash"]:
            raise Bad("skeleton broken at seq %s" % b["seq"])
    if chain and chain[0]["seq"] == 1 and chain[0]["prev_hash"] != GENESIS:
        raise Bad("skeleton does not start at genesis")
    if not recs:
        if chain or man["first"] is not None or man["last"] is not None:
            raise Bad("empty export with a skeleton or first/last")
    else:
        first = {"id": recs[0]["id"], "seq": recs[0]["seq"]}
        last = {"id": recs[-1]["id"], "seq": recs[-1]["seq"]}
        if man["first"] != first or man["last"] != last:
            raise Bad("manifest first/last")
        if not chain or chain[0]["seq"] != first["seq"] or \
           chain[-1]["seq"] != last["seq"]:
            raise Bad("skeleton does not cover first..last")
        if man["head"]["seq"] < last["seq"]:
            raise Bad("head before last")
    by_seq = {c["seq"]: c for c in chain}
    prev = 0
    commits = set()
    for r in recs:
        if r["seq"] <= prev:
            raise Bad("records not oldest first")
        prev = r["seq"]
        if r["hash"] != record_hash(r):
            raise Bad("record %s: hash" % r["seq"])
        c = by_seq.get(r["seq"])
        if c is None or any(c[k] != r[k] for k in c):
            raise Bad("record %s not in the skeleton" % r["seq"])
        name = "commits/" + r["id"]
        if name not in files:
            raise Bad("missing %s" % name)
        raw = files[name]
        commits.add(name)
        oid = hashlib.sha1(b"commit %d\0" % len(raw) + raw).hexdigest()
        if oid != r["id"]:
            raise Bad("%s hashes to %s" % (name, oid))
        head, _, msg = raw.partition(b"\n\n")
        body = msg.split(b"\n\n", 1)[1]
        stored = {k: v for k, v in r.items() if k != "id"}
        if body != canonical(stored).encode() + b"\n":
            raise Bad("%s does not hold its record" % name)
        parents = [l[7:].decode() for l in head.split(b"\n")
                   if l.startswith(b"parent ")]
        if r["seq"] == 1:
            if parents:
                raise Bad("%s: seq 1 with a parent" % name)
        elif len(parents) != 1:
            raise Bad("%s: %d parents" % (name, len(parents)))
        elif r["seq"] - 1 in by_seq and parents[0] != by_seq[r["seq"] - 1]["id"]:
            raise Bad("%s: parent %s, want %s"
                      % (name, parents[0], by_seq[r["seq"] - 1]["id"]))
    extra = {n for n in names if n.startswith("commits/")} - commits
    if extra:
        raise Bad("commits of no record: %s" % sorted(extra))
    return len(recs), len(chain)


def main(argv):
    if len(argv) < 2:
        die(__doc__, 2)
    cmd, args = argv[1], argv[2:]
    warnings.simplefilter("ignore")
    if cmd == "list":
        with zipfile.ZipFile(args[0]) as z:
            for n in z.namelist():
                print(n)
    elif cmd == "cat":
        with zipfile.ZipFile(args[0]) as z:
            sys.stdout.buffer.write(z.read(args[1]))
    elif cmd == "check":
        try:
            n, m = check(args[0])
        except (Bad, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
            die("%s: %s" % (args[0], e), 1)
        print("ok %d records, chain of %d" % (n, m))
    elif cmd == "forge":
        forge(args[0], args[1], args[2:])
    elif cmd == "batch":
        for line in sys.stdin:
            words = shlex.split(line)
            if words:
                forge(args[0], words[0], words[1:])
    elif cmd == "raw-flip":
        raw_flip(args[0], args[1], args[2])
    elif cmd == "patch":
        patch(args[0], args[1], args[2])
    elif cmd == "truncate":
        truncate(args[0], args[1], args[2])
    elif cmd == "shadow":
        shadow(args[0], args[1], args[2])
    elif cmd == "not-zip":
        open(args[0], "w").write("this is not a zip archive\n")
    else:
        die("unknown command %s" % cmd, 2)


if __name__ == "__main__":
    main(sys.argv)
