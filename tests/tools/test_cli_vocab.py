"""mapirt vocab: tags, status codes and flags from the command line (build/bin/mapirt)."""
from __future__ import annotations

import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXE = os.path.join(ROOT, "build", "bin", "mapirt")


def run(*args: str) -> tuple[int, str, str]:
    r = subprocess.run([EXE, "vocab", *args], capture_output=True, text=True)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


@unittest.skipUnless(os.path.exists(EXE), "run `ninja` first")
class VocabCli(unittest.TestCase):
    def test_tags_both_ways(self):
        self.assertEqual(run("tag", "0x3001001F"),
                         (0, "0x3001001F PR_DISPLAY_NAME_W (PidTagDisplayName) PT_UNICODE", ""))
        self.assertEqual(run("tag", "PidTagEntryId")[1], "0x0FFF0102 PR_ENTRYID (PidTagEntryId) PT_BINARY")
        self.assertEqual(run("tag", "PR_DISPLAY_NAME")[1].split()[0], "0x3001001E")

    def test_status_codes(self):
        code, out, _ = run("scode", "0x8004010F")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("0x8004010F MAPI_E_NOT_FOUND: "))
        self.assertTrue(run("scode", "MAPI_W_ERRORS_RETURNED")[1].startswith("0x00040380 "))

    def test_flags(self):
        self.assertEqual(run("flags", "LogonFlags", "0x29"),
                         (0, "MAPI_LOGON_UI | MAPI_ALLOW_OTHERS | MAPI_EXTENDED", ""))
        self.assertEqual(run("flags", "PR_RESOURCE_FLAGS", "0x2")[1], "STATUS_DEFAULT_STORE")

    def test_unknown_and_bad_input(self):
        self.assertEqual(run("tag", "PR_NO_SUCH")[0], 1)
        self.assertEqual(run("scode", "0x8004FFFF")[0], 1)
        self.assertEqual(run("flags", "NoSuchSet", "1")[0], 1)
        self.assertEqual(run("flags", "LogonFlags", "banana")[0], 2)
        self.assertEqual(run("tag", "0x1FFFFFFFF")[0], 1)  # not a 32-bit number: looked up as a name
        self.assertEqual(run()[0], 2)
        self.assertEqual(run("frobnicate", "x")[0], 2)


if __name__ == "__main__":
    unittest.main()
