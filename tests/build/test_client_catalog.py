"""A client linked against libmapirt finds the service catalog beside the library, with no
variable set: here the library is copied into a directory laid out as an installation
(lib/libmapirt.so.0, lib/mapirt/mapisvc.inf, lib/mapirt/mapisvc.d/), a program calls
MAPIAdminProfiles and CreateProfile(MAPI_DEFAULT_SERVICES), and the profile store then holds the
default services of the catalog and its drop-in fragment."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLIENT = r"""
#include <stdio.h>
#include <mapix.h>
#include <mapicode.h>
int main(void)
{
    LPPROFADMIN pa;
    HRESULT hr = MAPIInitialize(NULL);
    if (hr == S_OK)
        hr = MAPIAdminProfiles(0, &pa);
    if (hr == S_OK) {
        hr = pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Relocated", NULL, 0, MAPI_DEFAULT_SERVICES);
        if (hr != S_OK) {
            LPMAPIERROR e = NULL;
            pa->lpVtbl->GetLastError(pa, hr, 0, &e);
            printf("%s\n", e ? e->lpszError : "");
            MAPIFreeBuffer(e);
        }
        pa->lpVtbl->Release(pa);
    }
    MAPIUninitialize();
    printf("0x%08x\n", (unsigned)hr);
    return hr == S_OK ? 0 : 1;
}
"""

MAIN = """[Services]
MAIN=Main Service
[Default Services]
MAIN=Main Service
[MAIN]
Providers=MAIN MS
[MAIN MS]
PR_PROVIDER_DLL_NAME=main.dll
PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER
"""

FRAGMENT = """[Services]
EXTRA=Dropped In
[Default Services]
EXTRA=Dropped In
[EXTRA]
Providers=EXTRA AB
[EXTRA AB]
PR_PROVIDER_DLL_NAME=extra.dll
PR_RESOURCE_TYPE=MAPI_AB_PROVIDER
"""


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "build", "libmapirt.so.0")),
                     "run `ninja` first")
class ClientFindsCatalog(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mapirt-client-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_catalog_beside_the_library(self):
        lib = os.path.join(self.tmp, "lib")
        os.makedirs(os.path.join(lib, "mapirt", "mapisvc.d"))
        shutil.copy(os.path.join(ROOT, "build", "libmapirt.so.0"), lib)
        os.symlink("libmapirt.so.0", os.path.join(lib, "libmapirt.so"))
        with open(os.path.join(lib, "mapirt", "mapisvc.inf"), "w") as f:
            f.write(MAIN)
        with open(os.path.join(lib, "mapirt", "mapisvc.d", "extra.inf"), "w") as f:
            f.write(FRAGMENT)
        src = os.path.join(self.tmp, "client.c")
        with open(src, "w") as f:
            f.write(CLIENT)
        exe = os.path.join(self.tmp, "client")
        subprocess.run(["gcc", "-std=c11", "-o", exe, src, "-I" + os.path.join(ROOT, "gen/include"),
                        "-I" + os.path.join(ROOT, "runtime/include"), "-L" + lib, "-lmapirt",
                        "-Wl,-rpath," + lib], check=True, cwd=ROOT)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAPIRT_")}
        db = os.path.join(self.tmp, "profiles.db")
        env["MAPIRT_PROFILES"] = db
        r = subprocess.run([exe], capture_output=True, text=True, env=env, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        con = sqlite3.connect(db)
        names = [row[0] for row in con.execute("SELECT name FROM service ORDER BY seq")]
        con.close()
        self.assertEqual(names, ["MAIN", "EXTRA"])


if __name__ == "__main__":
    unittest.main()
