"""The official `azure-ai-documentintelligence` SDK (API 2024-11-30), unchanged, against the emulator.

Authorize on the target → copy from the source with the SDK's own LRO poller → list, get and resource
details on the target → the source's operations — for document models and classifiers, with the
synchronous client and the asynchronous one; a poller resumed from its continuation token (as after a
crash); the SDK's retry policy meeting the emulator's throttling and 5xx; the stock transport on a
running clock; then the typed errors the SDK raises for the service's answers.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.ai.documentintelligence import DocumentIntelligenceAdministrationClient
from azure.ai.documentintelligence.aio import (
    DocumentIntelligenceAdministrationClient as AsyncDocumentIntelligenceAdministrationClient,
)
from azure.ai.documentintelligence.models import (
    AuthorizeClassifierCopyRequest,
    AuthorizeCopyRequest,
    DocumentClassifierCopyToOperationDetails,
    DocumentModelCopyToOperationDetails,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.polling.base_polling import LROBasePolling
from conformance_support import (
    COPY_SECONDS,
    LIVE_CLOCK_SPEED,
    POLL_HINT_SECONDS,
    POLLING_INTERVAL,
    SOURCE,
    TARGET,
    ClockedAsyncTransport,
    ClockedTransport,
    ThreadedEmulator,
    Wire,
    key_of,
    new_world,
)
from spec_conformance import spec_problems

from regionsync.emulator import World
from regionsync.emulator.prebuilt import PREBUILT_BY_VERSION

pytestmark = pytest.mark.loopback

API_VERSION = "2024-11-30"


def client(world: World, name: str, wire: Wire) -> DocumentIntelligenceAdministrationClient:
    return DocumentIntelligenceAdministrationClient(
        world.endpoint(name), key_of(world, name), transport=ClockedTransport(wire)
    )


def field_names(doc_types: dict[str, Any]) -> dict[str, list[str]]:
    return {name: sorted(doc_type["fieldSchema"]) for name, doc_type in doc_types.items()}


def test_model_authorize_copy_list_get_details(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, SOURCE, wire), client(emulator, TARGET, wire)
    original = source.get_model("invoice")

    authorization = target.authorize_model_copy(
        AuthorizeCopyRequest(model_id="invoice-dr", description="Invoices 2024 (DR)", tags={"team": "dr"})
    )
    assert authorization.target_model_id == "invoice-dr"
    assert authorization.target_resource_region == "westus2"
    assert authorization.target_resource_id == emulator.resources[TARGET].resource_id
    location = authorization.target_model_location
    # As the service's recordings write it (the spec example omits the query; di_versions.RECORDED_FACTS).
    assert location == (
        f"{emulator.endpoint(TARGET)}/documentintelligence/documentModels/invoice-dr?api-version={API_VERSION}"
    )

    poller = source.begin_copy_model_to("invoice", authorization, polling_interval=POLLING_INTERVAL)
    copied = poller.result()
    assert poller.status() == "succeeded"
    assert wire.slept == [POLL_HINT_SECONDS] * int(COPY_SECONDS / POLL_HINT_SECONDS), (
        "the SDK's poller waited as long as the emulator's Retry-After asked, until the copy finished"
    )
    assert copied.model_id == "invoice-dr"
    assert copied.description == "Invoices 2024 (DR)"
    assert copied.tags == {"team": "dr"}, "the authorization's tags replace the source's"

    listed = [m.model_id for m in target.list_models()]
    assert listed == [*PREBUILT_BY_VERSION[API_VERSION], "invoice-dr"]

    fetched = target.get_model("invoice-dr")
    assert fetched.doc_types is not None and original.doc_types is not None
    assert (
        field_names(fetched.doc_types)
        == field_names(original.doc_types)
        == {
            "invoice": ["InvoiceTotal", "VendorName"],
            "credit-note": ["InvoiceTotal", "VendorName"],
        }
    )
    assert fetched.api_version == original.api_version == API_VERSION
    assert fetched.expiration_date_time is not None and fetched.modified_date_time is not None
    assert (fetched.created_date_time, fetched.expiration_date_time, fetched.modified_date_time) == (
        original.created_date_time,
        original.expiration_date_time,
        original.modified_date_time,
    ), "a copy keeps the source's dates, as the service's recordings show"

    details = target.get_resource_details()
    assert (details.custom_document_models.count, details.custom_document_models.limit) == (1, 500)

    operations = list(source.list_operations())
    assert [(op.kind, op.status, op.percent_completed) for op in operations] == [
        ("documentModelCopyTo", "succeeded", 100)
    ]
    assert operations[0].resource_location == authorization.target_model_location
    operation = source.get_operation(operations[0].operation_id)
    assert isinstance(operation, DocumentModelCopyToOperationDetails)
    assert operation.result is not None and operation.result.model_id == "invoice-dr"

    assert spec_problems(wire.exchanges) == []


def test_classifier_authorize_copy_list_get_delete(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, SOURCE, wire), client(emulator, TARGET, wire)
    original = source.get_classifier("mail-sorter")

    authorization = target.authorize_classifier_copy(
        AuthorizeClassifierCopyRequest(classifier_id="mail-sorter")
    )
    assert authorization.target_classifier_id == "mail-sorter"
    poller = source.begin_copy_classifier_to("mail-sorter", authorization, polling_interval=POLLING_INTERVAL)
    copied = poller.result()
    assert poller.status() == "succeeded"
    assert copied.classifier_id == "mail-sorter"
    assert copied.description == original.description == "Sorts the mail room's scans"

    assert [c.classifier_id for c in target.list_classifiers()] == ["mail-sorter"]
    fetched = target.get_classifier("mail-sorter")
    assert sorted(fetched.doc_types) == sorted(original.doc_types) == ["invoice", "letter", "receipt"]
    assert fetched.doc_types["receipt"].azure_blob_source is not None

    operation = source.get_operation(next(iter(source.list_operations())).operation_id)
    assert isinstance(operation, DocumentClassifierCopyToOperationDetails)
    assert operation.status == "succeeded"
    assert operation.result is not None and operation.result.classifier_id == "mail-sorter"

    target.delete_classifier("mail-sorter")
    with pytest.raises(ResourceNotFoundError) as missing:
        target.get_classifier("mail-sorter")
    assert missing.value.error is not None and missing.value.error.code == "NotFound"
    assert list(target.list_classifiers()) == []

    assert spec_problems(wire.exchanges) == []


async def test_async_client_copies_and_follows_next_links(emulator: World, wire: Wire) -> None:
    for number in range(120):
        emulator.add_model(TARGET, f"archive-{number:03d}", api_version=API_VERSION)

    def async_client(name: str) -> AsyncDocumentIntelligenceAdministrationClient:
        return AsyncDocumentIntelligenceAdministrationClient(
            emulator.endpoint(name), key_of(emulator, name), transport=ClockedAsyncTransport(wire)
        )

    async with async_client(SOURCE) as source, async_client(TARGET) as target:
        authorization = await target.authorize_model_copy(AuthorizeCopyRequest(model_id="invoice"))
        poller = await source.begin_copy_model_to("invoice", authorization, polling_interval=POLLING_INTERVAL)
        copied = await poller.result()
        assert copied.model_id == "invoice"
        assert copied.tags == {"team": "finance"}, "without tags in the authorization the source's stay"
        assert wire.slept and set(wire.slept) == {POLL_HINT_SECONDS}

        listed = [m.model_id async for m in target.list_models()]
        prebuilt = PREBUILT_BY_VERSION[API_VERSION]
        assert len(listed) == len(prebuilt) + 121 > 100, "the listing spans pages joined by nextLink"
        assert listed[: len(prebuilt)] == list(prebuilt)
        archive = [f"archive-{number:03d}" for number in range(120)]
        assert sorted(listed[len(prebuilt) :]) == sorted([*archive, "invoice"])

        details = await target.get_resource_details()
        assert details.custom_document_models.count == 121

        with pytest.raises(ResourceNotFoundError) as missing:
            await target.get_model("no-such-model")
        assert missing.value.error is not None and missing.value.error.code == "NotFound"

    assert spec_problems(wire.exchanges) == []


class CrashesBeforePolling(LROBasePolling):
    """The SDK's own polling method of a process that dies right after the copy was accepted."""

    def run(self) -> None:
        return None


def test_a_poller_resumed_from_its_continuation_token_finishes_the_copy(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, SOURCE, wire), client(emulator, TARGET, wire)
    authorization = target.authorize_model_copy(AuthorizeCopyRequest(model_id="invoice-dr"))
    started = source.begin_copy_model_to("invoice", authorization, polling=CrashesBeforePolling())
    token = started.continuation_token()
    assert started.status() == "InProgress", "the 202 was read; nothing was polled"

    after_a_crash = client(emulator, SOURCE, wire)
    resumed = after_a_crash.begin_copy_model_to(
        "invoice", authorization, continuation_token=token, polling_interval=POLLING_INTERVAL
    )
    assert resumed.result().model_id == "invoice-dr"
    assert len(list(source.list_operations())) == 1, "resuming polls the copy; it never starts another"
    assert [m.model_id for m in target.list_models()].count("invoice-dr") == 1

    assert spec_problems(wire.exchanges) == []


def test_retry_policy_honours_throttling_and_server_errors(emulator: World, wire: Wire) -> None:
    emulator.faults.throttle(1.0, retry_after=7, resource=TARGET, count=1)
    emulator.faults.server_errors(1.0, 503, resource=TARGET, count=1)

    details = client(emulator, TARGET, wire).get_resource_details()

    assert details.custom_document_models.count == 0
    assert [e.status for e in wire.exchanges] == [429, 503, 200]
    assert wire.slept[0] == 7.0, "the SDK waited as long as the 429's Retry-After said"
    assert spec_problems(wire.exchanges) == []


def test_stock_transport_on_a_running_clock() -> None:
    """No injected sleep: the SDK's own transport waits the real seconds of the emulator's Retry-After."""
    world = new_world(speed=LIVE_CLOCK_SPEED)
    with ThreadedEmulator(world):
        source = DocumentIntelligenceAdministrationClient(world.endpoint(SOURCE), key_of(world, SOURCE))
        target = DocumentIntelligenceAdministrationClient(world.endpoint(TARGET), key_of(world, TARGET))
        authorization = target.authorize_model_copy(AuthorizeCopyRequest(model_id="invoice-dr"))
        poller = source.begin_copy_model_to("invoice", authorization, polling_interval=POLLING_INTERVAL)
        assert poller.result().model_id == "invoice-dr"
        assert target.get_model("invoice-dr").doc_types is not None


def test_typed_errors(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, SOURCE, wire), client(emulator, TARGET, wire)

    with pytest.raises(ResourceNotFoundError) as missing:
        target.get_model("no-such-model")
    assert missing.value.status_code == 404
    assert missing.value.error is not None and missing.value.error.code == "NotFound"
    assert missing.value.error.innererror == {
        "code": "ModelNotFound",
        "message": "The requested model was not found.",
    }

    wrong_key = DocumentIntelligenceAdministrationClient(
        emulator.endpoint(TARGET), AzureKeyCredential("not-the-key"), transport=ClockedTransport(wire)
    )
    with pytest.raises(ClientAuthenticationError) as denied:
        wrong_key.get_resource_details()
    assert denied.value.status_code == 401
    assert "invalid subscription key" in str(denied.value)
    assert "not-the-key" not in str(denied.value)

    authorization = target.authorize_model_copy(AuthorizeCopyRequest(model_id="invoice-dr"))
    source.begin_copy_model_to("invoice", authorization, polling_interval=POLLING_INTERVAL).result()
    with pytest.raises(ResourceExistsError) as exists:
        target.authorize_model_copy(AuthorizeCopyRequest(model_id="invoice-dr"))
    assert exists.value.error is not None and exists.value.error.code == "Conflict"

    reused = source.begin_copy_model_to("invoice", authorization, polling_interval=POLLING_INTERVAL)
    with pytest.raises(HttpResponseError) as failed:
        reused.result()
    assert reused.status() == "failed"
    assert "Couldn't retrieve authorization metadata" in str(failed.value)
    assert failed.value.error is not None and failed.value.error.code == "InvalidRequest"
    assert failed.value.error.innererror is not None
    assert failed.value.error.innererror["code"] == "AuthorizationMetadataNotFound"

    assert spec_problems(wire.exchanges) == []
