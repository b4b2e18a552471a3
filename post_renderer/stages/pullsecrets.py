"""The pull-secret stage: give each PodSpec that pulls an image the
`imagePullSecrets` it needs, by inserting text into the document; and each
resource whose extractor row names where its pods take pull secrets
(`spec.imagePullSecrets` of a Prometheus, `spec.packagePullSecrets` of a
Crossplane Provider) the names there.  A pulled image that needs a secret
and has no known place is a warning naming its object.

The names come from the credentials of the registry each image ends up on
(a generated Secret, which the Secrets stage appends), or from `pullSecret`
(an existing Secret) for images under the rules' targets.  The entry is
written into the original text rather than by re-serializing the document:
a block PodSpec gets a new first key at its own indentation, with the list
items indented the way its `containers` list is; a flow PodSpec (or a JSON
document) gets a flow entry in the same quoting; an existing list gets the
missing names, and a name already there is never repeated.  New entries come
first, because the start of a node is the one place libyaml reports exactly;
Kubernetes does not care about the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config.credentials import Credential
from ..config.load import Config
from ..diagnostics import Diagnostic
from ..model import Document, Occurrence, PullPlace
from ..rewrite.reference import ReferenceError, parse_reference
from ..yaml.splice import Edit, column, flow_insertion, json_string, line_ending, yaml_string
from ..yaml.tree import Located, Scalar
from .existing_value import check_list, replace_null

KEY = "imagePullSecrets"
DEFAULT_SEQUENCE_INDENT = 2


class SecretPlan:
    """The generated Secrets the pull secrets name: (name, namespace) → credential.
    The pull-secret stage fills it; the Secrets stage renders it at the end."""

    def __init__(self) -> None:
        self.needed: dict[tuple[str, str], Credential] = {}


class PullSecretStage:
    """Name the pull secrets in each PodSpec whose containers need them."""

    def __init__(self, config: Config, plan: SecretPlan) -> None:
        self.config = config
        self.plan = plan

    def process(self, doc: Document) -> None:
        needs: dict[tuple[int, str], list[str]] = {}
        where: dict[tuple[int, str], tuple[Occurrence, PullPlace]] = {}
        nowhere: dict[int, tuple[Occurrence, list[str]]] = {}
        for occurrence in doc.occurrences:
            places: tuple[PullPlace, ...]
            if occurrence.pod_spec is not None:
                path = occurrence.pod_spec_path
                places = (PullPlace(occurrence.pod_spec, f"{path}.{KEY}" if path else KEY, KEY),)
            elif occurrence.pulled:
                # a row's place counts where the document has its parent
                # (`spec.template.pod` of a Strimzi object is optional)
                places = tuple(p for p in occurrence.places if p.node is not None)
            else:
                continue  # handed on in env or args: other pods pull it
            names = self._names_for(occurrence)
            if not names:
                continue
            if not places:
                nowhere.setdefault(id(occurrence.resource), (occurrence, []))[1].extend(names)
            for place in places:
                key = (id(place.node), place.key)
                needs.setdefault(key, []).extend(names)
                where.setdefault(key, (occurrence, place))
        for occurrence, names in nowhere.values():
            doc.diagnostics.append(_no_place_warning(occurrence, names))
        if not needs or doc.located is None or doc.text is None:
            return
        text, located = doc.text, doc.located
        newline = line_ending(text)
        json_style = _is_json(text, located)
        for key, names in needs.items():
            occurrence, place = where[key]
            spec = place.node
            if not isinstance(spec, dict) or id(spec) not in located.spans:
                if spec is not None and spec is occurrence.pod_spec:
                    problem, at = ("cannot add imagePullSecrets: the PodSpec is not a mapping",
                                   occurrence.pod_spec_path)
                else:
                    parent = place.path.rpartition(".")[0]
                    problem, at = f"cannot add {place.key}: {parent} is not a mapping", place.path
            else:
                edit = _insertion(text, located, spec, place.key, names, newline, json_style)
                if not isinstance(edit, str):
                    if edit is not None:
                        doc.edits.append(edit)
                    continue
                problem, at = edit, place.path
            doc.diagnostics.append(Diagnostic(
                "error", problem, occurrence.document, occurrence.label, at,
                subject=occurrence.resource))

    def finish(self, end: Any) -> None:
        """The Secrets stage renders what the plan holds."""

    def _names_for(self, occurrence: Occurrence) -> list[str]:
        """The pull secrets a pod running this image needs: the generated one of
        its registry's credentials, or the existing `pullSecret` when a rule
        moved the image or it already is where the rules put images (it pulls
        from the mirror)."""
        try:
            ref = parse_reference(occurrence.final)
        except ReferenceError:
            return []
        if self.config.pull_secret is not None:
            if occurrence.rewritten is not None or self.config.rules.holds(ref):
                return [self.config.pull_secret]
            return []
        domain = ref.normalized_name.split("/", 1)[0].lower()
        credential = self.config.credentials.for_domain(domain)
        if credential is None:
            return []
        self.plan.needed.setdefault((credential.secret_name, occurrence.text(
            "metadata", "namespace")), credential)
        return [credential.secret_name]


def _no_place_warning(occurrence: Occurrence, names: list[str]) -> Diagnostic:
    """Pods made from this object pull from a registry with credentials, and
    nothing says where its kind takes pull secrets: say so, with the names."""
    listed = ", ".join(dict.fromkeys(names))
    kind = occurrence.text("kind") or "this kind"
    return Diagnostic(
        "warning", f"{occurrence.final!r} needs the pull secret {listed}, but {kind} has no "
        "known place for pull secrets: add it to the imagePullSecrets of the service account "
        "its pods run as (or name the place with `pullSecrets:` in an extractor row)",
        occurrence.document, occurrence.label, occurrence.path, subject=occurrence.resource)


def _insertion(
    text: str, located: Located, spec: dict[str, Any], key: str, names: Sequence[str],
    newline: str, json_style: bool,
) -> Edit | str | None:
    """The text to add to one mapping, None when nothing is missing, or a problem."""
    existing = spec.get(key)
    present = set()
    if isinstance(existing, list):
        present = {str(item["name"]) for item in existing
                   if isinstance(item, dict) and isinstance(item.get("name"), str)}
    missing = [n for n in dict.fromkeys(names) if n not in present]
    if not missing:
        return None
    flow_items = ", ".join(_flow_item(n, json_style) for n in missing)
    if key not in spec:
        return _new_key(text, located, spec, key, missing, flow_items, newline, json_style)
    if isinstance(existing, Scalar) and existing.is_null:
        return replace_null(text, located.spans[id(spec)], existing, flow_items)
    if not isinstance(existing, list) or id(existing) not in located.spans:
        names_text = ", ".join(missing)
        return f"is not a list; cannot add {names_text}"
    span = located.spans[id(existing)]
    unsafe = check_list(text, located.spans[id(spec)], span)
    if unsafe is not None:
        return unsafe
    if span.flow:
        return flow_insertion(text, span.inner, bool(existing), flow_items)
    col = column(text, span.inner)
    items = "".join(f"- name: {yaml_string(n)}{newline}{' ' * col}" for n in missing)
    return Edit(span.inner, span.inner, items)


def _new_key(
    text: str, located: Located, spec: dict[str, Any], key: str, missing: Sequence[str],
    flow_items: str, newline: str, json_style: bool,
) -> Edit:
    span = located.spans[id(spec)]
    if span.flow:
        written = f'"{key}"' if json_style else key
        return flow_insertion(text, span.inner, bool(spec), f"{written}: [{flow_items}]")
    col = column(text, span.inner)
    dash = " " * (col + _sequence_indent(text, located, spec, col))
    lines = "".join(f"{dash}- name: {yaml_string(n)}{newline}" for n in missing)
    return Edit(span.inner, span.inner, f"{key}:{newline}{lines}{' ' * col}")


def _flow_item(name: str, json_style: bool) -> str:
    if json_style:
        return f'{{"name": {json_string(name)}}}'
    return f"{{name: {yaml_string(name)}}}"


def _sequence_indent(text: str, located: Located, spec: dict[str, Any], col: int) -> int:
    """How far this PodSpec indents its lists' `-` (0 for the indentless style)."""
    for key in ("containers", "initContainers", "ephemeralContainers"):
        value = spec.get(key)
        span = located.spans.get(id(value)) if isinstance(value, list) else None
        if span is not None and not span.flow:
            return max(column(text, span.inner) - col, 0)
    return DEFAULT_SEQUENCE_INDENT


def _is_json(text: str, located: Located) -> bool:
    """A JSON document (a flow mapping whose first key is double-quoted)."""
    root = located.root
    span = located.spans.get(id(root)) if isinstance(root, dict) else None
    if span is None or not span.flow:
        return False
    return text[span.inner:].lstrip().startswith('"')
