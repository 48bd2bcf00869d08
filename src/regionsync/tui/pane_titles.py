"""Pane titles: what each side's pane says above its column — pure, no Textual.

`PRIMARY eastus · contoso-di-eus` with `2024-11-30 · 12 models` under it; `listing …` before the first
listing; `✗ unreachable: connection refused` (the side's health problem) when the side could not be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from regionsync.domain import AssetKind, Side
from regionsync.tui.model import KIND_TITLES, SideHealth, resource_name

if TYPE_CHECKING:
    from regionsync.sync.inventory import KindDiff
    from regionsync.sync.pair import SideInfo


@dataclass(frozen=True)
class PaneTitle:
    """What one pane says above its column: who it is, and how it is (or why it cannot be read)."""

    title: str
    subtitle: str = ""
    error: bool = False


def pane_title(
    info: SideInfo,
    kind: AssetKind,
    api_version: str,
    diff: KindDiff | None,
    health: SideHealth | None = None,
) -> PaneTitle:
    """One side's pane title for one asset kind (`diff`: the latest listing of that kind, if any)."""
    side = info.side
    title = f"{side.value.upper()} {info.region} · {resource_name(info.resource_id)}"
    error = (diff.source_error if side is Side.PRIMARY else diff.target_error) if diff is not None else None
    if error:
        problem = (health.problem if health is not None else "") or "could not be read"
        return PaneTitle(title, f"✗ {problem}", True)
    if diff is None:
        return PaneTitle(title, f"{api_version} · listing …")
    held = (p.primary if side is Side.PRIMARY else p.secondary for p in diff.pairs)
    count = sum(1 for asset in held if asset is not None)
    return PaneTitle(title, f"{api_version} · {count} {KIND_TITLES[kind].lower()}")


def pane_titles(
    infos: tuple[SideInfo, SideInfo],
    kind: AssetKind,
    api_version: str,
    diff: KindDiff | None,
    health: Mapping[Side, SideHealth],
) -> tuple[PaneTitle, PaneTitle]:
    """Both panes' titles (primary, secondary) for one asset kind."""
    primary, secondary = (pane_title(info, kind, api_version, diff, health.get(info.side)) for info in infos)
    return primary, secondary
