#!/usr/bin/env python3
"""allowed_signers lines judged by annal, ssh-keygen and git, record by record.

usage: lib-signers-diff.py REPO KEY.pub CORPUS-DIR COUNT SEED

Builds allowed_signers lines: every line of the allowed-signers fuzz
corpus that names an ssh-ed25519 key (the key replaced by KEY.pub's),
and COUNT lines from a generator (random.Random(SEED)) combining
principals (quoted, lists, patterns, negations), options (namespaces=,
valid-after=, valid-before=, cert-authority, unknown ones, in any case,
quoted or not, repeated), times around each record's second, key types
(the signer's key, another ed25519 key, an RSA key, a certificate type,
garbage) and the forms OpenSSH tolerates (tabs, comments, CR).

For each line and each record of refs/audit/main (signed with KEY):
  - ssh-keygen -Y find-principals, then -Y verify for each principal
    found, at the record's commit time (-Overify-time), namespace git;
  - git verify-commit with gpg.ssh.allowedSignersFile;
and once per line annal verify --allowed-signers --format json on the
whole chain.  ssh-keygen and git must agree on every record; annal must
pass exactly when they trust every record, and otherwise fail with
untrustedKey at the first record they refuse, or exit 2 (a line annal
calls malformed, which OpenSSH skips) only when they trust no record.
Any other exit (a crash, a signal) is a failure, never a refusal.
Prints one line per disagreement and a summary; exits 1 on any.
"""
import base64
import json
import os
import random
import re
import subprocess
import sys
import time

TIMES = None


def run(args, data=None):
    p = subprocess.run(args, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def records(repo):
    ids = run(["git", "-C", repo, "rev-list", "--reverse",
               "refs/audit/main"])[1].decode().split()
    out = []
    for oid in ids:
        raw = run(["git", "-C", repo, "cat-file", "commit", oid])[1]
        head, _, msg = raw.partition(b"\n\n")
        lines = head.split(b"\n")
        payload, sig, in_sig = [], [], False
        ctime = None
        for l in lines:
            if l.startswith(b"gpgsig "):
                in_sig = True
                sig.append(l[7:])
                continue
            if in_sig and l.startswith(b" "):
                sig.append(l[1:])
                continue
            in_sig = False
            payload.append(l)
            if l.startswith(b"committer "):
                ctime = int(l.split(b" ")[-2])
        out.append({
            "id": oid,
            "payload": b"\n".join(payload) + b"\n\n" + msg,
            "sig": b"\n".join(sig) + b"\n",
            "time": ctime,
        })
    return out


def stamp(t, fmt="%Y%m%d%H%M%S"):
    return time.strftime(fmt, time.gmtime(t))


def generate(rng, count, key, other, rsa, recs):
    principals = ["a", '"a"', '"a b"', "a,b", "*", "a*", "?", "!b,*",
                  "!a,*", '"a,b"', "a,!a", "b", '"*"', "a\\", '"a\\"b"']
    namespaces = ['"git"', "git", '"g*"', '"!git,*"', '"*,!git"', '"other"',
                  '"git,other"', '"other,git"', '""', '"gi?"', '"git?"',
                  '"!other,git"', '"GIT"', '"*"', '"git,"', '",git"']
    forms = ["%Y%m%d", "%Y%m%d%H%M", "%Y%m%d%H%M%S", "%Y%m%d%H%M%SZ",
             "%Y%m%d%H%M%S", "%Y%m%dZ"]
    moments = []
    for r in recs:
        for d in (-86400, -3600, -60, -1, 0, 1, 60, 3600, 86400):
            moments.append(r["time"] + d)
    moments += [0, 86400 * 365 * 20, 4102444800]

    def when():
        return stamp(rng.choice(moments), rng.choice(forms))

    def option():
        kind = rng.randrange(9)
        name = {0: "namespaces", 1: "valid-after", 2: "valid-before",
                3: "valid-after", 4: "valid-before", 5: "namespaces",
                6: "cert-authority", 7: "foo", 8: "namespaces"}[kind]
        if rng.random() < 0.1:
            name = name.upper() if rng.random() < 0.5 else name.title()
        if name.lower() == "cert-authority":
            return name
        if name.lower() == "foo":
            return 'foo="bar"'
        if name.lower() == "namespaces":
            return "%s=%s" % (name, rng.choice(namespaces))
        v = when()
        return "%s=%s" % (name, '"%s"' % v if rng.random() < 0.8 else v)

    keys = [key] * 6 + [other, rsa,
                        "ssh-ed25519-cert-v01@openssh.com " + key.split()[1],
                        "ssh-ed25519 AAAA", "ssh-ed25519",
                        "ssh-rsa " + key.split()[1]]
    out = []
    for _ in range(count):
        opts = [option() for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3)))]
        sep = "," if rng.random() < 0.95 else ", "
        line = rng.choice(principals)
        if opts:
            line += rng.choice((" ", " ", "\t", "  ")) + sep.join(opts)
        line += " " + rng.choice(keys)
        r = rng.random()
        if r < 0.05:
            line += " a comment"
        elif r < 0.08:
            line += "\r"
        elif r < 0.10:
            line = "  " + line
        out.append(line)
    return out


def corpus_lines(corpus, key):
    out = []
    pat = re.compile(rb"ssh-ed25519 [A-Za-z0-9+/=]+")
    for name in sorted(os.listdir(corpus)):
        data = open(os.path.join(corpus, name), "rb").read()
        for l in data.split(b"\n"):
            if b"\0" in l or not pat.search(l):
                continue
            l = pat.sub(key.encode(), l, count=1)
            out.append(l.decode("utf-8", "replace").replace("\ufffd", "?"))
    return out


def ssh_keygen_trusts(path, rec, tmp):
    sigf = os.path.join(tmp, "sig")
    with open(sigf, "wb") as f:
        f.write(rec["sig"])
    vt = "-Overify-time=" + stamp(rec["time"])
    rc, out, err = run(["ssh-keygen", "-Y", "find-principals", "-f", path,
                        "-s", sigf, vt])
    if rc not in (0, 255):
        return "crash %d: %s" % (rc, err.decode(errors="replace").strip())
    if rc != 0:
        return False
    for p in out.decode(errors="replace").splitlines():
        rc, _, err = run(["ssh-keygen", "-Y", "verify", "-f", path, "-I", p,
                          "-n", "git", "-s", sigf, vt], data=rec["payload"])
        if rc == 0:
            return True
        if rc != 255:
            return "crash %d: %s" % (rc, err.decode(errors="replace").strip())
    return False


def git_trusts(repo, path, rec):
    rc, _, err = run(["git", "-C", repo, "-c",
                      "gpg.ssh.allowedSignersFile=" + path,
                      "verify-commit", rec["id"]])
    if rc not in (0, 1):
        return "crash %d" % rc
    return rc == 0 and b'Good "git" signature' in err


def annal_judges(repo, path):
    rc, out, err = run(["annal", "-C", repo, "verify", "--allowed-signers",
                        path, "--format", "json"])
    if rc == 0:
        return ("trusted", None)
    if rc == 2:
        return ("malformed", None)
    if rc != 1:
        return ("crash %d: %s" % (rc, err.decode(errors="replace")[-200:]), None)
    try:
        got = json.loads(out)
        e = got["logs"][0]["error"]
        return (e["check"], e["record"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ("bad output: %r" % out[-200:], None)


def main():
    repo, keyfile, corpus, count, seed = sys.argv[1:6]
    key = " ".join(open(keyfile).read().split()[:2])
    other = " ".join(open(sys.argv[6]).read().split()[:2])
    rsa = " ".join(open(sys.argv[7]).read().split()[:2])
    recs = records(repo)
    lines = corpus_lines(corpus, key)
    n_corpus = len(lines)
    lines += generate(random.Random(int(seed)), int(count), key, other, rsa, recs)
    tmp = os.path.abspath("signers-diff")
    os.makedirs(tmp, exist_ok=True)
    path = os.path.join(tmp, "allowed")
    bad, tally = [], {}
    for n, line in enumerate(lines, 1):
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(line + "\n")
        ssh = [ssh_keygen_trusts(path, r, tmp) for r in recs]
        git = [git_trusts(repo, path, r) for r in recs]
        verdict, at = annal_judges(repo, path)
        what = "line %d %r" % (n, line)
        for k, (s, g) in enumerate(zip(ssh, git), 1):
            if not isinstance(s, bool) or not isinstance(g, bool):
                bad.append("%s: record %d: ssh-keygen %s, git %s" % (what, k, s, g))
            elif s != g:
                bad.append("%s: record %d: ssh-keygen %s, git %s" % (what, k, s, g))
        first = next((k for k, g in enumerate(git, 1) if g is not True), None)
        if verdict == "trusted":
            ok = first is None
        elif verdict == "malformed":
            ok = not any(g is True for g in git)
        else:
            ok = verdict == "untrustedKey" and at == first
        if not ok:
            bad.append("%s: annal %s at %s, git trusts %s" % (what, verdict, at, git))
        key_ = "trusted" if first is None else (
            "none" if first == 1 else "some")
        key_ += "/" + ("malformed" if verdict == "malformed" else "judged")
        tally[key_] = tally.get(key_, 0) + 1
    for b in bad:
        print(b)
    print("%d lines (%d from the corpus), %d records each: %s" % (
        len(lines), n_corpus, len(recs),
        ", ".join("%s %d" % kv for kv in sorted(tally.items()))))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
