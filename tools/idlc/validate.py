"""Semantic checks and symbol tables. Reports every problem it finds; raises nothing itself."""
from __future__ import annotations

from typing import Optional

from . import model as m
from .diag import Loc, Reporter
from .loader import Program

BUILTIN_TYPES = {
    "void", "char", "signed char", "unsigned char", "short", "unsigned short", "int",
    "unsigned int", "long", "unsigned long", "long long", "unsigned long long", "float", "double",
    "long double", "char16_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t",
    "uint32_t", "uint64_t", "intptr_t", "uintptr_t", "size_t", "ptrdiff_t",
}
# Builtin integer types: (signed, bytes) on x86_64 Linux.
BUILTIN_INTS = {
    "char": (True, 1), "signed char": (True, 1), "unsigned char": (False, 1),
    "short": (True, 2), "unsigned short": (False, 2), "int": (True, 4), "unsigned int": (False, 4),
    "long": (True, 8), "unsigned long": (False, 8), "long long": (True, 8),
    "unsigned long long": (False, 8), "char16_t": (False, 2), "int8_t": (True, 1),
    "int16_t": (True, 2), "int32_t": (True, 4), "int64_t": (True, 8), "uint8_t": (False, 1),
    "uint16_t": (False, 2), "uint32_t": (False, 4), "uint64_t": (False, 8),
    "intptr_t": (True, 8), "uintptr_t": (False, 8), "size_t": (False, 8), "ptrdiff_t": (True, 8),
}
PARAM_ATTRS = {"in", "out", "unique", "size_is", "string", "tstring", "iid_is", "flags", "values",
               "reserved", "proptag", "proptags", "entryid", "length_is", "ref", "ptr",
               "switch_is", "retval", "objtype"}
COCLASS_ATTRS = {"component", "novalidate", "static", "fenced"}
TSTRING_TYPES = {"PT_TSTRING": ("PT_STRING8", "PT_UNICODE"),
                 "PT_MV_TSTRING": ("PT_MV_STRING8", "PT_MV_UNICODE")}


class Symbols:
    def __init__(self) -> None:
        self.ordinary: dict[str, tuple[str, object, Loc]] = {}
        self.tags: dict[str, tuple[object, Loc]] = {}
        self.typedefs: dict[str, tuple[m.TypeSpec, m.Declarator]] = {}
        self.interfaces: dict[str, m.Interface] = {}
        self.iface_file: dict[str, str] = {}
        self.consts: dict[str, m.Expr] = {}  # name -> expression
        self.flagsets: dict[str, m.FlagSet] = {}
        self.values: dict[str, Optional[int]] = {}  # evaluated constants
        self.coclasses: dict[str, m.Coclass] = {}

    def value(self, name: str) -> Optional[int]:
        return self.values.get(name)


class Checker:
    def __init__(self, prog: Program, rep: Reporter):
        self.prog = prog
        self.rep = rep
        self.sym = Symbols()
        self._evaluating: set[str] = set()

    # ---- symbol collection ----
    def define(self, name: str, kind: str, node, loc: Loc) -> None:
        prev = self.sym.ordinary.get(name)
        if prev is not None:
            self.rep.error(loc, f"redefinition of '{name}'",
                           (prev[2], f"'{name}' was first defined here as {prev[0]}"))
            return
        self.sym.ordinary[name] = (kind, node, loc)

    def define_tag(self, kind: str, tag: str, node, loc: Loc) -> None:
        key = f"{kind} {tag}"
        prev = self.sym.tags.get(key)
        if prev is not None:
            self.rep.error(loc, f"redefinition of '{key}'", (prev[1], "first defined here"))
            return
        self.sym.tags[key] = (node, loc)

    def collect_spec(self, spec: m.TypeSpec) -> None:
        if isinstance(spec, m.RecordType):
            if spec.tag:
                self.define_tag(spec.kind, spec.tag, spec, spec.loc)
            for f in spec.fields or ():
                self.collect_spec(f.spec)
        elif isinstance(spec, m.EnumType):
            if spec.tag:
                self.define_tag("enum", spec.tag, spec, spec.loc)
            for it in spec.items:
                self.define(it.name, "an enumerator", it, it.loc)
                self.sym.consts[it.name] = it.value  # None: previous + 1 (resolved below)

    def collect(self) -> None:
        for f in self.prog.files.values():
            for d in f.decls:
                if isinstance(d, m.Const):
                    self.define(d.name, "a constant", d, d.loc)
                    self.sym.consts[d.name] = d.value
                elif isinstance(d, m.Typedef):
                    self.collect_spec(d.spec)
                    for dc in d.decls:
                        if dc.name is None:
                            self.rep.error(dc.loc, "typedef needs a name")
                            continue
                        self.define(dc.name, "a type", d, dc.loc)
                        if m.attr(d.attrs, "cxx_reference") is not None and \
                                (len(d.decls) != 1 or not dc.ptrs):
                            self.rep.error(dc.loc, "[cxx_reference] needs a single pointer "
                                           "typedef")
                        self.sym.typedefs[dc.name] = (d.spec, dc)
                elif isinstance(d, m.TypeDecl):
                    self.collect_spec(d.spec)
                elif isinstance(d, m.Interface):
                    if d.methods is None:
                        continue
                    self.define(d.name, "an interface", d, d.loc)
                    self.sym.interfaces[d.name] = d
                    self.sym.iface_file[d.name] = f.path
                    self.define(ptrtype(d), "a pointer type", d, d.loc)
                    self.sym.typedefs[ptrtype(d)] = (
                        m.NamedType(d.name, False, d.loc),
                        m.Declarator(ptrtype(d), (False,), (), None, 0, False, d.loc))
                    if m.attr(d.attrs, "uuid") is not None:
                        self.define(iid_name(d), "a GUID", d, d.loc)
                elif isinstance(d, m.Function):
                    self.define(d.name, "a function", d, d.loc)
                elif isinstance(d, m.Scode):
                    self.define(d.name, "a status code", d, d.loc)
                    self.sym.consts[d.name] = d.value
                elif isinstance(d, m.Property):
                    if d.ptype.name in TSTRING_TYPES:
                        for suffix in ("_A", "_W", ""):
                            self.define(d.name + suffix, "a property tag", d, d.loc)
                    else:
                        self.define(d.name, "a property tag", d, d.loc)
                elif isinstance(d, m.FlagSet):
                    self.define(d.name, f"a {d.kind}", d, d.loc)
                    self.sym.flagsets[d.name] = d
                    for mem in d.members:
                        if mem.value is not None:
                            self.define(mem.name, "a constant", mem, mem.loc)
                            self.sym.consts[mem.name] = mem.value
                elif isinstance(d, m.Guid):
                    self.define(d.name, "a GUID", d, d.loc)
                elif isinstance(d, m.Coclass):
                    prev = self.sym.coclasses.get(d.name)
                    if prev is not None:
                        self.rep.error(d.loc, f"redefinition of coclass '{d.name}'",
                                       (prev.loc, "first defined here"))
                    else:
                        self.sym.coclasses[d.name] = d
                elif isinstance(d, m.MethodList):
                    # The list is also the enumeration's type name (an int-sized enum).
                    self.define(d.name, "a type", d, d.loc)
                    self.sym.typedefs[d.name] = (
                        m.NamedType("int", False, d.loc),
                        m.Declarator(d.name, (), (), None, 0, False, d.loc))

    # ---- constant evaluation ----
    def evaluate_all(self) -> None:
        # enumerators without a value follow the previous one
        for f in self.prog.files.values():
            for d in f.decls:
                for spec in _specs_of(d):
                    for e in _enums_in(spec):
                        prev: Optional[m.Expr] = None
                        for i, it in enumerate(e.items):
                            if it.value is None:
                                one = m.Num("1", 1, it.loc)
                                self.sym.consts[it.name] = (m.Binary("+", prev, one, it.loc)
                                                            if prev is not None
                                                            else m.Num("0", 0, it.loc))
                            prev = m.Name(it.name, it.loc)
        for name in list(self.sym.consts):
            self.const_value(name, None)
        self.check_const_ranges()
        for f in self.prog.files.values():
            for d in f.decls:
                if isinstance(d, m.Property):
                    self.property_values(d)

    def const_value(self, name: str, use: Optional[Loc]) -> Optional[int]:
        if name in self.sym.values:
            return self.sym.values[name]
        if name not in self.sym.consts:
            if use is not None:
                self.rep.error(use, f"'{name}' is not an integer constant")
            return None
        if name in self._evaluating:
            if use is not None:
                self.rep.error(use, f"constant '{name}' is defined in terms of itself")
            return None
        # Constants this one names are evaluated first, depth first with an explicit stack:
        # a chain of constants (an enum's implicit `previous + 1`) may be longer than Python's
        # recursion limit. A name met again while its own evaluation is open is a cycle, which
        # eval reports where it is used.
        stack = [name]
        while stack:
            n = stack[-1]
            if n in self.sym.values:
                stack.pop()
                continue
            if n not in self._evaluating:
                self._evaluating.add(n)
                for ref in reversed(_expr_names(self.sym.consts[n])):
                    if ref.name in self.sym.consts and ref.name not in self.sym.values and \
                            ref.name not in self._evaluating:
                        stack.append(ref.name)
                continue
            stack.pop()
            v = self.eval(self.sym.consts[n])
            self._evaluating.discard(n)
            self.sym.values[n] = v
        return self.sym.values[name]

    def eval(self, e: m.Expr) -> Optional[int]:
        """The value of e, every step within 64 bits (signed or unsigned), as in C where no
        integer type is wider; None after reporting an error."""
        if isinstance(e, m.Num):
            return e.value
        if isinstance(e, m.Name):
            return self.const_value(e.name, e.loc)
        if isinstance(e, m.Unary):
            v = self.eval(e.operand)
            if v is None:
                return None
            return self.in_range({"-": -v, "~": ~v, "+": v}[e.op], e.loc)
        a, b = self.eval(e.left), self.eval(e.right)
        if a is None or b is None:
            return None
        if e.op in ("/", "%") and b == 0:
            self.rep.error(e.loc, "division by zero in constant expression")
            return None
        if e.op in ("<<", ">>") and not 0 <= b < 64:
            self.rep.error(e.loc, "shift count out of range")
            return None
        if e.op in ("/", "%"):
            # C truncates toward zero; integers only (a float quotient loses bits past 2**53).
            q = abs(a) // abs(b)
            q = q if (a < 0) == (b < 0) else -q
            return self.in_range(q if e.op == "/" else a - q * b, e.loc)
        ops = {"|": lambda: a | b, "^": lambda: a ^ b, "&": lambda: a & b, "<<": lambda: a << b,
               ">>": lambda: a >> b, "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}
        return self.in_range(ops[e.op](), e.loc)

    def in_range(self, v: int, loc: Loc) -> Optional[int]:
        if not -(1 << 63) <= v < (1 << 64):
            self.rep.error(loc, "constant expression does not fit in 64 bits")
            return None
        return v

    def int_range(self, spec: m.TypeSpec) -> Optional[tuple[int, int, str]]:
        """(lowest, highest, C type) of an integer type, through typedefs; None otherwise."""
        seen = set()
        while isinstance(spec, m.NamedType) and spec.name not in seen:
            seen.add(spec.name)
            if spec.name in BUILTIN_INTS:
                signed, size = BUILTIN_INTS[spec.name]
                bits = 8 * size
                lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else \
                    (0, (1 << bits) - 1)
                return lo, hi, spec.name
            td = self.sym.typedefs.get(spec.name)
            if td is None or td[1].ptrs or td[1].arrays or td[1].params is not None:
                return None
            spec = td[0]
        return None

    def check_const_ranges(self) -> None:
        """A constant's value must fit its C type (an enumerator's, int)."""
        for f in self.prog.files.values():
            for d in f.decls:
                if isinstance(d, m.Const):
                    r = self.int_range(d.spec)
                    v = self.sym.values.get(d.name)
                    if r is not None and v is not None and not r[0] <= v <= r[1]:
                        self.rep.error(d.loc, f"value {v} of '{d.name}' does not fit its type "
                                       f"({r[2]}: {r[0]}..{r[1]})")
                for spec in _specs_of(d):
                    for e in _enums_in(spec):
                        for it in e.items:
                            v = self.sym.values.get(it.name)
                            if v is not None and not -(1 << 31) <= v < (1 << 31):
                                self.rep.error(it.loc, f"value {v} of enumerator '{it.name}' "
                                               "does not fit in an int")

    def property_values(self, p: m.Property) -> None:
        pid = self.eval(p.pid)
        if pid is not None and not 0 <= pid <= 0xFFFF:
            self.rep.error(p.pid.loc if hasattr(p.pid, "loc") else p.loc,
                           f"property ID 0x{pid:X} of '{p.name}' is out of range (0..0xFFFF)")
            pid = None
        if p.ptype.name in TSTRING_TYPES:
            a, w = TSTRING_TYPES[p.ptype.name]
            ta = self.const_value(a, p.ptype.loc)
            tw = self.const_value(w, p.ptype.loc)
            if pid is not None and ta is not None and tw is not None:
                self.sym.values[p.name + "_A"] = (pid << 16) | ta
                self.sym.values[p.name + "_W"] = (pid << 16) | tw
        else:
            t = self.const_value(p.ptype.name, p.ptype.loc)
            if pid is not None and t is not None:
                self.sym.values[p.name] = (pid << 16) | (t & 0xFFFF)

    # ---- types ----
    def check_spec(self, spec: m.TypeSpec, pointer: bool) -> None:
        if isinstance(spec, m.NamedType):
            n = spec.name
            if n in BUILTIN_TYPES or n in self.sym.typedefs or n in self.sym.interfaces:
                return
            if n.startswith(("struct ", "union ")):
                if pointer or n in self.sym.tags:
                    return
                self.rep.error(spec.loc, f"incomplete type '{n}' used by value")
                return
            if n.startswith("enum ") and n in self.sym.tags:
                return
            if n in self.sym.ordinary:
                self.rep.error(spec.loc, f"'{n}' is {self.sym.ordinary[n][0]}, not a type",
                               (self.sym.ordinary[n][2], f"'{n}' is defined here"))
                return
            self.rep.error(spec.loc, f"unknown type '{n}' (types written only in cpp_quote are "
                           "invisible to idlc: declare them with typedef, see docs/idl.md)")
        elif isinstance(spec, m.RecordType):
            seen: dict[str, Loc] = {}
            for f in spec.fields or ():
                self.check_spec(f.spec, bool(f.decl.ptrs) or f.decl.params is not None)
                self.check_declarator(f.decl)
                if f.decl.name is not None:
                    if f.decl.name in seen:
                        self.rep.error(f.decl.loc, f"duplicate member '{f.decl.name}'",
                                       (seen[f.decl.name], "previous declaration is here"))
                    seen[f.decl.name] = f.decl.loc
            names = set(seen)
            for f in spec.fields or ():
                for a in f.attrs:
                    if a.name in ("size_is", "length_is", "switch_is"):
                        for ref in _names_in_args(a.args):
                            if ref.name not in names and ref.name not in self.sym.consts:
                                self.rep.error(ref.loc, f"{a.name}({ref.name}) names no member "
                                               f"of this {spec.kind}")
        elif isinstance(spec, m.EnumType):
            for it in spec.items:
                if it.value is not None:
                    self.eval_names(it.value)

    def check_declarator(self, d: m.Declarator) -> None:
        for a in d.arrays:
            if a is not None:
                self.eval_names(a)
        if d.params is not None:
            self.check_params(d.params, None)

    def eval_names(self, e: m.Expr) -> None:
        for n in _expr_names(e):
            if n.name not in self.sym.consts:
                self.rep.error(n.loc, f"'{n.name}' is not an integer constant")

    def check_params(self, params: tuple[m.Param, ...], where: Optional[str]) -> None:
        names: dict[str, Loc] = {}
        for p in params:
            self.check_spec(p.spec, bool(p.decl.ptrs))
            self.check_declarator(p.decl)
            if p.decl.name in names:
                self.rep.error(p.loc, f"duplicate parameter '{p.decl.name}'",
                               (names[p.decl.name], "previous parameter is here"))
            elif p.decl.name:
                names[p.decl.name] = p.loc
        for p in params:
            self.check_param_attrs(p, names)

    def check_param_attrs(self, p: m.Param, names: dict[str, Loc]) -> None:
        for a in p.attrs:
            if a.name not in PARAM_ATTRS:
                self.rep.error(a.loc, f"unknown parameter attribute '{a.name}'")
                continue
            if a.name in ("tstring", "entryid", "iid_is", "objtype") and a.args and \
                    (len(a.args) != 1 or not isinstance(a.args[0], m.Name)):
                self.rep.error(a.loc, f"{a.name}(...) takes the name of one parameter")
                continue
            if a.name in ("size_is", "length_is", "iid_is", "tstring", "entryid", "objtype"):
                refs = _names_in_args(a.args)
                if not a.args:
                    self.rep.error(a.loc, f"{a.name} needs an argument")
                params_only = a.name in ("tstring", "entryid", "iid_is", "objtype")
                for ref in refs:
                    if ref.name not in names and (params_only or ref.name not in self.sym.consts):
                        self.rep.error(ref.loc, f"{a.name}({ref.name}) names no parameter")
            if a.name in ("flags", "values"):
                self.check_set_ref(a)
        if m.attr(p.attrs, "out") is not None and not self.is_pointer(p.spec, p.decl):
            self.rep.error(p.loc, f"[out] parameter '{p.decl.name}' is not a pointer")

    def check_set_ref(self, a: m.Attr) -> None:
        want = "flagset" if a.name == "flags" else "valueset"
        if len(a.args) != 1 or not isinstance(a.args[0], m.Name):
            self.rep.error(a.loc, f"{a.name}(...) takes one {want} name")
            return
        fs = self.sym.flagsets.get(a.args[0].name)
        if fs is None:
            self.rep.error(a.args[0].loc, f"unknown {want} '{a.args[0].name}'")
        elif fs.kind != want:
            self.rep.error(a.args[0].loc, f"'{fs.name}' is a {fs.kind}, not a {want}",
                           (fs.loc, f"'{fs.name}' is defined here"))

    def is_pointer(self, spec: m.TypeSpec, d: Optional[m.Declarator]) -> bool:
        if d is not None and (d.ptrs or d.arrays or d.fn_ptrs):
            return True
        seen = set()
        while isinstance(spec, m.NamedType) and spec.name in self.sym.typedefs:
            if spec.name in seen:
                return False
            seen.add(spec.name)
            spec, td = self.sym.typedefs[spec.name]
            if td.ptrs or td.arrays or td.fn_ptrs:
                return True
        return False

    # ---- interfaces ----
    def check_interfaces(self) -> None:
        uuids: dict[str, tuple[str, Loc]] = {}
        for f in self.prog.files.values():
            for d in f.decls:
                u = None
                if isinstance(d, m.Interface) and d.methods is not None:
                    self.check_interface(d)
                    a = m.attr(d.attrs, "uuid")
                    u = a.args[0] if a and a.args and isinstance(a.args[0], m.Uuid) else None
                elif isinstance(d, m.Guid):
                    u = d.uuid
                if u is not None and u.text is not None:
                    if u.text in uuids:
                        prev = uuids[u.text]
                        self.rep.error(u.loc, f"uuid {u.text} of '{d.name}' is already used by "
                                       f"'{prev[0]}'", (prev[1], "first used here"))
                    else:
                        uuids[u.text] = (d.name, u.loc)
                if isinstance(d, m.Function):
                    self.check_spec(d.ret, bool(d.ret_ptrs))
                    self.check_params(d.params, d.name)
                elif isinstance(d, (m.Typedef, m.TypeDecl)):
                    self.check_spec(d.spec, any(dc.ptrs or dc.params is not None
                                                for dc in getattr(d, "decls", ())))
                    for dc in getattr(d, "decls", ()):
                        self.check_declarator(dc)
                elif isinstance(d, m.Const):
                    self.check_spec(d.spec, False)
                elif isinstance(d, m.FlagSet):
                    self.check_flagset(d)
                elif isinstance(d, m.MethodList):
                    self.check_method_list(d)
                elif isinstance(d, m.Property):
                    for a in d.attrs:
                        if a.name not in ("pidtag", "flags", "values"):
                            self.rep.error(a.loc, f"unknown property attribute '{a.name}'")
                        elif a.name in ("flags", "values"):
                            self.check_set_ref(a)
                elif isinstance(d, m.Scode):
                    v = self.sym.value(d.name)
                    if v is not None and not -0x80000000 <= v <= 0xFFFFFFFF:
                        self.rep.error(d.loc, f"status code '{d.name}' does not fit 32 bits")

    def check_interface(self, itf: m.Interface) -> None:
        if m.attr(itf.attrs, "object") is None:
            self.rep.error(itf.loc, f"interface '{itf.name}' needs the [object] attribute")
        if m.attr(itf.attrs, "uuid") is None:
            # Without uuid(...), iid(NAME) may name a `guid` declared elsewhere (mapiguid.idl
            # declares IID_ISpoolerHook, IID_ITNEF and the form IIDs for their own headers).
            prev = self.sym.ordinary.get(iid_name(itf))
            if m.attr(itf.attrs, "iid") is None or prev is None or \
                    not isinstance(prev[1], m.Guid):
                self.rep.error(itf.loc, f"interface '{itf.name}' needs a uuid(...) attribute, "
                               "or iid(NAME) naming a declared guid")
        # inheritance chain: cycles and unknown bases
        chain = [itf.name]
        cur = itf
        while cur.base is not None:
            base = self.sym.interfaces.get(cur.base)
            if base is None:
                self.rep.error(cur.base_loc, f"unknown base interface '{cur.base}'")
                return
            if base.name in chain:
                if cur is itf or base.name == itf.name:
                    self.rep.error(itf.base_loc or itf.loc, "inheritance cycle: "
                                   + " -> ".join(chain + [base.name]))
                return
            chain.append(base.name)
            cur = base
        if itf.base is None and itf.name != "IUnknown":
            self.rep.error(itf.loc, f"interface '{itf.name}' must derive from another interface")
        for meth in itf.methods or ():
            a = m.attr(meth.attrs, "part")
            if a is not None and (len(a.args) != 1 or not isinstance(a.args[0], m.Name)):
                self.rep.error(a.loc, "part(...) takes the name of a macro")
        inherited: dict[str, tuple[str, Loc]] = {}
        for bname in chain[1:]:
            for meth in self.sym.interfaces[bname].methods or ():
                inherited.setdefault(meth.name, (bname, meth.loc))
        own: dict[str, Loc] = {}
        for meth in itf.methods or ():
            if meth.name in own:
                self.rep.error(meth.loc, f"duplicate method '{meth.name}' in '{itf.name}'",
                               (own[meth.name], "previous declaration is here"))
            elif meth.name in inherited:
                b, loc = inherited[meth.name]
                self.rep.error(meth.loc, f"method '{meth.name}' redefines the method inherited "
                               f"from '{b}'", (loc, "inherited method is declared here"))
            own[meth.name] = meth.loc
            for a in meth.attrs:
                if a.name == "unrevoked" and a.args:
                    self.rep.error(a.loc, "unrevoked takes no arguments")
                elif a.name == "unrevoked" and not meth.ret_ptrs and \
                        getattr(meth.ret, "name", None) in ("HRESULT", "SCODE"):
                    self.rep.error(a.loc, f"method '{meth.name}' returns an HRESULT: a revoked "
                                   "proxy answers MAPI_E_END_OF_SESSION, it cannot be unrevoked")
            self.check_spec(meth.ret, bool(meth.ret_ptrs))
            self.check_params(meth.params, meth.name)

    def check_method_list(self, ml: m.MethodList) -> None:
        seen: dict[str, Loc] = {}
        for n in ml.interfaces:
            if n.name not in self.sym.interfaces:
                self.rep.error(n.loc, f"'{n.name}' is not a defined interface")
            elif n.name in seen:
                self.rep.error(n.loc, f"interface '{n.name}' is listed twice",
                               (seen[n.name], "first listed here"))
            else:
                seen[n.name] = n.loc

    def check_flagset(self, fs: m.FlagSet) -> None:
        seen: dict[int, str] = {}
        if not fs.members and fs.kind == "valueset":
            self.rep.error(fs.loc, f"valueset '{fs.name}' is empty (an empty flagset is how a "
                           "reserved flags word is declared)")
        for mem in fs.members:
            if mem.value is None and mem.name not in self.sym.consts:
                self.rep.error(mem.loc, f"'{mem.name}' is not a defined constant "
                               f"(write '{mem.name} = value' to define it here)")
                continue
            v = self.sym.value(mem.name)
            if v is None:
                continue
            if fs.kind == "flagset" and v == 0:
                self.rep.error(mem.loc, f"flag '{mem.name}' of flagset '{fs.name}' is zero")
            if v in seen:
                self.rep.error(mem.loc, f"'{mem.name}' has the same value 0x{v & 0xFFFFFFFF:X} "
                               f"as '{seen[v]}' in {fs.kind} '{fs.name}'")
            seen.setdefault(v, mem.name)

    # ---- coclasses ----
    def inheritance(self, name: str) -> list[str]:
        """name, its base, ..., IUnknown (the interface is known and checked)."""
        out = [name]
        cur = self.sym.interfaces[name]
        while cur.base is not None and cur.base in self.sym.interfaces and cur.base not in out:
            out.append(cur.base)
            cur = self.sym.interfaces[cur.base]
        return out

    def slots(self, name: str) -> dict[str, tuple[str, m.Method]]:
        """Every method of the interface's vtable: name -> (declaring interface, method)."""
        out: dict[str, tuple[str, m.Method]] = {}
        for iname in reversed(self.inheritance(name)):
            for meth in self.sym.interfaces[iname].methods or ():
                out.setdefault(meth.name, (iname, meth))
        return out

    def check_coclass(self, co: m.Coclass) -> None:
        for a in co.attrs:
            if a.name not in COCLASS_ATTRS:
                self.rep.error(a.loc, f"unknown coclass attribute '{a.name}'")
            elif a.name == "component" and (len(a.args) != 1 or not isinstance(a.args[0], str)):
                self.rep.error(a.loc, "component(...) takes one string")
            elif a.name == "fenced" and a.args:
                self.rep.error(a.loc, "fenced takes no arguments")
        if not co.chains:
            self.rep.error(co.loc, f"coclass '{co.name}' has no interface")
        reached: dict[str, str] = {}  # interface -> the chain that answers it
        chain_locs: dict[str, Loc] = {}
        listed: dict[str, tuple] = {}  # body -> (chain, MethodRef, Method, origin) first listed
        for ch in co.chains:
            if ch.iface not in self.sym.interfaces:
                self.rep.error(ch.loc, f"unknown interface '{ch.iface}'")
                continue
            if ch.iface in chain_locs:
                self.rep.error(ch.loc, f"interface '{ch.iface}' is listed twice in coclass "
                               f"'{co.name}'", (chain_locs[ch.iface], "first listed here"))
                continue
            chain_locs[ch.iface] = ch.loc
            if ch.iface in reached:
                self.rep.error(ch.loc, f"interface '{ch.iface}' is already reached through the "
                               f"chain of '{reached[ch.iface]}': QueryInterface could never "
                               "return this vtable", (chain_locs[reached[ch.iface]],
                                                      "that chain is here"))
                continue
            for i in self.inheritance(ch.iface):
                reached.setdefault(i, ch.iface)
            slots = self.slots(ch.iface)
            seen: dict[str, Loc] = {}
            for mr in ch.methods:
                if mr.name in seen:
                    self.rep.error(mr.loc, f"method '{mr.name}' is listed twice for "
                                   f"'{ch.iface}'", (seen[mr.name], "first listed here"))
                    continue
                seen[mr.name] = mr.loc
                if mr.name not in slots:
                    self.rep.error(mr.loc, f"'{ch.iface}' has no method '{mr.name}'",
                                   (self.sym.interfaces[ch.iface].loc,
                                    f"'{ch.iface}' is declared here"))
                    continue
                origin, meth = slots[mr.name]
                if origin == "IUnknown":
                    self.rep.error(mr.loc, f"'{mr.name}' is generated by the object layer "
                                   "and cannot be listed")
                    continue
                prev = listed.get(mr.name)
                if prev is None:
                    listed[mr.name] = (ch.iface, mr, meth, origin)
                    continue
                if signature(meth) != signature(prev[2]):
                    self.rep.error(mr.loc, f"method '{mr.name}' of '{ch.iface}' has another "
                                   f"signature than '{mr.name}' of '{prev[0]}': one C body "
                                   "cannot implement both",
                                   (prev[1].loc, f"'{prev[0]}::{mr.name}' is listed here"),
                                   (meth.loc, f"'{origin}::{mr.name}' is "
                                              f"`{signature(meth)}`"),
                                   (prev[2].loc, f"'{prev[3]}::{mr.name}' is "
                                                 f"`{signature(prev[2])}`"))
                elif mr.extern != prev[1].extern:
                    self.rep.error(mr.loc, f"method '{mr.name}' is 'extern' in one chain and "
                                   "not in the other: it has one C body",
                                   (prev[1].loc, "first listed here"))
        delegated: dict[str, Loc] = {}
        method_delegated: dict[tuple[str, str], Loc] = {}
        for dg in co.delegates:
            if dg.iface not in self.sym.interfaces:
                self.rep.error(dg.loc, f"unknown interface '{dg.iface}'")
            elif dg.iface == "IUnknown":
                self.rep.error(dg.loc, "IUnknown is generated by the object layer and cannot "
                               "be delegated")
            elif not dg.methods and dg.iface in delegated:
                self.rep.error(dg.loc, f"interface '{dg.iface}' is delegated twice",
                               (delegated[dg.iface], "first delegated here"))
            elif dg.iface not in reached:
                self.rep.error(dg.loc, f"no interface of coclass '{co.name}' derives from "
                               f"'{dg.iface}': nothing to delegate")
            elif not dg.methods:
                delegated[dg.iface] = dg.loc
            else:
                self.check_method_delegate(dg, listed, method_delegated)

    def check_method_delegate(self, dg: m.Delegate, listed: dict[str, tuple],
                              method_delegated: dict[tuple[str, str], Loc]) -> None:
        """`delegate IFoo { M } to ...`: M is declared by IFoo itself, delegated once, and not
        also written by the C file (which of the two would the vtable call?)."""
        itf = self.sym.interfaces[dg.iface]
        own = {meth.name for meth in itf.methods or ()}
        for mr in dg.methods:
            key = (dg.iface, mr.name)
            if mr.name not in own:
                self.rep.error(mr.loc, f"'{dg.iface}' declares no method '{mr.name}'",
                               (itf.loc, f"'{dg.iface}' is declared here"))
            elif key in method_delegated:
                self.rep.error(mr.loc, f"method '{mr.name}' of '{dg.iface}' is delegated twice",
                               (method_delegated[key], "first delegated here"))
            elif mr.name in listed and listed[mr.name][3] == dg.iface:
                self.rep.error(mr.loc, f"method '{mr.name}' is listed (written by the C file) "
                               "and delegated: one of the two would never be called",
                               (listed[mr.name][1].loc, "listed here"))
            else:
                method_delegated[key] = mr.loc

    def run(self) -> Symbols:
        self.collect()
        self.evaluate_all()
        self.check_interfaces()
        for co in self.sym.coclasses.values():
            self.check_coclass(co)
        return self.sym


def _specs_of(d) -> list:
    if isinstance(d, (m.Typedef, m.TypeDecl)):
        return [d.spec]
    return []


def _enums_in(spec) -> list[m.EnumType]:
    if isinstance(spec, m.EnumType):
        return [spec]
    if isinstance(spec, m.RecordType):
        out = []
        for f in spec.fields or ():
            out.extend(_enums_in(f.spec))
        return out
    return []


def _expr_names(e) -> list[m.Name]:
    """The names an expression uses, left to right (without recursion)."""
    out, todo = [], [e]
    while todo:
        node = todo.pop()
        if isinstance(node, m.Name):
            out.append(node)
        elif isinstance(node, m.Unary):
            todo.append(node.operand)
        elif isinstance(node, m.Binary):
            todo.append(node.right)
            todo.append(node.left)
    return out


def _names_in_args(args) -> list[m.Name]:
    out = []
    for a in args:
        if not isinstance(a, (str, m.Uuid)):
            out.extend(_expr_names(a))
    return out


def signature(meth: m.Method) -> str:
    """A method's C type without parameter names: `HRESULT (ULONG, ULONG *)`."""
    from .cdecl import c_decl, c_ret
    params = ", ".join(c_decl(p.spec, p.decl._replace(name=None)) for p in meth.params)
    return f"{c_ret(meth.ret, meth.ret_ptrs)} ({params or 'void'})"


def ptrtype(itf: m.Interface) -> str:
    a = m.attr(itf.attrs, "ptrtype")
    if a and a.args and isinstance(a.args[0], m.Name):
        return a.args[0].name
    base = itf.name[1:] if itf.name.startswith("I") else itf.name
    return "LP" + base.upper()


def iid_name(itf: m.Interface) -> str:
    a = m.attr(itf.attrs, "iid")
    if a and a.args and isinstance(a.args[0], m.Name):
        return a.args[0].name
    return "IID_" + itf.name


def check(prog: Program, rep: Reporter) -> Symbols:
    return Checker(prog, rep).run()
