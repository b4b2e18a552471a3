"""Registry access: copy images, resolve digests, check presence.

One small interface over one engine (skopeo), used by every command that
touches a registry, so credentials, TLS settings and error reporting are the
same everywhere: `open_registry(...)` gives an engine with `copy`, `digest`
and `exists`; failures are the `RegistryError` subclasses.
"""

from .connection import (
    REGISTRIES_KEY,
    Connection,
    Connections,
    ConnectionSettingsError,
    connections_from_flags,
    parse_registries,
)
from .errors import (
    AuthFailed,
    EngineMissing,
    ImageMissing,
    RegistryError,
    TLSFailed,
    Transient,
    Unreachable,
)
from .session import open_registry
from .skopeo import Skopeo, registry_of

__all__ = [
    "REGISTRIES_KEY", "AuthFailed", "Connection", "Connections", "ConnectionSettingsError",
    "EngineMissing", "ImageMissing", "RegistryError", "Skopeo", "TLSFailed", "Transient",
    "Unreachable", "connections_from_flags", "open_registry", "parse_registries", "registry_of",
]
