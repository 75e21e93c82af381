"""Source compatibility: a provider and client written for Microsoft's MAPI headers
(tests/build/compat/provider.cpp) compile unchanged against ours under -Wall -Wextra -Werror,
with initguid.h first or not, with UNICODE or not, with Simple MAPI's header first or not, and
link against libmapirt with no undefined symbol (IID_IUnknown after initguid.h included)."""
from __future__ import annotations

import itertools
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "tests", "build", "compat", "provider.cpp")


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "build", "libmapirt.so")),
                     "run `ninja` first")
class SourceCompatibility(unittest.TestCase):
    def test_provider_written_for_microsofts_headers(self):
        tmp = tempfile.mkdtemp()
        failures = []
        variants = list(itertools.product([False, True], [False, True], [False, True]))
        for initguid, unicode, simple_first in variants:
            defs = (["-DCOMPAT_INITGUID"] if initguid else []) + \
                   (["-DUNICODE", "-D_UNICODE"] if unicode else []) + \
                   (["-DCOMPAT_SIMPLE_FIRST"] if simple_first else [])
            # mapidbg.h's assertions and traces are statements in both builds.
            if initguid and unicode:
                defs += ["-DASSERTS_ENABLED", "-DTRACES_ENABLED"]
            obj = os.path.join(tmp, f"p{len(failures)}{initguid:d}{unicode:d}{simple_first:d}.o")
            so = obj[:-2] + ".so"
            for cmd in (["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fPIC", *defs,
                         "-I", os.path.join(ROOT, "gen", "include"), "-c", SRC, "-o", obj],
                        ["g++", "-shared", "-o", so, obj, "-L", os.path.join(ROOT, "build"),
                         "-lmapirt", "-Wl,--no-undefined"]):
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    failures.append(f"{' '.join(defs) or '(defaults)'}: {r.stderr[:2500]}")
                    break
        self.assertEqual(failures, [])


if __name__ == "__main__":
    unittest.main()
