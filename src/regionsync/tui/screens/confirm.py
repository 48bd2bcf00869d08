"""ConfirmCopyScreen: the pre-flight of a copy or a sync, and exactly what will happen — confirm or not.

The default answer is No (focused first: Enter means No, and so do `n` and `escape`); `y` confirms.
The plan scrolls (PageDown/End, ↑/↓) between a title and the buttons, which are docked at the bottom
so they stay visible at 80×24 however long the plan. When nothing can be copied the only button is
Close, with each refusal's reason and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from regionsync.tui.messages import CopyIntent
from regionsync.tui.model import resource_name

if TYPE_CHECKING:
    from regionsync.sync.pair import ResourcePair, SideInfo
    from regionsync.sync.plan import Plan

_DRIFTED_TODO = "select it and press c to replace the outdated copy (you are asked to confirm)"
CHROME = 7
"""Rows of the modal that are not the plan: border (2), title and its gap (2), the buttons (3)."""
LIST_LIMIT = 60
"""At most this many copies (and refusals) are listed one by one; the rest are counted."""


def _side(info: SideInfo) -> str:
    return f"{info.side.value} {info.region} · {resource_name(info.resource_id)}"


def copy_count(plans: Sequence[tuple[ResourcePair, Plan]]) -> int:
    return sum(len(plan.copies) for _, plan in plans)


def plan_title(intent: CopyIntent, plans: Sequence[tuple[ResourcePair, Plan]]) -> str:
    if intent.everything:
        return "Sync everything missing to the secondary"
    name = intent.names[0]
    kind = intent.kind or "asset"
    if any(c.replace_id for _, plan in plans for c in plan.copies):
        return f"Replace the secondary's outdated {kind} {name}"
    return f"Copy {kind} {name} to the secondary"


def describe_plans(intent: CopyIntent, plans: Sequence[tuple[ResourcePair, Plan]]) -> Text:
    """The modal's body: direction, pre-flight checks, each copy, each refusal, what is deleted."""
    out = Text()
    for _pair, plan in plans:
        if plan.empty and intent.everything and not plan.copying:
            continue
        out.append(f"{plan.service.value} ({plan.api_version})\n", style="bold")
        out.append(f"  from  {_side(plan.source)}\n")
        out.append(f"  to    {_side(plan.target)}\n")
        out.append("Pre-flight\n", style="bold")
        quota = plan.quota
        if quota is not None and not quota.limited:
            out.append("  ✓ ", style="green")
            out.append("no custom-asset limit on this service\n")
        elif quota is not None and quota.custom_limit is not None:
            free = quota.free if quota.free is not None else 0
            ok = free >= len(plan.copies)
            out.append("  ✓ " if ok else "  ✗ ", style="green" if ok else "red")
            used = f"{quota.custom_count}/{quota.custom_limit}"
            out.append(f"target quota {used} custom assets, room for {free} more\n")
        else:
            out.append("  ? target quota unknown: the copy may still fail if the target is full\n",
                       style="yellow")
        if plan.copying:
            out.append(f"  ⟳ {plan.copying} already being copied (not started again)\n")
        if plan.copies:
            out.append("What will happen\n", style="bold")
            for copy in plan.copies[:LIST_LIMIT]:
                as_id = copy.target_id or "a new id the target assigns"
                if copy.replace_id:
                    out.append("  ⚠ replace ", style="bold red")
                    out.append(f"{copy.kind.value} {copy.name}: the secondary's outdated copy ")
                    out.append(f"({copy.replace_id}) is DELETED first", style="bold red")
                    out.append(", then copied again\n")
                elif copy.replace:
                    out.append("  ↻ replace ", style="bold magenta")
                    out.append(f"{copy.kind.value} {copy.name}: the target overwrites its outdated copy\n")
                else:
                    out.append(f"  → copy {copy.kind.value} {copy.name} as {as_id}\n")
            if len(plan.copies) > LIST_LIMIT:
                out.append(f"  … and {len(plan.copies) - LIST_LIMIT} more\n")
            how = f"For each: {plan.how}. " if plan.how else ""
            out.append(f"  {how}Every step is journaled.\n", style="dim")
            if not any(c.replace_id for c in plan.copies):
                out.append("  Nothing is deleted.\n", style="dim")
        if plan.refusals:
            out.append("Refused\n", style="bold")
            for refusal in plan.refusals[:LIST_LIMIT]:
                out.append(f"  ✗ {refusal.kind.value} {refusal.name}: ", style="red")
                out.append(f"{refusal.why}\n")
                todo = _DRIFTED_TODO if refusal.why.startswith("drifted") else refusal.todo
                if todo:
                    out.append(f"    what to do: {todo}\n", style="dim")
            if len(plan.refusals) > LIST_LIMIT:
                out.append(f"  … and {len(plan.refusals) - LIST_LIMIT} more refused\n")
    if not out.plain:
        out.append("Nothing to do: every asset of the primary is on the secondary or being copied.\n")
    return out


class ConfirmCopyScreen(ModalScreen[bool]):
    """Shows a plan; dismisses with True only when the user presses the confirm button or `y`."""

    DEFAULT_CSS = """
    ConfirmCopyScreen { align: center middle; }
    ConfirmCopyScreen > Vertical {
        width: 90%;
        max-width: 110;
        height: auto;
        max-height: 100%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    ConfirmCopyScreen #plan-title { text-style: bold; color: $accent; padding: 0 0 1 0; }
    ConfirmCopyScreen #plan-scroll { height: auto; }
    ConfirmCopyScreen #plan-buttons { dock: bottom; height: auto; align-horizontal: right; }
    ConfirmCopyScreen #plan-keys { width: 1fr; height: 3; content-align: left middle; color: $text-muted; }
    ConfirmCopyScreen Button { margin: 0 0 0 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", tooltip="Confirm: start the copy.", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", tooltip="Close without copying.", id="confirm-no"),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False, tooltip="Scroll the plan."),
        Binding("pageup", "scroll('page_up')", "Page up", show=False, tooltip="Scroll the plan back."),
        Binding("down", "scroll('down')", "Down", show=False, tooltip="Scroll the plan a line."),
        Binding("up", "scroll('up')", "Up", show=False, tooltip="Scroll the plan back a line."),
        Binding("end", "scroll('end')", "End", show=False, tooltip="The end of the plan."),
        Binding("home", "scroll('home')", "Home", show=False, tooltip="The start of the plan."),
    ]
    AUTO_FOCUS = "#no"

    def __init__(self, intent: CopyIntent, plans: Sequence[tuple[ResourcePair, Plan]]) -> None:
        super().__init__()
        self.intent = intent
        self.plans = list(plans)
        self.copies = copy_count(self.plans)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plan_title(self.intent, self.plans), id="plan-title", markup=False)
            with Horizontal(id="plan-buttons"):
                if self.copies:
                    yield Static("y yes · n / ⏎ no · PgDn scrolls", id="plan-keys", markup=False)
                    yield Button("No", id="no", variant="default")
                    replace = any(c.replace_id for _, plan in self.plans for c in plan.copies)
                    label = "Replace" if replace else (
                        "Copy" if self.copies == 1 else f"Copy {self.copies} assets"
                    )
                    yield Button(label, id="confirm", variant="error" if replace else "warning")
                else:
                    yield Static("⏎ / n closes · PgDn scrolls", id="plan-keys", markup=False)
                    yield Button("Close", id="no", variant="default")
            with VerticalScroll(id="plan-scroll"):
                yield Static(describe_plans(self.intent, self.plans), id="plan-body")

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The plan gets the rows the title, border and buttons leave (it scrolls within them), so the
        buttons are never pushed off a small terminal."""
        self.body.styles.max_height = max(3, self.app.size.height - CHROME)

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#plan-scroll", VerticalScroll)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters and parameters[0] is True:
            return self.copies > 0  # `y` with nothing to copy does nothing (Close is the only button)
        return True

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer and self.copies > 0)

    def action_scroll(self, where: str) -> None:
        body = self.body
        moves = {
            "page_down": body.scroll_page_down, "page_up": body.scroll_page_up,
            "down": body.scroll_down, "up": body.scroll_up,
            "end": body.scroll_end, "home": body.scroll_home,
        }
        moves[where](animate=False)
