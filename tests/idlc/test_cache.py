"""The generator leaves nothing but its outputs in the output directory; its cache lives in
$XDG_CACHE_HOME/mapirt-idlc and misses whenever any input byte changes: an IDL file, an
import that would now resolve elsewhere, a template, a generator module, the arguments."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "idlc", "fixtures")


def files_under(d: str) -> dict[str, bytes]:
    out = {}
    for p in glob.glob(os.path.join(d, "**", "*"), recursive=True) + \
            glob.glob(os.path.join(d, "**", ".*"), recursive=True):
        if os.path.isfile(p):
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = fh.read()
    return out


class Cache(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.home = os.path.join(self.tmp, "cache")
        # A private copy of the generator, so that its templates and modules can be edited.
        self.gen = os.path.join(self.tmp, "gen")
        shutil.copytree(os.path.join(ROOT, "tools", "idlc"), os.path.join(self.gen, "tools", "idlc"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        open(os.path.join(self.gen, "tools", "__init__.py"), "w").close()
        self.src = os.path.join(self.tmp, "idl")
        shutil.copytree(FIXTURES, self.src)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def idlc(self, out: str, *extra: str, files=None) -> subprocess.CompletedProcess:
        files = files or sorted(glob.glob(os.path.join(self.src, "*.idl")))
        r = subprocess.run([sys.executable, "-m", "tools.idlc", "-I", self.src, "-o", out,
                            "--aggregate", *extra, *files], cwd=self.tmp, capture_output=True,
                           text=True, env={**os.environ, "XDG_CACHE_HOME": self.home,
                                           "PYTHONPATH": self.gen})
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def fresh(self) -> dict[str, bytes]:
        """What a run without any cache writes."""
        out = tempfile.mkdtemp(dir=self.tmp)
        self.idlc(out, "--no-cache")
        return files_under(out)

    def test_output_directory_holds_only_outputs_and_cache_is_under_xdg(self):
        out = os.path.join(self.tmp, "out")
        self.idlc(out)
        self.idlc(out)  # a cache hit writes nothing else either
        names = set(files_under(out))
        self.assertFalse([n for n in names if n.startswith(".") or "/." in n], names)
        self.assertIn("include/widget.h", names)
        self.assertTrue(os.listdir(os.path.join(self.home, "mapirt-idlc", "outputs")))
        self.assertTrue(os.listdir(os.path.join(self.home, "mapirt-idlc", "parse")))

    def test_no_cache_writes_no_cache(self):
        self.idlc(os.path.join(self.tmp, "out"), "--no-cache")
        self.assertFalse(os.path.exists(self.home))

    def test_edited_template_misses(self):
        out = os.path.join(self.tmp, "out")
        self.idlc(out)
        tpl = os.path.join(self.gen, "tools", "idlc", "templates", "header.h.j2")
        with open(tpl, "a", encoding="utf-8") as fh:
            fh.write("/* template edited */\n")
        self.idlc(out)
        self.assertIn(b"/* template edited */", files_under(out)["include/widget.h"])
        self.assertEqual(files_under(out), self.fresh())

    def test_edited_generator_module_misses(self):
        out = os.path.join(self.tmp, "out")
        self.idlc(out)
        mod = os.path.join(self.gen, "tools", "idlc", "render.py")
        with open(mod, "a", encoding="utf-8") as fh:
            fh.write("\nTEMPLATE_DIR = TEMPLATE_DIR  # edited\n")
        before = files_under(os.path.join(self.home, "mapirt-idlc", "outputs"))
        self.idlc(out)
        after = files_under(os.path.join(self.home, "mapirt-idlc", "outputs"))
        self.assertGreater(len(after), len(before), "a new generator is a new entry")

    def test_import_that_would_resolve_elsewhere_misses(self):
        # widget.idl imports base.idl from the include directory; a base.idl beside the file
        # that imports it now comes first.
        inc = os.path.join(self.tmp, "inc")
        os.makedirs(inc)
        shutil.move(os.path.join(self.src, "base.idl"), inc)
        files = [os.path.join(self.src, "widget.idl")]
        out = os.path.join(self.tmp, "out")
        r = subprocess.run([sys.executable, "-m", "tools.idlc", "-I", inc, "-o", out, *files],
                           cwd=self.tmp, capture_output=True, text=True,
                           env={**os.environ, "XDG_CACHE_HOME": self.home, "PYTHONPATH": self.gen})
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(inc, "base.idl"), encoding="utf-8") as fh:
            text = fh.read()
        with open(os.path.join(self.src, "base.idl"), "w", encoding="utf-8") as fh:
            fh.write(text + "\nconst ULONG SHADOWING_BASE = 9;\n")
        r = subprocess.run([sys.executable, "-m", "tools.idlc", "-I", inc, "-o", out,
                            "--depfile", os.path.join(self.tmp, "d"), "--stamp",
                            os.path.join(self.tmp, "s"), *files], cwd=self.tmp,
                           capture_output=True, text=True,
                           env={**os.environ, "XDG_CACHE_HOME": self.home, "PYTHONPATH": self.gen})
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, "d"), encoding="utf-8") as fh:
            self.assertIn(os.path.join(self.src, "base.idl"), fh.read())

    def test_damaged_entries_are_misses(self):
        out = os.path.join(self.tmp, "out")
        self.idlc(out)
        for p in glob.glob(os.path.join(self.home, "mapirt-idlc", "*", "*")):
            if os.path.isfile(p):
                with open(p, "wb") as fh:
                    fh.write(b"\x80\x04not a pickle")
        shutil.rmtree(out)
        self.idlc(out)
        self.assertEqual(files_under(out), self.fresh())

    def test_stamp_lists_outputs_and_stale_ones_are_deleted(self):
        out = os.path.join(self.tmp, "out")
        stamp = os.path.join(self.tmp, "stamp")
        self.idlc(out, "--stamp", stamp)
        with open(stamp, encoding="utf-8") as fh:
            self.assertIn("include/widget.h\n", fh.read())
        self.assertTrue(os.path.exists(os.path.join(out, "include", "widget.h")))
        self.idlc(out, "--stamp", stamp, files=[os.path.join(self.src, "base.idl")])
        self.assertFalse(os.path.exists(os.path.join(out, "include", "widget.h")),
                         "the outputs of an IDL file no longer compiled are deleted")
        self.assertTrue(os.path.exists(os.path.join(out, "include", "base.h")))

    def test_without_stamp_other_runs_outputs_are_kept(self):
        out = os.path.join(self.tmp, "out")
        self.idlc(out, files=[os.path.join(self.src, "widget.idl")])
        self.idlc(out, files=[os.path.join(self.src, "base.idl")])
        self.assertTrue(os.path.exists(os.path.join(out, "include", "widget.h")))

    def test_legacy_cache_in_output_directory_is_removed(self):
        out = os.path.join(self.tmp, "out")
        os.makedirs(os.path.join(out, ".cache", "parse"))
        with open(os.path.join(out, ".outputs"), "w") as fh:
            fh.write("include/old.h\n")
        self.idlc(out)
        self.assertFalse(os.path.exists(os.path.join(out, ".cache")))
        self.assertFalse(os.path.exists(os.path.join(out, ".outputs")))


if __name__ == "__main__":
    unittest.main()
