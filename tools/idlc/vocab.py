"""Lowering of MAPI's vocabulary (property tags, property types, status codes, flag sets) into
sorted tables and perfect-hash indexes, computed here so the C lookups are table reads."""
from __future__ import annotations

from typing import NamedTuple, Optional

from . import model as m
from .loader import Program
from .validate import TSTRING_TYPES, Symbols

MASK64 = (1 << 64) - 1


def fnv1a64(s: str) -> int:
    h = 0xCBF29CE484222325
    for b in s.encode("ascii"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def fmix64(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & MASK64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & MASK64
    k ^= k >> 33
    return k


class PerfectHash(NamedTuple):
    """Hash-and-displace: bucket = h % nbuckets; slot = fmix64(h + disp[bucket]) % size, where
    h = fnv1a64(key). Mirrored by runtime/core/vocab.c."""
    size: int
    disp: list[int]
    slots: list[int]  # slot -> index into the keyed table, or -1
    max_bucket: int


def perfect_hash(keys: list[str]) -> PerfectHash:
    n = len(keys)
    size = max(1, n + n // 4)
    nb = max(1, n // 3)
    buckets: list[list[int]] = [[] for _ in range(nb)]
    hs = [fnv1a64(k) for k in keys]
    for i, h in enumerate(hs):
        buckets[h % nb].append(i)
    order = sorted(range(nb), key=lambda b: (-len(buckets[b]), b))
    slots = [-1] * size
    disp = [0] * nb
    for b in order:
        if not buckets[b]:
            continue
        d = 1
        while True:
            want = [fmix64((hs[i] + d) & MASK64) % size for i in buckets[b]]
            if len(set(want)) == len(want) and all(slots[w] < 0 for w in want):
                break
            d += 1
        disp[b] = d
        for i, w in zip(buckets[b], want):
            slots[w] = i
    return PerfectHash(size, disp, slots, max(len(b) for b in buckets))


class TagRow(NamedTuple):
    tag: int
    name: str
    pidtag: Optional[str]
    flagset: int  # index into flagsets, -1 for none


class ScodeRow(NamedTuple):
    value: int
    name: str
    description: str


class FlagSetVM(NamedTuple):
    name: str
    kind: str
    members: list[tuple[int, str]]  # (value, name), sorted by value


class Vocab(NamedTuple):
    tags: list[TagRow]  # sorted by (tag, name): the first row of a tag is its primary name
    names: list[tuple[str, int]]  # every spelling -> tag, keyed by `name_hash`
    name_hash: PerfectHash
    ptypes: list[tuple[int, str]]
    scodes: list[ScodeRow]  # sorted by value; the first row of a value is its primary name
    flagsets: list[FlagSetVM]  # sorted by name
    flagset_hash: PerfectHash


def build(prog: Program, sym: Symbols) -> Vocab:
    flagsets = sorted(sym.flagsets.values(), key=lambda f: f.name)
    fs_index = {f.name: i for i, f in enumerate(flagsets)}
    fs_vms = []
    for f in flagsets:
        members = sorted(((sym.value(mm.name) or 0) & 0xFFFFFFFF, mm.name) for mm in f.members
                         if sym.value(mm.name) is not None)
        fs_vms.append(FlagSetVM(f.name, f.kind, members))

    tags: list[TagRow] = []
    names: dict[str, int] = {}
    scodes: list[tuple[int, int, int, str, str]] = []
    ptypes: dict[int, str] = {}
    order = 0
    for f in prog.files.values():
        for d in f.decls:
            order += 1
            if isinstance(d, m.Property):
                a = m.attr(d.attrs, "pidtag")
                pidtag = a.args[0].name if a and a.args and isinstance(a.args[0], m.Name) else None
                fa = m.attr(d.attrs, "flags") or m.attr(d.attrs, "values")
                fsi = fs_index.get(fa.args[0].name, -1) if fa and fa.args else -1
                if d.ptype.name in TSTRING_TYPES:
                    ta, tw = sym.value(d.name + "_A"), sym.value(d.name + "_W")
                    if ta is None or tw is None:
                        continue
                    tags.append(TagRow(ta, d.name + "_A", pidtag, fsi))
                    tags.append(TagRow(tw, d.name + "_W", pidtag, fsi))
                    names.setdefault(d.name + "_A", ta)
                    names.setdefault(d.name + "_W", tw)
                    # Without UNICODE the unsuffixed name is the 8-bit tag, as in C code.
                    names.setdefault(d.name, ta)
                    if pidtag:
                        names.setdefault(pidtag, tw)
                else:
                    t = sym.value(d.name)
                    if t is None:
                        continue
                    tags.append(TagRow(t, d.name, pidtag, fsi))
                    names.setdefault(d.name, t)
                    if pidtag:
                        names.setdefault(pidtag, t)
            elif isinstance(d, m.Scode):
                v = sym.value(d.name)
                if v is None:
                    continue
                desc = m.attr(d.attrs, "helpstring")
                text = desc.args[0] if desc and desc.args and isinstance(desc.args[0], str) else ""
                alias_of = d.value.name if isinstance(d.value, m.Name) else None
                if not text and alias_of:
                    for other in scodes:
                        if other[3] == alias_of:
                            text = other[4]
                # [canonical] marks the name a value is shown by when several names share it.
                rank = 0 if m.attr(d.attrs, "canonical") else 1
                scodes.append((v & 0xFFFFFFFF, rank, order, d.name, text))
            elif isinstance(d, m.Const) and d.name.startswith("PT_"):
                v = sym.value(d.name)
                if v is not None:
                    ptypes.setdefault(v & 0xFFFF, d.name)
            elif isinstance(d, m.FlagSet):
                for mm in d.members:
                    if mm.name.startswith("PT_") and mm.value is not None:
                        v = sym.value(mm.name)
                        if v is not None:
                            ptypes.setdefault(v & 0xFFFF, mm.name)
    tags.sort(key=lambda r: (r.tag, r.pidtag is None, r.name))
    name_list = sorted(names.items())
    return Vocab(
        tags=tags, names=name_list, name_hash=perfect_hash([n for n, _ in name_list]),
        ptypes=sorted(ptypes.items()),
        scodes=[ScodeRow(v, n, t) for v, _, _, n, t in sorted(scodes)],
        flagsets=fs_vms, flagset_hash=perfect_hash([f.name for f in fs_vms]))
