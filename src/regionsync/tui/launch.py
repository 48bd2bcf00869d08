"""Opening the dashboard from the command line: read the profiles file, pick the profile, build the
app with `make_app`. Every problem with the file or the profile becomes the welcome screen's
explanation (what happened, what to do), never a traceback."""

from __future__ import annotations

from pathlib import Path

from regionsync.errors import RegionSyncError
from regionsync.tui.app import RegionSyncApp, make_app
from regionsync.tui.profile_flow import open_profile_session


def build_dashboard(
    config: Path | str | None = None, profile: str | None = None, theme: str | None = None
) -> RegionSyncApp:
    """The dashboard on `profile` of the profiles file (`--config`, else the default location)."""
    from regionsync.config import config_path, load_config, select_profile

    path = config_path(config)
    try:
        name, _ = select_profile(load_config(path), profile)
    except RegionSyncError as problem:
        return make_app(None, theme=theme, problem=problem, config_path=path)
    return make_app(lambda: open_profile_session(name, path), name, theme=theme, config_path=path)


def run_dashboard(
    config: Path | str | None = None, profile: str | None = None, theme: str | None = None
) -> int:
    """Run the dashboard until the user quits; the exit code."""
    app = build_dashboard(config, profile, theme)
    app.run()
    return app.return_code or 0
