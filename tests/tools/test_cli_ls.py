"""mapirt ls: the folder tree and contents tables of the bundled SQLite store; --columns,
--restrict (its grammar and its errors), --sort, --limit, --assoc, --store, and paths."""
from __future__ import annotations

from .storetest import StoreTest, mail


class LsTree(StoreTest):
    def test_tree_text_and_json(self):
        out = self.ok("ls")
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^FOLDER +MESSAGES +UNREAD$")
        self.assertEqual([ln.split("  ")[0] for ln in lines[1:]],
                         ["Inbox", "Outbox", "Sent Items", "Deleted Items"])
        tree = self.json("ls")
        self.assertEqual([(f["PR_DISPLAY_NAME"], f["path"], f["PR_CONTENT_COUNT"]) for f in tree],
                         [("Inbox", "Inbox", 0), ("Outbox", "Outbox", 0),
                          ("Sent Items", "Sent Items", 0), ("Deleted Items", "Deleted Items", 0)])
        self.assertRegex(tree[0]["PR_ENTRYID"], r"^[0-9a-f]{32,}$")
        # a folder's entry ID is a PATH too
        self.assertEqual(self.json("ls", "--tree", tree[0]["PR_ENTRYID"]), [])

    def test_empty_folder(self):
        self.assertEqual(self.ok("ls", "inbox"), "#  MESSAGE DELIVERY TIME  SENDER NAME  SUBJECT\n")
        self.assertEqual(self.json("ls", "INBOX"), [])

    def test_missing_folder_and_store(self):
        err = self.fails(1, "ls", "Inbox/Nope")
        self.assertEqual(err, "mapirt: opening 'Inbox/Nope': MAPI_E_NOT_FOUND (0x8004010F): "
                              "there is no folder 'Nope' in store 'Personal Folders'")
        err = self.fails(1, "ls", "--store", "Elsewhere")
        self.assertIn("opening store 'Elsewhere': MAPI_E_NOT_FOUND", err)
        err = self.fails(1, "ls", "--profile", "Nobody")
        self.assertIn("logging on to profile 'Nobody': MAPI_E_LOGON_FAILED", err)
        err = self.fails(1, "ls", "Inbox/#1")
        self.assertIn("the folder has 0 messages", err)
        self.fails(1, "ls", "Inbox/#x")

    def test_named_store(self):
        self.assertEqual(len(self.json("ls", "--store", "personal folders")), 4)

    def test_usage_errors(self):
        err = self.fails(2, "ls", "--columns", "PR_NOPE", "Inbox")
        self.assertIn("--columns 'PR_NOPE': unknown property name", err)
        err = self.fails(2, "ls", "--sort", "-PR_NOPE", "Inbox")
        self.assertIn("--sort 'PR_NOPE'", err)
        err = self.fails(2, "ls", "--limit", "ten", "Inbox")
        self.assertIn("--limit 'ten'", err)
        err = self.fails(2, "ls", "--restrict", "exists PR_SUBJECT")
        self.assertIn("name the folder", err)


class LsRestrictGrammar(StoreTest):
    """Every mistake is a usage error naming its column; nothing is listed."""

    def check(self, expr: str, column: int, text: str):
        err = self.fails(2, "ls", "Inbox", "--restrict", expr)
        self.assertIn(f"--restrict: column {column}: {text}", err)

    def test_errors(self):
        self.check("", 1, "expected a property name")
        self.check("PR_SUBJECT", 11, "expected an operator")
        self.check("PR_SUBJECT =", 13, "expected a value after '='")
        self.check('PR_SUBJECT = "open', 14, "the string has no closing quote")
        self.check("PR_NOPE = 1", 1, "'PR_NOPE': unknown property name")
        self.check("PR_MESSAGE_SIZE = big", 19, "'big' is not a value of type PT_LONG")
        self.check("PR_MESSAGE_SIZE ~ 1", 17, "'~' needs a string property, not one of type PT_LONG")
        self.check("PR_MESSAGE_DELIVERY_TIME > yesterday", 28, "'yesterday' is not a time")
        self.check("(PR_MESSAGE_SIZE > 1", 21, "expected ')' to close the '(' at column 1")
        self.check("PR_MESSAGE_SIZE > 1 PR_SUBJECT", 21, "unexpected 'PR_SUBJECT'")
        self.check("not", 4, "expected a property name")
        self.check("exists", 7, "expected a property name")

    def test_accepted(self):
        for expr in ('PR_SUBJECT ~ "a \\"quoted\\" word"', "not exists PR_SUBJECT",
                     "PR_MESSAGE_SIZE >= 10 AND (PR_SUBJECT = x OR PR_SUBJECT != y)",
                     "PR_MESSAGE_DELIVERY_TIME < 2026-12-06T08:30:00Z",
                     "PR_MESSAGE_DELIVERY_TIME > 2026-12-06",
                     "PR_MESSAGE_FLAGS = MSGFLAG_READ|MSGFLAG_UNSENT",
                     "PidTagSubject <= m"):
            self.assertEqual(self.json("ls", "Inbox", "--restrict", expr), [], expr)


class LsContents(StoreTest):
    def setUp(self):
        super().setUp()
        md = self.maildir("md", {
            "1": mail("Weekly report", date="Tue, 01 Dec 2026 10:00:00 +0000"),
            "2": mail("lunch?", sender="Bob <bob@example.org>",
                      date="Thu, 03 Dec 2026 10:00:00 +0000"),
            "3": mail("REPORT: final", sender="Carol <carol@example.org>",
                      date="Wed, 02 Dec 2026 10:00:00 +0000", body="x" * 500),
        })
        self.ok("import", md, "Inbox/Work\\/Life")

    def rows(self, *args: str):
        return [(r["row"], r.get("PR_SUBJECT")) for r in
                self.json("ls", "Inbox/work\\/life", "--columns", "PR_SUBJECT", *args)]

    def test_paths_from_an_entry_id(self):
        inbox = next(f["PR_ENTRYID"] for f in self.json("ls") if f["path"] == "Inbox")
        sub = self.json("ls", "--tree", inbox)
        self.assertEqual([f["path"] for f in sub], [inbox + "/Work\\/Life"])
        self.assertEqual(len(self.json("ls", sub[0]["path"])), 3)
        self.assertEqual(self.json("show", sub[0]["path"] + "/#2")["properties"]["PR_SUBJECT"],
                         "lunch?")
        self.ok("import", self.maildir("more", {"9": mail("nine")}), inbox + "/New")
        self.assertEqual([r["PR_SUBJECT"] for r in self.json("ls", "Inbox/new")], ["nine"])
        msg = self.json("ls", "Inbox/new")[0]["PR_ENTRYID"]
        err = self.fails(1, "ls", msg + "/#1")
        self.assertIn("MAPI_E_INVALID_PARAMETER (0x80070057): a message has no folders or rows", err)

    def test_a_message_is_no_folder(self):
        err = self.fails(1, "ls", "Inbox/Work\\/Life/#2")
        self.assertIn("opening folder 'Inbox/Work\\/Life/#2': MAPI_E_INVALID_PARAMETER "
                      "(0x80070057): it names a message, not a folder", err)

    def test_default_table(self):
        out = self.ok("ls", "Inbox/Work\\/Life").splitlines()
        self.assertRegex(out[0], r"^# +MESSAGE DELIVERY TIME +SENDER NAME +SUBJECT$")
        self.assertRegex(out[1], r"^#1 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +Ada Lovelace +Weekly report$")
        self.assertEqual(len(out), 4)
        self.assertIn("Inbox/Work\\/Life", [f["path"] for f in self.json("ls")])

    def test_sort_keeps_row_numbers(self):
        self.assertEqual(self.rows("--sort", "-PR_CLIENT_SUBMIT_TIME"),
                         [(2, "lunch?"), (3, "REPORT: final"), (1, "Weekly report")])
        self.assertEqual(self.rows("--sort", "PR_SENDER_NAME", "--sort", "-PR_SUBJECT"),
                         [(1, "Weekly report"), (2, "lunch?"), (3, "REPORT: final")])
        self.assertEqual(self.rows("--sort", "-PR_SENDER_NAME,PR_SUBJECT", "--limit", "2"),
                         [(3, "REPORT: final"), (2, "lunch?")])
        # the numbers name the messages for show
        self.assertEqual(self.json("show", "Inbox/Work\\/Life/#3")["properties"]["PR_SUBJECT"],
                         "REPORT: final")

    def test_restrict(self):
        self.assertEqual(self.rows("--restrict", 'PR_SUBJECT ~ "report"'),
                         [(1, "Weekly report"), (3, "REPORT: final")])
        self.assertEqual(self.rows("--restrict", 'not PR_SUBJECT ~ "report"'), [(2, "lunch?")])
        self.assertEqual(self.rows("--restrict", 'PR_SUBJECT = "lunch?"'), [(2, "lunch?")])
        self.assertEqual(self.rows("--restrict", "PR_MESSAGE_SIZE > 500"), [(3, "REPORT: final")])
        self.assertEqual(
            self.rows("--restrict", "PR_CLIENT_SUBMIT_TIME >= 2026-12-02 and "
                                    "(PR_SENDER_EMAIL_ADDRESS = bob@example.org or "
                                    "PR_MESSAGE_SIZE > 500)", "--sort", "PR_SUBJECT"),
            [(2, "lunch?"), (3, "REPORT: final")])
        self.assertEqual(self.rows("--restrict", "exists PR_SUBJECT", "--limit", "0"), [])
        self.assertEqual(self.rows("--restrict", "not exists PR_SUBJECT"), [])

    def test_columns_and_assoc(self):
        rows = self.json("ls", "Inbox/Work\\/Life", "--columns",
                         "PR_SUBJECT, PidTagSenderEmailAddress,PR_IMPORTANCE,0x0E080003")
        self.assertEqual(rows[0]["PR_SENDER_EMAIL_ADDRESS"], "ada@example.org")
        self.assertNotIn("PR_IMPORTANCE", rows[0])  # a column the row lacks is left out
        self.assertIsInstance(rows[0]["PR_MESSAGE_SIZE"], int)
        text = self.ok("ls", "Inbox/Work\\/Life", "--columns", "PR_SUBJECT,PR_IMPORTANCE")
        self.assertRegex(text, r"(?m)^#1 +Weekly report +-$")
        self.assertEqual(self.json("ls", "Inbox/Work\\/Life", "--assoc"), [])


class TwoStores(StoreTest):
    def test_store_by_entry_id(self):
        self.ok("service", "add", "Mail", "MSGSTORE")
        stores = self.json("session", "--flag", "MAPI_NO_MAIL")["stores"]
        self.assertEqual([s["PR_DISPLAY_NAME"] for s in stores], ["Personal Folders"] * 2)
        other = next(s["PR_ENTRYID"] for s in stores if not s["PR_DEFAULT_STORE"])
        err = self.fails(2, "ls", "--store", "Personal Folders")
        self.assertIn("--store 'Personal Folders' names 2 stores of the profile: give the store's "
                      "entry ID", err)
        self.ok("import", self.maildir("md", {"1": mail("elsewhere")}), "Inbox", "--store",
                other.upper())
        # the ID before the store's first open is the short one; it opened, the store wrote
        # its own into the profile (docs/decisions.md, sessions), so ask again
        stores = self.json("session", "--flag", "MAPI_NO_MAIL")["stores"]
        other = next(s["PR_ENTRYID"] for s in stores if not s["PR_DEFAULT_STORE"])
        self.assertEqual([r["PR_SUBJECT"] for r in self.json("ls", "Inbox", "--store", other)],
                         ["elsewhere"])
        self.assertEqual(self.json("ls", "Inbox"), [])  # the default store is untouched
        err = self.fails(1, "ls", "--store", "00" * 36)
        self.assertIn("the profile has no store of that name", err)
