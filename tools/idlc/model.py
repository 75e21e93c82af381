"""The parsed program: pure data, no formatting. Every node carries the Loc it came from.
Nodes are immutable NamedTuples (cheap to create and to unpickle from the parse cache)."""
from __future__ import annotations

from typing import NamedTuple, Optional, Union

from .diag import Loc


# ---- expressions -------------------------------------------------------------------------------
class Num(NamedTuple):
    text: str
    value: int
    loc: Loc


class Name(NamedTuple):
    name: str
    loc: Loc


class Unary(NamedTuple):
    op: str
    operand: "Expr"
    loc: Loc


class Binary(NamedTuple):
    op: str
    left: "Expr"
    right: "Expr"
    loc: Loc


Expr = Union[Num, Name, Unary, Binary]


class Attr(NamedTuple):
    name: str
    args: tuple  # of Expr, str (string literal value) or Uuid
    loc: Loc


class Uuid(NamedTuple):
    text: str  # canonical upper-case form, or None when malformed
    loc: Loc


# ---- types -------------------------------------------------------------------------------------
class NamedType(NamedTuple):
    """A reference to a type by name: a builtin ('unsigned int'), a typedef, an interface, or a
    tagged type ('struct _SBinary')."""
    name: str
    const: bool
    loc: Loc


class Field(NamedTuple):
    spec: "TypeSpec"
    decl: "Declarator"
    attrs: tuple[Attr, ...]
    loc: Loc


class RecordType(NamedTuple):
    kind: str  # 'struct' or 'union'
    tag: Optional[str]
    fields: Optional[tuple[Field, ...]]  # None: reference only
    attrs: tuple[Attr, ...]
    loc: Loc


class EnumItem(NamedTuple):
    name: str
    value: Optional[Expr]
    loc: Loc


class EnumType(NamedTuple):
    tag: Optional[str]
    items: tuple[EnumItem, ...]
    loc: Loc


TypeSpec = Union[NamedType, RecordType, EnumType]


class Declarator(NamedTuple):
    """C declarator: `name` with pointer levels (each True when that level is const), array
    dimensions, and for functions the parameter list. `fn_ptrs` is the pointer depth inside the
    parentheses of `(*name)(...)`; `paren` marks `(name)(...)` function types."""
    name: Optional[str]
    ptrs: tuple[bool, ...]
    arrays: tuple[Optional[Expr], ...]
    params: Optional[tuple["Param", ...]]
    fn_ptrs: int
    paren: bool
    loc: Loc


class Param(NamedTuple):
    spec: TypeSpec
    decl: Declarator
    attrs: tuple[Attr, ...]
    loc: Loc


# ---- declarations ------------------------------------------------------------------------------
class Import(NamedTuple):
    path: str
    loc: Loc


class CppQuote(NamedTuple):
    text: str
    loc: Loc


class Const(NamedTuple):
    spec: TypeSpec
    name: str
    value: Expr
    attrs: tuple[Attr, ...]
    loc: Loc


class Typedef(NamedTuple):
    spec: TypeSpec
    decls: tuple[Declarator, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


class TypeDecl(NamedTuple):
    """A top-level `struct X {...};`, `union ...;` or `enum ...;`."""
    spec: TypeSpec
    loc: Loc


class Method(NamedTuple):
    name: str
    ret: TypeSpec
    ret_ptrs: tuple[bool, ...]
    params: tuple[Param, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


class Interface(NamedTuple):
    name: str
    base: Optional[str]
    base_loc: Optional[Loc]
    attrs: tuple[Attr, ...]
    methods: Optional[tuple[Method, ...]]  # None: forward declaration
    loc: Loc


class Function(NamedTuple):
    name: str
    ret: TypeSpec
    ret_ptrs: tuple[bool, ...]
    params: tuple[Param, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


class Scode(NamedTuple):
    name: str
    value: Expr
    attrs: tuple[Attr, ...]
    loc: Loc


class Property(NamedTuple):
    name: str
    ptype: Name
    pid: Expr
    attrs: tuple[Attr, ...]
    loc: Loc


class SetMember(NamedTuple):
    name: str
    value: Optional[Expr]  # None: a reference to a constant defined elsewhere
    loc: Loc


class FlagSet(NamedTuple):
    kind: str  # 'flagset' or 'valueset'
    name: str
    members: tuple[SetMember, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


class Guid(NamedTuple):
    name: str
    uuid: Optional[Uuid]
    attrs: tuple[Attr, ...]
    loc: Loc


class MethodRef(NamedTuple):
    """A method a coclass's C file implements (`extern`: in another file of the object)."""
    name: str
    extern: bool
    loc: Loc


class Chain(NamedTuple):
    """`interface IFoo { Method, extern Other };` inside a coclass: one vtable and one interface
    pointer of the object; `methods` are the ones its C file writes."""
    iface: str
    methods: tuple[MethodRef, ...]
    loc: Loc  # of the interface name


class Delegate(NamedTuple):
    """`delegate IFoo to prefix(member);`: IFoo's methods call prefix_<Method>(self->member, ...).
    `delegate IFoo { M1, M2 } to prefix(member);`: only those methods of IFoo do (before a
    delegation of all of IFoo)."""
    iface: str
    prefix: str
    member: str
    address: bool  # `&member`: the member is embedded, its address is passed
    loc: Loc  # of the interface name
    prefix_loc: Loc
    methods: tuple[MethodRef, ...] = ()  # empty: every method IFoo declares


class Coclass(NamedTuple):
    """An object kind: `coclass name { chains; delegates }` (docs/idl.md, docs/objects.md)."""
    name: str
    chains: tuple[Chain, ...]
    delegates: tuple[Delegate, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


class MethodList(NamedTuple):
    """`methods NAME { IFoo, IBar };`: an enumeration of interface methods (mapival.h's
    METHODS), Interface_Method for the own methods of each listed interface in vtable order,
    numbered from 0 in list order."""
    name: str
    interfaces: tuple[Name, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


Decl = Union[Import, CppQuote, Const, Typedef, TypeDecl, Interface, Function, Scode, Property,
             FlagSet, Guid, Coclass, MethodList]


class File(NamedTuple):
    path: str  # as named on the command line or resolved through -I
    stem: str  # 'mapidefs' for .../mapidefs.idl
    decls: tuple[Decl, ...]


def attr(attrs: tuple[Attr, ...], name: str) -> Optional[Attr]:
    for a in attrs:
        if a.name == name:
            return a
    return None
