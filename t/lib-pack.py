#!/usr/bin/env python3
"""Write a git pack and its index holding chosen data under chosen ids.

usage: python3 lib-pack.py [--unsorted] [--type T] <dir> <id>:<file>...

Writes <dir>/pack-<sum>.pack and <dir>/pack-<sum>.idx (version 2) whose
objects are the contents of the files, each stored whole (no delta) as an
object of type T (default commit) under the id given, which need not be
the id of the content: a forged copy of an object.  Prints <sum>.  With
--unsorted the index lists the ids in reverse order (its fan-out table
stays consistent with that order), as no git would write it.
"""
import hashlib
import struct
import sys
import zlib

TYPES = {"commit": 1, "tree": 2, "blob": 3, "tag": 4}


def pack_header(kind, size):
    c = (kind << 4) | (size & 15)
    size >>= 4
    out = bytearray()
    while size:
        out.append(c | 0x80)
        c = size & 0x7F
        size >>= 7
    out.append(c)
    return bytes(out)


def main(argv):
    unsorted = False
    kind = TYPES["commit"]
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--unsorted":
            unsorted = True
        elif opt == "--type":
            kind = TYPES[argv.pop(0)]
        else:
            sys.exit("lib-pack.py: unknown option %s" % opt)
    if len(argv) < 2:
        sys.exit(__doc__)
    outdir, specs = argv[0], argv[1:]
    pack = bytearray(b"PACK" + struct.pack(">II", 2, len(specs)))
    entries = []
    for spec in specs:
        oid, path = spec.split(":", 1)
        with open(path, "rb") as f:
            data = f.read()
        body = pack_header(kind, len(data)) + zlib.compress(data)
        entries.append((bytes.fromhex(oid), zlib.crc32(body) & 0xFFFFFFFF, len(pack)))
        pack += body
    checksum = hashlib.sha1(pack).digest()
    pack += checksum
    entries.sort(reverse=unsorted)
    idx = bytearray(b"\377tOc" + struct.pack(">I", 2))
    if unsorted:
        # counts as a reader would find them walking this order
        seen = 0
        fanout = []
        for b in range(256):
            while seen < len(entries) and entries[seen][0][0] <= b:
                seen += 1
            fanout.append(seen)
    else:
        fanout = [sum(1 for e in entries if e[0][0] <= b) for b in range(256)]
    for n in fanout:
        idx += struct.pack(">I", n)
    for e in entries:
        idx += e[0]
    for e in entries:
        idx += struct.pack(">I", e[1])
    for e in entries:
        idx += struct.pack(">I", e[2])
    idx += checksum
    idx += hashlib.sha1(idx).digest()
    name = checksum.hex()
    with open("%s/pack-%s.pack" % (outdir, name), "wb") as f:
        f.write(pack)
    with open("%s/pack-%s.idx" % (outdir, name), "wb") as f:
        f.write(idx)
    print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
