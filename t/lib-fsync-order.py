#!/usr/bin/env python3
"""Check an strace log: each DIR was fsynced before the first id was printed.

usage: lib-fsync-order.py TRACE DIR...

TRACE comes from `strace -f -o TRACE -e trace=openat,fsync,fdatasync,write
annal ...` with paths as annal opened them. A directory counts as synced
when a descriptor opened on it (openat with AT_FDCWD and that path) was
passed to fsync or fdatasync that returned 0, before the first write(1,
...) that starts with 40 hex digits. Prints one line per directory that
was not, and exits 1.
"""
import re
import sys


def main():
    trace, dirs = sys.argv[1], [d.rstrip("/") for d in sys.argv[2:]]
    fds, synced, printed = {}, set(), False
    with open(trace, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = re.sub(r"^\d+ +", "", line)
            m = re.match(r'openat\(AT_FDCWD, "([^"]*)".*\) = (\d+)$', line)
            if m:
                fds[m.group(2)] = m.group(1).rstrip("/")
                continue
            m = re.match(r"f(?:data)?sync\((\d+)\) += 0", line)
            if m and m.group(1) in fds:
                synced.add(fds[m.group(1)])
                continue
            m = re.match(r"close\((\d+)\)", line)
            if m:
                fds.pop(m.group(1), None)
                continue
            if re.match(r'write\(1, "[0-9a-f]{40}', line):
                printed = True
                break
    bad = [] if printed else ["no id was printed"]
    bad += ["%s was not fsynced before the id was printed" % d
            for d in dirs if d not in synced]
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
