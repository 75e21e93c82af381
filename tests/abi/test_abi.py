"""ABI conformance: our generated headers against MinGW-w64's MAPI headers on x86_64.

For every interface defined in idl/ the size of its vtable and the offset of every slot, for every
struct/union typedef its size and the offset of every named member, and for every GUID its 16
bytes must be equal. Our side is compiled with gcc and run; MinGW's side is compiled with
x86_64-w64-mingw32-gcc (it cannot run here), so its numbers are read back from a data section of
the object file, and its GUIDs from the preprocessor with DEFINE_GUID redefined.
Names that MinGW's headers do not declare at all are listed in NOT_IN_MINGW with the reason."""
from __future__ import annotations

import glob
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools.idlc import loader, model as m, validate  # noqa: E402
from tools.idlc.diag import Reporter  # noqa: E402

MINGW_CC = "x86_64-w64-mingw32-gcc"
MINGW_OBJCOPY = "x86_64-w64-mingw32-objcopy"
HEADERS = ["mapix.h", "mapispi.h", "mapiutil.h", "mapidefs.h", "mapicode.h", "mapitags.h",
           "mapiguid.h", "objidl.h", "mapi.h", "imessage.h", "mapiform.h", "mapinls.h",
           "mapiwin.h", "mapiwz.h", "mapihook.h", "mapioid.h", "tnef.h", "mapidbg.h",
           "exchform.h", "mspab.h", "mspst.h", "mapival.h"]
# Declared by Microsoft's MAPI headers but absent from MinGW-w64's: nothing to compare against.
NOT_IN_MINGW: dict[str, str] = {
    "__UPV.lpv": "PT_PTR member, Microsoft's MAPIDefS.h only",
    "SRestriction.res.resAnnotation": "Microsoft-only restriction variant",
    "SAnnotationRestriction": "Microsoft-only restriction variant (RES_ANNOTATION)",
    "SCountRestriction": "Microsoft-only restriction variant (RES_COUNT)",
    "IMAPIClientShutdown": "Outlook 2010 fast shutdown, Microsoft's headers only",
    "IMAPIProviderShutdown": "Outlook 2010 fast shutdown, Microsoft's headers only",
    "IID_IMAPIClientShutdown": "Outlook 2010 fast shutdown, Microsoft's headers only",
    "IID_IMAPIProviderShutdown": "Outlook 2010 fast shutdown, Microsoft's headers only",
    "IID_IMsgServiceAdmin2": "Microsoft's MAPIGuid.h only",
    "IMsgServiceAdmin2": "Microsoft's MAPIX.h only (Outlook 2003 and later)",
    "IID_IMessageRaw": "Microsoft's MAPIGuid.h only",
    "PS_INTERNET_HEADERS": "Microsoft's MAPIGuid.h only",
    "RTF_WCSINFO": "WrapCompressedRTFStreamEx, Microsoft's MAPIUtil.h only",
    "RTF_WCSRETINFO": "WrapCompressedRTFStreamEx, Microsoft's MAPIUtil.h only",
}
# Property-set GUIDs of Microsoft's MAPIGuid.h (PSETID_*, SETID_*) that MinGW lacks.
NOT_IN_MINGW_PREFIXES = ("PSETID_", "SETID_")


def our_model(idl_dir: str = os.path.join(ROOT, "idl")):
    rep = Reporter({})
    files = sorted(glob.glob(os.path.join(idl_dir, "*.idl")))
    prog = loader.load(files, [idl_dir], rep)
    rep.check()
    sym = validate.check(prog, rep)
    rep.check()
    return prog, sym


def compared_files(prog) -> list[str]:
    """The IDL files behind the headers compared (HEADERS and what they import): any other file
    in idl/ (an extension such as the README's example) has nothing to compare with."""
    wanted = [p for p, f in prog.files.items() if f.stem + ".h" in HEADERS]
    out: list[str] = []
    for p in wanted:
        for q in loader.closure(prog, p):
            if q not in out:
                out.append(q)
    return out


def entries(prog, sym) -> tuple[list[tuple[str, str, str]], list[str]]:
    """([(label, type, member-or-'')], [guid names]) of the files the compared headers hold."""
    out: list[tuple[str, str, str]] = []
    guids: list[str] = []
    for path in compared_files(prog):
        f = prog.files[path]
        for d in f.decls:
            if isinstance(d, m.Interface) and d.methods is not None:
                chain, cur = [], d
                while cur is not None:
                    chain.append(cur)
                    cur = sym.interfaces.get(cur.base) if cur.base else None
                vt = d.name + "Vtbl"
                out.append((f"sizeof({vt})", vt, ""))
                for itf in reversed(chain):
                    for meth in itf.methods:
                        out.append((f"{vt}.{meth.name}", vt, meth.name))
                guids.append(validate.iid_name(d))
            elif isinstance(d, m.Guid):
                guids.append(d.name)
            elif isinstance(d, m.Typedef) and isinstance(d.spec, m.RecordType) and d.spec.fields:
                for dc in d.decls:
                    if dc.ptrs or dc.arrays or dc.params is not None or dc.name is None:
                        continue
                    out.append((f"sizeof({dc.name})", dc.name, ""))
                    for fld in d.spec.fields:
                        if fld.decl.name:
                            out.append((f"{dc.name}.{fld.decl.name}", dc.name, fld.decl.name))
    return out, guids


def expr(t: str, member: str) -> str:
    return f"offsetof({t}, {member})" if member else f"sizeof({t})"


def probe_source(items, headers_first: str) -> str:
    lines = [headers_first, "#include <stddef.h>"]
    lines += [f"#include <{h}>" for h in HEADERS]
    lines.append('__attribute__((section(".probe"), used)) '
                 "const unsigned long long probe_values[] = {")
    lines += [f"    {expr(t, mem)}," for _, t, mem in items]
    lines.append("};")
    return "\n".join(lines) + "\n"


def compile_values(cc: str, objcopy: str, src: str, flags: list[str], n: int, tmp: str):
    c = os.path.join(tmp, "probe.c")
    o = os.path.join(tmp, "probe.o")
    b = os.path.join(tmp, "probe.bin")
    with open(c, "w") as fh:
        fh.write(src)
    r = subprocess.run([cc, "-std=gnu11", "-w", "-fmax-errors=0", *flags, "-c", c, "-o", o],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr
    subprocess.run([objcopy, "-O", "binary", "--only-section=.probe", o, b], check=True)
    with open(b, "rb") as fh:
        data = fh.read()
    return list(struct.unpack(f"<{n}Q", data[:8 * n])), ""


def failing_lines(stderr: str, path_tail: str = "probe.c") -> set[int]:
    return {int(x) for x in re.findall(re.escape(path_tail) + r":(\d+):\d+: error", stderr)}


def mingw_guids(names: list[str], tmp: str) -> dict[str, bytes]:
    """With INITGUID, MinGW defines each GUID in a COMDAT section `.rdata$NAME`; read them all
    from one `objdump -s` of the object."""
    src = ["#define INITGUID"] + [f"#define USES_{n}" for n in names]
    src += ["#include <windows.h>"] + [f"#include <{h}>" for h in HEADERS]
    c = os.path.join(tmp, "guids.c")
    o = os.path.join(tmp, "guids.o")
    with open(c, "w") as fh:
        fh.write("\n".join(src) + "\n")
    subprocess.run([MINGW_CC, "-c", "-w", c, "-o", o], check=True)
    dump = subprocess.run(["x86_64-w64-mingw32-objdump", "-s", o], capture_output=True,
                          text=True, check=True).stdout
    out: dict[str, bytes] = {}
    for sec in re.finditer(r"Contents of section \.rdata\$(\w+):\n((?: [0-9a-f]{4} .*\n)+)", dump):
        data = b""
        for line in sec.group(2).splitlines():
            data += bytes.fromhex("".join(line[6:41].split()))
        if len(data) >= 16:
            out[sec.group(1)] = data[:16]
    return out


def our_guids(names: list[str], tmp: str) -> dict[str, bytes]:
    inc = os.path.join(ROOT, "gen", "include")
    # INITGUID + USES_name: the headers themselves define every GUID (MAPI's scheme).
    src = ["#define INITGUID"] + [f"#define USES_{n}" for n in names]
    src += ["#include <stdio.h>"] + [f"#include <{h}>" for h in HEADERS]
    src.append("static void dump(const char *n, const GUID *g) { const unsigned char *p = "
               "(const unsigned char *)g; printf(\"%s\", n); for (int i = 0; i < 16; i++) "
               "printf(\" %02x\", p[i]); printf(\"\\n\"); }")
    src.append("int main(void) {")
    src += [f'    dump("{n}", &{n});' for n in names]
    src.append("    return 0; }")
    c = os.path.join(tmp, "ours.c")
    exe = os.path.join(tmp, "ours")
    with open(c, "w") as fh:
        fh.write("\n".join(src) + "\n")
    r = subprocess.run(["gcc", "-std=c11", "-I", inc, c, "-o", exe], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise AssertionError(r.stderr[:4000])
    run = subprocess.run([exe], capture_output=True, text=True, check=True)
    return {ln.split()[0]: bytes(int(x, 16) for x in ln.split()[1:])
            for ln in run.stdout.splitlines()}


class ExtraFiles(unittest.TestCase):
    def test_files_outside_the_mapi_headers_are_not_compared(self):
        """A file added to idl/ (the README's example) is not in any header MinGW has: the ABI
        test must leave it out rather than fail on it."""
        import shutil
        tmp = tempfile.mkdtemp()
        try:
            for p in glob.glob(os.path.join(ROOT, "idl", "*.idl")):
                shutil.copy(p, tmp)
            with open(os.path.join(tmp, "zz_extension.idl"), "w", encoding="utf-8") as fh:
                fh.write('import "mapidefs.idl";\n'
                         "typedef struct _ZZTHING { ULONG cb; } ZZTHING;\n"
                         "[object, local, uuid(9b4b6e1e-3c0a-4c55-9d43-0a1f6a3e2b99)]\n"
                         "interface IZzThing : IMAPIProp { HRESULT Poke([in] ULONG x); }\n")
            prog, sym = our_model(tmp)
            items, guids = entries(prog, sym)
            labels = {x[0] for x in items}
            self.assertIn("sizeof(IMAPIPropVtbl)", labels)
            self.assertIn("sizeof(IUnknownVtbl)", labels, "imports of the headers are compared")
            self.assertFalse([x for x in labels if "IZzThing" in x or "ZZTHING" in x])
            self.assertNotIn("IID_IZzThing", guids)
        finally:
            shutil.rmtree(tmp)


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapix.h")),
                     "run `ninja` first: the ABI test reads gen/include")
class AbiConformance(unittest.TestCase):
    maxDiff = None

    def test_layouts_and_iids_equal_mingw(self):
        prog, sym = our_model()
        items, guids = entries(prog, sym)
        self.assertGreater(len(items), 500)
        tmp = tempfile.mkdtemp()
        # Drop entries MinGW's headers do not declare (reported, and must be on the list).
        mingw_items = list(items)
        missing: list[str] = []
        for _ in range(6):
            src = probe_source(mingw_items, "#include <windows.h>")
            vals, err = compile_values(MINGW_CC, MINGW_OBJCOPY, src, [], len(mingw_items), tmp)
            if vals is not None:
                break
            bad = failing_lines(err)
            first = 4 + len(HEADERS)  # line number of the first value
            drop = {i - first for i in bad if 0 <= i - first < len(mingw_items)}
            self.assertTrue(drop, err[:4000])
            missing += [mingw_items[i][0] for i in sorted(drop)]
            mingw_items = [x for i, x in enumerate(mingw_items) if i not in drop]
        self.assertIsNotNone(vals, "MinGW probe did not compile")
        theirs = dict(zip((x[0] for x in mingw_items), vals))
        ours_vals, err = compile_values(
            "gcc", "objcopy", probe_source(items, "#include <mapix.h>"),
            ["-I", os.path.join(ROOT, "gen", "include")], len(items), tmp)
        self.assertIsNotNone(ours_vals, err[:4000])
        ours = dict(zip((x[0] for x in items), ours_vals))
        diffs = [f"{k}: ours {ours[k]}, MinGW {theirs[k]}" for k in theirs
                 if ours[k] != theirs[k]]
        mg = mingw_guids(guids, tmp)
        og = our_guids(guids, tmp)
        guids_missing = 0
        for n in guids:
            if n not in mg:
                missing.append(n)
                guids_missing += 1
            elif og[n] != mg[n]:
                diffs.append(f"{n}: ours {og[n].hex()}, MinGW {mg[n].hex()}")
        def key(label: str) -> str:
            k = label.replace("sizeof(", "").rstrip(")").split(".")[0]
            return k[:-4] if k.endswith("Vtbl") else k
        unexplained = [x for x in missing if x not in NOT_IN_MINGW and key(x) not in NOT_IN_MINGW
                       and not x.startswith(NOT_IN_MINGW_PREFIXES)]
        print(f"\nABI: {len(theirs)} layout values and {len(guids) - guids_missing} GUIDs "
              f"compared; {len(missing)} names not in MinGW", file=sys.stderr)
        self.assertEqual(diffs, [], "ABI differences:\n" + "\n".join(diffs))
        self.assertEqual(unexplained, [], "not declared by MinGW (add to NOT_IN_MINGW with a "
                         "reason, or fix the name):\n" + "\n".join(unexplained))


if __name__ == "__main__":
    unittest.main()


MINGW_INCLUDE = "/usr/share/mingw-w64/include"


def mingw_constant_names() -> list[str]:
    """Every PR_*, MAPI_E_* and MAPI_W_* that MinGW's MAPI headers define."""
    names: set[str] = set()
    for h in ("mapitags.h", "mapicode.h", "mapidefs.h"):
        with open(os.path.join(MINGW_INCLUDE, h), encoding="latin-1") as fh:
            names |= set(re.findall(r"^\s*#\s*define\s+((?:PR|MAPI_[EW])_\w+)\b(?!\()", fh.read(),
                                    re.M))
    return sorted(names)


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapix.h")),
                     "run `ninja` first: the conformance test reads gen/include")
class ConstantConformance(unittest.TestCase):
    maxDiff = None

    def test_every_mingw_tag_and_status_code_has_our_value(self):
        names = mingw_constant_names()
        self.assertGreater(len(names), 800)
        items = [(n, f"(unsigned long long)(unsigned int)({n})") for n in names]
        tmp = tempfile.mkdtemp()

        def probe(first: str) -> str:
            lines = [first] + [f"#include <{h}>" for h in HEADERS]
            lines.append('__attribute__((section(".probe"), used)) '
                         "const unsigned long long probe_values[] = {")
            lines += [f"    {e}," for _, e in items]
            return "\n".join(lines + ["};"]) + "\n"
        theirs, err = compile_values(MINGW_CC, MINGW_OBJCOPY, probe("#include <windows.h>"), [],
                                     len(items), tmp)
        self.assertIsNotNone(theirs, err[:3000])
        ours, err = compile_values("gcc", "objcopy", probe("#include <mapix.h>"),
                                   ["-I", os.path.join(ROOT, "gen", "include")], len(items), tmp)
        first = 2 + len(HEADERS)
        missing = [items[i - first][0] for i in sorted(failing_lines(err))
                   if 0 <= i - first < len(items)]
        self.assertEqual(missing, [], "MinGW names our headers lack")
        self.assertIsNotNone(ours, err[:3000])
        diffs = [f"{n}: ours 0x{o:08X}, MinGW 0x{t:08X}"
                 for (n, _), o, t in zip(items, ours, theirs) if o != t]
        print(f"\nconstants: {len(items)} PR_/MAPI_E_/MAPI_W_ values compared", file=sys.stderr)
        self.assertEqual(diffs, [], "value differences:\n" + "\n".join(diffs))


# The headers added after the first seven: every object-like macro MinGW gives a number to.
SDK_HEADERS = ["mapi.h", "imessage.h", "mapiform.h", "mapinls.h", "mapiwin.h", "mapiwz.h",
               "mapihook.h", "mapioid.h", "tnef.h", "mapidbg.h", "exchform.h", "mspab.h",
               "mspst.h", "mapix.h", "mapispi.h", "mapiutil.h", "mapiguid.h"]


# MinGW macros that evaluate to a number only by accident, and are deliberately different here.
SDK_NOT_NUMBERS = {
    "DebugTrace": "MinGW's `1?0:DebugTraceFn` (a trick to swallow printf arguments); here a "
                  "variadic macro, so DebugTrace(...) is a void statement (mapidbg.idl)",
}


def mingw_macro_names(headers: list[str]) -> list[str]:
    names: set[str] = set()
    for h in headers:
        with open(os.path.join(MINGW_INCLUDE, h), encoding="latin-1") as fh:
            for name, value in re.findall(r"^\s*#\s*define\s+(\w+)(?!\()[ \t]+(\S.*)$",
                                          fh.read(), re.M):
                if not re.search(r"_H_*$|^_", name) and name not in SDK_NOT_NUMBERS:
                    names.add(name)
    return sorted(names)


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapix.h")),
                     "run `ninja` first: the conformance test reads gen/include")
class SdkConstantConformance(unittest.TestCase):
    maxDiff = None

    def test_every_numeric_mingw_macro_has_our_value(self):
        names = mingw_macro_names(SDK_HEADERS)
        tmp = tempfile.mkdtemp()
        headers = ["mapix.h", "mapispi.h", "mapiutil.h"] + SDK_HEADERS

        # One variable per macro (kept in order), so each bad one is its own error.
        def probe(first: str, items: list[str]) -> str:
            lines = [first] + [f"#include <{h}>" for h in headers]
            lines += [f'__attribute__((section(".probe"), used)) const unsigned long long '
                      f"probe_{i} = (unsigned long long)(unsigned int)({n});"
                      for i, n in enumerate(items)]
            return "\n".join(lines) + "\n"
        first = 2 + len(headers)
        flags = ["-fno-toplevel-reorder"]
        # MinGW's side decides which macros are numbers: drop what does not compile there.
        items = list(names)
        for _ in range(4):
            theirs, err = compile_values(MINGW_CC, MINGW_OBJCOPY,
                                         probe("#include <windows.h>", items), flags, len(items),
                                         tmp)
            if theirs is not None:
                break
            drop = {i - first for i in failing_lines(err) if 0 <= i - first < len(items)}
            self.assertTrue(drop, err[:3000])
            items = [n for i, n in enumerate(items) if i not in drop]
        self.assertIsNotNone(theirs, "MinGW probe did not compile:\n" + err[:3000])
        self.assertGreater(len(items), 300)
        ours, err = compile_values("gcc", "objcopy", probe("#include <mapix.h>", items),
                                   flags + ["-I", os.path.join(ROOT, "gen", "include")],
                                   len(items), tmp)
        missing = [items[i - first] for i in sorted(failing_lines(err))
                   if 0 <= i - first < len(items)]
        self.assertEqual(missing, [], "MinGW macros our headers lack")
        self.assertIsNotNone(ours, err[:3000])
        diffs = [f"{n}: ours 0x{o:08X}, MinGW 0x{t:08X}"
                 for n, o, t in zip(items, ours, theirs) if o != t]
        print(f"\nSDK constants: {len(items)} numeric macros of {len(SDK_HEADERS)} headers "
              "compared", file=sys.stderr)
        self.assertEqual(diffs, [], "value differences:\n" + "\n".join(diffs))


# Every macro (object-like or function-like: the CbNew*/Sized* size macros, MAPI_I*_METHODS,
# PROP_TYPE, ...) these MinGW headers define must be defined by ours, unless listed here.
MACRO_HEADERS = ["mapidefs.h", "mapiutil.h", "mapix.h", "mapispi.h", "mapicode.h", "mapitags.h",
                 "mapiguid.h", "mapinls.h", "mapival.h", "mapiform.h", "imessage.h", "tnef.h"]
MACROS_NOT_OURS: dict[str, str] = {
    "INTERFACE": "MinGW's scaffolding: #define INTERFACE IFoo before each DECLARE_INTERFACE_; "
                 "our interfaces are generated without it",
    "INC_OLE2": "a switch of <windows.h> (pull in OLE 2), meaningless here",
    "INC_RPC": "a switch of <windows.h> (pull in RPC), meaningless here",
    "MAKE_ENUM": "MinGW's helper to spell mapival.h's METHODS, generated here (idl/mapival.idl)",
    "BASED_STACK": "a 16-bit memory-model keyword, empty in MinGW",
}
# Families left out, by prefix, with the reason (each a gap a user of them would hit).
MACRO_PREFIXES_NOT_OURS: dict[str, str] = {
    "MakeArg": "mapival.h's 16-bit argument packers; ours: MAPIRT_PACK_ARG (gap)",
    "ArgSize": "mapival.h's argument size; ours: MAPIRT_ARG_SLOTS (gap)",
    "MakeArray": "mapival.h's 16-bit argument packers; ours: MAPIRT_PACK_ARG (gap)",
    "ValidateParameters": "mapival.h's numbered forms; ours: Validate_I_M per method (gap)",
    "UlValidateParameters": "mapival.h's numbered forms; ours: UlValidate_I_M (gap)",
    "CheckParameters": "mapival.h's numbered forms; ours: CheckParameters_I_M (gap)",
    "ValidateParms": "mapival.h's variadic form over the METHODS numbering (gap)",
    "UlValidateParms": "mapival.h's variadic form over the METHODS numbering (gap)",
    "CheckParms": "mapival.h's variadic form over the METHODS numbering (gap)",
    "FBad": "mapival.h's vtable-shape checks (FBadUnknown, FBadGetProps, ...; IsBadReadPtr of "
            "a vtable, which Linux cannot answer) (gap)",
    "BAD_STANDARD_OBJ": "mapival.h's vtable-shape check (gap)",
    "GetUserDefaultLCID": "MinGW's mapinls.h maps Win32 NLS names; ours declares MNLS_ only",
    "GetACP": "as GetUserDefaultLCID", "MultiByteToWideChar": "as GetUserDefaultLCID",
    "WideCharToMultiByte": "as GetUserDefaultLCID", "CompareStringA": "as GetUserDefaultLCID",
    "LPOLESTR": "as GetUserDefaultLCID (objidl.h's types)", "LPCOLESTR": "as LPOLESTR",
    "OLECHAR": "as LPOLESTR", "OLESTR": "as LPOLESTR",
}


def mingw_macros(headers: list[str]) -> dict[str, str]:
    """{macro: header} of every #define in these MinGW headers but include guards."""
    out: dict[str, str] = {}
    for h in headers:
        with open(os.path.join(MINGW_INCLUDE, h), encoding="latin-1") as fh:
            for name in re.findall(r"^\s*#\s*define\s+(\w+)", fh.read(), re.M):
                if not re.search(r"_H_*$|^_", name):
                    out.setdefault(name, h)
    return out


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapix.h")),
                     "run `ninja` first: the conformance test reads gen/include")
class MacroConformance(unittest.TestCase):
    def test_every_mingw_macro_is_defined(self):
        """A client or provider that uses any macro of MinGW's MAPI headers (CbNewSRowSet,
        SizedSPropTagArray, MAPI_IMAPISUPPORT_METHODS1, ...) compiles against ours."""
        macros = mingw_macros(MACRO_HEADERS)
        self.assertGreater(len(macros), 1500)
        wanted = {n: h for n, h in macros.items() if n not in MACROS_NOT_OURS
                  and not any(n.startswith(p) for p in MACRO_PREFIXES_NOT_OURS)}
        src = "".join(f"#include <{h}>\n" for h in ["mapix.h", "mapispi.h", "mapiutil.h"]
                      + MACRO_HEADERS)
        src += "".join(f"#ifndef {n}\nMISSING {n} {h}\n#endif\n" for n, h in wanted.items())
        p = subprocess.run(["gcc", "-E", "-P", "-I", os.path.join(ROOT, "gen", "include"),
                            "-x", "c", "-"], input=src, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr[:3000])
        missing = sorted(ln.split(None, 1)[1] for ln in p.stdout.splitlines()
                         if ln.startswith("MISSING "))
        self.assertEqual(missing, [], "MinGW macros our headers lack")
        for n in MACROS_NOT_OURS:
            self.assertIn(n, macros, f"{n} is listed as not ours but MinGW has no such macro")


def mingw_methods_enum() -> list[str]:
    """MinGW's METHODS enumerators in order (MAKE_ENUM(Method,Interface) -> Interface_Method)."""
    with open(os.path.join(MINGW_INCLUDE, "mapival.h"), encoding="latin-1") as fh:
        text = fh.read()
    body = text[text.index("typedef enum _tagMethods"):text.index("} METHODS;")]
    return [f"{i}_{mth}" for mth, i in re.findall(r"MAKE_ENUM\((\w+),(\w+)\)", body)]


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapival.h")),
                     "run `ninja` first: the conformance test reads gen/include")
class MethodsEnumConformance(unittest.TestCase):
    def test_methods_enumeration_has_mingws_numbering(self):
        """mapival.h's METHODS is generated from the interfaces; every enumerator MinGW has
        (Microsoft's numbering; MinGW spells IStream__Read as IStream_Read, an alias here)
        must have the same value."""
        names = mingw_methods_enum()
        self.assertGreater(len(names), 100)
        tmp = tempfile.mkdtemp()
        src = ["#include <mapival.h>",
               '__attribute__((section(".probe"), used)) const unsigned long long v[] = {']
        src += [f"    {n}," for n in names] + ["};"]
        ours, err = compile_values("gcc", "objcopy", "\n".join(src) + "\n",
                                   ["-I", os.path.join(ROOT, "gen", "include")], len(names), tmp)
        self.assertIsNotNone(ours, err[:3000])
        self.assertEqual([f"{n} = {v}" for n, v in zip(names, ours)],
                         [f"{n} = {i}" for i, n in enumerate(names)])
        with open(os.path.join(ROOT, "gen", "include", "mapival.h")) as fh:
            numbered = re.findall(r"^    \w+ = (\d+),$", fh.read(), re.M)
        self.assertEqual(len(numbered), len(names), "no enumerator beyond MinGW's")
