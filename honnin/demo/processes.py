"""Real service processes on loopback for the demos: free ports, readiness, guaranteed cleanup.

``ServiceGroup`` starts each service as a child process in its own process group, waits
until it answers HTTP, and stops every process it started when the ``with`` block ends,
whether it ends normally, by an exception, or by Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

import httpx

STOP_GRACE_SECONDS = 5.0


class DemoError(Exception):
    """A demo step could not run; the message says which and what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One started service: its process, where it answers, and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self, lines: int = 25) -> str:
        """Return the last lines of the service's combined output."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class ServiceGroup:
    """Start services, wait for them, and stop all of them on exit (also on Ctrl-C)."""

    def __init__(self, log_dir: Path, *, env: Mapping[str, str] | None = None) -> None:
        self._log_dir = log_dir
        self._env = dict(env if env is not None else os.environ)
        self.services: list[Service] = []

    def __enter__(self) -> ServiceGroup:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        ready_url: str,
        timeout: float = 30.0,
        env: Mapping[str, str] | None = None,
        wait: bool = True,
    ) -> Service:
        """Start ``argv`` as service ``name``; unless ``wait`` is false, wait until it answers."""
        log = self._log_dir / f"{name}.log"
        handle = log.open("wb")
        try:
            process = subprocess.Popen(  # noqa: S603 - our own CLI, no shell
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env={**self._env, **(env or {})},
                start_new_session=True,  # its own process group: we stop it and its children
            )
        finally:
            handle.close()
        service = Service(name=name, process=process, url=ready_url, log=log)
        self.services.append(service)
        if wait:
            self.wait_ready(service, timeout)
        return service

    def wait_ready(self, service: Service, timeout: float) -> None:
        """Poll ``service.url`` until it answers HTTP; raise ``DemoError`` if it exits or times out."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                code = service.process.poll()
                if code is not None:
                    raise DemoError(
                        f"{service.name} exited with status {code} before it was ready:\n"
                        f"{service.log_tail()}",
                        hint=f"its full output is in {service.log}",
                    )
                try:
                    client.get(service.url)
                except httpx.TransportError:
                    pass
                else:
                    # An HTTP answer means a server listens there; it must be ours (another
                    # program may have taken the port we chose before our service bound it).
                    if _listens(service.process.pid, service.url) is not False:
                        return
                if time.monotonic() > deadline:
                    raise DemoError(
                        f"{service.name} did not answer {service.url} within {timeout:.0f} s:\n"
                        f"{service.log_tail()}",
                        hint=f"its full output is in {service.log}",
                    )
                time.sleep(0.1)

    def stop(self, service: Service) -> None:
        """Stop one started service (SIGTERM to its group, SIGKILL after a grace period)."""
        _stop(service.process)
        if service in self.services:
            self.services.remove(service)

    def stop_all(self) -> None:
        """Stop every started service: SIGTERM to its group, SIGKILL after a grace period."""
        for service in reversed(self.services):
            _stop(service.process)
        self.services.clear()


def _listens(pid: int, url: str) -> bool | None:
    """Whether process ``pid`` holds a listening TCP socket on ``url``'s port (Linux /proc);
    None where /proc cannot tell."""
    port = httpx.URL(url).port
    inodes: set[str] = set()
    try:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                # local address "ADDR:PORT" in hex; state 0A is LISTEN
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    inodes.add(fields[9])
        sockets = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
    except (OSError, ValueError, IndexError):
        return None
    return any(f"socket:[{inode}]" in sockets for inode in inodes)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=STOP_GRACE_SECONDS)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C inside the block, so cleanup code runs for both."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
