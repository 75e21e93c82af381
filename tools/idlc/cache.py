"""What idlc keeps in OUTDIR/.cache between runs, so that repeating work is skipped:

* parse/: each IDL file's parsed model, keyed by its path and bytes (loader.py);
* jinja/: compiled templates (Jinja2's bytecode cache, keyed by template source);
* outputs.pickle: the last successful run's outputs with the bytes of every file it read; when
  the same command finds every one of those files unchanged, the outputs are reused as they are
  (nothing is parsed, checked or rendered, and Jinja2 is not even imported).

Entries are written only after a successful run; any change to an input, to the command, or to
the generator's own source or templates misses."""
from __future__ import annotations

import os
import pickle
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def key(data: bytes) -> str:
    """Two independent 32-bit checksums and the length (zlib is built in, so this costs no
    import time, unlike hashlib)."""
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def generator_digest() -> str:
    parts = []
    tdir = os.path.join(HERE, "templates")
    for d, names in ((HERE, sorted(os.listdir(HERE))), (tdir, sorted(os.listdir(tdir)))):
        for n in names:
            if n.endswith((".py", ".j2")):
                with open(os.path.join(d, n), "rb") as fh:
                    parts.append(n.encode() + b"\0" + fh.read())
    return key(b"\0\0".join(parts))


def _file_key(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return key(fh.read())
    except OSError:
        return None


def load_outputs(cache_dir: str, command: tuple) -> tuple[dict, list] | None:
    """(outputs, deps) of the last run when nothing it read has changed, else None."""
    try:
        with open(os.path.join(cache_dir, "outputs.pickle"), "rb") as fh:
            entry = pickle.load(fh)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
        return None
    if entry.get("command") != command or entry.get("generator") != generator_digest():
        return None
    for path, k in entry["sources"].items():
        if _file_key(path) != k:
            return None
    return entry["outputs"], entry["deps"]


def save_outputs(cache_dir: str, command: tuple, sources: dict[str, str], outputs: dict,
                 deps: list) -> None:
    entry = {"command": command, "generator": generator_digest(),
             "sources": {p: key(text.encode("utf-8")) for p, text in sources.items()},
             "outputs": outputs, "deps": deps}
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = os.path.join(cache_dir, f"outputs.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(entry, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, os.path.join(cache_dir, "outputs.pickle"))
    except OSError:
        pass
