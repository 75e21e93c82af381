"""Signature conformance: every method and function our headers declare, against MinGW-w64's.

For each interface method (vtable member), each function and each function typedef, the type
spelled by our generated header is checked against MinGW's declaration of the same name with
gcc's __builtin_types_compatible_p, compiled by x86_64-w64-mingw32-gcc over MinGW's headers. Two
signatures are compatible only if every parameter has the same type (a ULONG where MinGW has
ULONG_PTR, a missing const, LPWSTR for LPTSTR all differ).

Every difference must be decided: DECIDED lists each one with the rule that decides it
(docs/decisions.md, "ABI and headers"); a difference not on the list fails, and so does a listed
one that is no longer a difference. Names MinGW does not declare are skipped (the layout test
lists them)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tests.abi import test_abi as abi  # noqa: E402
from tools.idlc import model as m  # noqa: E402

# Microsoft's 64-bit headers (and the MAPI reference) take a pointer-sized ULONG_PTR where
# MinGW's take ULONG: UI parameters (a window handle), advise connections, form tokens, message
# references and caller data. mapirt follows Microsoft (SPEC §19.2): a provider written for
# Microsoft's headers compiles, and a handle or pointer stored there is not truncated.
UI = "ulUIParam (a window handle) is ULONG_PTR"
CONN = "advise connection is ULONG_PTR"
DECIDED: dict[str, str] = {
    "IMAPIProp::CopyTo": UI,
    "IMAPIProp::CopyProps": UI,
    "IMAPITable::Advise": CONN,
    "IMAPITable::Unadvise": CONN,
    "IMAPIStatus::ValidateState": UI,
    "IMAPIStatus::SettingsDialog": UI,
    "IMAPIStatus::FlushQueues": UI,
    "IABContainer::CopyEntries": UI,
    "IDistList::CopyEntries": UI,
    "IMAPIFolder::CopyMessages": UI,
    "IMAPIFolder::DeleteMessages": UI,
    "IMAPIFolder::CopyFolder": UI,
    "IMAPIFolder::DeleteFolder": UI,
    "IMAPIFolder::SetReadFlags": UI,
    "IMAPIFolder::EmptyFolder": UI,
    "IMsgStore::Advise": CONN,
    "IMsgStore::Unadvise": CONN,
    "IMessage::DeleteAttach": UI,
    "IMAPIControl::Activate": UI,
    "IProviderAdmin::CreateProvider": UI,
    "IMAPISession::Advise": CONN,
    "IMAPISession::Unadvise": CONN,
    "IMAPISession::ShowForm": UI + "; ulMessageToken is ULONG_PTR",
    "IMAPISession::PrepareForm": "*lpulMessageToken is ULONG_PTR",
    "IAddrBook::Advise": CONN,
    "IAddrBook::Unadvise": CONN,
    "IAddrBook::Details": "*lpulUIParam is ULONG_PTR",
    "IMAPISupport::Subscribe": CONN,
    "IMAPISupport::Unsubscribe": CONN,
    "IMAPISupport::Address": "*lpulUIParam is ULONG_PTR",
    "IMAPISupport::Details": "*lpulUIParam is ULONG_PTR",
    "IMAPISupport::NewEntry": UI,
    "IMAPISupport::DoConfigPropsheet": UI,
    "IMAPISupport::CopyMessages": UI,
    "IMAPISupport::CopyFolder": UI,
    "IMAPISupport::DoCopyTo": UI,
    "IMAPISupport::DoCopyProps": UI,
    "IMAPISupport::DoProgressDialog": UI,
    "IABProvider::Logon": UI,
    "IABLogon::Advise": CONN,
    "IABLogon::Unadvise": CONN,
    "IXPProvider::TransportLogon": UI,
    "IXPLogon::SubmitMessage": "*lpulMsgRef is ULONG_PTR (the transport's message reference)",
    "IXPLogon::EndMessage": "ulMsgRef is ULONG_PTR",
    "IXPLogon::StartMessage": "*lpulMsgRef is ULONG_PTR",
    "IXPLogon::ValidateState": UI,
    "IXPLogon::FlushQueues": UI,
    "IMSProvider::Logon": UI,
    "IMSProvider::SpoolerLogon": UI,
    "IMSLogon::Advise": CONN,
    "IMSLogon::Unadvise": CONN,
    "ITableData::HrGetView": "ulCallerData is ULONG_PTR (callers pass a pointer)",
    "IMAPIForm::DoVerb": "hwndParent is ULONG_PTR",
    "IMAPIForm::Advise": CONN,
    "IMAPIForm::Unadvise": CONN,
    "IMAPIFormMgr::LoadForm": UI,
    "IMAPIFormMgr::CreateForm": UI,
    "IMAPIFormMgr::SelectForm": UI,
    "IMAPIFormMgr::SelectMultipleForms": UI,
    "IMAPIFormMgr::SelectFormContainer": UI,
    "IMAPIFormMgr::PrepareForm": UI,
    "IMAPIFormContainer::InstallForm": UI,
    "LPFNBUTTON": UI + " (the Details button callback)",
}


def our_signatures() -> list[tuple[str, str, str]]:
    """[(label, MinGW-side expression naming the type, our type spelled as C)]"""
    prog, _ = abi.our_model()
    inc = os.path.join(ROOT, "gen", "include")
    out: list[tuple[str, str, str]] = []
    for f in prog.files.values():
        with open(os.path.join(inc, f.stem + ".h")) as fh:
            hdr = fh.read()
        for d in f.decls:
            if isinstance(d, m.Interface) and d.methods is not None:
                vt = re.search(r"typedef struct %sVtbl \{\n(.*?)\n\} %sVtbl;" % (d.name, d.name),
                               hdr, re.S)
                own = {x.name for x in d.methods}
                for line in vt.group(1).splitlines() if vt else ():
                    g = re.match(r"\s+(.*?)\(\*(\w+)\)\((.*)\);$", line)
                    if g and g.group(2) in own:
                        out.append((f"{d.name}::{g.group(2)}",
                                    f"typeof((({d.name}Vtbl *)0)->{g.group(2)})",
                                    f"{g.group(1)}(*)({g.group(3)})"))
            elif isinstance(d, m.Function):
                g = re.search(r"^(.*?)\b%s\((.*)\);$" % d.name, hdr, re.M)
                if g:
                    out.append((d.name, f"typeof(&{d.name})", f"{g.group(1)}(*)({g.group(2)})"))
            elif isinstance(d, m.Typedef) and any(dc.params is not None for dc in d.decls):
                for dc in d.decls:
                    g = re.search(r"^typedef (.*?)\((\*?)%s\)\((.*)\);$" % dc.name, hdr, re.M)
                    if g:
                        out.append((dc.name, dc.name, f"{g.group(1)}({g.group(2)})({g.group(3)})"))
    return out


@unittest.skipUnless(os.path.exists(os.path.join(ROOT, "gen", "include", "mapix.h")),
                     "run `ninja` first: the signature test reads gen/include")
class SignatureConformance(unittest.TestCase):
    maxDiff = None

    def test_every_difference_from_mingw_is_decided(self):
        items = our_signatures()
        self.assertGreater(len(items), 500)
        tmp = tempfile.mkdtemp()
        heads = ["#define CINTERFACE", "#include <windows.h>"]
        heads += [f"#include <{h}>" for h in abi.HEADERS]
        first = len(heads) + 1

        def probe(sel):
            return "\n".join(heads + [
                f'__attribute__((section(".probe"), used)) const unsigned long long p{i} = '
                f"__builtin_types_compatible_p({a}, {b});" for i, (_, a, b) in enumerate(sel)])
        # Names MinGW lacks do not compile on its side: leave them out.
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as fh:
            fh.write(probe(items) + "\n")
        r = subprocess.run([abi.MINGW_CC, "-std=gnu11", "-w", "-fmax-errors=0",
                            "-fno-toplevel-reorder", "-c", src, "-o", os.path.join(tmp, "p.o")],
                           capture_output=True, text=True)
        bad = {int(x) - first for x in re.findall(r"probe\.c:(\d+):\d+: error", r.stderr)}
        sel = [x for i, x in enumerate(items) if i not in bad]
        vals, err = abi.compile_values(abi.MINGW_CC, abi.MINGW_OBJCOPY, probe(sel) + "\n",
                                       ["-fno-toplevel-reorder"], len(sel), tmp)
        self.assertIsNotNone(vals, err[:3000])
        differ = {lab: ours for (lab, _, ours), v in zip(sel, vals) if not v}
        print(f"\nsignatures: {len(sel)} compared with MinGW, {len(differ)} differ (all decided)",
              file=sys.stderr)
        undecided = [f"{k}: ours {v}" for k, v in sorted(differ.items()) if k not in DECIDED]
        self.assertEqual(undecided, [], "signatures that differ from MinGW's without a decision")
        stale = sorted(k for k in DECIDED if k not in differ)
        self.assertEqual(stale, [], "decided differences that no longer differ")


if __name__ == "__main__":
    unittest.main()
