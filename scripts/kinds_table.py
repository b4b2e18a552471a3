#!/usr/bin/env python3
"""Write docs/kinds.md, the table of built-in kinds, from extractors.yaml.

The page is generated so that it cannot drift from the data: run
`python3 scripts/kinds_table.py` after changing `extractors.yaml`, and
`--check` (the test suite does) to fail when the committed page is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from post_renderer.extract.exempt import FieldList, builtin_field_lists  # noqa: E402
from post_renderer.extract.rows import Extractor, builtin_table_data  # noqa: E402

PAGE = ROOT / "docs" / "kinds.md"
HEADER = """\
# Built-in kinds

Generated from `post_renderer/extract/extractors.yaml` by
`scripts/kinds_table.py`; do not edit by hand. The row format (and how to add
your own rows in a rules file) is described in
[Your own extractors](extractors.md#your-own-extractors) and in
[coverage.md](coverage.md).

"""


def _code(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _group(groups: frozenset[str] | None) -> str:
    if groups is None:
        return "any"
    return ", ".join(sorted(g or "core" for g in groups))


def _extras(row: Extractor) -> str:
    parts = []
    if row.names:
        parts.append(f"name {_code(row.names)}")
    if row.container_names:
        parts.append(f"in containers {_code(row.container_names)}")
    if row.args:
        parts.append(f"flags {_code(row.args)}")
    if row.env:
        parts.append(f"env {_code(row.env)}")
    if row.env_maps:
        parts.append(f"env maps {_code(row.env_maps)}")
    return "; ".join(parts)


def _field_list(rows: Iterable[FieldList], notice: bool) -> list[str]:
    lines = ["| kind | API group | name | fields |" + (" advice |" if notice else ""),
             "|---|---|---|---|" + ("---|" if notice else "")]
    for row in rows:
        fields = [_code(row.paths), *(f"`{p}` named {_code(row.entry_names)}" for p in row.named),
                  _code(f"--{flag}" for flag in row.args)]
        cells = [row.kind or "any", _group(row.groups), _code(row.names),
                 ", ".join(f for f in fields if f)]
        if notice:
            cells.append(row.message)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render() -> str:
    rows, shape = builtin_table_data()
    never, notices = builtin_field_lists()
    lines = [HEADER.rstrip("\n"), "",
             "Every PodSpec contributes " + _code(shape.pod_spec_containers) + " and "
             + _code(shape.pod_spec_paths) + ". Every container contributes `image`, the "
             "image flags " + _code(f"--{f}" for f in shape.arg_flags) + ", the image env "
             "vars " + _code(shape.env_names) + " and the image maps (`key=REF` entries) "
             + _code(shape.env_maps) + ". Never rewritten: " + _code(shape.skip_values) + ".",
             "",
             "| kind | API group | PodSpecs | containers | image strings | split "
             "`{repository, tag}` | also | pull secrets |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row.kind, _group(row.groups), _code(row.pod_specs), _code(row.containers),
                 _code(row.paths), _code(row.split_images), _extras(row),
                 _code(row.pull_secrets)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Never rewritten", "",
              "Pushed, never pulled: not rewritten (not even with `--rewrite-unknown`) and "
              "never reported by the audit.", "", *_field_list(never, notice=False),
              "", "## Notices", "",
              "Fields whose images no rule can rewrite in place: each present one is a "
              "warning with this advice.", "", *_field_list(notices, notice=True)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    page = render()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE.relative_to(ROOT)} is stale: run scripts/kinds_table.py",
                  file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
