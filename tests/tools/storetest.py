"""Shared by the tests of the store commands (ls, show, cat, import): a profile with the catalog's
default services (the bundled SQLite store and Maildir transport, build/mapirt/) in a fresh
temporary directory, and Maildirs written by the tests."""
from __future__ import annotations

import os

from .clitest import ROOT, CliTest

STORE_SO = os.path.join(ROOT, "build", "mapirt", "providers", "msgstore.so")


def mail(subject: str, sender: str = "Ada Lovelace <ada@example.org>",
         to: str = "Bob <bob@example.org>", date: str = "Tue, 01 Dec 2026 10:00:00 +0000",
         body: str = "Hello.\n", extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: <{abs(hash(subject))}@example.org>\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
            ).encode()


class StoreTest(CliTest):
    def setUp(self):
        super().setUp()
        if not os.path.exists(STORE_SO):
            self.skipTest("build the bundled providers first (ninja)")
        del self.env["MAPIRT_SERVICES"]
        del self.env["MAPIRT_PROVIDER_PATH"]
        self.env["XDG_DATA_HOME"] = os.path.join(self.tmp, "data")
        self.ok("profile", "create", "Mail", "--default-services", "--default")

    def maildir(self, name: str, messages: dict[str, bytes], sub: str = "cur") -> str:
        """A Maildir holding `messages` (file name -> bytes) in `sub`."""
        path = os.path.join(self.tmp, name)
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, d), exist_ok=True)
        for fname, data in messages.items():
            with open(os.path.join(path, sub, fname), "wb") as fh:
                fh.write(data)
        return path
