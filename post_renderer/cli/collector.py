"""The cyclic garbage collector, paused while the program starts.

Start-up (imports, the configuration, the stages) allocates tens of thousands
of objects, none of them garbage, and every so often the collector walks them
all; a single-chart run, which is mostly start-up, paid a few milliseconds for
nothing.  The console script pauses the collector before it imports the
program, and the command resumes it before the first document is read, so a
long stream is collected exactly as before (an alias cycle in a document is
freed as ever).  Only a pause made here is resumed: a caller that runs `main`
in its own process keeps its own setting.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.enable()
