"""The edge: argument parsing, exit codes, where diagnostics and manifests go."""

from .main import entry, main

__all__ = ["entry", "main"]
