"""mapirt show and mapirt cat on messages imported into the bundled store: every property, the
recipients, attachments and embedded messages; values streamed byte for byte; every error."""
from __future__ import annotations

import base64
import json
import subprocess

from .clitest import EXE
from .storetest import StoreTest, mail

BLOB = bytes(range(256)) * 512  # 128 KiB: past the store's 16 KB limit for GetProps
BODY = "ligne de texte, é ü ✓\n" * 2000


def rich() -> bytes:
    inner = mail("inner one", sender="Inner <i@example.org>", to="x@example.org",
                 body="Inner body\n").decode()
    return ("From: Ada <ada@example.org>\r\nTo: Bob <bob@example.org>\r\n"
            "Cc: Team: c@example.org, d@example.org;\r\nSubject: rich\r\n"
            "Date: Wed, 02 Dec 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
            "--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit"
            f"\r\n\r\n{BODY}\r\n"
            f"--XX\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n"
            "--XX\r\nContent-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename=blob.bin\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.encodebytes(BLOB).decode()}\r\n--XX--\r\n").encode()


class ShowCat(StoreTest):
    def setUp(self):
        super().setUp()
        md = self.maildir("md", {"1": mail("plain one"), "2": rich()})
        self.ok("import", md, "Inbox")

    def cat(self, *args: str) -> bytes:
        r = subprocess.run([EXE, "cat", *args], env=self.env, capture_output=True, timeout=60)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        return r.stdout

    def test_show_text(self):
        out = self.ok("show", "Inbox/#1")
        self.assertRegex(out, r"(?m)^PR_SUBJECT +PT_STRING8 +plain one$")
        self.assertRegex(out, r"(?m)^PR_MESSAGE_FLAGS +PT_LONG +0$")
        self.assertRegex(out, r"(?m)^PR_BODY +PT_STRING8 +Hello\.\\n$")  # one line, escaped
        self.assertRegex(out, r"(?m)^recipient 1\n  PR_ROWID ")
        self.assertNotIn("attachment", out)
        rich_out = self.ok("show", "Inbox/#2")
        self.assertRegex(rich_out, rf"(?m)^PR_BODY +PT_STRING8 +\({len(BODY.encode())} bytes: "
                                   r"mapirt cat --prop PR_BODY\)$")
        self.assertRegex(rich_out, r"(?m)^attachment 0\n(  .*\n)*  PR_ATTACH_METHOD +PT_LONG +"
                                   r"ATTACH_EMBEDDED_MSG \(0x00000005\)$")
        self.assertRegex(rich_out, r"(?m)^  embedded message\n(    .*\n)*    PR_SUBJECT +"
                                   r"PT_STRING8 +inner one$")
        self.assertRegex(rich_out, r"(?m)^    recipient 1$")
        self.assertRegex(rich_out, r"(?m)^  PR_ATTACH_DATA_BIN +PT_BINARY +000102[0-9a-f]+\.\.\. "
                                   rf"\({len(BLOB)} bytes\)$")

    def test_show_json(self):
        m = self.json("show", "Inbox/#2")
        self.assertEqual(m["properties"]["PR_SUBJECT"], "rich")
        self.assertEqual(m["properties"]["PR_BODY"], {"size": len(BODY.encode())})
        self.assertEqual([(r["PR_EMAIL_ADDRESS"], r["PR_RECIPIENT_TYPE"]) for r in m["recipients"]],
                         [("bob@example.org", 1), ("c@example.org", 2), ("d@example.org", 2)])
        emb, blob = m["attachments"]
        self.assertEqual(emb["message"]["properties"]["PR_BODY"], "Inner body\n")
        self.assertEqual(emb["message"]["recipients"][0]["PR_EMAIL_ADDRESS"], "x@example.org")
        self.assertEqual(blob["properties"]["PR_ATTACH_LONG_FILENAME"], "blob.bin")
        self.assertNotIn("message", blob)
        # an entry ID names the same message; a folder shows its own properties
        eid = m["properties"]["PR_ENTRYID"]
        self.assertEqual(self.json("show", eid)["properties"]["PR_SUBJECT"], "rich")
        folder = self.json("show", "inbox")
        self.assertEqual(folder["properties"]["PR_DISPLAY_NAME"], "Inbox")
        self.assertNotIn("recipients", folder)

    def test_cat(self):
        self.assertEqual(self.cat("Inbox/#1"), b"Hello.\n")
        self.assertEqual(self.cat("Inbox/#2", "--prop", "PR_BODY").decode(), BODY)
        self.assertEqual(self.cat("Inbox/#2", "--prop", "PR_BODY_W").decode(), BODY)  # as UTF-8
        self.assertEqual(self.cat("Inbox/#2", "--attach", "1"), BLOB)
        self.assertEqual(self.cat("Inbox/#2", "--attach", "1", "--prop", "PidTagAttachLongFilename"),
                         b"blob.bin")
        self.assertEqual(self.cat("Inbox/#2", "--prop", "PR_CLIENT_SUBMIT_TIME"),
                         b"2026-12-02T11:00:00Z\n")
        self.assertEqual(self.cat("Inbox/#2", "--prop", "PR_MESSAGE_FLAGS"),
                         b"MSGFLAG_HASATTACH (0x00000010)\n")

    def test_errors(self):
        err = self.fails(1, "show", "Inbox/#3")
        self.assertIn("opening 'Inbox/#3': MAPI_E_NOT_FOUND (0x8004010F): the folder has 2 messages",
                      err)
        err = self.fails(1, "show", "Inbox/#0")
        self.assertIn("a message is #N, N a row number from 1", err)
        eid = self.json("show", "Inbox/#1")["properties"]["PR_ENTRYID"]
        gone = eid[:-16] + "ffff000000000000"
        err = self.fails(1, "show", gone)
        self.assertIn(f"opening entry {gone}: MAPI_E_NOT_FOUND", err)
        self.fails(2, "show")
        err = self.fails(1, "cat", "Inbox/#1", "--prop", "PR_IMPORTANCE")
        self.assertIn("reading PR_IMPORTANCE of 'Inbox/#1': MAPI_E_NOT_FOUND", err)
        err = self.fails(2, "cat", "Inbox/#1", "--prop", "PR_NOPE")
        self.assertIn("--prop 'PR_NOPE': unknown property name", err)
        err = self.fails(2, "cat", "Inbox/#1", "--attach", "first")
        self.assertIn("--attach 'first': not an attachment number", err)
        err = self.fails(1, "cat", "Inbox/#1", "--attach", "0")
        self.assertIn("opening attachment 0 of 'Inbox/#1': MAPI_E_NOT_FOUND", err)
        err = self.fails(1, "cat", "Inbox", "--attach", "0")
        self.assertIn("it names a folder, not a message", err)
        err = self.fails(1, "cat", "Inbox/#2", "--attach", "0", "--prop", "PR_ATTACH_DATA_OBJ")
        self.assertIn("(an object: mapirt show prints an embedded message): "
                      "MAPI_E_INTERFACE_NOT_SUPPORTED", err)
