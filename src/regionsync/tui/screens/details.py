"""DetailsScreen (`enter`): both sides' fields side by side, the verdict, the last job, what to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from regionsync import present
from regionsync.domain import Asset, AssetPair, Job, Side, SyncStatus
from regionsync.errors import RegionSyncError

if TYPE_CHECKING:
    from regionsync.sync.pair import SideInfo

_ADVICE: dict[SyncStatus, str] = {
    SyncStatus.IN_SYNC: "Nothing: the secondary can serve this asset.",
    SyncStatus.MISSING: "Press c to copy it to the secondary (the pre-flight is shown first).",
    SyncStatus.DRIFTED: "Press c to replace the secondary's outdated copy (you are asked to confirm; "
    "the old copy is deleted first).",
    SyncStatus.EXTRA: "Nothing is required: sync never deletes it. Delete it on the secondary if it is "
    "retired.",
    SyncStatus.COPYING: "Wait: the copy job is running (see the jobs panel).",
    SyncStatus.FAILED: "Read the last job's error, fix its cause, then press c to copy again "
    "(a new authorization is asked for).",
    SyncStatus.UNKNOWN: "Wait for the region to answer again (r refreshes); what the other side holds "
    "stays shown.",
}


@dataclass(frozen=True)
class AssetDetails:
    """Everything the details screen shows, gathered by the app (no I/O here)."""

    pair: AssetPair
    primary: SideInfo
    secondary: SideInfo
    errors: dict[Side, RegionSyncError]
    last_job: Job | None = None


def _stamp(asset: Asset, field: str) -> str:
    value = getattr(asset, field)
    return f"{present.to_second(value)} UTC" if value else ""


def asset_fields(asset: Asset) -> list[tuple[str, str]]:
    """The fields worth comparing, in a stable order."""
    rows = [
        ("id", asset.id),
        ("name", asset.name),
        ("state", asset.state),
        ("description", asset.description or ""),
        ("created", _stamp(asset, "created")),
        ("modified", _stamp(asset, "modified")),
        ("tags", ", ".join(f"{k}={v}" for k, v in sorted(asset.tags.items()))),
    ]
    details = asset.details
    if "docTypes" in details:
        rows.append(("doc types", ", ".join(str(d) for d in details["docTypes"])))
    for key, label in (("apiVersion", "api version"), ("buildMode", "build mode"),
                       ("expirationDateTime", "expires"), ("isComposed", "composed")):
        if key in details:
            rows.append((label, str(details[key])))
    rows.append(("fingerprint", asset.fingerprint[:16]))
    return rows


def side_panel(
    info: SideInfo, asset: Asset | None, error: RegionSyncError | None, other: Asset | None
) -> Table:
    """One side's fields; a field that differs from the other side is marked `≠`."""
    title = f"{info.side.value.upper()} {info.region}"
    table = Table(title=title, title_justify="left", show_header=False, box=None, expand=True, pad_edge=False)
    table.add_column("field", style="dim", no_wrap=True)
    table.add_column("value", overflow="fold")
    if asset is None:
        if error is not None:
            table.add_row("", Text(f"could not be read: {error.what}", style="bold red"))
        else:
            table.add_row("", Text("(not on this side)", style="dim"))
        return table
    theirs = dict(asset_fields(other)) if other is not None else {}
    for label, value in asset_fields(asset):
        differs = other is not None and label not in ("id", "created") and theirs.get(label) != value
        table.add_row(label, Text(value + ("  ≠" if differs else ""), style="bold" if differs else ""))
    return table


def job_text(job: Job | None) -> Text:
    if job is None:
        return Text("no copy job in the journal for this asset", style="dim")
    out = Text()
    out.append(f"{job.state.value}", style="bold red" if job.error else "bold")
    out.append(f" · copy {job.kind.value} {job.asset_name} → {job.source_side.other.value}")
    out.append(f" · job {job.id} · updated {present.to_second(job.updated)}\n")
    for step, number in zip(job.steps, present.step_numbers(s.name for s in job.steps), strict=True):
        pct = f" {step.percent}%" if step.percent is not None else ""
        out.append(f"  step {number} {step.name} {step.state.value}{pct}", style="dim")
        if step.error:
            out.append(f" — {step.error}", style="red")
        out.append("\n")
    if job.error:
        out.append(f"error: {job.error}\n", style="red")
    return out


def advice_text(details: AssetDetails) -> Text:
    """What to do: a side's error explained in full, or the status's advice."""
    out = Text()
    for error in details.errors.values():
        out.append(error.explain() + "\n", style="red")
    job = details.last_job
    if details.pair.status is SyncStatus.FAILED and job is not None and job.error:
        said = service_words(job)
        if said is None:
            out.append(f"The last copy failed: {job.error}\n", style="red")
        else:
            out.append_text(said)
    out.append(_ADVICE[details.pair.status])
    return out


def service_words(job: Job) -> Text | None:
    """The job's failed step in full, once: what, why, what to do, then the service's own code and
    message (journaled in the step's detail); None when no step kept them."""
    said: dict[str, object] | None = None
    for step in job.steps:
        found = step.detail.get("error")
        if isinstance(found, dict):
            said = found
    if said is None:
        return None
    out = Text()
    out.append(f"The last copy failed: {said.get('what', '')}\n", style="bold red")
    if said.get("why"):
        out.append(f"Why: {said['why']}\n")
    if said.get("todo"):
        out.append(f"What to do: {said['todo']}\n")
    if said.get("message") or said.get("code"):
        status = f" (HTTP {said['status']})" if said.get("status") else ""
        out.append(f"Service said{status}: [{said.get('code', '')}] {said.get('message', '')}\n", style="red")
    if said.get("request_id"):
        out.append(f"Request id: {said['request_id']}\n", style="dim")
    return out


class DetailsScreen(ModalScreen[None]):
    """Read-only: escape (or enter) closes it."""

    DEFAULT_CSS = """
    DetailsScreen { align: center middle; }
    DetailsScreen > Vertical {
        width: 96%;
        max-width: 130;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    DetailsScreen #details-title { text-style: bold; padding: 0 0 1 0; }
    DetailsScreen #details-sides { height: auto; }
    DetailsScreen #details-sides > Static { width: 1fr; padding: 0 1 0 0; }
    DetailsScreen .section { text-style: bold; color: $accent; padding: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss_screen", "Close", tooltip="Back to the diff.", id="details-close"),
    ]

    def __init__(self, details: AssetDetails) -> None:
        super().__init__()
        self.details = details

    def compose(self) -> ComposeResult:
        pair = self.details.pair
        title = Text.assemble(
            (f"{pair.kind.value} {pair.name}   ", "bold"),
            (f"{pair.status.glyph} {pair.status.value}", "bold reverse"),
            f"   {pair.reason}",
        )
        errors = self.details.errors
        with Vertical():
            yield Static(title, id="details-title")
            with VerticalScroll():
                with Horizontal(id="details-sides"):
                    yield Static(side_panel(self.details.primary, pair.primary, errors.get(Side.PRIMARY),
                                            pair.secondary), id="details-primary")
                    yield Static(side_panel(self.details.secondary, pair.secondary,
                                            errors.get(Side.SECONDARY), pair.primary), id="details-secondary")
                yield Static("Last job", classes="section")
                yield Static(job_text(self.details.last_job), id="details-job")
                yield Static("What to do", classes="section")
                yield Static(advice_text(self.details), id="details-advice")

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
