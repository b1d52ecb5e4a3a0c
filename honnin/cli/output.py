"""Shared CLI output: JSON for scripts, readable errors with a hint for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from specs.encoding import parse_json
from specs.errors import HonninError

console = Console()
err_console = Console(stderr=True)


def print_json(value: Any) -> None:
    """Write one JSON document to stdout (stable keys, UTF-8)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def fail(
    message: str, *, hint: str | None = None, code: str = "error", as_json: bool = False
) -> NoReturn:
    """Report a failure (to stderr, or as JSON on stdout) and exit with status 1."""
    if as_json:
        print_json({"error": {"code": code, "detail": message}})
    else:
        err_console.print(f"[bold red]error[/]: {escape(message)}")
        if hint:
            err_console.print(f"[dim]hint[/]: {escape(hint)}")
    raise typer.Exit(1)


@contextmanager
def reported_errors(*, as_json: bool = False, hint: str | None = None) -> Iterator[None]:
    """Turn ``HonninError`` and file errors into a clear message and exit status 1."""
    try:
        yield
    except HonninError as exc:
        fail(f"{exc} [{exc.code}]", hint=hint, code=exc.code, as_json=as_json)
    except FileNotFoundError as exc:
        fail(
            f"file not found: {exc.filename}",
            hint="check the path",
            code="not_found",
            as_json=as_json,
        )
    except PermissionError as exc:
        fail(f"permission denied: {exc.filename}", code="permission_denied", as_json=as_json)


def read_json_file(path: Path) -> Any:
    """Read a strict JSON file (no duplicate keys)."""
    return parse_json(path.read_bytes(), what=str(path))


def read_text_file(path: Path) -> str:
    """Read a text file, stripping surrounding whitespace; ``-`` reads stdin."""
    if str(path) == "-":
        return sys.stdin.read().strip()
    return path.read_text(encoding="utf-8").strip()


def comma_list(value: str) -> list[str]:
    """Split a comma-separated option value into non-empty names."""
    return [item.strip() for item in value.split(",") if item.strip()]


Callback = Callable[..., Any]
