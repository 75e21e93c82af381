"""`ninja install` (tools/install.sh) into a scratch prefix, then what a user does with it: compile a client with
pkg-config, and compile their own IDL (the README's IGreeter and its greeter object) with the
installed mapirt-idlc against the installed MAPI IDL, build the object with the generated
object layer and run it."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "install")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{cmd}\n{r.stdout}\n{r.stderr}"[:6000])
    return r


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "build", "libmapirt.so.0")),
                     "run `ninja` first")
class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.prefix = os.path.join(cls.tmp, "prefix")
        # What `ninja install` runs (not ninja itself: this test runs inside `ninja test`, and two
        # ninja processes must not share one build log).
        run([os.path.join(ROOT, "tools", "install.sh")], cwd=ROOT,
            env={**os.environ, "PREFIX": cls.prefix, "DESTDIR": ""})
        cls.env = {**os.environ, "PKG_CONFIG_PATH": os.path.join(cls.prefix, "lib", "pkgconfig")}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def pkg(self, *args):
        return run(["pkg-config", *args, "mapirt"], env=self.env).stdout.split()

    def test_layout_and_soname(self):
        for rel in ("lib/libmapirt.so.0", "lib/libmapirt.so", "include/mapi/mapix.h",
                    "include/mapi/mapirt/object.h", "include/mapi/mapirt/proxy.h",
                    "include/mapi/mapirt/lasterror.h", "include/mapi/mapirt/iface.h",
                    "share/mapirt/idl/mapidefs.idl",
                    "bin/mapirt-idlc", "bin/mapirt", "lib/pkgconfig/mapirt.pc",
                    "share/man/man1/mapirt.1", "share/bash-completion/completions/mapirt",
                    "lib/mapirt/mapisvc.inf", "lib/mapirt/mapisvc.d",
                    "share/doc/mapirt/reference.md"):
            self.assertTrue(os.path.exists(os.path.join(self.prefix, rel)), rel)
        out = run(["objdump", "-p", os.path.join(self.prefix, "lib", "libmapirt.so.0")]).stdout
        self.assertIn("SONAME               libmapirt.so.0", out)

    def test_only_public_headers_are_installed_and_each_compiles_alone(self):
        inc = os.path.join(self.prefix, "include", "mapi")
        headers = sorted(os.path.relpath(os.path.join(d, n), inc)
                         for d, _, names in os.walk(inc) for n in names if n.endswith(".h"))
        for internal in ("alloc.h", "init.h", "testhooks.h"):
            self.assertNotIn("mapirt/" + internal, headers)
        self.assertIn("mapirt/trace.h", headers)
        for h in headers:
            with self.subTest(header=h):
                run(["gcc", "-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-x", "c", "-",
                     *self.pkg("--cflags")], input=f"#include <{h}>\n", env=self.env)

    def test_installed_vocab_tool_runs(self):
        r = run([os.path.join(self.prefix, "bin", "mapirt"), "vocab", "flags", "LogonFlags", "0x29"],
                env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"})
        self.assertEqual(r.stdout.strip(), "MAPI_LOGON_UI | MAPI_ALLOW_OTHERS | MAPI_EXTENDED")

    def test_client_builds_with_pkg_config(self):
        src = os.path.join(self.tmp, "client.c")
        with open(src, "w") as fh:
            fh.write("#include <mapix.h>\n#include <mapiutil.h>\n#include <mapiguid.h>\n"
                     "int main(void) { LPVOID p; if (MAPIAllocateBuffer(8, &p)) return 1;\n"
                     "  MAPIFreeBuffer(p); return PR_ENTRYID == 0x0FFF0102 ? 0 : 1; }\n")
        exe = os.path.join(self.tmp, "client")
        run(["gcc", "-std=c11", "-Wall", "-Werror", src, *self.pkg("--cflags", "--libs"),
             "-Wl,-rpath," + os.path.join(self.prefix, "lib"), "-o", exe])
        run([exe])

    def test_own_idl_outside_the_tree(self):
        out = os.path.join(self.tmp, "mygen")
        idlc = os.path.join(self.prefix, "bin", "mapirt-idlc")
        run([idlc, "-o", out, os.path.join(HERE, "greeter.idl")], cwd=self.tmp)
        self.assertTrue(os.path.exists(os.path.join(out, "include", "greeter.h")))
        self.assertTrue(os.path.exists(os.path.join(out, "objects", "greeter_object.h")))
        self.assertFalse(os.path.exists(os.path.join(out, "include", "mapidefs.h")),
                         "imported files produce no output")
        exe = os.path.join(self.tmp, "greeter")
        run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread",
             "-I", os.path.join(out, "include"), "-I", os.path.join(out, "objects"),
             *self.pkg("--cflags"),
             os.path.join(HERE, "greeter.c"), os.path.join(out, "src", "greeter_impl.c"),
             os.path.join(out, "src", "greeter_wrap.c"), *self.pkg("--libs"),
             "-Wl,-rpath," + os.path.join(self.prefix, "lib"), "-o", exe])
        r = run([exe])
        self.assertIn("HELLO, world!", r.stdout)
        self.assertIn("IGreeter::Greet: ulFlags has unknown flags 0x00000040 (GreeterFlags "
                      "allows GREETER_LOUD | MAPI_UNICODE)", r.stdout,
                      "GetLastError explains the refusal of the validation layer")
        self.assertIn("greeter: ok", r.stdout)

    def test_object_layer_headers_do_not_pull_every_interface(self):
        """<mapirt/object.h> includes no aggregate of generated headers: a third party's own
        interface cannot collide with one of the installed tree (README, build fix)."""
        inc = os.path.join(self.prefix, "include", "mapi", "mapirt")
        for name in ("object.h", "iface.h", "lasterror.h", "proxy.h", "propstore.h"):
            with open(os.path.join(inc, name), encoding="utf-8") as fh:
                self.assertNotIn("<mapirt/impl.h>", fh.read(), name)

    def test_bad_user_idl_is_reported_with_location(self):
        bad = os.path.join(self.tmp, "bad.idl")
        with open(bad, "w") as fh:
            fh.write('import "mapidefs.idl";\n[object, uuid(9b4b6e1e-3c0a-4c55-9d43-0a1f6a3e2b02)]\n'
                     "interface IBad : IMAPIProp { HRESULT GetProps(); }\n")
        r = subprocess.run([os.path.join(self.prefix, "bin", "mapirt-idlc"), "-o",
                            os.path.join(self.tmp, "badgen"), bad], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.idl:3:38: error: method 'GetProps' redefines the method inherited "
                      "from 'IMAPIProp'", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "badgen")))
