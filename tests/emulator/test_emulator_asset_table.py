"""A page of a list costs O(page): `page_table` reads a resource's `AssetTable` from the token's slot on,
and what changes between two pages (assets added, deleted, replaced) neither repeats nor skips the
others. The ready count the table keeps is what `info` and v2.1 lists report.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import httpx
from emulator_constants import TARGET_KEY
from emulator_wire import key, v3_url

from regionsync.emulator import World
from regionsync.emulator.asset_table import AssetTable
from regionsync.emulator.paging import PAGE_SIZE, encode_token, page_table
from regionsync.emulator.prebuilt import PREBUILT_BY_VERSION
from regionsync.emulator.state import DocAsset

WHEN = datetime(2024, 5, 1, tzinfo=UTC)


def asset(asset_id: str, status: str = "ready") -> DocAsset:
    return DocAsset("model", asset_id, None, {}, {}, WHEN, WHEN, "2024-11-30", status)  # type: ignore[arg-type]


def table_of(count: int) -> AssetTable[DocAsset]:
    return AssetTable((f"m-{n:05d}", asset(f"m-{n:05d}")) for n in range(count))


def test_a_late_page_looks_at_no_more_than_a_page_of_entries() -> None:
    table = table_of(20_000)
    looked: list[str] = []

    def keep(entry: DocAsset) -> bool:
        looked.append(entry.asset_id)
        return True

    chunk, following = page_table(table, encode_token(15_000), keep=keep)
    assert [a.asset_id for a in chunk] == [f"m-{n:05d}" for n in range(15_000, 15_000 + PAGE_SIZE)]
    assert following == 15_000 + PAGE_SIZE
    assert len(looked) == PAGE_SIZE + 1  # the page, and the one entry that says another page follows


def test_changes_between_pages_neither_repeat_nor_skip_the_others() -> None:
    table = table_of(250)
    def ready(entry: DocAsset) -> bool:
        return entry.status == "ready"

    first, following = page_table(table, None, keep=ready, size=100)
    del table["m-00010"]  # already listed
    del table["m-00150"]  # not listed yet: gone
    table["m-00120"] = asset("m-00120", status="creating")  # not ready: left out, keeps its place
    table["m-00160"] = asset("m-00160")  # replaced: keeps its place
    table["new"] = asset("new")  # added: at the end
    rest: list[DocAsset] = []
    while following is not None:
        chunk, following = page_table(table, encode_token(following), keep=ready, size=100)
        rest.extend(chunk)
    listed = [a.asset_id for a in [*first, *rest]]
    expected = [f"m-{n:05d}" for n in range(250) if n not in (150, 120)] + ["new"]
    assert listed == expected


def test_the_ready_count_follows_every_change_and_copies_keep_the_slots() -> None:
    table = table_of(3)
    assert table.ready == 3
    table["m-00001"] = asset("m-00001", status="creating")
    table["x"] = asset("x", status="creating")
    assert table.ready == 2
    table["x"] = asset("x")
    assert table.pop("m-00000").asset_id == "m-00000"
    assert table.ready == 2 and list(table) == ["m-00001", "m-00002", "x"]
    duplicate = copy.deepcopy(table)
    assert duplicate == table and duplicate.ready == 2
    assert [a.asset_id for _, a in duplicate.from_position(0)] == ["m-00001", "m-00002", "x"]
    table.clear()
    assert table == {} and table.ready == 0 and table.end == 0


async def test_a_listing_over_the_wire_while_models_come_and_go(
    client: httpx.AsyncClient, world: World
) -> None:
    for n in range(450):
        world.add_model("target-wus2", f"bulk-{n:04d}")
    url: str | None = v3_url(world, "target-wus2", "documentintelligence", "documentModels")
    params: dict[str, str] | None = {"api-version": "2024-11-30"}
    ids: list[str] = []
    pages = 0
    while url:
        body = (await client.get(url, params=params, headers=key(TARGET_KEY))).json()
        ids.extend(m["modelId"] for m in body["value"])
        url, params, pages = body.get("nextLink"), None, pages + 1
        if pages == 2:
            models = world.resources["target-wus2"].models
            del models["bulk-0000"]
            del models["bulk-0400"]
            world.add_model("target-wus2", "late-arrival")
    prebuilt = list(PREBUILT_BY_VERSION["2024-11-30"])
    assert ids == prebuilt + [f"bulk-{n:04d}" for n in range(450) if n != 400] + ["late-arrival"]
    info = await client.get(
        v3_url(world, "target-wus2", "documentintelligence", "info"),
        params={"api-version": "2024-11-30"},
        headers=key(TARGET_KEY),
    )
    assert info.json()["customDocumentModels"]["count"] == 449
