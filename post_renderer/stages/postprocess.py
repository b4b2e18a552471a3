"""What happens to the rewritten stream before it leaves: pull secrets, the
allow-list check, the generated Secrets, the report, the unmatched rules.

It wraps the pipeline's outcomes (an iterator in, an iterator out) so the CLI
keeps streaming: each document still leaves as soon as it is done, with its
`imagePullSecrets` added and its policy errors attached.  Only what needs the
whole stream comes at the end, as one last outcome: the Secret documents (they
follow the stream), the unmatched-rule warnings and the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from ..config.credentials import Credential, render_secret
from ..config.load import Config
from ..diagnostics import Diagnostic
from ..rewrite.reference import ReferenceError, is_under, parse_reference
from ..yaml.tree import LocateError, locate
from . import policy
from .inventory import GeneratedSecret, report_document, unmatched_rules, unmatched_warning
from .rewrite import Occurrence, Outcome

_SECRET_KIND = re.compile(rb"^kind:[ \t]*[\"']?Secret\b", re.M)


class PostProcess:
    """One run's state after the rewrite; build it from the validated Config."""

    def __init__(self, config: Config, report: TextIO | None = None,
                 report_compact: bool = False) -> None:
        self.config = config
        self.report = report  # where --report goes; compact JSON on stderr
        self.report_compact = report_compact
        self.occurrences: list[Occurrence] = []
        self._needed: dict[tuple[str, str], Credential] = {}
        self._existing: set[tuple[str, str]] = set()
        self._tail_newline = b"\n"
        self._ends_with_newline = True

    def process(self, outcomes: Iterable[Outcome]) -> Iterator[Outcome]:
        for outcome in outcomes:
            self._add_pull_secrets(outcome)
            outcome.diagnostics += policy.check(outcome.occurrences, self.config.allow)
            self._note_existing_secret(outcome.data)
            self.occurrences += outcome.occurrences
            if outcome.data:
                self._ends_with_newline = outcome.data.endswith(b"\n")
                self._tail_newline = b"\r\n" if outcome.data.endswith(b"\r\n") else b"\n"
            yield outcome
        yield self._finish()

    def _names_for(self, occurrence: Occurrence) -> list[str]:
        """The pull secrets a pod running this image needs: the generated one of
        its registry's credentials, or the existing `pullSecret` when the image
        is under one of the rules' targets (it pulls from the mirror)."""
        image = policy.final_image(occurrence)
        try:
            ref = parse_reference(image)
        except ReferenceError:
            return []
        if self.config.pull_secret is not None:
            name = ref.normalized_name
            if any(is_under(name, target) for target in self.config.rules.targets):
                return [self.config.pull_secret]
            return []
        domain = ref.normalized_name.split("/", 1)[0].lower()
        credential = self.config.credentials.for_domain(domain)
        if credential is None:
            return []
        self._needed.setdefault((credential.secret_name, occurrence.namespace), credential)
        return [credential.secret_name]

    def _add_pull_secrets(self, outcome: Outcome) -> None:
        if not (self.config.credentials.credentials or self.config.pull_secret):
            return
        # Imported here: only runs with credentials or pullSecret load it (start-up).
        from .pullsecrets import add_pull_secrets, pulls_container_image

        needs: dict[str, list[str]] = {}
        where: dict[str, Occurrence] = {}
        for occurrence in outcome.occurrences:
            if occurrence.pod_spec is None or not pulls_container_image(
                    occurrence.path, occurrence.pod_spec):
                continue
            names = self._names_for(occurrence)
            if names:
                needs.setdefault(occurrence.pod_spec, []).extend(names)
                where.setdefault(occurrence.pod_spec, occurrence)
        if not needs:
            return
        outcome.data, problems = add_pull_secrets(outcome.data, needs)
        for problem in problems:
            occurrence = where[problem.pod_spec]
            outcome.diagnostics.append(Diagnostic(
                "error", problem.message, occurrence.document,
                policy.resource_label(occurrence), problem.path))

    def _note_existing_secret(self, data: bytes) -> None:
        """Remember a Secret of ours already in the stream (a second run over
        rewritten output), so that it is not emitted twice."""
        if not self.config.credentials.credentials or not _SECRET_KIND.search(data):
            return
        names = {c.secret_name for c in self.config.credentials.credentials}
        if not any(name.encode() in data for name in names):
            return
        try:
            root = locate(data.decode("utf-8")).root
        except (LocateError, UnicodeDecodeError):
            return
        meta = root.get("metadata") if isinstance(root, dict) else None
        if not isinstance(meta, dict) or root.get("kind") != "Secret":
            return
        name, namespace = meta.get("name"), meta.get("namespace")
        if isinstance(name, str) and name in names:
            self._existing.add((str(name), str(namespace) if isinstance(namespace, str) else ""))

    def _finish(self) -> Outcome:
        secrets = [(name, namespace, credential)
                   for (name, namespace), credential in sorted(self._needed.items())
                   if (name, namespace) not in self._existing]
        newline = self._tail_newline.decode()
        text = "".join(render_secret(c, ns, newline) for _, ns, c in secrets)
        if text and not self._ends_with_newline:
            text = newline + text
        tail = Outcome(text.encode("utf-8"))
        unmatched = unmatched_rules(self.occurrences, self.config.rules)
        tail.diagnostics += [unmatched_warning(rule) for rule in unmatched]
        if self.report is not None:
            import json  # imported where used: only runs with --report (start-up)

            document = report_document(
                self.occurrences, self.config.rules, unmatched,
                [GeneratedSecret(name, ns, c.domain) for name, ns, c in secrets])
            try:
                if self.report_compact:
                    self.report.write(json.dumps(document, separators=(",", ":")) + "\n")
                else:
                    self.report.write(json.dumps(document, indent=2) + "\n")
                self.report.flush()
            except OSError as err:
                tail.diagnostics.append(Diagnostic(
                    "error", f"cannot write the report: {err.strerror or type(err).__name__}"))
        return tail
