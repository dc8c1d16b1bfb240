#!/usr/bin/env python3
"""Timing helpers for bench/run.sh; every time is wall clock
(time.perf_counter) around a subprocess, and every figure a median.

    timing.py median --runs N [--setup SH] [--stdin FILE] -- CMD...
        median seconds of N runs of CMD (SH runs untimed before each run)
    timing.py rss -- CMD...
        peak resident set of CMD in KiB (/usr/bin/time -f %M if present)
    timing.py single --annal A --annal-repo R --git-repo G --key K
                     --records F --count N
        median seconds per durable signed append, one record per call,
        annal's and git's calls alternating; prints "<annal> <git>":
        annal: A -C R append --sign-key K --json RECORD
        git:   git commit-tree -S -p HEAD -m MSG EMPTYTREE, git update-ref
    timing.py stream --annal A --repo R --key K --records F --count M --runs N
        median records/s of one 'append --stdin --stream' process fed one
        line at a time, each write waiting for its id
    timing.py contend --annal A --repo R --key K --records F --writers W
                    --each E [--offset O]
        W concurrent writers, each E single appends; prints
        "<records/s over the whole run> <failed appends>"
    timing.py row --out TSV --id ID --name NAME [--value V --unit U]
                [--ref R] [--target T] [--cmd C] [--ref-cmd C] [--na TEXT]
                [--note TEXT]
        add a table row; T is ratio>=X, ratio<=X, ratio<X or value<=X
    timing.py report TSV
        print the table and the commands
"""
import argparse
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
    print("%.9f" % statistics.median(times))


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
    print("%s %.9f" % ("FAILED" if failed else "%.9f" % statistics.median(at),
                       statistics.median(gt)))


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
        for line in chunk:
            p.stdin.write((line + "\n").encode())
            ack = p.stdout.readline()
            if len(ack.strip()) < 40:
                p.kill()
                err = p.stderr.read().decode(errors="replace").strip()
                raise Failed("stream: bad ack %r: %s" % (ack, err[:500]))
        t = time.perf_counter() - t0
        p.stdin.close()
        p.stdout.read()
        err = p.stderr.read()
        if p.wait() != 0:
            raise Failed("stream: exit %d: %s" % (
                p.returncode, err.decode(errors="replace").strip()[:500]))
        rates.append(a.count / t)
        progress("stream run %d/%d: %.0f records/s" % (r + 1, a.runs,
                                                         rates[-1]))
    print("%.3f" % statistics.median(rates))


def cmd_contend(a):
    recs = records(a.records, a.writers * a.each, a.offset)
    failures = []
    lock = threading.Lock()

    def writer(w):
        for line in recs[w * a.each:(w + 1) * a.each]:
            p = subprocess.run([a.annal, "-C", a.repo, "append",
                                "--sign-key", a.key, "--json", line],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            if p.returncode != 0:
                with lock:
                    failures.append("exit %d: %s" % (
                        p.returncode,
                        p.stderr.decode(errors="replace").strip()))

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
    print("%.3f %d" % (a.writers * a.each / t, len(failures)))


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


def cmd_row(a):
    if a.value == "FAILED":
        a.value, a.na = None, "FAILED"
    value = float(a.value) if a.value not in (None, "") else None
    ref = float(a.ref) if a.ref not in (None, "", "FAILED") else None
    ref_unit = a.ref_unit or a.unit
    if a.na:
        cols = [a.id, a.name, a.na, fmt(ref, ref_unit), "-",
                check(a.target, 0, 0, a.unit)[0],
                "n/a" if a.na.startswith("n/a") else "FAILED"]
    else:
        ratio = value / ref if value is not None and ref else None
        target, met = check(a.target, value, ratio, a.unit)
        if a.fail:
            met = False
        result = "-" if met is None else ("met" if met else "MISSED")
        if a.fail:
            result += " (%s)" % a.fail
        cols = [a.id, a.name, fmt(value, a.unit), fmt(ref, ref_unit),
                "%.2fx" % ratio if ratio is not None else "-", target,
                result]
    cols += [a.annal_cmd or "", a.ref_cmd or "", a.note or ""]
    with open(a.out, "a", encoding="utf-8") as f:
        f.write("\t".join(c.replace("\t", " ").replace("\n", " ")
                          for c in cols) + "\n")


def cmd_report(a):
    rows = []
    with open(a.tsv, encoding="utf-8") as f:
        for line in f:
            rows.append(line.rstrip("\n").split("\t"))
    rows.sort(key=lambda r: int(r[0][0]))  # by figure, stable
    head = ["#", "figure", "annal", "reference", "ratio", "target",
            "result"]
    table = [head] + [r[:7] for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(7)]
    out = []
    for n, r in enumerate(table):
        out.append("  ".join(c.ljust(widths[i]) if i < 6 else c
                             for i, c in enumerate(r)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    out.append("Commands (annal / reference; times are medians of wall "
               "clock per run):")
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="sub", required=True)

    p = sub.add_parser("median")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--setup")
    p.add_argument("--stdin")
    p.add_argument("cmd", nargs=argparse.REMAINDER)

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

    p = sub.add_parser("contend")
    p.add_argument("--annal", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--records", required=True)
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--each", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)

    p = sub.add_parser("row")
    p.add_argument("--out", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--value")
    p.add_argument("--unit", default="")
    p.add_argument("--ref")
    p.add_argument("--ref-unit")
    p.add_argument("--target")
    p.add_argument("--cmd", dest="annal_cmd")
    p.add_argument("--ref-cmd")
    p.add_argument("--na")
    p.add_argument("--fail")
    p.add_argument("--note")

    p = sub.add_parser("report")
    p.add_argument("tsv")

    a = ap.parse_args()
    if getattr(a, "cmd", None) and a.cmd[0] == "--":
        a.cmd = a.cmd[1:]
    try:
        {"median": cmd_median, "rss": cmd_rss, "single": cmd_single,
         "stream": cmd_stream, "contend": cmd_contend, "row": cmd_row,
         "report": cmd_report}[a.sub](a)
    except Failed as e:
        sys.stderr.write("timing.py: %s\n" % e)
        errlog(e)
        sys.exit(1)


if __name__ == "__main__":
    main()
