"""Profiles: the TOML file naming each pair of resources, as strict pydantic models.

```toml
default_profile = "contoso"
[profiles.contoso.document-intelligence]
api_version = "2024-11-30"
primary   = { endpoint = "https://…", region = "eastus", resource_id = "/subscriptions/…", key = "keyring" }
secondary = { endpoint = "https://…", region = "westus2", resource_id = "/subscriptions/…", key = "env:VAR" }
```

The file lives in the platform's user config dir (`regionsync/config.toml`), or where `--config` /
`REGIONSYNC_CONFIG` say. A malformed file is reported with its path, line and field and is never
overwritten; `save_config` writes atomically with mode 0600 (a file that exists keeps its mode, and
a symlinked file is written at its target, the link left in place). Keys never live here: `key` only
names where the key comes from (see `credentials.py`). The API versions each service accepts are one
table, `SERVICE_API_VERSIONS`.

An endpoint never carries a user name or password (`https://user:pass@host`): refused, and never
repeated in a message. `http://` is for this machine only (localhost, 127.0.0.0/8, ::1 — the
emulator): anywhere else the key would travel in clear text, so a profile must say
`allow_insecure_http = true` to use it. Both are checked when the file is read and when it is written.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from regionsync.credentials import parse_key_source
from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError, Remedy
from regionsync.files import write_private
from regionsync.locations import config_file
from regionsync.settings import PROFILE_ENV
from regionsync.settings import profile as profile_from_env
from regionsync.toml_lines import locate_line

SERVICE_API_VERSIONS: dict[Service, tuple[str, ...]] = {
    Service.DOCUMENT_INTELLIGENCE: ("2.1", "2022-08-31", "2023-07-31", "2024-11-30"),
    Service.CONTENT_UNDERSTANDING: ("2025-11-01",),
    Service.LANGUAGE: ("2022-05-01", "2023-04-01"),
}
"""Every API version regionsync speaks, per service, oldest first; the last is the default."""

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_REGION = re.compile(r"^[a-z0-9]+$")
_HOW_TO_ADD = (
    "Add one with `regionsync profile add <name>`, or run `make demo` for the emulator's demo profile."
)


DEFAULT_API_VERSIONS: dict[Service, str] = {
    service: versions[-1] for service, versions in SERVICE_API_VERSIONS.items()
}
"""The newest version of each service: what a profile without `api_version` speaks."""


def default_api_version(service: Service) -> str:
    """The newest API version regionsync speaks for `service`."""
    return SERVICE_API_VERSIONS[service][-1]


class SideConfig(BaseModel):
    """One resource of a pair: where it is, what it is, and where its key comes from."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str
    """`https://<name>.cognitiveservices.azure.com` (the emulator: `http://127.0.0.1:<port>/<name>`)."""
    region: str
    """Azure region name as the copy API wants it: lower case, no spaces (`westus2`)."""
    resource_id: str
    """`/subscriptions/…/providers/Microsoft.CognitiveServices/accounts/<name>` (the copy target needs it)."""
    key: str = "keyring"
    """Where the key comes from: `keyring`, `env:VARIABLE` or `entra`. Never the key itself."""
    encrypted: bool | None = None
    """Optional: whether the resource encrypts with a customer-managed key (AEK/CMK); unknown if absent."""

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        text = value.strip().rstrip("/")
        match = re.match(r"^(https?)://([^/?#\s]+)(/[^?#\s]*)?$", text)
        if not match:
            raise PydanticCustomError(
                "endpoint", "must be an http(s) URL such as https://<name>.cognitiveservices.azure.com"
            )
        if "@" in match.group(2):
            # Described, never quoted: what is before the @ may be a password.
            raise PydanticCustomError(
                "endpoint_userinfo",
                "must not hold a user name or password (user:password@ before the host): regionsync "
                "authenticates with the resource's key alone, and a password there would be shown and "
                "stored wherever the endpoint is; write the endpoint without it",
            )
        return text

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        text = value.strip()
        if not _REGION.match(text):
            suggestion = re.sub(r"[^a-z0-9]", "", text.lower())
            raise PydanticCustomError(
                "region",
                "must be an Azure region name in lower case without spaces (e.g. {suggestion})",
                {"suggestion": suggestion or "westus2"},
            )
        return text

    @field_validator("resource_id")
    @classmethod
    def _resource_id(cls, value: str) -> str:
        text = value.strip()
        if not text.startswith("/subscriptions/"):
            raise PydanticCustomError(
                "resource_id",
                "must be the resource's Azure id (/subscriptions/…/providers/Microsoft.CognitiveServices/"
                "accounts/<name>), shown on its Properties page",
            )
        return text

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        try:
            return str(parse_key_source(value))
        except ValueError as exc:
            raise PydanticCustomError("key_source", str(exc)) from None


class ServiceProfile(BaseModel):
    """One service of a profile: its API version and the two sides."""

    model_config = ConfigDict(extra="forbid")

    api_version: str = ""
    """Empty means the newest version the service speaks; validation fills it in."""
    primary: SideConfig | None = None
    secondary: SideConfig | None = None

    def side(self, side: Side, service: Service | None = None) -> SideConfig:
        """The side's settings; a RegionSyncError saying how to add it when it is not configured."""
        found = self.primary if side is Side.PRIMARY else self.secondary
        if found is None:
            of = f" of {service.value}" if service else ""
            option = f" --service {service.value}" if service else ""
            raise RegionSyncError(
                what=f"The {side.value} side{of} is not configured",
                todo=f"Add it with `regionsync profile add <profile>{option} --side {side.value}`.",
                code="SideMissing",
                remedy=str(Remedy.FIX_PROFILE),
            )
        return found


_SERVICE_FIELDS: dict[Service, str] = {service: service.value.replace("-", "_") for service in Service}


class Profile(BaseModel):
    """A named pair of resources per service: `document-intelligence`, `content-understanding`, `language`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    allow_insecure_http: bool | None = None
    """`true` lets an `http://` endpoint that is not this machine be used (the key then travels in
    clear text); absent or false refuses it."""
    document_intelligence: ServiceProfile | None = Field(default=None, alias="document-intelligence")
    content_understanding: ServiceProfile | None = Field(default=None, alias="content-understanding")
    language: ServiceProfile | None = Field(default=None, alias="language")

    @field_validator(*_SERVICE_FIELDS.values())
    @classmethod
    def _api_version(cls, value: ServiceProfile | None, info: Any) -> ServiceProfile | None:
        if value is None:
            return None
        service = Service(info.field_name.replace("_", "-"))
        allowed = SERVICE_API_VERSIONS[service]
        if not value.api_version:
            return value.model_copy(update={"api_version": allowed[-1]})
        if value.api_version not in allowed:
            raise PydanticCustomError(
                "api_version",
                "api_version '{version}' is not one {service} speaks; use one of {allowed}",
                {"version": value.api_version, "service": service.value, "allowed": ", ".join(allowed)},
            )
        return value

    def services(self) -> dict[Service, ServiceProfile]:
        """The configured services, in the table's order."""
        found = {service: getattr(self, name) for service, name in _SERVICE_FIELDS.items()}
        return {service: sp for service, sp in found.items() if sp is not None}

    def service(self, service: Service | None = None) -> tuple[Service, ServiceProfile]:
        """One service of the profile: the one asked for, or the only one configured."""
        configured = self.services()
        if service is None:
            if len(configured) == 1:
                return next(iter(configured.items()))
            if not configured:
                raise RegionSyncError(
                    what="The profile configures no service",
                    todo="Add one with `regionsync profile add <profile> --service document-intelligence`.",
                    code="ServiceMissing",
                    remedy=str(Remedy.FIX_PROFILE),
                )
            raise RegionSyncError(
                what="The profile configures several services; say which one",
                todo=f"Pass --service with one of: {', '.join(s.value for s in configured)}.",
                code="ServiceAmbiguous",
            )
        if service not in configured:
            raise RegionSyncError(
                what=f"The profile does not configure {service.value}",
                todo=f"Add it with `regionsync profile add <profile> --service {service.value}`.",
                code="ServiceMissing",
                remedy=str(Remedy.FIX_PROFILE),
            )
        return service, configured[service]

    def with_service(self, service: Service, value: ServiceProfile | None) -> Profile:
        """A copy with one service set (or removed with None)."""
        return self.model_copy(update={_SERVICE_FIELDS[service]: value})


class Config(BaseModel):
    """The whole file: the default profile's name and every profile."""

    model_config = ConfigDict(extra="forbid")

    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)

    @field_validator("profiles")
    @classmethod
    def _names(cls, value: dict[str, Profile]) -> dict[str, Profile]:
        for name in value:
            if not _PROFILE_NAME.match(name):
                raise PydanticCustomError(
                    "profile_name",
                    "profile name '{name}' may only hold letters, digits, '-' and '_'",
                    {"name": name},
                )
        return value


def service_pairs(profile: Profile) -> list[tuple[Service, ServiceProfile]]:
    """Every configured service of a profile whose two sides are both configured.

    A service with a side missing is an error naming the side and how to add it.
    """
    pairs: list[tuple[Service, ServiceProfile]] = []
    for service, sp in profile.services().items():
        for side in Side:
            sp.side(side, service)
        pairs.append((service, sp))
    return pairs


def valid_profile_name(name: str) -> bool:
    return bool(_PROFILE_NAME.match(name))


# ------------------------------------------------------------------------------------------------ errors


@dataclass
class ConfigError(RegionSyncError):
    """A config file that cannot be used: names the file, the line and the field."""

    path: str = ""
    line: int | None = None
    field_path: str = ""


def _config_error(path: Path, line: int | None, field_path: str, problem: str) -> ConfigError:
    where = f"{path}" + (f", line {line}" if line else "")
    field_text = f" ({field_path})" if field_path else ""
    return ConfigError(
        what=f"{where}: {problem}{field_text}",
        why="The profiles file does not match what regionsync expects; it was left as it is.",
        todo=f"Fix the file by hand at {path}{f' line {line}' if line else ''}, or move it away and run "
        "`regionsync profile add <name>`.",
        code="ConfigInvalid",
        remedy=str(Remedy.FIX_PROFILE),
        path=str(path),
        line=line,
        field_path=field_path,
    )


def is_loopback_host(host: str) -> bool:
    """localhost (and *.localhost), 127.0.0.0/8 or ::1: a host on this machine."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def insecure_endpoints(config: Config) -> list[tuple[tuple[str, ...], str]]:
    """(field path, host) of every `http://` endpoint off this machine in a profile that does not say
    `allow_insecure_http = true`."""
    found: list[tuple[tuple[str, ...], str]] = []
    for name, profile in config.profiles.items():
        if profile.allow_insecure_http:
            continue
        for service, settings in profile.services().items():
            for side in Side:
                end: SideConfig | None = getattr(settings, side.value)
                if end is None or not end.endpoint.lower().startswith("http://"):
                    continue
                host = urlsplit(end.endpoint).hostname or ""
                if not is_loopback_host(host):
                    found.append((("profiles", name, service.value, side.value, "endpoint"), host))
    return found


def _insecure_problem(host: str, profile: str) -> str:
    return (
        f"http:// to {host} would send the key in clear text (http:// is only for this machine); use "
        f"https://, or accept that with `allow_insecure_http = true` under [profiles.{profile}]"
    )


def check_endpoints(config: Config, path: Path | str, text: str | None = None) -> None:
    """Refuse a config with an insecure endpoint: a ConfigError naming the file, line and field."""
    found = insecure_endpoints(config)
    if not found:
        return
    loc, host = found[0]
    line = locate_line(text, loc) if text is not None else None
    error = _config_error(Path(path), line, ".".join(loc), _insecure_problem(host, loc[1]))
    if text is None:  # not in the file (yet): nothing to fix by hand there
        error.why = "It would be used over plain HTTP, across the network; nothing was written."
        error.todo = (
            f"Use an https:// endpoint, or pass --allow-insecure-http to `regionsync profile add {loc[1]}` "
            f"if you accept the key travelling in clear text."
        )
    raise error


# ------------------------------------------------------------------------------------------------- paths


def config_path(explicit: Path | str | None = None) -> Path:
    """`--config` if given, else `$REGIONSYNC_CONFIG`, else the platform default (locations.py)."""
    if explicit:
        return Path(explicit).expanduser()
    return config_file()


# ------------------------------------------------------------------------------------------- load & save


def load_config(path: Path | str, *, missing_ok: bool = True) -> Config:
    """Read and validate the profiles file; an absent file is an empty config (unless `missing_ok=False`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return Config()
        raise _config_error(path, None, "", "no such file") from None
    except OSError as exc:
        raise _config_error(path, None, "", f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _config_error(path, None, "", "is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise _config_error(path, line, "", f"is not valid TOML: {_strip_position(str(exc))}") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(str(part) for part in first["loc"])
        if first.get("type") == "api_version":
            loc = (*loc, "api_version")
        problem = _problem_text(first)
        raise _config_error(path, locate_line(text, loc), ".".join(loc), problem) from None
    check_endpoints(config, path, text)
    return config


def _problem_text(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _strip_position(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message).strip()


def save_config(config: Config, path: Path | str) -> None:
    """Write the file atomically (temp file + rename beside it), mode 0600 for a new file — one that
    exists keeps its mode — in a 0700 directory if that is new. A symlink is written through: the
    temp file goes beside the link's target and replaces the target; the link stays as it is.

    A config with an insecure endpoint is refused before anything is written (`check_endpoints`)."""
    path = Path(path)
    check_endpoints(config, path)
    try:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        text = render_toml(config_to_data(config), before)
        write_private(path, text)
    except OSError as exc:
        raise _config_error(path, None, "", f"cannot be written ({exc.strerror})") from None


def config_to_data(config: Config) -> dict[str, Any]:
    """The plain data of a config, as it is written (aliases, no empty values)."""
    data = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not data.get("profiles"):
        data.pop("profiles", None)
    return data


# -------------------------------------------------------------------------------------- profile choice


def select_profile(config: Config, name: str | None = None) -> tuple[str, Profile]:
    """The profile to use: `name` (--profile) > `$REGIONSYNC_PROFILE` > `default_profile` > the only one."""
    chosen = name or profile_from_env() or config.default_profile
    if not config.profiles:
        raise RegionSyncError(
            what="No profile is configured",
            why="regionsync needs a profile naming the primary and secondary resources.",
            todo=_HOW_TO_ADD,
            code="NoProfile",
            remedy=str(Remedy.FIX_PROFILE),
        )
    if not chosen:
        if len(config.profiles) == 1:
            return next(iter(config.profiles.items()))
        raise RegionSyncError(
            what="Several profiles are configured and none is the default",
            todo=f"Pass --profile (one of: {', '.join(sorted(config.profiles))}), set {PROFILE_ENV}, or set "
            "`default_profile` in the config file.",
            code="NoProfileChosen",
        )
    if chosen not in config.profiles:
        raise RegionSyncError(
            what=f"There is no profile named {chosen!r}",
            todo=f"Use one of: {', '.join(sorted(config.profiles))} — or add it with "
            f"`regionsync profile add {chosen}`.",
            code="ProfileNotFound",
            remedy=str(Remedy.FIX_PROFILE),
        )
    return chosen, config.profiles[chosen]


# --------------------------------------------------------------------------------------- the TOML document


def render_toml(data: dict[str, Any], text: str = "") -> str:
    """`data` as TOML; with the `text` of the file it replaces, an edit of that document: the user's
    comments, order and layout stay where the data did not change (tomlkit keeps them)."""
    document = tomlkit.parse(text) if text.strip() else tomlkit.document()
    _merge(document, data, top=True)
    return tomlkit.dumps(document)


def _merge(table: Any, data: dict[str, Any], *, top: bool) -> None:
    """Make the tomlkit `table` hold exactly `data`, touching only what differs."""
    for key in [k for k in table if k not in data]:
        del table[key]
    for key, value in data.items():
        current = table.get(key) if key in table else None
        if isinstance(value, dict):
            if not isinstance(current, dict):
                if key in table:
                    del table[key]
                leafy = all(not isinstance(v, dict) for v in value.values())
                if leafy and not top:
                    current = tomlkit.inline_table()
                else:
                    current = tomlkit.table(is_super_table=not leafy and bool(value))
                table[key] = current
                current = table[key]
            _merge(current, value, top=False)
        elif current is None or _plain(current) != value or type(_plain(current)) is not type(value):
            table[key] = value


def _plain(item: Any) -> Any:
    """A tomlkit item as the plain Python value it holds (true == 1 must not pass for equal)."""
    return item.unwrap() if hasattr(item, "unwrap") else item
