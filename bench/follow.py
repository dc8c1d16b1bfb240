#!/usr/bin/env python3
"""follow.py ANNAL REPO N [start]: the latency of annal log --follow.

Starts 'annal log --follow --format oneline' on REPO's main log, then
appends N records one at a time; for each, the seconds from the append's
exit (its id printed: the record is acknowledged; with "start", from the
append's start instead) to the follower's line for it.  Prints the N
latencies, one a line, for 'timing.py stats'.  The line is often out
before the append exits: the follower wakes at the ref's rename.
"""
import os
import select
import subprocess
import sys
import time


def main():
    annal, repo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    from_start = len(sys.argv) > 4 and sys.argv[4] == "start"
    env = dict(os.environ, ANNAL_REPO=repo)
    subprocess.run([annal, "append", "--actor", "bench", "--action", "start"],
                   env=env, check=True, capture_output=True)
    f = subprocess.Popen([annal, "log", "--follow", "--format", "oneline"],
                         env=env, stdout=subprocess.PIPE)
    lat = []
    try:
        time.sleep(0.5)  # it has read the head: the appends below are new
        buf = b""
        for i in range(n):
            began = time.monotonic()
            p = subprocess.run([annal, "append", "--actor", "bench", "--action",
                                "a%d" % i], env=env, check=True, capture_output=True)
            done = began if from_start else time.monotonic()
            want = p.stdout.decode().strip()[:12].encode()
            while True:
                nl = buf.find(b"\n")
                if nl >= 0:
                    line, buf = buf[:nl], buf[nl + 1:]
                    if line.startswith(want):
                        break
                    continue
                r, _, _ = select.select([f.stdout], [], [], 30)
                if not r:
                    sys.exit("follow.py: record %d not printed within 30 s" % i)
                chunk = os.read(f.stdout.fileno(), 65536)
                if not chunk:
                    sys.exit("follow.py: annal log --follow ended")
                buf += chunk
            lat.append(time.monotonic() - done)
            time.sleep(0.05)
    finally:
        f.terminate()
        f.wait()
    if f.returncode != 0:
        sys.exit("follow.py: annal log --follow exited %d on SIGTERM" % f.returncode)
    for x in lat:
        print("%.6f" % x)


main()
