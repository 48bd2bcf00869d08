"""ErrorScreen: a failure in the operator's words — what happened, why, what to do; never a traceback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from regionsync.errors import RegionSyncError


def error_text(error: RegionSyncError) -> Text:
    out = Text()
    out.append(error.what + "\n", style="bold")
    if error.why:
        out.append("Why: ", style="bold")
        out.append(error.why + "\n")
    if error.todo:
        out.append("What to do: ", style="bold")
        out.append(error.todo + "\n")
    if error.raw_message or error.code:
        code = f"[{error.code}] " if error.code else ""
        out.append(f"Service said: {code}{error.raw_message}".rstrip() + "\n", style="dim")
    if error.request_id:
        out.append(f"Request id: {error.request_id}\n", style="dim")
    return out


class ErrorScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ErrorScreen { align: center middle; }
    ErrorScreen > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 80%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ErrorScreen #error-title { color: $error; text-style: bold; }
    ErrorScreen Button { margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="error-close"),
    ]
    AUTO_FOCUS = "Button"

    def __init__(self, title: str, error: RegionSyncError) -> None:
        super().__init__()
        self.title_text = title
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="error-title", markup=False)
            yield Static(error_text(self.error), id="error-body")
            yield Button("Close", id="close")

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
