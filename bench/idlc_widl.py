#!/usr/bin/env python3
"""The generator against widl, timed here (no hyperfine needed): idlc generating everything from
idl/ against widl generating headers for the same interfaces (bench/widl_idl.py rewrites
mapirt's extensions into MIDL widl accepts). widl runs one process per IDL file, as a Ninja build
runs it: one job per file, at most as many at once as there are cores (`ninja -jN`, N = nproc);
its serial time (one after the other, `-j1`) is printed too. idlc is one process for all files,
which is how the build runs it.

    bench/idlc_widl.py [RUNS]        from the repository root, after `ninja`; default 15 runs

Cases (each on its own copy of idl/, every run writing all its outputs again):
  unchanged    the inputs of the previous run: idlc reuses its outputs (its cache)
  one edited   a comment appended to mapitags.idl before each run: that file parsed again,
               everything checked and rendered again (the parse and template caches warm)
  empty cache  the cache emptied before each run: all generated, the cache written
  cold         --no-cache into an empty directory
The cases and widl are interleaved run by run so that all see the same machine load; the first
round warms up and is not counted. Reported: wall median and range, and the CPU median (user +
system of the processes), which a loaded machine disturbs less; ratios are of wall medians.
Then a no-op `ninja` and `touch idl/mapitags.idl && ninja` on the tree itself."""
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
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
WIDL = "x86_64-w64-mingw32-widl"
IDLC_CASES = ("unchanged", "one edited", "empty cache", "cold")


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn) -> tuple[float, float]:
    c0, t0 = cpu_children(), time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3, (cpu_children() - c0) * 1e3


def run(args: list[str], **kw) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, **kw)


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 15
    jobs = os.cpu_count() or 1
    tmp = tempfile.mkdtemp(prefix="idlc-widl-")
    try:
        run([PY, os.path.join(ROOT, "bench", "widl_idl.py"), os.path.join(ROOT, "idl"),
             os.path.join(tmp, "widl_idl")])
        widl_files = sorted(glob.glob(os.path.join(tmp, "widl_idl", "*.idl")))
        files = sorted("idl/" + os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "idl", "*.idl")))
        for case in IDLC_CASES:
            shutil.copytree(os.path.join(ROOT, "idl"), os.path.join(tmp, case, "idl"))

        def idlc(case: str):
            cwd = os.path.join(tmp, case)
            env = {**os.environ, "PYTHONPATH": ROOT, "XDG_CACHE_HOME": os.path.join(cwd, "xdg")}
            args = ["-I", "idl", "-o", "out", "--aggregate", *files]
            for sub in ("include", "src", "tests", "docs"):
                shutil.rmtree(os.path.join(cwd, "out", sub), ignore_errors=True)
            if case == "one edited":
                with open(os.path.join(cwd, "idl", "mapitags.idl"), "a") as fh:
                    fh.write("// edit\n")
            elif case == "empty cache":
                shutil.rmtree(os.path.join(cwd, "out"), ignore_errors=True)
                shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
            elif case == "cold":
                shutil.rmtree(os.path.join(cwd, "out"), ignore_errors=True)
                args = ["--no-cache", *args]
            return lambda: run([PY, "-m", "tools.idlc", *args], cwd=cwd, env=env)

        def widl(parallel: int):
            out = os.path.join(tmp, "w")
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)

            def one(f: str) -> None:
                base = os.path.basename(f)
                run([WIDL, "--nostdinc", "-I.", "-h", "-o", os.path.join(out, base + ".h"), base],
                    cwd=os.path.dirname(f))
            if parallel == 1:
                return lambda: [one(f) for f in widl_files]
            return lambda: list(ThreadPoolExecutor(parallel).map(one, widl_files))

        names = [f"idlc, {c}" for c in IDLC_CASES] + [f"widl, -j{jobs} (as ninja)", "widl, -j1"]
        res: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        la0 = os.getloadavg()[0]
        for i in range(runs + 1):
            order = names if i % 2 else names[::-1]
            for n in order:
                if n.startswith("idlc"):
                    fn = idlc(n[len("idlc, "):])
                else:
                    fn = widl(1 if n.endswith("-j1") else jobs)
                wall, cpu = timed(fn)
                if i:
                    res[n].append((wall, cpu))
        wref = statistics.median(w for w, _ in res[names[len(IDLC_CASES)]])
        print(f"== {len(files)} IDL files, {runs} interleaved runs each, {jobs} cores; "
              f"load average {la0:.1f} -> {os.getloadavg()[0]:.1f}")
        print(f"{'':28} {'wall median':>11} {'range':>13} {'CPU median':>10}  / widl as ninja")
        for n in names:
            w = [x[0] for x in res[n]]
            c = [x[1] for x in res[n]]
            print(f"{n:28} {statistics.median(w):8.0f} ms {min(w):5.0f}-{max(w):5.0f} ms "
                  f"{statistics.median(c):7.0f} ms  {statistics.median(w) / wref:5.2f}x")

        print("== the tree's own build")
        run(["ninja"], cwd=ROOT)
        noop = [timed(lambda: run(["ninja"], cwd=ROOT))[0] for _ in range(30)]
        print(f"no-op ninja: median {statistics.median(noop):.0f} ms "
              f"({min(noop):.0f}-{max(noop):.0f})")
        touch = []
        for _ in range(5):
            os.utime(os.path.join(ROOT, "idl", "mapitags.idl"))
            touch.append(timed(lambda: run(["ninja"], cwd=ROOT))[0])
        print(f"touch idl/mapitags.idl + ninja: median {statistics.median(touch):.0f} ms "
              f"({min(touch):.0f}-{max(touch):.0f})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
