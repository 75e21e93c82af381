"""The object layer's compile-time contract (docs/objects.md): the header generated for a
coclass makes the compiler check both directions, so a method listed in IDL and not written, a
method written and not listed, a body with another signature, a missing destroy hook, or a
[fenced] coclass without its fence hooks each stop the build (-Werror, gcc and clang)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE_IDL = """import "mapidefs.idl";

coclass probe {
    interface IMAPIProgress { GetMax };
}

[fenced]
coclass fprobe {
    interface IMAPIProgress { GetMax };
}
"""

FENCED = """#include <mapicode.h>
#include <mapidefs.h>

struct fprobe {
    int inside;
};

#include "fprobe_object.h"

static void fprobe_destroy(struct fprobe *self)
{
    (void)self;
}

static int fprobe_fence_enter(struct fprobe *self, mapirt_call_frame *f)
{
    (void)f;
    return ++self->inside;
}

static void fprobe_fence_leave(struct fprobe *self, mapirt_call_frame *f)
{
    (void)f;
    self->inside--;
}

static HRESULT fprobe_GetMax(struct fprobe *self, ULONG *lpulMax)
{
    *lpulMax = (ULONG)self->inside; /* 1: counted in around the body */
    return S_OK;
}

IMAPIProgress *make(void);
IMAPIProgress *make(void)
{
    struct fprobe *p = fprobe_new();
    return p ? fprobe_as_IMAPIProgress(p) : NULL;
}
"""

GOOD = """#include <mapicode.h>
#include <mapidefs.h>

struct probe {
    ULONG max;
};

#include "probe_object.h"

static void probe_destroy(struct probe *self)
{
    (void)self;
}

static HRESULT probe_GetMax(struct probe *self, ULONG *lpulMax)
{
    *lpulMax = self->max;
    return S_OK;
}

IMAPIProgress *make(void);
IMAPIProgress *make(void)
{
    struct probe *p = probe_new();
    return p ? probe_as_IMAPIProgress(p) : NULL;
}
"""


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapirt",
                                                 "mapidefs_impl.h")), "run `ninja` first")
class CompilerChecksTheObject(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        idl = os.path.join(cls.tmp, "probe.idl")
        with open(idl, "w", encoding="utf-8") as fh:
            fh.write(PROBE_IDL)
        r = subprocess.run([sys.executable, "-m", "tools.idlc", "-I", "idl", "-o",
                            os.path.join(cls.tmp, "gen"), "--no-cache", idl], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(r.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def compile(self, cc: str, src: str) -> subprocess.CompletedProcess:
        path = os.path.join(self.tmp, "probe.c")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(src)
        return subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-c", "-o",
                               os.path.join(self.tmp, "probe.o"), "-I", "gen/include", "-I",
                               "runtime/include", "-I", os.path.join(self.tmp, "gen", "objects"),
                               path], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C"})

    def test_only_the_object_header_is_generated(self):
        outs = sorted(os.listdir(os.path.join(self.tmp, "gen")))
        self.assertEqual(outs, ["objects"],
                         "a file of coclasses gets no public header")
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, "gen", "objects"))),
                         ["fprobe_decl.h", "fprobe_object.h", "probe_decl.h", "probe_object.h"])

    def test_complete_object_compiles(self):
        for cc in ("gcc", "clang"):
            r = self.compile(cc, GOOD)
            self.assertEqual(r.returncode, 0, f"{cc}: {r.stderr}")

    def check_refused(self, src: str, gcc_says: str, clang_says: str):
        for cc, says in (("gcc", gcc_says), ("clang", clang_says)):
            r = self.compile(cc, src)
            self.assertNotEqual(r.returncode, 0, f"{cc} accepted it")
            self.assertIn(says, r.stderr, cc)

    def test_listed_method_not_written(self):
        src = GOOD.replace("static HRESULT probe_GetMax(struct probe *self, ULONG *lpulMax)\n"
                           "{\n    *lpulMax = self->max;\n    return S_OK;\n}\n", "")
        self.check_refused(src, "'probe_GetMax' used but never defined",
                           "function 'probe_GetMax' has internal linkage but is not defined")

    def test_method_written_but_not_listed(self):
        src = GOOD + ("\nstatic HRESULT probe_GetMin(struct probe *self, ULONG *lpulMin)\n"
                      "{\n    *lpulMin = self->max;\n    return S_OK;\n}\n")
        self.check_refused(src, "'probe_GetMin' defined but not used",
                           "unused function 'probe_GetMin'")

    def test_body_with_another_signature(self):
        src = GOOD.replace("probe_GetMax(struct probe *self, ULONG *lpulMax)",
                           "probe_GetMax(struct probe *self, LONG *lpulMax)")
        self.check_refused(src, "conflicting types for 'probe_GetMax'",
                           "conflicting types for 'probe_GetMax'")

    def test_destroy_hook_is_required(self):
        src = GOOD.replace("static void probe_destroy(struct probe *self)\n{\n"
                           "    (void)self;\n}\n", "")
        self.check_refused(src, "'probe_destroy' used but never defined",
                           "function 'probe_destroy' has internal linkage but is not defined")

    def test_fenced_object_compiles_with_its_hooks(self):
        for cc in ("gcc", "clang"):
            r = self.compile(cc, FENCED)
            self.assertEqual(r.returncode, 0, f"{cc}: {r.stderr}")
        with open(os.path.join(self.tmp, "gen", "objects", "fprobe_object.h"),
                  encoding="utf-8") as fh:
            text = fh.read()
        self.assertIn("fprobe_fence_enter(self, &idlc_f)", text)
        self.assertIn("fprobe_fence_leave(self, &idlc_f)", text)

    def test_fenced_object_needs_its_hooks(self):
        src = FENCED.replace("static void fprobe_fence_leave(struct fprobe *self, "
                             "mapirt_call_frame *f)\n{\n    (void)f;\n    self->inside--;\n}\n",
                             "")
        self.check_refused(src, "'fprobe_fence_leave' used but never defined",
                           "function 'fprobe_fence_leave' has internal linkage but is not "
                           "defined")


if __name__ == "__main__":
    unittest.main()
