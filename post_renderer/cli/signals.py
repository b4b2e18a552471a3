"""Stopping on a signal the way an error stops: cleanup runs.

Python's default SIGTERM/SIGHUP disposition ends the process without
running `finally` blocks or context managers, so the 0600 login file with
the registry credentials stayed in /tmp and skopeo children ran on.  Here
each of SIGTERM, SIGHUP and SIGINT kills the children (when any were
started) and raises in the main thread, so every `with`/`finally` on the way
out runs; the exit code stays 128 + the signal number (130 for ^C).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

_STOP = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def install() -> None:
    """Route the stop signals through `_stop` (main thread only)."""
    for signum in _STOP:
        try:
            signal.signal(signum, _stop)
        except (OSError, ValueError):  # not the main thread, or not settable
            pass


def _stop(signum: int, frame: FrameType | None) -> None:
    children = sys.modules.get("post_renderer.registry.children")
    if children is not None:  # only a run that asked a registry has any
        children.stop_children()
    for other in _STOP:  # a second signal must not interrupt the cleanup
        signal.signal(other, signal.SIG_IGN)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)
