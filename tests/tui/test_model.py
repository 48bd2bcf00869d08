"""The dashboard's wording, pure: filters, the gutter, readiness, health and job lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regionsync.domain import Asset, AssetKind, AssetPair, JobState, ProgressEvent, Service, Side, SyncStatus
from regionsync.errors import RegionSyncError
from regionsync.sync.inventory import ServiceStatus
from regionsync.sync.pair import SideInfo
from regionsync.tui.health import HealthMeter
from regionsync.tui.model import JobLine, SideHealth, diff_row, gutter_text, parse_filter

NOW = datetime(2024, 12, 2, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "statuses", "words"),
    [
        ("missing", {SyncStatus.MISSING}, ()),
        ("status:drifted", {SyncStatus.DRIFTED}, ()),
        ("In Sync", {SyncStatus.IN_SYNC}, ()),
        ("unknown inv", {SyncStatus.UNKNOWN}, ("inv",)),
        ("w2-2023", set(), ("w2-2023",)),
        ("", set(), ()),
    ],
)
def test_filter_words_are_statuses_or_text(
    query: str, statuses: set[SyncStatus], words: tuple[str, ...]
) -> None:
    row_filter = parse_filter(query)
    assert row_filter.statuses == frozenset(statuses) and row_filter.words == words


def test_a_row_shares_the_listing_s_values_and_words_them_when_drawn() -> None:
    guid = "3f2a9c1e-0000-4000-8000-000000000001"
    old = Asset(kind=AssetKind.MODEL, id=guid, name="Invoice", state="creating",
                created=datetime(2024, 10, 2, 23, 59, tzinfo=UTC))
    new = Asset(kind=AssetKind.MODEL, id="Invoice", name="Invoice", created=NOW)
    row = diff_row(Service.DOCUMENT_INTELLIGENCE,
                   AssetPair(kind=AssetKind.MODEL, name="Invoice", primary=old, secondary=new,
                             status=SyncStatus.DRIFTED, reason="differs"))
    assert row.primary is not None and row.secondary is not None
    assert row.primary.id is old.id and row.primary.changed_at is old.created, "shared, not copied"
    assert row.key == "document-intelligence/model/Invoice" and row.ids == (guid, "Invoice")
    assert (row.primary.label, row.primary.info) == ("Invoice (3f2a9c1e)", "creating 2024-10-02")
    assert (row.secondary.label, row.secondary.info) == ("Invoice", "ready    2024-12-02")
    assert row.search_text() == f"invoice {guid}", "the name and each id once, case-folded"
    assert parse_filter("3F2A").matches(row) and parse_filter("INVOICE").matches(row)
    only_name = diff_row(Service.DOCUMENT_INTELLIGENCE,
                         AssetPair(kind=AssetKind.MODEL, name="Invoice", primary=new, secondary=None,
                                   status=SyncStatus.MISSING, reason="only on the primary"))
    assert only_name.search_text() == "invoice" and not parse_filter("3f2a").matches(only_name)


def test_the_gutter_is_a_glyph_and_a_word() -> None:
    assert gutter_text(SyncStatus.IN_SYNC) == "═ in sync"
    assert gutter_text(SyncStatus.COPYING, 62) == "⟳ copying 62%"
    assert gutter_text(SyncStatus.UNKNOWN) == "? unknown"


def test_health_words_say_what_is_wrong() -> None:
    ok = SideHealth(Side.PRIMARY, ("eastus",), True, True, 38.2, NOW)
    assert ok.words() == "● reachable · key ok · 38 ms · 15:30:00"
    down = SideHealth(Side.SECONDARY, ("westus2",), False, None, None, NOW, "unreachable: connection refused")
    assert down.words() == "✗ down · connection refused" and not down.ok
    refused = SideHealth(Side.SECONDARY, ("westus2",), True, False, None, NOW, "key refused")
    assert refused.words() == "✗ key refused · 15:30:00"
    assert SideHealth(Side.PRIMARY, ()).words() == "… checking"


def _status(latency: dict[Side, float], errors: dict[Side, RegionSyncError]) -> ServiceStatus:
    def side(which: Side) -> SideInfo:
        return SideInfo(side=which, endpoint="http://127.0.0.1:1/x", region="r", resource_id="/x")

    return ServiceStatus(
        service=Service.DOCUMENT_INTELLIGENCE,
        api_version="2024-11-30",
        source=side(Side.PRIMARY),
        target=side(Side.SECONDARY),
        latency=latency,
        errors=errors,
    )


def test_the_health_meter_tells_outage_key_and_latency_apart() -> None:
    meter = HealthMeter(timer=lambda: 0.0)
    down = RegionSyncError("down", code="Unreachable")
    statuses = [
        _status({Side.PRIMARY: 0.012}, {Side.SECONDARY: down}),
        _status({Side.PRIMARY: 0.040}, {Side.SECONDARY: down}),
    ]
    summary = meter.summary(statuses, NOW)
    assert summary[Side.PRIMARY].ok and summary[Side.PRIMARY].latency_ms == pytest.approx(40.0)
    assert summary[Side.SECONDARY].reachable is False
    refused = RegionSyncError("no", code="401", status=401)
    second = meter.summary([_status({Side.PRIMARY: 0.01}, {Side.SECONDARY: refused})], NOW)[Side.SECONDARY]
    assert second.reachable is True and second.key_accepted is False


def test_a_job_line_follows_its_events() -> None:
    line = JobLine(job_id="j1", asset_name="w2-2023", target="westus2")

    def event(step: str, index: int, count: int, state: JobState, percent: int | None = None,
              message: str | None = None) -> ProgressEvent:
        return ProgressEvent(job_id="j1", asset_name="w2-2023", step=step, step_index=index, step_count=count,
                             state=state, percent=percent, message=message)

    line = line.apply(event("copy", 2, 3, JobState.RUNNING, 62), NOW)
    assert line.step_words() == "step 2/3 copy" and line.bar_percent == 62
    failed = event("failed", 0, 0, JobState.FAILED, message="target full")
    later = line.apply(failed, NOW + timedelta(seconds=41))
    assert later.step == "copy" and later.error == "target full" and later.step_words() == "failed"
    assert later.elapsed(NOW + timedelta(hours=1)) == "0:41", "a finished job's time stops"
    paused = line.apply(event("interrupted", 0, 0, JobState.RUNNING, message="interrupted: region down"), NOW)
    assert paused.interrupted and paused.step_words() == "⏸ interrupted"


def test_the_cli_ui_command_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = "import sys, regionsync.cli.ui; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"
