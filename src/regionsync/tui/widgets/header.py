"""AppHeader: the profile, the failover readiness, and each region's health — the top of the screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from regionsync.domain import Side
from regionsync.tui.model import SideHealth


class SideHealthLine(Static):
    """`PRIMARY eastus  ● reachable · key accepted · 38 ms · 12:04:51` (or why it is not)."""

    DEFAULT_CSS = """
    SideHealthLine { width: 1fr; height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    SideHealthLine.-ok { color: $health-ok; }
    SideHealthLine.-bad { color: $health-bad; text-style: bold; }
    """

    def show(self, health: SideHealth) -> None:
        regions = " ".join(health.regions)
        self.update(f"{health.side.value.upper()} {regions}  {health.words()}")
        self.set_class(health.ok, "-ok")
        self.set_class(health.reachable is not None and not health.ok, "-bad")


class AppHeader(Vertical):
    """Two lines: `regionsync · profile P` and the readiness; then the two regions' health."""

    DEFAULT_CSS = """
    AppHeader { height: auto; background: $panel; }
    AppHeader > Horizontal { height: auto; }
    AppHeader #title { width: auto; padding: 0 1; text-style: bold; color: $accent; }
    AppHeader #readiness { width: 1fr; padding: 0 1; text-align: right; }
    AppHeader #readiness.-complete { color: $health-ok; }
    AppHeader #readiness.-gap { color: $sync-missing; text-style: bold; }
    """

    def __init__(self, profile: str) -> None:
        super().__init__(id="header")
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(f"regionsync · profile {self.profile}", id="title", markup=False)
            yield Static("failover readiness …", id="readiness", markup=False)
        with Horizontal():
            yield SideHealthLine("PRIMARY  … checking", id="health-primary", markup=False)
            yield SideHealthLine("SECONDARY  … checking", id="health-secondary", markup=False)

    def show_readiness(self, text: str, *, complete: bool) -> None:
        readiness = self.query_one("#readiness", Static)
        readiness.update(text)
        readiness.set_class(complete, "-complete")
        readiness.set_class(not complete, "-gap")

    def show_health(self, health: dict[Side, SideHealth]) -> None:
        for side, line_id in ((Side.PRIMARY, "#health-primary"), (Side.SECONDARY, "#health-secondary")):
            if side in health:
                self.query_one(line_id, SideHealthLine).show(health[side])
