"""Lowering for the generated wrappers: what each parameter's attributes ask the validating
wrapper to check and the tracing wrapper to print. Pure data; templates only spell it."""
from __future__ import annotations

from typing import NamedTuple, Optional

from . import model as m
from .validate import BUILTIN_INTS, Symbols

UNICODE_FLAG = 0x80000000  # MAPI_UNICODE: selects UTF-16 for [tstring(flags)] parameters


class Check(NamedTuple):
    """One validation rule, in the order MAPI reports them."""
    kind: str  # 'nonnull', 'nonnull_if' (size_is), 'reserved', 'flags', 'values'
    param: str
    other: str = ""  # the count parameter of size_is
    mask: str = ""  # allowed bits (flags)
    values: tuple = ()  # allowed values (values)
    set: str = ""  # the flagset / valueset named by the attribute
    names: str = ""  # its members as GetLastError spells them: "A | B" (flags), "A, B" (values)


class TraceArg(NamedTuple):
    kind: str  # int, uint, fn, flags, values, tag, tags, entryid, stra, strw, strt, iid, ptr,
    #           record, float
    param: str
    set: str = ""  # flagset / valueset name
    other: str = ""  # count (entryid) or flags parameter (strt)
    out: str = ""  # for [out] pointers: 'int', 'uint', 'ptr' (what is printed after the call)


class Resolved(NamedTuple):
    depth: int  # pointer depth after resolving typedefs
    base: str  # 'int', 'uint', 'float', 'record', 'void', 'char', 'wchar', 'func', 'guid'
    cxxref: bool = False


class WrapperLowering:
    def __init__(self, sym: Symbols):
        self.sym = sym

    def resolve(self, spec: m.TypeSpec, d: Optional[m.Declarator]) -> Resolved:
        depth = len(d.ptrs) + len(d.arrays) if d else 0
        if d is not None and d.params is not None:
            return Resolved(depth + d.fn_ptrs, "func")
        cxxref = False
        seen: set[str] = set()
        while isinstance(spec, m.NamedType) and spec.name in self.sym.typedefs \
                and spec.name not in seen:
            seen.add(spec.name)
            if spec.name in ("GUID", "IID", "CLSID"):
                return Resolved(depth, "guid", cxxref)
            node = self.sym.ordinary[spec.name][1]
            if m.attr(node.attrs, "cxx_reference") is not None:
                cxxref = True
            spec, td = self.sym.typedefs[spec.name]
            if td.params is not None:
                return Resolved(depth + len(td.ptrs) + td.fn_ptrs, "func", cxxref)
            depth += len(td.ptrs) + len(td.arrays)
        if isinstance(spec, m.NamedType):
            n = spec.name
            if n in self.sym.interfaces:
                return Resolved(depth, "record", cxxref)
            if n in ("char", "signed char", "unsigned char") and depth:
                return Resolved(depth, "char", cxxref)
            if n == "char16_t":
                return Resolved(depth, "wchar", cxxref)
            if n in BUILTIN_INTS:
                return Resolved(depth, "int" if BUILTIN_INTS[n][0] else "uint", cxxref)
            if n in ("float", "double", "long double"):
                return Resolved(depth, "float", cxxref)
            if n == "void":
                return Resolved(depth, "void", cxxref)
            if n.startswith("enum "):
                return Resolved(depth, "int", cxxref)
            if n.startswith(("struct _GUID", "struct GUID")):
                return Resolved(depth, "guid", cxxref)
            return Resolved(depth, "record", cxxref)
        if isinstance(spec, m.EnumType):
            return Resolved(depth, "int", cxxref)
        return Resolved(depth, "record", cxxref)

    def flagset_values(self, name: str) -> list[int]:
        fs = self.sym.flagsets.get(name)
        if fs is None:
            return []
        return [v & 0xFFFFFFFF for v in (self.sym.value(mm.name) for mm in fs.members)
                if v is not None]

    def member_names(self, name: str) -> list[str]:
        fs = self.sym.flagsets.get(name)
        return [mm.name for mm in fs.members] if fs is not None else []

    def derived(self) -> set[str]:
        """Interfaces that other interfaces derive from."""
        if not hasattr(self, "_derived"):
            self._derived = {i.base for i in self.sym.interfaces.values() if i.base}
        return self._derived

    def iface_out(self, p: m.Param) -> tuple[str, str, str]:
        """For an [out] parameter that returns an interface pointer a proxy can wrap: (its
        interface, or "" when the IID is a parameter; the IID parameter; the object-type
        parameter). ("", "", "") for any other parameter. A pointer declared as an interface
        that others derive from is not wrapped: the caller may hold a more derived object and
        cast, which a face of the declared interface would not survive."""
        attrs = {a.name: a for a in p.attrs}
        if "out" not in attrs or "in" in attrs:
            return "", "", ""
        iid_is = attrs.get("iid_is")
        objtype = attrs.get("objtype")
        riid = iid_is.args[0].name if iid_is and iid_is.args and \
            isinstance(iid_is.args[0], m.Name) else ""
        otype = objtype.args[0].name if objtype and objtype.args and \
            isinstance(objtype.args[0], m.Name) else ""
        if riid or otype:
            r = self.resolve(p.spec, p.decl)
            return ("", riid, otype) if r.depth == 2 else ("", "", "")
        spec, depth = p.spec, len(p.decl.ptrs)
        if p.decl.arrays or p.decl.params is not None:
            return "", "", ""
        seen: set[str] = set()
        while isinstance(spec, m.NamedType) and spec.name in self.sym.typedefs \
                and spec.name not in seen and spec.name not in self.sym.interfaces:
            seen.add(spec.name)
            spec, td = self.sym.typedefs[spec.name]
            if td.arrays or td.params is not None:
                return "", "", ""
            depth += len(td.ptrs)
        if isinstance(spec, m.NamedType) and spec.name in self.sym.interfaces and depth == 2 \
                and spec.name not in self.derived():
            return spec.name, "", ""
        return "", "", ""

    def method(self, meth: m.Method) -> tuple[list[Check], list[TraceArg]]:
        checks: list[Check] = []
        flag_checks: list[Check] = []
        trace: list[TraceArg] = []
        for p in meth.params:
            name = p.decl.name
            r = self.resolve(p.spec, p.decl)
            attrs = {a.name: a for a in p.attrs}
            is_ptr = r.depth > 0 or r.cxxref or r.base == "func"
            size_is = attrs.get("size_is")
            count = size_is.args[0].name if size_is and size_is.args and \
                isinstance(size_is.args[0], m.Name) else ""
            if is_ptr and not r.cxxref and "unique" not in attrs:
                if count:
                    checks.append(Check("nonnull_if", name, other=count))
                elif "in" in attrs or "out" in attrs:
                    checks.append(Check("nonnull", name))
            elif r.cxxref and "unique" not in attrs:
                checks.append(Check("nonnull", name))
            if "reserved" in attrs:
                checks.append(Check("reserved", name))
            set_name = ""
            if "flags" in attrs and attrs["flags"].args:
                set_name = attrs["flags"].args[0].name
                mask = 0
                for v in self.flagset_values(set_name):
                    mask |= v
                flag_checks.append(Check("flags", name, mask=f"0x{mask:08X}u", set=set_name,
                                         names=" | ".join(self.member_names(set_name))))
            if "values" in attrs and attrs["values"].args:
                set_name = attrs["values"].args[0].name
                vals = sorted(set(self.flagset_values(set_name)))
                checks.append(Check("values", name, values=[f"0x{v:08X}u" for v in vals],
                                    set=set_name,
                                    names=", ".join(self.member_names(set_name))))
            trace.append(self.trace_arg(p, r, attrs, set_name))
        # MAPI reports a bad pointer before an unknown flag.
        return checks + flag_checks, trace

    def trace_arg(self, p: m.Param, r: Resolved, attrs: dict, set_name: str) -> TraceArg:
        name = p.decl.name
        if r.base == "func":
            return TraceArg("fn", name)
        if "flags" in attrs:
            return TraceArg("flags", name, set=set_name)
        if "values" in attrs:
            return TraceArg("values", name, set=set_name)
        if "proptag" in attrs and r.depth == 0:
            return TraceArg("tag", name)
        if "proptags" in attrs:
            return TraceArg("tags", name)
        if "entryid" in attrs and attrs["entryid"].args:
            return TraceArg("entryid", name, other=attrs["entryid"].args[0].name)
        if "tstring" in attrs and attrs["tstring"].args:
            return TraceArg("strt", name, other=attrs["tstring"].args[0].name)
        if r.base == "char" and r.depth == 1 and ("string" in attrs or "in" in attrs):
            return TraceArg("stra", name)
        if r.base == "wchar" and r.depth == 1 and ("string" in attrs or "in" in attrs):
            return TraceArg("strw", name)
        if r.base == "guid" and (r.depth == 1 or r.cxxref) and "out" not in attrs:
            return TraceArg("iid", name)
        if r.depth == 0 and not r.cxxref:
            if r.base in ("int", "uint"):
                return TraceArg(r.base, name)
            if r.base == "float":
                return TraceArg("float", name)
            return TraceArg("record", name)
        out = ""
        if "out" in attrs and r.depth == 1 and r.base in ("int", "uint"):
            out = r.base
        elif "out" in attrs and r.depth >= 2:
            out = "ptr"
        return TraceArg("ptr", name, out=out)
