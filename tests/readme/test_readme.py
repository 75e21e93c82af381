"""README.md is tested: every fenced block says how it is used, and the blocks are carried out,
in order, in a fresh copy of the tree, exactly as written.

A block's info string names its language, then one of:
  run         a shell block: run by bash (-e, -u, pipefail) from the copy's root; the blocks share
              one shell, so `export`s carry over, as they would in the reader's terminal
  file=PATH   the block's text is written to PATH (relative to the copy's root) at that point
  norun       shown, never run (the reason belongs in the README's text: it would install
              outside the copy, or it is `ninja test` itself)
A block without one of them fails the test, so nothing new can drift unnoticed.

The copy holds what a fresh clone would (git's tracked and not-ignored files of the working
tree, so uncommitted work is tested too) and nothing built. The environment loses what would
make the README's own instructions unnecessary (LD_LIBRARY_PATH, PKG_CONFIG_PATH, ...), and the
generator's cache is a private one.

Run alone: /usr/bin/python3 -m unittest tests.readme.test_readme (a few minutes: it builds the
tree, installs it into a staging directory and builds clients against that)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")
SCRUB = ("LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR", "PKG_CONFIG_LIBDIR",
         "DESTDIR", "PREFIX", "MAPIRT_TRACE", "MAPIRT_TRACE_FILE", "CPATH", "C_INCLUDE_PATH",
         "LIBRARY_PATH", "PYTHONPATH")


class Block:
    def __init__(self, line: int, info: str, body: str):
        self.line, self.body = line, body
        words = info.split()
        self.lang = words[0] if words else ""
        self.run = "run" in words[1:]
        self.norun = "norun" in words[1:]
        self.files = [w[len("file="):] for w in words[1:] if w.startswith("file=")]


def blocks(text: str) -> list[Block]:
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, start, body = m.group(1), m.group(2), i + 1, []
        i += 1
        while i < len(lines) and not (lines[i].startswith(fence[0] * len(fence)) and
                                       lines[i].strip(fence[0]) == ""):
            body.append(lines[i])
            i += 1
        out.append(Block(start, info, "\n".join(body) + "\n"))
        i += 1
    return out


def problems(bs: list[Block]) -> list[str]:
    """What is wrong with how the blocks are marked (empty: nothing)."""
    out = []
    for b in bs:
        kinds = int(b.run) + int(b.norun) + int(bool(b.files))
        if kinds != 1:
            out.append(f"README.md:{b.line}: a block needs exactly one of `run`, `norun`, "
                       f"`file=PATH` after its language (```{b.lang} run)")
        for f in b.files:
            if os.path.isabs(f) or ".." in f.split("/"):
                out.append(f"README.md:{b.line}: file={f} must stay inside the tree")
        if b.run and b.lang not in ("sh", "bash", "shell", "console"):
            out.append(f"README.md:{b.line}: only shell blocks can be run")
    return out


def script(bs: list[Block]) -> str:
    """One bash script doing what the blocks say, in order."""
    out = ["set -euo pipefail"]
    for b in bs:
        for f in b.files:
            delim = "README_EOF"
            while delim in b.body:
                delim += "_"
            d = os.path.dirname(f)
            out.append(f"echo '== README.md:{b.line}: file {f}' >&2")
            if d:
                out.append(f"mkdir -p '{d}'")
            out.append(f"cat > '{f}' <<'{delim}'\n{b.body}{delim}")
        if b.run:
            out.append(f"echo '== README.md:{b.line}: run' >&2")
            out.append(b.body)
    return "\n".join(out) + "\n"


def carry_out(text: str, where: str, timeout: int = 3600) -> tuple[bool, str]:
    """(success, report) of doing what README text says, in the directory `where`."""
    bs = blocks(text)
    bad = problems(bs)
    if bad:
        return False, "\n".join(bad)
    path = os.path.join(where, ".readme-test.sh")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(script(bs))
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env["XDG_CACHE_HOME"] = os.path.join(os.path.dirname(where), "xdg-cache")
    r = subprocess.run(["bash", path], cwd=where, env=env, capture_output=True, text=True,
                       timeout=timeout)
    os.unlink(path)
    if r.returncode == 0:
        return True, ""
    marks = re.findall(r"^== (README\.md:\d+: \w+.*)$", r.stderr, re.M)
    where_failed = marks[-1] if marks else "README.md (before the first block)"
    return False, (f"{where_failed}: exit {r.returncode}\n--- stdout (end)\n{r.stdout[-3000:]}"
                   f"\n--- stderr (end)\n{r.stderr[-5000:]}")


def fresh_copy(dest: str) -> None:
    """The files a clone of the working tree would hold, nothing built."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for n in names:
        rel = n.decode()
        src = os.path.join(ROOT, rel)
        if not rel or not os.path.lexists(src):
            continue  # deleted in the working tree
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)


class Marking(unittest.TestCase):
    def test_every_block_says_how_it_is_used(self):
        with open(README, encoding="utf-8") as fh:
            bs = blocks(fh.read())
        self.assertEqual(problems(bs), [])
        self.assertTrue(any(b.run for b in bs))

    def test_harness_reports_the_failing_block(self):
        text = ("intro\n\n```c file=sub/x.c\nint main(void) { return 3; }\n```\n\n"
                "```sh run\ncc sub/x.c -o x\n./x\n```\n\n```sh norun\nexit 1\n```\n")
        with tempfile.TemporaryDirectory() as tmp:
            where = os.path.join(tmp, "tree")
            os.makedirs(where)
            ok, report = carry_out(text, where)
            self.assertFalse(ok)
            self.assertIn("README.md:7: run: exit 3", report)
            ok, _ = carry_out(text.replace("return 3", "return 0"), where)
            self.assertTrue(ok, "the norun block is not run")
            ok, report = carry_out("```sh\necho unmarked\n```\n", where)
            self.assertFalse(ok)
            self.assertIn("README.md:1: a block needs exactly one of", report)


def quick_start(bs: list[Block]) -> list[str]:
    """The Quick start's commands: the first two blocks' lines, comments and blanks left out."""
    out = []
    for b in bs[:2]:
        for line in b.body.splitlines():
            cmd = re.sub(r"\s+#.*$", "", line).strip()
            if cmd and not cmd.startswith("#"):
                out.append(cmd)
    return out


class ContinuousIntegration(unittest.TestCase):
    def test_ci_runs_exactly_the_quick_start(self):
        with open(README, encoding="utf-8") as fh:
            want = quick_start(blocks(fh.read()))
        with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
            ci = [line.strip() for line in fh
                  if line.strip() and not line.lstrip().startswith("#") and
                  not re.match(r"(set|cd) ", line.strip())]
        self.assertEqual(ci, want)
        self.assertEqual(want[0], "tools/install-deps && ninja && tools/tour")


@unittest.skipIf(os.environ.get("MAPIRT_README_TEST") == "0", "MAPIRT_README_TEST=0")
@unittest.skipUnless(os.path.exists(os.path.join(ROOT, ".git")), "not a git checkout")
class Readme(unittest.TestCase):
    def test_readme_works_as_written_in_a_fresh_copy(self):
        with open(README, encoding="utf-8") as fh:
            text = fh.read()
        tmp = tempfile.mkdtemp(prefix="mapirt-readme-")
        try:
            where = os.path.join(tmp, "mapirt")
            fresh_copy(where)
            ok, report = carry_out(text, where)
            self.assertTrue(ok, report)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
