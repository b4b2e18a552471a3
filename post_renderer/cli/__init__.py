"""The edge: argument parsing, exit codes, where diagnostics and manifests go."""

from __future__ import annotations

from typing import NoReturn


def entry() -> NoReturn:
    """The console script and `python -m post_renderer`: the program is
    imported with the garbage collector paused (`collector`), then run."""
    from .collector import pause

    pause()
    from .main import entry as run

    run()


__all__ = ["entry"]
