"""Assemble the pipeline from the validated configuration.

Which stages run depends on the configuration and on what the writer writes:
pull secrets and generated Secrets only matter where manifests are written,
the policy gate only where they are deployed from.  Stage modules are
imported only when their stage runs, which keeps start-up small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ..stages.inventory import InventoryStage
from ..stages.rewrite import Context, RewriteStage

if TYPE_CHECKING:
    from ..config.load import Config
    from ..model import Document
    from .core import Stage


class Options(NamedTuple):
    """How this route runs the stages (from flags and from its writer)."""

    strict: bool = False
    rewrite_unknown: bool = False
    manifests: bool = True  # the writer writes manifests (not only a listing)
    keep_occurrences: bool = False  # the writer lists them
    report: bool = False  # a --report is written
    spans: bool = False  # the writer inserts into documents (a KRM ResourceList)
    sync: Any = None  # a stages.sync.SyncRun: copy the images at the end (`sync`)
    verify: Any = None  # a stages.resolve.Options: check (and pin) against the mirror


def build_stages(config: Config, options: Options) -> list[Stage]:
    """The stages in order: rewrite, pull secrets, policy, generated Secrets,
    inventory, content images, sync, verify (room for more before the writer:
    each sees every document)."""
    from ..extract.table import build_table

    pulls = options.manifests and bool(config.credentials.credentials or config.pull_secret)
    ctx = Context(config.rules, build_table(config.extractors), strict=options.strict,
                  rewrite_unknown=options.rewrite_unknown, spans=pulls or options.spans)
    stages: list[Stage] = [RewriteStage(ctx)]
    if pulls:
        from ..stages.pullsecrets import PullSecretStage, SecretPlan

        plan = SecretPlan()
        stages.append(PullSecretStage(config, plan))
    if config.allow:  # every route: what is written, listed, copied or verified
        from ..stages.policy import PolicyStage

        stages.append(PolicyStage(config.allow, hint=config.rules.beyond_prefixes))
    if pulls and config.credentials.credentials:
        from ..stages.secrets import SecretsStage

        stages.append(SecretsStage(config, plan))
    if options.manifests and config.credentials.placeholders:
        from ..stages.secrets import PlaceholderStage

        stages.append(PlaceholderStage(config))
    sync = options.sync
    if sync is None and options.manifests and config.content.sync:
        from ..stages.sync import SyncRun

        sync = SyncRun(unmapped_severity="error" if options.strict else "warning")
    verify = options.verify
    keep = options.keep_occurrences or sync is not None or verify is not None
    stages.append(InventoryStage(config.rules, keep=keep, report=options.report))
    if keep:  # an output of images: the configuration's images too
        from ..stages.content import ContentStage

        # verifying a rewritten stream is what `verify` is for: no warning then
        stages.append(ContentStage(config.content.images, config.rules, config.allow,
                                   warn_rewritten=verify is None))
    if sync is not None:  # it copies what every stage before it let through
        from ..stages.sync import SyncStage

        stages.append(SyncStage(config, sync))
    if verify is not None:  # last: it checks what the sync copied
        from ..stages.mirrorcheck import VerifyStage

        stages.append(VerifyStage(config, verify,
                                  unmapped="error" if options.strict else "warning"))
    return stages


def rewrite_bytes(data: bytes, ctx: Context) -> tuple[bytes, list[Document]]:
    """The rewrite stage over an in-memory stream (tests and fuzzing)."""
    import io

    from ..yaml.split import split_documents
    from .core import Pipeline
    from .streams import Collect, documents

    collect = Collect()
    Pipeline(documents(split_documents(io.BytesIO(data))), [RewriteStage(ctx)], collect).run()
    return b"".join(d.output() for d in collect.documents), collect.documents
