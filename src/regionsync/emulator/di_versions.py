"""Document Intelligence v3+/v4 as data: what each API version serves and how it writes it.

One table drives the one set of handlers in document_intelligence.py: the base path, which asset
kinds exist and which can be copied, the fields each version writes (expirationDateTime from
2023-07-31, modifiedDateTime only in 2024-11-30), whether a location carries `?api-version=`, the
`info` extras and the prebuilt models. Field names per asset kind (modelId / classifierId …) are
the second table.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    location_has_api_version: bool
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
            location_has_api_version=True,
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
            location_has_api_version=False,
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
            location_has_api_version=False,
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
