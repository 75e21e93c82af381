"""C spellings of model nodes. Used as Jinja2 filters; no decisions about what to emit."""
from __future__ import annotations

from . import model as m

_PREC = {"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def c_expr(e: m.Expr) -> str:
    if isinstance(e, m.Num):
        return e.text
    if isinstance(e, m.Name):
        return e.name
    if isinstance(e, m.Unary):
        inner = c_expr(e.operand)
        if isinstance(e.operand, m.Binary):
            inner = f"({inner})"
        return e.op + inner
    out = []
    for side in (e.left, e.right):
        s = c_expr(side)
        if isinstance(side, m.Binary):
            s = f"({s})"
        out.append(s)
    return f"{out[0]} {e.op} {out[1]}"


def c_spec(spec: m.TypeSpec, indent: str = "") -> str:
    if isinstance(spec, m.NamedType):
        return ("const " if spec.const else "") + spec.name
    if isinstance(spec, m.EnumType):
        head = "enum" + (f" {spec.tag}" if spec.tag else "")
        items = []
        for it in spec.items:
            items.append(f"{indent}    {it.name}" + (f" = {c_expr(it.value)}" if it.value else ""))
        return head + " {\n" + ",\n".join(items) + "\n" + indent + "}"
    head = spec.kind + (f" {spec.tag}" if spec.tag else "")
    if spec.fields is None:
        return head
    lines = [head + " {"]
    for f in spec.fields:
        # Anonymous members are C11 but an extension in C++: say so, for -pedantic builds.
        ext = "__extension__ " if f.decl.name is None else ""
        lines.append(f"{indent}    {ext}{c_decl(f.spec, f.decl, indent + '    ')};")
    lines.append(indent + "}")
    return "\n".join(lines)


def c_declarator(d: m.Declarator) -> str:
    stars = "".join("*const " if c else "*" for c in d.ptrs)
    name = d.name or ""
    arrays = "".join(f"[{c_expr(a)}]" if a is not None else "[]" for a in d.arrays)
    if d.params is not None:
        inner = "*" * d.fn_ptrs + name + arrays
        if d.paren:
            inner = f"({inner})"
        return f"{stars}{inner}({c_params(d.params)})"
    return f"{stars}{name}{arrays}"


def c_decl(spec: m.TypeSpec, d: m.Declarator, indent: str = "") -> str:
    text = c_declarator(d)
    base = c_spec(spec, indent)
    if not text:
        return base
    if text.startswith("*"):
        return f"{base} {text}"
    return f"{base} {text}"


def c_param(p: m.Param) -> str:
    return c_decl(p.spec, p.decl)


def c_params(params) -> str:
    if not params:
        return "void"
    return ", ".join(c_param(p) for p in params)


def c_ret(spec: m.TypeSpec, ptrs: tuple[bool, ...]) -> str:
    return c_spec(spec) + ("" if not ptrs else " " + "".join("*const" if c else "*" for c in ptrs))
