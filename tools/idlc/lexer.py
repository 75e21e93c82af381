"""Tokens of the IDL dialect (docs/idl.md)."""
from __future__ import annotations

import re
from typing import NamedTuple

from .diag import Loc, Reporter

U64_MAX = (1 << 64) - 1


class Token(NamedTuple):
    kind: str  # 'ident', 'int', 'string', 'uuid', 'punct', 'eof'
    text: str
    loc: Loc
    value: object = None


_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "?": "?"}


_MASTER = re.compile(r"""
    (?P<ws>[ \t\r\n\f\v]+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<open_comment>/\*)
  | (?P<hash>\#[^\n]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<int>(?:0[xX][0-9A-Fa-f]+|[0-9]+)[uUlL]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<open_string>")
  | (?P<punct><<|>>|[()\[\]{};,:=*&|^~+\-/%<>])
""", re.X | re.S)
_UUID_ARG = re.compile(r"[ \t]*\([ \t]*")
_ESCAPE = re.compile(r"\\(.)")


def tokenize(path: str, text: str, rep: Reporter) -> list[Token]:
    """One master regular expression; line and column are derived from newline positions."""
    toks: list[Token] = []
    n = len(text)
    pos = 0
    line = 1
    line_start = 0  # offset of the current line's first character
    append = toks.append
    match = _MASTER.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            rep.error(Loc(path, line, pos - line_start + 1), f"unexpected character '{text[pos]}'")
            pos += 1
            continue
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            nl = text.count("\n", pos, end)
            if nl:
                line += nl
                line_start = text.rfind("\n", pos, end) + 1
            pos = end
            continue
        loc_col = pos - line_start + 1
        if kind == "punct":
            append(Token("punct", m.group(kind), Loc(path, line, loc_col)))
            pos = end
            continue
        if kind == "ident":
            word = m.group(kind)
            append(Token("ident", word, Loc(path, line, loc_col)))
            pos = end
            if word == "uuid":
                u = _UUID_ARG.match(text, pos)
                if u is not None:
                    append(Token("punct", "(", Loc(path, line, u.start() + u.group(0).index("(")
                                                - line_start + 1)))
                    start = u.end()
                    close = text.find(")", start)
                    if close < 0 or "\n" in text[start:close]:
                        rep.error(Loc(path, line, start - line_start + 1), "expected ')' after uuid")
                        pos = start
                        continue
                    raw = text[start:close].strip()
                    uloc = Loc(path, line, start - line_start + 1)
                    raw = raw.strip('"')
                    if not _UUID.match(raw):
                        rep.error(uloc, f"malformed uuid '{raw}' (expected "
                                  "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
                        value = None
                    else:
                        value = raw.upper()
                    append(Token("uuid", raw, uloc, value))
                    pos = close
            continue
        if kind == "int":
            t = m.group(kind)
            digits = t.rstrip("uUlL")
            value = 0
            # No C type holds more than 64 bits; longer literals are refused before conversion
            # (Python refuses to convert decimal strings of more than 4300 digits).
            if len(digits.lstrip("0xX").lstrip("0")) > 22:
                rep.error(Loc(path, line, loc_col), "integer constant is too large for 64 bits")
            elif digits[:2] in ("0x", "0X"):
                value = int(digits, 16)
            elif len(digits) > 1 and digits[0] == "0":
                try:
                    value = int(digits, 8)
                except ValueError:
                    rep.error(Loc(path, line, loc_col), f"invalid octal constant '{digits}'")
            else:
                value = int(digits)
            if value > U64_MAX:
                rep.error(Loc(path, line, loc_col), "integer constant is too large for 64 bits")
                value = 0
            append(Token("int", t, Loc(path, line, loc_col), value))
        elif kind == "string":
            t = m.group(kind)
            body = t[1:-1]
            for e in _ESCAPE.finditer(body):
                if e.group(1) not in _ESCAPES:
                    rep.error(Loc(path, line, loc_col + 1 + e.start()),
                              f"unknown escape '\\{e.group(1)}'")
            value = _ESCAPE.sub(lambda e: _ESCAPES.get(e.group(1), e.group(1)), body)
            append(Token("string", t, Loc(path, line, loc_col), value))
        elif kind == "hash":
            rep.error(Loc(path, line, loc_col),
                      "preprocessor directives are not supported; use cpp_quote(\"...\")")
        elif kind == "open_comment":
            rep.error(Loc(path, line, loc_col), "unterminated comment")
            end = n
        elif kind == "open_string":
            rep.error(Loc(path, line, loc_col), "unterminated string")
            nl = text.find("\n", pos)
            end = n if nl < 0 else nl
        if kind in ("block_comment", "open_comment", "open_string"):
            nl = text.count("\n", pos, end)
            if nl:
                line += nl
                line_start = text.rfind("\n", pos, end) + 1
        pos = end
    append(Token("eof", "", Loc(path, line, pos - line_start + 1)))
    return toks
