"""Fixtures for the emulator tests: a small two-region world on a frozen clock, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from regionsync.emulator import Clock, EmulatorTransport, World

START = datetime(2024, 5, 1, 18, 46, 36, tzinfo=UTC)
SOURCE_KEY = "source-key-1"
TARGET_KEY = "target-key-1"
OTHER_KEY = "other-key-1"


@pytest.fixture
def world() -> World:
    """source (eastus) holds the assets; target and other live in westus2."""
    w = World(Clock(speed=0.0, start=START), copy_seconds=6.0)
    w.add_resource("source-eus", region="eastus", keys=[SOURCE_KEY, "source-key-2"])
    w.add_resource("target-wus2", region="westus2", keys=[TARGET_KEY, "target-key-2"])
    w.add_resource("other-wus2", region="westus2", keys=[OTHER_KEY, "other-key-2"])
    w.add_model(
        "source-eus",
        "invoice",
        description="Invoices 2024",
        doc_types=["invoice", "credit-note"],
        tags={"team": "finance"},
        fields=["VendorName", "InvoiceTotal"],
    )
    w.add_classifier("source-eus", "mail-sorter", doc_types=["invoice", "receipt"], description="Sorts mail")
    w.add_legacy_model("source-eus", "receipts-2020")
    return w


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as c:
        yield c
