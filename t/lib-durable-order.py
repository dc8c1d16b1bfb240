#!/usr/bin/env python3
"""Check an strace log: every id annal printed was durable first.

usage: lib-durable-order.py TRACE REF

TRACE comes from `strace -f -s 4096 -o TRACE -e
trace=openat,write,fsync,fdatasync,close,rename,link annal ...`, REF is
the path of the log's ref file as annal opens it.  Each write to stdout
that holds ids must come after the last of them was made durable: its
packs fsynced before they were renamed into place and their directory
fsynced after; the id written to REF.lock, that file fsynced, renamed
(or linked) to REF, and REF's directory fsynced after that.  Prints one
line per answer that came too early and exits 1; exits 1 also when no
id was printed at all.
"""
import os
import re
import sys


def calls(f):
    """Each completed call as one line, without its pid, in completion
    order: a call that another thread's interrupted ("<unfinished ...>")
    is joined with its "<... resumed>" rest."""
    pending = {}
    for line in f:
        m = re.match(r"(\d+) +(.*)$", line.rstrip("\n"))
        pid, rest = (m.group(1), m.group(2)) if m else ("", line.rstrip("\n"))
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[:-len("<unfinished ...>")].rstrip()
            continue
        r = re.match(r"<\.\.\. \w+ resumed>(.*)$", rest)
        if r:
            rest = pending.pop(pid, "") + r.group(1)
        yield rest


def main():
    trace, ref = sys.argv[1], sys.argv[2]
    lock, refdir = ref + ".lock", os.path.dirname(ref)
    fds = {}            # fd -> path
    lock_content = {}   # fd -> id written to the lock
    synced_lock = None  # id in the lock, fsynced
    pending_ref = None  # id renamed into REF, its directory not yet synced
    durable = None      # id in REF, durable
    unsynced_packs = set()   # tmp pack files written, not fsynced
    pending_packs = set()    # packs renamed in place, directory not synced
    bad, answers = [], 0
    with open(trace, encoding="utf-8", errors="replace") as f:
        for line in calls(f):
            m = re.match(r'openat\(AT_FDCWD, "([^"]*)".*\) = (\d+)$', line)
            if m:
                path, fd = m.group(1).rstrip("/"), m.group(2)
                fds[fd] = path
                if "tmp_pack_" in os.path.basename(path):
                    unsynced_packs.add(path)
                continue
            m = re.match(r"f(?:data)?sync\((\d+)\) += 0", line)
            if m:
                path = fds.get(m.group(1))
                if path == lock and m.group(1) in lock_content:
                    synced_lock = lock_content[m.group(1)]
                elif path == refdir and pending_ref:
                    durable, pending_ref = pending_ref, None
                elif path in unsynced_packs:
                    unsynced_packs.discard(path)
                elif pending_packs and path == os.path.dirname(next(iter(pending_packs))):
                    pending_packs.clear()
                continue
            m = re.match(r"close\((\d+)\)", line)
            if m:
                fds.pop(m.group(1), None)
                lock_content.pop(m.group(1), None)
                continue
            m = re.match(r'(?:rename|link)\("([^"]*)", "([^"]*)"\) += 0', line)
            if m:
                src, dst = m.group(1), m.group(2)
                if src == lock and dst == ref:
                    pending_ref, synced_lock = synced_lock, None
                elif src in unsynced_packs and dst.endswith(".pack"):
                    bad.append("pack %s renamed into place before its fsync" % dst)
                elif dst.endswith(".pack"):
                    pending_packs.add(dst)
                continue
            m = re.match(r'write\((\d+), "(.*)"(?:\.\.\.)?, \d+\) += \d+', line)
            if not m:
                continue
            fd, data = m.group(1), m.group(2)
            if fds.get(fd) == lock:
                lock_content[fd] = data[:40]
                continue
            if fd != "1":
                continue
            ids = re.findall(r"(?:^|\\n)([0-9a-f]{40})(?=\\n|$)", data)
            if not ids:
                continue
            answers += 1
            if ids[-1] != durable:
                bad.append("%s printed while the durable head was %s" % (ids[-1], durable))
            if pending_packs:
                bad.append("%s printed before %s was synced in its directory"
                           % (ids[-1], sorted(pending_packs)[0]))
    if not answers:
        bad.append("no id was printed")
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
