"""mapirt import: a Maildir into a folder of the bundled store (GMime parsing, folders made on the
way, the seen flag, malformed files skipped, errors), and its progress bar: drawn on a terminal
(a pty), silent otherwise."""
from __future__ import annotations

import os
import pty
import subprocess

from .clitest import EXE
from .storetest import StoreTest, mail


class Import(StoreTest):
    def test_import_text_json_and_mapping(self):
        md = self.maildir("md", {"1000.a:2,S": mail("first", extra="Cc: Carol <c@example.org>\r\n"),
                                 "1001.b:2,": mail("second")})
        self.maildir("md", {"1002.c": mail("third")}, sub="new")
        out = self.ok("import", md, "Inbox/Archive/2026")
        self.assertEqual(out, "imported 3 messages into 'Inbox/Archive/2026'\n")
        tree = self.json("ls")
        self.assertIn(("Inbox/Archive/2026", 3, 2),
                      [(f["path"], f["PR_CONTENT_COUNT"], f["PR_CONTENT_UNREAD"]) for f in tree])
        rows = self.json("ls", "inbox/archive/2026", "--columns",
                         "PR_SUBJECT,PR_MESSAGE_FLAGS,PR_SENDER_EMAIL_ADDRESS,PR_CLIENT_SUBMIT_TIME")
        self.assertEqual([(r["row"], r["PR_SUBJECT"], r["PR_MESSAGE_FLAGS"] & 1) for r in rows],
                         [(1, "first", 1), (2, "second", 0), (3, "third", 0)])
        self.assertEqual(rows[0]["PR_SENDER_EMAIL_ADDRESS"], "ada@example.org")
        self.assertEqual(rows[0]["PR_CLIENT_SUBMIT_TIME"], "2026-12-01T10:00:00Z")
        first = self.json("show", "Inbox/Archive/2026/#1")
        self.assertEqual([(r["PR_DISPLAY_NAME"], r["PR_EMAIL_ADDRESS"], r["PR_RECIPIENT_TYPE"])
                          for r in first["recipients"]],
                         [("Bob", "bob@example.org", 1), ("Carol", "c@example.org", 2)])
        self.assertEqual(first["properties"]["PR_BODY"], "Hello.\n")
        # importing again into the same folder (names without case) adds the messages again
        again = self.json("import", md, "INBOX/archive/2026")
        self.assertEqual(again, {"folder": "INBOX/archive/2026", "imported": 3, "skipped": []})
        self.assertEqual(len(self.json("ls", "Inbox/Archive/2026")), 6)

    def test_malformed_files_are_skipped(self):
        md = self.maildir("md", {"1": mail("good"), "2": b"no headers at all\n",
                                 "3": b"X-Only: a header\r\n\r\nbody\r\n", ".hidden": b"junk"})
        rc, out, err = self.run_cli("import", md, "Inbox", "--json")
        self.assertEqual(rc, 0, err)
        res = __import__("json").loads(out)
        self.assertEqual(res["imported"], 1)
        self.assertEqual([(os.path.basename(s["file"]), s["reason"]) for s in res["skipped"]],
                         [("2", "GMime finds no message in it"),
                          ("3", "it has neither a From nor a Date header")])
        self.assertEqual(err.splitlines(),
                         [f"mapirt: warning: skipped {md}/cur/2: GMime finds no message in it",
                          f"mapirt: warning: skipped {md}/cur/3: it has neither a From nor a Date "
                          "header"])
        rc, out, err = self.run_cli("import", md, "Inbox")
        self.assertEqual((rc, out), (0, "imported 1 message into 'Inbox' (2 skipped)\n"))

    def test_errors(self):
        err = self.fails(1, "import", os.path.join(self.tmp, "none"), "Inbox")
        self.assertIn("not a Maildir (it has neither cur/ nor new/)", err)
        md = self.maildir("md", {"1": mail("one")})
        err = self.fails(1, "import", md, "Inbox", "--profile", "Nobody")
        self.assertIn("logging on to profile 'Nobody': MAPI_E_LOGON_FAILED", err)
        err = self.fails(1, "import", md, "Inbox", "--store", "Other")
        self.assertIn("opening store 'Other': MAPI_E_NOT_FOUND", err)
        self.ok("import", md, "Inbox")
        eid = self.json("ls", "Inbox")[0]["PR_ENTRYID"]
        err = self.fails(1, "import", md, eid)
        self.assertIn("MAPI_E_INVALID_PARAMETER (0x80070057): it names a message, not a folder", err)
        self.fails(2, "import", md)
        self.assertEqual(len(self.json("ls", "Inbox")), 1)  # nothing more was imported


class Progress(StoreTest):
    def run_on_pty(self, *args: str) -> tuple[int, str]:
        """Runs mapirt with stderr on a terminal; returns its status and what it drew there."""
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([EXE, *args], env=self.env, stdout=subprocess.PIPE,
                                 stderr=slave, stdin=subprocess.DEVNULL)
            os.close(slave)
            drawn = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                drawn += chunk
            p.communicate(timeout=120)
        finally:
            os.close(master)
        return p.returncode, drawn.decode()

    def test_bar_on_a_terminal_only(self):
        md = self.maildir("md", {f"{i:04}": mail(f"m{i}") for i in range(30)})
        rc, drawn = self.run_on_pty("import", md, "Inbox")
        self.assertEqual(rc, 0)
        self.assertRegex(drawn, r"\rimporting  \[#{20}\]  30/30  100%  \d+/s\r?\n$")
        # not a terminal: nothing on stderr
        rc, out, err = self.run_cli("import", md, "Inbox")
        self.assertEqual((rc, err), (0, ""))
        # MAPIRT_PROGRESS=0 silences a terminal too
        rc, drawn = self.run_on_pty("import", md, "Inbox")
        self.assertIn("importing", drawn)
        self.env["MAPIRT_PROGRESS"] = "0"
        rc, drawn = self.run_on_pty("import", md, "Inbox")
        self.assertEqual((rc, drawn), (0, ""))

    def test_warnings_clear_the_bar_line(self):
        md = self.maildir("md", {"1": mail("a"), "2": b"junk\n", "3": mail("b")})
        rc, drawn = self.run_on_pty("import", md, "Inbox")
        self.assertEqual(rc, 0)
        self.assertIn("\r\x1b[Kmapirt: warning: skipped", drawn)


class KilledImport(StoreTest):
    def test_kill_9_leaves_whole_messages(self):
        """Each message is its own SaveChanges: an import killed with -9 leaves the messages
        saved before it whole, none half-written, and the store usable."""
        import re
        import signal
        import time
        n = 2000
        md = self.maildir("md", {f"{i:05}": mail(f"m{i}", extra="Cc: Carol <c@example.org>\r\n")
                                 for i in range(n)})
        env = dict(self.env, MAPIRT_PROGRESS="1")
        p = subprocess.Popen([EXE, "import", md, "Inbox"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            seen, deadline = b"", time.time() + 120
            while time.time() < deadline:
                chunk = os.read(p.stderr.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
                counts = re.findall(rb"\]  (\d+)/", seen)
                if counts and int(counts[-1]) >= 20:
                    break
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
            p.stderr.close()
        rows = self.json("ls", "Inbox", "--columns", "PR_SUBJECT")
        self.assertGreaterEqual(len(rows), 20)
        self.assertEqual([r["PR_SUBJECT"] for r in rows], [f"m{i}" for i in range(len(rows))])
        last = self.json("show", f"Inbox/#{len(rows)}")
        self.assertEqual(last["properties"]["PR_BODY"], "Hello.\n")
        self.assertEqual(len(last["recipients"]), 2)
        if len(rows) == n:
            self.skipTest("the import ended before it was killed")
        self.assertIn("imported 1 message", self.ok("import", self.maildir("one", {"1": mail("x")}),
                                                    "Inbox"))
