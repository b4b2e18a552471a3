"""The registry settings beside the rules: `credentials`, `pullSecret` and
`allow`, from a rules file, a pack values file or a functionConfig."""

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .allow import AllowList
from .credentials import CredentialError, CredentialSet, check_object_name, parse_credentials
from .text import ConfigError

CREDENTIALS_KEY = "credentials"
PULL_SECRET_KEY = "pullSecret"
ALLOW_KEY = "allow"


class RegistrySettings(NamedTuple):
    """The keys beside the rules: credentials, pullSecret, allow."""

    credentials: CredentialSet = CredentialSet()
    pull_secret: str | None = None
    allow: AllowList = AllowList()

    def __add__(self, later: "RegistrySettings") -> "RegistrySettings":  # type: ignore[override]
        """A later source's credentials or pullSecret replace the earlier ones
        (one kind of pull secret per run); allow-lists add up."""
        credentials, pull_secret = self.credentials, self.pull_secret
        if later.credentials.credentials:
            credentials, pull_secret = later.credentials, None
        elif later.credentials.placeholders and pull_secret is None:
            credentials = credentials._replace(
                placeholders=credentials.placeholders + later.credentials.placeholders)
        if later.pull_secret is not None:
            credentials, pull_secret = CredentialSet(), later.pull_secret
        return RegistrySettings(credentials, pull_secret, self.allow + later.allow)


def _allow_values(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what}: must be a registry/repository prefix or a list of them")
    return tuple(value)


def settings_from_section(
    section: Mapping[str, Any] | None, where: str, base_dir: str, environ: Mapping[str, str],
    *, resolve_credentials: bool = True,
) -> RegistrySettings:
    """The registry settings of one mapping; `where` prefixes its key paths,
    and relative file references are read from `base_dir` ("": the working
    directory)."""
    if section is None:
        return RegistrySettings()
    try:
        credentials = parse_credentials(
            section.get(CREDENTIALS_KEY), f"{where}{CREDENTIALS_KEY}", environ=environ,
            base_dir=base_dir, resolve=resolve_credentials)
        pull_secret = section.get(PULL_SECRET_KEY)
        if pull_secret is not None:
            check_object_name(pull_secret, f"{where}{PULL_SECRET_KEY}")
    except CredentialError as err:
        raise ConfigError(str(err)) from None
    if pull_secret is not None and credentials.credentials:
        raise ConfigError(
            f"{where}{PULL_SECRET_KEY}: give `{PULL_SECRET_KEY}` (an existing Secret) or "
            f"`{CREDENTIALS_KEY}` (a generated one), not both")
    if pull_secret is not None:  # the pack's placeholder credentials are irrelevant then
        credentials = CredentialSet()
    allow_where = f"{where}{ALLOW_KEY}"
    allow = parse_allow(_allow_values(section.get(ALLOW_KEY), allow_where), allow_where)
    return RegistrySettings(credentials, pull_secret, allow)


def parse_allow(values: Sequence[str], origin: str) -> AllowList:
    try:
        return AllowList.parse(values)
    except ValueError as err:
        raise ConfigError(f"{origin}: {err}") from None


def narrowing_allow(section: Mapping[str, Any] | None, where: str,
                    pairs: Sequence[tuple[str, str]]) -> AllowList:
    """An untrusted layer's allow-list; anything else in it is a bug of the
    caller (`trust.narrowing_layer` refuses it), refused here again."""
    if pairs or any(key != ALLOW_KEY for key in section or {}):
        raise ConfigError(f"{where}an untrusted layer may only carry `{ALLOW_KEY}`")
    return settings_from_section(section, where, "", {},
                                 resolve_credentials=False).allow
