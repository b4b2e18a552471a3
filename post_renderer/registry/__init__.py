"""Registry access: copy images, resolve digests, check presence.

One small interface over one engine (skopeo), used by every command that
touches a registry, so credentials, TLS settings and error reporting are the
same everywhere: `session.open_registry(...)` gives an engine
(`skopeo.Skopeo`) with `copy`, `digest` and `exists`; failures are the
`errors.RegistryError` subclasses; per-host TLS settings are
`connection.Connections`.  Nothing is re-exported here, so that the
configuration can import `connection` without loading the engine.
"""
