"""Start-up shortcuts must give what the slow way gives, and never go stale silently."""

from __future__ import annotations

from pathlib import Path

from post_renderer.extract import compiled
from post_renderer.extract.rows import BUILTIN_FILE, builtin_table_data
from post_renderer.extract.table import build_table

GENERATED = Path(compiled.__file__).with_name("builtin.py")


def test_the_precompiled_table_is_up_to_date() -> None:
    """After an edit of extractors.yaml: `python -m post_renderer.extract.compiled`."""
    assert GENERATED.read_text(encoding="utf-8") == compiled.regenerate()


def test_the_precompiled_table_is_the_yaml_table() -> None:
    precompiled = compiled.load(BUILTIN_FILE.read_bytes())
    assert precompiled is not None
    assert precompiled == compiled.read_yaml()
    rows, _ = builtin_table_data()
    table = build_table()
    assert table.by_kind["Deployment"] == tuple(r for r in rows if r.kind == "Deployment")
    assert (table.never, table.notices) == precompiled[2:]


def test_a_stale_precompiled_table_is_not_used() -> None:
    """Generated from other text (an edit since): the YAML is read instead."""
    source = BUILTIN_FILE.read_bytes()
    assert compiled.load(source + b"\n") is None
    assert compiled.load(source.replace(b"Deployment", b"Deploymenx")) is None
