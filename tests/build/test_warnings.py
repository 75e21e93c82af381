"""The build uses gcc; this keeps the code clean under clang too, and the generated sources clean
under -pedantic (C11 and C++17) with both compilers, as DESIGN.md's contract 4 asks."""
from __future__ import annotations

import glob
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INC = ["-Igen/include", "-Iruntime/include", "-Iruntime/internal", "-Iruntime", "-Igen/src"]
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


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "src", "mapirt_gen.c")),
                     "run `ninja` first")
class Formatting(unittest.TestCase):
    def test_generated_code_is_clang_format_clean(self):
        """Everything the templates lay out (not cpp_quote text, which is copied verbatim)."""
        files = sorted(glob.glob(os.path.join(ROOT, "gen", "src", "*.c"))
                       + glob.glob(os.path.join(ROOT, "gen", "include", "mapirt", "*.h"))
                       + glob.glob(os.path.join(ROOT, "gen", "tests", "*")))
        self.assertGreater(len(files), 10)
        r = subprocess.run(["clang-format", "--dry-run", "-Werror", *files], cwd=ROOT,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr[:3000])
