"""The official `azure-ai-contentunderstanding` SDK (API 2025-11-01), unchanged, against the emulator.

The source grants a copy authorization for the target → the target copies the analyzer with the SDK's
own LRO poller → the target lists it (prebuilt analyzers first), reads it back (the same schema, models,
tags) and shows the model deployments it resolves them with; then the typed errors: unknown analyzer,
wrong key, a copy without a grant (refused at once) and a copy to a target lacking the model
deployments (accepted, then failed in its operation).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.ai.contentunderstanding import ContentUnderstandingClient
from azure.ai.contentunderstanding.models import ContentAnalyzer, CopyAuthorization
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.core.polling import LROPoller
from conformance_support import (
    COPY_SECONDS,
    CU_BARE,
    CU_MODELS,
    CU_SOURCE,
    CU_TARGET,
    POLL_HINT_SECONDS,
    POLLING_INTERVAL,
    START,
    ClockedTransport,
    Wire,
    content_understanding_served,
    key_of,
)
from spec_conformance import spec_problems

from regionsync.emulator import World
from regionsync.emulator.cu_prebuilt import PREBUILT_ANALYZERS

pytestmark = [
    pytest.mark.loopback,
    pytest.mark.skipif(
        not content_understanding_served(),
        reason="the emulator does not serve Content Understanding yet (its routes are being added)",
    ),
]

ANALYZER = "invoice-extractor"


def client(world: World, name: str, wire: Wire) -> ContentUnderstandingClient:
    return ContentUnderstandingClient(
        world.endpoint(name), key_of(world, name), transport=ClockedTransport(wire)
    )


def grant(world: World, source: ContentUnderstandingClient, target_name: str) -> CopyAuthorization:
    """The source's authorization for `target_name` to copy the analyzer."""
    target = world.resources[target_name]
    return source.grant_copy_authorization(
        ANALYZER, target_azure_resource_id=target.resource_id, target_region=target.region
    )


def begin_copy(world: World, target: ContentUnderstandingClient) -> LROPoller[ContentAnalyzer]:
    """The target's copy of the source's analyzer, under the same id."""
    source = world.resources[CU_SOURCE]
    return target.begin_copy_analyzer(
        ANALYZER,
        source_analyzer_id=ANALYZER,
        source_azure_resource_id=source.resource_id,
        source_region=source.region,
        polling_interval=POLLING_INTERVAL,
    )


def test_grant_copy_list_get_defaults(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, CU_SOURCE, wire), client(emulator, CU_TARGET, wire)
    original = source.get_analyzer(ANALYZER)

    authorization = grant(emulator, source, CU_TARGET)
    assert authorization.target_azure_resource_id == emulator.resources[CU_TARGET].resource_id
    assert authorization.source == f"{emulator.endpoint(CU_SOURCE)}/contentunderstanding/analyzers/{ANALYZER}"
    assert authorization.expires_at == START + timedelta(hours=24)

    poller = begin_copy(emulator, target)
    copied = poller.result()
    assert poller.status() == "Succeeded"
    assert wire.slept == [POLL_HINT_SECONDS] * int(COPY_SECONDS / POLL_HINT_SECONDS)
    assert (copied.analyzer_id, copied.status) == (ANALYZER, "ready")

    listed = [a.analyzer_id for a in target.list_analyzers()]
    assert listed == [*PREBUILT_ANALYZERS, ANALYZER]

    fetched = target.get_analyzer(ANALYZER)
    assert fetched.description == original.description == "Extracts invoice fields"
    assert fetched.tags == original.tags == {"team": "finance"}
    assert fetched.models == original.models == CU_MODELS
    assert fetched.base_analyzer_id == original.base_analyzer_id
    assert fetched.field_schema is not None and original.field_schema is not None
    assert fetched.field_schema.as_dict() == original.field_schema.as_dict()
    assert sorted(fetched.field_schema.fields or {}) == ["DueDate", "InvoiceTotal", "VendorName"]

    defaults = target.get_defaults()
    assert set(defaults.model_deployments) >= set(CU_MODELS.values())

    assert spec_problems(wire.exchanges) == []


def test_typed_errors(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, CU_SOURCE, wire), client(emulator, CU_TARGET, wire)

    with pytest.raises(ResourceNotFoundError) as missing:
        target.get_analyzer("no-such-analyzer")
    assert missing.value.error is not None and missing.value.error.code == "NotFound"

    wrong_key = ContentUnderstandingClient(
        emulator.endpoint(CU_TARGET), AzureKeyCredential("not-the-key"), transport=ClockedTransport(wire)
    )
    with pytest.raises(ClientAuthenticationError) as denied:
        wrong_key.get_defaults()
    assert denied.value.status_code == 401
    assert "not-the-key" not in str(denied.value)

    with pytest.raises(HttpResponseError) as refused:
        begin_copy(emulator, target)
    assert refused.value.status_code == 400
    assert refused.value.error is not None and refused.value.error.innererror is not None
    assert refused.value.error.innererror["code"] == "CopyAuthorizationNotFound"
    assert ":grantCopyAuthorization" in str(refused.value), "the message says what to do"

    bare = client(emulator, CU_BARE, wire)
    grant(emulator, source, CU_BARE)
    failing = begin_copy(emulator, bare)
    with pytest.raises(HttpResponseError) as failed:
        failing.result()
    assert failing.status() == "Failed"
    assert failed.value.error is not None and failed.value.error.innererror is not None
    assert failed.value.error.innererror["code"] == "ModelDeploymentNotFound"
    assert "Deploy them" in str(failed.value), "the message says what to do"
    assert [a.analyzer_id for a in bare.list_analyzers()] == list(PREBUILT_ANALYZERS), "nothing is left"

    assert spec_problems(wire.exchanges) == []
