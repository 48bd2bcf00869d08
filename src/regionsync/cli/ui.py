"""`regionsync ui` (and bare `regionsync`): open the dashboard on a profile.

Textual is imported inside the command, so no other command pays for it (DESIGN.md decision 11).
"""

from __future__ import annotations

from pathlib import Path

import typer

from regionsync.cli.common import CONFIG_OPTION, PROFILE_OPTION

THEME_OPTION = typer.Option(
    None,
    "--theme",
    help="Dashboard theme: regionsync-dark (default), regionsync-light, regionsync-high-contrast, or one of "
    "yours in <config dir>/themes/. Remembered for next time.",
    show_default=False,
)


def ui(
    profile: str | None = PROFILE_OPTION,
    config: Path | None = CONFIG_OPTION,
    theme: str | None = THEME_OPTION,
) -> None:
    """Open the dashboard: both regions side by side, live copy jobs, failover readiness.

    Keys: c copy, s sync missing, r refresh, / filter, enter details, j jobs, ? help, ctrl+p commands.
    Without a profile it says how to add one (or try `make demo`).

    Examples:

      regionsync

      regionsync ui --profile contoso --theme regionsync-light
    """
    from regionsync.tui.launch import run_dashboard

    raise typer.Exit(run_dashboard(config, profile, theme))
