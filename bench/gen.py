#!/usr/bin/env python3
"""Generate benchmark audit records, deterministically from a seed.

    gen.py ndjson      --count N [--seed S]            NDJSON for annal append --stdin
    gen.py fast-import --count N [--seed S] [--ref R]  the same records as the
                                                       commits annal stores, as a
                                                       git fast-import stream

Records vary: actors, actions, targets, decisions (mostly allowed), optional
reason, tenant, trace and request ids, source address, event time, and
sometimes params or labels.  The stored record (with seq, ts, prev_hash and
hash) averages about 400 bytes of canonical JSON.
"""
import argparse
import hashlib
import json
import random
import sys
import time

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
         "sybil", "trent", "victor", "walter", "yvonne"]
SERVICES = ["ci", "deployer", "billing", "backup", "scheduler", "gateway",
            "payments-worker", "search-indexer"]
AGENTS = ["claude-ops", "triage-bot", "sre-copilot", "release-agent"]
ACTIONS = [
    ("login", "session"), ("logout", "session"), ("deploy", "service"),
    ("rollback", "service"), ("db.query", "table"), ("db.migrate", "database"),
    ("db.drop", "table"), ("file.read", "file"), ("file.write", "file"),
    ("secret.read", "secret"), ("secret.rotate", "secret"),
    ("user.create", "user"), ("user.delete", "user"), ("role.grant", "role"),
    ("tool.call", "tool"), ("payment.refund", "payment"),
    ("export.create", "dataset"), ("config.update", "config"),
]
TARGETS = {
    "session": ["web", "ssh", "api", "console"],
    "service": ["api-gateway", "checkout", "search", "auth", "ledger",
                "notifications", "web-frontend"],
    "table": ["users", "orders", "payments", "invoices", "audit_events",
              "sessions", "products"],
    "database": ["primary", "analytics", "billing"],
    "file": ["/etc/nginx/nginx.conf", "/srv/app/.env", "/var/log/app.log",
             "/home/deploy/.ssh/authorized_keys", "s3://reports/q3.csv"],
    "secret": ["db-password", "stripe-key", "github-token", "tls-cert"],
    "user": ["u-1042", "u-2291", "u-7310", "u-9001", "u-0420"],
    "role": ["admin", "billing-read", "deployer", "support"],
    "tool": ["shell", "http.fetch", "sql", "kubectl", "terraform"],
    "payment": ["pay_8F2k", "pay_Q19x", "pay_77aZ", "pay_Lm0P"],
    "dataset": ["customers", "orders-2026", "churn-model"],
    "config": ["feature-flags", "rate-limits", "cors", "sso"],
}
DECISIONS = (["allowed"] * 80 + ["blocked"] * 10 + ["held"] * 4 +
             ["redacted"] * 3 + ["errored"] * 3)
REASONS = {
    "blocked": ["policy: production writes need approval",
                "outside change window", "actor lacks role deployer",
                "rate limit exceeded", "destructive action on protected table"],
    "held": ["waiting for second approver", "manual review requested"],
    "redacted": ["parameters contained a secret"],
    "errored": ["upstream timeout after 30s", "permission check unavailable"],
    "allowed": ["ticket OPS-1234 approved", "scheduled job",
                "break-glass session"],
}
TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark",
           "wayne", "tyrell"]
ENVS = ["prod", "prod", "prod", "staging", "dev"]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]


def make_record(rng, i, base):
    kind = rng.random()
    if kind < 0.5:
        actor = "user:" + rng.choice(USERS)
    elif kind < 0.85:
        actor = "svc:" + rng.choice(SERVICES)
    else:
        actor = "agent:" + rng.choice(AGENTS)
    action, ttype = rng.choice(ACTIONS)
    rec = {
        "actor": actor,
        "action": action,
        "target": rng.choice(TARGETS[ttype]),
        "decision": rng.choice(DECISIONS),
        "tenant": rng.choice(TENANTS),
        "trace_id": "%032x" % rng.getrandbits(128),
    }
    if rng.random() < 0.5:
        rec["environment"] = rng.choice(ENVS)
    if rng.random() < 0.5:
        rec["source_ip"] = "10.%d.%d.%d" % (rng.randrange(256),
                                            rng.randrange(256),
                                            rng.randrange(1, 255))
    if rng.random() < 0.3:
        rec["event_time"] = time.strftime(
            "%Y-%m-%dT%H:%M:%S", time.gmtime(base + i // 4)) + \
            ".%03dZ" % rng.randrange(1000)
    if rng.random() < 0.3:
        rec["request_id"] = "req-%012x" % rng.getrandbits(48)
    if rec["decision"] != "allowed" or rng.random() < 0.2:
        rec["reason"] = rng.choice(REASONS[rec["decision"]])
    if actor.startswith("agent:"):
        rec["agent_id"] = "%s-%d" % (actor[6:], rng.randrange(1, 50))
    r = rng.random()
    if r < 0.2:
        rec["params"] = {"dry_run": rng.random() < 0.3,
                         "count": rng.randrange(1, 5000),
                         "query": "id = %d" % rng.randrange(10**6)}
    elif r < 0.4:
        rec["labels"] = {"region": rng.choice(REGIONS),
                         "team": rng.choice(["core", "payments", "platform",
                                             "data"])}
    return rec


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def records(count, seed):
    rng = random.Random(seed)
    base = 1790000000  # fixed, so output depends on the seed only
    for i in range(count):
        yield make_record(rng, i, base)


def sanitize(s):
    return "".join("?" if c in "<>" or ord(c) < 0x20 or ord(c) == 0x7f
                   else c for c in s)


def fast_import(out, count, seed, ref):
    """Write the records as annal's commits (annal-format(5)), unsigned."""
    prev = "sha256:" + "0" * 64
    t0 = 1790000000000  # ms; one record per ms, as a fast batch
    for i, rec in enumerate(records(count, seed)):
        seq = i + 1
        ms = t0 + i
        rec["seq"] = seq
        rec["ts"] = time.strftime("%Y-%m-%dT%H:%M:%S",
                                  time.gmtime(ms // 1000)) + \
            ".%03dZ" % (ms % 1000)
        rec["prev_hash"] = prev
        h = "sha256:" + hashlib.sha256(canonical(rec).encode()).hexdigest()
        rec["hash"] = h
        prev = h
        summary = "#%d %s %s" % (seq, sanitize(rec["actor"]),
                                 sanitize(rec["action"]))
        if "target" in rec:
            summary += " " + sanitize(rec["target"])
        if "decision" in rec:
            summary += " -> " + sanitize(rec["decision"])
        msg = (summary + "\n\n" + canonical(rec) + "\n").encode()
        who = "%s <annal> %d +0000" % (sanitize(rec["actor"]), ms // 1000)
        out.write(("commit %s\nauthor %s\ncommitter %s\ndata %d\n"
                   % (ref, who, who, len(msg))).encode())
        out.write(msg)
        out.write(b"\n")
    out.write(b"done\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["ndjson", "fast-import"])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ref", default="refs/audit/main")
    a = ap.parse_args()
    out = sys.stdout.buffer
    if a.mode == "ndjson":
        for rec in records(a.count, a.seed):
            out.write((canonical(rec) + "\n").encode())
    else:
        fast_import(out, a.count, a.seed, a.ref)
    out.flush()


if __name__ == "__main__":
    main()
