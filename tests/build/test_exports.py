"""libmapirt.so exports what its installed headers declare (tools/exports.py), both ways: nothing
internal leaks (the table engine's tbl_*, *_locked helpers, test hooks: only what a header
declares is exported), and everything the library must define (every IDL function and GUID,
everything <mapirt/...> declares) is exported, except the functions listed with the reason in
tests/build/not_implemented.txt (one that gets implemented must leave that list)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
LIB = os.path.join(ROOT, "build", "libmapirt.so.0")
NOT_IMPLEMENTED = os.path.join(ROOT, "tests", "build", "not_implemented.txt")

from tools import exports  # noqa: E402


def exported() -> dict[str, str]:
    """{symbol: version node} of what the shared library defines and exports."""
    out = subprocess.run(["nm", "-D", "--defined-only", LIB], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        _, kind, name = line.split()
        if kind != "A":  # an `A` line defines a version node (MAPIRT_0.1) itself
            base, _, node = name.partition("@@")
            syms[base] = node
    return syms


def not_implemented() -> dict[str, str]:
    with open(NOT_IMPLEMENTED, encoding="utf-8") as fh:
        rows = [ln.split(None, 1) for ln in fh if ln.strip() and not ln.startswith("#")]
    return {r[0]: r[1].strip() if len(r) > 1 else "" for r in rows}


@unittest.skipUnless(os.path.exists(LIB), "run `ninja` first")
class Exports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.declared, cls.required = exports.surface()
        cls.exported = exported()
        cls.gaps = not_implemented()

    def test_nothing_internal_leaks(self):
        leaked = sorted(set(self.exported) - set(self.declared))
        self.assertEqual(leaked, [], "exported but declared in no installed header")
        for internal in ("tbl_find", "mapirt_propbag_find_locked", "mapirt_dispatcher_start",
                         "mapirt_test_fail_alloc", "mapirt_malloc"):
            self.assertNotIn(internal, self.exported)

    def test_every_required_symbol_is_exported(self):
        self.assertIn("IID_IMAPITable", self.required)
        self.assertIn("mapirt_tag_rows", self.required)
        self.assertNotIn("MSProviderInit", self.required, "a provider defines it")
        self.assertIn("MSProviderInit", self.declared)
        self.assertNotIn("MSProviderInit", self.exported)
        missing = sorted(self.required - set(self.exported) - set(self.gaps))
        self.assertEqual(missing, [], "declared in an installed header but not exported: "
                         "implement them (or, for a known gap, list them in "
                         "tests/build/not_implemented.txt with the reason)")

    def test_every_symbol_has_the_version_node(self):
        nodes = {n for n in self.exported.values()}
        self.assertEqual(nodes, {exports.CURRENT_NODE})
        self.assertEqual(self.exported["MAPIInitialize"], "MAPIRT_0.1")

    def test_gap_list_is_current(self):
        now_exported = sorted(set(self.gaps) & set(self.exported))
        self.assertEqual(now_exported, [], "implemented now: remove from not_implemented.txt")
        undeclared = sorted(set(self.gaps) - self.required)
        self.assertEqual(undeclared, [], "no longer declared: remove from not_implemented.txt")
        for name, why in self.gaps.items():
            self.assertTrue(why, f"{name}: say why it is not implemented")


@unittest.skipUnless(os.path.exists(LIB), "run `ninja` first")
class DeclaredFunctions(unittest.TestCase):
    """Independently of tools/exports.py's rule: every function the IDL declares and every
    mapirt_* function an installed <mapirt/...> header declares (as gcc -aux-info lists them) is
    a defined, exported function of the library."""

    def test_every_declared_function_is_exported(self):
        from tools.idlc import loader, model
        from tools.idlc.diag import Reporter
        rep = Reporter({})
        idl = sorted(os.path.join("idl", f) for f in os.listdir(os.path.join(ROOT, "idl"))
                     if f.endswith(".idl"))
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            prog = loader.load(idl, ["idl"], rep)
            _, own = exports.public_headers()
            funcs = exports.declared_functions(own)
        finally:
            os.chdir(cwd)
        declared = {d.name for f in prog.files.values() for d in f.decls
                    if isinstance(d, model.Function)}
        self.assertIn("MAPIAllocateBuffer", declared)
        declared |= {n for n in funcs if n.startswith("mapirt_")}
        self.assertIn("mapirt_trace_configure", declared)
        dyn = subprocess.run(["objdump", "-T", LIB], capture_output=True, text=True,
                             check=True).stdout
        functions = {ln.split()[-1] for ln in dyn.splitlines()
                     if re.search(r"\bDF \.text\b", ln)}
        missing = sorted(declared - functions - set(not_implemented()))
        self.assertEqual(missing, [], "declared but not an exported function of libmapirt")


class HeaderScan(unittest.TestCase):
    """tools/exports.py's reading of declarations, on a header written here."""

    def test_objects_functions_and_inline_definitions(self):
        pp = ('# 1 "gen/include/mapirt/probe.h"\n'
              "#pragma GCC visibility push(default)\n"
              "static inline int helper(int x) { int y = x; return y; }\n"
              "extern const int mapirt_table[];\n"
              "extern int (*mapirt_hook)(void);\n"
              "typedef struct { int a; } thing;\n"
              "struct s { int b; };\n"
              "extern thing mapirt_a, mapirt_b __attribute__((aligned(8)));\n"
              "int mapirt_fn(int (*cb)(void));\n"
              "#pragma GCC visibility pop\n"
              "extern void *mapirt_after_pragma;\n")
        names = [exports._strip_attributes(t) for _, t in exports._statements(pp)]
        self.assertEqual(len(names), 8)
        self.assertEqual(names[0][:3], ["static", "inline", "int"])
        objs = {}
        orig = exports._run
        try:
            exports._run = lambda args, text: pp
            objs = exports.declared_objects(["mapirt/probe.h"])
        finally:
            exports._run = orig
        # A declaration right after a kept #pragma is still seen (mapiwin.h's pinstX).
        self.assertEqual(sorted(objs), ["mapirt_a", "mapirt_after_pragma", "mapirt_b",
                                        "mapirt_hook", "mapirt_table"])


class VersionNodes(unittest.TestCase):
    """A released node's symbols stay in it; later ones go to the next node, which inherits it;
    a released symbol that disappears is refused. The script is checked by the linker itself."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.saved = exports.FROZEN_DIR, exports.CURRENT_NODE
        exports.FROZEN_DIR = self.tmp
        with open(os.path.join(self.tmp, "MAPIRT_0.1.txt"), "w") as fh:
            fh.write("# released in 0.1\nmapirt_a\nmapirt_b\n")
        exports.CURRENT_NODE = "MAPIRT_0.2"

    def tearDown(self):
        exports.FROZEN_DIR, exports.CURRENT_NODE = self.saved
        shutil.rmtree(self.tmp)

    def test_later_symbols_get_the_next_node(self):
        script = exports.version_script({"mapirt_a", "mapirt_b", "mapirt_c"})
        mapfile = os.path.join(self.tmp, "lib.map")
        with open(mapfile, "w") as fh:
            fh.write(script)
        src = os.path.join(self.tmp, "lib.c")
        with open(src, "w") as fh:
            fh.write("int mapirt_a(void) { return 1; }\nint mapirt_b(void) { return 2; }\n"
                     "int mapirt_c(void) { return 3; }\nint hidden(void) { return 4; }\n")
        lib = os.path.join(self.tmp, "lib.so")
        subprocess.run(["gcc", "-shared", "-fPIC", f"-Wl,--version-script={mapfile}", src,
                        "-o", lib], check=True)
        dyn = subprocess.run(["objdump", "-T", lib], capture_output=True, text=True,
                             check=True).stdout
        got = {ln.split()[-1]: ln.split()[-2] for ln in dyn.splitlines() if "mapirt_" in ln
               or "hidden" in ln}
        self.assertEqual(got, {"mapirt_a": "MAPIRT_0.1", "mapirt_b": "MAPIRT_0.1",
                               "mapirt_c": "MAPIRT_0.2"})

    def test_removing_a_released_symbol_is_refused(self):
        with self.assertRaises(SystemExit) as cm:
            exports.version_script({"mapirt_a", "mapirt_c"})
        self.assertIn("mapirt_b", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
