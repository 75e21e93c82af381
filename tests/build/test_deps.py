"""Adding an IDL file must not rebuild the runtime: every runtime source includes only the
generated headers of the interfaces it uses, never an aggregate of all of them. Checked by
generating the headers with one more (unrelated) file in idl/ and asking the compiler which
headers each runtime source reads."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

EXTRA = """import "mapidefs.idl";
flagset ZzFlags { ZZ_LOUD = 0x00000001 };
[object, local, uuid(9b4b6e1e-3c0a-4c55-9d43-0a1f6a3e2b77), pointer_default(unique)]
interface IZzExample : IMAPIProp { HRESULT Poke([in, flags(ZzFlags)] ULONG ulFlags); }
"""


def coclass_idl() -> list[str]:
    out = []
    for top in ("runtime", "tests/runtime", "tools", "bench"):
        out += glob.glob(os.path.join(ROOT, top, "**", "*.idl"), recursive=True)
    return sorted(os.path.relpath(p, ROOT) for p in out)


class RuntimeDependencies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        idl = os.path.join(cls.tmp, "idl")
        os.mkdir(idl)
        for p in glob.glob(os.path.join(ROOT, "idl", "*.idl")):
            shutil.copy(p, idl)
        with open(os.path.join(idl, "zz_example.idl"), "w", encoding="utf-8") as fh:
            fh.write(EXTRA)
        cls.gen = os.path.join(cls.tmp, "gen")
        r = subprocess.run([sys.executable, "-m", "tools.idlc", "-I", idl, "-o", cls.gen,
                            "--aggregate", "--no-cache",
                            *sorted(glob.glob(os.path.join(idl, "*.idl"))), *coclass_idl()],
                           cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(r.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def deps(self, src: str) -> list[str]:
        r = subprocess.run(["gcc", "-std=c11", "-pthread", "-MM", "-I",
                            os.path.join(self.gen, "include"), "-I",
                            os.path.join(self.gen, "objects"), "-I", "runtime/include", "-I",
                            "runtime/internal", "-I", "runtime", src], cwd=ROOT,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.replace("\\\n", " ").split()[1:]

    def test_the_extra_file_was_generated(self):
        self.assertTrue(os.path.exists(os.path.join(self.gen, "include", "mapirt",
                                                    "zz_example_impl.h")))
        with open(os.path.join(self.gen, "include", "mapirt", "impl.h"), encoding="utf-8") as fh:
            self.assertIn("zz_example_impl.h", fh.read())

    def test_the_compiler_finds_every_header(self):
        """(gcc -MM leaves out a header it cannot find: make sure the include path is whole.)"""
        for src, want in (("runtime/prop/propstore.c", "runtime/internal/mapirt/alloc.h"),
                          ("runtime/prop/propdata.c", "objects/propdata_object.h"),
                          ("runtime/prop/propdata.c", "mapirt/mapiutil_impl.h")):
            deps = self.deps(src)
            self.assertTrue([d for d in deps if d.endswith(want)], f"{src}: {want}")

    def test_no_runtime_source_reads_unrelated_or_aggregate_headers(self):
        sources = sorted(os.path.relpath(p, ROOT) for p in
                         glob.glob(os.path.join(ROOT, "runtime", "**", "*.c"), recursive=True))
        self.assertGreater(len(sources), 20)
        bad = {}
        for src in sources:
            hit = [d for d in self.deps(src)
                   if "zz_example" in d or d.endswith("mapirt/impl.h")]
            if hit:
                bad[src] = hit
        self.assertEqual(bad, {}, "these runtime sources would rebuild when an IDL file is "
                         "added")


if __name__ == "__main__":
    unittest.main()
