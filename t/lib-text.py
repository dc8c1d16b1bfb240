#!/usr/bin/env python3
"""Characters unsafe on a terminal, for the tests of annal's escaping.

usage: python3 lib-text.py check FILE...     fail if a FILE holds a raw
                                             unsafe character (other than
                                             LF) or is not UTF-8
       python3 lib-text.py sample CLASS      print CLASS's samples, raw
       python3 lib-text.py json CLASS [PREFIX [SUFFIX]]
                                             "json:" and PREFIX + samples +
                                             SUFFIX as a JSON string (for
                                             lib-tamper.py), ASCII only

CLASS: c0, del, c1, bidi, separator, invisible, several joined by "+"
       python3 lib-text.py show <TEXT        TEXT as annal shows it
       python3 lib-text.py run SCRIPT [ARG...]
                                             run the python SCRIPT with
                                             the names below defined

Importable too: UNSAFE, SAMPLES, ALL, unsafe(), show().  The ranges are
written from the classes annal-log(1) documents, apart from src/text.c.
"""

import json
import sys
import unicodedata

UNSAFE = [
    (0x0000, 0x001F), (0x007F, 0x009F),     # C0, DEL, C1
    (0x00AD, 0x00AD), (0x034F, 0x034F),     # soft hyphen, CGJ
    (0x061C, 0x061C),                       # Arabic letter mark
    (0x115F, 0x1160), (0x17B4, 0x17B5),     # Hangul fillers, Khmer vowels
    (0x180B, 0x180F),                       # Mongolian selectors
    (0x200B, 0x200F),                       # zero width, LRM, RLM
    (0x2028, 0x202E),                       # separators, embeddings, overrides
    (0x2060, 0x206F),                       # word joiner ... isolates ...
    (0x3164, 0x3164), (0xFE00, 0xFE0F),     # Hangul filler, selectors
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),     # BOM, halfwidth filler
    (0xFFF0, 0xFFFB),                       # interlinear annotation
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),                     # tags, selectors supplement
]

# Each class of issue 12, point 7; no sample ends with LF, so that shell
# command substitution keeps it whole.
SAMPLES = {
    "c0": "\x07\x1b[31m\t\r\n\x01",
    "del": "\x7f",
    "c1": "\x85\x9b31m\x9d",
    "bidi": "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            "\u061c\u200e\u200f",
    "separator": "\u2028\u2029",
    "invisible": "\u200b\u200c\u200d\u2060\u2064\ufeff\u00ad\u180e"
                 "\ufe0f\U000e0001\U000e0041\U000e007f\U000e0100",
}
ALL = "".join(SAMPLES[k] for k in sorted(SAMPLES))


def samples(classes):
    return "".join(SAMPLES[k] for k in classes.split("+"))


def unsafe(c):
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in UNSAFE)


def show(s):
    """s as annal shows it to people."""
    return "".join(("\\U%08x" % ord(c) if ord(c) > 0xFFFF else "\\u%04x" % ord(c))
                   if unsafe(c) else c for c in s)


def check(path):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "%s: not UTF-8: %s" % (path, e)
    for n, line in enumerate(text.split("\n"), 1):
        for c in line:
            if unsafe(c) or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp"):
                return "%s:%d: raw U+%04X in %r" % (path, n, ord(c), line)
    return None


def main(argv):
    out = sys.stdout.buffer
    if argv[0] == "check":
        bad = [e for e in (check(p) for p in argv[1:]) if e]
        for e in bad:
            sys.stderr.write(e + "\n")
        sys.exit(1 if bad else 0)
    elif argv[0] == "sample":
        out.write(samples(argv[1]).encode())
    elif argv[0] == "json":
        pre = argv[2] if len(argv) > 2 else ""
        suf = argv[3] if len(argv) > 3 else ""
        out.write(("json:" + json.dumps(pre + samples(argv[1]) + suf)).encode())
    elif argv[0] == "show":
        out.write(show(sys.stdin.buffer.read().decode("utf-8")).encode())
    elif argv[0] == "run":
        sys.argv = argv[1:]
        code = compile(open(argv[1]).read(), argv[1], "exec")
        exec(code, dict(globals(), __name__="__main__"))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
