#!/usr/bin/env python3
"""Runs every test of `ninja test`: the generator's unittest suite, then each Criterion binary
(built with AddressSanitizer + UndefinedBehaviorSanitizer) given on the command line. Prints one
closing line `N passed, N failed` and exits non-zero when anything failed."""
from __future__ import annotations

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNTH = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| "
                   r"Crashing: (\d+)")


def run_unittest() -> tuple[int, int]:
    proc = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", "tests",
                           "-t", ".", "-p", "test_*.py"], cwd=ROOT, capture_output=True,
                          text=True)
    sys.stderr.write(proc.stderr)
    ran = re.search(r"Ran (\d+) test", proc.stderr)
    total = int(ran.group(1)) if ran else 0
    m = re.search(r"FAILED \((.*)\)", proc.stderr)
    failed = sum(int(x) for x in re.findall(r"=(\d+)", m.group(1))) if m else 0
    if proc.returncode != 0 and failed == 0:
        failed = max(1, total)
    return total - failed, failed


def run_criterion(binary: str) -> tuple[int, int]:
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    proc = subprocess.run([binary, "--jobs=2"], cwd=ROOT, capture_output=True, text=True,
                          env=env)
    sys.stderr.write(proc.stderr)
    sys.stdout.write(proc.stdout)
    m = SYNTH.search(proc.stderr + proc.stdout)
    if not m:
        print(f"{binary}: no Criterion synthesis (exit {proc.returncode})", file=sys.stderr)
        return 0, 1
    tested, passing, failing, crashing = map(int, m.groups())
    failed = failing + crashing
    if proc.returncode != 0 and failed == 0:
        failed = 1
    return passing, failed


def main(argv: list[str]) -> int:
    passed, failed = run_unittest()
    print(f"generator (unittest): {passed} passed, {failed} failed")
    for b in argv:
        p, f = run_criterion(b)
        print(f"{os.path.basename(b)}: {p} passed, {f} failed")
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
