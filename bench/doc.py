#!/usr/bin/env python3
# doc.py - the results block of Documentation/technical/performance.md,
# copied from a `make bench` results file rather than typed by hand.
#
#   doc.py DOC [RESULTS]        rewrite the generated block of DOC
#   doc.py DOC --dir DIR        the same from the newest file of DIR
#   doc.py DOC --check          exit 1 unless the block names a commit
#                               measured clean (no -dirty, not unknown)
#
# The block lies between BEGIN and END below; it says when the run was,
# which commit it measured (the "source:" line bench/run.sh writes, `git
# describe --always --dirty` of the tree) and on what machine, then holds
# the results file as it is.  The prose around the block is by hand.
#
# SPDX-License-Identifier: MIT

import glob
import os
import re
import sys

BEGIN = "<!-- results: made by `make bench-doc` from a bench/results file; do not edit by hand -->"
END = "<!-- end of results -->"


def field(text, name):
    m = re.search(r"^%s:\s+(.*)$" % re.escape(name), text, re.M)
    return m.group(1).strip() if m else "unknown"


def block(results, text):
    m = re.match(r"annal benchmark, (.*?), (\d+) s$", text.split("\n", 1)[0])
    if not m:
        raise SystemExit("doc.py: %s is not a bench/run.sh results file" %
                         results)
    when, secs = m.groups()
    source = field(text, "source")
    lead = ("The run of %s (%s s), of commit %s: `%s`.  Machine: %s.  "
            "Load: %s." % (when, secs, source, field(text, "runs"),
                           field(text, "machine"), field(text, "load")))
    lines = [BEGIN, ""]
    # wrap the lead at 72 columns, as the prose around it
    words, line = lead.split(" "), ""
    for w in words:
        if line and len(line) + 1 + len(w) > 72:
            lines.append(line)
            line = w
        else:
            line = "%s %s" % (line, w) if line else w
    lines += [line, "", "```"] + text.rstrip("\n").split("\n") + ["```", "",
                                                                 END]
    return "\n".join(lines), source


def split(doc_path):
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    a, b = doc.find(BEGIN), doc.find(END)
    if a < 0 or b < a:
        raise SystemExit("doc.py: %s has no generated block (%s ... %s)" %
                         (doc_path, BEGIN, END))
    return doc[:a], doc[a:b + len(END)], doc[b + len(END):]


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit("usage: doc.py DOC [RESULTS | --dir DIR | --check]")
    doc_path = args.pop(0)
    before, old, after = split(doc_path)
    if args == ["--check"]:
        m = re.search(r"of commit (\S+):", old)
        if not m or m.group(1).endswith("-dirty") or m.group(1) == "unknown":
            print("doc.py: %s: the results block measured %s, not a clean "
                  "commit" % (doc_path, m.group(1) if m else "nothing"))
            sys.exit(1)
        return
    if len(args) == 2 and args[0] == "--dir":
        files = glob.glob(os.path.join(args[1], "*.txt"))
        if not files:
            raise SystemExit("doc.py: no results in %s (run make bench)" %
                             args[1])
        results = max(files, key=os.path.getmtime)
    elif len(args) == 1:
        results = args[0]
    else:
        raise SystemExit("usage: doc.py DOC [RESULTS | --dir DIR | --check]")
    with open(results, encoding="utf-8") as f:
        new, source = block(results, f.read())
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write(before + new + after)
    print("doc.py: %s now shows %s (commit %s)" % (doc_path, results, source))
    if source.endswith("-dirty") or source == "unknown":
        print("doc.py: warning: %s measured uncommitted source (%s)" %
              (results, source))


if __name__ == "__main__":
    main()
