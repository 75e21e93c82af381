"""Reads an IDL file and everything it imports."""
from __future__ import annotations

import os

from . import model as m
from . import cache
from .diag import Loc, Reporter
from .lexer import tokenize
from .parser import parse


class Program:
    def __init__(self) -> None:
        self.files: dict[str, m.File] = {}  # by path, in load order
        self.sources: dict[str, str] = {}
        self.imports: dict[str, list[str]] = {}  # path -> imported paths
        self.import_chain: dict[str, list[Loc]] = {}  # path -> importing locs
        self.roots: list[str] = []  # the files named on the command line
        self.cache_dir: str | None = None  # the cache (cache.py; None: none)
        self.digest = ""  # of the front end, part of every parse-cache slot
        self.cache_pending: list = []  # (slot, text key, File) written after a successful run
        self.absent: list[str] = []  # import candidates that did not exist (cache validity)
        self.command: tuple = ()  # what the outputs cache is keyed on besides the sources


_HERE = os.path.dirname(os.path.abspath(__file__))


def _front_end_digest() -> str:
    """Parsed files are cached per content; the key includes the front end's own source."""
    parts = []
    for name in ("lexer.py", "parser.py", "model.py", "diag.py"):
        with open(os.path.join(_HERE, name), "rb") as fh:
            parts.append(fh.read())
    return cache.digest(*parts)


def load(paths: list[str], include_dirs: list[str], rep: Reporter,
         cache_dir: str | None = None) -> Program:
    prog = Program()
    prog.cache_dir = cache_dir
    prog.digest = _front_end_digest() if cache_dir else ""
    rep.sources = prog.sources
    rep.import_chain = prog.import_chain
    for p in paths:
        path = os.path.normpath(p)
        prog.roots.append(path)
        _load_file(prog, path, include_dirs, rep, [])
    return prog


def _load_file(prog: Program, path: str, include_dirs: list[str], rep: Reporter,
               chain: list[Loc]) -> None:
    if path in prog.files or path in prog.sources:
        return
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        loc = chain[-1] if chain else Loc(path, 1, 1)
        rep.error(loc, f"cannot read '{path}': {getattr(e, 'strerror', None) or e}")
        return
    prog.sources[path] = text
    prog.import_chain[path] = list(reversed(chain))
    f = _parse_cached(prog, path, text, rep)
    prog.imports[path] = []
    for d in f.decls:
        if isinstance(d, m.Import):
            target = resolve_import(d.path, os.path.dirname(path), include_dirs, prog.absent)
            if target is None:
                rep.error(d.loc, f"cannot find imported file '{d.path}'")
                continue
            prog.imports[path].append(target)
            _load_file(prog, target, include_dirs, rep, chain + [d.loc])
    prog.files[path] = f


def resolve_import(name: str, here: str, include_dirs: list[str],
                   absent: list[str] | None = None) -> str | None:
    """The first directory holding `name`; the candidates tried before it go to `absent`."""
    for d in [here] + include_dirs:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(cand):
            return cand
        if absent is not None:
            absent.append(cand)
    return None


def closure(prog: Program, path: str) -> list[str]:
    """The files visible from `path` (its imports, transitively, then itself), dependency order."""
    seen: list[str] = []

    def visit(p: str) -> None:
        if p in seen:
            return
        seen.append(p)  # guards against import cycles
        for q in prog.imports.get(p, []):
            visit(q)
        seen.remove(p)
        seen.append(p)

    visit(path)
    return seen


def _parse_cached(prog: Program, path: str, text: str, rep: Reporter) -> m.File:
    stem = os.path.splitext(os.path.basename(path))[0]
    slot = None
    if prog.cache_dir:
        # The slot is the path's; the entry holds the bytes' hash (and the path, which the
        # model's locations carry).
        slot = cache.parse_slot(prog.cache_dir, prog.digest, path)
        text_key = cache.digest(path.encode(), text.encode("utf-8"))
        hit = cache.load_parsed(slot, text_key)
        if isinstance(hit, m.File):
            return hit
    errors = len(rep.diags)
    f = parse(path, stem, tokenize(path, text, rep), rep)
    if slot is not None and len(rep.diags) == errors:  # only files that parsed cleanly
        prog.cache_pending.append((slot, text_key, f))
    return f


def save_cache(prog: Program | None, outputs: dict, deps: list) -> None:
    """Called only after a successful run: a failed run leaves the output directory alone."""
    if prog is None or not prog.cache_dir:
        return
    cache.save_outputs(prog.cache_dir, prog.command, prog.sources, prog.absent, outputs, deps)
    for slot, text_key, f in prog.cache_pending:
        cache.save_parsed(slot, text_key, f)
