"""Recursive-descent parser: tokens -> model.File."""
from __future__ import annotations

from typing import Optional

from . import model as m
from .diag import Loc, Reporter
from .lexer import Token

BUILTIN_WORDS = {"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double"}
# C keywords are reserved everywhere; the dialect's own declaration words (import, cpp_quote,
# interface, scode, property, flagset, valueset, guid, coclass) only where a declaration starts,
# so they stay usable as member names (SPropProblem.scode).
KEYWORDS = {"const", "typedef", "struct", "union", "enum"} | BUILTIN_WORDS
_BINOPS = [("|",), ("^",), ("&",), ("<<", ">>"), ("+", "-"), ("*", "/", "%")]


class ParseError(Exception):
    pass


# Nesting and expression depth limits: far above any real declaration, far below Python's
# recursion limit (each level costs a few frames here and in the passes after parsing, which
# walk expression trees recursively).
MAX_NEST = 64
MAX_EXPR_DEPTH = 128


class Parser:
    def __init__(self, toks: list[Token], rep: Reporter):
        self.toks = toks
        self.pos = 0
        self.rep = rep
        self.nest = 0  # open parentheses, unary operators, record bodies, parameter lists

    # -- bounds: every input ends in a diagnostic in bounded time and stack --
    def enter(self, what: str) -> None:
        self.nest += 1
        if self.nest > MAX_NEST:
            self.fail(f"{what} nested more than {MAX_NEST} deep")

    def leave(self) -> None:
        self.nest -= 1

    # -- token helpers --
    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.pos + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.tok
        if t.kind != "eof":
            self.pos += 1
        return t

    def at(self, text: str) -> bool:
        return self.tok.kind in ("punct", "ident") and self.tok.text == text

    def accept(self, text: str) -> Optional[Token]:
        if self.at(text):
            return self.next()
        return None

    def fail(self, msg: str, tok: Optional[Token] = None):
        t = tok or self.tok
        got = "end of file" if t.kind == "eof" else f"'{t.text}'"
        self.rep.error(t.loc, f"{msg}, found {got}")
        raise ParseError()

    def expect(self, text: str) -> Token:
        if not self.at(text):
            self.fail(f"expected '{text}'")
        return self.next()

    def ident(self, what: str = "identifier") -> Token:
        if self.tok.kind != "ident" or self.tok.text in KEYWORDS:
            self.fail(f"expected {what}")
        return self.next()

    def string(self) -> Token:
        if self.tok.kind != "string":
            self.fail("expected a string literal")
        return self.next()

    # -- recovery: skip to the end of the current declaration --
    def recover(self) -> None:
        depth = 0
        while self.tok.kind != "eof":
            t = self.next()
            if t.text in ("{", "(", "["):
                depth += 1
            elif t.text in ("}", ")", "]"):
                depth -= 1
                if depth <= 0 and t.text == "}":
                    self.accept(";")
                    return
            elif t.text == ";" and depth <= 0:
                return

    # -- file --
    def parse_file(self, path: str, stem: str) -> m.File:
        decls = []
        while self.tok.kind != "eof":
            start = self.pos
            self.nest = 0
            try:
                decls.append(self.decl())
            except ParseError:
                if self.pos == start:
                    self.next()
                self.recover()
            except RecursionError:
                # A shape the limits above do not cover: still a diagnostic, not a traceback.
                self.rep.error(self.tok.loc, "declaration nested too deeply")
                if self.pos == start:
                    self.next()
                self.recover()
        return m.File(path, stem, tuple(decls))

    def decl(self) -> m.Decl:
        t = self.tok
        if self.accept("import"):
            paths = [self.string()]
            while self.accept(","):
                paths.append(self.string())
            self.expect(";")
            if len(paths) == 1:
                return m.Import(paths[0].value, paths[0].loc)
            # several imports in one statement: flattened by parse()
            return _MultiImport(tuple(m.Import(p.value, p.loc) for p in paths))
        if self.accept("cpp_quote"):
            self.expect("(")
            s = self.string()
            self.expect(")")
            self.accept(";")
            return m.CppQuote(s.value, t.loc)
        attrs = self.attrs()
        t = self.tok
        if self.accept("const"):
            spec = self.typespec()
            name = self.ident("constant name")
            self.expect("=")
            value = self.expr()
            self.expect(";")
            return m.Const(spec, name.text, value, attrs, name.loc)
        if self.accept("typedef"):
            attrs = attrs + self.attrs()
            spec = self.typespec()
            decls = [self.declarator()]
            while self.accept(","):
                decls.append(self.declarator())
            self.expect(";")
            return m.Typedef(spec, tuple(decls), attrs, t.loc)
        if self.accept("interface"):
            return self.interface(attrs, t.loc)
        if self.accept("coclass"):
            return self.coclass(attrs)
        if self.accept("scode"):
            name = self.ident("status code name")
            self.expect("=")
            value = self.expr()
            self.expect(";")
            return m.Scode(name.text, value, attrs, name.loc)
        if self.accept("property"):
            name = self.ident("property name")
            self.expect("(")
            pt = self.ident("property type")
            self.expect(",")
            pid = self.expr()
            self.expect(")")
            self.expect(";")
            return m.Property(name.text, m.Name(pt.text, pt.loc), pid, attrs, name.loc)
        if self.at("flagset") or self.at("valueset"):
            kind = self.next().text
            name = self.ident(f"{kind} name")
            self.expect("{")
            members = []
            while not self.at("}"):
                mn = self.ident("constant name")
                value = self.expr() if self.accept("=") else None
                members.append(m.SetMember(mn.text, value, mn.loc))
                if not self.accept(","):
                    break
            self.expect("}")
            self.expect(";")
            return m.FlagSet(kind, name.text, tuple(members), attrs, name.loc)
        if self.accept("methods"):
            name = self.ident("method list name")
            self.expect("{")
            itfs = []
            while not self.at("}"):
                n = self.ident("interface name")
                itfs.append(m.Name(n.text, n.loc))
                if not self.accept(","):
                    break
            self.expect("}")
            self.expect(";")
            return m.MethodList(name.text, tuple(itfs), attrs, name.loc)
        if self.accept("guid"):
            name = self.ident("guid name")
            self.expect(";")
            u = m.attr(attrs, "uuid")
            uu = u.args[0] if u and u.args and isinstance(u.args[0], m.Uuid) else None
            if u is None:
                self.rep.error(name.loc, f"guid '{name.text}' needs a uuid(...) attribute")
            return m.Guid(name.text, uu, attrs, name.loc)
        if self.tok.text in ("struct", "union", "enum") and self.peek(2).text in ("{", ";") \
                or (self.tok.text in ("struct", "union", "enum") and self.peek(1).text == "{"):
            spec = self.typespec()
            self.expect(";")
            return m.TypeDecl(spec, t.loc)
        # a C function declaration
        ret = self.typespec()
        ptrs = self.pointers()
        name = self.ident("function name")
        params = self.params()
        self.expect(";")
        return m.Function(name.text, ret, ptrs, params, attrs, name.loc)

    # -- attributes --
    def attrs(self) -> tuple[m.Attr, ...]:
        out: list[m.Attr] = []
        while self.accept("["):
            while True:
                a = self.tok
                if a.kind != "ident":
                    self.fail("expected attribute name")
                self.next()
                args: list = []
                if self.accept("("):
                    if not self.at(")"):
                        while True:
                            args.append(self.attr_arg())
                            if not self.accept(","):
                                break
                    self.expect(")")
                out.append(m.Attr(a.text, tuple(args), a.loc))
                if not self.accept(","):
                    break
            self.expect("]")
        return tuple(out)

    def attr_arg(self):
        t = self.tok
        if t.kind == "uuid":
            self.next()
            return m.Uuid(t.value, t.loc)
        if t.kind == "string":
            self.next()
            return t.value
        return self.expr()

    # -- interfaces --
    def interface(self, attrs, loc: Loc) -> m.Interface:
        name = self.ident("interface name")
        base = base_loc = None
        if self.accept(":"):
            b = self.ident("base interface name")
            base, base_loc = b.text, b.loc
        if self.accept(";"):
            return m.Interface(name.text, base, base_loc, attrs, None, name.loc)
        self.expect("{")
        methods = []
        while not self.at("}") and self.tok.kind != "eof":
            start = self.pos
            try:
                mattrs = self.attrs()
                ret = self.typespec()
                ptrs = self.pointers()
                mn = self.ident("method name")
                params = self.params()
                self.expect(";")
                methods.append(m.Method(mn.text, ret, ptrs, params, mattrs, mn.loc))
            except ParseError:
                if self.pos == start:
                    self.next()
                while self.tok.kind != "eof" and not self.at(";") and not self.at("}"):
                    self.next()
                self.accept(";")
        self.expect("}")
        self.accept(";")
        return m.Interface(name.text, base, base_loc, attrs, tuple(methods), name.loc)

    # -- coclasses --
    def coclass(self, attrs) -> m.Coclass:
        name = self.ident("coclass name")
        self.expect("{")
        chains: list[m.Chain] = []
        delegates: list[m.Delegate] = []
        while not self.at("}") and self.tok.kind != "eof":
            start = self.pos
            try:
                if self.accept("interface"):
                    chains.append(self.chain())
                elif self.accept("delegate"):
                    delegates.append(self.delegate())
                else:
                    self.fail("expected 'interface' or 'delegate' in a coclass")
            except ParseError:
                if self.pos == start:
                    self.next()
                while self.tok.kind != "eof" and not self.at(";") and not self.at("}"):
                    self.next()
                self.accept(";")
        self.expect("}")
        self.accept(";")
        return m.Coclass(name.text, tuple(chains), tuple(delegates), attrs, name.loc)

    def chain(self) -> m.Chain:
        itf = self.ident("interface name")
        methods: list[m.MethodRef] = []
        if self.accept("{"):
            while not self.at("}"):
                ext = bool(self.accept("extern"))
                mn = self.ident("method name")
                methods.append(m.MethodRef(mn.text, ext, mn.loc))
                if not self.accept(","):
                    break
            self.expect("}")
        self.expect(";")
        return m.Chain(itf.text, tuple(methods), itf.loc)

    def delegate(self) -> m.Delegate:
        itf = self.ident("interface name")
        methods: list[m.MethodRef] = []
        if self.accept("{"):
            while True:
                mn = self.ident("method name")
                methods.append(m.MethodRef(mn.text, False, mn.loc))
                if not self.accept(","):
                    break
            self.expect("}")
        if not self.at("to"):
            self.fail("expected 'to' after the delegated interface")
        self.next()
        prefix = self.ident("function prefix")
        self.expect("(")
        address = bool(self.accept("&"))
        member = self.ident("member name")
        self.expect(")")
        self.expect(";")
        return m.Delegate(itf.text, prefix.text, member.text, address, itf.loc, prefix.loc,
                          tuple(methods))

    def params(self) -> tuple[m.Param, ...]:
        self.expect("(")
        self.enter("parameter list")
        out: list[m.Param] = []
        if self.at("void") and self.peek().text == ")":
            self.next()
        elif not self.at(")"):
            while True:
                attrs = self.attrs()
                t = self.tok
                spec = self.typespec()
                d = self.declarator()
                if d.name is None:
                    self.rep.error(t.loc, "parameter needs a name")
                out.append(m.Param(spec, d, attrs, d.loc if d.name else t.loc))
                if not self.accept(","):
                    break
        self.expect(")")
        self.leave()
        return tuple(out)

    # -- types --
    def typespec(self) -> m.TypeSpec:
        t = self.tok
        const = bool(self.accept("const"))
        if self.at("struct") or self.at("union"):
            kind = self.next().text
            tag = None
            if self.tok.kind == "ident" and self.tok.text not in KEYWORDS:
                tag = self.next().text
            fields = None
            if self.accept("{"):
                self.enter(f"{kind} definition")
                fields = []
                while not self.at("}") and self.tok.kind != "eof":
                    fields.extend(self.fields())
                self.expect("}")
                self.leave()
                fields = tuple(fields)
            elif tag is None:
                self.fail(f"expected a tag or '{{' after '{kind}'")
            self.accept("const")
            if fields is None:
                return m.NamedType(f"{kind} {tag}", const, t.loc)
            return m.RecordType(kind, tag, fields, (), t.loc)
        if self.accept("enum"):
            tag = None
            if self.tok.kind == "ident" and self.tok.text not in KEYWORDS:
                tag = self.next().text
            if not self.accept("{"):
                if tag is None:
                    self.fail("expected a tag or '{' after 'enum'")
                return m.NamedType(f"enum {tag}", const, t.loc)
            items = []
            while not self.at("}"):
                n = self.ident("enumerator")
                v = self.expr() if self.accept("=") else None
                items.append(m.EnumItem(n.text, v, n.loc))
                if not self.accept(","):
                    break
            self.expect("}")
            return m.EnumType(tag, tuple(items), t.loc)
        if self.tok.kind == "ident" and self.tok.text in BUILTIN_WORDS:
            words = []
            while self.tok.kind == "ident" and self.tok.text in BUILTIN_WORDS:
                words.append(self.next().text)
            const = bool(self.accept("const")) or const
            return m.NamedType(_normalize_builtin(words), const, t.loc)
        n = self.ident("type name")
        const = bool(self.accept("const")) or const
        return m.NamedType(n.text, const, n.loc)

    def fields(self) -> list[m.Field]:
        attrs = self.attrs()
        t = self.tok
        spec = self.typespec()
        out = []
        if self.at(";"):  # anonymous struct/union member
            self.next()
            return [m.Field(spec, m.Declarator(None, (), (), None, 0, False, t.loc), attrs, t.loc)]
        while True:
            d = self.declarator()
            out.append(m.Field(spec, d, attrs, d.loc))
            if not self.accept(","):
                break
        self.expect(";")
        return out

    def pointers(self) -> tuple[bool, ...]:
        ptrs = []
        while self.accept("*"):
            ptrs.append(bool(self.accept("const")))
        return tuple(ptrs)

    def declarator(self) -> m.Declarator:
        ptrs = self.pointers()
        t = self.tok
        fn_ptrs = 0
        paren = False
        if self.accept("("):
            paren = True
            while self.accept("*"):
                fn_ptrs += 1
            name = self.ident("declarator name")
            self.expect(")")
        elif self.tok.kind == "ident" and self.tok.text not in KEYWORDS:
            name = self.next()
        else:
            name = None
        arrays = []
        while self.accept("["):
            arrays.append(None if self.at("]") else self.expr())
            self.expect("]")
        params = self.params() if self.at("(") else None
        if paren and params is None:
            self.fail("expected a parameter list after a parenthesized declarator")
        loc = name.loc if name is not None else t.loc
        return m.Declarator(name.text if name else None, ptrs, tuple(arrays), params, fn_ptrs,
                            paren, loc)

    # -- expressions --
    def expr(self) -> m.Expr:
        start = self.tok
        e = self._expr(0)
        if _depth(e) > MAX_EXPR_DEPTH:
            self.rep.error(start.loc, f"expression nested more than {MAX_EXPR_DEPTH} deep "
                           "(operators chained or nested)")
            raise ParseError()
        return e

    def _expr(self, level: int) -> m.Expr:
        if level == len(_BINOPS):
            return self.unary()
        left = self._expr(level + 1)
        while self.tok.kind == "punct" and self.tok.text in _BINOPS[level]:
            op = self.next()
            right = self._expr(level + 1)
            left = m.Binary(op.text, left, right, op.loc)
        return left

    def unary(self) -> m.Expr:
        t = self.tok
        if t.kind == "punct" and t.text in ("-", "~", "+"):
            self.next()
            self.enter("unary operator")
            e = m.Unary(t.text, self.unary(), t.loc)
            self.leave()
            return e
        if self.accept("("):
            self.enter("parenthesis")
            e = self._expr(0)
            self.expect(")")
            self.leave()
            return e
        if t.kind == "int":
            self.next()
            return m.Num(t.text, t.value, t.loc)
        if t.kind == "ident" and t.text not in KEYWORDS:
            self.next()
            return m.Name(t.text, t.loc)
        self.fail("expected an expression")


def _depth(e) -> int:
    """Depth of an expression tree, without recursion (the tree may be deep)."""
    deepest, todo = 0, [(e, 1)]
    while todo:
        node, d = todo.pop()
        deepest = max(deepest, d)
        if isinstance(node, m.Unary):
            todo.append((node.operand, d + 1))
        elif isinstance(node, m.Binary):
            todo.append((node.left, d + 1))
            todo.append((node.right, d + 1))
    return deepest


class _MultiImport(tuple):
    """`import "a.idl", "b.idl";` before flattening."""


def _normalize_builtin(words: list[str]) -> str:
    if words == ["unsigned"] or words == ["signed"]:
        words = words + ["int"]
    if "int" in words and len(words) > 1 and ("short" in words or "long" in words):
        words = [w for w in words if w != "int"]
    if words and words[0] == "signed" and "char" not in words:
        words = words[1:]
    return " ".join(words)


def parse(path: str, stem: str, toks: list[Token], rep: Reporter) -> m.File:
    f = Parser(toks, rep).parse_file(path, stem)
    decls = []
    for d in f.decls:
        if isinstance(d, _MultiImport):
            decls.extend(d)
        else:
            decls.append(d)
    return m.File(f.path, f.stem, tuple(decls))
