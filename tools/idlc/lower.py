"""Lowering: the checked model -> plain view models (C names, slot lists) for the templates."""
from __future__ import annotations

from typing import NamedTuple, Optional

from . import model as m
from .cdecl import c_decl, c_params, c_ret, c_spec
from .loader import Program, closure
from .wrappers import WrapperLowering
from .validate import TSTRING_TYPES, Symbols, iid_name, ptrtype


class GuidVM(NamedTuple):
    name: str
    d1: str
    d2: str
    d3: str
    bytes: list[str]


class MethodVM(NamedTuple):
    name: str
    origin: str  # interface that declares it
    ret: str
    ret_prefix: str  # the return type as written before a name: "HRESULT ", "void *"
    returns: str  # 'hresult', 'void', 'value'
    params: list[m.Param]
    param_names: list[str]
    c_zeros: list[str]  # an argument of each parameter's type, for generated self-tests
    cxx_zeros: list[str]
    checks: list  # wrappers.Check, for the validating wrapper
    trace: list  # wrappers.TraceArg, for the tracing wrapper
    node: m.Method


class InterfaceVM(NamedTuple):
    name: str
    base: Optional[str]
    iid: str
    guid: Optional[GuidVM]
    ptrtype: str
    methods_macro: str
    macro_own: list[MethodVM]  # own methods in methods_macro (a [macro(M)] method has its own)
    own: list[MethodVM]
    slots: list[MethodVM]
    chain: list[str]  # self, base, ..., IUnknown
    chain_iids: list[str]
    node: m.Interface


class Item(NamedTuple):
    kind: str
    node: object
    extra: Optional[dict] = None


class FileVM(NamedTuple):
    path: str
    stem: str
    guard: str
    includes: list[str]
    items: list[Item]
    interfaces: list[InterfaceVM]


def guid_vm(name: str, text: str) -> GuidVM:
    parts = text.split("-")
    tail = parts[3] + parts[4]
    return GuidVM(name, "0x" + parts[0].lower(), "0x" + parts[1].lower(), "0x" + parts[2].lower(),
                  ["0x" + tail[i:i + 2].lower() for i in range(0, 16, 2)])


def _uuid_text(attrs) -> Optional[str]:
    a = m.attr(attrs, "uuid")
    if a and a.args and isinstance(a.args[0], m.Uuid):
        return a.args[0].text
    return None


class Lowerer:
    def __init__(self, prog: Program, sym: Symbols):
        self.prog = prog
        self.sym = sym
        self._itf: dict[str, InterfaceVM] = {}
        self._methods: dict[tuple[str, str], MethodVM] = {}  # inherited slots are lowered once
        self.wrap = WrapperLowering(sym)

    def method(self, meth: m.Method, origin: str) -> MethodVM:
        vm = self._methods.get((origin, meth.name))
        if vm is None:
            vm = self._methods[(origin, meth.name)] = self._method(meth, origin)
        return vm

    def _method(self, meth: m.Method, origin: str) -> MethodVM:
        ret = c_ret(meth.ret, meth.ret_ptrs)
        if ret in ("HRESULT", "SCODE"):
            returns = "hresult"
        elif ret == "void":
            returns = "void"
        else:
            returns = "value"
        kinds = [self.param_kind(p) for p in meth.params]
        c_zeros = [{"scalar": "0", "record": f"({k[1]}){{0}}", "cxxref": "&idlc_zero_guid"}[k[0]]
                   for k in kinds]
        cxx_zeros = [{"scalar": "0", "record": f"{k[1]}()", "cxxref": "idlc_zero_guid"}[k[0]]
                     for k in kinds]
        checks, trace = self.wrap.method(meth)
        return MethodVM(meth.name, origin, ret, ret if ret.endswith("*") else ret + " ", returns, list(meth.params),
                        [p.decl.name for p in meth.params], c_zeros, cxx_zeros, checks, trace,
                        meth)

    def param_kind(self, p: m.Param) -> tuple[str, str]:
        """'scalar' (integer, float, pointer), 'record' (struct/union by value) or 'cxxref'."""
        d = p.decl
        if d.ptrs or d.arrays or d.params is not None:
            return ("scalar", "")
        spec = p.spec
        seen: set[str] = set()
        while isinstance(spec, m.NamedType) and spec.name in self.sym.typedefs \
                and spec.name not in seen:
            seen.add(spec.name)
            tname = spec.name
            spec, td = self.sym.typedefs[spec.name]
            node = self.sym.ordinary[tname][1]
            if m.attr(node.attrs, "cxx_reference") is not None:
                return ("cxxref", tname)
            if td.ptrs or td.arrays or td.params is not None or td.fn_ptrs:
                return ("scalar", "")
            if isinstance(spec, m.RecordType) or (isinstance(spec, m.NamedType) and
                                                   spec.name.startswith(("struct ", "union "))):
                return ("record", p.spec.name)
        if isinstance(spec, m.RecordType):
            return ("record", c_spec(p.spec))
        return ("scalar", "")

    def interface(self, name: str) -> InterfaceVM:
        if name in self._itf:
            return self._itf[name]
        itf = self.sym.interfaces[name]
        chain = [name]
        cur = itf
        while cur.base is not None:
            chain.append(cur.base)
            cur = self.sym.interfaces[cur.base]
        slots: list[MethodVM] = []
        for iname in reversed(chain):
            for meth in self.sym.interfaces[iname].methods or ():
                slots.append(self.method(meth, iname))
        own = [s for s in slots if s.origin == name]
        u = _uuid_text(itf.attrs)
        vm = InterfaceVM(
            name=name, base=itf.base, iid=iid_name(itf),
            guid=guid_vm(iid_name(itf), u) if u else None, ptrtype=ptrtype(itf),
            methods_macro="MAPI_" + name.upper() + "_METHODS",
            macro_own=[s for s in own if m.attr(s.node.attrs, "macro") is None], own=own,
            slots=slots, chain=chain,
            chain_iids=[iid_name(self.sym.interfaces[c]) for c in chain], node=itf)
        self._itf[name] = vm
        return vm

    def method_list(self, d: m.MethodList) -> dict:
        """The entries of a `methods` list: each listed interface's own methods in vtable order;
        methods it inherits from a base that is not listed come first, their names prefixed
        with '_' (Microsoft's IStream__Read, from ISequentialStream). Each entry carries how the
        Validate_/CheckParameters_ macros pack its arguments after This into pointer-sized
        slots (what HrValidateParameters unpacks)."""
        listed = {n.name for n in d.interfaces}
        entries = []
        for n in d.interfaces:
            itf = self.interface(n.name)
            for s in itf.slots:
                if s.origin == n.name:
                    prefix = ""
                elif s.origin not in listed:
                    prefix = "_"
                else:
                    continue
                packs, offset = [], []
                for i, p in enumerate(s.params):
                    ref = self.param_kind(p)[0] == "cxxref"
                    ctype = "const void *" if ref else c_decl(p.spec, p.decl._replace(name=None))
                    packs.append({"arg": f"a{i + 2}", "ref": ref,
                                  "decl": c_decl(p.spec, p.decl._replace(name="_v_")),
                                  "at": " + ".join(offset) or "0",
                                  "unpack": c_decl(p.spec, p.decl._replace(name=f"p{i}"))})
                    offset.append(f"MAPIRT_ARG_SLOTS({ctype})")
                entries.append({
                    "enum": f"{n.name}_{prefix}{s.name}",
                    "alias": f"{n.name}_{s.name}" if prefix else None,
                    "macro": f"{n.name}_{s.name}",
                    "interface": n.name, "method": s.name,
                    "args": [f"a{i + 1}" for i in range(len(s.params) + 1)],
                    "packs": packs, "slots": " + ".join(offset),
                    "param_names": s.param_names, "m": s})
        tag = m.attr(d.attrs, "tag")
        return {"entries": entries,
                "tag": tag.args[0].name if tag and tag.args and isinstance(tag.args[0], m.Name)
                else "_tag" + d.name}

    def file(self, path: str) -> FileVM:
        f = self.prog.files[path]
        includes = [self.prog.files[p].stem for p in self.prog.imports.get(path, [])
                    if p in self.prog.files]
        items: list[Item] = []
        interfaces: list[InterfaceVM] = []
        for d in f.decls:
            if isinstance(d, m.Import):
                continue
            if isinstance(d, m.CppQuote):
                items.append(Item("cpp_quote", d))
            elif isinstance(d, m.Const):
                items.append(Item("const", d))
            elif isinstance(d, m.Typedef):
                extra = {"cxx_reference": None}
                if m.attr(d.attrs, "cxx_reference") is not None:
                    dc = d.decls[0]
                    ref = dc._replace(ptrs=dc.ptrs[:-1])
                    extra["cxx_reference"] = c_decl(d.spec, ref).replace(
                        dc.name, "&" + dc.name, 1) if dc.name else None
                items.append(Item("typedef", d, extra))
            elif isinstance(d, m.TypeDecl):
                items.append(Item("typedecl", d))
            elif isinstance(d, m.Interface):
                if d.methods is None:
                    full = self.sym.interfaces.get(d.name)
                    items.append(Item("forward", d, {
                        "ptrtype": ptrtype(full) if full else ptrtype(d)}))
                else:
                    vm = self.interface(d.name)
                    interfaces.append(vm)
                    items.append(Item("interface", d, {"itf": vm}))
            elif isinstance(d, m.Function):
                items.append(Item("function", d))
            elif isinstance(d, m.Scode):
                items.append(Item("scode", d))
            elif isinstance(d, m.Property):
                if d.ptype.name in TSTRING_TYPES:
                    a, w = TSTRING_TYPES[d.ptype.name]
                    tags = [(d.name + "_A", a), (d.name + "_W", w), (d.name, d.ptype.name)]
                else:
                    tags = [(d.name, d.ptype.name)]
                items.append(Item("property", d, {"tags": tags}))
            elif isinstance(d, m.FlagSet):
                items.append(Item("flagset", d, {"defs": [mm for mm in d.members
                                                          if mm.value is not None]}))
            elif isinstance(d, m.Guid):
                items.append(Item("guid", d, {"guid": guid_vm(d.name, d.uuid.text)
                                              if d.uuid and d.uuid.text else None}))
            elif isinstance(d, m.MethodList):
                items.append(Item("methods", d, self.method_list(d)))
        guard = f.stem.upper().replace("-", "_").replace(".", "_") + "_H"
        return FileVM(path=display_path(path), stem=f.stem, guard=guard, includes=includes,
                      items=items, interfaces=interfaces)


def display_path(path: str) -> str:
    """Paths in banners are repository-relative (or as given), never absolute."""
    import os
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else os.path.basename(path)


def lower(prog: Program, sym: Symbols) -> tuple[Lowerer, list[FileVM]]:
    low = Lowerer(prog, sym)
    files = [low.file(p) for p in prog.roots]
    return low, files


__all__ = ["lower", "FileVM", "InterfaceVM", "MethodVM", "c_params", "closure"]
