#!/usr/bin/env python3
"""flamegraph - fold `perf script` stacks per thread, print a table, draw an SVG

    perf record -F 499 --call-graph dwarf,16384 -o perf.data annal ...
    perf script -i perf.data -F tid,pid,ip,sym,dso | \\
        bench/flamegraph.py --names main,signer,packer --svg out.svg

Threads are named by the order they started: the process's first thread
(tid = pid) gets the first name, the others the following names in the
order of their ids; threads beyond the names are "thread-N", or all
take the last name if it ends with "*" (--names main,worker*).  A frame
without a symbol is named by its shared object (libsodium, libz: Debian
ships them without symbols).  Prints, per thread, its share of the
samples and its top frames by self samples; --stages N adds CPU per
record per stage (Ed25519, SHA-256, inflate, JSON ...) for N records;
--folded writes the folded
stacks ("thread NAME;outer;...;inner count"), --svg a flame graph (callers
at the bottom, frames narrower than a pixel left out; hover over a frame
for its name and share) that needs nothing but a browser.
"""
import argparse
import collections
import html
import os
import re
import sys
import zlib

# a sample's first line: "pid/tid", right-aligned
HEADER = re.compile(r"^\s*(\d+)/(\d+)\s*$")


# --stages: what a sample is doing, by the innermost frame that says so
STAGES = [(re.compile(a), b) for a, b in (
    (r"^crypto_hash_sha512", "SHA-512 of the commit (SSHSIG)"),
    (r"^(hash_text|sha256_|crypto_hash_sha256)", "SHA-256 (record hash)"),
    (r"^(git_odb_hash|store_object_id|packw_commit_id|sha1_)", "SHA-1 (object id)"),
    (r"^(git_odb_read|store_odb_read|inflate)", "object read, inflate"),
    (r"^(deflate|packw_deflate)", "deflate"),
    (r"^(dearmor|b64_|sodium_base64|sodium_bin2base64|sodium_base642bin|armor_layout)",
     "base64, armor"),
    (r"^(annal_json_parse|parse_value|parse_object|parse_string)", "JSON parse"),
    (r"^(annal_json_write|write_object)", "canonical JSON write"),
    (r"^(record_commit_text|record_commit_signature|record_commit_sign|put_cosmetic)",
     "commit text"),
    (r"^(record_check_fields|check_draft|record_redact|field_lookup)", "field checks"),
    (r"^(malloc|free|realloc|calloc|_int_|__GI___libc_(malloc|free|realloc|calloc)|"
     r"cJSON_Delete|cJSON_Create|cJSON_Duplicate|tcache)", "malloc, free"),
    (r"^(read_line|next_line|getc)", "reading stdin"),
    (r"^(packw_|sink_put|close_pack|write_idx)", "pack writing"),
    (r"(futex|schedule|pthread_cond|pthread_mutex|finish_task_switch)", "locks, wake-ups"),
)]
SIGNERS = ("ssh_sign", "verify_parsed", "ssh_verify")


def stage(frames):
    """The stage of one sample (its frames outer to inner)."""
    for k in range(len(frames) - 1):
        if frames[k] in SIGNERS:
            # libsodium's own frames have no names: below the SSHSIG code,
            # an unnamed one is Ed25519 (with its internal SHA-512)
            if frames[k + 1].startswith("crypto_hash_sha512"):
                return "SHA-512 of the commit (SSHSIG)"
            if frames[k + 1] == "[libsodium]" or frames[k + 1].startswith("crypto_sign"):
                return "Ed25519"
    for fr in reversed(frames):
        for rx, name in STAGES:
            if rx.search(fr):
                return name
    return "other"


def frame_name(sym, dso):
    if sym and sym != "[unknown]":
        return sym.split("+0x")[0]
    base = os.path.basename(dso.strip("()"))
    return "[" + base.split(".so")[0] + "]"


def read_samples(lines):
    """Yield (pid, tid, [outer..inner frames]) for each sample."""
    head, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if head:
                yield head[0], head[1], list(reversed(frames))
            head, frames = None, []
            continue
        m = HEADER.match(line)
        if m:
            head, frames = (int(m.group(1)), int(m.group(2))), []
            continue
        parts = line.strip().split(None, 1)
        if len(parts) < 2:
            continue
        rest = parts[1]
        sym, _, dso = rest.rpartition(" (")
        frames.append(frame_name(sym.strip(), "(" + dso))
    if head:
        yield head[0], head[1], list(reversed(frames))


def svg(folded, total, out, title):
    width, row = 1200, 16
    tree = {}
    for stack, n in folded.items():
        node = tree
        for f in stack.split(";"):
            node = node.setdefault(f, [0, {}])
            node[0] += n
            node = node[1]
    depth = max(s.count(";") + 1 for s in folded)
    height = (depth + 3) * row
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="monospace" font-size="11">' % (width, height),
             '<text x="4" y="12">%s (%d samples; hover for names)</text>'
             % (html.escape(title), total)]

    def draw(node, x, level):
        for name, (n, kids) in sorted(node.items()):
            w = n * (width - 8) / total
            if w >= 1.0:
                y = height - (level + 1) * row
                hue = 10 + (zlib.crc32(name.encode()) % 50)  # the same each run
                parts.append('<g><title>%s: %d samples (%.1f%%)</title>'
                             '<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                             'fill="hsl(%d,90%%,60%%)" stroke="white" stroke-width="0.5"/>'
                             % (html.escape(name), n, 100.0 * n / total, x, y, w,
                                row - 1, hue))
                if w > 40:
                    label = name[:int(w / 7)]
                    parts.append('<text x="%.1f" y="%d">%s</text>'
                                 % (x + 2, y + row - 4, html.escape(label)))
                parts.append("</g>")
                draw(kids, x, level + 1)
            x += w
    draw(tree, 4.0, 0)
    parts.append("</svg>")
    out.write("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--names", default="main", help="thread names, in start order")
    ap.add_argument("--top", type=int, default=12, help="frames listed per thread")
    ap.add_argument("--folded", help="write the folded stacks here")
    ap.add_argument("--svg", help="write the flame graph here")
    ap.add_argument("--title", default="annal", help="the SVG's title")
    ap.add_argument("--stages", type=int, metavar="N",
                    help="also print us per record per stage, N records, at --freq")
    ap.add_argument("--freq", type=float, default=499, help="perf record -F (Hz)")
    a = ap.parse_args()

    samples = list(read_samples(sys.stdin))
    names = a.names.split(",")
    tids = sorted({t for p, t, _ in samples if t != p})
    label = {}
    for p, t, _ in samples:
        if t == p:
            label[t] = names[0]
    for k, t in enumerate(tids):
        if k + 1 < len(names):
            label[t] = names[k + 1].rstrip("*")
        elif names[-1].endswith("*"):
            label[t] = names[-1].rstrip("*")
        else:
            label[t] = "thread-%d" % (k + 1)

    folded = collections.Counter()
    per_thread = collections.Counter()
    self_count = collections.defaultdict(collections.Counter)
    stages = collections.defaultdict(collections.Counter)
    for _, t, frames in samples:
        th = label[t]
        stages[th][stage(frames)] += 1
        folded[";".join(["thread " + th] + frames)] += 1
        per_thread[th] += 1
        if frames:
            self_count[th][frames[-1]] += 1
    total = sum(per_thread.values())
    print("%d samples" % total)
    for th, n in per_thread.most_common():
        print("\n%-8s %5.1f%% of all samples" % (th, 100.0 * n / total))
        for f, c in self_count[th].most_common(a.top):
            print("  %5.1f%%  %s" % (100.0 * c / n, f))
    if a.stages:
        us = 1e6 / a.freq / a.stages
        print("\nus of CPU per record (%d records, %g Hz)" % (a.stages, a.freq))
        for th, n in per_thread.most_common():
            print("%-8s %6.1f" % (th, n * us))
            for name, c in stages[th].most_common():
                if c * us >= 0.05:
                    print("  %6.1f  %s" % (c * us, name))
    if a.folded:
        with open(a.folded, "w") as f:
            for stack, n in sorted(folded.items()):
                f.write("%s %d\n" % (stack, n))
    if a.svg:
        with open(a.svg, "w") as f:
            svg(folded, total, f, a.title)


if __name__ == "__main__":
    main()
