"""Starting without a profile, adding one from the dashboard, and keys that never reach the screen."""

from __future__ import annotations

from pathlib import Path

import keyring
from textual.widgets import Input
from tui_support import FROZEN_NOW, SIZE, Dashboard, flat, screen_text, settle

from regionsync.config import load_config
from regionsync.credentials import KEYRING_SERVICE, keyring_username
from regionsync.domain import Service, Side
from regionsync.tui.app import make_app
from regionsync.tui.launch import build_dashboard
from regionsync.tui.screens.add_profile import AddProfileScreen
from regionsync.tui.screens.main import MainScreen
from regionsync.tui.screens.welcome import WelcomeScreen

SECRET_PRIMARY = "s3cret-primary-key-7Q9"
SECRET_SECONDARY = "s3cret-secondary-key-X2"


def config_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "config.toml"


async def test_without_a_profile_the_dashboard_says_how_to_add_one(tmp_path: Path) -> None:
    app = build_dashboard(config_file(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        assert "No profile is configured yet." in text
        assert "regionsync profile add <name>" in text and "make demo" in text
        assert "Traceback" not in text
        assert not app.check_action("copy", ()) and not app.check_action("refresh", ())


async def test_a_broken_config_file_is_explained_not_raised(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("[profiles.x\n", encoding="utf-8")
    app = build_dashboard(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        assert "is not valid TOML" in flat(text) and "Traceback" not in text
    assert path.read_text(encoding="utf-8") == "[profiles.x\n", "a malformed file is never overwritten"


async def test_the_add_profile_flow_saves_the_profile_and_never_shows_the_key(
    dashboard: Dashboard, tmp_path: Path
) -> None:
    world = dashboard.world
    opened: list[str] = []

    def open_profile(name: str):  # type: ignore[no-untyped-def]
        opened.append(name)
        return dashboard.session_factory()()

    app = make_app(
        None, theme="regionsync-dark", open_profile=open_profile, config_path=config_file(tmp_path),
        preferences_path=tmp_path / "ui.toml", auto_refresh=0, now=lambda: FROZEN_NOW, timer=lambda: 0.0,
    )
    screens: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddProfileScreen)

        form = app.screen

        def put(widget_id: str, text: str) -> None:
            form.query_one(f"#{widget_id}", Input).value = text

        put("name", "contoso")
        for side, resource, key in (("primary", dashboard.primary, SECRET_PRIMARY),
                                    ("secondary", dashboard.secondary, SECRET_SECONDARY)):
            res = world.resources[resource]
            put(f"{side}-endpoint", world.endpoint(resource))
            put(f"{side}-region", res.region)
            put(f"{side}-resource_id", res.resource_id)
            await pilot.click(f"#{side}-key")
            for char in key:  # typed as a user would, looking at the screen after every key
                await pilot.press(char)
                screens.append(app.export_screenshot())
                screens.append(screen_text(app))
        assert "•" * len(SECRET_PRIMARY) in screens[-1] or "•" * 8 in screens[-1], "keys show as dots"
        await pilot.click("#save")
        await settle(pilot)
        screens.append(app.export_screenshot())
        screens.append(screen_text(app))
        assert isinstance(app.screen, MainScreen), "the new profile opens at once"
        assert opened == ["contoso"]
    for shot in screens:
        assert SECRET_PRIMARY not in shot and SECRET_SECONDARY not in shot
    config = load_config(config_file(tmp_path))
    assert config.default_profile == "contoso"
    sides = config.profiles["contoso"].services()[Service.DOCUMENT_INTELLIGENCE]
    assert sides.primary is not None and sides.primary.key == "keyring"
    text = config_file(tmp_path).read_text(encoding="utf-8")
    assert SECRET_PRIMARY not in text and SECRET_SECONDARY not in text
    username = keyring_username("contoso", Service.DOCUMENT_INTELLIGENCE, Side.PRIMARY)
    assert keyring.get_password(KEYRING_SERVICE, username) == SECRET_PRIMARY


async def test_the_add_profile_form_explains_a_wrong_field(tmp_path: Path) -> None:
    app = make_app(None, config_path=config_file(tmp_path), preferences_path=tmp_path / "ui.toml")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        values = {"name": "ok-name", "primary-key": "k1", "secondary-key": "k2",
                  "primary-endpoint": "https://x.cognitiveservices.azure.com", "primary-region": "East US"}
        for widget_id, value in values.items():
            app.screen.query_one(f"#{widget_id}", Input).value = value
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, AddProfileScreen)
        assert "primary region" in screen_text(app) and "eastus" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
    assert not config_file(tmp_path).exists(), "nothing is written until the form is right"
