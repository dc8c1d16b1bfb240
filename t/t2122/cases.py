"""Pick the names of the shared table of t2122 from a log's ids.

argv: ids (line i: the id of seq i), objects (every object id of the
repository), the other log's record id.  Writes the cases, one a line:
NAME<TAB>seq N, or NAME<TAB>error MESSAGE.  Exit 1 when the log has no
names of each kind yet (the test appends more records and asks again).
"""
import sys

ids = open(sys.argv[1]).read().split()
objects = sorted(set(open(sys.argv[2]).read().split()))
other = open(sys.argv[3]).read().strip()
head = len(ids)
seq_of = {i: n + 1 for n, i in enumerate(ids)}


def sharing(prefix):
    return [o for o in objects if o.startswith(prefix)]


def first(test):
    for n, i in enumerate(ids):
        if test(n + 1, i):
            return n + 1, i
    sys.exit(1)


# digits that are a seq of the log and the unique prefix of another record
k, idk = first(lambda n, i: i[:4].isdigit() and i[0] != "0" and
               int(i[:4]) <= head and int(i[:4]) != n and
               len(sharing(i[:4])) == 1)
both = idk[:4]
# digits past the head: a prefix only
k2, id2 = first(lambda n, i: i[:6].isdigit() and i[0] != "0" and
                len(sharing(i[:6])) == 1)
# digits with a leading zero: a prefix only, though seq int() exists
k3, id3 = first(lambda n, i: i[:4].isdigit() and i[0] == "0" and
                int(i[:4]) <= head and len(sharing(i[:4])) == 1)
# a prefix two objects share, not all digits
amb = None
for o in objects:
    p = o[:4]
    if not p.isdigit() and len(sharing(p)) == 2:
        amb = p
        break
if amb is None:
    sys.exit(1)
a, b = sharing(amb)
r3 = ids[2]
neither = "'%s' is neither a seq nor a record id (4 to 40 hex digits)"
short = "'%s' is too short for a record id; give 4 to 40 hex digits"
noseq = "'%s' is no seq; write seq:<n>, n in decimal without leading zeros"
cases = [
    (r3, "seq 3"),
    (r3.upper(), "seq 3"),
    (r3[:4] + r3[4:8].upper(), "seq 3"),
    ("3", "seq 3"),
    ("seq:3", "seq 3"),
    ("1", "seq 1"),
    (str(head), "seq %d" % head),
    (both, "error '%s' is both seq %s of log 'main' and a prefix of record %s;"
     " give seq:%s or more digits of the id" % (both, both, idk, both)),
    ("seq:" + both, "seq %d" % int(both)),
    (idk[:12], "seq %d" % k),
    (id2[:6], "seq %d" % k2),
    (id3[:4], "seq %d" % k3),
    ("0", "error log 'main' has no record 0"),
    ("seq:0", "error log 'main' has no record 0"),
    (str(head + 1), "error log 'main' has no record %d" % (head + 1)),
    ("seq:%d" % (head + 1), "error log 'main' has no record %d" % (head + 1)),
    ("18446744073709551615", "error log 'main' has no record 18446744073709551615"),
    ("18446744073709551616", "error log 'main' has no record 18446744073709551616"),
    ("9" * 41, "error log 'main' has no record " + "9" * 41),
    ("-1", "error " + neither % "-1"),
    ("+3", "error " + neither % "+3"),
    (" 3", "error " + neither % " 3"),
    ("3 ", "error " + neither % "3 "),
    ("zz", "error " + neither % "zz"),
    ("a" * 41, "error " + neither % ("a" * 41)),
    ("abc", "error " + short % "abc"),
    ("007", "error " + short % "007"),
    ("seq:007", "error " + noseq % "seq:007"),
    ("seq:", "error " + noseq % "seq:"),
    ("seq:abcd", "error " + noseq % "seq:abcd"),
    (amb, "error '%s' is the prefix of several objects, %s and %s among them;"
     " give more digits" % (amb, a, b)),
    (other, "error record %s is in log 'other', not in 'main'" % other),
    (other[:10].upper(), "error record %s is in log 'other', not in 'main'" % other),
    ("f" * 40, "error no record '%s'" % ("f" * 40)),
    ("4b825dc642cb6eb9a060e54bf8d69288fbee4904",
     "error no record '4b825dc642cb6eb9a060e54bf8d69288fbee4904'"),
]
for name, want in cases:
    print("%s\t%s" % (name, want))
