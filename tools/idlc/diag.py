"""Locations and diagnostics: `file:line:col: error: message`, the source line, a caret."""
from __future__ import annotations

from typing import NamedTuple


class Loc(NamedTuple):
    """A source position (a tuple: tokens are many and this is the hot path of the lexer)."""
    file: str  # path as the user named it (relative paths stay relative)
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Diagnostic(NamedTuple):
    loc: Loc
    message: str
    notes: list  # [(Loc or None, text)]


class CompileError(Exception):
    """Raised when a stage found errors; carries every diagnostic of the stage."""

    def __init__(self, diags: list[Diagnostic], sources: dict[str, str],
                 chain: dict[str, list[Loc]]):
        super().__init__(f"{len(diags)} error(s)")
        self.diags = diags
        self.sources = sources
        self.chain = chain

    def format(self) -> str:
        return "\n".join(format_diagnostic(d, self.sources, self.chain) for d in self.diags)


MAX_ERRORS = 50


class Reporter:
    """Collects errors so one run reports all of them (capped)."""

    def __init__(self, sources: dict[str, str], import_chain: dict[str, list[Loc]] | None = None):
        self.sources = sources
        self.import_chain = import_chain if import_chain is not None else {}
        self.diags: list[Diagnostic] = []

    def error(self, loc: Loc, message: str, *notes: tuple[Loc | None, str]) -> None:
        if len(self.diags) < MAX_ERRORS:
            self.diags.append(Diagnostic(loc, message, list(notes)))

    def check(self) -> None:
        if self.diags:
            self.diags.sort(key=lambda d: (d.loc.file, d.loc.line, d.loc.col))
            raise CompileError(self.diags, self.sources, self.import_chain)


def format_diagnostic(d: Diagnostic, sources: dict[str, str],
                      import_chain: dict[str, list[Loc]]) -> str:
    out = []
    for imp in import_chain.get(d.loc.file, []):
        out.append(f"In file imported from {imp}:")
    out.append(f"{d.loc}: error: {d.message}")
    out.extend(_excerpt(d.loc, sources))
    for loc, text in d.notes:
        if loc is None:
            out.append(f"note: {text}")
        else:
            out.append(f"{loc}: note: {text}")
            out.extend(_excerpt(loc, sources))
    return "\n".join(out)


def _excerpt(loc: Loc, sources: dict[str, str]) -> list[str]:
    text = sources.get(loc.file)
    if text is None:
        return []
    lines = text.splitlines()
    if not 1 <= loc.line <= len(lines):
        return []
    src = lines[loc.line - 1].expandtabs(1)
    return [f"  {src}", "  " + " " * (loc.col - 1) + "^"]
