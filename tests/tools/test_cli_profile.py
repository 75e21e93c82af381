"""mapirt catalog / profile / service, end to end: text and --json outputs, and every error
path leaves the store as it was."""
from __future__ import annotations

import os
import re

from .clitest import CliTest

ERR = re.compile(r"^mapirt: (?P<what>.+): (?P<name>MAPI_[EW]_\w+|E_\w+) \((?P<hex>0x[0-9A-F]{8})\): "
                 r"(?P<text>.+)$")


class Catalog(CliTest):
    def test_text(self):
        self.assertEqual(self.ok("catalog"),
                         "SERVICE  DISPLAY NAME  DEFAULT  DLL\n"
                         "ACME     Acme          yes      ACMESVC.DLL\n"
                         "PLAIN    Plain         no       -\n")

    def test_json_fields_are_property_names(self):
        self.assertEqual(self.json("catalog"), [
            {"properties": {"PR_SERVICE_NAME": "ACME", "PR_DISPLAY_NAME": "Acme",
                            "PR_SERVICE_DLL_NAME": "ACMESVC.DLL",
                            "PR_SERVICE_ENTRY_NAME": "ServiceEntry", "PR_RESOURCE_FLAGS": 2},
             "default": True},
            {"properties": {"PR_SERVICE_NAME": "PLAIN", "PR_DISPLAY_NAME": "Plain"},
             "default": False}])

    def test_malformed_catalog_names_file_and_line(self):
        with open(self.inf, "a") as fh:
            fh.write("PR_NO_SUCH_TAG=1\n")
        err = self.fails(1, "catalog")
        m = ERR.match(err)
        self.assertIsNotNone(m, err)
        self.assertEqual((m["what"], m["name"], m["hex"]),
                         ("reading the service catalog", "MAPI_E_CORRUPT_DATA", "0x8004011B"))
        self.assertTrue(m["text"].startswith(f"{self.inf}:20: unknown property name 'PR_NO_SUCH_TAG'"), m["text"])

    def test_missing_catalog(self):
        err = self.fails(1, "catalog", env={"MAPIRT_SERVICES": os.path.join(self.tmp, "none")})
        self.assertIn("MAPI_E_NOT_FOUND (0x8004010F)", err)


class Profiles(CliTest):
    def listing(self):
        return self.json("profile", "list")

    def test_lifecycle(self):
        self.assertEqual(self.ok("profile", "list"), "PROFILE  DEFAULT\n")
        self.assertEqual(self.listing(), [])
        self.assertEqual(self.ok("profile", "create", "Work", "--default-services", "--default"), "")
        self.assertEqual(self.ok("profile", "create", "Home"), "")
        self.assertEqual(self.ok("profile", "list"),
                         "PROFILE  DEFAULT\nHome     no\nWork     yes\n")
        self.assertEqual(self.listing(), [
            {"PR_DISPLAY_NAME": "Home", "PR_DEFAULT_PROFILE": False},
            {"PR_DISPLAY_NAME": "Work", "PR_DEFAULT_PROFILE": True}])
        self.assertEqual(self.ok("profile", "default"), "Work\n")
        self.assertEqual(self.json("profile", "default"), {"PR_DISPLAY_NAME": "Work"})
        self.ok("profile", "default", "Home")
        self.assertEqual(self.ok("profile", "default"), "Home\n")
        self.ok("profile", "copy", "Work", "Work Copy")
        self.ok("profile", "rename", "Work Copy", "Spare")
        self.assertEqual([p["PR_DISPLAY_NAME"] for p in self.listing()], ["Home", "Spare", "Work"])
        # the copy has the services of the original (CopyProfile keeps all but the search key)
        work, spare = self.json("service", "list", "Work"), self.json("service", "list", "Spare")
        self.assertEqual(spare, work)
        self.assertEqual([s["PR_SERVICE_NAME"] for s in spare], ["ACME"])
        self.ok("profile", "delete", "Spare")
        self.ok("profile", "default", "--clear")
        err = self.fails(1, "profile", "default")
        self.assertIn("no default profile", err)
        self.assertEqual([p["PR_DISPLAY_NAME"] for p in self.listing()], ["Home", "Work"])

    def test_errors_change_nothing(self):
        self.ok("profile", "create", "Work")
        self.ok("profile", "create", "Home")
        before = self.listing()
        cases = [
            (("profile", "create", "Work"), "creating profile 'Work'", "MAPI_E_NO_ACCESS"),
            (("profile", "delete", "Nope"), "deleting profile 'Nope'", "MAPI_E_NOT_FOUND"),
            (("profile", "rename", "Home", "Work"), "renaming profile 'Home' to 'Work'",
             "MAPI_E_NO_ACCESS"),
            (("profile", "rename", "Home", "bad/name"), "renaming profile 'Home' to 'bad/name'",
             "MAPI_E_INVALID_PARAMETER"),
            (("profile", "copy", "Nope", "New"), "copying profile 'Nope' to 'New'",
             "MAPI_E_NOT_FOUND"),
            (("profile", "show", "Nope"), "opening profile 'Nope'", "MAPI_E_LOGON_FAILED"),
            (("profile", "default", "Nope"), "making 'Nope' the default profile",
             "MAPI_E_NOT_FOUND"),
            (("profile", "create", "New", "--service", "ACME", "--service", "NOSUCH"),
             "adding service 'NOSUCH' to profile 'New'", "MAPI_E_NOT_FOUND"),
        ]
        for args, what, name in cases:
            with self.subTest(args=args):
                m = ERR.match(self.fails(1, *args))
                self.assertIsNotNone(m)
                self.assertEqual((m["what"], m["name"]), (what, name))
                self.assertNotEqual(m["text"], "")
                self.assertEqual(self.listing(), before)

    def test_bad_name_says_why(self):
        err = self.fails(1, "profile", "create", "a/b")
        self.assertIn("U+002F", err)

    def test_show(self):
        self.ok("profile", "create", "Work", "--service", "ACME")
        out = self.ok("profile", "show", "Work")
        lines = out.splitlines()
        self.assertEqual(lines[0], 'profile "Work"')
        self.assertRegex(out, r'\n  service ACME "Acme"  [0-9a-f]{32}\n')
        self.assertRegex(out, r'\n    PR_RESOURCE_FLAGS +PT_LONG +SERVICE_SINGLE_COPY \| SERVICE_PRIMARY_IDENTITY \(0x0000000A\)\n')
        self.assertRegex(out, r'\n    PR_COMMENT +PT_STRING8 +created by acmesvc\n')
        self.assertRegex(out, r'\n    provider "Acme Store" MAPI_STORE_PROVIDER \(0x00000021\)  [0-9a-f]{32}\n')
        self.assertRegex(out, r'\n      PR_PROVIDER_DLL_NAME +PT_STRING8 +acmeab.dll\n')
        tree = self.json("profile", "show", "Work")
        self.assertEqual(tree["PR_PROFILE_NAME"], "Work")
        self.assertEqual(tree["properties"]["PR_PROFILE_NAME"], "Work")
        self.assertRegex(tree["properties"]["PR_SEARCH_KEY"], "^[0-9a-f]{32}$")
        [svc] = tree["services"]
        self.assertEqual(svc["properties"]["PR_SERVICE_NAME"], "ACME")
        self.assertEqual(svc["properties"]["PR_COMMENT"], "created by acmesvc")
        self.assertEqual([p["properties"]["PR_RESOURCE_TYPE"] for p in svc["providers"]],
                         [0x21, 0x23])
        for p in svc["providers"]:
            self.assertEqual(p["properties"]["PR_SERVICE_UID"], svc["properties"]["PR_SERVICE_UID"])


class Services(CliTest):
    def setUp(self):
        super().setUp()
        self.ok("profile", "create", "Work", "--default")
        self.ok("profile", "create", "Home")

    def section(self, profile="Work", name="ACME"):
        for s in self.json("profile", "show", profile)["services"]:
            if s["properties"]["PR_SERVICE_NAME"] == name:
                return s["properties"]
        return None

    def test_add_list_configure_remove(self):
        uid = self.ok("service", "add", "ACME", "--set", "PR_COMMENT=hello",
                      "--set", "PidTagAccount=jo").strip()
        self.assertRegex(uid, "^[0-9a-f]{32}$")
        self.ok("service", "add", "Home", "PLAIN")
        self.assertEqual(self.ok("service", "list"),
                         "SERVICE  DISPLAY NAME  UID                               FLAGS\n"
                         f"ACME     Acme          {uid}  SERVICE_SINGLE_COPY | SERVICE_PRIMARY_IDENTITY "
                         "(0x0000000A)\n")
        self.assertEqual(self.json("service", "list", "--profile", "Work"), [
            {"PR_SERVICE_NAME": "ACME", "PR_DISPLAY_NAME": "Acme", "PR_SERVICE_UID": uid,
             "PR_RESOURCE_FLAGS": 10}])
        self.assertEqual([s["PR_SERVICE_NAME"] for s in self.json(
            "service", "list", env={"MAPIRT_PROFILE": "Home"})], ["PLAIN"])
        sec = self.section()
        self.assertEqual((sec["PR_COMMENT"], sec["PR_ACCOUNT"]), ("hello", "jo"))
        self.ok("service", "configure", "Work", "acme", "--set", "PR_COMMENT=bye",
                "--set", "0x66240003=MAPI_STORE_PROVIDER|0x100")
        sec = self.section()
        self.assertEqual((sec["PR_COMMENT"], sec["0x66240003"]), ("bye", 0x121))
        self.ok("service", "configure", uid, "--set", "PR_COMMENT=by uid")
        self.assertEqual(self.section()["PR_COMMENT"], "by uid")
        self.ok("service", "remove", "Work", "ACME")
        self.assertEqual(self.json("service", "list"), [])

    def test_bad_set_changes_nothing(self):
        self.ok("service", "add", "ACME", "--set", "PR_COMMENT=kept")
        before = self.json("profile", "show", "Work")
        cases = [
            (["--set", "PR_NO_SUCH_PROPERTY=1"], "'PR_NO_SUCH_PROPERTY': unknown property name"),
            (["--set", "0x66210003=twelve"], "not a value of 0x66210003 (PT_LONG)"),
            (["--set", "PR_COMMENT"], "expected PROPERTY=VALUE"),
            (["--set", "=x"], "expected PROPERTY=VALUE"),
            (["--set", "PR_COMMENT=fine", "--set", "PR_ENTRYID=xyz"],
             "not a value of PR_ENTRYID (PT_BINARY)"),
            ([], "nothing to configure"),
        ]
        for extra, why in cases:
            with self.subTest(extra=extra):
                err = self.fails(2, "service", "configure", "ACME", *extra)
                self.assertIn(why, err)
                self.assertIn("Try 'mapirt service configure --help'.", err)
                self.assertEqual(self.json("profile", "show", "Work"), before)
        err = self.fails(2, "service", "add", "Home", "ACME", "--set", "PR_BOGUS=1")
        self.assertEqual(self.json("service", "list", "Home"), [])

    def test_refusals_change_nothing(self):
        self.ok("service", "add", "ACME", "--set", "PR_COMMENT=kept")
        before = self.json("profile", "show", "Work")
        m = ERR.match(self.fails(1, "service", "configure", "ACME", "--set", "0x66210003=13"))
        self.assertEqual((m["what"], m["name"], m["hex"]),
                         ("configuring service 'ACME' of profile 'Work'", "MAPI_E_USER_CANCEL",
                          "0x80040113"))
        self.assertIn("acmesvc", m["text"])  # the service's own MAPIERROR, and which service
        self.assertEqual(self.json("profile", "show", "Work"), before)
        # a service whose configuration is refused while being added is removed again
        m = ERR.match(self.fails(1, "service", "add", "Home", "ACME", "--set", "0x66210003=13"))
        self.assertEqual(m["name"], "MAPI_E_USER_CANCEL")
        self.assertEqual(self.json("service", "list", "Home"), [])
        m = ERR.match(self.fails(1, "service", "add", "ACME"))
        self.assertEqual(m["name"], "MAPI_E_NO_ACCESS")  # SERVICE_SINGLE_COPY
        self.assertEqual(self.json("profile", "show", "Work"), before)

    def test_missing_profile_and_service(self):
        for args in (("service", "list", "Nope"), ("service", "add", "Nope", "ACME"),
                     ("service", "configure", "Nope", "ACME", "--set", "PR_COMMENT=x"),
                     ("service", "remove", "Nope", "ACME")):
            with self.subTest(args=args):
                m = ERR.match(self.fails(1, *args))
                self.assertEqual((m["what"], m["name"]), ("opening profile 'Nope'",
                                                          "MAPI_E_LOGON_FAILED"))
        m = ERR.match(self.fails(1, "service", "remove", "Home", "ACME"))
        self.assertEqual((m["what"], m["name"]), ("service 'ACME' of profile 'Home'",
                                                  "MAPI_E_NOT_FOUND"))
        self.ok("profile", "default", "--clear")
        err = self.fails(1, "service", "list")
        self.assertIn("no default profile", err)

    def test_several_copies_need_a_uid(self):
        a = self.ok("service", "add", "PLAIN").strip()
        self.ok("service", "add", "PLAIN")
        err = self.fails(2, "service", "remove", "PLAIN")
        self.assertIn("has 2 services 'PLAIN'", err)
        self.ok("service", "remove", a)
        self.assertEqual(len(self.json("service", "list")), 1)
