"""mapirt trace: a command run with MAPI call tracing on, its trace followed and decoded."""
from __future__ import annotations

import json
import os

from .clitest import EXE, CliTest


class Trace(CliTest):
    def test_passes_the_trace_and_keeps_the_output(self):
        self.ok("profile", "create", "Work")
        rc, out, err = self.run_cli("trace", "--", EXE, "profile", "list")
        self.assertEqual(rc, 0)
        self.assertEqual(out, "PROFILE  DEFAULT\nWork     no\n")  # the command's own stdout
        self.assertRegex(err, r"(?m)^mapirt\[\d+\] IProfAdmin::GetProfileTable\(ulFlags=0, "
                              r"lppTable=0x[0-9a-f]+\) -> S_OK \{\*lppTable=0x[0-9a-f]+\} [\d.]+us$")

    def test_errors_only_and_the_exit_status(self):
        rc, out, err = self.run_cli("trace", "--errors", EXE, "profile", "delete", "Nope")
        self.assertEqual(rc, 1)
        lines = err.strip().splitlines()
        self.assertEqual(lines[0], "mapirt: deleting profile 'Nope': MAPI_E_NOT_FOUND "
                                   "(0x8004010F): there is no profile 'Nope'")
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[1], r'IProfAdmin::DeleteProfile\(lpszProfileName="Nope", '
                                   r'ulFlags=0\) -> MAPI_E_NOT_FOUND [\d.]+us$')
        self.assertEqual(self.run_cli("trace", "sh", "-c", "exit 3")[0], 3)
        self.assertEqual(self.run_cli("trace", "sh", "-c", "kill -9 $$")[0], 128 + 9)
        rc, _, err = self.run_cli("trace", "--", "no-such-command-here")
        self.assertEqual(rc, 127)
        self.assertIn("mapirt: running 'no-such-command-here': No such file or directory", err)

    def test_json_lines_filter_and_output_file(self):
        path = os.path.join(self.tmp, "trace.jsonl")
        rc, out, err = self.run_cli("trace", "--json", "--summary", "--interfaces", "IProfAdmin",
                                    "--output", path, EXE, "profile", "delete", "Nope")
        self.assertEqual(rc, 1)
        with open(path) as fh:
            rows = [json.loads(line) for line in fh]
        calls = [r for r in rows if "method" in r]
        self.assertEqual({r["interface"] for r in calls}, {"IProfAdmin"})
        first = calls[0]
        self.assertEqual((first["method"], first["arguments"], first["result"], first["failed"]),
                         ("DeleteProfile", 'lpszProfileName="Nope", ulFlags=0',
                          "MAPI_E_NOT_FOUND", True))
        summary = {r["summary"]: r for r in rows if "summary" in r}
        self.assertEqual(summary["IProfAdmin::DeleteProfile"]["failed"], 1)
        self.assertEqual(sum(r["calls"] for r in summary.values()), len(calls))

    def test_options_after_the_command_are_the_commands(self):
        rc, out, err = self.run_cli("trace", "--interfaces", "IProfAdmin", EXE, "profile", "list",
                                    "--json")
        self.assertEqual((rc, json.loads(out)), (0, []))
        self.assertIn("IProfAdmin::GetProfileTable", err)
