"""What idlc keeps between runs, outside the output directory (which holds nothing but outputs):
$XDG_CACHE_HOME/mapirt-idlc (~/.cache/mapirt-idlc), or nowhere with --no-cache or when neither
variable names a writable place.

* outputs/: a run's outputs, found by the hash of the generator's own files (every module and
  template), the Python version, the working directory and the arguments; the entry lists every
  file the run read with the hash of its bytes, and every import candidate that did not exist.
  A run that finds the same bytes everywhere and none of those candidates created reuses the
  outputs as they are (nothing is parsed, checked or rendered; Jinja2 is not even imported).
* parse/: each IDL file's parsed model, one slot per path, holding the hash of the front end
  and of the file's bytes it was parsed from;
* jinja/: compiled templates (Jinja2's bytecode cache, keyed by Jinja2 on each template's
  source and name, and ignored by another Jinja2 or Python version).

Hashes are BLAKE2b (160 bits) of every byte. Entries are written only after a successful run,
atomically; a damaged or foreign entry is a miss. Each folder keeps its most recently used
entries only (LIMITS); bench/README.md has the figures that justify keeping the cache at all."""
from __future__ import annotations

import os
import pickle
import sys

try:  # the built-in module: a tenth of hashlib's import time
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

HERE = os.path.dirname(os.path.abspath(__file__))
LIMITS = {"outputs": 32, "parse": 512}


def default_dir() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        home = os.environ.get("HOME")
        if not home or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "mapirt-idlc")


def digest(*parts: bytes) -> str:
    h = blake2b(digest_size=20)
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))  # unambiguous concatenation
        h.update(p)
    return h.hexdigest()


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return digest(fh.read())
    except OSError:
        return None


_generator: str | None = None


def generator_digest() -> str:
    """Every module and template of the generator, and the Python that runs it."""
    global _generator
    if _generator is None:
        parts = [sys.version.encode()]
        tdir = os.path.join(HERE, "templates")
        for d in (HERE, tdir):
            for n in sorted(os.listdir(d)):
                if n.endswith((".py", ".j2")):
                    with open(os.path.join(d, n), "rb") as fh:
                        parts += [n.encode(), fh.read()]
        _generator = digest(*parts)
    return _generator


def _load(path: str):
    try:
        with open(path, "rb") as fh:
            entry = pickle.load(fh)
    except Exception:  # noqa: BLE001 - any damaged or foreign entry is a miss
        return None
    try:
        os.utime(path)  # recently used: kept by _prune
    except OSError:
        pass
    return entry


def _store(folder: str, name: str, entry) -> None:
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(entry, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, os.path.join(folder, name))
    except OSError:
        pass  # no cache: slower, same output
    _prune(folder)


def _prune(folder: str) -> None:
    limit = LIMITS.get(os.path.basename(folder))
    try:
        names = [n for n in os.listdir(folder) if not n.startswith(".")]
        if limit is None or len(names) <= limit:
            return
        paths = sorted((os.path.join(folder, n) for n in names), key=os.path.getmtime)
        for p in paths[:len(paths) - limit]:
            os.unlink(p)
    except OSError:
        pass


def command_key(command: tuple) -> str:
    return digest(generator_digest().encode(), os.getcwd().encode(), repr(command).encode())


def load_outputs(cache_dir: str, command: tuple) -> tuple[dict, list] | None:
    """(outputs, deps) of an earlier run of the same command when nothing it read has changed."""
    entry = _load(os.path.join(cache_dir, "outputs", command_key(command)))
    if not isinstance(entry, dict) or entry.get("command") != command:
        return None
    for path, k in entry["sources"].items():
        if _file_digest(path) != k:
            return None
    for path in entry["absent"]:
        if os.path.exists(path):  # an import would now resolve to another file
            return None
    return entry["outputs"], entry["deps"]


def save_outputs(cache_dir: str, command: tuple, sources: dict[str, str], absent: list[str],
                 outputs: dict, deps: list) -> None:
    entry = {"command": command,
             "sources": {p: digest(text.encode("utf-8")) for p, text in sources.items()},
             "absent": sorted(set(absent)), "outputs": outputs, "deps": deps}
    _store(os.path.join(cache_dir, "outputs"), command_key(command), entry)


def parse_slot(cache_dir: str, front_end: str, path: str) -> str:
    return os.path.join(cache_dir, "parse", digest(front_end.encode(),
                                                   os.path.abspath(path).encode()))


def load_parsed(slot: str, text_key: str):
    entry = _load(slot)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == text_key:
        return entry[1]
    return None


def save_parsed(slot: str, text_key: str, parsed) -> None:
    _store(os.path.dirname(slot), os.path.basename(slot), (text_key, parsed))
