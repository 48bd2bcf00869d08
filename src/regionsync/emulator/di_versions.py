"""Document Intelligence as data: what each API version serves, and how the live service answers.

`VERSIONS` drives the one set of v3+ handlers in document_intelligence.py: the base path, which
asset kinds exist and which can be copied, the fields each version's schema has (expirationDateTime
from 2023-07-31, modifiedDateTime only in 2024-11-30), the `info` extras and the prebuilt models.
Field names per asset kind (modelId / classifierId …) are the second table, `KINDS`.

`RECORDED_FACTS` is the third: what Azure's own recorded traffic shows about copies, for every
version including v2.1 (authorization lifetime, `?api-version=` on locations, what a copied model
keeps, operation id shape, v2.1 `copyResult` while running). Where it contradicts a spec example,
the recordings win, and the entry says so. The copy engine (copies.py) and both route modules read
it; nothing else spells these facts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from regionsync.emulator.prebuilt import PREBUILT_BY_VERSION
from regionsync.emulator.state import AssetKindName


@dataclass(frozen=True)
class ApiVersionSpec:
    """What one v3+/v4 API version serves."""

    api_version: str
    base: str
    kinds: frozenset[AssetKindName]
    copy_kinds: frozenset[AssetKindName]
    operation_kinds: frozenset[str]
    has_expiration: bool
    has_modified: bool
    neural_build_quota: bool
    prebuilt: tuple[str, ...]


@dataclass(frozen=True)
class AssetKindSpec:
    """How the wire names one asset kind."""

    kind: AssetKindName
    collection: str
    id_field: str
    target_id_field: str
    location_field: str
    operation_kind: str
    has_tags: bool


VERSIONS: dict[str, ApiVersionSpec] = {
    spec.api_version: spec
    for spec in (
        ApiVersionSpec(
            api_version="2022-08-31",
            base="formrecognizer",
            kinds=frozenset({"model"}),
            copy_kinds=frozenset({"model"}),
            operation_kinds=frozenset({"documentModelBuild", "documentModelCompose", "documentModelCopyTo"}),
            has_expiration=False,
            has_modified=False,
            neural_build_quota=False,
            prebuilt=PREBUILT_BY_VERSION["2022-08-31"],
        ),
        ApiVersionSpec(
            api_version="2023-07-31",
            base="formrecognizer",
            kinds=frozenset({"model", "classifier"}),
            copy_kinds=frozenset({"model"}),
            operation_kinds=frozenset(
                {
                    "documentModelBuild",
                    "documentModelCompose",
                    "documentModelCopyTo",
                    "documentClassifierBuild",
                }
            ),
            has_expiration=True,
            has_modified=False,
            neural_build_quota=True,
            prebuilt=PREBUILT_BY_VERSION["2023-07-31"],
        ),
        ApiVersionSpec(
            api_version="2024-11-30",
            base="documentintelligence",
            kinds=frozenset({"model", "classifier"}),
            copy_kinds=frozenset({"model", "classifier"}),
            operation_kinds=frozenset(
                {
                    "documentModelBuild",
                    "documentModelCompose",
                    "documentModelCopyTo",
                    "documentClassifierBuild",
                    "documentClassifierCopyTo",
                }
            ),
            has_expiration=True,
            has_modified=True,
            neural_build_quota=False,
            prebuilt=PREBUILT_BY_VERSION["2024-11-30"],
        ),
    )
}

VERSIONS_BY_BASE: dict[str, frozenset[str]] = {
    base: frozenset(v.api_version for v in VERSIONS.values() if v.base == base)
    for base in {v.base for v in VERSIONS.values()}
}

KINDS: dict[AssetKindName, AssetKindSpec] = {
    "model": AssetKindSpec(
        kind="model",
        collection="documentModels",
        id_field="modelId",
        target_id_field="targetModelId",
        location_field="targetModelLocation",
        operation_kind="documentModelCopyTo",
        has_tags=True,
    ),
    "classifier": AssetKindSpec(
        kind="classifier",
        collection="documentClassifiers",
        id_field="classifierId",
        target_id_field="targetClassifierId",
        location_field="targetClassifierLocation",
        operation_kind="documentClassifierCopyTo",
        has_tags=False,
    ),
}

KIND_BY_COLLECTION: dict[str, AssetKindSpec] = {spec.collection.lower(): spec for spec in KINDS.values()}


# --- what the service's recorded traffic shows ---------------------------------------------------

OperationIdStyle = Literal["guid", "countdown_guid"]
OPERATION_ID_EPOCH = datetime(3021, 1, 1, tzinfo=UTC)
"""v3+ operation ids start with the whole seconds from the operation's createdDateTime to this moment:
`31510595316_c29f…` was created 2022-06-21T00:51:24Z, and 1655772684 + 31510595316 = 33166368000 =
3021-01-01T00:00:00Z (the same holds for `31466125739_81e6…`, created 2023-11-17T17:31:01Z)."""


@dataclass(frozen=True)
class RecordedFacts:
    """How the live service answers copies in one API version, as its recorded traffic shows."""

    authorization_lifetime: timedelta
    """From the authorize call to the authorization's expirationDateTime(Ticks)."""
    location_has_api_version: bool
    """`targetModelLocation` / `targetClassifierLocation` (and so the operation's `resourceLocation`)
    end in `?api-version={version}`; v2.1 has the version in its path instead."""
    copy_keeps_source_times: bool
    """A copied model keeps the source's createdDateTime, modifiedDateTime / lastUpdatedDateTime and
    (derived from createdDateTime) expirationDateTime; it is not dated by the copy."""
    operation_id: OperationIdStyle
    """`guid`: a bare GUID (v2.1 copyResults); `countdown_guid`: `{seconds to OPERATION_ID_EPOCH}_{guid}`."""
    copy_result_names_target_while_running: bool
    """v2.1: `copyResult: {modelId}` is already present while the copy is notStarted / running."""


# Sources (Azure/azure-sdk-for-python, tests/recordings):
# V21  sdk/formrecognizer/azure-ai-formrecognizer/tests/recordings/
#      test_copy_model.test_copy_model_successful.yaml (v2.1-preview.3, 2021-03-19): copyAuthorization at
#      18:43:15 answers expirationDateTimeTicks 1616265795 = 2021-03-20T18:43:15Z (24 h, seconds since the
#      epoch; the seed's error table also says 24 hours); copyresults ids are bare GUIDs; the polls at
#      notStarted already carry copyResult.modelId; the copied model answers the source's createdDateTime
#      18:42:54Z and lastUpdatedDateTime 18:43:10Z.
# V3   sdk/formrecognizer/azure-ai-formrecognizer/tests/recordings/
#      test_dmac_copy_model.pyTestCopyModeltest_copy_model_successful.json (2022-06-30-preview, base
#      /formrecognizer): authorizeCopy at 00:51:23 answers expirationDateTime 01:51:24 (1 h);
#      targetModelLocation and resourceLocation end in ?api-version=; the copy's result keeps the source's
#      createdDateTime 00:51:20Z; operation id 31510595316_c29f56b3-….
# V4   sdk/documentintelligence/azure-ai-documentintelligence/tests/recordings/
#      test_dmac_copy_model.pyTestCopyModelAsynctest_copy_model_successful.json (2023-10-31-preview, base
#      /documentintelligence): authorizeCopy at 17:30:59 answers 18:30:59 (1 h); locations end in
#      ?api-version=; the copied model's result and GET keep the source's createdDateTime 17:30:54Z and
#      expirationDateTime 2025-11-16T17:30:54Z; operation id 31466125739_81e602d9-….
# The 2023-07-31 and 2024-11-30 spec examples write targetModelLocation / resourceLocation without
# ?api-version=; both recordings (one before, one after 2023-07-31, on either base path) carry it, so
# the recordings win for every v3+ version. No recording of a classifier copy or of a 2024-11-30
# modifiedDateTime was found: they follow the model copy (same engine, same operation shape).
_V3_RECORDED = RecordedFacts(
    authorization_lifetime=timedelta(hours=1),
    location_has_api_version=True,
    copy_keeps_source_times=True,
    operation_id="countdown_guid",
    copy_result_names_target_while_running=False,
)
RECORDED_FACTS: dict[str, RecordedFacts] = {
    "2.1": RecordedFacts(  # V21
        authorization_lifetime=timedelta(hours=24),
        location_has_api_version=False,
        copy_keeps_source_times=True,
        operation_id="guid",
        copy_result_names_target_while_running=True,
    ),
    "2022-08-31": _V3_RECORDED,  # V3 (2022-06-30-preview, the preview it stabilised)
    "2023-07-31": _V3_RECORDED,  # V3 and V4 bracket it; spec example differs on ?api-version= (see above)
    "2024-11-30": _V3_RECORDED,  # V4 (2023-10-31-preview, same /documentintelligence base)
}


def operation_id(api_version: str, created: datetime) -> str:
    """A new copy operation's id, shaped as the service shapes it in `api_version`."""
    guid = str(uuid.uuid4())
    if RECORDED_FACTS[api_version].operation_id == "guid":
        return guid
    return f"{int((OPERATION_ID_EPOCH - created.replace(microsecond=0)).total_seconds())}_{guid}"
