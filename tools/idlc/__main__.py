"""Command line: python3 -m tools.idlc [-I DIR]... --outdir DIR [--depfile F --stamp F] FILE.idl...

The output directory receives the outputs and nothing else: the cache lives outside it
(cache.py), and the list of what the last run wrote (to delete the outputs of an IDL file that
is no longer compiled) is kept in the --stamp file, the one file a build system asks for."""
from __future__ import annotations

import argparse
import os
import sys

from . import cache
from .compiler import process
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
                    help="keep no cache (default: $XDG_CACHE_HOME/mapirt-idlc, "
                    "~/.cache/mapirt-idlc)")
    ap.add_argument("--stamp", help="file touched when any output changed (the Ninja target)")
    args = ap.parse_args(argv)
    try:
        res = process(args.files, args.include, aggregate=args.aggregate,
                      cache_dir=None if args.no_cache else cache.default_dir())
    except CompileError as e:
        print(e.format(), file=sys.stderr)
        n = len(e.diags)
        print(f"idlc: {n} error{'s' if n != 1 else ''}; no output written", file=sys.stderr)
        return 1
    changed = False
    for rel, text in sorted(res.outputs.items()):
        changed |= write_if_changed(os.path.join(args.outdir, rel), text)
    _remove_legacy(args.outdir)
    if res.program is not None:  # generated, not reused: keep what can be reused next time
        from .loader import save_cache
        save_cache(res.program, res.outputs, res.deps)
    if args.stamp:
        # The stamp lists what this run wrote. Outputs the previous run listed that this one did
        # not write (an IDL file no longer compiled) are deleted, so nothing stale is left to
        # be included by mistake.
        previous = _manifest(args.stamp)
        for rel in sorted(previous - set(res.outputs)):
            try:
                os.unlink(os.path.join(args.outdir, rel))
                changed = True
            except OSError:
                pass
        manifest = "".join(f"{rel}\n" for rel in sorted(res.outputs))
        if not write_if_changed(args.stamp, manifest) and changed:
            os.utime(args.stamp)  # same list, other bytes: Ninja must still see new outputs
        if args.depfile:
            write_if_changed(args.depfile, depfile_text(args.stamp, res.deps))
    return 0


def _manifest(stamp: str) -> set[str]:
    try:
        with open(stamp, encoding="utf-8") as fh:
            return {ln for ln in fh.read().split("\n") if ln and not ln.startswith(("/", "."))
                    and ".." not in ln.split("/")}
    except (OSError, UnicodeDecodeError):
        return set()


def _remove_legacy(outdir: str) -> None:
    """Earlier versions kept their cache (.cache/) and manifest (.outputs) in the output
    directory; both are idlc's own, and no longer belong there."""
    import shutil
    shutil.rmtree(os.path.join(outdir, ".cache"), ignore_errors=True)
    try:
        os.unlink(os.path.join(outdir, ".outputs"))
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
