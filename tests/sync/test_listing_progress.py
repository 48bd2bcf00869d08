"""Long listings tell how far they have read, page by page: the engine's `progress` callback, and
the one transient line a terminal shows from it (`cli/listing_line.py`), never in a pipe."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from engine_support import (
    LANGUAGE_PRIMARY,
    PRIMARY,
    SECONDARY,
    Harness,
    di_profile,
    frozen_world,
    language_profile,
)
from regionsync.cli.listing_line import AFTER, listing_line, reading_words
from regionsync.domain import AssetKind, Service, Side


async def test_each_listing_tells_its_count_page_by_page(tmp_path: Path) -> None:
    world = frozen_world()
    for n in range(250):
        world.add_model(PRIMARY, f"model-{n:03d}")
    for n in range(30):
        world.add_model(SECONDARY, f"model-{n:03d}")
    h = Harness(world, di_profile(world, "2024-11-30"), tmp_path / "journal.sqlite3")
    told: list[tuple[Service, Side, AssetKind, int]] = []
    async with h.session() as session:
        [status] = await session.status(progress=lambda *args: told.append(args))
    assert len([p for p in status.pairs if p.primary is not None]) == 250
    primary = [read for service, side, kind, read in told if side is Side.PRIMARY and kind is AssetKind.MODEL]
    assert len(primary) >= 3 and primary == sorted(primary), "one report per page, growing"
    secondary = [r for _, side, kind, r in told if side is Side.SECONDARY and kind is AssetKind.MODEL]
    assert secondary and primary[-1] - secondary[-1] == 250 - 30, "the last reports are whole listings"
    assert {service for service, *_ in told} == {Service.DOCUMENT_INTELLIGENCE}


async def test_only_the_listing_counts_not_the_reads_that_follow_it(tmp_path: Path) -> None:
    """A Language listing reads each project's models and deployments after the project list: those
    reads are not assets, and are not counted."""
    world = frozen_world()
    profile = language_profile(world, "2023-04-01")
    for n in range(3):
        served = {"prod": "v2", "qa": "v1"}
        world.add_project(LANGUAGE_PRIMARY, f"tickets-{n}", trained_models=("v1", "v2"), deployments=served)
    h = Harness(world, profile, tmp_path / "journal.sqlite3")
    told: list[tuple[Service, Side, AssetKind, int]] = []
    async with h.session() as session:
        await session.status(progress=lambda *args: told.append(args))
    primary = [read for _, side, _, read in told if side is Side.PRIMARY]
    assert primary == [3], "three projects listed, one page; their deployments are not counted"
    assert {kind for _, _, kind, _ in told} == {AssetKind.PROJECT}


def test_the_terminal_line_waits_then_follows_the_counts_and_goes() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    now = [0.0]
    di, model = Service.DOCUMENT_INTELLIGENCE, AssetKind.MODEL
    with listing_line(console=console, clock=lambda: now[0]) as told:
        told(di, Side.PRIMARY, model, 100)
        assert screen.getvalue() == "", "a quick listing never shows the line"
        now[0] = AFTER + 0.1
        told(di, Side.SECONDARY, model, 100)
        told(di, Side.PRIMARY, model, 12_300)
        told(di, Side.PRIMARY, AssetKind.CLASSIFIER, 4)
    shown = screen.getvalue()
    assert "Reading both sides: primary 12,304 · secondary 100 listed so far" in shown, shown
    assert shown.endswith("\x1b[2K"), "the line is erased when the listings end"
    one_side = reading_words({(di, Side.SECONDARY, model): 7})
    assert one_side == "Reading both sides: primary 0 · secondary 7 listed so far"
