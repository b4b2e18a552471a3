"""The audit: image-like values that no extractor covered.

The failure users fear most is the image nobody saw (a CRD field, a flag) and
a cluster that cannot pull at 3 a.m.  After extraction, the whole document is
walked once for values that look like images by their place (a key named
`image` or ending in `Image`, or the `repository` of a `{repository, tag}`
mapping under such a key, an `--…image…=` flag, an env var whose name says
IMAGE) and parse as references; any the extractors did not cover is reported.
ConfigMap/Secret data and metadata (annotations, labels) are never candidates:
they are opaque to Kubernetes, and rewriting them is an extractor's decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from ..rewrite.reference import ReferenceError, parse_reference
from ..yaml.tree import Scalar
from .paths import join_path
from .sniff import OPAQUE_KINDS
from .walk import ImageField
from .walk import resources as resources  # the iterative walk; rewrite imports it here

# "image" in any case, spelled out: re.IGNORECASE made this the costliest
# pattern to compile at start-up.
_FLAG = re.compile(r"--?[A-Za-z0-9-]*[Ii][Mm][Aa][Gg][Ee][A-Za-z0-9-]*=(?=.)")
# ASCII case only (str.upper() maps `ı` to `I`): the pre-parse test must be
# able to see every name this matches in the raw bytes.
_IMAGE_WORD = re.compile(r"[Ii][Mm][Aa][Gg][Ee]")
_SIMPLE_KEY = r"[A-Za-z0-9_-]+"  # only for what is reported: compiled on first use
_OPAQUE_KEYS = frozenset({"data", "binaryData", "stringData"})


def _key_path(parent: str, key: str) -> str:
    return join_path(parent, key if re.fullmatch(_SIMPLE_KEY, key) else f"['{key}']")


def _is_reference(text: str) -> bool:
    try:
        parse_reference(text)
    except ReferenceError:
        return False
    return True


# A node's path, rendered only for what is reported: the audit walks every
# parsed node and reports almost none.  A rendered prefix, or (parent, step):
# a key (str) or a list index (int).
Where = Any


def _render(where: Where) -> str:
    steps: list[str | int] = []
    while isinstance(where, tuple):
        where, step = where
        steps.append(step)
    path: str = where
    for step in reversed(steps):
        path = f"{path}[{step}]" if isinstance(step, int) else _key_path(path, step)
    return path


def find_uncovered(
    found: Sequence[tuple[str, Any]], covered: set[int], skip_values: frozenset[str]
) -> Iterator[ImageField]:
    """Image-like scalars of a document's resources (`resources`) whose start
    offset is not in `covered`.

    Iterative, and each container node is visited once even when aliases
    share it, so an alias bomb or deep nesting costs time linear in the text.
    """
    visited: set[int] = set()
    for prefix, resource in found:
        kind = resource.get("kind")  # may be any node, even a mapping (unhashable)
        opaque = isinstance(kind, str) and kind in OPAQUE_KINDS
        stack: list[tuple[Any, Where, bool]] = [(resource, prefix, True)]
        while stack:
            node, where, top = stack.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            if isinstance(node, list):
                for i, item in enumerate(node):
                    if isinstance(item, (dict, list)):
                        stack.append((item, (where, i), False))
                    elif isinstance(item, Scalar) and item.startswith("-"):
                        match = _FLAG.match(item)
                        if (match and item.start not in covered
                                and _is_reference(item[match.end():])):
                            yield ImageField(_render((where, i)), item, resource,
                                             span=(match.end(), len(item)))
                continue
            if not isinstance(node, dict):
                continue
            if "value" in node:
                name = node.get("name")
                if (isinstance(name, str) and _IMAGE_WORD.search(name)
                        and _candidate(node["value"], covered, skip_values)):
                    yield ImageField(join_path(_render(where), "value"), node["value"], resource)
            for key, value in node.items():
                if top and opaque and key == "data" and kind == "ConfigMap":
                    yield from _data_images(value, _render(where), resource, covered,
                                            skip_values)
                if not isinstance(key, str) or (top and (key == "metadata" or
                                                         (opaque and key in _OPAQUE_KEYS))):
                    continue
                image_key = key == "image" or key.endswith("Image")
                if isinstance(value, (dict, list)):
                    stack.append((value, (where, key), False))
                    # a split `{repository, tag}` image: its repository is the name
                    if (image_key and isinstance(value, dict)
                            and _candidate(value.get("repository"), covered, skip_values)):
                        yield ImageField(_key_path(_render((where, key)), "repository"),
                                         value["repository"], resource)
                elif image_key and _candidate(value, covered, skip_values):
                    yield ImageField(_render((where, key)), value, resource)


def _data_images(data: Any, path: str, resource: Any, covered: set[int],
                 skip_values: frozenset[str]) -> Iterator[ImageField]:
    """References in a ConfigMap's data under image-like keys (`SIDECAR_IMAGE`,
    `image`, `helperImage`): the application reads them, maybe to run them.
    Reported as DATA, never rewritten unless a row names the ConfigMap."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if (isinstance(key, str) and key.lower().endswith(_DATA_IMAGE_KEY_ENDINGS)
                and _candidate(value, covered, skip_values)):
            yield ImageField(_key_path(join_path(path, "data"), key), value, resource,
                             note=DATA)


DATA = "data"
_DATA_IMAGE_KEY_ENDINGS = ("image", "image_name", "imagename")


def _candidate(value: Any, covered: set[int], skip_values: frozenset[str]) -> bool:
    # covered first: it is a set lookup, and most image keys are covered
    return (isinstance(value, Scalar) and value.start not in covered and value.is_string
            and str(value) not in skip_values and _is_reference(value))
