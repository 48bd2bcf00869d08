"""Pane titles: who each pane is and how it is, from the pair's sides, the latest listing and the health."""

from __future__ import annotations

from regionsync.domain import Asset, AssetKind, AssetPair, Side, SyncStatus
from regionsync.sync.compare import SideListing
from regionsync.sync.inventory import KindDiff
from regionsync.sync.pair import SideInfo
from regionsync.tui.model import SideHealth
from regionsync.tui.pane_titles import PaneTitle, pane_title, pane_titles

PRIMARY = SideInfo(
    Side.PRIMARY, "https://eus.example.test", "eastus", "/subscriptions/s/accounts/contoso-di-eus"
)
SECONDARY = SideInfo(
    Side.SECONDARY, "https://wus.example.test", "westus2", "/subscriptions/s/accounts/contoso-di-wus2"
)
VERSION = "2024-11-30"


def asset(name: str) -> Asset:
    return Asset(kind=AssetKind.MODEL, id=name, name=name)


def diff(target_error: str | None = None) -> KindDiff:
    pairs = [
        AssetPair(
            kind=AssetKind.MODEL,
            name="a",
            primary=asset("a"),
            secondary=asset("a"),
            status=SyncStatus.IN_SYNC,
            reason="",
        ),
        AssetPair(kind=AssetKind.MODEL, name="b", primary=asset("b"), status=SyncStatus.MISSING, reason=""),
    ]
    return KindDiff(AssetKind.MODEL, pairs, target=SideListing(error=target_error))


def test_each_pane_names_its_side_region_and_resource_and_counts_what_it_holds() -> None:
    primary, secondary = pane_titles((PRIMARY, SECONDARY), AssetKind.MODEL, VERSION, diff(), {})
    assert primary == PaneTitle("PRIMARY eastus · contoso-di-eus", "2024-11-30 · 2 models")
    assert secondary == PaneTitle("SECONDARY westus2 · contoso-di-wus2", "2024-11-30 · 1 models")


def test_before_the_first_listing_the_pane_says_it_is_listing() -> None:
    title = pane_title(PRIMARY, AssetKind.CLASSIFIER, VERSION, None)
    assert title == PaneTitle("PRIMARY eastus · contoso-di-eus", "2024-11-30 · listing …")


def test_a_side_that_could_not_be_read_says_why_from_its_health() -> None:
    health = {
        Side.SECONDARY: SideHealth(
            Side.SECONDARY, ("westus2",), reachable=False, problem="unreachable: connection refused"
        )
    }
    primary, secondary = pane_titles((PRIMARY, SECONDARY), AssetKind.MODEL, VERSION, diff("down"), health)
    assert not primary.error
    assert secondary == PaneTitle(
        "SECONDARY westus2 · contoso-di-wus2", "✗ unreachable: connection refused", True
    )
    assert pane_title(SECONDARY, AssetKind.MODEL, VERSION, diff("down")).subtitle == "✗ could not be read"
