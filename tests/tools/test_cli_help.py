"""mapirt's --help, man page and bash completion: all three from the one command table, so
every command listed by `mapirt help` has each."""
from __future__ import annotations

import re
import shutil
import subprocess

from .clitest import EXE, CliTest


class Help(CliTest):
    def commands(self):
        out = self.ok("help")
        cmds = re.findall(r"^  (\S+(?: [a-z]+)?)(?= )", out.split("commands:\n", 1)[1], re.M)
        groups = {c.split()[0] for c in cmds}
        # a group with subcommands lists "group sub"; a lone command only its group
        return [c for c in cmds if not (" " in c and c.split()[1].isupper())], groups

    def test_every_command_has_help(self):
        cmds, groups = self.commands()
        self.assertGreaterEqual(len(cmds), 15)
        for c in cmds:
            with self.subTest(command=c):
                out = self.ok(*c.split(), "--help")
                self.assertTrue(out.startswith(f"usage: mapirt {c}"), out)
                self.assertIn("  --help ", out)
        for g in groups:
            with self.subTest(group=g):
                rc, out, err = self.run_cli(g, "--help")
                self.assertEqual(rc, 0)

    def test_man_page_lists_every_command(self):
        man = self.ok("help", "--man")
        cmds, _ = self.commands()
        for c in cmds:
            self.assertIn(".B mapirt " + c.replace("-", "\\-"), man)
        for env in ("MAPIRT_PROFILE", "MAPIRT_PROFILES", "MAPIRT_SERVICES"):
            self.assertIn(env, man)
        if shutil.which("groff"):
            r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man,
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_bash_completion(self):
        script = self.ok("help", "--bash-completion")
        r = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

        def complete(line: str) -> list[str]:
            words = line.split(" ")
            prog = (script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
                    f"COMP_CWORD={len(words) - 1}\n_mapirt\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
            out = subprocess.run(["bash", "-c", prog], capture_output=True, text=True).stdout
            return sorted(out.split())

        self.assertIn("profile", complete("mapirt pro"))
        self.assertEqual(complete("mapirt service con"), ["configure"])
        self.assertEqual(complete("mapirt service configure --s"), ["--set"])
        self.assertIn("--json", complete("mapirt profile list --"))

    def test_bash_completion_of_profile_names(self):
        self.ok("profile", "create", "Work")
        self.ok("profile", "create", "Two words")
        script = self.ok("help", "--bash-completion")

        def complete(*words: str) -> list[str]:
            # COMP_WORDS[0] is the program: the completion asks it for `profile list`
            arr = " ".join("'" + w + "'" for w in (EXE,) + words)
            prog = (script + f"\nCOMP_WORDS=({arr})\nCOMP_CWORD={len(words)}\n_mapirt\n"
                    "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
            r = subprocess.run(["bash", "-c", prog], capture_output=True, text=True,
                               env=self.env)
            return sorted(x for x in r.stdout.split("\n") if x)

        both = ["Two\\ words", "Work"]
        self.assertEqual(complete("profile", "show", ""), both)
        self.assertEqual(complete("profile", "show", "Tw"), ["Two\\ words"])
        self.assertEqual(complete("session", "--profile", ""), both)
        self.assertEqual(complete("send", "--profile", "W"), ["Work"])
        self.assertEqual(complete("service", "list", "--json", ""), both)
        self.assertEqual(complete("profile", "copy", "Work", ""), ["--help"], "NEW: no profile")
        self.assertEqual(complete("profile", "create", ""),
                         ["--default", "--default-services", "--help", "--service"],
                         "NAME is a new profile")
        self.assertEqual(complete("service", "configure", "--set", ""), [])

    def test_usage_errors_exit_2(self):
        for args in ((), ("nosuch",), ("profile",), ("profile", "frob"),
                     ("profile", "create"), ("profile", "list", "extra"),
                     ("profile", "list", "--bogus"), ("profile", "delete", "--json", "x"),
                     ("profile", "create", "x", "--default-services", "--service", "ACME"),
                     ("service", "add", "--set"), ("vocab", "flags", "LogonFlags", "banana")):
            with self.subTest(args=args):
                rc, out, err = self.run_cli(*args)
                self.assertEqual(rc, 2, err)
                self.assertTrue(err.startswith("mapirt") or out.startswith("usage"), err)
        self.assertEqual(self.json("profile", "list"), [])  # and nothing was created
