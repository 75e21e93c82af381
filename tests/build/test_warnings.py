"""The build uses gcc; this keeps the code clean under clang too, and the generated sources clean
under -pedantic (C11 and C++17) with both compilers, as DESIGN.md's contract 4 asks."""
from __future__ import annotations

import glob
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INC = ["-Igen/include", "-Igen/objects", "-Iruntime/include", "-Iruntime/internal", "-Iruntime",
       "-Igen/src"]
WARN = ["-Wall", "-Wextra", "-Werror", "-fsyntax-only"]


def check(cmd: list[str]) -> str:
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return "" if r.returncode == 0 else f"$ {' '.join(cmd)}\n{r.stderr[:3000]}"


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "src", "mapirt_gen.c")),
                     "run `ninja` first")
class Warnings(unittest.TestCase):
    def test_runtime_is_clean_under_clang(self):
        errs = [check(["clang", "-std=c11", *WARN, "-pthread", *INC, src])
                for src in sorted(glob.glob(os.path.join(ROOT, "runtime", "**", "*.c"), recursive=True))]
        self.assertEqual([e for e in errs if e], [])

    def test_generated_sources_are_clean_under_pedantic(self):
        errs = []
        for cc in ("gcc", "clang"):
            errs.append(check([cc, "-std=c11", "-pedantic", *WARN, *INC, "gen/src/mapirt_gen.c"]))
            errs.append(check([cc, "-std=c11", "-pedantic", *WARN, *INC, "gen/src/mapirt_vocab.c"]))
        for cxx in ("g++", "clang++"):
            errs.append(check([cxx, "-std=c++17", "-pedantic", *WARN, *INC,
                               "gen/tests/default_stubs_cxx.cpp"]))
        self.assertEqual([e for e in errs if e], [])

    def test_initguid_client_builds_with_werror(self):
        """A client instantiating the GUIDs (MAPI's INITGUID scheme) under -Werror: an `extern`
        declaration with an initializer makes gcc warn, which used to fail such a build."""
        src = ('#define USES_IID_IMAPIProp\n#include <initguid.h>\n#include <mapix.h>\n#include <mapiguid.h>\n'
               'DEFINE_GUID(IID_MyOwn, 0x1, 0x2, 0x3, 0, 0, 0, 0, 0, 0, 0, 4);\n'
               'int main(void) { return IID_MyOwn.Data1 == 1 && IID_IMAPIProp.Data1 ? 0 : 1; }\n')
        errs = []
        with tempfile.TemporaryDirectory() as tmp:
            for ext, compilers, std in ((".c", ("gcc", "clang"), "-std=c11"),
                                        (".cpp", ("g++", "clang++"), "-std=c++17")):
                path = os.path.join(tmp, "client" + ext)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(src)
                for cc in compilers:
                    errs.append(check([cc, std, *WARN, "-Igen/include", path]))
        self.assertEqual([e for e in errs if e], [])


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "src", "mapirt_gen.c")),
                     "run `ninja` first")
class Formatting(unittest.TestCase):
    def test_generated_code_is_clang_format_clean(self):
        """Everything the templates lay out (not cpp_quote text, which is copied verbatim)."""
        files = sorted(glob.glob(os.path.join(ROOT, "gen", "src", "*.c"))
                       + glob.glob(os.path.join(ROOT, "gen", "include", "mapirt", "*.h"))
                       + glob.glob(os.path.join(ROOT, "gen", "objects", "*.h"))
                       + glob.glob(os.path.join(ROOT, "gen", "tests", "*")))
        self.assertGreater(len(files), 10)
        r = subprocess.run(["clang-format", "--dry-run", "-Werror", *files], cwd=ROOT,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr[:3000])
