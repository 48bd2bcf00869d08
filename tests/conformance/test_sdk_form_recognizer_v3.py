"""The official `azure-ai-formrecognizer` SDK's `DocumentModelAdministrationClient`, unchanged, against the
emulator on API 2022-08-31 (v3.0) and 2023-07-31 (v3.1).

The same flow for both versions — authorize on the target, copy with the SDK's poller, list, get,
resource details, the source's operations — and the typed errors, parametrized by API version; what
differs between the versions (expiration dates, the neural build quota, classifiers from v3.1) is data
in `VERSION_TRAITS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from azure.ai.formrecognizer import DocumentModelAdministrationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from conformance_support import (
    COPY_SECONDS,
    POLL_HINT_SECONDS,
    POLLING_INTERVAL,
    SOURCE,
    TARGET,
    ClockedTransport,
    Wire,
    key_of,
)
from spec_conformance import spec_problems

from regionsync.emulator import World
from regionsync.emulator.prebuilt import PREBUILT_BY_VERSION

pytestmark = pytest.mark.loopback


@dataclass(frozen=True)
class VersionTraits:
    """What one v3 API version writes that the other does not."""

    expiration: bool
    neural_quota: bool
    classifiers: bool


VERSION_TRAITS: dict[str, VersionTraits] = {
    "2022-08-31": VersionTraits(expiration=False, neural_quota=False, classifiers=False),
    "2023-07-31": VersionTraits(expiration=True, neural_quota=True, classifiers=True),
}


@pytest.fixture(params=sorted(VERSION_TRAITS))
def api_version(request: pytest.FixtureRequest, world: World) -> str:
    """The API version under test; the source gets a model built with it."""
    version: str = request.param
    world.add_model(
        SOURCE,
        "purchase-order",
        description="Purchase orders",
        doc_types=["purchase-order"],
        fields=["PoNumber", "Vendor", "Total"],
        tags={"owner": "procurement"},
        api_version=version,
    )
    return version


def client(world: World, name: str, version: str, wire: Wire) -> DocumentModelAdministrationClient:
    return DocumentModelAdministrationClient(
        world.endpoint(name), key_of(world, name), api_version=version, transport=ClockedTransport(wire)
    )


def test_authorize_copy_list_get_details(emulator: World, api_version: str, wire: Wire) -> None:
    traits = VERSION_TRAITS[api_version]
    source = client(emulator, SOURCE, api_version, wire)
    target = client(emulator, TARGET, api_version, wire)
    original = source.get_document_model("purchase-order")

    authorization = target.get_copy_authorization(model_id="purchase-order-dr", tags={"copied": "yes"})
    assert authorization["targetModelId"] == "purchase-order-dr"
    assert authorization["targetResourceRegion"] == "westus2"
    assert authorization["targetModelLocation"].startswith(emulator.endpoint(TARGET) + "/formrecognizer/")

    poller = source.begin_copy_document_model_to(
        "purchase-order", target=authorization, polling_interval=POLLING_INTERVAL
    )
    copied = poller.result()
    assert poller.status() == "succeeded"
    assert wire.slept == [POLL_HINT_SECONDS] * int(COPY_SECONDS / POLL_HINT_SECONDS)
    assert copied.model_id == "purchase-order-dr"
    assert copied.description == original.description == "Purchase orders"
    assert copied.tags == {"copied": "yes"}

    listed = [m.model_id for m in target.list_document_models()]
    assert listed == [*PREBUILT_BY_VERSION[api_version], "purchase-order-dr"]

    fetched = target.get_document_model("purchase-order-dr")
    assert fetched.api_version == original.api_version == api_version
    assert sorted(fetched.doc_types) == sorted(original.doc_types) == ["purchase-order"]
    schema = fetched.doc_types["purchase-order"].field_schema
    assert schema == original.doc_types["purchase-order"].field_schema
    assert sorted(schema) == ["PoNumber", "Total", "Vendor"]
    assert (fetched.expires_on is not None) is traits.expiration

    details = target.get_resource_details()
    assert (details.custom_document_models.count, details.custom_document_models.limit) == (1, 500)
    assert (details.neural_document_model_quota is not None) is traits.neural_quota

    summaries = list(source.list_operations())
    assert [(op.kind, op.status, op.percent_completed) for op in summaries] == [
        ("documentModelCopyTo", "succeeded", 100)
    ]
    operation = source.get_operation(summaries[0].operation_id)
    assert operation.api_version == api_version
    assert operation.resource_location == authorization["targetModelLocation"]
    assert operation.result is not None and operation.result.model_id == "purchase-order-dr"
    progress = poller.details  # parsed from the Operation-Location and the timestamps as the SDK expects
    assert progress["operation_id"] == operation.operation_id
    assert (progress["operation_kind"], progress["percent_completed"]) == ("documentModelCopyTo", 100)
    assert progress["created_on"] is not None and progress["last_updated_on"] is not None

    target.delete_document_model("purchase-order-dr")
    with pytest.raises(ResourceNotFoundError):
        target.get_document_model("purchase-order-dr")

    if traits.classifiers:
        assert [c.classifier_id for c in source.list_document_classifiers()] == ["mail-sorter"]
        classifier = source.get_document_classifier("mail-sorter")
        assert sorted(classifier.doc_types) == ["invoice", "letter", "receipt"]

    assert spec_problems(wire.exchanges) == []


def test_typed_errors(emulator: World, api_version: str, wire: Wire) -> None:
    source = client(emulator, SOURCE, api_version, wire)
    target = client(emulator, TARGET, api_version, wire)

    with pytest.raises(ResourceNotFoundError) as missing:
        target.get_document_model("no-such-model")
    assert missing.value.error is not None and missing.value.error.code == "NotFound"

    wrong_key = DocumentModelAdministrationClient(
        emulator.endpoint(TARGET),
        AzureKeyCredential("not-the-key"),
        api_version=api_version,
        transport=ClockedTransport(wire),
    )
    with pytest.raises(ClientAuthenticationError) as denied:
        wrong_key.get_resource_details()
    assert denied.value.status_code == 401
    assert "not-the-key" not in str(denied.value)

    authorization = target.get_copy_authorization(model_id="purchase-order-dr")

    def copy() -> Any:
        return source.begin_copy_document_model_to(
            "purchase-order", authorization, polling_interval=POLLING_INTERVAL
        )

    assert copy().result().model_id == "purchase-order-dr"
    reused = copy()
    with pytest.raises(HttpResponseError) as failed:
        reused.result()
    assert "Couldn't retrieve authorization metadata" in str(failed.value)

    failed_operation = next(op for op in source.list_operations() if op.status == "failed")
    details = source.get_operation(failed_operation.operation_id)
    assert details.error is not None and details.error.code == "InvalidRequest"
    assert details.error.innererror is not None
    assert details.error.innererror.code == "AuthorizationMetadataNotFound"
    assert details.result is None

    assert spec_problems(wire.exchanges) == []
