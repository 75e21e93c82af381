"""Generator tests: golden outputs, diagnostics, reproducibility, write/depfile behaviour, and
that every generated header compiles alone as C11 and C++17.

Update the golden files after an intended template change with:
    IDLC_UPDATE_GOLDEN=1 /usr/bin/python3 -m unittest tests.idlc.test_idlc
"""
from __future__ import annotations

import atexit
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "idlc")
FIXTURES = os.path.join(HERE, "fixtures")
GOLDEN = os.path.join(HERE, "golden")
ERRORS = os.path.join(HERE, "errors")
sys.path.insert(0, ROOT)

from tools.idlc.compiler import process  # noqa: E402

CFLAGS = ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only"]


# The generator's cache (tools/idlc/cache.py) goes to a scratch XDG_CACHE_HOME, never the
# user's.
CACHE_HOME = tempfile.mkdtemp(prefix="idlc-cache-")
atexit.register(shutil.rmtree, CACHE_HOME, True)


def idlc(*args: str, cache_home: str = CACHE_HOME) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.idlc", *args], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": cache_home})


def rel_fixtures() -> list[str]:
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(FIXTURES, "*.idl")))


def snapshot(d: str) -> dict[str, tuple[bytes, int]]:
    out = {}
    for p in glob.glob(os.path.join(d, "**", "*"), recursive=True):
        if os.path.isfile(p):
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = (fh.read(), os.stat(p).st_mtime_ns)
    return out


class Golden(unittest.TestCase):
    def test_fixture_outputs_match_golden(self):
        os.chdir(ROOT)
        res = process(rel_fixtures(), [os.path.relpath(FIXTURES, ROOT)], aggregate=True)
        if os.environ.get("IDLC_UPDATE_GOLDEN"):
            shutil.rmtree(GOLDEN, ignore_errors=True)
            for rel, text in res.outputs.items():
                os.makedirs(os.path.dirname(os.path.join(GOLDEN, rel)), exist_ok=True)
                with open(os.path.join(GOLDEN, rel), "w", encoding="utf-8") as fh:
                    fh.write(text)
        golden = {os.path.relpath(p, GOLDEN) for p in glob.glob(os.path.join(GOLDEN, "**", "*"),
                                                                 recursive=True)
                  if os.path.isfile(p)}
        self.assertEqual(golden, set(res.outputs), "set of generated files changed")
        for rel, text in sorted(res.outputs.items()):
            with open(os.path.join(GOLDEN, rel), encoding="utf-8") as fh:
                self.assertEqual(fh.read(), text, f"{rel} differs from tests/idlc/golden/{rel}; "
                                 "rerun with IDLC_UPDATE_GOLDEN=1 if the change is intended")


class Coclasses(unittest.TestCase):
    """What a coclass lowers to (tests/idlc/fixtures/widgetobj.idl): chains in order, the interface
    map, and for each slot the listed body, the delegation, or the default."""

    def test_slots_and_interface_map(self):
        from tools.idlc import loader, lower, validate
        from tools.idlc.diag import Reporter
        os.chdir(ROOT)
        rep = Reporter({})
        prog = loader.load(rel_fixtures(), ["tests/idlc/fixtures"], rep)
        sym = validate.check(prog, rep)
        rep.check()
        _, files = lower.lower(prog, sym)
        co = next(c for f in files for c in f.coclasses)
        self.assertEqual(co.name, "widgetobj")
        self.assertEqual(co.component, "widget object")
        self.assertEqual([c.itf.name for c in co.chains], ["IGadget", "ISprocket"])
        self.assertEqual([(e.iface, e.chain.itf.name) for e in co.map],
                         [("IGadget", "IGadget"), ("IWidget", "IGadget"),
                          ("IUnknown", "IGadget"), ("ISprocket", "ISprocket")],
                         "every IID once, answered by the first chain that has it")
        kinds = {(c.itf.name, s.method.name): (s.kind, s.target, s.arg0)
                 for c in co.chains for s in c.slots}
        self.assertEqual(kinds[("IGadget", "QueryInterface")][0], "qi")
        self.assertEqual(kinds[("IGadget", "Spin")], ("body", "widgetobj_Spin", "self"),
                         "listing overrides the delegation of IWidget")
        self.assertEqual(kinds[("ISprocket", "Spin")], ("body", "widgetobj_Spin", "self"),
                         "one body for both chains")
        self.assertEqual(kinds[("IGadget", "Count")],
                         ("delegate", "widget_helper_Count", "&self->helper"))
        self.assertEqual(kinds[("IGadget", "Attach")][:2], ("default", "IGadget_default_Attach"))
        self.assertEqual(kinds[("ISprocket", "Wind")],
                         ("delegate", "widget_winder_Wind", "self->winder"),
                         "a delegation of one method")
        self.assertEqual([(b.name, b.extern) for b in co.bodies],
                         [("widgetobj_Spin", False), ("widgetobj_Describe", True)])

    def test_a_file_of_coclasses_has_no_public_header(self):
        outs = process(rel_fixtures(), ["tests/idlc/fixtures"], aggregate=True).outputs
        self.assertIn("objects/widgetobj_object.h", outs)
        self.assertIn("objects/widgetobj_decl.h", outs)
        self.assertNotIn("include/widgetobj.h", outs)
        self.assertNotIn("src/widgetobj_impl.c", outs)


class Diagnostics(unittest.TestCase):
    def test_error_fixtures(self):
        files = sorted(glob.glob(os.path.join(ERRORS, "*.idl")))
        self.assertGreaterEqual(len(files), 10)
        for path in files:
            with self.subTest(os.path.basename(path)):
                with open(path, encoding="utf-8") as fh:
                    expected = re.findall(r"^// expect: (.*)$", fh.read(), re.M)
                self.assertTrue(expected, f"{path} has no '// expect:' line")
                out = tempfile.mkdtemp()
                try:
                    p = idlc("-I", os.path.relpath(FIXTURES, ROOT), "-I",
                             os.path.relpath(os.path.join(HERE, "errors_inc"), ROOT), "-o", out,
                             os.path.relpath(path, ROOT))
                    self.assertEqual(p.returncode, 1, p.stderr)
                    self.assertEqual(os.listdir(out), [], "output written despite errors")
                finally:
                    shutil.rmtree(out)
                got = [re.sub(r"^(In file imported from )?\S*/", r"\1", line)
                       for line in p.stderr.splitlines() if not line.startswith("  ")]
                for e in expected:
                    self.assertIn(e, got, f"missing diagnostic; got:\n{p.stderr}")
                n = sum(1 for line in got if ": error: " in line)
                self.assertEqual(n, sum(1 for e in expected if ": error: " in e), p.stderr)

    def test_caret_points_at_column(self):
        p = idlc("-I", "tests/idlc/fixtures", "-o", tempfile.mkdtemp(),
                 "tests/idlc/errors/size_is.idl")
        lines = p.stderr.splitlines()
        i = next(i for i, line in enumerate(lines) if ": error: " in line)
        col = int(lines[i].split(":")[2])
        self.assertEqual(lines[i + 2].index("^") - 2, col - 1)
        self.assertEqual(lines[i + 1][2 + col - 1:].split(")")[0], "cbBuffer")

    def test_errors_leave_existing_outputs_untouched(self):
        out = tempfile.mkdtemp()
        try:
            good = idlc("-I", "tests/idlc/fixtures", "-o", out, *rel_fixtures())
            self.assertEqual(good.returncode, 0, good.stderr)
            before = snapshot(out)
            time.sleep(0.01)
            broken = os.path.join(out, "widget.idl")
            with open(os.path.join(FIXTURES, "widget.idl"), encoding="utf-8") as fh:
                text = fh.read().replace("HRESULT Spin(", "HRESULT Spin(NoSuchType x, ")
            with open(broken, "w", encoding="utf-8") as fh:
                fh.write(text)
            bad = idlc("-I", "tests/idlc/fixtures", "-o", out, "tests/idlc/fixtures/base.idl",
                       broken)
            self.assertEqual(bad.returncode, 1)
            os.unlink(broken)
            self.assertEqual(before, snapshot(out))
        finally:
            shutil.rmtree(out)

    def test_several_errors_in_one_run(self):
        p = idlc("-I", "tests/idlc/fixtures", "-o", tempfile.mkdtemp(),
                 "tests/idlc/errors/flagset.idl")
        self.assertIn("2 errors", p.stderr)


class Robustness(unittest.TestCase):
    """Mangled input must end in diagnostics (CompileError), never in a Python exception."""

    def test_mutated_sources_give_diagnostics_not_crashes(self):
        from tools.idlc.diag import CompileError
        with open(os.path.join(FIXTURES, "widget.idl"), encoding="utf-8") as fh:
            original = fh.read()
        pieces = ["{", "}", "(", ")", "[", "]", ";", ",", "*", "=", "interface", "const",
                  "typedef", "struct", "union", "uuid(", "0x", '"', "/*", "//", "import",
                  "flagset", "property", "scode", "IWidget", "ULONG", "in", "out", "size_is"]
        rng = random.Random(1234)
        tmp = tempfile.mkdtemp()
        try:
            shutil.copy(os.path.join(FIXTURES, "base.idl"), tmp)
            path = os.path.join(tmp, "widget.idl")
            for i in range(300):
                text = list(original)
                for _ in range(rng.randint(1, 4)):
                    pos = rng.randrange(len(text))
                    op = rng.random()
                    if op < 0.4:
                        del text[pos:pos + rng.randint(1, 12)]
                    elif op < 0.8:
                        text.insert(pos, rng.choice(pieces))
                    else:
                        text[pos] = chr(rng.randint(0, 127))
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write("".join(text))
                try:
                    process([path], [tmp], aggregate=True)
                except CompileError as e:
                    self.assertTrue(e.diags)
                    self.assertTrue(e.format())  # formatting a diagnostic must not fail either
        finally:
            shutil.rmtree(tmp)


class Reproducible(unittest.TestCase):
    def test_input_order_does_not_matter(self):
        files = rel_fixtures()
        first = process(files, ["tests/idlc/fixtures"], aggregate=True).outputs
        for seed in range(3):
            shuffled = files[:]
            random.Random(seed).shuffle(shuffled)
            self.assertEqual(first, process(shuffled, ["tests/idlc/fixtures"],
                                            aggregate=True).outputs)

    def test_no_absolute_paths_or_timestamps(self):
        outs = process(rel_fixtures(), ["tests/idlc/fixtures"], aggregate=True).outputs
        for rel, text in outs.items():
            self.assertNotIn(ROOT, text, rel)
            self.assertNotRegex(text, r"\b20\d\d-\d\d-\d\d\b", rel)


class Writing(unittest.TestCase):
    def test_outputs_rewritten_only_when_changed_and_depfile(self):
        out = tempfile.mkdtemp()
        try:
            args = ["-I", "tests/idlc/fixtures", "-o", out, "--aggregate",
                    "--stamp", os.path.join(out, "stamp"), "--depfile",
                    os.path.join(out, "stamp.d"), *rel_fixtures()]
            self.assertEqual(idlc(*args).returncode, 0)
            before = snapshot(out)
            time.sleep(0.02)
            self.assertEqual(idlc(*args).returncode, 0)
            self.assertEqual(before, snapshot(out), "an unchanged run rewrote a file")
            with open(os.path.join(out, "stamp.d"), encoding="utf-8") as fh:
                dep = fh.read()
            for needed in ("tests/idlc/fixtures/base.idl", "tests/idlc/fixtures/widget.idl",
                           "header.h.j2", "_macros.j2", "_banner.j2", "parser.py", "lexer.py"):
                self.assertIn(needed, dep)
            self.assertFalse(glob.glob(os.path.join(out, "**", ".idlc-*"), recursive=True))
        finally:
            shutil.rmtree(out)


class Caches(unittest.TestCase):
    def test_edited_input_misses_every_cache(self):
        tmp = tempfile.mkdtemp()
        try:
            src = os.path.join(tmp, "idl")
            shutil.copytree(FIXTURES, src)
            out = os.path.join(tmp, "out")
            home = os.path.join(tmp, "cache")
            args = ["-I", src, "-o", out, "--aggregate", *sorted(glob.glob(src + "/*.idl"))]
            self.assertEqual(idlc(*args, cache_home=home).returncode, 0)
            self.assertEqual(len(os.listdir(os.path.join(home, "mapirt-idlc", "outputs"))), 1)
            first = snapshot(out)
            self.assertEqual(idlc(*args, cache_home=home).returncode, 0)  # unchanged: reused
            self.assertEqual(first, snapshot(out))
            with open(os.path.join(src, "widget.idl"), "a", encoding="utf-8") as fh:
                fh.write("const ULONG WIDGET_ADDED_LATER = 7;\n")
            self.assertEqual(idlc(*args, cache_home=home).returncode, 0)
            with open(os.path.join(out, "include", "widget.h"), encoding="utf-8") as fh:
                self.assertIn("#define WIDGET_ADDED_LATER ((ULONG)7)", fh.read())
            # and the result equals a run without any cache
            fresh = os.path.join(tmp, "fresh")
            self.assertEqual(idlc("--no-cache", *args[:2], "-o", fresh, *args[4:]).returncode, 0)
            a = {k: v[0] for k, v in snapshot(out).items() if not k.startswith(".cache")}
            b = {k: v[0] for k, v in snapshot(fresh).items()}
            self.assertEqual(a, b)
            self.assertFalse(os.path.exists(os.path.join(fresh, ".cache")))
        finally:
            shutil.rmtree(tmp)


def header_dirs() -> list[tuple[str, list[str], list[str]]]:
    """(label, idl files, include dirs) for every IDL set that must produce clean headers."""
    sets = [("fixtures", rel_fixtures(), ["tests/idlc/fixtures"])]
    real = sorted(glob.glob(os.path.join(ROOT, "idl", "*.idl")))
    if real:
        sets.append(("idl", [os.path.relpath(p, ROOT) for p in real], ["idl"]))
    return sets


class HeadersCompile(unittest.TestCase):
    def test_each_header_compiles_alone_as_c11_and_cxx17(self):
        for label, files, incs in header_dirs():
            out = tempfile.mkdtemp()
            try:
                p = idlc(*sum((["-I", i] for i in incs), []), "-o", out, *files)
                self.assertEqual(p.returncode, 0, p.stderr)
                for h in sorted(glob.glob(os.path.join(out, "include", "*.h"))):
                    name = os.path.basename(h)
                    for lang, std, ext in (("c", "-std=c11", ".c"), ("c++", "-std=c++17", ".cpp")):
                        for cc in (("gcc", "g++"), ("clang", "clang++")):
                            comp = cc[0] if lang == "c" else cc[1]
                            with self.subTest(set=label, header=name, lang=lang, cc=comp):
                                src = os.path.join(out, "probe" + ext)
                                with open(src, "w") as fh:
                                    fh.write(f"#include <{name}>\n")
                                r = subprocess.run([comp, std, *CFLAGS, "-I",
                                                    os.path.join(out, "include"), src],
                                                   capture_output=True, text=True)
                                self.assertEqual(r.returncode, 0, r.stderr[:3000])
            finally:
                shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main()
