"""The command-line side of registry access, shared by every command that
talks to a registry or prints commands that do."""

from __future__ import annotations

import argparse

from ..config.load import Config
from ..config.text import ConfigError
from ..registry.connection import Connections, ConnectionSettingsError, connections_from_flags


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
