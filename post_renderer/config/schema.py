"""The keys each configuration object may hold, declared in one place, and
the one check that names a key nobody reads.

Every object a user writes (a rules file, registry-rewrite's section of a
functionConfig or config object, an extractor row, a credential) is declared
here as a `Keys`: adding a configuration key is one line in its table (and
the code that reads it).  A typo is an error that names the key path, the
closest known key and what is allowed; it never echoes a value, which may be
a password.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class Keys:
    """The keys of one kind of configuration object, each with what it holds."""

    __slots__ = ("keys", "what")

    def __init__(self, what: str, keys: Mapping[str, str]) -> None:
        self.what = what
        self.keys = dict(keys)

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    def __iter__(self) -> Any:
        return iter(self.keys)

    def unknown(self, mapping: Mapping[Any, Any], where: str) -> str | None:
        """The message for the first key (in sorted order) that is not declared, or None."""
        unknown = sorted(str(k) for k in mapping if k not in self.keys)
        if not unknown:
            return None
        key = unknown[0]
        hint = did_you_mean(key, self.keys)
        return (f"{where}: unknown key {key!r}{hint} ({self.what} holds: "
                f"{', '.join(sorted(self.keys))})")


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """`; did you mean 'x'?` for a close known key, else ''."""
    import difflib  # imported where used: only a run with a typo needs it

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


RULES_FILE = Keys("a rules file", {
    "imageReplacementRules": "source prefix → target: a mapping or a block string",
    "extractors": "extra extractor rows (kinds and where their images are)",
    "credentials": "registry credentials for generated pull Secrets",
    "pullSecret": "an existing Secret to name in imagePullSecrets",
    "allow": "prefixes every image must end up under",
    "registries": "per registry host: plainHTTP, skipTLSVerify, caFile",
    "content": "sync.enable and images beyond the manifests",
    "exclude": "images never rewritten: prefixes, exact images or patterns",
    "rules": "exact, scoped and pattern rules beside imageReplacementRules",
})
EXCLUDE_ENTRY = Keys("an exclude entry", {
    "source": "a prefix or an exact image (with tag or digest)",
    "pattern": "a regular expression over the normalized reference",
    "namespaces": "only in these namespaces",
    "kinds": "only for these kinds ([GROUP/]Kind)",
})
RULE_ENTRY = Keys("a rules entry", {
    **EXCLUDE_ENTRY.keys,
    "source": "a prefix, an exact image (with tag or digest), or all",
    "target": "the prefix, image or (pattern) template to rewrite to",
    "examples": "a pattern rule's image → expected result checks",
})
# registry-rewrite's own section of a functionConfig or config object
# (ConfigMap data, spec): what a rules file holds, less the extractors and the
# keys read from files only (content, registries).
SECTION = Keys("registry-rewrite's section", {
    k: v for k, v in RULES_FILE.keys.items()
    if k not in ("extractors", "registries", "content")})
EXTRACTOR_ROW = Keys("an extractor row", {
    "kind": "the kind the row covers",
    "apiVersion": "the API versions (groups) it covers; any when absent",
    "podSpecs": "paths of PodSpecs",
    "containers": "paths of containers outside a PodSpec",
    "paths": "paths of image strings",
    "splitImages": "paths of {repository, tag} mappings",
    "args": "flag names (globs) whose value is an image",
    "env": "env var names (globs) whose value is an image",
    "envMaps": "env var names (globs) whose value is `key=REF` entries",
    "name": "resource names (globs) the row applies to; any when absent",
    "containerNames": "container names (globs) its args/env/envMaps apply to",
    "pullSecrets": "where the kind's pods take pull secrets (a dotted path to a list)",
})
# A row of extractors.yaml's `neverRewrite` (push targets) or `notices`.
FIELD_LIST = Keys("a neverRewrite or notices row", {
    "kind": "the kind the row covers; any when absent (args only)",
    "apiVersion": "the API versions (groups) it covers; any when absent",
    "name": "resource names (globs) the row applies to; any when absent",
    "paths": "paths of the fields",
    "namedValues": "paths of {name, value} entries, picked by `names`",
    "names": "the entry names (globs) of namedValues",
    "args": "flag names (globs) whose value is the field",
    "message": "a notice's advice",
})
CREDENTIAL = Keys("a credential", {
    "domain": "the registry host",
    "username": "the user name", "usernameRef": "where the user name is read from",
    "password": "the password", "passwordRef": "where the password is read from",
    "secretName": "the generated Secret's name",
})
REGISTRY = Keys("a registry's connection settings", {
    "plainHTTP": "talk plain HTTP (no TLS)",
    "skipTLSVerify": "do not verify the TLS certificate",
    "caFile": "a PEM CA file to trust (relative: to the configuration file)",
})
CONTENT = Keys("content", {
    "sync": "{enable: true}: the rewrite route copies the images before it writes",
    "images": "images beyond the manifests ({image: REF} or REF)",
})


def missing_path(doc: Any, path: Sequence[str]) -> str:
    """Why `doc` has no value at `path`: how far the path goes, and the key
    found where the next one was expected when it looks like a typo of it."""
    node: Any = doc
    here: list[str] = []
    for key in path:
        if not isinstance(node, Mapping):
            return f"{'.'.join(here)!r} is not a mapping"
        if key not in node:
            found = [str(k) for k in node]
            typo = _near_miss(key, found)
            if typo is not None:
                return f"found {'.'.join([*here, typo])!r}; did you mean {key!r}?"
            where = repr(".".join(here)) if here else "the top level"
            keys = f" (it has: {', '.join(sorted(found))})" if found else " (it is empty)"
            return f"{where} has no {key!r}{keys}"
        node, here = node[key], [*here, key]
    return ""


def _near_miss(expected: str, found: Iterable[str]) -> str | None:
    """The key found that was most likely meant to be `expected`, if any."""
    import difflib

    close = difflib.get_close_matches(expected, sorted(found), n=1, cutoff=0.75)
    return close[0] if close else None
