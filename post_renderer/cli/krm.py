"""The KRM adapter: kustomize and kpt speak ResourceLists, not streams.

A KRM function (a kustomize `exec` transformer, `kpt fn eval --exec`) gets one
`config.kubernetes.io/v1` ResourceList on stdin — `items` plus the
`functionConfig` that holds its settings — and must answer with one.  The
items go through the same pipeline as any stream: the extractor table already
walks the `items` of a `*List`, so the whole ResourceList is processed as one
document and its images are spliced in place.  Every other byte stays, which
matters here: kustomize and kpt track resources by the annotations they add
(`config.kubernetes.io/index`, `internal.config.kubernetes.io/*`).  Warnings
and errors are appended as `results`, the channel kpt prints.

The legacy kustomize exec plugin hands over the same kind of configuration
object as a file path in argv[1] and a plain stream on stdin; `read_config_object`
reads it with the same rules as a functionConfig.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..config.load import (
    RULES_KEY,
    ConfigError,
    NoRulesError,
    load_config_file,
    rules_from_document,
    rules_from_value,
)
from ..diagnostics import Diagnostic
from ..stages.rewrite import Context, process_chunk
from ..yaml.splice import line_ending
from ..yaml.split import Chunk

KRM_API_GROUP = "config.kubernetes.io"
RESOURCE_LIST = "ResourceList"
FUNCTION_CONFIG = "functionConfig"
# Keys allowed where registry-rewrite owns the section (ConfigMap data, spec),
# so that a typo is an error instead of a run without rules.
SECTION_KEYS = frozenset({RULES_KEY})

Layer = tuple[str, list[tuple[str, str]]]
# Builds the run's context from extra rule layers; raises ConfigError.
Configure = Callable[[Sequence[Layer]], Context]

_ITEM_PATH = re.compile(r"items\[(\d+)\](?:\.(.*))?\Z", re.DOTALL)
_EMPTY_LINE = re.compile(rb"[ \t]*(?:#.*|---|\.\.\.)?[ \t]*\r?\Z")
# A final `...` line, possibly followed by blank or comment lines.
_END_MARKER = re.compile(r"^\.\.\.[^\n]*(?:\n|\Z)(?:[ \t]*(?:#[^\n]*)?(?:\n|\Z))*\Z", re.MULTILINE)


def parse_resource_list(data: bytes) -> dict[str, Any] | None:
    """The parsed document when `data` is a KRM ResourceList, else None.

    Only documents that mention `ResourceList` are parsed, so the normal stream
    path pays one substring search for its first document.  A document that
    does not parse is not a ResourceList: the stream path reports it.
    """
    if RESOURCE_LIST.encode() not in data:
        return None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="safe", pure=False).load(data.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError, ValueError, TypeError, OverflowError):
        # TypeError: a mapping key holding a mapping (`? - {a: 1}`), which the
        # constructor cannot hash (a fuzz finding); the others: values it
        # cannot construct.  None of these is a ResourceList to answer.
        return None
    if not isinstance(doc, dict) or doc.get("kind") != RESOURCE_LIST:
        return None
    api_version = doc.get("apiVersion")
    if not isinstance(api_version, str) or not api_version.startswith(KRM_API_GROUP + "/"):
        return None
    return doc


def rules_from_object(obj: Any, origin: str) -> list[tuple[str, str]]:
    """The rules of a functionConfig or legacy plugin config object.

    A ConfigMap keeps them in `data.imageReplacementRules` (kpt's `--fn-config`
    and `-- key=value`); any other kind in `spec.imageReplacementRules` or at the
    top level.  An object without apiVersion and kind is read as a rules or
    pack values file, so `registry-rewrite rules.yaml` also works.
    """
    if obj is None:
        return []
    if not isinstance(obj, Mapping):
        raise ConfigError(f"{origin}: must be a Kubernetes-style object (a mapping)")
    if "apiVersion" not in obj and "kind" not in obj:
        return rules_from_document(obj, origin)
    if obj.get("kind") == "ConfigMap":
        return _rules_in_section(obj.get("data"), f"{origin}: data")
    spec = obj.get("spec")
    in_spec = isinstance(spec, Mapping) and RULES_KEY in spec
    if in_spec and RULES_KEY in obj:
        raise ConfigError(f"{origin}: {RULES_KEY} is given both in spec and at the top level")
    if in_spec:
        return _rules_in_section(spec, f"{origin}: spec")
    return rules_from_value(obj.get(RULES_KEY), f"{origin}: {RULES_KEY}")


def _rules_in_section(section: Any, origin: str) -> list[tuple[str, str]]:
    if section is None:
        return []
    if not isinstance(section, Mapping):
        raise ConfigError(f"{origin}: must be a mapping holding {RULES_KEY}")
    unknown = sorted(str(k) for k in section if k not in SECTION_KEYS)
    if unknown:
        raise ConfigError(
            f"{origin}: unknown key {unknown[0]!r} (registry-rewrite reads: "
            f"{', '.join(sorted(SECTION_KEYS))})"
        )
    return rules_from_value(section.get(RULES_KEY), f"{origin}.{RULES_KEY}")


def read_config_object(path: str) -> Layer:
    """The legacy exec plugin's argv[1]: a file holding its configuration object."""
    return path, rules_from_object(load_config_file(path), path)


def run(
    first: Chunk, rest: Iterable[Chunk], doc: dict[str, Any], configure: Configure
) -> tuple[bytes, list[Diagnostic]]:
    """Answer one ResourceList: the items rewritten in place, plus `results`.

    Every problem — in the functionConfig too, since it arrives on stdin — is a
    diagnostic and a result, so kpt can show it; the caller exits 1 on errors.
    """
    diagnostics: list[Diagnostic] = []
    extra = sum(1 for chunk in rest if not _is_empty(chunk.data))
    if extra:
        diagnostics.append(Diagnostic(
            "error", f"{extra} more document(s) after the ResourceList were ignored: "
            "a KRM function reads exactly one ResourceList"))
    data = first.data
    try:
        layer = (FUNCTION_CONFIG, rules_from_object(doc.get(FUNCTION_CONFIG), FUNCTION_CONFIG))
        ctx = configure([layer])
    except NoRulesError:
        diagnostics.append(Diagnostic(
            "error", f"configuration: no rules: give {FUNCTION_CONFIG} a {RULES_KEY} "
            f"(ConfigMap data.{RULES_KEY}, spec.{RULES_KEY} or top-level {RULES_KEY}), "
            "or pass rules on the command line"))
    except ConfigError as err:
        diagnostics.append(Diagnostic("error", f"configuration: {err}"))
    else:
        outcome = process_chunk(first, ctx)
        data = outcome.data
        diagnostics += outcome.diagnostics
    results = [_result(d, doc) for d in diagnostics]
    return (_with_results(data, results) if results else data), diagnostics


def _is_empty(data: bytes) -> bool:
    """True for a chunk of blank lines, comments and markers only."""
    return all(_EMPTY_LINE.match(line) for line in data.split(b"\n"))


def _result(diagnostic: Diagnostic, doc: Mapping[str, Any]) -> dict[str, Any]:
    """One `results` entry (KRM functions spec): the item it concerns as
    resourceRef, the field path within that item, and the item's file when
    the orchestrator recorded it."""
    result: dict[str, Any] = {"severity": diagnostic.severity, "message": diagnostic.message}
    match = _ITEM_PATH.match(diagnostic.path)
    items = doc.get("items")
    if match and isinstance(items, list) and int(match.group(1)) < len(items):
        item = items[int(match.group(1))]
        ref = _resource_ref(item)
        if ref:
            result["resourceRef"] = ref
        if match.group(2):
            result["field"] = {"path": match.group(2)}
        file = _file_of(item)
        if file:
            result["file"] = file
    elif diagnostic.path:
        result["field"] = {"path": diagnostic.path}
    return result


def _resource_ref(item: Any) -> dict[str, str]:
    if not isinstance(item, Mapping):
        return {}
    meta = item.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    ref = {"apiVersion": item.get("apiVersion"), "kind": item.get("kind"),
           "name": meta.get("name"), "namespace": meta.get("namespace")}
    return {k: v for k, v in ref.items() if isinstance(v, str) and v}


def _file_of(item: Any) -> dict[str, Any]:
    meta = item.get("metadata") if isinstance(item, Mapping) else None
    notes = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(notes, Mapping):
        return {}
    path = notes.get("config.kubernetes.io/path") or notes.get("internal.config.kubernetes.io/path")
    if not isinstance(path, str):
        return {}
    file: dict[str, Any] = {"path": path}
    index = notes.get("config.kubernetes.io/index")
    if isinstance(index, str) and index.isdigit():
        file["index"] = int(index)
    return file


def _dump(value: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 1 << 16  # one line per message
    out = io.StringIO()
    yaml.dump(value, out)
    return out.getvalue()


def _with_results(data: bytes, results: list[dict[str, Any]]) -> bytes:
    """The document with a top-level `results` list.

    Appending a block at the end keeps every byte before it.  That is only
    right for a block-style root without `results` of its own (what kustomize
    and kpt send), so the appended text is re-read and compared; anything else
    (JSON, a flow root, an existing `results`) is rewritten through ruamel's
    round-trip mode instead, which keeps values, comments and quoting.
    """
    text = data.decode("utf-8")
    newline = line_ending(text)
    body, end_marker = _split_end_marker(text)
    if body and not body.endswith("\n"):
        body += newline
    block = _dump({"results": results}).replace("\n", newline)
    appended = body + block + end_marker
    if _reads_as(appended, text, results):
        return appended.encode("utf-8")
    return _round_trip(text, results).encode("utf-8")


def _split_end_marker(text: str) -> tuple[str, str]:
    """Split off a final `...` line: the results must go before it."""
    match = _END_MARKER.search(text)
    return (text[: match.start()], text[match.start():]) if match else (text, "")


def _reads_as(candidate: str, original: str, results: list[dict[str, Any]]) -> bool:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=False)
    try:
        before, after = yaml.load(original), yaml.load(candidate)
    except YAMLError:
        return False
    if not isinstance(after, dict) or not isinstance(before, dict) or "results" in before:
        return False
    return after.pop("results", None) == results and after == before


def _round_trip(text: str, results: list[dict[str, Any]]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16
    doc = yaml.load(text)
    doc["results"] = results
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()
