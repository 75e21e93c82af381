"""Rendering: view models -> text, one Jinja2 template per output kind."""
from __future__ import annotations

import os

import jinja2

from . import model as m
from .cdecl import c_decl, c_declarator, c_expr, c_param, c_params, c_spec

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def c_typedef(decls, spec) -> str:
    if len(decls) == 1:
        return c_decl(spec, decls[0])
    return c_spec(spec) + " " + ", ".join(c_declarator(d) for d in decls)


def this_params(m, itf: str) -> str:
    """A method's C parameter list with its `This` first: `IFoo *This, ULONG ulFlags`."""
    return ", ".join([f"{itf} *This"] + [c_param(p) for p in m.params])


def call_args(m) -> str:
    """The arguments that pass a method's parameters on: `This, ulFlags`."""
    return ", ".join(["This"] + m.param_names)


def c_stars(ptrs) -> str:
    return "".join("*const " if c else "*" for c in ptrs)


def c_scode(e: m.Expr) -> str:
    if isinstance(e, m.Name):
        return e.name
    return f"((HRESULT){c_expr(e)})"


def c_string(text: str) -> str:
    """The body of a C string literal."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32 or ord(ch) > 126:
            out.append("\\%03o" % ord(ch) if ord(ch) < 256 else "?")
        else:
            out.append(ch)
    return "".join(out)


def attr_text(attrs) -> str:
    """IDL attributes as written: `in, size_is(cb)`."""
    out = []
    for a in attrs:
        args = []
        for x in a.args:
            if isinstance(x, str):
                args.append('"' + x + '"')
            elif isinstance(x, m.Uuid):
                args.append(x.text or "")
            else:
                args.append(c_expr(x))
        out.append(a.name + (f"({', '.join(args)})" if args else ""))
    return ", ".join(out)


def guid_text(g) -> str:
    """{00020300-0000-0000-C000-000000000046}"""
    b = "".join(x[2:] for x in g.bytes).upper()
    return "{" + f"{g.d1[2:]}-{g.d2[2:]}-{g.d3[2:]}-{b[:4]}-{b[4:]}".upper() + "}"


def checks_text(checks) -> str:
    """The validating wrapper's rules, in words, for the reference."""
    words = []
    for c in checks:
        if c.kind == "nonnull":
            words.append(f"`{c.param}` not NULL")
        elif c.kind == "nonnull_if":
            words.append(f"`{c.param}` not NULL when `{c.other}` > 0")
        elif c.kind == "reserved":
            words.append(f"`{c.param}` = 0")
        elif c.kind == "flags":
            words.append(f"`{c.param}` ⊆ {c.mask}")
        elif c.kind == "values":
            words.append(f"`{c.param}` ∈ {{{', '.join(c.values)}}}")
    return "; ".join(words)


class Renderer:
    def __init__(self, cache_dir: str | None = None) -> None:
        self.loaded: set[str] = set()
        loader = jinja2.FileSystemLoader(TEMPLATE_DIR)
        # Compiled templates are cached (keyed by their source checksum) so that a run does not
        # recompile the same templates: generation time is dominated by that otherwise.
        cache = None
        if cache_dir is not None:
            try:
                os.makedirs(cache_dir, exist_ok=True)
                cache = jinja2.FileSystemBytecodeCache(cache_dir)
            except OSError:
                cache = None  # no cache: slower, same output
        self.env = jinja2.Environment(
            loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
            lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
            bytecode_cache=cache)
        self.env.filters.update(c_spec=c_spec, c_expr=c_expr, c_param=c_param,
                                c_params=c_params, c_typedef=c_typedef, c_stars=c_stars,
                                c_scode=c_scode, c_string=c_string,
                                attr_text=attr_text, checks_text=checks_text,
                                guid_text=guid_text, this_params=this_params,
                                call_args=call_args)
        orig = loader.get_source

        def tracking_get_source(env, name):
            src = orig(env, name)
            self.loaded.add(src[1])
            return src
        loader.get_source = tracking_get_source  # the depfile lists every template used

    def render(self, template: str, **ctx) -> str:
        text = self.env.get_template(template).render(**ctx)
        return _tidy(text)


def _tidy(text: str) -> str:
    """Collapse runs of blank lines so the output reads like handwritten C."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
