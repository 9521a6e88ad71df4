"""Unattended runs: stopping on signals, telling dead runs from live ones, the request log,
and what each run changed in the archive."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def exit_code_for(signum: int) -> int:
    """The shell's code for a process stopped by ``signum``: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


@contextmanager
def on_stop_signals(callback: Callable[[int], None]) -> Iterator[None]:
    """Call ``callback(signum)`` on the running loop at SIGINT or SIGTERM, instead of dying;
    the previous handlers come back afterwards. Outside the main thread nothing is caught."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()

    def handler(signum: int, frame: object) -> None:
        loop.call_soon_threadsafe(callback, signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def process_alive(pid: int | None) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def shown_status(run: dict[str, Any]) -> str:
    """A run's status as ``status`` shows it: a "running" run whose process is gone (killed,
    rebooted) was interrupted."""
    if run["status"] == "running" and not process_alive(run.get("pid")):
        return "interrupted"
    return run["status"]


# -- the request log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestEvent:
    """The outcome of one HTTP request (one attempt, one redirect hop)."""

    url: str
    status: int | None
    size: int
    attempt: int
    error: str | None


class RequestLog:
    """Writes one tab-separated line per request: UTC time, status (or -), bytes, attempt, URL,
    error (or -). Lines are flushed as they are written, so ``tail -f`` follows a run."""

    HEADER = "# time\tstatus\tbytes\tattempt\turl\terror\n"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.out.write(self.HEADER)
        self.out.flush()

    def __call__(self, event: RequestEvent) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        error = " ".join((event.error or "-").split())
        self.out.write(
            f"{now}\t{event.status or '-'}\t{event.size}\t{event.attempt}\t{event.url}\t{error}\n"
        )
        self.out.flush()


# -- what a run changed ------------------------------------------------------------------------
