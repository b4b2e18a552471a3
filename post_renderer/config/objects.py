"""Configuration carried by a Kubernetes-style object: a KRM functionConfig or
the legacy kustomize exec plugin's config object (argv[1]).

A ConfigMap keeps the settings in `data` (kpt's `--fn-config` and
`-- key=value`), as strings: `imageReplacementRules`, `credentials` and
`allow` may be block strings of YAML.  Any other kind keeps them in `spec` or
at the top level.  An object without apiVersion and kind is read as a rules
or pack values file, so `registry-rewrite rules.yaml` also works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .load import RULES_KEY, Layer, rules_from_document, rules_from_value
from .rule_entries import ENTRIES_KEY, EXCLUDE_KEY
from .schema import SECTION
from .settings import ALLOW_KEY, CREDENTIALS_KEY
from .text import ConfigError, load_config_file, load_yaml_text

# In a ConfigMap every value is a string; these hold YAML when they are.
_YAML_IN_STRING = (CREDENTIALS_KEY, ALLOW_KEY, EXCLUDE_KEY, ENTRIES_KEY)
# Any of these in spec puts the rules there.
_RULE_KEYS = (RULES_KEY, EXCLUDE_KEY, ENTRIES_KEY)


def layer_from_object(obj: Any, origin: str) -> Layer:
    """The rules and registry settings of a functionConfig or config object."""
    if obj is None:
        return Layer(origin, [])
    if not isinstance(obj, Mapping):
        raise ConfigError(f"{origin}: must be a Kubernetes-style object (a mapping)")
    if "apiVersion" not in obj and "kind" not in obj:
        return Layer(origin, rules_from_document(obj, origin), obj, f"{origin}: ")
    if obj.get("kind") == "ConfigMap":
        data = obj.get("data")
        if isinstance(data, Mapping):
            data = {key: (load_yaml_text(value, f"{origin}: data.{key} (block string)")
                          if key in _YAML_IN_STRING and isinstance(value, str) else value)
                    for key, value in data.items()}
        return _section_layer(data, origin, f"{origin}: data")
    spec = obj.get("spec")
    in_spec = isinstance(spec, Mapping) and any(key in spec for key in _RULE_KEYS)
    at_top = [key for key in _RULE_KEYS if key in obj]
    if in_spec and at_top:
        raise ConfigError(f"{origin}: {at_top[0]} is given both in spec and at the top level")
    if in_spec:
        return _section_layer(spec, origin, f"{origin}: spec")
    pairs = rules_from_value(obj.get(RULES_KEY), f"{origin}: {RULES_KEY}")
    return Layer(origin, pairs, obj, f"{origin}: ")


def _section_layer(section: Any, origin: str, where: str) -> Layer:
    if section is None:
        return Layer(origin, [])
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where}: must be a mapping holding {RULES_KEY}")
    # A typo is an error instead of a run without rules.
    problem = SECTION.unknown(section, where)
    if problem:
        raise ConfigError(problem)
    pairs = rules_from_value(section.get(RULES_KEY), f"{where}.{RULES_KEY}")
    return Layer(origin, pairs, section, f"{where}.")


def read_config_object(path: str) -> Layer:
    """The legacy exec plugin's argv[1]: a file holding its configuration object."""
    return layer_from_object(load_config_file(path), path)
