#!/usr/bin/env python3
# lib-kill.py - helpers for t7003-kill-matrix.sh
#
# SPDX-License-Identifier: MIT
#
#   lib-kill.py plan SEED N: print N lines "op size delay": which command
#       to kill, the records it writes and after how many seconds, all
#       drawn from SEED, so a failing run repeats with the same seed.
import math
import random
import sys

# op, weight: what a run kills, and how often
OPS = [("append", 3), ("batch", 3), ("signed", 2), ("stream", 2),
       ("bundle", 1), ("rotate", 1)]
SIZES = [1, 3, 7, 8, 9, 30, 100, 300]


def plan(seed, n):
    rng = random.Random(seed)
    names = [op for op, w in OPS for _ in range(w)]
    for _ in range(n):
        op = rng.choice(names)
        size = rng.choice(SIZES) if op in ("batch", "signed", "stream") else 1
        # log-uniform from 100 us to 150 ms: annal starts in some 10 ms
        delay = math.exp(rng.uniform(math.log(0.0001), math.log(0.15)))
        print("%s %d %.6f" % (op, size, delay))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "plan":
        sys.exit("usage: lib-kill.py plan SEED N")
    plan(sys.argv[2], int(sys.argv[3]))
