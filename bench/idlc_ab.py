#!/usr/bin/env python3
"""Before/after for a generator change: idlc from two trees, interleaved run by run so that both
see the same machine load, on the same IDL (OLD's idl/, one private copy per case and tree).

    bench/idlc_ab.py OLD_TREE NEW_TREE [RUNS]      e.g. OLD_TREE from `git archive main`

Cases: unchanged (the inputs of the previous run: a cache hit), edited (a comment appended to
mapitags.idl before each run: the parse and template caches warm), first (an empty cache: all
generated, the cache written), cold (--no-cache). Prints the median wall time with its range and
the median CPU time (user + system of the idlc process), which a loaded machine disturbs less."""
from __future__ import annotations

import glob
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CASES = ("unchanged", "edited", "first", "cold")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    trees = {"old": os.path.abspath(argv[0]), "new": os.path.abspath(argv[1])}
    runs = int(argv[2]) if len(argv) > 2 else 15
    tmp = tempfile.mkdtemp(prefix="idlc-ab-")
    try:
        for name in trees:
            for case in CASES:
                shutil.copytree(os.path.join(trees["old"], "idl"),
                                os.path.join(tmp, name, case, "idl"))
        files = sorted("idl/" + os.path.basename(p)
                       for p in glob.glob(os.path.join(trees["old"], "idl", "*.idl")))
        res: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for i in range(runs + 1):  # the first round warms up and is not counted
            for name, tree in trees.items():
                for case in CASES:
                    cwd = os.path.join(tmp, name, case)
                    env = {**os.environ, "PYTHONPATH": tree,
                           "XDG_CACHE_HOME": os.path.join(cwd, "xdg")}
                    args = ["-I", "idl", "-o", "out", "--aggregate", *files]
                    for sub in ("include", "src", "tests", "docs"):  # outputs written each run
                        shutil.rmtree(os.path.join(cwd, "out", sub), ignore_errors=True)
                    if case == "edited":
                        with open(os.path.join(cwd, "idl", "mapitags.idl"), "a") as fh:
                            fh.write("// edit\n")
                    elif case == "first":
                        shutil.rmtree(os.path.join(cwd, "out"), ignore_errors=True)
                        shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
                    elif case == "cold":
                        shutil.rmtree(os.path.join(cwd, "out"), ignore_errors=True)
                        args = ["--no-cache", *args]
                    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t0 = time.perf_counter()
                    subprocess.run(["/usr/bin/python3", "-m", "tools.idlc", *args], cwd=cwd,
                                   env=env, check=True)
                    wall = time.perf_counter() - t0
                    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
                    if i:
                        res.setdefault((case, name), []).append((wall * 1e3, cpu * 1e3))
        print(f"{runs} interleaved runs of each; load average {os.getloadavg()[0]:.1f}")
        print("case       tree  wall median (range) ms   CPU median ms")
        for case in CASES:
            for name in trees:
                w = [x[0] for x in res[(case, name)]]
                c = [x[1] for x in res[(case, name)]]
                print(f"{case:10} {name:4}  {statistics.median(w):5.0f} ({min(w):.0f}-{max(w):.0f})"
                      f"{'':8}{statistics.median(c):5.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
