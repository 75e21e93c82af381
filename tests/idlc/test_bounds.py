"""Inputs found by fuzzing the generator (tests/fuzz/idlc_fuzz.py) that ended in a Python
traceback or ran without bound: each must end in `file:line:col: error:` quickly, or compile
with the right values when it is valid."""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools.idlc.compiler import process  # noqa: E402
from tools.idlc.diag import CompileError  # noqa: E402

PRELUDE = "typedef unsigned int ULONG;\ntypedef int LONG;\ntypedef unsigned short USHORT;\n"
DIAG = re.compile(r"^\S+\.idl:\d+:\d+: error: ", re.M)
SECONDS = 10


class Bounds(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def compile(self, body: str):
        path = os.path.join(self.tmp, "x.idl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(PRELUDE + body)
        start = time.monotonic()
        try:
            result = process([path], [self.tmp], aggregate=True)
            err = None
        except CompileError as e:
            result, err = None, e.format()
        self.assertLess(time.monotonic() - start, SECONDS, "took too long")
        return result, err

    def error(self, body: str, want: str) -> None:
        _, err = self.compile(body)
        self.assertIsNotNone(err, "compiled without an error")
        self.assertRegex(err, DIAG)
        self.assertIn(want, err)

    def test_huge_decimal_literal(self):
        self.error("const ULONG A = " + "1" * 4301 + ";\n", "too large for 64 bits")
        self.error("const ULONG A = 18446744073709551616;\n", "too large for 64 bits")
        self.error("const ULONG A = 0x1" + "0" * 16 + ";\n", "too large for 64 bits")

    def test_deep_parentheses(self):
        self.error("const ULONG A = " + "(" * 130 + "1" + ")" * 130 + ";\n", "nested more than")

    def test_many_unary_minus(self):
        self.error("const LONG A = " + "-" * 1000 + "1;\n", "nested more than")

    def test_long_operator_chain(self):
        self.error("const ULONG A = " + "+".join(["1"] * 300) + ";\n", "nested more than")

    def test_deeply_nested_structs(self):
        self.error("typedef " + "struct { " * 200 + "int x; " + "} y; " * 199 + "} T;\n",
                   "nested more than")

    def test_chain_of_constants_and_forward_reference_into_enum(self):
        chain = "".join(f"const ULONG C{i} = C{i + 1} + 1;\n" for i in range(400))
        enum = "typedef enum { " + ", ".join(f"E{i}" for i in range(400)) + " } EE;\n"
        # Valid: the values are right (the USHORT below proves them through its range error).
        self.error(chain + "const ULONG C400 = 1;\nconst ULONG F = E399;\n" + enum +
                   "const USHORT PROOF = C0 * 1000 + F;\n", "value 401399 of 'PROOF'")

    def test_attribute_arguments_that_are_not_names(self):
        for attr in ("tstring(1)", 'tstring("x")', "entryid(1)", "iid_is(2)"):
            with self.subTest(attr=attr):
                self.error(f"int F([in, {attr}] ULONG *p, [in] ULONG n);\n",
                           "takes the name of one parameter")

    def test_constant_folding_is_bounded(self):
        body = "const ULONG Q0 = 3;\n" + "".join(
            f"const ULONG Q{i} = Q{i - 1} * Q{i - 1};\n" for i in range(1, 40))
        self.error(body, "does not fit in 64 bits")

    def test_division_is_exact(self):
        # A float quotient made 0x7FFFFFFFFFFFFFFF / 1 into 0x8000000000000000.
        # Exact, the shift below is by 63; with the float quotient it was by 64, an error.
        _, err = self.compile("const unsigned long long S = "
                              "1 << (0x7FFFFFFFFFFFFFFF / 1 - 0x7FFFFFFFFFFFFFFF + 63);\n"
                              "const ULONG B = (0x7FFFFFFFFFFFFFFF / 1) - 0x7FFFFFFFFFFFFFFF;\n"
                              "const USHORT U = B + 65535;\n"
                              "const LONG M = -7 / 2;\nconst LONG R = -7 % 2;\n"
                              "const USHORT CHECK = (M + 3) * 1000 + (R + 1);\n")
        self.assertIsNone(err, "C division truncates toward zero: -7/2 = -3, -7%2 = -1")

    def test_values_fit_their_type(self):
        self.error("const USHORT U = 70000;\n", "does not fit its type (unsigned short: 0..65535)")
        self.error("const LONG L = 0x80000000;\n", "does not fit its type (int:")
        self.error("const ULONG N = -1;\n", "does not fit its type (unsigned int:")
        self.error("typedef enum { BIG = 0x80000000 } E;\n", "does not fit in an int")


if __name__ == "__main__":
    unittest.main()
