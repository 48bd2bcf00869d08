"""Language authoring (custom text classification) as data: what 2022-05-01 and 2023-04-01 differ in.

One table drives the one set of handlers in language.py: how each version spells a project kind
(`customMultiLabelClassification` vs `CustomMultiLabelClassification`), the name of the exported
file's version field (`project-file-version` vs `projectFileVersion`) and which file versions an
import accepts (a 2023-04-01 import takes a 2022-05-01 file, as its spec example shows; not the other
way round), the training configuration versions, and whether a trained model says `hasSnapshot`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from regionsync.emulator.language_state import ModelType

STRING_INDEX_TYPE = "Utf16CodeUnit"


@dataclass(frozen=True)
class LanguageVersion:
    """What one Language authoring API version serves and how it spells it."""

    api_version: str
    project_kinds: Mapping[ModelType, str]
    file_version_field: str
    file_versions: frozenset[str]
    training_config_versions: tuple[str, ...]
    trained_model_has_snapshot: bool
    cancel_status: int = 202
    """What `train/jobs/{id}/:cancel` answers: 2022-05-01 204 (no body), 2023-04-01 202 with an
    Operation-Location (the training job's status), as each spec says."""

    def kind_name(self, model_type: ModelType) -> str:
        return self.project_kinds[model_type]

    def model_type_of(self, project_kind: object) -> ModelType | None:
        """The model type a project kind names (any spelling's case), None for other kinds."""
        if not isinstance(project_kind, str):
            return None
        for model_type, name in self.project_kinds.items():
            if name.lower() == project_kind.lower():
                return model_type
        return None

    @property
    def latest_training_config(self) -> str:
        return self.training_config_versions[-1]


VERSIONS: dict[str, LanguageVersion] = {
    spec.api_version: spec
    for spec in (
        LanguageVersion(
            api_version="2022-05-01",
            project_kinds={
                "singleClassification": "customSingleLabelClassification",
                "multiClassification": "customMultiLabelClassification",
            },
            file_version_field="project-file-version",
            file_versions=frozenset({"2022-05-01"}),
            training_config_versions=("2022-05-01",),
            trained_model_has_snapshot=False,
            cancel_status=204,
        ),
        LanguageVersion(
            api_version="2023-04-01",
            project_kinds={
                "singleClassification": "CustomSingleLabelClassification",
                "multiClassification": "CustomMultiLabelClassification",
            },
            file_version_field="projectFileVersion",
            file_versions=frozenset({"2022-05-01", "2023-04-01"}),
            training_config_versions=("2022-05-01",),
            trained_model_has_snapshot=True,
        ),
    )
}
