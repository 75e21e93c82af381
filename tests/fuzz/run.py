#!/usr/bin/env python3
"""Runs fuzz targets for a bounded time: the libFuzzer programs build/fuzz/NAME (from
tests/fuzz/NAME.c) and the Python drivers tests/fuzz/NAME.py.

    tests/fuzz/run.py --seconds 5 build/fuzz/fuzz_props tests/fuzz/fuzz_idlc.py
    tests/fuzz/run.py --long build/fuzz/* tests/fuzz/fuzz_*.py      (what `ninja fuzz` runs)

Every target starts from its committed seeds, tests/fuzz/corpus/NAME/ (never written to).
Short runs (`ninja test`) grow a throw-away corpus; long runs keep theirs in build/fuzz/corpus/
NAME/ so that the next long run goes on from it. A failing input is saved in build/fuzz/crashes/
(reproduce with `build/fuzz/NAME FILE`, or `tests/fuzz/NAME.py FILE`). Targets run one at a
time. Ends with `N passed, N failed`.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus")
WORK = os.path.join(ROOT, "build", "fuzz")


def name_of(target: str) -> str:
    return os.path.splitext(os.path.basename(target))[0]


def run_target(target: str, seconds: int, keep_corpus: bool) -> tuple[bool, str]:
    """(passed, one-line summary) for one target run for `seconds`."""
    name = name_of(target)
    seeds = os.path.join(SEEDS, name)
    crashes = os.path.join(WORK, "crashes")
    os.makedirs(crashes, exist_ok=True)
    tmp = None
    if keep_corpus:
        corpus = os.path.join(WORK, "corpus", name)
        os.makedirs(corpus, exist_ok=True)
    else:
        corpus = tmp = tempfile.mkdtemp(prefix=f"{name}-")
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    start = time.monotonic()
    if target.endswith(".py"):
        cmd = [sys.executable, os.path.join(ROOT, target), "--seconds", str(seconds),
               "--corpus", corpus, "--crashes", crashes]
        if os.path.isdir(seeds):
            cmd += ["--seeds", seeds]
    else:
        cmd = [os.path.join(ROOT, target), f"-max_total_time={seconds}", "-timeout=30",
               "-rss_limit_mb=2048", "-print_final_stats=1",
               f"-artifact_prefix={crashes}{os.sep}{name}-", corpus]
        # a dictionary of the input's words, when the target has one (tests/fuzz/NAME.dict)
        words = os.path.join(ROOT, "tests", "fuzz", f"{name}.dict")
        if os.path.isfile(words):
            cmd.insert(1, f"-dict={words}")
        if os.path.isdir(seeds):
            cmd.append(seeds)
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env,
                              timeout=seconds + 300)
        out, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        out, code = f"{e.stdout or ''}{e.stderr or ''}\ndid not stop in time", -1
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    took = time.monotonic() - start
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)|^runs: (\d+)", out, re.M)
    count = next((a or b for a, b in reversed(runs)), "?")
    ok = code == 0
    summary = f"{name}: {count} inputs in {took:.0f} s, {'clean' if ok else 'FAILED'}"
    if not ok:
        sys.stderr.write(out[-6000:])
    return ok, summary


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=None, help="per target")
    ap.add_argument("--long", action="store_true",
                    help="keep the corpus; FUZZ_SECONDS (default 600) per target")
    ap.add_argument("targets", nargs="+")
    args = ap.parse_args(argv)
    seconds = args.seconds or (int(os.environ.get("FUZZ_SECONDS", "600")) if args.long else 5)
    passed = failed = 0
    for t in args.targets:
        ok, summary = run_target(t, seconds, args.long)
        print(summary, flush=True)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
