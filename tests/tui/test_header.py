"""The header: one line per side that never wraps at 80 or 120 columns; per-service health when a
profile spans services (`DI eastus ● · CU westus ● · Language eastus ●`); a side that is down says
only that it is down, why and since when — never `reachable` and `unreachable` at once.

The multi-service profile is the demo's contoso (Document Intelligence eastus → westus2, Content
Understanding westus → swedencentral, Language eastus → westus2, its secondary reached with Entra
ID) over the emulated world; `westus` going down takes down one service: Content Understanding's
primary. Snapshots at 120×36 and 80×24 show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from tui_support import FROZEN_NOW, SIZE, SMALL, Dashboard, demo_world, screen_text, settle

from regionsync.config import Profile
from regionsync.credentials import using_entra_credential
from regionsync.demo import DEMO_IDENTITY, demo_profiles, world_resources
from regionsync.domain import Service, Side
from regionsync.emulator.auth import AdminTokenCredential
from regionsync.tui.model import ServiceHealth, SideHealth
from regionsync.tui.widgets.header import fit_clauses

DI, CU, LANGUAGE = Service.DOCUMENT_INTELLIGENCE, Service.CONTENT_UNDERSTANDING, Service.LANGUAGE
EARLIER = FROZEN_NOW - timedelta(minutes=12)


def up(service: Service, region: str, ms: float = 26.0) -> ServiceHealth:
    return ServiceHealth(service, region, reachable=True, key_accepted=True, latency_ms=ms)


def dark(service: Service, region: str) -> ServiceHealth:
    return ServiceHealth(service, region, reachable=False, problem="unreachable: connection refused",
                         down_since=EARLIER)


def side(which: Side, *services: ServiceHealth) -> SideHealth:
    regions = tuple(dict.fromkeys(s.region for s in services))
    down = any(s.down for s in services)
    return SideHealth(which, regions, reachable=not down, key_accepted=True, latency_ms=26.0,
                      checked_at=FROZEN_NOW, problem="unreachable: connection refused" if down else "",
                      services=services)


def test_one_service_up_says_reachable_key_latency_and_time() -> None:
    health = side(Side.PRIMARY, up(DI, "eastus", 38.2))
    assert health.variants()[0] == "PRIMARY eastus  ● reachable · key ok · 38 ms · 15:30:00"
    assert health.line(38) == "PRIMARY eastus  ● 38 ms · 15:30:00"


def test_a_side_that_is_down_says_only_down_why_and_since_when() -> None:
    health = side(Side.PRIMARY, dark(DI, "eastus"))
    assert health.variants()[0] == "PRIMARY eastus  ✗ down since 15:18 · connection refused"
    for text in health.variants():
        assert "reachable" not in text and "ms" not in text and "key" not in text, text
    assert health.line(40) == "PRIMARY eastus  ✗ down since 15:18"


def test_several_services_are_named_each_with_its_region() -> None:
    health = side(Side.PRIMARY, up(DI, "eastus"), up(CU, "westus"), up(LANGUAGE, "eastus"))
    assert health.line(200) == (
        "PRIMARY  DI eastus ● 26 ms · CU westus ● 26 ms · Language eastus ● 26 ms · 15:30:00"
    )
    assert health.line(78) == "PRIMARY  DI eastus ● 26 ms · CU westus ● 26 ms · Language eastus ● 26 ms"
    assert health.line(60) == "PRIMARY  DI eastus ● · CU westus ● · Language eastus ●"


def test_one_service_down_among_several_is_said_of_that_service() -> None:
    health = side(Side.PRIMARY, up(DI, "eastus"), dark(CU, "westus"), up(LANGUAGE, "eastus"))
    assert health.line(118) == (
        "PRIMARY  DI eastus ● 26 ms · westus ✗ down since 15:18 · connection refused (CU) · "
        "Language eastus ● 26 ms"
    )
    assert health.line(78) == "PRIMARY  DI eastus ● · westus ✗ down since 15:18 (CU) · Language eastus ●"
    two_down = side(Side.PRIMARY, dark(DI, "eastus"), up(CU, "westus"), dark(LANGUAGE, "eastus"))
    assert two_down.variants()[0] == (
        "PRIMARY  eastus ✗ down since 15:18 · connection refused (DI, Language) · CU westus ● 26 ms"
    ), "one outage of a region is said once"


def test_the_readiness_drops_its_longest_clauses_before_it_would_wrap() -> None:
    text = "failover readiness 2/6 · secondary last seen 15:30 (unreachable) · oldest gap 3 h"
    assert fit_clauses(text, 100) == text
    assert fit_clauses(text, 48) == "failover readiness 2/6 · oldest gap 3 h"
    never = "failover readiness 0/6 · 6 unknown · the secondary could not be read and has never been read"
    assert fit_clauses(never, 80) == "failover readiness 0/6 · 6 unknown"


@dataclass
class ContosoDashboard(Dashboard):
    """The demo's contoso profile: three services, two regions a side."""

    def profile(self) -> Profile:
        env: dict[str, str] = {}
        profile = demo_profiles(world_resources(self.world), env)["contoso"]
        for variable, value in env.items():
            self.monkeypatch.setenv(variable, value)
        return profile


@pytest.fixture
def contoso(dashboard: Dashboard) -> Iterator[ContosoDashboard]:
    world = demo_world()
    with using_entra_credential(lambda: AdminTokenCredential(world, DEMO_IDENTITY)):
        yield ContosoDashboard(world=world, tmp=dashboard.tmp, monkeypatch=dashboard.monkeypatch)


def header_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()[:4]]


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x36", "80x24"])
async def test_one_service_down_is_one_line_a_side_that_never_wraps(
    size: tuple[int, int], contoso: ContosoDashboard
) -> None:
    app = contoso.app(auto_refresh=0)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines = header_lines(screen_text(app))
        assert lines[1].startswith(" PRIMARY  DI eastus ●") and "CU westus ●" in lines[1], lines
        assert lines[2].startswith(" SECONDARY  DI westus2 ●") and "Language westus2 ●" in lines[2], lines
        await app.run_action("outage('westus', True)")
        await settle(pilot)
        lines = header_lines(screen_text(app))
        assert lines[1].startswith(" PRIMARY  DI eastus ● "), lines
        assert "westus ✗ down since 15:30" in lines[1] and "(CU)" in lines[1], lines
        assert lines[1].rstrip().endswith("Language eastus ●") or "Language eastus ● <1 ms" in lines[1], lines
        assert "reachable" not in lines[1], "down is said as down, nothing else"
        assert lines[2].startswith(" SECONDARY  DI westus2 ●"), "the secondary keeps its own line"
        assert lines[3].lstrip().startswith("Models"), "nothing wrapped into a fourth header line"
        health = app.health[Side.PRIMARY].service(CU)
        assert health is not None and health.down and health.down_since == FROZEN_NOW


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x36", "80x24"])
def test_header_with_one_service_down(
    size: tuple[int, int], contoso: ContosoDashboard, snap_compare: Any
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.run_action("outage('westus', True)")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(contoso.app(auto_refresh=0), terminal_size=size, run_before=run_before)
