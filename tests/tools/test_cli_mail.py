"""mapirt send and mapirt deliver, end to end on the bundled providers (the SQLite store, the
personal address book, the Maildir transport) in a temporary profile store and data directory:
recipients resolved through the address book, the MIME file the transport wrote, incoming
files delivered into the Inbox, and every error path (exit status, message, nothing sent)."""
from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from .clitest import EXE, ROOT

PROVIDERS = os.path.join(ROOT, "build", "mapirt", "providers")

CONTACTS = """\
BEGIN:VCARD
VERSION:3.0
FN:Charles Babbage
EMAIL:charles@example.org
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Smith
EMAIL:bob.smith@example.org
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Jones
EMAIL:bob.jones@example.org
END:VCARD
"""

INCOMING = """\
From: Charles Babbage <charles@example.org>
To: Ada Lovelace <ada@example.org>
Subject: =?UTF-8?Q?Re:_Gr=C3=BC=C3=9Fe?=
Date: Tue, 01 Dec 2026 10:00:00 +0000
Message-ID: <engine@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

The engine works.
--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="plan.bin"
Content-Transfer-Encoding: base64

AAECAw==
--b--
"""


@unittest.skipUnless(os.path.exists(EXE) and os.path.exists(os.path.join(PROVIDERS, "maildir.so")),
                     "run `ninja` first")
class MailTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mapirt-mail-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("MAPIRT_") and k != "LD_LIBRARY_PATH"}
        # the installed catalog's default services; every file under the temporary directory
        self.env.update(MAPIRT_PROFILES=os.path.join(self.tmp, "profiles.db"),
                        XDG_DATA_HOME=self.tmp, HOME=self.tmp)
        self.maildir = os.path.join(self.tmp, "mapirt", "Maildir")
        self.outgoing = os.path.join(self.maildir, "outgoing", "new")
        self.incoming = os.path.join(self.maildir, "incoming")
        vcf = self.path("contacts.vcf", CONTACTS)
        self.ok("profile", "create", "Mail", "--default-services", "--default")
        self.ok("service", "configure", "MAPIRT_PAB", "--set", "PR_DISPLAY_NAME=Ada Lovelace",
                "--set", "PR_EMAIL_ADDRESS=ada@example.org", "--set", f"0x6711001E={vcf}")

    def path(self, name: str, text: str | bytes) -> str:
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as fh:
            fh.write(text.encode() if isinstance(text, str) else text)
        return p

    def run_cli(self, *args: str, env: dict | None = None, stdin: str | None = None):
        e = dict(self.env)
        e.update(env or {})
        r = subprocess.run([EXE, *args], capture_output=True, text=True, env=e, timeout=120,
                           input=stdin)
        return r.returncode, r.stdout, r.stderr

    def ok(self, *args: str, **kw) -> str:
        rc, out, err = self.run_cli(*args, **kw)
        self.assertEqual((rc, err), (0, ""), f"mapirt {' '.join(args)}")
        return out

    def fails(self, status: int, *args: str, **kw) -> str:
        rc, out, err = self.run_cli(*args, **kw)
        self.assertEqual(rc, status, f"mapirt {' '.join(args)}: {out}{err}")
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("mapirt"), err)
        self.assertEqual(len(err.strip().splitlines()), 2 if status == 2 else 1, err)
        return err.strip()

    def sent_files(self) -> list[str]:
        return sorted(os.listdir(self.outgoing)) if os.path.isdir(self.outgoing) else []


class Send(MailTest):
    def test_send_resolves_and_writes_the_file(self):
        body = self.path("body.txt", "Dear Charles,\nGrüße.\n")
        att = self.path("notes.bin", bytes(range(256)) * 40)
        out = self.ok("send", "--to", "Charles", "--cc", "Grace Hopper <grace@example.net>",
                      "--bcc", "zed@example.com", "--subject", "Grüße", "--body", body,
                      "--attach", att)
        self.assertIn('sent "Grüße", kept in Sent Items', out)
        self.assertRegex(out, r"(?m)^To +Charles Babbage +SMTP:charles@example.org +sent$")
        self.assertRegex(out, r"(?m)^Cc +Grace Hopper +SMTP:grace@example.net +sent$")
        self.assertRegex(out, r"(?m)^Bcc +zed@example.com +SMTP:zed@example.com +sent$")
        [name] = self.sent_files()
        self.assertIn(f"file: {os.path.join(self.outgoing, name)}\n", out)
        with open(os.path.join(self.outgoing, name), "rb") as fh:
            msg = email.message_from_binary_file(fh, policy=email.policy.default)
        self.assertEqual(msg["Subject"], "Grüße")
        self.assertIn("charles@example.org", msg["To"])
        self.assertIn("Grace Hopper <grace@example.net>", msg["Cc"])
        self.assertIn("zed@example.com", msg["Bcc"])
        self.assertEqual(msg["From"], "Ada Lovelace <ada@example.org>")  # the primary identity
        parts = list(msg.iter_attachments())
        self.assertEqual([p.get_filename() for p in parts], ["notes.bin"])
        self.assertEqual(parts[0].get_content(), bytes(range(256)) * 40)
        self.assertEqual(msg.get_body(("plain",)).get_content(), "Dear Charles,\nGrüße.\n")

    def test_json_and_body_from_stdin(self):
        out = self.ok("send", "--to", "charles@example.org", "--to", "Bob Smith",
                      "--subject", "s", "--body", "-", "--json", stdin="from stdin\n")
        doc = json.loads(out)
        self.assertEqual(doc["PR_SUBJECT"], "s")
        self.assertEqual(doc["folder"], "Sent Items")
        self.assertEqual(doc["file"], os.path.join(self.outgoing, self.sent_files()[0]))
        self.assertEqual([(r["PR_RECIPIENT_TYPE"], r["PR_DISPLAY_NAME"], r["PR_EMAIL_ADDRESS"],
                           r["PR_RESPONSIBILITY"]) for r in doc["recipients"]],
                         [(1, "Charles Babbage", "charles@example.org", True),
                          (1, "Bob Smith", "bob.smith@example.org", True)])
        with open(doc["file"], "rb") as fh:
            msg = email.message_from_binary_file(fh, policy=email.policy.default)
        self.assertEqual(msg.get_body(("plain",)).get_content(), "from stdin\n")

    def test_profile_by_option_and_environment(self):
        self.ok("profile", "create", "Other", "--default-services")
        self.ok("send", "--profile", "Other", "--to", "a@example.org", "--subject", "x")
        self.ok("send", "--to", "a@example.org", "--subject", "x", env={"MAPIRT_PROFILE": "Other"})
        self.assertEqual(len(self.sent_files()), 2)
        err = self.fails(1, "send", "--profile", "Nope", "--to", "a@example.org", "--subject", "x")
        self.assertIn("logging on to profile 'Nope': MAPI_E_LOGON_FAILED (0x80040111)", err)
        err = self.fails(1, "send", "--to", "a@example.org", "--subject", "x",
                         env={"MAPIRT_PROFILE": "Nope"})
        self.assertIn("profile 'Nope'", err)
        self.assertEqual(len(self.sent_files()), 2)

    def test_usage_errors(self):
        for args in (("send",), ("send", "--subject", "x"), ("send", "--to", "a@example.org"),
                     ("send", "--to", "a@b.org", "--subject", "x", "--subject", "y"),
                     ("send", "--to", "a@b.org", "--subject", "x", "--bogus"),
                     ("send", "--to", "a@b.org", "--subject", "x", "operand"),
                     ("send", "--to", "a@b.org", "--subject", "\udcff"),
                     ("deliver", "extra"), ("deliver", "--to", "x")):
            with self.subTest(args=args):
                # bytes: the last --subject is not UTF-8 ("\udcff" is the byte 0xFF)
                r = subprocess.run([EXE, *args], capture_output=True, env=self.env, timeout=60)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, b"")
        err = self.fails(2, "send", "--subject", "x")
        self.assertIn("--to is needed", err)
        self.assertEqual(self.sent_files(), [])

    def test_bad_files_are_refused_before_anything_is_made(self):
        att = self.path("a.txt", "x")
        cases = [
            (("--body", os.path.join(self.tmp, "missing.txt")),
             "reading the body: " + os.path.join(self.tmp, "missing.txt") +
             ": No such file or directory"),
            (("--body", self.path("latin1.txt", b"Gr\xfc\xdfe\n")), "is not UTF-8 text"),
            (("--attach", att, "--attach", os.path.join(self.tmp, "nope.bin")),
             "attaching " + os.path.join(self.tmp, "nope.bin") + ": No such file or directory"),
            (("--attach", self.tmp), f"attaching {self.tmp}: not a regular file"),
        ]
        for extra, want in cases:
            with self.subTest(extra=extra):
                err = self.fails(1, "send", "--to", "a@example.org", "--subject", "x", *extra)
                self.assertIn(want, err)
        self.assertEqual(self.sent_files(), [])
        # the Maildir is made at logon: no logon happened
        self.assertFalse(os.path.exists(self.maildir))

    def test_recipients_the_address_book_cannot_resolve(self):
        err = self.fails(1, "send", "--to", "charles@example.org", "--to", "Nobody",
                         "--subject", "x")
        self.assertIn("mapirt: resolving recipient 'Nobody': MAPI_E_NOT_FOUND (0x8004010F): "
                      "ResolveName:", err)
        self.assertIn("not an Internet address", err)
        err = self.fails(1, "send", "--to", "Bob", "--subject", "x")
        self.assertIn("resolving recipient 'Bob': MAPI_E_AMBIGUOUS_RECIP (0x80040700)", err)
        self.assertEqual(self.sent_files(), [])
        # nothing was left in the Outbox either: a later pass sends nothing
        out = self.ok("deliver")
        self.assertIn("Maildir: Ready: 0 sent", out)
        self.assertEqual(self.sent_files(), [])

    def test_recipient_no_transport_takes_gets_a_report(self):
        rc, out, err = self.run_cli("send", "--to", "charles@example.org", "--to",
                                    "Fax [FAX:+44 20 1234]", "--subject", "Plans")
        self.assertEqual(rc, 1, err)
        self.assertRegex(out, r"(?m)^To +Charles Babbage +SMTP:charles@example.org +sent$")
        self.assertRegex(out, r"(?m)^To +Fax +FAX:\+44 20 1234 +not delivered")
        self.assertEqual(err, 'mapirt: sending "Plans": 1 of 2 recipient(s) not delivered: '
                              "MAPI_E_NOT_FOUND (0x8004010F): no transport takes their address "
                              "type or address; the non-delivery report in the Inbox says which\n")
        self.assertEqual(len(self.sent_files()), 1)
        doc = json.loads(self.ok("deliver", "--json"))
        # the report arrived with the send (same second as this deliver, or not): listed once
        # by the deliver that follows the send only if it is new to it; it is in the Inbox
        reports = [m for m in doc["messages"] if m["PR_MESSAGE_CLASS"] == "REPORT.IPM.Note.NDR"]
        self.assertLessEqual(len(reports), 1)

    def test_a_profile_without_transport(self):
        self.ok("profile", "create", "Store only", "--service", "MSGSTORE", "--service",
                "MAPIRT_PAB")
        err = self.fails(1, "send", "--profile", "Store only", "--to", "a@example.org",
                         "--subject", "never")
        self.assertEqual(err, "mapirt: sending: no transport: MAPI_E_NOT_FOUND (0x8004010F): the "
                              "profile has no transport (mapirt service add PROFILE MAILDIR adds "
                              "one)")
        err = self.fails(1, "deliver", "--profile", "Store only")
        self.assertIn("mapirt: delivering: no transport: MAPI_E_NOT_FOUND", err)
        # refused before the message was made: a transport added later has nothing to send
        self.ok("service", "add", "Store only", "MAILDIR")
        out = self.ok("deliver", "--profile", "Store only")
        self.assertIn("Maildir: Ready: 0 sent", out)
        self.assertEqual(self.sent_files(), [])


class Deliver(MailTest):
    def drop(self, name: str, text: str) -> None:
        os.makedirs(os.path.join(self.incoming, "new"), exist_ok=True)
        for d in ("tmp", "cur"):
            os.makedirs(os.path.join(self.incoming, d), exist_ok=True)
        with open(os.path.join(self.incoming, "tmp", name), "w") as fh:
            fh.write(text)
        os.rename(os.path.join(self.incoming, "tmp", name),
                  os.path.join(self.incoming, "new", name))

    def test_delivers_and_lists_what_arrived(self):
        out = self.ok("deliver")
        self.assertEqual(out, "0 new messages in Inbox\n"
                              "Maildir: Ready: 0 sent, 0 received, 0 set aside\n")
        self.drop("1000.a.host", INCOMING)
        self.drop("1001.b.host", "this is not mail\n")
        out = self.ok("deliver")
        self.assertTrue(out.startswith("1 new message in Inbox\n"), out)
        self.assertRegex(out, r"(?m)^RECEIVED +FROM +SUBJECT$")
        self.assertRegex(out, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +Charles Babbage +Re: Grüße$")
        self.assertIn("Maildir: Moved ", out)  # the file that is not mail, set aside
        self.assertEqual(os.listdir(os.path.join(self.incoming, "new")), [])
        self.assertEqual(os.listdir(os.path.join(self.incoming, "cur")), ["1000.a.host:2,"])
        self.assertEqual(os.listdir(os.path.join(self.incoming, ".bad")), ["1001.b.host"])
        # delivered once: the next pass has nothing new
        self.assertEqual(json.loads(self.ok("deliver", "--json"))["messages"], [])

    def test_json(self):
        self.drop("1000.a.host", INCOMING)
        doc = json.loads(self.ok("deliver", "--json"))
        self.assertEqual(doc["folder"], "Inbox")
        [m] = doc["messages"]
        self.assertEqual((m["PR_SUBJECT"], m["PR_SENDER_NAME"], m["PR_SENDER_EMAIL_ADDRESS"],
                          m["PR_MESSAGE_CLASS"]),
                         ("Re: Grüße", "Charles Babbage", "charles@example.org", "IPM.Note"))
        self.assertRegex(m["PR_MESSAGE_DELIVERY_TIME"], r"^\d{4}-.*Z$")
        self.assertEqual([t["PR_STATUS_STRING"] for t in doc["transports"]],
                         ["Ready: 0 sent, 1 received, 0 set aside"])

    def test_sends_what_waits_and_errors(self):
        err = self.fails(1, "deliver", "--profile", "Nope")
        self.assertIn("logging on to profile 'Nope': MAPI_E_LOGON_FAILED (0x80040111)", err)
        self.ok("profile", "delete", "Mail")
        err = self.fails(1, "deliver")
        self.assertIn("logging on to the default profile", err)


if __name__ == "__main__":
    unittest.main()
