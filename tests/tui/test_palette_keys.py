"""The palette holds every action and finds it by its words; `q` quits; `?` lists the keys of the screen
in front; the confirmation answers `y` / `n` (Enter is No) and keeps its buttons on screen at 80×24.

Driven with App.run_test() against the emulated demo world (see test_dashboard_actions.py for what it
holds): contoso's Models tab has purchase-order and w2-2023 missing, receipt drifted.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.command import CommandList
from tui_support import (
    SIZE,
    SMALL,
    Dashboard,
    footer_settled,
    journal_jobs,
    screen_text,
    select_model,
    settle,
    until,
)

from regionsync.domain import JobState, Service
from regionsync.tui.app import RegionSyncApp
from regionsync.tui.commands import AUTO_REFRESH_CHOICES, palette_entries
from regionsync.tui.preferences import load_preferences
from regionsync.tui.screens.confirm import ConfirmCopyScreen
from regionsync.tui.screens.help import HelpScreen
from regionsync.tui.screens.jobs import JobsScreen
from regionsync.tui.screens.main import MainScreen

DI = Service.DOCUMENT_INTELLIGENCE




def palette_titles(app: RegionSyncApp) -> list[str]:
    """The titles the open palette lists now (its search has finished)."""
    return [
        str(commands.get_option_at_index(i).prompt).splitlines()[0]
        for commands in app.screen.query(CommandList)
        for i in range(commands.option_count)
    ]


def _lists(app: RegionSyncApp, title: str) -> Callable[[], bool]:
    return lambda: title in palette_titles(app)




async def test_every_binding_of_the_main_screen_is_in_the_palette(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "w2-2023")  # a missing asset: copy and details are possible
        await footer_settled(pilot)
        actions = {entry.action for entry in palette_entries(app)}
        main = app.main_screen
        assert main is not None and len(main.kinds) == 2
        for binding in RegionSyncApp.BINDINGS:
            assert not isinstance(binding, tuple)
            absent_tab = binding.action in ("tab(2)", "tab(3)")  # this profile has two asset kinds
            assert (binding.action in actions) is not absent_tab, binding.action
        assert "quit" in actions and "add_profile" in actions and "help" in actions
        for seconds, _words in AUTO_REFRESH_CHOICES:  # every interval but the current one (off)
            assert (f"auto_refresh({seconds:g})" in actions) is (seconds != 0), seconds
        assert "fail_next_copy" in actions and "clear_faults" in actions
        assert any(a.startswith("set_theme(") for a in actions)
        assert any(a.startswith("outage(") for a in actions)


async def test_the_palette_finds_an_action_by_its_words(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        wanted = {
            "refresh": "view: refresh",
            "sync": "sync: copy missing to secondary",
            "job": "view: jobs",
            "auto": "view: auto-refresh every 10 s",
            "resume": "job: resume or cancel a job …",
            "quit": "app: quit",
        }
        for word, title in wanted.items():
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*word)
            await until(pilot, _lists(app, title), f"{word!r} finds {title!r}")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the palette closed")


async def test_auto_refresh_is_set_from_the_palette_and_remembered(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"auto-refresh every 1 min")
        wanted = "view: auto-refresh every 1 min"
        await until(pilot, lambda: wanted in palette_titles(app), "the entry listed")
        await pilot.press("enter")
        await until(pilot, lambda: app.refresh_every == 60, "auto-refresh every 60 s")
        titles = [e.title for e in palette_entries(app)]
        assert "view: auto-refresh every 1 min" not in titles and "view: auto-refresh off" in titles
        await app.run_action("auto_refresh(0)")
        assert app.refresh_every == 0
    assert load_preferences(dashboard.tmp / "config" / "ui.toml").auto_refresh == 0


async def test_a_journaled_job_is_resumed_from_the_palette(dashboard: Dashboard) -> None:
    world = dashboard.world
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "w2-2023")
        await pilot.press("c")
        await settle(pilot)
        world.faults.set_outage("westus2", True)
        await pilot.press("y")
        await settle(pilot)
        [job] = journal_jobs(dashboard)
        assert job.state is JobState.INTERRUPTED
        world.faults.set_outage("westus2", False)
        titles = [e.title for e in palette_entries(app)]
        assert "job: resume copy model w2-2023 → westus2" in titles
        assert "job: cancel copy model w2-2023 → westus2" in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"resume w2")
        await until(pilot, lambda: "job: resume copy model w2-2023 → westus2" in palette_titles(app),
                    "the resume entry listed")
        await pilot.press("enter")
        await settle(pilot)
    [done] = journal_jobs(dashboard)
    assert done.id == job.id and done.state is JobState.SUCCEEDED
    assert "w2-2023" in world.resources["contoso-di-wus2"].models


async def test_q_quits(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await until(pilot, lambda: app._exit, "the app is quitting")
    assert app.return_code == 0


async def test_q_quits_and_an_open_copy_stays_resumable(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dashboard.vtime.hold(dashboard.world.copy_seconds * 0.5)  # type: ignore[union-attr]
        select_model(app, "w2-2023")
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        main = app.main_screen
        assert main is not None
        await until(pilot, lambda: any(line.percent for line in main.jobs_panel.lines.values()), "copying")
        await pilot.press("q")
        await until(pilot, lambda: app._exit, "the app is quitting")
    [job] = journal_jobs(dashboard)
    assert not job.state.finished, "the copy stays open in the journal"
    again = dashboard.app(auto_refresh=0)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
    [done] = journal_jobs(dashboard)
    assert done.id == job.id and done.state is JobState.SUCCEEDED


async def test_help_lists_every_key_of_the_screen_in_front(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {key for line in app.screen.key_lines for key in line[0].split()}
        for binding in RegionSyncApp.BINDINGS:
            assert not isinstance(binding, tuple)
            assert app.get_key_display(binding) in keys, binding.key
        text = screen_text(app)
        assert "Add a profile" in text and "Quit; journaled jobs resume next time" in text
        await pilot.press("question_mark")  # ? again closes it
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen), "? works on a modal screen too"
        lines = {line[0]: line[1] for line in app.screen.key_lines}
        assert lines["r"] == "Continue the selected job." and lines["x"] == "Cancel the selected job."
        assert "q" not in lines, "the jobs screen's keys, not the main screen's"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)


async def test_y_confirms_a_copy(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "w2-2023")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCopyScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert [(j.asset_name, j.state) for j in journal_jobs(dashboard)] == [("w2-2023", JobState.SUCCEEDED)]


async def test_n_and_enter_decline(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("n", "enter"):
            select_model(app, "w2-2023")
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmCopyScreen)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), key
    assert journal_jobs(dashboard) == []
    assert "w2-2023" not in dashboard.world.resources["contoso-di-wus2"].models


async def test_the_confirmation_scrolls_at_80x24_with_its_buttons_on_screen(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfirmCopyScreen)
        for button in ("#no", "#confirm"):
            region = screen.query_one(button).region
            assert region.height and region.bottom <= SMALL[1], button
        body = screen.body
        assert body.max_scroll_y > 0, "the plan is longer than the room it has"
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        assert "(you are asked to confirm)" in screen_text(app)
        await pilot.press("home", "pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("n")
        await settle(pilot)
    assert journal_jobs(dashboard) == []


async def test_switch_profile_from_the_palette(dashboard: Dashboard) -> None:
    from regionsync.config import Config, save_config

    northwind = Dashboard(world=dashboard.world, tmp=dashboard.tmp, monkeypatch=dashboard.monkeypatch,
                          primary="northwind-di-eus2", secondary="northwind-di-cus", profile_name="northwind")
    config = Config(default_profile="contoso",
                    profiles={"contoso": dashboard.profile(), "northwind": northwind.profile()})
    save_config(config, dashboard.tmp / "config" / "config.toml")
    opened = northwind.session_factory()
    app = dashboard.app(auto_refresh=0, open_profile=lambda name: opened())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [e.title for e in palette_entries(app)]
        assert "profile: switch to northwind" in titles and "profile: switch to contoso" not in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"switch northwind")
        await until(pilot, lambda: "profile: switch to northwind" in palette_titles(app), "the entry listed")
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: app.session is not None and app.session.profile_name == "northwind",
                    "the northwind profile is open")
        await settle(pilot)
        text = screen_text(app)
        assert "profile northwind" in text and "PRIMARY eastus2" in text, text.splitlines()[:3]
        assert len([s for s in app.screen_stack if isinstance(s, MainScreen)]) == 1
        assert "profile: switch to contoso" in [e.title for e in palette_entries(app)]
