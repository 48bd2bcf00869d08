"""AppHeader: the profile, the failover readiness, and each side's health — the top of the screen.

Each side's health is one line that never wraps: it shows the most detailed wording that fits its
width (`SideHealth.variants`), and crops the least detailed one with an ellipsis. From
`SIDE_BY_SIDE` columns on, a profile of one service has its two sides share a row; below that, or
when the profile spans several services (each named with its region), each side has a row of its own. The
readiness never wraps either: where it does not fit, its longest clauses after the figure go first
(the side lines already say which side is unreachable), then it is cropped.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from regionsync.domain import Side
from regionsync.tui.model import SideHealth

SIDE_BY_SIDE = 100
"""Columns from which the two sides' health lines share one row."""


class SideHealthLine(Static):
    """`PRIMARY eastus  ● reachable · key ok · 38 ms · 12:04:51` (or why it is not), on one line."""

    DEFAULT_CSS = """
    SideHealthLine {
        width: 1fr; height: 1; padding: 0 1; color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    SideHealthLine.-ok { color: $health-ok; }
    SideHealthLine.-bad { color: $health-bad; text-style: bold; }
    """

    health: SideHealth | None = None

    def show(self, health: SideHealth) -> None:
        self.health = health
        self._render_line()
        bad = any(s.reachable is not None and not s.ok for s in health.services) or (
            health.reachable is not None and not health.ok
        )
        self.set_class(health.ok and not bad, "-ok")
        self.set_class(bad, "-bad")

    def on_resize(self, event: events.Resize) -> None:
        self._render_line()

    def _render_line(self) -> None:
        if self.health is None:
            return
        width = self.content_size.width or self.size.width
        self.update(self.health.line(width) if width > 0 else self.health.variants()[0])


def fit_clauses(text: str, width: int) -> str:
    """`text` (clauses joined by ` · `) without its longest clauses after the first (the figure), one
    by one, until it fits `width` (`failover readiness 2/6 · oldest gap 3 h` keeps the short ones)."""
    clauses = text.split(" · ")
    while len(" · ".join(clauses)) > width and len(clauses) > 1:
        longest = max(clauses[1:], key=len)
        clauses.remove(longest)
    return " · ".join(clauses)


class Readiness(Static):
    """`failover readiness 41/47 · oldest gap 3 h 12 min`, fitted to its width (never wrapped)."""

    DEFAULT_CSS = """
    Readiness { width: 1fr; height: 1; padding: 0 1; text-align: right; text-wrap: nowrap;
                text-overflow: ellipsis; }
    """

    words = "failover readiness …"

    def show(self, text: str) -> None:
        self.words = text
        self._render_words()

    def on_resize(self, event: events.Resize) -> None:
        self._render_words()

    def _render_words(self) -> None:
        width = self.content_size.width
        self.update(fit_clauses(self.words, width) if width > 0 else self.words)


class AppHeader(Vertical):
    """`regionsync · profile P` (and who watches it, when a `regionsync watch` does) and the readiness;
    then the two sides' health, one line each."""

    DEFAULT_CSS = """
    AppHeader { height: auto; background: $panel; }
    AppHeader > Horizontal { height: auto; }
    AppHeader #title { width: auto; padding: 0 1; text-style: bold; color: $accent; }
    AppHeader #watched {
        width: auto; max-width: 50%; padding: 0 1; color: $accent; display: none;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    AppHeader #watched.-shown { display: block; }
    AppHeader.-narrow #watched { max-width: 30%; }
    AppHeader #readiness.-complete { color: $health-ok; }
    AppHeader #readiness.-gap { color: $sync-missing; text-style: bold; }
    AppHeader #health { height: auto; layout: horizontal; }
    AppHeader #health.-stacked { layout: vertical; }
    """

    def __init__(self, profile: str) -> None:
        super().__init__(id="header")
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(f"regionsync · profile {self.profile}", id="title", markup=False)
            yield Static("", id="watched", markup=False)
            yield Readiness("failover readiness …", id="readiness", markup=False)
        with Horizontal(id="health"):
            yield SideHealthLine("PRIMARY  … checking", id="health-primary", markup=False)
            yield SideHealthLine("SECONDARY  … checking", id="health-secondary", markup=False)

    services = 1
    """How many services the profile spans (several: a row per side)."""

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width)

    def _arrange(self, width: int) -> None:
        self.query_one("#health").set_class(width < SIDE_BY_SIDE or self.services > 1, "-stacked")
        self.set_class(width < SIDE_BY_SIDE, "-narrow")  # the readiness keeps its figure

    def show_readiness(self, text: str, *, complete: bool) -> None:
        readiness = self.query_one("#readiness", Readiness)
        readiness.show(text)
        readiness.set_class(complete, "-complete")
        readiness.set_class(not complete, "-gap")

    def show_watched(self, words: str) -> None:
        """Who watches the profile (`watched by pid 4242 on ops-1, next check 06:10`); '' hides it."""
        watched = self.query_one("#watched", Static)
        if str(watched.content) != words:
            watched.update(words)
        watched.set_class(bool(words), "-shown")
        watched.tooltip = words or None

    def show_health(self, health: dict[Side, SideHealth]) -> None:
        services = max((len(h.services) for h in health.values()), default=1)
        if services != self.services:
            self.services = services
            self._arrange(self.size.width)
        for side, line_id in ((Side.PRIMARY, "#health-primary"), (Side.SECONDARY, "#health-secondary")):
            if side in health:
                self.query_one(line_id, SideHealthLine).show(health[side])
