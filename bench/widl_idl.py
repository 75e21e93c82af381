#!/usr/bin/env python3
"""Rewrites idl/*.idl into the MIDL that widl accepts, for the side-by-side generation benchmark:
mapirt's own declarations become cpp_quote text (flagset/valueset/scode/property/guid, C
function prototypes), its extra attributes are dropped, and C types widl lacks are spelled the
MIDL way. The interfaces, methods and types that both tools compile stay as they are.
Usage: widl_idl.py SRC_DIR DST_DIR"""
import os
import re
import sys

DROP_ATTRS = r"(?:size_is|length_is|switch_is|string|iid_is|ptrtype|iid|flags|values|reserved|proptag|proptags|entryid|tstring|cxx_reference|canonical|pidtag|helpstring|objtype|macro)"
TYPES = [(r"\bunsigned long long\b", "unsigned hyper"), (r"\blong long\b", "hyper"),
         (r"\bchar16_t\b", "unsigned short"), (r"\buintptr_t\b", "unsigned hyper"),
         (r"\bintptr_t\b", "hyper"), (r"\bsize_t\b", "unsigned hyper"), (r"\buint(8|16|32)_t\b", "unsigned int"), (r"\buint64_t\b", "unsigned hyper"),
         (r"\bint(8|16|32)_t\b", "int"), (r"\bint64_t\b", "hyper")]


def cq(text: str) -> str:
    return 'cpp_quote("' + text.replace("\\", "\\\\").replace('"', '\\"') + '")'


def ptrtype(attrs: str, name: str) -> str:
    m = re.search(r"ptrtype\((\w+)\)", attrs or "")
    return m.group(1) if m else "LP" + (name[1:] if name.startswith("I") else name).upper()


def add_ptr_typedefs(src: str, done: set) -> str:
    """idlc makes LPFOO for every interface; widl needs it spelled out, once, before first use."""
    full = {m.group(2): ptrtype(m.group(1), m.group(2))
            for m in re.finditer(r"(\[[^\]]*\])\s*interface\s+(\w+)\s*[:{]", src)}

    def fwd(m):
        name = m.group(2)
        if name in done:
            return m.group(0)
        done.add(name)
        return f"interface {name};\ntypedef {name} *{full.get(name) or ptrtype(m.group(1), name)};\n" + m.group(0)
    return re.sub(r"(\[[^\]]*\]\s*)?interface\s+(\w+)\s*[:;{]", fwd, src)


def convert(src: str, done: set) -> str:
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", "", src)
    src = add_ptr_typedefs(src, done)
    # flagset/valueset: define the members as #defines
    def fs(m):
        res = []
        for mem in m.group(2).split(","):
            if "=" in mem:
                n, v = mem.split("=", 1)
                res.append(f"const ULONG {n.strip()} = {v.strip()};")
        return "\n".join(res)
    src = re.sub(r"(?:\[[^\]]*\]\s*)?\b(flagset|valueset)\s+\w+\s*\{(.*?)\}\s*;", fs, src, flags=re.S)
    src = re.sub(r"(?:\[[^\]]*\]\s*)?\bscode\s+(\w+)\s*=\s*([^;]+);",
                 lambda m: cq(f"#define {m.group(1)} ({m.group(2).strip()})"), src)
    src = re.sub(r"(?:\[[^\]]*\]\s*)?\bproperty\s+(\w+)\s*\(([^)]*)\)\s*;",
                 lambda m: cq(f"#define {m.group(1)} PROP_TAG({m.group(2)})"), src)
    # methods NAME { interfaces }: mapirt's enumeration of validated methods, nothing for MIDL
    src = re.sub(r"(?:\[[^\]]*\]\s*)?\bmethods\s+\w+\s*\{[^}]*\}\s*;?",
                 lambda m: "/* methods omitted: not MIDL */", src)
    src = re.sub(r"\[\s*uuid\(([^)]*)\)\s*\]\s*guid\s+(\w+)\s*;",
                 lambda m: cq(f"/* guid {m.group(2)} {m.group(1)} */"), src)
    # attributes mapirt adds
    src = re.sub(r",?\s*" + DROP_ATTRS + r"\s*(\([^()]*\))?(?=\s*[,\]])", "", src)
    src = re.sub(r"\[\s*,\s*", "[", src)
    src = re.sub(r"\[\s*\]", "", src)
    for pat, rep in TYPES:
        src = re.sub(pat, rep, src)
    # top-level C function prototypes (not inside an interface body)
    text = src
    pieces, i, level = [], 0, 0
    for m in re.finditer(r"[{}]|^(?:[A-Za-z_][\w\s\*]*?)\b(\w+)\s*\(([^;{}]*?)\)\s*;", text, re.M):
        if m.group(0) == "{":
            level += 1
        elif m.group(0) == "}":
            level -= 1
        elif level == 0 and not m.group(0).lstrip().startswith(("cpp_quote", "import", "typedef", "const", "interface")):
            pieces.append(text[i:m.start()])
            pieces.append("/* function " + m.group(1) + " omitted: not MIDL */")
            i = m.end()
    pieces.append(text[i:])
    return "".join(pieces)


def main():
    src_dir, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    texts = {}
    for name in sorted(os.listdir(src_dir)):
        if name.endswith(".idl"):
            with open(os.path.join(src_dir, name)) as fh:
                texts[name] = fh.read()
    order: list = []

    def visit(n):  # imports first, so each pointer typedef is written once, before its users
        if n in order or n not in texts:
            return
        for imp in re.findall(r'import\s+"([^"]+)"', texts[n]):
            visit(imp)
        if n not in order:
            order.append(n)
    for n in texts:
        visit(n)
    done: set = set()
    for name in order:
        with open(os.path.join(dst, name), "w") as fh:
            fh.write(convert(texts[name], done))


if __name__ == "__main__":
    main()
