#!/usr/bin/env python3
"""tests/fuzz/fuzz_idlc.py: coverage-guided mutation fuzzing of the IDL compiler (tools/idlc).

Debian ships no coverage-guided fuzzer for Python (atheris is on PyPI only), so this is a small
one: inputs are mutated (bytes, IDL tokens, splices of two inputs, a piece repeated many times
to reach nesting and size limits), each runs through the whole compiler in this process with
line coverage of tools/idlc traced, and an input that reaches new lines joins the corpus.

The oracle: every input either compiles or raises CompileError whose every diagnostic reads
`file:line:col: error: ...`, within PER_INPUT seconds. A traceback, a hang or a malformed
diagnostic is a failure: the input is saved to the crashes folder and the run exits 1.

    tests/fuzz/fuzz_idlc.py --seconds 60 [--seeds DIR] [--corpus DIR] [--crashes DIR]
    tests/fuzz/fuzz_idlc.py FILE...        (replay inputs, e.g. a saved crash)
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools.idlc.compiler import process  # noqa: E402
from tools.idlc.diag import CompileError  # noqa: E402

IDLC = os.path.join(ROOT, "tools", "idlc")
PER_INPUT = 10.0
MAX_SIZE = 16384
DIAG = re.compile(r"^[^\s:][^:]*:\d+:\d+: error: \S")
NOTE = re.compile(r"^[^\s:][^:]*:\d+:\d+: note: \S")
TOKENS = ["{", "}", "(", ")", "[", "]", ";", ",", "*", "=", "-", "~", "+", "<<", "/", "%", "|",
          "interface", "const", "typedef", "struct", "union", "enum", "import", "flagset",
          "valueset", "property", "scode", "cpp_quote(\"x\")", "uuid(", "in", "out", "unique",
          "size_is(n)", "tstring(f)", "entryid(cb)", "iid_is(riid)", "flags(", "ULONG", "LONG",
          "HRESULT", "IUnknown", "0x", "0x7FFFFFFFFFFFFFFF", "18446744073709551615",
          "99999999999999999999999", "0", "1", "-1", "//", "/*", "*/", "\"", "\n", "#"]


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


class Runner:
    def __init__(self, workdir: str):
        self.workdir = workdir
        for f in glob.glob(os.path.join(ROOT, "tests", "idlc", "fixtures", "*.idl")):
            shutil.copy(f, workdir)
        self.path = os.path.join(workdir, "input.idl")
        self.seen: set = set()
        self._lines: set = set()

    def _trace(self, frame, event, arg):
        if not frame.f_code.co_filename.startswith(IDLC):
            return None
        return self._local

    def _local(self, frame, event, arg):
        if event == "line":
            self._lines.add((frame.f_code.co_filename, frame.f_lineno))
        return self._local

    def run(self, data: bytes, trace: bool) -> tuple[str | None, bool]:
        """(failure description or None, whether it reached new lines)."""
        with open(self.path, "wb") as f:
            f.write(data)
        self._lines = set()
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, PER_INPUT)
        failure = None
        try:
            if trace:
                sys.settrace(self._trace)
            try:
                process([self.path], [self.workdir], aggregate=True)
            finally:
                sys.settrace(None)
        except CompileError as e:
            try:
                text = e.format()
            except Exception:  # noqa: BLE001 -- formatting must not fail either
                failure = "formatting the diagnostics failed:\n" + traceback.format_exc()
            else:
                lines = text.splitlines()
                heads = [ln for ln in lines if re.match(r"^\S+:\d+:\d+: ", ln)]
                if not e.diags or not any(DIAG.match(h) for h in heads) or \
                        not all(DIAG.match(h) or NOTE.match(h) for h in heads):
                    failure = "malformed diagnostics:\n" + text[:2000]
        except Timeout:
            failure = f"no result within {PER_INPUT} s"
        except RecursionError:
            failure = "RecursionError:\n" + traceback.format_exc()[-3000:]
        except Exception:  # noqa: BLE001 -- any other exception is the bug being looked for
            failure = traceback.format_exc()[-3000:]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        new = bool(self._lines - self.seen)
        self.seen |= self._lines
        return failure, new


def mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randint(0, len(b))
        if op < 0.2 and b:
            del b[pos:pos + rng.randint(1, 16)]
        elif op < 0.45:
            b[pos:pos] = (" " + rng.choice(TOKENS) + " ").encode()
        elif op < 0.55 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(32, 127)
        elif op < 0.65 and b:
            end = min(len(b), pos + rng.randint(1, 40))
            b[pos:pos] = b[pos:end]
        elif op < 0.75 and b:
            # a piece repeated many times: nesting, long chains, huge literals
            end = min(len(b), pos + rng.randint(1, 6))
            b[pos:pos] = bytes(b[pos:end]) * rng.choice([10, 100, 500, 2000])
        elif op < 0.85 and corpus:
            other = rng.choice(corpus)
            cut = rng.randint(0, len(other))
            b = b[:pos] + other[cut:cut + rng.randint(1, 400)] + b[pos:]
        else:
            b[pos:pos] = rng.choice([b"(", b"-", b"struct { ", b"1*", b"9"]) * rng.randint(2, 300)
    return bytes(b[:MAX_SIZE])


def save(folder: str, data: bytes, prefix: str = "") -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, prefix + hashlib.sha1(data).hexdigest()[:16] + ".idl")
    with open(path, "wb") as f:
        f.write(data)
    return path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seeds", help="committed seed inputs (read only)")
    ap.add_argument("--corpus", help="where inputs that reach new lines are kept")
    ap.add_argument("--crashes", default=os.path.join(ROOT, "build", "fuzz", "crashes"))
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    ap.add_argument("replay", nargs="*", help="inputs to run once each")
    args = ap.parse_args(argv)
    sys.setrecursionlimit(1000)  # the default: what a real run of idlc has
    with tempfile.TemporaryDirectory() as work:
        runner = Runner(work)
        if args.replay:
            bad = 0
            for p in args.replay:
                with open(p, "rb") as f:
                    failure, _ = runner.run(f.read(), trace=False)
                print(f"{p}: {failure or 'ok'}")
                bad += failure is not None
            return 1 if bad else 0
        corpus: list[bytes] = []
        paths = []
        for d in filter(None, [args.seeds, args.corpus]):
            paths += sorted(glob.glob(os.path.join(d, "*")))
        if not paths:
            paths = sorted(glob.glob(os.path.join(ROOT, "tests", "idlc", "fixtures", "*.idl")))
        for p in paths:
            with open(p, "rb") as f:
                corpus.append(f.read()[:MAX_SIZE])
        rng = random.Random(args.seed if args.seed is not None else time.time_ns())
        start, runs = time.monotonic(), 0
        for data in corpus:  # the seeds themselves first
            failure, _ = runner.run(data, trace=True)
            runs += 1
            if failure:
                print(f"seed fails: {save(args.crashes, data, 'idlc-')}\n{failure}")
                return 1
        while time.monotonic() - start < args.seconds:
            data = mutate(rng, rng.choice(corpus), corpus)
            failure, new = runner.run(data, trace=True)
            runs += 1
            if failure:
                path = save(args.crashes, data, "idlc-")
                print(f"failure after {runs} inputs, saved as {path}:\n{failure}")
                return 1
            if new:
                corpus.append(data)
                if args.corpus:
                    save(args.corpus, data)
        print(f"runs: {runs}")
        print(f"fuzz_idlc: {runs} inputs in {time.monotonic() - start:.0f} s, "
              f"{len(corpus)} in the corpus, {len(runner.seen)} lines of tools/idlc reached")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
