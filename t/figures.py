#!/usr/bin/env python3
# figures.py - the figures of Documentation/technical/testing.md, from a
# `make check` run rather than typed by hand.
#
#   figures.py BUILD_DIR SOURCE_DIR --write   rewrite the generated block
#   figures.py BUILD_DIR SOURCE_DIR --check   exit 1 if the block is stale
#
# It reads the results automake's TAP driver left in BUILD_DIR/t (the
# .trs of every script and unit program, and the "# figure: SCRIPT NAME
# VALUE" lines test_figure writes into the .log), and counts the seeds
# in SOURCE_DIR/fuzz/corpus.  Only what is the same in every run goes
# into the block: how many tests each script has, and the figures the
# scripts declare.  Which tests were skipped depends on the machine (root
# or not, what is installed), so it is printed, not written: the list of
# skips allowed is kept elsewhere.
#
# SPDX-License-Identifier: MIT

import glob
import os
import re
import sys

BEGIN = "<!-- figures: made by `make testing-figures` from a `make check` run; do not edit by hand -->"
END = "<!-- end of figures -->"


def results(build):
    """{script: {"tests": n, "skip": n, "fail": n}} from the .trs files"""
    out = {}
    for trs in sorted(glob.glob(os.path.join(build, "t", "*.trs")) +
                      glob.glob(os.path.join(build, "t", "unit", "*.trs"))):
        name = os.path.relpath(trs, build)[:-len(".trs")]
        counts = {"tests": 0, "skip": 0, "fail": 0}
        with open(trs, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r":test-result: (\w+)", line)
                if not m:
                    continue
                counts["tests"] += 1
                if m.group(1) == "SKIP":
                    counts["skip"] += 1
                elif m.group(1) not in ("PASS", "XFAIL"):
                    counts["fail"] += 1
        out[name] = counts
    return out


def figures(build):
    """[(script, name, value)] in the order the scripts wrote them"""
    out = []
    for log in sorted(glob.glob(os.path.join(build, "t", "*.log"))):
        with open(log, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"# figure: (\S+) (\S+) (.+)$", line.rstrip("\n"))
                if m:
                    out.append(m.groups())
    return out


def seeds(source):
    out = {}
    for d in sorted(glob.glob(os.path.join(source, "fuzz", "corpus", "*"))):
        if os.path.isdir(d):
            out[os.path.basename(d)] = len(os.listdir(d))
    return out


def block(build, source):
    res = results(build)
    if not res:
        sys.exit("figures.py: no test results in %s/t: run `make check` first" % build)
    bad = [s for s, c in res.items() if c["fail"]]
    if bad:
        sys.exit("figures.py: the run has failures (%s): figures come from a green run" %
                 ", ".join(bad))
    scripts = [s for s in res if not s.startswith("t/unit/")]
    units = [s for s in res if s.startswith("t/unit/")]
    total = sum(c["tests"] for c in res.values())
    lines = [BEGIN, ""]
    lines.append("%d tests: %d in %d shell scripts, %d in %d C unit programs." % (
        total, sum(res[s]["tests"] for s in scripts), len(scripts),
        sum(res[s]["tests"] for s in units), len(units)))
    sd = seeds(source)
    if sd:
        lines.append("%d fuzzing seeds replayed (t9100): %s." % (
            sum(sd.values()), ", ".join("%s %d" % kv for kv in sd.items())))
    lines += ["", "| script | tests | figures |", "|---|---|---|"]
    figs = {}
    for script, name, value in figures(build):
        figs.setdefault("t/" + script, []).append("%s %s" % (name, value))
    for s in scripts + units:
        lines.append("| `%s` | %d | %s |" % (s, res[s]["tests"], "; ".join(figs.get(s, []))))
    lines += ["", END]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("--write", "--check"):
        sys.exit("usage: figures.py BUILD_DIR SOURCE_DIR (--write | --check)")
    build, source, mode = sys.argv[1:]
    doc = os.path.join(source, "Documentation", "technical", "testing.md")
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    new = block(build, source)
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < i:
        sys.exit("figures.py: %s has no generated block (%s ... %s)" % (doc, BEGIN, END))
    old = text[i:j + len(END) + 1]
    skipped = sum(c["skip"] for c in results(build).values())
    print("figures.py: %d test(s) skipped in this run" % skipped)
    if mode == "--check":
        if old != new:
            import difflib
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), "testing.md", "this run"))
            sys.exit("figures.py: testing.md's figures are not those of this run: "
                     "run `make testing-figures` and commit the result")
        return
    with open(doc, "w", encoding="utf-8") as f:
        f.write(text[:i] + new + text[j + len(END) + 1:])


main()
