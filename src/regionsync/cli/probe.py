"""`regionsync probe` (and `profile test`): is each endpoint of a profile reachable, is its key accepted?

For every service and side of the profile, one resource-info call tells: reachable, key accepted,
latency (ms), whether the resource answers the profile's API version, and its custom-asset quota.
Both sides are probed concurrently; one side failing never hides the other. Output: a Rich table,
or `--json`. Exit code 0 when every endpoint is fine, 1 when any is not, 2 on a usage/config error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from regionsync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    PLAIN_OPTION,
    PROFILE_OPTION,
    SERVICE_OPTION,
    console,
    load_context,
    parse_service,
    plain_output,
    print_lines,
)

if TYPE_CHECKING:
    import httpx
    from rich.table import Table

    from regionsync.config import Profile
    from regionsync.domain import Service, Side

_UNREACHABLE_CODES = frozenset({"Unreachable", "Timeout", "ConnectionLost"})


@dataclass
class ProbeResult:
    """What one endpoint said. None means "could not be told" (an earlier check failed)."""

    profile: str
    service: str
    side: str
    endpoint: str
    region: str
    api_version: str
    reachable: bool | None = None
    key_accepted: bool | None = None
    api_version_answered: bool | None = None
    latency_ms: float | None = None
    custom_count: int | None = None
    custom_limit: int | None = None
    problem: str = ""
    code: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.reachable and self.key_accepted and self.api_version_answered) and not self.problem

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


async def probe_side(
    profile_name: str,
    service: Service,
    profile: Profile,
    side: Side,
    *,
    client: httpx.AsyncClient,
    clock: Callable[[], float] = time.perf_counter,
) -> ProbeResult:
    """Probe one side: one resource-info call, classified."""
    from regionsync.errors import RegionSyncError
    from regionsync.services.registry import open_adapter
    from regionsync.services.retry import RetrySettings

    _, settings = profile.service(service)
    end = settings.side(side, service)
    result = ProbeResult(
        profile=profile_name,
        service=service.value,
        side=side.value,
        endpoint=end.endpoint,
        region=end.region,
        api_version=settings.api_version,
    )
    try:
        adapter = open_adapter(
            profile_name, service, settings, side, client=client, retry=RetrySettings(attempts=2)
        )
    except RegionSyncError as error:
        result.key_accepted = False
        result.problem, result.code = error.one_line(), error.code
        return result
    started = clock()
    try:
        info = await adapter.resource_info()
    except RegionSyncError as error:
        finished = clock()
        await adapter.aclose()  # an Entra ID credential holds HTTP sessions of its own
        result.problem, result.code = error.one_line(), error.code
        if error.code in _UNREACHABLE_CODES:
            result.reachable = False
            return result
        result.latency_ms = round((finished - started) * 1000.0, 1)
        result.reachable = True
        if error.status in (401, 403):
            result.key_accepted = False
        elif error.status == 404:
            result.key_accepted = True
            result.api_version_answered = False
        return result
    finished = clock()
    await adapter.aclose()  # an Entra ID credential holds HTTP sessions of its own
    result.latency_ms = round((finished - started) * 1000.0, 1)
    result.reachable = result.key_accepted = result.api_version_answered = True
    result.custom_count, result.custom_limit = info.custom_count, info.custom_limit
    return result


async def probe_profile(
    profile_name: str,
    profile: Profile,
    *,
    client: httpx.AsyncClient,
    services: list[Service] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[ProbeResult]:
    """Probe every side of every (or the given) service of a profile, concurrently."""
    import asyncio

    from regionsync.domain import Side

    wanted = services or list(profile.services())
    calls = [
        probe_side(profile_name, service, profile, side, client=client, clock=clock)
        for service in wanted
        for side in Side
        if _side_configured(profile, service, side)
    ]
    return list(await asyncio.gather(*calls))


def _side_configured(profile: Profile, service: Service, side: Side) -> bool:
    settings = profile.services().get(service)
    return settings is not None and getattr(settings, side.value) is not None


def _mark(value: bool | None, yes: str = "yes", no: str = "no") -> str:
    if value is None:
        return "[dim]–[/dim]"
    return f"[green]✓ {yes}[/green]" if value else f"[red]✗ {no}[/red]"


def results_table(results: list[ProbeResult]) -> Table:
    """The probe as a Rich table (words beside every mark, never colour alone)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="regionsync probe", title_justify="left")
    for column in (
        "service",
        "side",
        "region",
        "endpoint",
        "reachable",
        "key",
        "latency",
        "api version",
        "quota",
    ):
        table.add_column(column, no_wrap=column in ("side", "region", "latency"))
    table.add_column("problem", overflow="fold")
    for r in results:
        quota = f"{r.custom_count}/{r.custom_limit}" if r.custom_count is not None else "–"
        latency = f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "–"
        answered = (
            "–"
            if r.api_version_answered is None
            else (
                f"{r.api_version} ✓"
                if r.api_version_answered
                else f"[red]{r.api_version} ✗ not answered[/red]"
            )
        )
        table.add_row(
            r.service,
            r.side,
            r.region,
            r.endpoint,
            _mark(r.reachable, "reachable", "unreachable"),
            _mark(r.key_accepted, "accepted", "rejected"),
            latency,
            answered,
            quota,
            Text(r.problem),  # verbatim: advice such as `pip install 'regionsync[entra]'` is not markup
        )
    return table


def _verdict(r: ProbeResult) -> str:
    if r.ok:
        return "✓ ok"
    if r.reachable is False:
        return "✗ unreachable"
    if r.key_accepted is False:
        return "✗ key-rejected"
    if r.api_version_answered is False:
        return "✗ api-version"
    return "✗ problem"


def result_lines(results: list[ProbeResult]) -> list[str]:
    """One line per endpoint: `<glyph> <verdict> <service> <side> <region> <endpoint>  <facts>  <problem>`."""
    lines = []
    for r in results:
        line = f"{_verdict(r)} {r.service} {r.side} {r.region} {r.endpoint}  {_facts(r)}"
        lines.append(line + (f"  {' '.join(r.problem.split())}" if r.problem else ""))
    return lines


def _facts(r: ProbeResult) -> str:
    facts = []
    if r.latency_ms is not None:
        facts.append(f"{r.latency_ms:.0f} ms")
    facts.append(f"api {r.api_version}")
    if r.custom_count is not None:
        facts.append(f"quota {r.custom_count}/{r.custom_limit}")
    return " · ".join(facts)


def compact_table(results: list[ProbeResult]) -> Table:
    """The probe at a terminal, in 80 columns: the endpoint and the problem on lines of their own."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="regionsync probe", title_justify="left", show_lines=True)
    table.add_column("service · side", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("details", overflow="fold")
    for r in results:
        verdict = _verdict(r)
        details = Text(r.endpoint)
        details.append("\n" + _facts(r), style="dim")
        if r.problem:
            details.append("\n" + r.problem)
        table.add_row(
            f"{r.service}\n{r.side} {r.region}",
            Text(verdict, style="green" if r.ok else "red"),
            details,
        )
    return table


def run_probe(
    config: Path | None,
    profile: str | None,
    service: str | None,
    *,
    json_output: bool,
    plain: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Load the profile, probe it, print the results; the exit code (0 all fine, 1 a problem)."""
    import asyncio
    import json

    import httpx

    from regionsync import __version__

    _, name, prof = load_context(config, profile, service)
    wanted = parse_service(service)

    async def go() -> list[ProbeResult]:
        async with httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(15.0, connect=5.0),
            follow_redirects=False,
            headers={"User-Agent": f"regionsync/{__version__}"},
        ) as client:
            return await probe_profile(name, prof, client=client, services=[wanted] if wanted else None)

    results = asyncio.run(go())
    if json_output:
        typer.echo(json.dumps([r.to_json() for r in results], ensure_ascii=False))
    elif plain_output(plain):
        print_lines(result_lines(results))
    else:
        out = console()
        out.print(results_table(results) if out.width >= 140 else compact_table(results))
    return 0 if results and all(r.ok for r in results) else 1


def probe(
    config: Path | None = CONFIG_OPTION,
    profile: str | None = PROFILE_OPTION,
    service: str | None = SERVICE_OPTION,
    json_output: bool = JSON_OPTION,
    plain: bool = PLAIN_OPTION,
) -> None:
    """Check every endpoint of the profile: reachable, key accepted, latency, API version, quota.

    Exit code: 0 every endpoint answers with its key accepted, 1 a problem, 2 bad input.

    Examples:

      regionsync probe

      regionsync probe --profile contoso --service document-intelligence --json
    """
    raise typer.Exit(run_probe(config, profile, service, json_output=json_output, plain=plain))
