"""Turn engine results into what the CLI prints: Rich tables for people, JSON for scripts.

The JSON shapes are documented in the README; keep them stable (scripts parse them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from regionsync.domain import Asset, AssetPair, Job, SyncStatus
from regionsync.present import day, stamp, step_numbers
from regionsync.sync.inventory import ServiceStatus
from regionsync.sync.plan import Plan

STATUS_STYLE: dict[SyncStatus, str] = {
    SyncStatus.IN_SYNC: "green",
    SyncStatus.MISSING: "yellow",
    SyncStatus.DRIFTED: "magenta",
    SyncStatus.EXTRA: "cyan",
    SyncStatus.COPYING: "blue",
    SyncStatus.FAILED: "bold red",
    SyncStatus.UNKNOWN: "red",
}


def _cell(asset: Asset | None) -> Text:
    if asset is None:
        return Text("")
    when = day(asset.changed)
    return Text.assemble(asset.name, ("  " + asset.state, "dim"), ("  " + when, "dim"))


def status_table(status: ServiceStatus) -> Group:
    """One table per service: both sides aligned by asset, the status as glyph and word."""
    title = (
        f"{status.service.value} ({status.api_version})  ·  {status.source.label} → {status.target.label}"
        f"  ·  {status.readiness.words(status.source.label, status.target.label)}"
    )
    table = Table(title=title, title_justify="left", expand=False, show_lines=False)
    table.add_column("kind", style="dim")
    table.add_column(status.source.label)
    table.add_column("status")
    table.add_column(status.target.label)
    table.add_column("reason", style="dim", overflow="fold")
    for pair in status.pairs:
        st = pair.status
        table.add_row(
            pair.kind.value,
            _cell(pair.primary),
            Text(f"{st.glyph} {st.value}", style=STATUS_STYLE[st]),
            _cell(pair.secondary),
            pair.reason,
        )
    parts: list[Any] = [table]
    for side, error in status.errors.items():
        parts.append(Text(f"{side.value}: {error.one_line()}", style="red"))
    return Group(*parts)


def asset_json(asset: Asset | None) -> dict[str, Any] | None:
    if asset is None:
        return None
    return {
        "id": asset.id,
        "name": asset.name,
        "state": asset.state,
        "description": asset.description,
        "created": stamp(asset.created) or None,
        "modified": stamp(asset.modified) or None,
    }


def pair_json(pair: AssetPair) -> dict[str, Any]:
    return {
        "kind": pair.kind.value,
        "name": pair.name,
        "status": pair.status.value,
        "glyph": pair.status.glyph,
        "reason": pair.reason,
        "waiting_since": stamp(pair.waiting_since) or None,
        "basis": pair.basis,
        "seen_at": stamp(pair.seen_at) or None,
        "primary": asset_json(pair.primary),
        "secondary": asset_json(pair.secondary),
    }


def status_json(status: ServiceStatus, *, lazy: bool = False) -> dict[str, Any]:
    """`status --json`'s shape for one service; `lazy`: its assets as an iterator, for `emit_json`
    to write one by one."""
    ready = status.readiness
    return {
        "service": status.service.value,
        "api_version": status.api_version,
        "source": {
            "side": status.source.side.value,
            "region": status.source.region,
            "endpoint": status.source.endpoint,
        },
        "target": {
            "side": status.target.side.value,
            "region": status.target.region,
            "endpoint": status.target.endpoint,
        },
        "readiness": {
            "servable": ready.servable,
            "total": ready.total,
            "unknown": ready.unknown,
            "oldest_gap": stamp(ready.oldest_gap) or None,
            "basis": ready.basis,
            "primary_seen_at": stamp(ready.primary_seen_at) or None,
            "secondary_seen_at": stamp(ready.secondary_seen_at) or None,
            **({"note": ready.note} if ready.note else {}),
        },
        "errors": {side.value: err.one_line() for side, err in status.errors.items()},
        "assets": map(pair_json, status.pairs) if lazy else [pair_json(p) for p in status.pairs],
    }


def status_exit_code(statuses: list[ServiceStatus], max_age: timedelta | None = None) -> int:
    """Like diff: 0 the secondary can serve everything, 1 differences, 2 a side could not be read."""
    now = datetime.now(UTC)
    if any(s.errors for s in statuses) or any(
        p.status is SyncStatus.UNKNOWN for s in statuses for p in s.pairs
    ):
        return 2
    lagging = [
        p
        for s in statuses
        for p in s.pairs
        if p.status in (SyncStatus.MISSING, SyncStatus.DRIFTED, SyncStatus.COPYING, SyncStatus.FAILED)
    ]
    if max_age is not None:
        lagging = [
            p
            for p in lagging
            if p.status in (SyncStatus.MISSING, SyncStatus.DRIFTED, SyncStatus.FAILED)
            and p.waiting_since is not None
            and now - p.waiting_since > max_age
        ]
    return 1 if lagging else 0


def plan_table(plan: Plan) -> Group:
    head = Text.assemble(
        (f"{plan.service.value} ({plan.api_version})", "bold"),
        f"  {plan.source.label} → {plan.target.label}: ",
        (f"{len(plan.copies)} to copy", "green" if plan.copies else ""),
        f", {len(plan.refusals)} refused, {plan.in_sync} in sync, {plan.extra} extra, {plan.copying} copying",
    )
    if plan.quota and plan.quota.limited and plan.quota.custom_limit is not None:
        head.append(f"  ·  target quota {plan.quota.custom_count}/{plan.quota.custom_limit}", style="dim")
    parts: list[Any] = [head]
    if plan.copies:
        table = Table(show_header=True, box=None, pad_edge=False)
        table.add_column("action")
        table.add_column("kind", style="dim")
        table.add_column("asset")
        table.add_column("target id")
        table.add_column("why", style="dim")
        for c in plan.copies:
            action = Text("replace", style="magenta") if c.replace else Text("copy", style="green")
            table.add_row(action, c.kind.value, c.name, c.target_id or "(new id)", c.reason)
        parts.append(table)
        if plan.how:
            parts.append(Text(f"How: {plan.how}. Every step is journaled.", style="dim"))
    if plan.refusals:
        table = Table(show_header=True, box=None, pad_edge=False)
        table.add_column("refused", style="red")
        table.add_column("kind", style="dim")
        table.add_column("why")
        table.add_column("what to do", style="dim")
        for r in plan.refusals:
            table.add_row(r.name, r.kind.value, r.why, r.todo)
        parts.append(table)
    return Group(*parts)


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "service": plan.service.value,
        "api_version": plan.api_version,
        "source": {"side": plan.source.side.value, "region": plan.source.region},
        "target": {"side": plan.target.side.value, "region": plan.target.region},
        "copies": [
            {
                "kind": c.kind.value,
                "name": c.name,
                "source_id": c.source_id,
                "target_id": c.target_id,
                "replace": c.replace,
                "deletes_first": c.replace_id,
                "reason": c.reason,
            }
            for c in plan.copies
        ],
        "refusals": [
            {"kind": r.kind.value, "name": r.name, "why": r.why, "todo": r.todo} for r in plan.refusals
        ],
        "in_sync": plan.in_sync,
        "extra": plan.extra,
        "copying": plan.copying,
        "quota": (
            {"count": plan.quota.custom_count, "limit": plan.quota.custom_limit} if plan.quota else None
        ),
    }


def job_json(job: Job, *, steps: bool = False) -> dict[str, Any]:
    data = job.model_dump(mode="json", exclude={"steps"})
    if steps:
        data["steps"] = [s.model_dump(mode="json") for s in job.steps]
    return data


def jobs_table(jobs: list[Job]) -> Table:
    table = Table(show_header=True)
    table.add_column("job")
    table.add_column("state")
    table.add_column("asset")
    table.add_column("direction", style="dim")
    table.add_column("last step", style="dim")
    table.add_column("updated", style="dim")
    table.add_column("error", overflow="fold")
    styles = {
        "succeeded": "green",
        "failed": "red",
        "running": "blue",
        "pending": "yellow",
        "interrupted": "bold yellow",
        "canceled": "dim",
    }
    for job in jobs:
        last = job.steps[-1].name if job.steps else ""
        table.add_row(
            job.id,
            Text(job.state.value, style=styles.get(job.state.value, "")),
            f"{job.kind.value} {job.asset_name}",
            f"{job.source_side.value} → {job.source_side.other.value}",
            last,
            stamp(job.updated),
            job.error or "",
        )
    return table


def job_detail(job: Job) -> Group:
    lines: list[Any] = [
        Text.assemble(("job ", "dim"), (job.id, "bold"), "  ", job.state.value),
        Text(f"{job.service.value} {job.kind.value} {job.asset_name} ({job.api_version})"),
        Text(f"from {job.source_endpoint} ({job.source_id})"),
        Text(f"to   {job.target_endpoint} ({job.target_id or 'id not yet assigned'})"),
    ]
    if job.error:
        lines.append(Text(f"error: {job.error}", style="red"))
    table = Table(show_header=True, box=None)
    for col in ("#", "step", "state", "percent", "operation", "error"):
        table.add_column(col)
    numbers = step_numbers(s.name for s in job.steps)
    for s, number in zip(job.steps, numbers, strict=True):
        table.add_row(
            str(number),
            s.name,
            s.state.value,
            "" if s.percent is None else f"{s.percent}%",
            s.operation_url or "",
            s.error or "",
        )
    lines.append(table)
    for s, number in zip(job.steps, numbers, strict=True):
        said = s.detail.get("error") if isinstance(s.detail, dict) else None
        if isinstance(said, dict):
            lines.extend(_service_words(number, s.name, said))
    return Group(*lines)


def _service_words(index: int, name: str, said: dict[str, Any]) -> list[Text]:
    """A failed step in full, once: what, why, what to do, and the service's own code and message."""
    out = [Text(f"step {index} {name}: {said.get('what', '')}", style="bold")]
    if said.get("why"):
        out.append(Text(f"  Why: {said['why']}"))
    if said.get("todo"):
        out.append(Text(f"  What to do: {said['todo']}"))
    if said.get("message") or said.get("code"):
        status = f" (HTTP {said['status']})" if said.get("status") else ""
        words = f"  Service said{status}: [{said.get('code', '')}] {said.get('message', '')}"
        out.append(Text(words.rstrip()))
    if said.get("request_id"):
        out.append(Text(f"  Request id: {said['request_id']}", style="dim"))
    return out


# --- plain output: one line per item (rclone `check` style), for pipes, grep and `--plain` -------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def status_summary(status: ServiceStatus) -> str:
    """The service's heading in plain output (stderr): service, direction, readiness."""
    return (
        f"{status.service.value} ({status.api_version}) {status.source.label} → {status.target.label}: "
        f"{status.readiness.words(status.source.label, status.target.label)}"
    )


def status_lines(status: ServiceStatus) -> list[str]:
    """`<glyph> <status> <kind> <name>  <reason>`, one line per asset, nothing cut."""
    return [
        _one_line(f"{p.status.glyph} {p.status.value} {p.kind.value} {p.name}") + f"  {_one_line(p.reason)}"
        for p in status.pairs
    ]


def plan_summary(plan: Plan) -> str:
    """The plan's heading in plain output (stderr)."""
    head = (
        f"{plan.service.value} ({plan.api_version}) {plan.source.label} → {plan.target.label}: "
        f"{len(plan.copies)} to copy, {len(plan.refusals)} refused, {plan.in_sync} in sync, "
        f"{plan.extra} extra, {plan.copying} copying"
    )
    if plan.quota and plan.quota.limited and plan.quota.custom_limit is not None:
        head += f"; target quota {plan.quota.custom_count}/{plan.quota.custom_limit}"
    return head


def plan_lines(plan: Plan) -> list[str]:
    """`copy|replace <kind> <name> → <target id>  <why>` and `refused <kind> <name>  <why> — <todo>`,
    one line each; URLs and request bodies are never cut."""
    lines = []
    for c in plan.copies:
        action = "replace" if c.replace else "copy"
        lines.append(f"{action} {c.kind.value} {c.name} → {c.target_id or '(new id)'}  {_one_line(c.reason)}")
    for r in plan.refusals:
        todo = f" — {_one_line(r.todo)}" if r.todo else ""
        lines.append(f"refused {r.kind.value} {r.name}  {_one_line(r.why)}{todo}")
    return lines


def jobs_lines(jobs: list[Job]) -> list[str]:
    """`<id> <state> <kind> <asset> <from>→<to> <step n/N name> <updated>  <error>`, one line per job."""
    lines = []
    for job in jobs:
        number = step_numbers(s.name for s in job.steps)[-1] if job.steps else 0
        step = f"step {number} {job.steps[-1].name}" if job.steps else "step -"
        line = (
            f"{job.id} {job.state.value} {job.kind.value} {job.asset_name} "
            f"{job.source_side.value}→{job.source_side.other.value} {step} {stamp(job.updated)}"
        )
        lines.append(line + (f"  {_one_line(job.error)}" if job.error else ""))
    return lines


def print_jobs(jobs: list[Job], *, plain: bool = False) -> None:
    """`jobs list`: one line per job in a pipe (or with --plain), else the table."""
    from regionsync.cli.common import console, plain_output, print_lines

    if plain_output(plain):
        print_lines(jobs_lines(jobs))
    else:
        console().print(jobs_table(jobs))
