"""build/hello's session demo (tools/hello/session.c): it creates its profile of the test
providers when absent and reuses it after, logs on, prints the status table, the message store
table and the primary identity, logs off, and leaves the user's own profile store alone."""
from __future__ import annotations

import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELLO = os.path.join(ROOT, "build", "hello")


@unittest.skipUnless(os.path.exists(HELLO), "run `ninja` first")
class HelloSession(unittest.TestCase):
    def run_hello(self, env: dict) -> str:
        full = {k: v for k, v in os.environ.items() if not k.startswith("MAPIRT_")}
        full.update(env)
        r = subprocess.run([HELLO], capture_output=True, text=True, env=full, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def test_creates_then_reuses_its_profile(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {"MAPIRT_PROFILES": os.path.join(tmp, "p.db"), "HOME": tmp,
                   "XDG_CONFIG_HOME": os.path.join(tmp, "xdg")}
            first = self.run_hello(env)
            self.assertIn('Creating profile "mapirt hello"', first)
            for line in ("Acme Directory", "address book provider", "Acme Transport",
                         "transport provider", "Message store table (1 rows):", "Acme Store",
                         "(default store)", "Primary identity: Ada Acme", "Logged off",
                         "hello: all calls behaved"):
                self.assertIn(line, first)
            second = self.run_hello(env)
            self.assertNotIn("Creating profile", second)
            self.assertIn('Profile "mapirt hello"', second)
            self.assertIn("Primary identity: Ada Acme", second)

    def test_leaves_the_users_profiles_alone(self):
        with tempfile.TemporaryDirectory() as tmp:
            xdg = os.path.join(tmp, "xdg")
            os.mkdir(xdg)
            out = self.run_hello({"HOME": tmp, "XDG_CONFIG_HOME": xdg})
            self.assertIn(os.path.join(ROOT, "build", "hello-profiles.db"), out)
            self.assertEqual(os.listdir(xdg), [], "nothing written under XDG_CONFIG_HOME")
            self.assertEqual(sorted(os.listdir(tmp)), ["xdg"], "nothing written under HOME")


if __name__ == "__main__":
    unittest.main()
