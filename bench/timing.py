#!/usr/bin/env python3
"""Timing helpers for bench/run.sh; every time is wall clock
(time.perf_counter) around a subprocess, and every figure a median with
its spread.

A figure passes between the helpers and run.sh as STATS, one word
"median,lo,hi": lo and hi are the lowest and the highest sample, or the
first and third quartiles when there are 20 samples or more (a single
number is a figure without spread; FAILED a command that did not exit 0).

    timing.py median --runs N [--setup SH] [--stdin FILE] -- CMD...
        STATS of the seconds of N runs of CMD (SH runs untimed before each)
    timing.py stats V...
        STATS of the numbers V (e.g. the rates of several runs)
    timing.py scale F STATS
        STATS times F
    timing.py rss -- CMD...
        peak resident set of CMD in KiB (/usr/bin/time -f %M if present)
    timing.py single --annal A --annal-repo R --git-repo G --key K
                     --records F --count N
        seconds per durable signed append, one record per call, annal's
        and git's calls alternating; prints "<annal STATS> <git STATS>":
        annal: A -C R append --sign-key K --json RECORD
        git:   git commit-tree -S -p HEAD -m MSG EMPTYTREE, git update-ref
    timing.py stream --annal A --repo R --key K --records F --count M --runs N [--pipelined]
        STATS of records/s of one 'append --stdin --stream' process fed
        one line at a time, each write waiting for its id; --pipelined:
        a producer thread writes every line at once while the ids are
        read (group commit: a producer faster than the disk)
    timing.py contend (--annal A | --git) --repo R --key K --records F
                    --writers W --each E [--offset O]
        W concurrent writers, each E single signed appends; prints
        "<records/s over the whole run> <failed appends> <retries>".
        annal: A -C R append --sign-key K --json RECORD;
        git: under flock(2) of R/bench-writer.lock, rev-parse, commit-tree
        -S, update-ref NEW OLD (again from rev-parse if the ref moved)
    timing.py central --annal A --key K --dir D --records F --hosts H
                    --rounds R --each E --runs N [--stock]
        STATS of records/s accepted by a central repository while H hosts
        push at once: each round, every host appends E signed records
        (untimed), then all push together (timed; the rate is every
        record over the sum of the rounds' push times).  annal: a central
        of 'annal init --central' and 'annal push file://'; --stock: a
        plain 'git init --bare' and 'git push' of the same refspec.
        Every record must land, and an annal central must pass verify --all.
    timing.py row --out TSV --id ID --name NAME [--value STATS --unit U]
                [--value-per N] [--ref STATS] [--ref-per N] [--target T]
                [--cmd C] [--ref-cmd C] [--na TEXT] [--fail TEXT]
                [--note TEXT]
        add a table row; T is ratio>=X, ratio<=X, ratio<X or value<=X;
        --value-per N (--ref-per N): STATS are seconds, the figure is the
        rate N / seconds
    timing.py report TSV
        print the table, the verdict and the commands
    timing.py verdict TSV
        exit 1 if a row with a target MISSED it or FAILED
"""
import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GIT_FSYNC = ["-c", "core.fsync=all", "-c", "core.fsyncMethod=fsync"]


class Failed(Exception):
    pass


def progress(msg):
    sys.stderr.write("  " + msg + "\n")
    sys.stderr.flush()


def run_once(cmd, stdin_path=None, capture=False):
    """Run cmd, return (seconds, stdout); raise Failed unless it exits 0."""
    fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=fin,
                           stdout=subprocess.PIPE if capture
                           else subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        t = time.perf_counter() - t0
    finally:
        if stdin_path:
            fin.close()
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        raise Failed("exit %d: %s: %s" % (
            p.returncode, " ".join(cmd)[:300], err[0][:300] if err else ""))
    return t, p.stdout


def errlog(e):
    """Keep the message for the report's list of errors."""
    if os.environ.get("BENCH_ERRLOG"):
        with open(os.environ["BENCH_ERRLOG"], "a") as f:
            f.write("%s\n" % e)


def stats(samples):
    """STATS of samples: "median,lo,hi" (see the top of this file)."""
    v = sorted(samples)
    if len(v) >= 20:
        q = statistics.quantiles(v, n=4, method="inclusive")
        lo, hi = q[0], q[2]
    else:
        lo, hi = v[0], v[-1]
    return "%.9g,%.9g,%.9g" % (statistics.median(v), lo, hi)


def parse_stats(text):
    """(median, lo, hi) of a STATS word, or None for '', '-' or FAILED;
    lo and hi are None for a figure without spread."""
    if text in (None, "", "-", "FAILED"):
        return None
    v = [float(x) for x in text.split(",")]
    if len(v) == 1:
        return (v[0], None, None)
    return (v[0], v[1], v[2])


def per(n, st):
    """The rate n / seconds: the spread turns over."""
    if st is None:
        return None
    med, lo, hi = st
    if med == 0:
        return None
    return (n / med, n / hi if hi else None, n / lo if lo else None)


def records(path, count, offset=0):
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i < offset:
                continue
            if len(out) == count:
                break
            out.append(line.rstrip("\n"))
    if len(out) < count:
        raise Failed("%s: fewer than %d records" % (path, offset + count))
    return out


def cmd_median(a):
    times = []
    for i in range(a.runs):
        if a.setup:
            p = subprocess.run(a.setup, shell=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            if p.returncode:
                raise Failed("setup failed: %s: %s" % (
                    a.setup, p.stderr.decode(errors="replace").strip()))
        t, _ = run_once(a.cmd, a.stdin)
        times.append(t)
        if t > 0.5:
            progress("run %d/%d: %.3f s" % (i + 1, a.runs, t))
    print(stats(times))


def cmd_rss(a):
    gnu_time = "/usr/bin/time"
    if os.access(gnu_time, os.X_OK):
        with tempfile.NamedTemporaryFile("r") as tf:
            run_once([gnu_time, "-f", "%M", "-o", tf.name] + a.cmd, a.stdin)
            kib = int(tf.read().strip().splitlines()[-1])
    else:
        import resource
        run_once(a.cmd, a.stdin)
        kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(kib)


def summary(line):
    import json
    rec = json.loads(line)
    s = "%s %s" % (rec["actor"], rec["action"])
    if "target" in rec:
        s += " " + rec["target"]
    if "decision" in rec:
        s += " -> " + rec["decision"]
    return s


def cmd_single(a):
    """Alternate an annal append and a git append, so that both see the
    same machine; the annal one fails soft (its median is FAILED)."""
    recs = records(a.records, a.count)
    at, gt = [], []
    git = ["git", "--git-dir=" + a.git_repo] + GIT_FSYNC
    _, out = run_once(git + ["rev-parse", "HEAD"], capture=True)
    head = out.decode().strip()
    failed = None
    for i, line in enumerate(recs):
        if not failed:
            try:
                t, _ = run_once([a.annal, "-C", a.annal_repo, "append",
                                 "--sign-key", a.key, "--json", line])
                at.append(t)
            except Failed as e:
                failed = e
                errlog(e)
                progress("annal append failed: %s" % e)
        t1, out = run_once(git + ["-c", "gpg.format=ssh", "-c",
                                  "user.signingkey=" + a.key,
                                  "commit-tree", "-S", "-p", "HEAD",
                                  "-m", summary(line) + "\n\n" + line,
                                  EMPTY_TREE], capture=True)
        new = out.decode().strip()
        t2, _ = run_once(git + ["update-ref", "HEAD", new, head])
        head = new
        gt.append(t1 + t2)
        if (i + 1) % 50 == 0:
            progress("single appends %d/%d" % (i + 1, a.count))
    print("%s %s" % ("FAILED" if failed else stats(at), stats(gt)))


def feed(p, chunk):
    """A producer faster than the disk: every line, without waiting."""
    try:
        for line in chunk:
            p.stdin.write((line + "\n").encode())
    except BrokenPipeError:
        pass


def cmd_stream(a):
    recs = records(a.records, a.count * a.runs)
    rates = []
    for r in range(a.runs):
        p = subprocess.Popen([a.annal, "-C", a.repo, "append", "--stdin",
                              "--stream", "--sign-key", a.key],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, bufsize=0)
        chunk = recs[r * a.count:(r + 1) * a.count]
        t0 = time.perf_counter()
        producer = None
        if a.pipelined:
            producer = threading.Thread(target=feed, args=(p, chunk))
            producer.start()
        for line in chunk:
            if not a.pipelined:
                p.stdin.write((line + "\n").encode())
            ack = p.stdout.readline()
            if len(ack.strip()) < 40:
                p.kill()
                err = p.stderr.read().decode(errors="replace").strip()
                raise Failed("stream: bad ack %r: %s" % (ack, err[:500]))
        t = time.perf_counter() - t0
        if producer:
            producer.join()
        p.stdin.close()
        p.stdout.read()
        err = p.stderr.read()
        if p.wait() != 0:
            raise Failed("stream: exit %d: %s" % (
                p.returncode, err.decode(errors="replace").strip()[:500]))
        rates.append(a.count / t)
        progress("stream run %d/%d: %.0f records/s" % (r + 1, a.runs,
                                                         rates[-1]))
    print(stats(rates))


def cmd_contend(a):
    recs = records(a.records, a.writers * a.each, a.offset)
    failures = []
    retries = [0]
    lock = threading.Lock()

    def fail(p):
        with lock:
            failures.append("exit %d: %s" % (
                p.returncode, p.stderr.decode(errors="replace").strip()))

    def annal_append(line):
        p = subprocess.run([a.annal, "-C", a.repo, "append",
                            "--sign-key", a.key, "--json", line],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if p.returncode != 0:
            fail(p)

    git = ["git", "--git-dir=" + a.repo] + GIT_FSYNC
    sign = ["-c", "gpg.format=ssh", "-c", "user.signingkey=" + a.key]

    lock_path = os.path.join(a.repo, "bench-writer.lock")

    def git_append(line):
        # stock git has no queue for writers of one ref: they take turns
        # under flock(2) (a compare-and-swap loop without it redid five
        # appends for each one kept, signing each), and update-ref still
        # checks the old value
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return git_append_locked(line)

    def git_append_locked(line):
        for _ in range(1000):
            p = subprocess.run(git + ["rev-parse", "HEAD"],
                               capture_output=True)
            if p.returncode != 0:
                return fail(p)
            head = p.stdout.decode().strip()
            p = subprocess.run(git + sign + [
                "commit-tree", "-S", "-p", head,
                "-m", summary(line) + "\n\n" + line, EMPTY_TREE],
                capture_output=True)
            if p.returncode != 0:
                return fail(p)
            new = p.stdout.decode().strip()
            p = subprocess.run(git + ["update-ref", "HEAD", new, head],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            if p.returncode == 0:
                return None
            with lock:
                retries[0] += 1
        return fail(p)

    append = git_append if a.git else annal_append

    def writer(w):
        for line in recs[w * a.each:(w + 1) * a.each]:
            append(line)

    threads = [threading.Thread(target=writer, args=(w,))
               for w in range(a.writers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t = time.perf_counter() - t0
    if failures:
        progress("%d appends failed, first: %s" % (len(failures),
                                                  failures[0][:300]))
    print("%.3f %d %d" % (a.writers * a.each / t, len(failures), retries[0]))


# --- the table ---------------------------------------------------------

def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "rec/s":
        return "%s rec/s" % sig3(v)
    if unit == "s":
        if v < 1:
            return "%s ms" % sig3(v * 1e3)
        return "%s s" % sig3(v)
    if unit == "B/rec":
        return "%s B/rec" % sig3(v)
    if unit == "KiB":
        return "%s MiB" % sig3(v / 1024)
    if unit == "MB/s":
        return "%s MB/s" % sig3(v)
    return "%s %s" % (sig3(v), unit)


def sig3(v):
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    if v >= 1:
        return "%.2f" % v
    return "%.3g" % v


def fmt_bound(bound, unit):
    if unit == "s":
        return fmt(bound, unit)
    if unit == "KiB":
        return "%g MiB" % (bound / 1024)
    return "%g %s" % (bound, unit)


def check(target, value, ratio, unit):
    """Return (target text, met) for a target spec."""
    if not target or target == "-":
        return "-", None
    for op in ("<=", ">=", "<", ">"):
        if op in target:
            what, bound = target.split(op, 1)
            bound = float(bound)
            break
    else:
        raise SystemExit("bad target %r" % target)
    x = ratio if what == "ratio" else value
    met = {"<=": x <= bound, ">=": x >= bound, "<": x < bound,
           ">": x > bound}[op] if x is not None else None
    if what == "ratio":
        text = "%s %gx" % (op, bound)
    else:
        text = "%s %s" % (op, fmt_bound(bound, unit))
    return text, met


def cell(st, unit):
    """A figure and its spread: "9.37 ms (9.10-9.81)"."""
    if st is None:
        return "-"
    med, lo, hi = st
    text = fmt(med, unit)
    if lo is not None and hi is not None and lo != hi:
        num, _, u = text.partition(" ")
        lo_t = fmt(lo, unit).split(" ")[0]
        hi_t = fmt(hi, unit).split(" ")[0]
        if unit == "s" and med < 1 and (lo >= 1 or hi >= 1):
            lo_t, hi_t = sig3(lo * 1e3), sig3(hi * 1e3)
        elif unit == "s" and med >= 1 and (lo < 1 or hi < 1):
            lo_t, hi_t = sig3(lo), sig3(hi)
        text = "%s %s (%s-%s)" % (num, u, lo_t, hi_t)
    return text


def cmd_row(a):
    if a.value == "FAILED":
        a.value, a.na = None, "FAILED"
    value = parse_stats(a.value)
    ref = parse_stats(a.ref)
    if a.value_per:
        value = per(a.value_per, value)
    if a.ref_per:
        ref = per(a.ref_per, ref)
    ref_unit = a.ref_unit or a.unit
    if a.na:
        cols = [a.id, a.name, a.na, cell(ref, ref_unit), "-",
                check(a.target, 0, 0, a.unit)[0],
                "n/a" if a.na.startswith("n/a") else "FAILED"]
    else:
        v = value[0] if value else None
        ratio = v / ref[0] if v is not None and ref and ref[0] else None
        target, met = check(a.target, v, ratio, a.unit)
        if a.fail:
            met = False
        if met is None:
            # a target with nothing to compare: the reference failed
            result = "-" if target == "-" else "FAILED (no reference)"
        else:
            result = "met" if met else "MISSED"
        if a.fail:
            result += " (%s)" % a.fail
        cols = [a.id, a.name, cell(value, a.unit), cell(ref, ref_unit),
                "%.2fx" % ratio if ratio is not None else "-", target,
                result]
    cols += [a.annal_cmd or "", a.ref_cmd or "", a.note or ""]
    with open(a.out, "a", encoding="utf-8") as f:
        f.write("\t".join(c.replace("\t", " ").replace("\n", " ")
                          for c in cols) + "\n")


def read_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rows.append(line.rstrip("\n").split("\t"))
    rows.sort(key=lambda r: int(r[0][0]))  # by figure, stable
    return rows


def failing(rows):
    """Rows with a target that missed it or could not be measured."""
    return [r for r in rows
            if r[5] != "-" and (r[6].startswith("MISSED") or
                                r[6].startswith("FAILED"))]


def cmd_report(a):
    rows = read_rows(a.tsv)
    head = ["#", "figure", "annal (spread)", "reference (spread)", "ratio",
            "target", "result"]
    table = [head] + [r[:7] for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(7)]
    out = []
    for n, r in enumerate(table):
        out.append("  ".join(c.ljust(widths[i]) if i < 6 else c
                             for i, c in enumerate(r)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    targets = [r for r in rows if r[5] != "-" and r[6] != "n/a"]
    bad = failing(rows)
    if bad:
        out.append("Verdict: %d of %d targets missed or failed: %s" % (
            len(bad), len(targets), ", ".join(
                "%s %s" % (r[0], r[1]) for r in bad)))
    else:
        out.append("Verdict: all %d targets met" % len(targets))
    out.append("")
    out.append("Each figure is the median of its runs, with the lowest and "
               "highest run in parentheses")
    out.append("(the first and third quartiles where a figure has 20 "
               "samples or more).")
    out.append("")
    out.append("Commands (annal / reference; times are wall clock per run):")
    seen = set()
    for r in rows:
        if tuple(r[7:10]) in seen:  # the same figure at another size
            continue
        seen.add(tuple(r[7:10]))
        if r[7] or r[8]:
            out.append("  [%s] %s" % (r[0], r[7] or "-"))
            if r[8]:
                out.append("  %s  ref: %s" % (" " * len(r[0]), r[8]))
        if r[9]:
            out.append("  %s  note: %s" % (" " * len(r[0]), r[9]))
    print("\n".join(out))


def cmd_verdict(a):
    if failing(read_rows(a.tsv)):
        sys.exit(1)


def cmd_central(a):
    n = a.hosts * a.rounds * a.each
    recs = records(a.records, n)
    rates = []

    def run(cmd, **kw):
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, **kw)
        if p.returncode != 0:
            raise Failed("%s: exit %d: %s" % (" ".join(cmd[:4]), p.returncode,
                         p.stderr.decode(errors="replace").strip()))

    for r in range(a.runs):
        top = tempfile.mkdtemp(dir=a.dir if os.path.isdir(a.dir) else None)
        central = os.path.join(top, "central.git")
        if a.stock:
            run(["git", "init", "-q", "--bare", central])
        else:
            run([a.annal, "init", "--central", central])
        hosts = []
        for h in range(a.hosts):
            repo = os.path.join(top, "h%d.git" % h)
            run([a.annal, "init", repo])
            run(["git", "--git-dir=" + repo, "config", "annal.host", "h%d" % h])
            hosts.append(repo)
        spent = 0.0
        for rnd in range(a.rounds):
            for h, repo in enumerate(hosts):
                first = (h * a.rounds + rnd) * a.each
                text = "\n".join(recs[first:first + a.each]) + "\n"
                run([a.annal, "-C", repo, "append", "--stdin", "--sign-key", a.key],
                    input=text.encode())
            errors = []

            def push(h, repo):
                if a.stock:
                    cmd = ["git", "--git-dir=" + repo, "push", "-q", "file://" + central,
                           "refs/audit/main:refs/audit/hosts/h%d/main" % h]
                else:
                    cmd = [a.annal, "-C", repo, "push", "-q", "file://" + central]
                try:
                    run(cmd)
                except Failed as e:
                    errors.append(str(e))

            threads = [threading.Thread(target=push, args=(h, repo))
                       for h, repo in enumerate(hosts)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            spent += time.perf_counter() - t0
            if errors:
                raise Failed(errors[0])
        for h in range(a.hosts):
            p = subprocess.run(["git", "--git-dir=" + central, "rev-list", "--count",
                                "refs/audit/hosts/h%d/main" % h], capture_output=True)
            got = p.stdout.decode().strip()
            if got != str(a.rounds * a.each):
                raise Failed("host h%d: %s records centrally, expected %d" % (
                    h, got or "no", a.rounds * a.each))
        if not a.stock:
            run([a.annal, "-C", central, "verify", "--all"])
        rates.append(n / spent)
        progress("run %d/%d: %.0f rec/s" % (r + 1, a.runs, n / spent))
        subprocess.run(["rm", "-rf", top])
    print(stats(rates))


def cmd_stats(a):
    print(stats([float(x) for x in a.values]))


def cmd_scale(a):
    st = parse_stats(a.stats)
    if st is None:
        print("FAILED")
        return
    print(",".join("%.9g" % (x * a.factor) for x in st if x is not None))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="sub", required=True)

    p = sub.add_parser("median")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--setup")
    p.add_argument("--stdin")
    p.add_argument("cmd", nargs=argparse.REMAINDER)

    p = sub.add_parser("stats")
    p.add_argument("values", nargs="+")

    p = sub.add_parser("scale")
    p.add_argument("factor", type=float)
    p.add_argument("stats")

    p = sub.add_parser("rss")
    p.add_argument("--stdin", help="file to feed the command's standard input")
    p.add_argument("cmd", nargs=argparse.REMAINDER)

    p = sub.add_parser("single")
    p.add_argument("--annal", required=True)
    p.add_argument("--annal-repo", required=True)
    p.add_argument("--git-repo", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--records", required=True)
    p.add_argument("--count", type=int, default=200)

    p = sub.add_parser("stream")
    p.add_argument("--annal", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--records", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--pipelined", action="store_true")

    p = sub.add_parser("contend")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--annal")
    who.add_argument("--git", action="store_true")
    p.add_argument("--repo", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--records", required=True)
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--each", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)

    p = sub.add_parser("central")
    p.add_argument("--annal", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--records", required=True)
    p.add_argument("--hosts", type=int, default=4)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--each", type=int, default=100)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--stock", action="store_true")

    p = sub.add_parser("row")
    p.add_argument("--out", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--value")
    p.add_argument("--value-per", type=float)
    p.add_argument("--unit", default="")
    p.add_argument("--ref")
    p.add_argument("--ref-per", type=float)
    p.add_argument("--ref-unit")
    p.add_argument("--target")
    p.add_argument("--cmd", dest="annal_cmd")
    p.add_argument("--ref-cmd")
    p.add_argument("--na")
    p.add_argument("--fail")
    p.add_argument("--note")

    p = sub.add_parser("report")
    p.add_argument("tsv")

    p = sub.add_parser("verdict")
    p.add_argument("tsv")

    a = ap.parse_args()
    if getattr(a, "cmd", None) and a.cmd[0] == "--":
        a.cmd = a.cmd[1:]
    try:
        {"median": cmd_median, "rss": cmd_rss, "single": cmd_single,
         "stream": cmd_stream, "contend": cmd_contend, "row": cmd_row,
         "report": cmd_report, "verdict": cmd_verdict, "stats": cmd_stats,
         "scale": cmd_scale, "central": cmd_central}[a.sub](a)
    except Failed as e:
        sys.stderr.write("timing.py: %s\n" % e)
        errlog(e)
        sys.exit(1)


if __name__ == "__main__":
    main()
