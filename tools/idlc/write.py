"""The only stage that touches the disk: atomic writes, only when bytes change."""
from __future__ import annotations

import os


def write_if_changed(path: str, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return False
    except OSError:
        pass
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, f".idlc-{os.getpid()}-{os.path.basename(path)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def depfile_text(target: str, deps: list[str]) -> str:
    def esc(p: str) -> str:
        return p.replace("\\", "\\\\").replace(" ", "\\ ").replace("#", "\\#").replace("$", "$$")
    lines = [f"{esc(target)}:"] + [f" {esc(d)}" for d in deps]
    return " \\\n".join(lines) + "\n"
