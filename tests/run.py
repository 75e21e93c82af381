#!/usr/bin/env python3
"""Runs every test of `ninja test`: the unittest suites under tests/ (generator, ABI
conformance, install), then each test binary given on the command line: Criterion tests built
with AddressSanitizer + UndefinedBehaviorSanitizer, the same tests built with ThreadSanitizer
(tests/runtime/tsan stands in for Criterion there), plain stress programs (pass = exit 0), and
a short bounded run of every fuzz target (tests/fuzz/run.py).
Prints one closing line `N passed, N failed` and exits non-zero when anything failed."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("fuzz_run", os.path.join(ROOT, "tests", "fuzz",
                                                                       "run.py"))
fuzz_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_run)
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
    args = [] if os.path.basename(binary).startswith("tsan_") else ["--jobs=2"]
    proc = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True, env=env)
    sys.stderr.write(proc.stderr)
    sys.stdout.write(proc.stdout)
    m = SYNTH.search(proc.stderr + proc.stdout)
    leaked = "ERROR: LeakSanitizer" in proc.stderr
    if not m:
        # A plain stress program (no Criterion): one test, passed when it exits 0 cleanly.
        ok = proc.returncode == 0 and not leaked and "WARNING: ThreadSanitizer" not in proc.stderr
        if not ok:
            print(f"{binary}: failed (exit {proc.returncode})", file=sys.stderr)
        return (1, 0) if ok else (0, 1)
    tested, passing, failing, crashing = map(int, m.groups())
    failed = failing + crashing
    if tested == 0:
        print(f"{binary}: ran no test", file=sys.stderr)
        failed += 1
    if (proc.returncode != 0 or leaked) and failed == 0:
        # Criterion ignores LeakSanitizer's report at exit; a leak still fails the run.
        failed = 1
    return passing, failed


def is_fuzz_target(path: str) -> bool:
    return path.startswith(("build/fuzz/", "tests/fuzz/"))


def main(argv: list[str]) -> int:
    passed, failed = run_unittest()
    print(f"generator (unittest): {passed} passed, {failed} failed")
    for b in argv:
        if is_fuzz_target(b):
            # A short bounded run from the committed seeds (FUZZ_TEST_SECONDS, default 5).
            ok, summary = fuzz_run.run_target(b, int(os.environ.get("FUZZ_TEST_SECONDS", "5")),
                                               False)
            print(summary)
            passed += ok
            failed += not ok
            continue
        p, f = run_criterion(b)
        print(f"{os.path.basename(b)}: {p} passed, {f} failed")
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
