"""Tokens of the IDL dialect (docs/idl.md)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .diag import Loc, Reporter


@dataclass(frozen=True)
class Token:
    kind: str  # 'ident', 'int', 'string', 'uuid', 'punct', 'eof'
    text: str
    loc: Loc
    value: object = None


_PUNCT = ["<<", ">>", "(", ")", "[", "]", "{", "}", ";", ",", ":", "=", "*", "&", "|", "^", "~",
          "+", "-", "/", "%", "<", ">"]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"(0[xX][0-9A-Fa-f]+|[0-9]+)([uUlL]*)")
_UUID_BODY = re.compile(r"\s*([^)\s]*)\s*\)")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "?": "?"}


def tokenize(path: str, text: str, rep: Reporter) -> list[Token]:
    toks: list[Token] = []
    i, line, col, n = 0, 1, 1, len(text)

    def advance(k: int) -> None:
        nonlocal i, line, col
        for ch in text[i:i + k]:
            if ch == "\n":
                line += 1
                col = 1
            else:
                col += 1
        i += k

    while i < n:
        c = text[i]
        if c in " \t\r\n\f\v":
            advance(1)
            continue
        loc = Loc(path, line, col)
        if text.startswith("//", i):
            j = text.find("\n", i)
            advance((n if j < 0 else j) - i)
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                rep.error(loc, "unterminated comment")
                break
            advance(j + 2 - i)
            continue
        if c == "#":
            rep.error(loc, "preprocessor directives are not supported; use cpp_quote(\"...\")")
            j = text.find("\n", i)
            advance((n if j < 0 else j) - i)
            continue
        m = _IDENT.match(text, i)
        if m:
            word = m.group(0)
            toks.append(Token("ident", word, loc))
            advance(len(word))
            # The argument of uuid(...) is raw text, not tokens.
            if word == "uuid":
                k = i
                while k < n and text[k] in " \t":
                    k += 1
                if k < n and text[k] == "(":
                    advance(k - i)
                    toks.append(Token("punct", "(", Loc(path, line, col)))
                    advance(1)
                    body = _UUID_BODY.match(text, i)
                    if body is None:
                        rep.error(Loc(path, line, col), "expected ')' after uuid")
                        continue
                    raw = body.group(1).strip('"')
                    uloc = Loc(path, line, col + (len(body.group(0)) - len(body.group(0).lstrip())))
                    if not _UUID.match(raw):
                        rep.error(uloc, f"malformed uuid '{raw}' (expected "
                                  "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
                        value = None
                    else:
                        value = raw.upper()
                    toks.append(Token("uuid", raw, uloc, value))
                    advance(len(body.group(0)) - 1)
            continue
        m = _INT.match(text, i)
        if m:
            digits = m.group(1)
            if digits.lower().startswith("0x"):
                value = int(digits, 16)
            elif len(digits) > 1 and digits.startswith("0"):
                try:
                    value = int(digits, 8)
                except ValueError:
                    rep.error(loc, f"invalid octal constant '{digits}'")
                    value = 0
            else:
                value = int(digits)
            toks.append(Token("int", m.group(0), loc, value))
            advance(len(m.group(0)))
            continue
        if c == '"':
            j = i + 1
            chars = []
            ok = False
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n:
                    e = text[j + 1]
                    if e not in _ESCAPES:
                        rep.error(Loc(path, line, col + (j - i)), f"unknown escape '\\{e}'")
                    chars.append(_ESCAPES.get(e, e))
                    j += 2
                    continue
                if text[j] == '"':
                    ok = True
                    break
                chars.append(text[j])
                j += 1
            if not ok:
                rep.error(loc, "unterminated string")
                advance(j - i)
                continue
            toks.append(Token("string", text[i:j + 1], loc, "".join(chars)))
            advance(j + 1 - i)
            continue
        for p in _PUNCT:
            if text.startswith(p, i):
                toks.append(Token("punct", p, loc))
                advance(len(p))
                break
        else:
            rep.error(loc, f"unexpected character '{c}'")
            advance(1)
    toks.append(Token("eof", "", Loc(path, line, col)))
    return toks
