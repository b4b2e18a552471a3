"""The pack's content keys: whether to sync, which images beyond the manifests,
and how to reach each registry.

A Registry Connect pack values file keeps them in three places:
`charts.registry-connect.config.content.sync.enable`, `pack.content.images`
(a list of `{image: REF}` or plain references) and, beside the rules and
credentials, `registries` (per-host plainHTTP / skipTLSVerify / caFile).  A
plain rules file has `content: {sync: {enable}, images}` and `registries` at
its top level.  Nothing here reads a secret or touches a registry.
"""

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..registry.connection import (
    REGISTRIES_KEY,
    Connections,
    ConnectionSettingsError,
    parse_registries,
)
from ..rewrite.reference import ReferenceError, parse_reference
from .schema import CONTENT

CONTENT_KEY = "content"
PACK_CONTENT_PATH = ("pack", "content", "images")
PACK_SYNC_PATH = ("charts", "registry-connect", "config", "content", "sync", "enable")


class ContentError(ValueError):
    """A content or registries key is wrong (a usage error naming the key)."""


class ContentSettings(NamedTuple):
    sync: bool = False
    images: tuple[tuple[str, str], ...] = ()  # (reference, key path it came from)
    connections: Connections = Connections()


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    node = doc
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _sync_flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ContentError(f"{where}: must be true or false")
    return value


def _images(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """`[REF, {image: REF}, …]`, each a valid reference."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ContentError(f"{where}: must be a list of images ({{image: REF}} or REF)")
    images = []
    for i, entry in enumerate(value):
        what = f"{where}[{i}]"
        image = entry.get("image") if isinstance(entry, Mapping) else entry
        if not isinstance(image, str) or not image.strip():
            raise ContentError(f"{what}: expected an image reference or {{image: REF}}")
        try:
            parse_reference(image)
        except ReferenceError as err:
            raise ContentError(f"{what}: {image!r} is not a valid image reference ({err})"
                               ) from None
        images.append((image, what))
    return tuple(images)


def content_from_document(doc: Any, origin: str, registry_section: Mapping[str, Any] | None,
                          section_where: str, is_pack: bool) -> ContentSettings:
    """The content settings of a rules or pack values file (`registry_section` is
    where credentials live: `registries` sits beside them)."""
    try:
        if is_pack:
            sync = _sync_flag(_get(doc, PACK_SYNC_PATH), f"{origin}: {'.'.join(PACK_SYNC_PATH)}")
            images = _images(_get(doc, PACK_CONTENT_PATH),
                             f"{origin}: {'.'.join(PACK_CONTENT_PATH)}")
        else:
            content = doc.get(CONTENT_KEY) if isinstance(doc, Mapping) else None
            where = f"{origin}: {CONTENT_KEY}"
            if content is not None and not isinstance(content, Mapping):
                raise ContentError(f"{where}: must be a mapping with sync and images")
            content = content or {}
            problem = CONTENT.unknown(content, where)
            if problem:
                raise ContentError(problem)
            sync_section = content.get("sync")
            if sync_section is not None and not isinstance(sync_section, Mapping):
                raise ContentError(f"{where}.sync: must be a mapping with enable")
            sync = _sync_flag((sync_section or {}).get("enable"), f"{where}.sync.enable")
            images = _images(content.get("images"), f"{where}.images")
        registries = (registry_section or {}).get(REGISTRIES_KEY)
        connections = parse_registries(registries, f"{section_where}{REGISTRIES_KEY}",
                                       os.path.dirname(origin))
    except ConnectionSettingsError as err:
        raise ContentError(str(err)) from None
    return ContentSettings(sync, images, connections)
