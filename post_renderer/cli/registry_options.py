"""The command-line side of registry access, shared by every command that
talks to a registry or prints commands that do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..config.load import Config, Layer, build_config
from ..config.text import ConfigError
from ..registry.connection import Connections, ConnectionSettingsError, connections_from_flags

if TYPE_CHECKING:
    import argparse


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Per-registry TLS flags; they add to the configuration's `registries`."""
    group = parser.add_argument_group(
        "registry connections (per host; add to the configuration's `registries`)")
    group.add_argument("--plain-http", action="append", default=[], metavar="HOST",
                       help="talk plain HTTP to this registry host[:port] (repeatable)")
    group.add_argument("--skip-tls-verify", action="append", default=[], metavar="HOST",
                       help="do not verify this registry's TLS certificate (repeatable)")
    group.add_argument("--ca-file", action="append", default=[], metavar="HOST=PATH",
                       help="trust the PEM CA file PATH for this registry (repeatable)")


def connections_for(args: argparse.Namespace, config: Config) -> Connections:
    """The configuration's settings, with the flags' on top; a bad flag is a ConfigError."""
    try:
        flags = connections_from_flags(args.plain_http, args.skip_tls_verify, args.ca_file)
    except ConnectionSettingsError as err:
        raise ConfigError(str(err)) from None
    return config.content.connections.merged(flags)


def configure_with_connections(args: argparse.Namespace, layers: Sequence[Layer] = (),
                               **options: Any) -> Config:
    """The run's configuration (file, environment, `layers`, flags), with the
    connection flags merged into its registry settings."""
    config = build_config(args.config, args.rule, args.all_prefix, layers=layers,
                          allow_flags=getattr(args, "allow", ()), **options)
    content = config.content._replace(connections=connections_for(args, config))
    return config._replace(content=content)
