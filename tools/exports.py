#!/usr/bin/env python3
"""tools/exports.py: what libmapirt exports, derived from the IDL and the installed headers.

The library's surface is its API (docs/decisions.md, "The library's surface"). libmapirt exports
a symbol only when an installed public header declares it with external linkage: the MAPI headers
(gen/include/*.h, generated from idl/*.idl) and mapirt's own (<mapirt/...>: gen/include/mapirt/*.h
and runtime/include/mapirt/*.h, installed under include/mapi/mapirt/). Of those it must define:

* the functions idl/*.idl declares and the GUIDs (IID_*, PS_*, PSETID_*, ...);
* everything <mapirt/...> declares.

What a `cpp_quote` adds to a MAPI header is exported only if the library defines it: the
provider entry points (`MSProviderInit`, ...) are declared so that a provider's definition is
type-checked, and the provider defines them.

Nothing else leaves the library. libmapirt's objects are compiled with -fvisibility=hidden (the
public headers declare inside `#pragma GCC visibility push(default)`: the generated ones through
their template, mapirt's own through MAPIRT_BEGIN_DECLS in <mapirt/decls.h>), and linked with
the version script gen/lib/libmapirt.map. A new header in either folder, a new
IDL function or a new declaration is picked up by the next `ninja`, with no edit here.

Symbol versions: every symbol is bound to a version node. A released node's list is frozen in
tools/symbols/NODE.txt (one name a line); its symbols stay in that node forever, and removing one
is an error (an ABI break needs a new soname, not an edit). Symbols not in any frozen list belong
to CURRENT_NODE, which inherits from the newest frozen node.

Usage (ninja runs it after idlc): python3 tools/exports.py --map F [--depfile F]
                                  python3 tools/exports.py --list   (one symbol a line)
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CURRENT_NODE = "MAPIRT_0.1"  # the release being developed
FROZEN_DIR = os.path.join(ROOT, "tools", "symbols")
MAPI_DIR = "gen/include"  # the standard headers, from idl/
MAPIRT_DIRS = ["gen/include/mapirt", "runtime/include/mapirt"]  # <mapirt/...>
# Headers that declare nothing but change how the others expand (<initguid.h> turns every
# DEFINE_GUID into a definition); they are installed but never probed.
SWITCHES = {"initguid.h"}
INCLUDES = ["-Igen/include", "-Iruntime/include"]  # what a client gets from pkg-config
CC = os.environ.get("CC", "gcc")

_LINE = re.compile(r'^# (\d+) "((?:[^"\\]|\\.)*)"')
_TOKEN = re.compile(r'[A-Za-z_]\w*|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|\S')
_AUX = re.compile(r"^/\* (.*):\d+:\w+ \*/ (.*)$")


def public_headers() -> tuple[list[str], list[str]]:
    """(MAPI headers, mapirt headers) as include names, sorted; the installed set (tools/install.sh
    installs exactly these folders)."""
    mapi = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, MAPI_DIR, "*.h"))
                  if os.path.basename(p) not in SWITCHES)
    own = sorted({"mapirt/" + os.path.basename(p) for d in MAPIRT_DIRS
                  for p in glob.glob(os.path.join(ROOT, d, "*.h"))})
    return mapi, own


def _probe(headers: list[str]) -> str:
    return "".join(f"#include <{h}>\n" for h in headers)


def _origin(path: str) -> str | None:
    """'mapi', 'mapirt' or None (a system header) for a header path the compiler reports."""
    rel = os.path.relpath(os.path.realpath(os.path.join(ROOT, path)), ROOT)
    if any(os.path.dirname(rel) == d for d in MAPIRT_DIRS):
        return "mapirt"
    if os.path.dirname(rel) == MAPI_DIR:
        return "mapi"
    return None


def _run(args: list[str], text: str) -> str:
    r = subprocess.run(args, input=text, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"exports: {' '.join(args)} failed:\n{r.stderr}")
    return r.stdout


def declared_functions(headers: list[str]) -> dict[str, tuple[str, str]]:
    """{name: (origin, header)} of every function with external linkage the headers declare,
    as the compiler sees them (gcc -aux-info: one prototype a line, with its file)."""
    with tempfile.TemporaryDirectory() as tmp:
        aux = os.path.join(tmp, "aux")
        _run([CC, "-std=c11", "-fsyntax-only", *INCLUDES, "-aux-info", aux, "-x", "c", "-"],
             _probe(headers))
        with open(aux, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    out = {}
    for line in lines:
        m = _AUX.match(line)
        if not m or m.group(2).startswith("static "):
            continue
        origin = _origin(m.group(1))
        if origin is None:
            continue
        decl = m.group(2)
        name = re.search(r"(\w+) \(", decl) or re.search(r"(\w+)\s*;\s*$", decl)
        if name:
            out[name.group(1)] = (origin, os.path.relpath(m.group(1), ROOT))
    return out


def _statements(pp: str):
    """(file, tokens) of every file-scope declaration of preprocessed C; function bodies and
    brace initialisers stay inside their statement."""
    file, depth, toks, start = "", 0, [], ""
    for line in pp.splitlines():
        m = _LINE.match(line)
        if m:
            file = m.group(2)
            continue
        if line.lstrip().startswith("#"):
            continue  # a directive the preprocessor keeps (#pragma): not part of a declaration
        for t in _TOKEN.findall(line):
            if not toks:
                start = file
            toks.append(t)
            if t in "({[":
                depth += 1
            elif t in ")}]":
                depth -= 1
                if t == "}" and depth == 0 and len(toks) > 2 and \
                        toks[toks.index("{") - 1] == ")" and "=" not in toks[:toks.index("{")]:
                    yield start, toks  # a function definition (static inline)
                    toks = []
            elif t == ";" and depth == 0:
                yield start, toks
                toks = []


def _strip_attributes(toks: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(toks):
        if toks[i] in ("__attribute__", "__asm__", "__asm") and i + 1 < len(toks) and \
                toks[i + 1] == "(":
            depth, i = 0, i + 1
            while i < len(toks):
                depth += {"(": 1, ")": -1}.get(toks[i], 0)
                i += 1
                if depth == 0:
                    break
            continue
        out.append(toks[i])
        i += 1
    return out


def declared_objects(headers: list[str]) -> dict[str, tuple[str, str]]:
    """{name: (origin, header)} of every object (variable) declared `extern` at file scope."""
    pp = _run([CC, "-std=c11", "-E", *INCLUDES, "-x", "c", "-"], _probe(headers))
    out = {}
    for file, toks in _statements(pp):
        origin = _origin(file) if file else None
        toks = _strip_attributes(toks)
        while toks and toks[0] == "__extension__":
            toks = toks[1:]
        if origin is None or not toks or toks[0] != "extern":
            continue
        names = []
        if "(" in toks:
            # Only a pointer to a function is an object: `extern T (*name)(...)`.
            i = toks.index("(")
            if toks[i + 1:i + 2] == ["*"] and re.fullmatch(r"[A-Za-z_]\w*", toks[i + 2]):
                names.append(toks[i + 2])
        else:
            depth, last = 0, None
            for t in toks[1:] + [","]:
                if t in "[{":
                    depth += 1
                elif t in "]}":
                    depth -= 1
                elif depth == 0 and t in ",;=":
                    if last:
                        names.append(last)
                    last = None
                    if t == "=":
                        depth += 1000  # skip the initialiser (not expected in a header)
                elif depth == 0 and re.fullmatch(r"[A-Za-z_]\w*", t):
                    last = t
        for n in names:
            out[n] = (origin, os.path.relpath(file, ROOT))
    return out


def idl_declarations() -> set[str]:
    """Every function and GUID (interface IIDs, `guid` items) idl/*.idl declares."""
    from tools.idlc import loader, model
    from tools.idlc.diag import Reporter
    from tools.idlc.validate import iid_name

    rep = Reporter({})
    prog = loader.load(sorted(glob.glob(os.path.join("idl", "*.idl"))), ["idl"], rep)
    rep.check()
    names = set()
    for f in prog.files.values():
        for d in f.decls:
            if isinstance(d, (model.Function, model.Guid)):
                names.add(d.name)
            elif isinstance(d, model.Interface) and model.attr(d.attrs, "uuid"):
                names.add(iid_name(d))
    return names


def surface() -> tuple[dict[str, str], set[str]]:
    """({symbol: the header that declares it} for everything the installed headers declare with
    external linkage: what libmapirt may export; the symbols of those it must define: the
    functions and GUIDs idl/*.idl declares and everything <mapirt/...> declares)."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        mapi, own = public_headers()
        headers = mapi + own
        funcs = declared_functions(headers)
        objs = declared_objects(headers)
        idl = idl_declarations()
    finally:
        os.chdir(cwd)
    declared, required = {}, set()
    for name, (origin, header) in list(objs.items()) + list(funcs.items()):
        # `extern FOOTYPE Foo;` with a function type declares a function (the compiler says so)
        if name in funcs and funcs[name] != (origin, header):
            continue
        declared[name] = header
        if origin == "mapirt" or name in idl:
            required.add(name)
    return declared, required


def frozen_nodes() -> list[tuple[str, set[str]]]:
    """[(node, symbols)] of the released version nodes, oldest first."""
    def version(path: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", os.path.basename(path)))
    nodes = []
    for path in sorted(glob.glob(os.path.join(FROZEN_DIR, "*.txt")), key=version):
        with open(path, encoding="utf-8") as fh:
            names = {ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")}
        nodes.append((os.path.basename(path)[:-4], names))
    return nodes


def version_script(symbols: set[str]) -> str:
    nodes = frozen_nodes()
    lines = ["/* Generated by tools/exports.py from idl/*.idl and the installed headers - do not "
             "edit. */",
             "/* libmapirt exports exactly what its public headers declare (docs/decisions.md). */"]
    released: set[str] = set()
    parent = None
    for node, names in nodes:
        gone = sorted(names - symbols)
        if gone:
            raise SystemExit(f"exports: released symbols of {node} are no longer declared: "
                             f"{' '.join(gone)} (an ABI break: bump the soname)")
        lines += _node(node, names, parent, local=parent is None)
        released |= names
        parent = node
    if CURRENT_NODE not in (n for n, _ in nodes):
        lines += _node(CURRENT_NODE, symbols - released, parent, local=parent is None)
    return "\n".join(lines) + "\n"


def _node(node: str, names: set[str], parent: str | None, local: bool) -> list[str]:
    """One node; the first (local) also hides everything it and its successors do not list."""
    body = [f"{node} {{", "  global:"] + [f"    {n};" for n in sorted(names)]
    if local:
        body += ["  local:", "    *;"]
    return body + [f"}} {parent};" if parent else "};"]


def write_if_changed(path: str, text: str) -> None:
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--map", help="write the version script here")
    ap.add_argument("--depfile", help="write a Makefile-style depfile for --map")
    ap.add_argument("--list", action="store_true", help="print the exported symbols")
    args = ap.parse_args(argv)
    symbols, _ = surface()
    if args.list:
        sys.stdout.write("".join(f"{s}\n" for s in sorted(symbols)))
    if args.map:
        write_if_changed(args.map, version_script(set(symbols)))
    if args.map and args.depfile:
        mapi, own = public_headers()
        deps = [os.path.join(MAPI_DIR, h) for h in mapi]
        deps += [p for d in MAPIRT_DIRS for p in sorted(glob.glob(os.path.join(d, "*.h")))]
        # idl/*.idl reach this step through the headers generated from them (gen/stamp), so
        # touching an IDL file without changing a header does not rerun it.
        deps += sorted(glob.glob(os.path.join(FROZEN_DIR, "*.txt")))
        deps.append("tools/exports.py")
        write_if_changed(args.depfile, f"{args.map}: " + " ".join(deps) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
