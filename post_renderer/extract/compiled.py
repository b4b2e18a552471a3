"""The built-in extractor table, precompiled into a Python module.

Every run needs the built-in rows, and reading them from `extractors.yaml`
(composing the YAML, validating each row) is a visible share of the start-up
of a single-chart run, which is what Helm starts on every install.  So the
validated table is also written out as Python (`builtin.py`), which the
interpreter loads from its bytecode cache.

`extractors.yaml` stays the one source: `builtin.py` records the size and
CRC-32 of the text it was generated from, and is used only while they still
match; after an edit of the YAML the table is read from it again (slower,
never wrong) until `python -m post_renderer.extract.compiled` rewrites the
module (a test fails meanwhile).
"""

from __future__ import annotations

import binascii
from typing import Any

from .exempt import FieldList
from .rows import ContainerShape, Extractor

HEADER = ('"""The built-in extractor table, generated from extractors.yaml by\n'
          '`python -m post_renderer.extract.compiled`: edit the YAML, not this file."""\n'
          "# ruff: noqa: E501  (generated: one row a line)\n\n"
          "from .exempt import FieldList\n"
          "from .rows import ContainerShape, Extractor\n")


# (rows, shape, neverRewrite, notices): a plain tuple, no class to build
# at start-up.
BuiltinTable = tuple[tuple[Extractor, ...], ContainerShape, tuple[FieldList, ...],
                     tuple[FieldList, ...]]


def fingerprint(source: bytes) -> tuple[int, int]:
    """What identifies the YAML a module was generated from: size, CRC-32."""
    # binascii's CRC-32 is zlib's; binascii is loaded already (base64), zlib is not
    return len(source), binascii.crc32(source)


def load(source: bytes) -> BuiltinTable | None:
    """The precompiled table, or None when it was generated from other text."""
    try:
        from . import builtin
    except ImportError:  # not generated yet
        return None
    module: Any = builtin
    if (module.SOURCE_SIZE, module.SOURCE_CRC) != fingerprint(source):
        return None
    return module.ROWS, module.SHAPE, module.NEVER, module.NOTICES


def _literal(value: Any) -> str:
    """Python source for a value of the table (sets sorted: a stable file)."""
    if isinstance(value, frozenset):
        return f"frozenset({sorted(value)!r})"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return f"{type(value).__name__}({', '.join(_literal(v) for v in value)})"
    return repr(value)


def render(table: BuiltinTable, source: bytes) -> str:
    """The text of `builtin.py` for the table read from `source`."""
    size, crc = fingerprint(source)
    rows, shape, never, notices = table
    lines = [HEADER, f"SOURCE_SIZE = {size}", f"SOURCE_CRC = {crc:#010x}",
             f"SHAPE = {_literal(shape)}"]
    for name, items in (("ROWS", rows), ("NEVER", never), ("NOTICES", notices)):
        # one row a line: a diff of the YAML is a diff of lines here
        lines += [f"{name} = (", *(f"    {_literal(item)}," for item in items), ")"]
    return "\n".join(lines) + "\n"


def read_yaml() -> BuiltinTable:
    """The table read from `extractors.yaml`, the slow way."""
    from .exempt import builtin_field_lists
    from .rows import builtin_table_data

    rows, shape = builtin_table_data()
    never, notices = builtin_field_lists()
    return rows, shape, never, notices


def regenerate() -> str:
    """The module text for the current `extractors.yaml`."""
    from .rows import BUILTIN_FILE

    return render(read_yaml(), BUILTIN_FILE.read_bytes())


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("builtin.py").write_text(regenerate(), encoding="utf-8")
