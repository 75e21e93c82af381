"""Facts of idl/ that a measurement against native MAPI found wrong once."""
from __future__ import annotations

import glob
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools.idlc import model as m  # noqa: E402
from tools.idlc.compiler import process  # noqa: E402


class IdlFacts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        idl = sorted(glob.glob(os.path.join(ROOT, "idl", "*.idl")))
        cls.prog = process(idl, [os.path.join(ROOT, "idl")], aggregate=True).program

    def param(self, interface: str, method: str, name: str) -> m.Param:
        for f in self.prog.files.values():
            for d in f.decls:
                if isinstance(d, m.Interface) and d.name == interface and d.methods:
                    for meth in d.methods:
                        if meth.name == method:
                            return next(p for p in meth.params if p.decl.name == name)
        self.fail(f"{interface}::{method} not found")

    def test_hrgetpropaccess_tag_array_is_in_out(self):
        # The caller may pass the tags to ask about (IPropData::HrGetPropAccess).
        p = self.param("IPropData", "HrGetPropAccess", "lppPropTagArray")
        self.assertIsNotNone(m.attr(p.attrs, "in"))
        self.assertIsNotNone(m.attr(p.attrs, "out"))


if __name__ == "__main__":
    unittest.main()
