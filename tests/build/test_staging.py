"""The build stages the service catalog beside the uninstalled library (build/mapirt/), which is
where libmapirt looks when MAPIRT_SERVICES is unset (runtime/profile/catalog_locate.c), so a
program linked with build/libmapirt.so finds it without any variable."""
from __future__ import annotations

import os
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "build", "libmapirt.so.0")),
                     "run `ninja` first")
class Staging(unittest.TestCase):
    def test_catalog_is_staged_beside_the_library(self):
        staged = os.path.join(ROOT, "build", "mapirt", "mapisvc.inf")
        with open(os.path.join(ROOT, "runtime", "profile", "mapisvc.inf"), "rb") as f:
            source = f.read()
        with open(staged, "rb") as f:
            self.assertEqual(f.read(), source)


if __name__ == "__main__":
    unittest.main()
