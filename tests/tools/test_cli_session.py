"""mapirt session: logon to a profile of the test providers (tests/providers/acme*), the status
and message store tables, the primary identity, --flag, --watch, and failed logons."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from .clitest import EXE, PROVIDERS, CliTest

SESSION_CATALOG = """\
[Services]
ACME=Acme Mail
FAILING=Failing
[ACME]
PR_SERVICE_DLL_NAME=ACMEAB.DLL
PR_RESOURCE_FLAGS=SERVICE_PRIMARY_IDENTITY
Providers=ACME AB, ACME MS, ACME XP
[ACME AB]
PR_PROVIDER_DLL_NAME=ACMEAB.DLL
PR_RESOURCE_TYPE=MAPI_AB_PROVIDER
PR_DISPLAY_NAME=Acme Directory
PR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY
[ACME MS]
PR_PROVIDER_DLL_NAME=ACMEMS.DLL
PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER
PR_DISPLAY_NAME=Acme Store
PR_PROVIDER_DISPLAY=Acme Message Store
PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY
[ACME XP]
PR_PROVIDER_DLL_NAME=ACMEXP.DLL
PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER
PR_DISPLAY_NAME=Acme Transport
PR_RESOURCE_FLAGS=STATUS_NO_PRIMARY_IDENTITY
[FAILING]
PR_SERVICE_DLL_NAME=ACMEAB.DLL
Providers=FAILING AB
[FAILING AB]
PR_PROVIDER_DLL_NAME=ACMEAB.DLL
PR_RESOURCE_TYPE=MAPI_AB_PROVIDER
PR_DISPLAY_NAME=Failing Directory
66200003=1
"""


class Session(CliTest):
    catalog = SESSION_CATALOG

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(PROVIDERS, "acmeab.so")):
            self.skipTest("build the test providers first")
        self.ok("profile", "create", "Work", "--service", "ACME", "--default")

    def test_text(self):
        out = self.ok("session", "Work")
        self.assertIn("status table\n", out)
        self.assertIn("message store table\n", out)
        self.assertRegex(out, r"(?m)^Acme Store +Acme Message Store +TRUE +[0-9a-f]+$")
        self.assertRegex(out, r"(?m)^primary identity: ")

    def test_json(self):
        s = self.json("session")  # the default profile
        stores = s["stores"]
        self.assertEqual([(x["PR_DISPLAY_NAME"], x["PR_DEFAULT_STORE"]) for x in stores],
                         [("Acme Store", True)])
        self.assertIn("PR_IDENTITY_ENTRYID", s["identity"])
        self.assertTrue(any(r.get("PR_RESOURCE_TYPE") == 0x24 for r in s["status"]) or s["status"])

    def test_flags_by_name(self):
        with_mail = self.json("session", "Work")["status"]
        no_mail = self.json("session", "Work", "--flag", "MAPI_NO_MAIL")["status"]
        self.assertLessEqual(len(no_mail), len(with_mail))
        err = self.fails(2, "session", "--flag", "MAPI_NOT_A_FLAG")
        self.assertIn("not a MAPILogonEx flag", err)

    def test_failed_logons(self):
        err = self.fails(1, "session", "Nope")
        self.assertIn("logging on to profile 'Nope': MAPI_E_LOGON_FAILED (0x80040111)", err)
        self.ok("service", "add", "Work", "FAILING")
        rc, out, err = self.run_cli("session", "Work", "--json")
        self.assertEqual(rc, 0, err)
        self.assertIn("mapirt: warning: logging on: MAPI_W_ERRORS_RETURNED", err)
        self.assertIn("Failing Directory", err)
        rows = json.loads(out)["status"]
        self.assertTrue(any("Failing Directory" in str(r.get("PR_STATUS_STRING", "")) or
                            r.get("PR_DISPLAY_NAME") == "Failing Directory" for r in rows))

    def test_watch_until_interrupted(self):
        p = subprocess.Popen([EXE, "session", "Work", "--watch"], env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 20
            seen = ""
            while "watching" not in seen and time.time() < deadline:
                seen += p.stdout.readline()
            self.assertIn("watching (Ctrl-C to log off)", seen)
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual((p.returncode, err), (0, ""))
        # the session's sink stays until the logoff, and hears it
        self.assertEqual(out.strip().splitlines()[-1], "session: fnevExtended 1 (logoff)")

    def test_watch_json_is_one_object_a_line(self):
        p = subprocess.Popen([EXE, "session", "Work", "--watch", "--json"], env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = p.stdout.readline()  # the session, whole, on one line
            p.send_signal(signal.SIGINT)
            rest, err = p.communicate(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual((p.returncode, err), (0, ""))
        session = json.loads(first)
        self.assertEqual([s["PR_DISPLAY_NAME"] for s in session["stores"]], ["Acme Store"])
        self.assertIn("PR_IDENTITY_ENTRYID", session["identity"])
        lines = rest.splitlines()
        self.assertTrue(lines, "the logoff is heard")
        events = [json.loads(line) for line in lines]
        self.assertEqual(events[-1], {"source": "session", "event": "fnevExtended",
                                      "extended_event": 1})
