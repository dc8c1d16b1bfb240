#!/usr/bin/env python3
"""Crash states of a command, after ALICE and CrashMonkey.

usage: lib-crash.py [--full] [--keep DIR] [--feed FILE] --check SCRIPT
                    --root NAME=PATH... -- COMMAND [ARG...]

Snapshots every root (a directory; everything in it counts as durable),
runs COMMAND under strace (stdin and stderr are passed through, stdout
is copied to ours; with --feed, stdin gets a line of FILE at a time,
the next once an id was printed) and replays the trace on a model file system:

- a file's data is durable once fsync() or fdatasync() of it returned;
- a directory entry (create, mkdir, rename, link, unlink, rmdir) is
  durable once fsync() of its directory returned, as POSIX has it; ext4
  in practice keeps more, never less.

After every operation that changed a root, and after every write to
standard output, it builds the states a crash then may leave:

- pessimistic: only what was synced;
- each unsynced directory operation alone persisted (a later one
  without the earlier ones: reordering), with the data as synced;
- each file's unsynced data alone persisted, the rest as synced;
- every directory operation persisted, with the data as synced, or with
  each file at its new size but zeros where its data was not synced
  (metadata first, as ext4 with data=writeback or delayed allocation),
  or with a file's first unsynced writes only, zeros after them (all
  of them with --full, else up to 3, or the first and all but the last);
- optimistic: everything (what SIGKILL leaves);
- with --full (ANNAL_TEST_FULL): every subset of the unsynced directory
  operations (up to 8 of them), every prefix of them combined with each
  file's unsynced data, and every prefix of each file's writes.

Identical states are checked once.  Each is written out as a directory
holding each root under NAME and SCRIPT runs there with sh; it must exit
0 and print the ids of every record reachable in that state.  Every id
the command printed (a line of 40 or 64 hex digits written to fd 1)
before the crash point must be among them.  As a check of the model, its
optimistic state at the end must equal the roots as the command left
them.  The states of the last crash point, once the command has exited 0,
are checked with CRASH_DONE=1 in the environment (and empty before): what
the command did is acknowledged then, like a printed id.  Prints a
summary line on stderr; on a violation, there too, a line
per distinct violation (the crash point, the state, the script's
output), and exits 1.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

SYSCALLS = ("openat,open,creat,write,pwrite64,writev,pwritev,pwritev2,"
            "lseek,read,readv,ftruncate,fsync,fdatasync,rename,renameat,"
            "renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,rmdir,"
            "close,dup,dup2,dup3,fcntl,clone,clone3,fork,vfork,chdir")
O_CREAT, O_TRUNC, O_APPEND = 0o100, 0o1000, 0o2000
ID = re.compile(rb"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def die(msg):
    print("lib-crash.py: " + msg, file=sys.stderr)
    sys.exit(2)


def unhex(s):
    return bytes.fromhex(s.replace("\\x", ""))


# --- the trace --------------------------------------------------------------

def split_args(s):
    """Top-level comma-separated arguments of "a, {b, c}, [d]"."""
    out, depth, cur, i = [], 0, [], 0
    while i < len(s):
        c = s[i]
        if c == '"':
            j = s.index('"', i + 1)
            cur.append(s[i:j + 1])
            i = j + 1
            continue
        if c in "({[<":
            depth += 1
        elif c in ")}]>":
            depth -= 1
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def string_arg(a):
    m = re.match(r'^"((?:\\x[0-9a-f]{2})*)"', a)
    if not m:
        die("not a string argument: %.80s" % a)
    return unhex(m.group(1))


def fd_arg(a):
    """(fd or 'AT_FDCWD', the path strace -y showed or None)."""
    m = re.match(r"^(-?\d+|AT_FDCWD)(?:<((?:\\x[0-9a-f]{2})*)>)?", a)
    if not m:
        return None, None
    fd = m.group(1) if m.group(1) == "AT_FDCWD" else int(m.group(1))
    path = unhex(m.group(2)).decode("utf-8", "surrogateescape") if m.group(2) else None
    return fd, path


def parse_flags(a):
    bits = 0
    for f in a.split("|"):
        bits |= {"O_CREAT": O_CREAT, "O_TRUNC": O_TRUNC, "O_APPEND": O_APPEND}.get(f, 0)
    return bits


LINE = re.compile(r"^(\d+) +(.*)$")
CALL = re.compile(r"^([a-z0-9_]+)\((.*)\) += (.*)$", re.S)


def syscalls(path):
    """(pid, name, args, ret) of each completed call, in completion order."""
    pending = {}
    with open(path, encoding="ascii", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = LINE.match(line)
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            if rest.endswith("<unfinished ...>"):
                pending[pid] = rest[:-len("<unfinished ...>")].rstrip()
                continue
            r = re.match(r"^<\.\.\. [a-z0-9_]+ resumed>(.*)$", rest)
            if r:
                rest = pending.pop(pid, "") + r.group(1)
            c = CALL.match(rest)
            if not c:
                continue
            yield pid, c.group(1), split_args(c.group(2)), c.group(3)


def ret_value(ret):
    fd, path = fd_arg(ret.split(" ")[0])
    return (fd if isinstance(fd, int) else -1), path


# --- the model --------------------------------------------------------------

class Inode:
    def __init__(self, is_dir, data=b""):
        self.is_dir = is_dir
        self.data = bytearray(data)
        self.synced = bytes(data)
        self.entries = {}
        self.synced_entries = {}
        self.writes = []        # unsynced: (offset, bytes), (None, new size)

    def prefix(self, j):
        """Writes 1 to j since the last sync made it, at the new size,
        zeros where nothing made it."""
        buf = bytearray(self.synced)
        for off, d in self.writes[:j]:
            if off is None:
                del buf[d:]
                buf.extend(bytes(d - len(buf)))
            else:
                buf.extend(bytes(max(0, off - len(buf))))
                buf[off:off + len(d)] = d
        del buf[len(self.data):]
        buf.extend(bytes(len(self.data) - len(buf)))
        return bytes(buf)


class Model:
    def __init__(self, roots):
        self.inodes = []
        self.roots = {}         # real path -> (name, inode number)
        self.pending = []       # unsynced directory operations
        for name, path in roots:
            self.roots[path] = (name, self.load(path))

    def new(self, is_dir, data=b""):
        self.inodes.append(Inode(is_dir, data))
        return len(self.inodes) - 1

    def load(self, path):
        if os.path.isdir(path) and not os.path.islink(path):
            ino = self.new(True)
            for e in sorted(os.listdir(path)):
                self.inodes[ino].entries[e] = self.load(os.path.join(path, e))
            self.inodes[ino].synced_entries = dict(self.inodes[ino].entries)
            return ino
        with open(path, "rb") as f:
            return self.new(False, f.read())

    def split(self, path):
        """(parent inode, name) of a path inside a root, or None."""
        if path is None:
            return None
        path = os.path.normpath(path)
        for root, (_, ino) in self.roots.items():
            if path.startswith(root + "/"):
                parts = path[len(root) + 1:].split("/")
                for p in parts[:-1]:
                    ino = self.inodes[ino].entries.get(p)
                    if ino is None or not self.inodes[ino].is_dir:
                        return None
                return ino, parts[-1]
        return None

    def lookup(self, path):
        if path is not None and os.path.normpath(path) in self.roots:
            return self.roots[os.path.normpath(path)][1]
        s = self.split(path)
        return None if s is None else self.inodes[s[0]].entries.get(s[1])

    def dirop(self, effects):
        """Apply [(dir, name, inode or None)] now; durable at its dir's fsync."""
        for d, name, ino in effects:
            if ino is None:
                self.inodes[d].entries.pop(name, None)
            else:
                self.inodes[d].entries[name] = ino
        self.pending.append(effects)

    def sync_dir(self, d):
        self.inodes[d].synced_entries = dict(self.inodes[d].entries)
        self.pending = [op for op in ([e for e in op if e[0] != d]
                                      for op in self.pending) if op]

    # a state: per directory its entries, per file its data
    def state(self, ops=(), data=(), optimistic=False, zeros=False, prefix=(None, 0)):
        ents = {}
        for op in ops:
            for d, name, ino in op:
                e = ents.setdefault(d, dict(self.inodes[d].synced_entries))
                if ino is None:
                    e.pop(name, None)
                else:
                    e[name] = ino
        files = {}

        def walk(ino, rel):
            node = self.inodes[ino]
            if node.is_dir:
                files[rel + "/"] = None
                e = node.entries if optimistic else ents.get(ino, node.synced_entries)
                for name in sorted(e):
                    walk(e[name], rel + "/" + name)
            else:
                if optimistic or ino in data:
                    files[rel] = bytes(node.data)
                elif zeros and bytes(node.data) != node.synced:
                    # the new size made it, the new data did not, or only
                    # its first writes
                    files[rel] = node.prefix(prefix[1] if prefix[0] == ino else 0)
                else:
                    files[rel] = node.synced
        for _, (name, ino) in sorted(self.roots.items()):
            walk(ino, name)
        return files


def state_key(files):
    h = hashlib.sha256()
    for p in sorted(files):
        h.update(p.encode("utf-8", "surrogateescape") + b"\0")
        h.update(b"D" if files[p] is None else hashlib.sha256(files[p]).digest())
    return h.hexdigest()


def crash_states(m, full):
    """[(kind, files)] of a crash now."""
    out = [("pessimistic", m.state())]
    unsynced = [i for i, n in enumerate(m.inodes)
                if not n.is_dir and bytes(n.data) != n.synced]
    for k, op in enumerate(m.pending):
        out.append(("directory operation %d of %d alone" % (k + 1, len(m.pending)),
                    m.state(ops=[op])))
    for i in unsynced:
        out.append(("unsynced data of inode %d alone" % i, m.state(data={i})))
    if m.pending:
        out.append(("every directory operation, data as synced",
                    m.state(ops=m.pending)))
    if m.pending or unsynced:
        out.append(("every directory operation, unsynced data as zeros",
                    m.state(ops=m.pending, zeros=True)))
    for i in unsynced:
        k = len(m.inodes[i].writes)
        for j in range(1, k) if full or k <= 4 else (1, k - 1):
            out.append(("every directory operation, writes 1 to %d of %d of inode %d, "
                        "zeros after them" % (j, k, i),
                        m.state(ops=m.pending, zeros=True, prefix=(i, j))))
    if full and 1 < len(m.pending) <= 8:
        for mask in range(1, 2 ** len(m.pending) - 1):
            ops = [op for k, op in enumerate(m.pending) if mask >> k & 1]
            out.append(("directory operations %s" % bin(mask), m.state(ops=ops)))
    if full:
        for k in range(1, len(m.pending) + 1):
            out.append(("directory operations 1 to %d" % k, m.state(ops=m.pending[:k])))
            for i in unsynced:
                out.append(("directory operations 1 to %d, data of inode %d" % (k, i),
                            m.state(ops=m.pending[:k], data={i})))
    out.append(("optimistic", m.state(optimistic=True)))
    return out


# --- replay -------------------------------------------------------------------

class Replay:
    def __init__(self, model, cwd, main_pid):
        self.m = model
        self.cwd = cwd
        self.tables = {main_pid: {}}    # pid -> fd table (shared by threads)
        self.stdout = b""

    def table(self, pid):
        return self.tables.setdefault(pid, {})

    def path(self, dirfd, p):
        fd, dpath = fd_arg(dirfd) if dirfd is not None else (None, None)
        if p.startswith("/"):
            return p
        return os.path.join(dpath or self.cwd, p)

    def arg_path(self, name, args, k):
        """The k-th path of a call: (dirfd, path) pairs for the *at calls."""
        if name in ("openat", "renameat", "renameat2", "linkat", "unlinkat", "mkdirat"):
            dirfd, p = args[2 * k], args[2 * k + 1]
        else:
            dirfd, p = None, args[k]
        return self.path(dirfd, string_arg(p).decode("utf-8", "surrogateescape"))

    def write_at(self, f, off, data):
        node = self.m.inodes[f["ino"]]
        if f["append"]:
            off = len(node.data)
        if off > len(node.data):
            node.data.extend(b"\0" * (off - len(node.data)))
        node.data[off:off + len(data)] = data
        node.writes.append((off, bytes(data)))
        return off + len(data)

    def step(self, pid, name, args, ret):
        """Apply one call; True when it changed the roots or printed."""
        rv, rpath = ret_value(ret)
        if rv < 0 and name not in ("clone", "clone3", "fork", "vfork"):
            return False
        t = self.table(pid)
        if name in ("clone", "clone3", "fork", "vfork"):
            if rv > 0:
                self.tables[rv] = t if "CLONE_FILES" in args[0] else {
                    k: dict(v) for k, v in t.items()}
            return False
        if name == "chdir":
            self.cwd = os.path.normpath(self.path(None, string_arg(args[0]).decode(
                "utf-8", "surrogateescape")))
            return False
        if name in ("open", "openat", "creat"):
            p = self.arg_path(name, args, 0)
            flags = "O_CREAT|O_TRUNC" if name == "creat" else args[2 if name == "openat" else 1]
            bits = parse_flags(flags)
            ino, changed = self.m.lookup(rpath or p), False
            if ino is None and bits & O_CREAT:
                s = self.m.split(rpath or p)
                if s is not None:
                    ino = self.m.new(False)
                    self.m.dirop([(s[0], s[1], ino)])
                    changed = True
            if ino is None:
                t.pop(rv, None)
                return False
            if bits & O_TRUNC and not self.m.inodes[ino].is_dir and self.m.inodes[ino].data:
                del self.m.inodes[ino].data[:]
                self.m.inodes[ino].writes.append((None, 0))
                changed = True
            t[rv] = {"ino": ino, "off": 0, "append": bool(bits & O_APPEND)}
            return changed
        if name in ("dup", "dup2", "dup3") or (name == "fcntl" and "F_DUPFD" in args[1]):
            fd, _ = fd_arg(args[0])
            if fd in t:
                t[rv] = t[fd]
            else:
                t.pop(rv, None)
            return False
        if name == "close":
            fd, _ = fd_arg(args[0])
            t.pop(fd, None)
            return False
        if name in ("write", "writev", "pwrite64", "pwritev", "pwritev2"):
            fd, _ = fd_arg(args[0])
            if name in ("write", "pwrite64"):
                data = string_arg(args[1])
            else:
                data = b"".join(unhex(x) for x in re.findall(
                    r'iov_base="((?:\\x[0-9a-f]{2})*)"', args[1]))
            data = data[:rv]
            if fd == 1 and fd not in t:
                self.stdout += data
                return True
            f = t.get(fd)
            if f is None:
                return False
            if name.startswith("p"):
                self.write_at(dict(f, append=False), int(args[3]), data)
            else:
                f["off"] = self.write_at(f, f["off"], data)
            return bool(data)
        if name in ("read", "readv"):
            fd, _ = fd_arg(args[0])
            if fd in t:
                t[fd]["off"] += rv
            return False
        if name == "lseek":
            fd, _ = fd_arg(args[0])
            if fd in t:
                t[fd]["off"] = rv
            return False
        if name == "ftruncate":
            fd, _ = fd_arg(args[0])
            f = t.get(fd)
            if f is None:
                return False
            node, n = self.m.inodes[f["ino"]], int(args[1])
            del node.data[n:]
            node.writes.append((None, n))
            node.data.extend(b"\0" * (n - len(node.data)))
            return True
        if name in ("fsync", "fdatasync"):
            fd, _ = fd_arg(args[0])
            f = t.get(fd)
            if f is None:
                return False
            node = self.m.inodes[f["ino"]]
            if node.is_dir:
                self.m.sync_dir(f["ino"])
            else:
                node.synced = bytes(node.data)
                node.writes = []
            return True
        if name in ("rename", "renameat", "renameat2", "link", "linkat"):
            old, new = self.arg_path(name, args, 0), self.arg_path(name, args, 1)
            so, sn = self.m.split(old), self.m.split(new)
            ino = self.m.lookup(old)
            if sn is None or ino is None:
                if so is not None and name.startswith("rename"):
                    self.m.dirop([(so[0], so[1], None)])
                    return True
                return False
            effects = [(sn[0], sn[1], ino)]
            if name.startswith("rename"):
                effects.insert(0, (so[0], so[1], None))
            self.m.dirop(effects)
            return True
        if name in ("unlink", "unlinkat", "rmdir", "mkdir", "mkdirat"):
            s = self.m.split(self.arg_path(name, args, 0))
            if s is None:
                return False
            self.m.dirop([(s[0], s[1], self.m.new(True) if name.startswith("mkdir") else None)])
            return True
        return False


def shown(call):
    """A call as text: strings decoded, control characters escaped."""
    call = re.sub(r"(?:\\x[0-9a-f]{2})+", lambda m: unhex(m.group(0)).decode(
        "utf-8", "replace").encode("unicode_escape").decode("ascii"), call)
    return call if len(call) < 300 else call[:300] + "..."


# --- checking -----------------------------------------------------------------

def materialise(files, top):
    for p in sorted(files):
        full = os.path.join(top, p.rstrip("/"))
        if files[p] is None:
            os.makedirs(full, exist_ok=True)
        else:
            with open(full, "wb") as f:
                f.write(files[p])


def real_files(roots):
    files = {}
    for name, path in roots:
        for dirpath, dirs, names in os.walk(path):
            rel = name + dirpath[len(path):]
            files[rel + "/"] = None
            for n in names:
                with open(os.path.join(dirpath, n), "rb") as f:
                    files[rel + "/" + n] = f.read()
    return files


def main():
    argv = sys.argv[1:]
    full, keep, check, feed, roots = False, None, None, None, []
    while argv and argv[0] != "--":
        a = argv.pop(0)
        if a == "--full":
            full = True
        elif a == "--keep":
            keep = argv.pop(0)
        elif a == "--feed":
            feed = argv.pop(0)
        elif a == "--check":
            check = argv.pop(0)
        elif a == "--root":
            name, _, path = argv.pop(0).partition("=")
            roots.append((name, os.path.realpath(path)))
        else:
            die("unknown option " + a)
    if not argv or check is None or not roots:
        die("usage: lib-crash.py [--full] [--keep DIR] --check SCRIPT "
            "--root NAME=PATH... -- COMMAND...")
    cmd = argv[1:]
    model = Model(roots)
    work = tempfile.mkdtemp(prefix="crash.", dir=".")
    trace = os.path.join(work, "trace")
    env = dict(os.environ)
    # LeakSanitizer cannot run under ptrace
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    p = subprocess.Popen(["strace", "-f", "-qq", "-y", "-xx", "-s", "268435456",
                          "-o", trace, "-e", "trace=" + SYSCALLS, "--"] + cmd,
                         stdout=subprocess.PIPE, env=env,
                         stdin=subprocess.PIPE if feed else None)
    out = b""
    if feed:
        # a line at a time: each is answered before the next is sent
        with open(feed, "rb") as f:
            for line in f:
                p.stdin.write(line)
                p.stdin.flush()
                answer = p.stdout.readline()
                out += answer
                if not ID.match(answer.rstrip(b"\n")):
                    break
        p.stdin.close()
        p.stdin = None
    out += p.communicate()[0]
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    if p.returncode != 0:
        die("%s exited %d" % (" ".join(cmd), p.returncode))

    main_pid = None
    points = []     # (index, call, ids printed so far, [(kind, key)])
    states = {}     # key -> files
    replay = None
    for n, (pid, name, args, ret) in enumerate(syscalls(trace)):
        if replay is None:
            main_pid = pid
            replay = Replay(model, os.getcwd(), main_pid)
        if not replay.step(pid, name, args, ret):
            continue
        ids = [l for l in replay.stdout.split(b"\n")[:-1] if ID.match(l)]
        kinds = []
        for kind, files in crash_states(model, full):
            key = state_key(files)
            states.setdefault(key, files)
            kinds.append((kind, key))
        points.append((n, shown("%s(%s) = %s" % (name, ", ".join(args), ret)), ids, kinds))
    if replay is None:
        die("empty trace")
    if replay.stdout != out:
        die("the trace's writes to fd 1 differ from the output")
    final = model.state(optimistic=True)
    if state_key(final) != state_key(real_files(roots)):
        real = real_files(roots)
        diff = sorted(p for p in set(final) | set(real) if final.get(p, 0) != real.get(p, 0))
        die("the model's last state differs from the disk: " + ", ".join(diff[:10]))

    def run_check(key, i, done):
        d = os.path.join(work, "s%d%s" % (i, "-done" if done else ""))
        os.mkdir(d)
        materialise(states[key], d)
        r = subprocess.run(["sh", "-c", check], cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT,
                           env=dict(os.environ, CRASH_DONE="1" if done else ""))
        text = r.stdout.decode("utf-8", "replace")
        reach = set(l.encode() for l in text.split("\n") if ID.match(l.encode()))
        return r.returncode, text, reach, d

    results = {}
    for i, key in enumerate(sorted(states)):
        results[key, False] = run_check(key, i, False)
    # after the last call the command has exited 0: what it did is acknowledged
    for i, (kind, key) in enumerate(points[-1][3] if points else []):
        if (key, True) not in results:
            results[key, True] = run_check(key, i, True)

    bad = []
    for k, (n, call, ids, kinds) in enumerate(points):
        for kind, key in kinds:
            rc, text, reach, d = results[key, k == len(points) - 1]
            lost = [i.decode() for i in ids if i not in reach]
            if rc != 0 or lost:
                bad.append((n, call, kind, rc, lost, text, d))
    printed = len([l for l in out.split(b"\n") if ID.match(l)])
    print("# %d crash points, %d distinct states, %d ids printed, %d violations"
          % (len(points), len(states), printed, len(bad)), file=sys.stderr)
    seen = set()
    for n, call, kind, rc, lost, text, d in bad:
        if (rc, tuple(lost), text) in seen and not keep:
            continue
        seen.add((rc, tuple(lost), text))
        print("crash after call %d %s, %s: check exit %d%s" % (
            n, call, kind, rc, ", printed ids lost: " + " ".join(lost) if lost else ""),
            file=sys.stderr)
        for l in text.splitlines()[:10]:
            print("    " + l, file=sys.stderr)
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.move(work, keep)
    else:
        shutil.rmtree(work)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
