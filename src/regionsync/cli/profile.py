"""`regionsync profile add | list | show | test | remove`: the pairs of resources regionsync syncs.

Keys go to the OS keyring (or stay in an environment variable, or come from Entra ID) and never
into the profiles file; `show` says where each key comes from and whether it is there, never the key.
`add` asks for what the flags do not say (the key hidden); `--key-stdin` reads keys from stdin for
scripts (one line per side, primary first).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from regionsync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    PLAIN_OPTION,
    console,
    err_console,
    exit_with,
    parse_service,
)

if TYPE_CHECKING:
    from regionsync.config import Config, Profile, ServiceProfile, SideConfig
    from regionsync.domain import Service, Side

profile_app = typer.Typer(
    name="profile",
    help="Manage profiles: which primary and secondary resources regionsync keeps in sync.",
    no_args_is_help=True,
)

_SIDE_HELP = "Only this side: primary or secondary (default: both)."


def _load(config: Path | None) -> tuple[Path, Config]:
    from regionsync.config import config_path, load_config
    from regionsync.errors import RegionSyncError

    path = config_path(config)
    try:
        return path, load_config(path)
    except RegionSyncError as error:
        exit_with(error)


def _sides(side: str | None) -> list[Side]:
    from regionsync.domain import Side

    if side is None:
        return list(Side)
    try:
        return [Side(side.lower())]
    except ValueError:
        raise typer.BadParameter("use primary or secondary", param_hint="--side") from None


def _existing_side(settings: ServiceProfile | None, side: Side) -> SideConfig | None:
    if settings is None:
        return None
    found: SideConfig | None = getattr(settings, side.value)
    return found


def _ask(label: str, given: str | None, current: str | None) -> str:
    if given is not None:
        return given
    if current:
        return str(typer.prompt(label, default=current))
    return str(typer.prompt(label))


def _key_source(label: str, given: str | None, before: SideConfig | None, *, scripted: bool) -> str:
    """The side's key source: the flag, else what it was, else asked (scripts get `keyring`)."""
    if given is not None:
        return given
    if before is not None:
        return before.key
    if scripted:
        return "keyring"
    return _ask(f"{label} key source (keyring, env:VARIABLE or entra)", None, "keyring")


def _read_key(side: Side, *, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().strip()
    try:
        return _prompt_key(side)
    except typer.Abort:  # no terminal and nothing piped: the key is added later
        return ""


def _prompt_key(side: Side) -> str:
    return str(
        typer.prompt(
            f"Key of the {side.value} (hidden; Enter to keep the stored one or add it later)",
            default="",
            show_default=False,
            hide_input=True,
        )
    ).strip()


@profile_app.command("add")
def add(
    name: str = typer.Argument(..., help="Profile name (letters, digits, '-' and '_')."),
    service: str = typer.Option("document-intelligence", "--service", help="Service of the pair."),
    side: str | None = typer.Option(None, "--side", help=_SIDE_HELP, show_default=False),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Endpoint URL of the side.", show_default=False
    ),
    region: str | None = typer.Option(
        None, "--region", help="Azure region, e.g. westus2.", show_default=False
    ),
    resource_id: str | None = typer.Option(
        None,
        "--resource-id",
        help="Azure resource id (/subscriptions/…/accounts/<name>).",
        show_default=False,
    ),
    key_source: str | None = typer.Option(
        None, "--key-source", help="keyring (default), env:VARIABLE or entra.", show_default=False
    ),
    api_version: str | None = typer.Option(
        None, "--api-version", help="API version (default: the newest).", show_default=False
    ),
    key_stdin: bool = typer.Option(False, "--key-stdin", help="Read keys from stdin, one line per side."),
    make_default: bool = typer.Option(False, "--default", help="Make this the default profile."),
    allow_insecure_http: bool = typer.Option(
        False,
        "--allow-insecure-http",
        help="Let this profile use http:// endpoints off this machine (the key then travels in clear text).",
    ),
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Add a profile, or add/update one service or side of it. Keys go to the OS keyring.

    Examples:

      regionsync profile add contoso    # asks for each field; the key hidden

      regionsync profile add contoso --side secondary --region westus2 \\
        --endpoint https://contoso-di-wus.cognitiveservices.azure.com \\
        --resource-id /subscriptions/…/accounts/contoso-di-wus \\
        --key-source env:CONTOSO_DI_WUS_KEY

      printf '%s\\n%s\\n' "$KEY1" "$KEY2" | regionsync profile add contoso \\
        --key-stdin …
    """
    from pydantic import ValidationError

    from regionsync.config import (
        SERVICE_API_VERSIONS,
        Profile,
        ServiceProfile,
        SideConfig,
        check_endpoints,
        save_config,
        valid_profile_name,
    )
    from regionsync.credentials import KeySourceKind, describe_key, parse_key_source, store_key
    from regionsync.errors import RegionSyncError

    if not valid_profile_name(name):
        raise typer.BadParameter("use letters, digits, '-' and '_' only", param_hint="NAME")
    chosen_service = parse_service(service)
    assert chosen_service is not None
    sides = _sides(side)
    if len(sides) > 1 and any(v is not None for v in (endpoint, region, resource_id)):
        raise typer.BadParameter(
            "--endpoint/--region/--resource-id describe one side: add --side", param_hint="--side"
        )
    allowed = SERVICE_API_VERSIONS[chosen_service]
    if api_version is not None and api_version not in allowed:
        raise typer.BadParameter(f"use one of {', '.join(allowed)}", param_hint="--api-version")
    if key_source is not None:
        try:
            parse_key_source(key_source)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--key-source") from None

    path, cfg = _load(config)
    profile = cfg.profiles.get(name)
    current = profile.services().get(chosen_service) if profile is not None else None
    new_sides: dict[str, SideConfig] = {}
    keys: dict[Side, str] = {}
    for one in sides:
        before = _existing_side(current, one)
        label = f"{one.value.capitalize()}"
        try:
            settings = SideConfig(
                endpoint=_ask(f"{label} endpoint", endpoint, before.endpoint if before else None),
                region=_ask(f"{label} region", region, before.region if before else None),
                resource_id=_ask(f"{label} resource id", resource_id, before.resource_id if before else None),
                key=_key_source(label, key_source, before, scripted=endpoint is not None or key_stdin),
                encrypted=before.encrypted if before else None,
            )
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            raise typer.BadParameter(f"{field}: {first['msg']}", param_hint=f"the {one.value} side") from None
        except typer.Abort:  # stdin ran out of answers (no terminal): name the flags instead
            _refuse_missing(name, chosen_service, sides, current, endpoint, region, resource_id)
        new_sides[one.value] = settings
        if parse_key_source(settings.key).kind is KeySourceKind.KEYRING:
            typed = _read_key(one, from_stdin=key_stdin)
            if typed:
                keys[one] = typed

    base = current or ServiceProfile()
    updated = base.model_copy(
        update={**new_sides, "api_version": api_version or base.api_version or allowed[-1]}
    )
    new_profile = (profile or Profile()).with_service(chosen_service, updated)
    if allow_insecure_http:
        new_profile = new_profile.model_copy(update={"allow_insecure_http": True})
    profiles = {**cfg.profiles, name: new_profile}
    default = name if (make_default or not cfg.default_profile) else cfg.default_profile
    new_config = cfg.model_copy(update={"profiles": profiles, "default_profile": default})
    try:
        check_endpoints(new_config, path)  # before a key is stored: a refusal changes nothing
        for one, key in keys.items():
            store_key(name, chosen_service, one, key)
        save_config(new_config, path)
    except RegionSyncError as error:
        exit_with(error)
    out = err_console()
    out.print(f"Saved profile {name!r} ({chosen_service.value}) to {path}.", markup=False)
    for one in sides:
        status = describe_key(new_sides[one.value].key, profile=name, service=chosen_service, side=one)
        if status.found is False:
            out.print(
                f"No key for the {one.value} yet ({status.location}): add it with "
                f"`regionsync profile add {name} --service {chosen_service.value} --side {one.value}`.",
                markup=False,
            )
    missing = [s for s in ("primary", "secondary") if getattr(updated, s) is None]
    if missing:
        out.print(
            f"Still to add: the {missing[0]} side (`regionsync profile add {name} "
            f"--service {chosen_service.value} --side {missing[0]} --endpoint URL --region REGION "
            "--resource-id ID`).",
            markup=False,
            soft_wrap=True,
        )
    else:
        out.print(f"Check it with `regionsync profile test {name}`.", markup=False)


_VALUE_FLAGS = (
    ("endpoint", "--endpoint URL"),
    ("region", "--region REGION"),
    ("resource_id", "--resource-id ID"),
)


def _refuse_missing(
    name: str,
    service: Service,
    sides: list[Side],
    current: ServiceProfile | None,
    endpoint: str | None,
    region: str | None,
    resource_id: str | None,
) -> NoReturn:
    """A question met the end of stdin (no terminal, nothing piped): name the flags to pass, exit 2.

    Answers piped in are still read as answers; only running out of them ends here.
    """
    given = {"endpoint": endpoint, "region": region, "resource_id": resource_id}
    lines: list[str] = []
    for one in sides:
        before = _existing_side(current, one)
        missing = [flag for field, flag in _VALUE_FLAGS if given[field] is None and before is None]
        if missing:
            lines.append(
                f"  regionsync profile add {name} --service {service.value} --side {one.value} "
                + " ".join(missing)
            )
    if not lines:
        lines.append(f"  regionsync profile add {name} --service {service.value} --key-source keyring")
    out = err_console()
    out.print(
        "Missing values, and stdin is not a terminal to ask them on. Pass them as flags "
        "(keys: --key-source env:VARIABLE, or --key-stdin):",
        markup=False,
        soft_wrap=True,
    )
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)
    raise typer.Exit(2)


@profile_app.command("list")
def list_profiles(config: Path | None = CONFIG_OPTION, json_output: bool = JSON_OPTION) -> None:
    """List the profiles, their services and endpoints.

    Example:

      regionsync profile list --json
    """
    from rich.table import Table

    path, cfg = _load(config)
    rows: list[dict[str, Any]] = []
    for name, profile in cfg.profiles.items():
        configured: list[tuple[Service | None, ServiceProfile | None]] = list(profile.services().items())
        for service, settings in configured or [(None, None)]:
            rows.append(
                {
                    "profile": name,
                    "default": name == cfg.default_profile,
                    "service": service.value if service else None,
                    "api_version": settings.api_version if settings else None,
                    "primary": settings.primary.endpoint if settings and settings.primary else None,
                    "secondary": settings.secondary.endpoint if settings and settings.secondary else None,
                }
            )
    if json_output:
        typer.echo(json.dumps({"config": str(path), "profiles": rows}, ensure_ascii=False))
        return
    if not rows:
        err_console().print(
            f"No profiles in {path}. Add one with `regionsync profile add <name>` (or run `make demo`).",
            markup=False,
        )
        return
    table = Table(title=f"profiles ({path})", title_justify="left")
    for column in ("profile", "service", "api version", "primary", "secondary"):
        table.add_column(column)
    for row in rows:
        mark = " (default)" if row["default"] else ""
        table.add_row(
            f"{row['profile']}{mark}",
            row["service"] or "–",
            row["api_version"] or "–",
            row["primary"] or "–",
            row["secondary"] or "–",
        )
    console().print(table)


def _profile_view(name: str, profile: Profile, *, is_default: bool) -> dict[str, Any]:
    """Everything `show` tells about a profile, keys only as where-from and found-or-not."""
    from regionsync.credentials import describe_key
    from regionsync.domain import Side

    services: dict[str, Any] = {}
    for service, settings in profile.services().items():
        sides: dict[str, Any] = {}
        for side in Side:
            end = _existing_side(settings, side)
            if end is None:
                sides[side.value] = None
                continue
            key = describe_key(end.key, profile=name, service=service, side=side)
            sides[side.value] = {
                "endpoint": end.endpoint,
                "region": end.region,
                "resource_id": end.resource_id,
                **({"encrypted": end.encrypted} if end.encrypted is not None else {}),
                "key": {
                    "source": key.source,
                    "location": key.location,
                    "found": key.found,
                    "problem": key.problem,
                },
            }
        services[service.value] = {"api_version": settings.api_version, **sides}
    view: dict[str, Any] = {"profile": name, "default": is_default, "services": services}
    if profile.allow_insecure_http:
        view["allow_insecure_http"] = True
    return view


@profile_app.command("show")
def show(
    name: str | None = typer.Argument(None, help="Profile (default: the default profile)."),
    config: Path | None = CONFIG_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Show a profile: endpoints, regions, resource ids, and where each key comes from (never the key).

    Example:

      regionsync profile show contoso
    """
    from regionsync.config import select_profile
    from regionsync.errors import RegionSyncError

    _, cfg = _load(config)
    try:
        chosen, profile = select_profile(cfg, name)
    except RegionSyncError as error:
        exit_with(error)
    view = _profile_view(chosen, profile, is_default=chosen == cfg.default_profile)
    if json_output:
        typer.echo(json.dumps(view, ensure_ascii=False))
        return
    out = console()
    out.soft_wrap = True  # ids and URLs stay whole, for copy and paste
    out.print(f"[bold]{chosen}[/bold]" + (" (default)" if view["default"] else ""))
    if view.get("allow_insecure_http"):
        out.print("  allow_insecure_http: http:// off this machine gets the key in clear text", markup=False)
    for service, data in view["services"].items():
        out.print(f"  {service}  api_version {data['api_version']}", markup=False)
        for side in ("primary", "secondary"):
            end = data[side]
            if end is None:
                out.print(f"    {side:<9}  not configured", markup=False)
                continue
            key = end["key"]
            found = {True: "found", False: "NOT FOUND", None: "signed in on use"}[key["found"]]
            out.print(f"    {side:<9}  {end['endpoint']}  ({end['region']})", markup=False)
            out.print(f"               resource {end['resource_id']}", markup=False)
            out.print(f"               key: {key['location']} — {found}", markup=False)
            if key["problem"]:
                out.print(f"               {key['problem']}", markup=False)


@profile_app.command("test")
def test(
    name: str | None = typer.Argument(None, help="Profile (default: the default profile)."),
    service: str | None = typer.Option(None, "--service", help="Only this service.", show_default=False),
    config: Path | None = CONFIG_OPTION,
    json_output: bool = JSON_OPTION,
    plain: bool = PLAIN_OPTION,
) -> None:
    """Probe the profile's endpoints: reachable, key accepted, latency, API version, quota.

    Example:

      regionsync profile test contoso
    """
    from regionsync.cli.probe import run_probe

    raise typer.Exit(run_probe(config, name, service, json_output=json_output, plain=plain))


@profile_app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Profile to remove."),
    service: str | None = typer.Option(
        None, "--service", help="Remove only this service.", show_default=False
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Remove a profile (or one service of it) and the keys it kept in the OS keyring.

    Example:

      regionsync profile remove contoso --service language
    """
    from regionsync.config import save_config, select_profile
    from regionsync.credentials import KeySourceKind, delete_key, parse_key_source
    from regionsync.errors import RegionSyncError

    path, cfg = _load(config)
    try:
        _, profile = select_profile(cfg, name)
    except RegionSyncError as error:
        exit_with(error)
    only = parse_service(service)
    doomed = {s: v for s, v in profile.services().items() if only is None or s is only}
    if only is not None and not doomed:
        exit_with(RegionSyncError(what=f"Profile {name!r} has no {only.value}", code="ServiceMissing"))
    what = f"{only.value} of profile {name!r}" if only else f"profile {name!r}"
    if not yes and not typer.confirm(f"Remove {what} and its stored keys?", default=False):
        raise typer.Exit(1)
    if only is None:
        profiles = {k: v for k, v in cfg.profiles.items() if k != name}
    else:
        profiles = {**cfg.profiles, name: profile.with_service(only, None)}
    default = cfg.default_profile
    if default == name and only is None:
        default = next(iter(profiles)) if len(profiles) == 1 else None
    try:
        save_config(cfg.model_copy(update={"profiles": profiles, "default_profile": default}), path)
        for svc, settings in doomed.items():
            for side in _sides(None):
                end = _existing_side(settings, side)
                if end is not None and parse_key_source(end.key).kind is KeySourceKind.KEYRING:
                    delete_key(name, svc, side)
    except RegionSyncError as error:
        exit_with(error)
    err_console().print(f"Removed {what} from {path}.", markup=False)
