"""WelcomeScreen: shown instead of the diff when there is no usable profile — says how to add one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from regionsync.errors import RegionSyncError

INTRO = (
    "regionsync keeps the custom models of a primary Azure AI resource copied to a secondary one in "
    "another region, and shows whether the secondary could serve if the primary's region went dark."
)


def welcome_text(problem: RegionSyncError | None) -> Text:
    out = Text()
    if problem is None or problem.code == "NoProfile":
        out.append("No profile is configured yet.\n\n", style="bold")
    else:
        out.append(problem.what + "\n", style="bold red")
        if problem.todo:
            out.append(problem.todo + "\n", style="red")
        out.append("\n")
    out.append(INTRO + "\n\n")
    out.append("To start:\n", style="bold")
    out.append("  a          add a profile here: both resources' endpoint, region, resource id and key\n")
    out.append("             (keys go to the OS keyring, never to a file)\n", style="dim")
    out.append("  or, in a shell:  regionsync profile add <name>\n")
    out.append("  to try it first: make demo  (the emulator with a demo world, nothing to set up)\n")
    return out


class WelcomeScreen(Screen[None]):
    DEFAULT_CSS = """
    WelcomeScreen { align: center middle; }
    WelcomeScreen > Vertical {
        width: 90%; max-width: 100; height: auto;
        border: round $accent; background: $surface; padding: 1 2;
    }
    WelcomeScreen #welcome-title { text-style: bold; color: $accent; padding: 0 0 1 0; }
    WelcomeScreen Horizontal { height: auto; padding: 1 0 0 0; }
    WelcomeScreen Button { margin: 0 2 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "app.add_profile", "Add profile", tooltip="Add a profile (keys go to the keyring).",
                id="welcome-add"),
        Binding("q", "app.quit", "Quit", id="welcome-quit"),
    ]

    def __init__(self, problem: RegionSyncError | None = None) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("regionsync", id="welcome-title")
            yield Static(welcome_text(self.problem), id="welcome-body")
            with Horizontal():
                yield Button("Add a profile", id="add", variant="primary")
                yield Button("Quit", id="quit")
        yield Footer()

    @on(Button.Pressed, "#add")
    async def _add(self) -> None:
        await self.app.run_action("add_profile")

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.app.exit()
