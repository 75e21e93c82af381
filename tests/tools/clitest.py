"""Shared by the `mapirt` command-line tests: the real binary, run against a profile store, a
service catalog and the test providers in a fresh temporary directory."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXE = os.path.join(ROOT, "build", "bin", "mapirt")
PROVIDERS = os.path.join(ROOT, "build", "tests", "providers")

CATALOG = """\
[Services]
ACME=Acme
PLAIN=Plain
[Default Services]
ACME=Acme
[ACME]
PR_SERVICE_DLL_NAME=ACMESVC.DLL
PR_SERVICE_ENTRY_NAME=ServiceEntry
PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY
Providers=ACME MS, ACME AB
[ACME MS]
PR_PROVIDER_DLL_NAME=acmems.dll
PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER
PR_DISPLAY_NAME=Acme Store
[ACME AB]
PR_PROVIDER_DLL_NAME=acmeab.dll
PR_RESOURCE_TYPE=MAPI_AB_PROVIDER
[PLAIN]
Providers=ACME MS
"""


@unittest.skipUnless(os.path.exists(EXE) and os.path.exists(os.path.join(PROVIDERS, "acmesvc.so")),
                     "run `ninja` (and build the test providers) first")
class CliTest(unittest.TestCase):
    catalog = CATALOG

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mapirt-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.db = os.path.join(self.tmp, "profiles.db")
        self.inf = os.path.join(self.tmp, "mapisvc.inf")
        with open(self.inf, "w") as fh:
            fh.write(self.catalog)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("MAPIRT_") and k != "LD_LIBRARY_PATH"}
        self.env.update(MAPIRT_PROFILES=self.db, MAPIRT_SERVICES=self.inf,
                        MAPIRT_PROVIDER_PATH=PROVIDERS)

    def run_cli(self, *args: str, env: dict | None = None, timeout: float = 60):
        e = dict(self.env)
        e.update(env or {})
        r = subprocess.run([EXE, *args], capture_output=True, text=True, env=e, timeout=timeout)
        return r.returncode, r.stdout, r.stderr

    def ok(self, *args: str, **kw) -> str:
        rc, out, err = self.run_cli(*args, **kw)
        self.assertEqual((rc, err), (0, ""), f"mapirt {' '.join(args)}")
        return out

    def json(self, *args: str, **kw):
        return json.loads(self.ok(*args, "--json", **kw))

    def fails(self, status: int, *args: str, **kw) -> str:
        """Runs a command that must fail with `status`, print nothing on stdout and one
        error on stderr; returns the error text."""
        rc, out, err = self.run_cli(*args, **kw)
        self.assertEqual(rc, status, f"mapirt {' '.join(args)}: {err}")
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("mapirt"), err)
        return err.strip()
