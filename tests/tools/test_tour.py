"""tools/tour, the Quick start's tour of `mapirt`: it runs to the end on the bundled providers,
shows each step, and leaves the user's own files alone (everything in the directory it prints).
The README test runs it too, in a fresh copy of the tree; this runs it on the built tree."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from .clitest import EXE, ROOT

TOUR = os.path.join(ROOT, "tools", "tour")


@unittest.skipUnless(os.path.exists(EXE), "run `ninja` first")
class Tour(unittest.TestCase):
    def test_runs_and_stays_in_its_directory(self):
        with tempfile.TemporaryDirectory() as home:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MAPIRT_")}
            env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                       XDG_DATA_HOME=os.path.join(home, "data"), TMPDIR=home,
                       MAPIRT_PROFILE="Nope", MAPIRT_PROFILES=os.path.join(home, "no.db"))
            r = subprocess.run([TOUR], capture_output=True, text=True, env=env, timeout=300,
                               cwd="/")
            self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout)
            out = r.stdout
            m = re.match(r"The tour works in dir=(\S+)\n", out)
            self.assertTrue(m, out)
            where = m.group(1)
            self.assertEqual(os.path.dirname(where), home)
            self.assertEqual(sorted(os.listdir(home)), [os.path.basename(where)],
                             "nothing outside the tour's directory")
            for want in ("$ build/bin/mapirt profile create Tour --default-services --default",
                         "primary identity: Ada Lovelace",
                         "Personal Folders  mapirt SQLite message store  TRUE",
                         'sent "Notes on the Engine", kept in Sent Items',
                         "From: Ada Lovelace <ada@example.org>",
                         "1 new message in Inbox", "Charles Babbage  Re: Notes on the Engine"):
                self.assertIn(want, out)
            self.assertRegex(out, r"(?m)^To +Charles Babbage +SMTP:charles@example.org +sent$")
            sent = os.listdir(os.path.join(where, "mapirt", "Maildir", "outgoing", "new"))
            self.assertEqual(len(sent), 1)
            self.assertIn(f'"$dir/mapirt/Maildir/outgoing/new/{sent[0]}"', out)
            shutil.rmtree(where)


if __name__ == "__main__":
    unittest.main()
