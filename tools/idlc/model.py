"""The parsed program: pure data, no formatting. Every node carries the Loc it came from."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from .diag import Loc


# ---- expressions -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    text: str
    value: int
    loc: Loc


@dataclass(frozen=True)
class Name:
    name: str
    loc: Loc


@dataclass(frozen=True)
class Unary:
    op: str
    operand: "Expr"
    loc: Loc


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"
    loc: Loc


Expr = Union[Num, Name, Unary, Binary]


@dataclass(frozen=True)
class Attr:
    name: str
    args: tuple  # of Expr, str (string literal value) or Uuid
    loc: Loc


@dataclass(frozen=True)
class Uuid:
    text: str  # canonical upper-case form, or None when malformed
    loc: Loc


# ---- types -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NamedType:
    """A reference to a type by name: a builtin ('unsigned int'), a typedef, an interface, or a
    tagged type ('struct _SBinary')."""
    name: str
    const: bool
    loc: Loc


@dataclass(frozen=True)
class Field:
    spec: "TypeSpec"
    decl: "Declarator"
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class RecordType:
    kind: str  # 'struct' or 'union'
    tag: Optional[str]
    fields: Optional[tuple[Field, ...]]  # None: reference only
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class EnumItem:
    name: str
    value: Optional[Expr]
    loc: Loc


@dataclass(frozen=True)
class EnumType:
    tag: Optional[str]
    items: tuple[EnumItem, ...]
    loc: Loc


TypeSpec = Union[NamedType, RecordType, EnumType]


@dataclass(frozen=True)
class Declarator:
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


@dataclass(frozen=True)
class Param:
    spec: TypeSpec
    decl: Declarator
    attrs: tuple[Attr, ...]
    loc: Loc


# ---- declarations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    path: str
    loc: Loc


@dataclass(frozen=True)
class CppQuote:
    text: str
    loc: Loc


@dataclass(frozen=True)
class Const:
    spec: TypeSpec
    name: str
    value: Expr
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class Typedef:
    spec: TypeSpec
    decls: tuple[Declarator, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class TypeDecl:
    """A top-level `struct X {...};`, `union ...;` or `enum ...;`."""
    spec: TypeSpec
    loc: Loc


@dataclass(frozen=True)
class Method:
    name: str
    ret: TypeSpec
    ret_ptrs: tuple[bool, ...]
    params: tuple[Param, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class Interface:
    name: str
    base: Optional[str]
    base_loc: Optional[Loc]
    attrs: tuple[Attr, ...]
    methods: Optional[tuple[Method, ...]]  # None: forward declaration
    loc: Loc


@dataclass(frozen=True)
class Function:
    name: str
    ret: TypeSpec
    ret_ptrs: tuple[bool, ...]
    params: tuple[Param, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class Scode:
    name: str
    value: Expr
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class Property:
    name: str
    ptype: Name
    pid: Expr
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class SetMember:
    name: str
    value: Optional[Expr]  # None: a reference to a constant defined elsewhere
    loc: Loc


@dataclass(frozen=True)
class FlagSet:
    kind: str  # 'flagset' or 'valueset'
    name: str
    members: tuple[SetMember, ...]
    attrs: tuple[Attr, ...]
    loc: Loc


@dataclass(frozen=True)
class Guid:
    name: str
    uuid: Optional[Uuid]
    attrs: tuple[Attr, ...]
    loc: Loc


Decl = Union[Import, CppQuote, Const, Typedef, TypeDecl, Interface, Function, Scode, Property,
             FlagSet, Guid]


@dataclass(frozen=True)
class File:
    path: str  # as named on the command line or resolved through -I
    stem: str  # 'mapidefs' for .../mapidefs.idl
    decls: tuple[Decl, ...]


def attr(attrs: tuple[Attr, ...], name: str) -> Optional[Attr]:
    for a in attrs:
        if a.name == name:
            return a
    return None
