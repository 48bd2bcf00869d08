"""Fixtures for the emulator tests: a small two-region world on a frozen clock, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from emulator_constants import (
    CU_MODELS,
    CU_OTHER_KEY,
    CU_SOURCE_KEY,
    CU_TARGET_KEY,
    LANG_SOURCE_KEY,
    LANG_TARGET_KEY,
    OTHER_KEY,
    SOURCE_KEY,
    START,
    TARGET_KEY,
)

from regionsync.emulator import Clock, EmulatorTransport, World


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


# --- Content Understanding and Language worlds ------------------------------------------------------


@pytest.fixture
def cu_world() -> World:
    """cu-wus (westus) holds the analyzer; cu-swc and cu-other live in swedencentral."""
    w = World(Clock(speed=0.0, start=START), copy_seconds=6.0)
    w.add_resource("cu-wus", service="content-understanding", region="westus", keys=[CU_SOURCE_KEY, "cs-2"])
    w.add_resource(
        "cu-swc", service="content-understanding", region="swedencentral", keys=[CU_TARGET_KEY, "ct-2"]
    )
    w.add_resource(
        "cu-other", service="content-understanding", region="swedencentral", keys=[CU_OTHER_KEY, "co-2"]
    )
    for name in ("cu-wus", "cu-swc", "cu-other"):
        for model in CU_MODELS.values():
            w.add_deployment(name, model, model)
    w.add_analyzer(
        "cu-wus",
        "invoice-extractor",
        description="Invoices",
        models=CU_MODELS,
        tags={"team": "finance"},
        fields=["VendorName", "InvoiceTotal"],
        config={"returnDetails": True, "enableFormula": False},
    )
    return w


@pytest.fixture
async def cu_client(cu_world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=EmulatorTransport(cu_world)) as c:
        yield c


@pytest.fixture
def language_world() -> World:
    """lang-eus (eastus) holds ticket-triage, trained and deployed; lang-wus2 (westus2) is empty."""
    w = World(Clock(speed=0.0, start=START), train_seconds=20.0, job_seconds=4.0)
    w.add_resource("lang-eus", service="language", region="eastus", keys=[LANG_SOURCE_KEY, "ls-2"])
    w.add_resource("lang-wus2", service="language", region="westus2", keys=[LANG_TARGET_KEY, "lt-2"])
    w.add_project(
        "lang-eus",
        "ticket-triage",
        description="Routes support tickets",
        trained_models=["v1"],
        deployments={"prod": "v1"},
    )
    return w


@pytest.fixture
async def language_client(language_world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=EmulatorTransport(language_world)) as c:
        yield c
