"""Run ``honnin`` sub-commands as separate processes, the way an operator would type them."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from honnin.demo.processes import DemoError

COMMAND_TIMEOUT_SECONDS = 120.0


def honnin_argv() -> list[str]:
    """Return the argv prefix that runs this installation's ``honnin`` command."""
    script = Path(sys.executable).with_name("honnin")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from honnin.cli import main; main()"]


class HonninCli:
    """Runs ``honnin ...`` with a fixed environment; parses ``--json`` output."""

    def __init__(self, env: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> None:
        self.env = dict(env if env is not None else os.environ)
        self.cwd = cwd
        self.history: list[list[str]] = []

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT_SECONDS,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``honnin args``; raise ``DemoError`` with its error output when it fails."""
        self.history.append(list(args))
        result = subprocess.run(  # noqa: S603 - our own CLI, no shell
            [*honnin_argv(), *args],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            cwd=self.cwd,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stderr.strip() or result.stdout.strip())[-2000:]
            raise DemoError(
                f"`honnin {shlex.join(args)}` failed (exit {result.returncode}):\n{output}",
                hint="the step above names the role; its command printed the error",
            )
        return result

    def json(self, args: Sequence[str], **kwargs: Any) -> Any:
        """Run ``honnin args`` (which must include ``--json``) and parse its stdout."""
        result = self.run(args, **kwargs)
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError as exc:
            raise DemoError(
                f"`honnin {shlex.join(args)}` did not print JSON: {result.stdout[:500]!r}"
            ) from exc

    def missing(self, commands: Iterable[Sequence[str]]) -> list[str]:
        """Return the ``honnin`` sub-commands (e.g. ``issuer serve``) this installation lacks."""
        return missing_commands(commands)


def missing_commands(commands: Iterable[Sequence[str]]) -> list[str]:
    """Return the ``honnin`` sub-commands that are not registered in the command tree."""
    import typer

    from honnin.cli import app

    root = typer.main.get_command(app)
    absent = []
    for command in commands:
        node: Any = root
        for name in command:
            # typer ships its own click; a group is anything with a ``commands`` mapping.
            node = (getattr(node, "commands", None) or {}).get(name)
            if node is None:
                absent.append(" ".join(command))
                break
    return absent
