"""Every child process a run starts, tracked so that a signal can stop them.

When the run is told to stop (SIGTERM from Helm's or Argo CD's timeout, ^C),
a skopeo that keeps running holds the login file's path and keeps talking to
the registry after the caller gave up on us.  Children are started here only,
remembered while they run, and killed by `stop_children`; once stopping, no
new child starts.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Mapping, Sequence

_live: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()
_stopping = threading.Event()


class ChildrenStopped(Exception):
    """The run is stopping: no child process is started any more.  Not a
    RegistryError, so that no retry loop waits and tries again."""


def run_child(argv: Sequence[str], env: Mapping[str, str],
              timeout: float) -> subprocess.CompletedProcess[bytes]:
    """subprocess.run(argv, capture_output, stdin=DEVNULL), tracked.  Raises
    FileNotFoundError and TimeoutExpired as subprocess.run does."""
    if _stopping.is_set():
        raise ChildrenStopped()
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(env))
    with _lock:
        _live.add(proc)
    try:
        if _stopping.is_set():  # the signal came while it started
            proc.kill()
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        if _stopping.is_set():
            raise ChildrenStopped()
        return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)
    finally:
        with _lock:
            _live.discard(proc)


def stop_children() -> None:
    """Kill every running child and refuse new ones.  Called from a signal
    handler in the main thread, which may hold `_lock`: so it takes no lock
    (a copy of a set is one step under the GIL)."""
    _stopping.set()
    for proc in list(_live):
        try:
            proc.kill()
        except OSError:
            pass
