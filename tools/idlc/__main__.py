"""Command line: python3 -m tools.idlc [-I DIR]... --outdir DIR [--depfile F --stamp F] FILE.idl..."""
from __future__ import annotations

import argparse
import os
import sys

from .compiler import process
from .loader import save_cache
from .diag import CompileError
from .write import depfile_text, write_if_changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="idlc", description="Compile mapirt IDL to C/C++ headers, "
                                 "default stubs and tables.")
    ap.add_argument("files", nargs="+", help="IDL files to compile (their imports are read too)")
    ap.add_argument("-I", dest="include", action="append", default=[],
                    help="directory searched for imported IDL files")
    ap.add_argument("-o", "--outdir", required=True, help="output directory (include/, src/)")
    ap.add_argument("--aggregate", action="store_true",
                    help="also write include/mapirt/impl.h and src/mapirt_gen.c for all files")
    ap.add_argument("--depfile", help="write a Makefile-style depfile for --stamp")
    ap.add_argument("--no-cache", action="store_true",
                    help="do not keep parsed files and compiled templates in OUTDIR/.cache")
    ap.add_argument("--stamp", help="file touched when any output changed (the Ninja target)")
    args = ap.parse_args(argv)
    try:
        res = process(args.files, args.include, aggregate=args.aggregate,
                      cache_dir=None if args.no_cache else os.path.join(args.outdir, ".cache"))
    except CompileError as e:
        print(e.format(), file=sys.stderr)
        n = len(e.diags)
        print(f"idlc: {n} error{'s' if n != 1 else ''}; no output written", file=sys.stderr)
        return 1
    changed = False
    for rel, text in sorted(res.outputs.items()):
        changed |= write_if_changed(os.path.join(args.outdir, rel), text)
    # Outputs of an IDL file that was removed since the last run are deleted, so nothing stale
    # is left to be included by mistake.
    manifest = os.path.join(args.outdir, ".outputs")
    try:
        with open(manifest, encoding="utf-8") as fh:
            previous = set(fh.read().split("\n")) - {""}
    except OSError:
        previous = set()
    for rel in sorted(previous - set(res.outputs)):
        try:
            os.unlink(os.path.join(args.outdir, rel))
            changed = True
        except OSError:
            pass
    write_if_changed(manifest, "".join(f"{rel}\n" for rel in sorted(res.outputs)))
    save_cache(res.program, res.outputs, res.deps)
    if args.stamp:
        if changed or not os.path.exists(args.stamp):
            write_if_changed(args.stamp, "")
            os.utime(args.stamp)
        if args.depfile:
            write_if_changed(args.depfile, depfile_text(args.stamp, res.deps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
