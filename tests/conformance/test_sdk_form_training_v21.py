"""The official `azure-ai-formrecognizer` SDK's `FormTrainingClient` on API v2.1, unchanged, against the
emulator: the target's copy authorization (a new GUID), the source's copy with the SDK's own copy
poller, the target's list, model and account properties, and the typed errors (numeric v2.1 codes,
failures reported in `copyResult.errors`)."""

from __future__ import annotations

import uuid

import pytest
from azure.ai.formrecognizer import CustomFormModel, FormTrainingClient
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

pytestmark = pytest.mark.loopback

API_VERSION = "2.1"


def client(world: World, name: str, wire: Wire) -> FormTrainingClient:
    return FormTrainingClient(
        world.endpoint(name), key_of(world, name), api_version=API_VERSION, transport=ClockedTransport(wire)
    )


def source_model_id(world: World) -> str:
    return next(iter(world.resources[SOURCE].legacy_models))


def authorize(world: World, target: FormTrainingClient) -> dict[str, str | int]:
    resource = world.resources[TARGET]
    return target.get_copy_authorization(resource_id=resource.resource_id, resource_region=resource.region)


def field_labels(model: CustomFormModel) -> list[list[str]]:
    """The field labels of each submodel (v2.1 unlabeled models: the keys the service clustered)."""
    return [sorted(str(f.label) for f in submodel.fields.values()) for submodel in model.submodels]


def test_authorize_copy_list_get_properties(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, SOURCE, wire), client(emulator, TARGET, wire)
    model_id = source_model_id(emulator)
    original = source.get_custom_model(model_id)
    assert original.model_name == "receipts-2020"

    authorization = authorize(emulator, target)
    new_id = str(authorization["modelId"])
    assert uuid.UUID(new_id) and new_id != model_id, "v2.1 gives the copy a new GUID"
    assert authorization["resourceId"] == emulator.resources[TARGET].resource_id
    assert isinstance(authorization["expirationDateTimeTicks"], int)

    poller = source.begin_copy_model(model_id, target=authorization, polling_interval=POLLING_INTERVAL)
    copied = poller.result()
    assert poller.status() == "succeeded"
    assert wire.slept == [POLL_HINT_SECONDS] * int(COPY_SECONDS / POLL_HINT_SECONDS)
    assert (copied.model_id, copied.status) == (new_id, "ready")

    listed = list(target.list_custom_models())
    assert [(m.model_id, m.model_name, m.status) for m in listed] == [(new_id, "receipts-2020", "ready")]
    assert listed[0].properties is not None and listed[0].properties.is_composed_model is False

    fetched = target.get_custom_model(new_id)
    assert fetched.model_name == original.model_name == "receipts-2020"

    assert field_labels(fetched) == field_labels(original) == [["Date", "Merchant", "Total"]]
    assert fetched.training_documents is not None
    assert len(fetched.training_documents) == len(original.training_documents or [])

    properties = target.get_account_properties()
    assert (properties.custom_model_count, properties.custom_model_limit) == (1, 500)

    target.delete_model(new_id)
    assert list(target.list_custom_models()) == []

    assert spec_problems(wire.exchanges) == []


def test_list_follows_next_link(emulator: World, wire: Wire) -> None:
    names = [f"archive-{number:03d}" for number in range(130)]
    for name in names:
        emulator.add_legacy_model(TARGET, name)
    listed = list(client(emulator, TARGET, wire).list_custom_models())
    assert sorted(m.model_name for m in listed) == names
    assert len({m.model_id for m in listed}) == 130

    assert spec_problems(wire.exchanges) == []


def test_typed_errors(emulator: World, wire: Wire) -> None:
    source, target = client(emulator, SOURCE, wire), client(emulator, TARGET, wire)

    unknown = str(uuid.uuid4())
    with pytest.raises(ResourceNotFoundError) as missing:
        target.get_custom_model(unknown)
    assert missing.value.error is not None and missing.value.error.code == "1022"
    assert unknown in str(missing.value)

    wrong_key = FormTrainingClient(
        emulator.endpoint(TARGET),
        AzureKeyCredential("not-the-key"),
        api_version=API_VERSION,
        transport=ClockedTransport(wire),
    )
    with pytest.raises(ClientAuthenticationError) as denied:
        wrong_key.get_account_properties()
    assert denied.value.status_code == 401
    assert "not-the-key" not in str(denied.value)

    model_id = source_model_id(emulator)
    authorization = authorize(emulator, target)
    source.begin_copy_model(model_id, target=authorization, polling_interval=POLLING_INTERVAL).result()
    reused = source.begin_copy_model(model_id, target=authorization, polling_interval=POLLING_INTERVAL)
    with pytest.raises(HttpResponseError) as failed:
        reused.result()
    assert "Couldn't retrieve authorization metadata" in str(failed.value)
    assert failed.value.error is not None and failed.value.error.code == "AuthorizationMetadataNotFound"

    stale = authorize(emulator, target)
    emulator.clock.advance(25 * 3600)
    with pytest.raises(HttpResponseError) as expired:
        source.begin_copy_model(model_id, target=stale, polling_interval=POLLING_INTERVAL)
    assert expired.value.status_code == 400
    assert expired.value.error is not None and expired.value.error.code == "1002"
    assert "expired" in str(expired.value)

    assert spec_problems(wire.exchanges) == []
