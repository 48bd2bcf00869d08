"""The demo never writes the user's files (its preferences, journal and profiles file live in its own
directory) and dates its world relative to now: the newest change a few hours old, the oldest days
old — never "oldest gap 1000 d" — with every asset's status what the fixed-date world gives.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tui_support import FROZEN_NOW, SIZE, Dashboard, screen_text, settle

from regionsync.emulator import Clock, World
from regionsync.emulator.scenario import (
    DEMO_NEWEST_AGO,
    DEMO_SPAN,
    ScenarioError,
    demo_scenario,
    demo_scenario_text,
    parse_scenario,
    timestamps,
)
from regionsync.tui.demo import build_demo
from regionsync.tui.preferences import preferences_path


def test_demo_ages_read_in_hours_and_days() -> None:
    assert (DEMO_NEWEST_AGO, DEMO_SPAN) == ("3h", "12d")
    world = World.from_scenario(demo_scenario(), clock=Clock(speed=0, start=FROZEN_NOW))
    moments: list[datetime] = []
    for resource in world.resources.values():
        for table in (resource.models, resource.classifiers):
            moments += [asset.created for asset in table.values() if asset.created is not None]
    assert moments and max(moments) <= FROZEN_NOW - timedelta(hours=3)
    assert min(moments) >= FROZEN_NOW - timedelta(hours=3, days=12)


def test_the_scenario_options_move_and_squeeze_keeping_the_order() -> None:
    text = """
[clock]
newest_ago = "2h"
span = "10d"
[[resource]]
name = "res-a"
region = "eastus"
[[resource.model]]
id = "old"
created = 2019-01-01T00:00:00Z
[[resource.model]]
id = "mid"
created = 2024-01-01T00:00:00Z
[[resource.model]]
id = "new"
created = 2025-01-01T00:00:00Z
"""
    scenario = parse_scenario(text, "<t>")
    assert len(timestamps(scenario)) == 3
    world = World.from_scenario(scenario, clock=Clock(speed=0, start=FROZEN_NOW))
    created = {name: model.created for name, model in world.resources["res-a"].models.items()}
    assert created["new"] == FROZEN_NOW - timedelta(hours=2)
    assert created["old"] == FROZEN_NOW - timedelta(hours=2, days=10)
    assert created["old"] < created["mid"] < created["new"]
    moved = parse_scenario(text.replace('span = "10d"\n', ""), "<t>")
    world = World.from_scenario(moved, clock=Clock(speed=0, start=FROZEN_NOW))
    old = world.resources["res-a"].models["old"].created
    assert old is not None and FROZEN_NOW - old > timedelta(days=2000), "without span the gaps are kept"


def test_a_bad_duration_names_the_field_and_the_line() -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario('[clock]\nnewest_ago = "soon"\n', "demo.toml")
    assert "demo.toml:2: clock.newest_ago: use a duration such as 3h, 90m or 2d" in str(error.value)


async def test_the_dated_demo_world_keeps_every_status_and_says_days(dashboard: Dashboard) -> None:
    dated = Dashboard(
        world=World.from_scenario(demo_scenario(), clock=Clock(speed=0, start=FROZEN_NOW)),
        tmp=dashboard.tmp,
        monkeypatch=dashboard.monkeypatch,
    )
    statuses = {}
    for which in (dashboard, dated):
        app = which.app(auto_refresh=0)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            main = app.main_screen
            assert main is not None
            table = main.active_table
            statuses[id(which)] = {table.rows[k].name: table.rows[k].status for k in table.visible_keys}
            text = screen_text(app)
        (dashboard.tmp / "journal.sqlite3").unlink(missing_ok=True)
    assert statuses[id(dated)] == statuses[id(dashboard)], "what changed after what stays so"
    assert "oldest gap " in text and " d " in text
    gap = text.split("oldest gap ", 1)[1].split(" d", 1)[0]
    assert int(gap) < 13, text.splitlines()[0]


async def test_the_demo_writes_nothing_of_the_users(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    workdir.mkdir()
    users = preferences_path()
    assert users.parent == tmp_path / "config", "conftest points the user's config dir into tmp_path"
    app = build_demo(workdir, clock_speed=0)
    async with app.run_test(size=SIZE) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await app.run_action("set_theme('regionsync-light')")  # type: ignore[attr-defined]
        await app.run_action("auto_refresh(60)")  # type: ignore[attr-defined]
        await settle(pilot)
        assert "oldest gap" in screen_text(app)  # type: ignore[arg-type]
    assert not users.exists() and not (tmp_path / "config").exists(), "nothing in the user's config dir"
    demo_prefs = (workdir / "ui.toml").read_text(encoding="utf-8")
    assert 'theme = "regionsync-light"' in demo_prefs and "auto_refresh = 60" in demo_prefs


def test_the_headless_demo_serves_the_dated_scenario() -> None:
    text = demo_scenario_text()
    assert '[clock]\nnewest_ago = "3h"\nspan = "12d"\n' in text
