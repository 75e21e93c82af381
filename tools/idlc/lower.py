"""Lowering: the checked model -> plain view models (C names, slot lists) for the templates."""
from __future__ import annotations

from typing import NamedTuple, Optional

from . import model as m
from .cdecl import c_decl, c_params, c_ret, c_spec
from .loader import Program, closure
from .wrappers import WrapperLowering
from .validate import TSTRING_TYPES, Symbols, iid_name, ptrtype, signature

STD_LASTERROR = "HRESULT (HRESULT, ULONG, LPMAPIERROR *)"


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
    check: str  # the exported check function: `{origin}_{name}_check`
    std_lasterror: bool  # GetLastError(HRESULT, ULONG, LPMAPIERROR *): the object layer's
    outs: list  # (param, IID expression, object-type parameter) of [out] interface pointers a
    #             proxy wraps
    unrevoked: bool  # [unrevoked]: forwarded by a proxy even after its kill switch is thrown


class InterfaceVM(NamedTuple):
    name: str
    base: Optional[str]
    iid: str
    guid: Optional[GuidVM]
    ptrtype: str
    methods_macro: str
    macro_own: list[MethodVM]  # own methods in methods_macro (a [macro(M)] method has its own)
    # [part(NAME)] on a method starts a macro NAME(IPURE) holding it and the methods after it up
    # to the next part (MAPI's MAPI_IMAPISUPPORT_METHODS1..3): (NAME, methods)
    parts: list[tuple[str, list[MethodVM]]]
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
    impl_includes: list[str]  # stems of imported files with implementation headers
    coclasses: list  # CoclassVM
    public: bool  # has a public header (anything besides imports and coclasses)
    functions: list  # FunctionVM: C functions with generated check functions
    masks: list  # (flagset name, "0x...u"): every bit of each flagset, for the impl header


class FunctionVM(NamedTuple):
    name: str
    params: list[m.Param]
    param_names: list[str]
    checks: list


class SlotVM(NamedTuple):
    """One vtable slot of a coclass chain and what fills it."""
    method: MethodVM
    kind: str  # 'qi', 'addref', 'release', 'lasterror', 'body', 'delegate', 'default'
    target: str  # the function a thunk calls (body, delegate) or the slot holds (default)
    arg0: str  # the first argument a thunk passes: 'self', 'self->bag', '&self->bag'
    thunk: str  # the generated thunk's name ('' for 'default': the slot holds the default)


class ChainVM(NamedTuple):
    itf: InterfaceVM
    field: str
    slots: list[SlotVM]


class MapEntryVM(NamedTuple):
    iface: str  # the interface (type) QueryInterface answers with this entry
    iid: str
    chain: ChainVM  # whose interface pointer answers it


class BodyVM(NamedTuple):
    name: str  # `{coclass}_{method}`
    method: MethodVM
    extern: bool


class CoclassVM(NamedTuple):
    name: str
    path: str
    guard: str
    component: str
    static: bool
    validate: bool
    fenced: bool
    chains: list[ChainVM]
    map: list[MapEntryVM]
    bodies: list[BodyVM]
    impl_includes: list[str]


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
        outs = []
        for p in meth.params:
            itf, riid, otype = self.wrap.iface_out(p)
            if itf:
                outs.append((p.decl.name, "&" + iid_name(self.sym.interfaces[itf]), "NULL"))
            elif riid or otype:
                outs.append((p.decl.name, riid or "NULL", otype or "NULL"))
        return MethodVM(meth.name, origin, ret, ret if ret.endswith("*") else ret + " ", returns,
                        list(meth.params), [p.decl.name for p in meth.params], c_zeros,
                        cxx_zeros, checks, trace, meth, f"{origin}_{meth.name}_check",
                        meth.name == "GetLastError" and signature(meth) == STD_LASTERROR, outs,
                        m.attr(meth.attrs, "unrevoked") is not None)

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
        def method_parts(own: list[MethodVM]) -> list[tuple[str, list[MethodVM]]]:
            parts: list[tuple[str, list[MethodVM]]] = []
            for s in own:
                a = m.attr(s.node.attrs, "part")
                if a is not None and a.args and isinstance(a.args[0], m.Name):
                    parts.append((a.args[0].name, []))
                if parts and m.attr(s.node.attrs, "macro") is None:
                    parts[-1][1].append(s)
            return parts

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
            macro_own=[s for s in own if m.attr(s.node.attrs, "macro") is None],
            parts=method_parts(own), own=own,
            slots=slots, chain=chain,
            chain_iids=[iid_name(self.sym.interfaces[c]) for c in chain], node=itf)
        self._itf[name] = vm
        return vm

    def has_impl(self, path: str) -> bool:
        """Whether the file gets implementation files (IIDs, defaults, checks, wrappers)."""
        return any(isinstance(d, m.Interface) and d.methods is not None or isinstance(d, m.Guid)
                   or isinstance(d, m.Function) and self.function(d) is not None
                   or isinstance(d, m.FlagSet) and d.kind == "flagset"
                   or isinstance(d, m.MethodList)
                   for d in self.prog.files[path].decls)

    def impl_stem(self, iface: str) -> str:
        return self.prog.files[self.sym.iface_file[iface]].stem

    def coclass(self, co: m.Coclass, path: str) -> CoclassVM:
        name = co.name
        slots_of = {}
        delegates = {d.iface: d for d in co.delegates if not d.methods}
        method_delegates = {(d.iface, mr.name): d for d in co.delegates for mr in d.methods}
        listed: dict[str, BodyVM] = {}
        chains: list[ChainVM] = []
        for ch in co.chains:
            itf = self.interface(ch.iface)
            field = f"itf_{ch.iface}"
            own = {mr.name: mr for mr in ch.methods}
            slots = []
            for mv in itf.slots:
                thunk = f"{name}__{ch.iface}_{mv.name}"
                if mv.origin == "IUnknown" and mv.name in ("QueryInterface", "AddRef", "Release"):
                    kind = {"QueryInterface": "qi", "AddRef": "addref", "Release": "release"}
                    slots.append(SlotVM(mv, kind[mv.name], "", "", thunk))
                elif mv.name in own:
                    body = f"{name}_{mv.name}"
                    listed.setdefault(mv.name, BodyVM(body, mv, own[mv.name].extern))
                    slots.append(SlotVM(mv, "body", body, "self", thunk))
                elif mv.std_lasterror and (mv.origin, mv.name) not in method_delegates:
                    slots.append(SlotVM(mv, "lasterror", "", "", thunk))
                elif (mv.origin, mv.name) in method_delegates or mv.origin in delegates:
                    dg = method_delegates.get((mv.origin, mv.name)) or delegates[mv.origin]
                    arg = ("&self->" if dg.address else "self->") + dg.member
                    slots.append(SlotVM(mv, "delegate", f"{dg.prefix}_{mv.name}", arg, thunk))
                else:
                    slots.append(SlotVM(mv, "default", f"{ch.iface}_default_{mv.name}", "",
                                        ""))
            chains.append(ChainVM(itf, field, slots))
            slots_of[ch.iface] = slots
        entries: list[MapEntryVM] = []
        mapped: set[str] = set()
        stems: list[str] = []
        for c in chains:
            for iname in c.itf.chain:
                stem = self.impl_stem(iname)
                if stem not in stems:
                    stems.append(stem)
                if iname in mapped:
                    continue
                mapped.add(iname)
                entries.append(MapEntryVM(iname, iid_name(self.sym.interfaces[iname]), c))
        comp = m.attr(co.attrs, "component")
        component = comp.args[0] if comp and comp.args and isinstance(comp.args[0], str) \
            else name
        return CoclassVM(name=name, path=display_path(path), guard=f"MAPIRT_OBJECT_{name}",
                         component=component, static=m.attr(co.attrs, "static") is not None,
                         validate=m.attr(co.attrs, "novalidate") is None,
                         fenced=m.attr(co.attrs, "fenced") is not None, chains=chains,
                         map=entries, bodies=list(listed.values()), impl_includes=stems)

    def function(self, d: m.Function) -> Optional[FunctionVM]:
        if c_ret(d.ret, d.ret_ptrs) not in ("HRESULT", "SCODE"):
            return None
        fake = m.Method(d.name, d.ret, d.ret_ptrs, d.params, d.attrs, d.loc)
        checks, _ = self.wrap.method(fake)
        if not checks:
            return None
        return FunctionVM(d.name, list(d.params), [p.decl.name for p in d.params], checks)

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
        impl_includes = [self.prog.files[p].stem for p in closure(self.prog, path)
                         if p != path and p in self.prog.files and self.has_impl(p)]
        items: list[Item] = []
        interfaces: list[InterfaceVM] = []
        coclasses: list[CoclassVM] = []
        functions: list[FunctionVM] = []
        masks: list[tuple[str, str]] = []
        public = False
        for d in f.decls:
            if isinstance(d, m.Import):
                continue
            if isinstance(d, m.Coclass):
                coclasses.append(self.coclass(d, path))
                continue
            public = True
            if isinstance(d, m.Function):
                fvm = self.function(d)
                if fvm is not None:
                    functions.append(fvm)
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
                if d.kind == "flagset":
                    mask = 0
                    for v in self.wrap.flagset_values(d.name):
                        mask |= v
                    masks.append((d.name, f"0x{mask:08X}u"))
            elif isinstance(d, m.Guid):
                items.append(Item("guid", d, {"guid": guid_vm(d.name, d.uuid.text)
                                              if d.uuid and d.uuid.text else None}))
            elif isinstance(d, m.MethodList):
                items.append(Item("methods", d, self.method_list(d)))
        guard = f.stem.upper().replace("-", "_").replace(".", "_") + "_H"
        return FileVM(path=display_path(path), stem=f.stem, guard=guard, includes=includes,
                      items=items, interfaces=interfaces, impl_includes=impl_includes,
                      coclasses=coclasses, public=public, functions=functions, masks=masks)


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
