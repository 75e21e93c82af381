"""process(): inputs -> {relative output path: text}. Touches no output file."""
from __future__ import annotations

import os
from typing import NamedTuple

from . import cache


def guid_bytes(g) -> bytes:
    """A GUID as it lies in memory (what memcmp orders), for the sorted interface registry."""
    import struct
    return struct.pack("<IHH", int(g.d1, 16), int(g.d2, 16), int(g.d3, 16)) + \
        bytes(int(b, 16) for b in g.bytes)


class Result(NamedTuple):
    outputs: dict[str, str]
    deps: list[str]  # every input read: IDL files, templates, generator modules
    program: object = None  # the loaded program (for saving the caches after writing); None
    #                         when the outputs came from the cache


def process(paths: list[str], include_dirs: list[str], aggregate: bool = False,
            cache_dir: str | None = None) -> Result:
    # The same inputs in any order give the same bytes.
    paths = sorted(set(os.path.normpath(p) for p in paths))
    command = (tuple(paths), tuple(include_dirs), aggregate)
    if cache_dir:
        hit = cache.load_outputs(cache_dir, command)
        if hit is not None:
            return Result(hit[0], hit[1], None)
    # Imported only when something is generated: a cache hit needs none of them.
    from . import loader, lower, model as m, validate, vocab
    from .diag import Reporter
    rep = Reporter({})
    prog = loader.load(paths, include_dirs, rep, cache_dir)
    prog.command = command
    rep.check()
    sym = validate.check(prog, rep)
    rep.check()
    _, files = lower.lower(prog, sym)
    from .render import Renderer  # Jinja2 is imported only when something is rendered
    r = Renderer(os.path.join(cache_dir, "jinja") if cache_dir else None)
    out: dict[str, str] = {}
    impl_stems = []
    for f in files:
        for co in f.coclasses:
            out[f"objects/{co.name}_decl.h"] = r.render("object_decl.h.j2", co=co, source=f.path)
            out[f"objects/{co.name}_object.h"] = r.render("object.h.j2", co=co, source=f.path)
        if f.public:
            out[f"include/{f.stem}.h"] = r.render("header.h.j2", f=f, source=f.path)
        if not f.interfaces and not f.functions and not f.masks and \
                not any(it.kind in ("guid", "methods") for it in f.items):
            continue  # nothing to define: no implementation files
        impl_stems.append(f.stem)
        out[f"include/mapirt/{f.stem}_impl.h"] = r.render("impl.h.j2", f=f, source=f.path)
        out[f"src/{f.stem}_impl.c"] = r.render("impl.c.j2", f=f, source=f.path)
        out[f"src/{f.stem}_wrap.c"] = r.render("wrap.c.j2", f=f, source=f.path)
    if aggregate:
        stems = impl_stems
        src = "the IDL files of this build"
        out["include/mapirt/impl.h"] = r.render("aggregate_impl.h.j2", stems=stems, source=src)
        registry = sorted((i for f in files for i in f.interfaces if i.guid),
                          key=lambda i: guid_bytes(i.guid))
        out["src/mapirt_gen.c"] = r.render("aggregate_impl.c.j2", stems=stems, source=src,
                                           registry=registry)
        v = vocab.build(prog, sym)
        out["src/mapirt_vocab.c"] = r.render("vocab.c.j2", v=v, source=src)
        functions = [d for f in prog.roots for d in prog.files[f].decls
                     if isinstance(d, m.Function)]
        out["docs/reference.md"] = r.render("reference.md.j2", interfaces=[
            i for f in files for i in f.interfaces], functions=functions, v=v, source=src)
        itfs = [i for f in files for i in f.interfaces]
        out["tests/default_stubs.c"] = r.render("selftest.c.j2", interfaces=itfs, source=src)
        out["tests/default_stubs_cxx.cpp"] = r.render("selftest_cxx.cpp.j2", interfaces=itfs,
                                                      stems=stems, source=src)
    here = os.path.dirname(os.path.abspath(__file__))
    modules = sorted(os.path.join(here, n) for n in os.listdir(here) if n.endswith(".py"))
    deps = sorted(prog.sources) + sorted(r.loaded) + modules
    return Result(out, deps, prog)
