"""Run ``honnin`` sub-commands the way an operator would type them.

``HonninCli`` runs each command as a separate process; ``InProcessCli`` runs the very same
command functions inside this process (one interpreter start instead of one per command),
with the command's environment, stdout and stderr in place for the duration of the call.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


class _CommandRunner:
    """What both ways of running ``honnin`` share: history, failure report, JSON parsing."""

    env: dict[str, str]

    def __init__(self) -> None:
        self.history: list[list[str]] = []
        self.last_stderr = ""  # warnings a successful command printed

    def _execute(
        self, args: Sequence[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        raise NotImplementedError

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT_SECONDS,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``honnin args``; raise ``DemoError`` with its error output when it fails."""
        self.history.append(list(args))
        result = self._execute(args, {**self.env, **(env or {})}, timeout)
        if result.returncode != 0:
            output = (result.stderr.strip() or result.stdout.strip())[-2000:]
            raise DemoError(
                f"`honnin {shlex.join(args)}` failed (exit {result.returncode}):\n{output}",
                hint="the step above names the role; its command printed the error",
            )
        self.last_stderr = result.stderr
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


class HonninCli(_CommandRunner):
    """Runs ``honnin ...`` with a fixed environment; parses ``--json`` output."""

    def __init__(self, env: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> None:
        super().__init__()
        self.env = dict(env if env is not None else os.environ)
        self.cwd = cwd

    def _execute(
        self, args: Sequence[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI, no shell
            [*honnin_argv(), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.cwd,
            timeout=timeout,
            check=False,
        )

    def missing(self, commands: Iterable[Sequence[str]]) -> list[str]:
        """Return the ``honnin`` sub-commands (e.g. ``issuer serve``) this installation lacks."""
        return missing_commands(commands)


class InProcessCli(_CommandRunner):
    """Runs ``honnin ...`` commands in this process through the CLI's own command tree.

    Not thread-safe: it swaps ``sys.stdout``, ``sys.stderr`` and environment variables for
    the duration of each call, as a child process would have them.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.env = dict(env or {})

    def _execute(
        self, args: Sequence[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        import typer

        from honnin.cli import app

        del timeout  # a command in this process cannot be abandoned half-way
        command = typer.main.get_command(app)
        out, err = io.StringIO(), io.StringIO()
        with (
            _environment(env),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = command.main(
                    list(args), prog_name="honnin", standalone_mode=False
                )  # typer.Exit comes back as its exit code
            except typer.Abort:
                code = 1
            except typer.TyperException as exc:  # usage errors (typer ships its own click)
                failure: Any = exc
                message = failure.format_message() if hasattr(failure, "format_message") else exc
                err.write(f"{message}\n")
                code = int(getattr(failure, "exit_code", 1))
        returncode = code if isinstance(code, int) else 0
        return subprocess.CompletedProcess(
            ["honnin", *args], returncode, out.getvalue(), err.getvalue()
        )


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block; restore the previous values after it."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
