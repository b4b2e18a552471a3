"""Configuration from the input stream may only narrow the operator's.

A KRM ResourceList's functionConfig arrives in the data being checked: in the
post-renderer route a chart author writes it, in a CMP a tenant does.  When
the operator gave any configuration (a file, the environment, flags, a
positional config object), the stream's layer is untrusted: its `allow` is
checked in addition to the operator's (an image must pass both, never a
union), and any other setting it carries is refused, naming the key path,
before anything of it is read (no password file is opened on its behalf).
Without an operator configuration the functionConfig is the configuration
(kustomize and kpt run the function with nothing else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .load import ENV_CONFIG, ENV_RULES, Layer
from .settings import ALLOW_KEY
from .text import ConfigError, load_yaml_text

# What identifies the object rather than configures the run.
_IDENTITY = frozenset({"apiVersion", "kind", "metadata"})


class ConfigRefused(ConfigError):
    """A setting from the input stream that would override the operator's."""


def operator_configured(config_path: str | None, rule_flags: Sequence[str],
                        all_prefix: str | None, allow_flags: Sequence[str],
                        environ: Mapping[str, str], has_object: bool) -> bool:
    """Did the operator (not the input stream) give any configuration?"""
    return bool(config_path or environ.get(ENV_CONFIG) or environ.get(ENV_RULES)
                or rule_flags or all_prefix is not None or allow_flags or has_object)


def narrowing_layer(obj: Any, origin: str) -> Layer:
    """The untrusted layer of an in-stream functionConfig: its allow-list
    only; ConfigRefused for any other setting, naming its key path."""
    if obj is None:
        return Layer(origin, [], trusted=False)
    if not isinstance(obj, Mapping):
        raise ConfigError(f"{origin}: must be a Kubernetes-style object (a mapping)")
    found: list[tuple[str, Any]] = []  # (key path, value) of each `allow`
    is_config_map = obj.get("kind") == "ConfigMap"
    for key, value in obj.items():
        if key in _IDENTITY and ("apiVersion" in obj or "kind" in obj):
            continue
        if (key == "data" and is_config_map) or (key == "spec" and not is_config_map):
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise ConfigError(f"{origin}: {key}: must be a mapping")
            for inner, setting in value.items():
                _only_allow(f"{key}.{inner}", inner, origin)
                found.append((f"{key}.{inner}", setting))
            continue
        _only_allow(str(key), key, origin)
        found.append((str(key), value))
    if len(found) > 1:
        raise ConfigError(f"{origin}: {ALLOW_KEY} is given more than once "
                          f"({', '.join(path for path, _ in found)})")
    if not found:
        return Layer(origin, [], trusted=False)
    path, value = found[0]
    if isinstance(value, str) and is_config_map:
        value = load_yaml_text(value, f"{origin}: {path} (block string)")
    where = f"{origin}: {path.removesuffix(ALLOW_KEY)}"
    return Layer(origin, [], {ALLOW_KEY: value}, where, trusted=False)


def _only_allow(path: str, key: Any, origin: str) -> None:
    if key != ALLOW_KEY:
        raise ConfigRefused(
            f"{origin}: {path}: refused: this functionConfig came in the input stream and the "
            f"operator gave a configuration (file, environment, flags), so the stream may only "
            f"narrow it with `{ALLOW_KEY}`")
