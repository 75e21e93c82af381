"""The committed case folding table (runtime/text/casefold_table.h) is what tools/casefold.py
makes from the Unicode data Debian ships; a stale one fails here."""
from __future__ import annotations

import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import casefold  # noqa: E402


class CaseFoldTable(unittest.TestCase):
    def test_committed_table_is_current(self):
        self.assertTrue(os.path.exists(casefold.SOURCE),
                        "unicode-data is missing: run tools/install-deps")
        with open(casefold.OUTPUT, encoding="utf-8") as f:
            committed = f.read()
        self.assertEqual(committed, casefold.generate(),
                         "runtime/text/casefold_table.h is stale: run python3 tools/casefold.py")


if __name__ == "__main__":
    unittest.main()
