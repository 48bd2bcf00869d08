"""The prebuilt analyzers a Content Understanding resource lists before its own (2025-11-01).

Content extraction, base, retrieval (RAG) and domain analyzers, as the service groups them. Their ids
start with `prebuilt-`; the prefix is reserved: they cannot be created, replaced, copied or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime

from regionsync.emulator.cu_state import Analyzer

PREBUILT_PREFIX = "prebuilt-"
_RELEASED = datetime(2025, 11, 1, tzinfo=UTC)
_CHAT_AND_EMBEDDING = {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}
_CHAT = {"completion": "gpt-4.1"}

_PREBUILT: tuple[tuple[str, str, str | None, dict[str, str]], ...] = (
    ("prebuilt-read", "Extract text (words, paragraphs, formulas, barcodes) from documents.", None, {}),
    ("prebuilt-layout", "Extract text, tables, figures and document structure.", None, {}),
    ("prebuilt-document", "Base analyzer for documents.", None, {}),
    ("prebuilt-image", "Base analyzer for images.", None, {}),
    ("prebuilt-audio", "Base analyzer for audio.", None, {}),
    ("prebuilt-video", "Base analyzer for video.", None, {}),
    (
        "prebuilt-documentSearch",
        "Documents for retrieval-augmented generation.",
        "prebuilt-document",
        _CHAT_AND_EMBEDDING,
    ),
    (
        "prebuilt-imageSearch",
        "Images for retrieval-augmented generation.",
        "prebuilt-image",
        _CHAT_AND_EMBEDDING,
    ),
    (
        "prebuilt-audioSearch",
        "Audio for retrieval-augmented generation.",
        "prebuilt-audio",
        _CHAT_AND_EMBEDDING,
    ),
    (
        "prebuilt-videoSearch",
        "Video for retrieval-augmented generation.",
        "prebuilt-video",
        _CHAT_AND_EMBEDDING,
    ),
    ("prebuilt-invoice", "Extract fields from invoices.", "prebuilt-document", _CHAT),
    ("prebuilt-receipt", "Extract fields from receipts.", "prebuilt-document", _CHAT),
    ("prebuilt-idDocument", "Extract fields from passports and ID cards.", "prebuilt-document", _CHAT),
    ("prebuilt-contract", "Extract fields from contracts.", "prebuilt-document", _CHAT),
    ("prebuilt-callCenter", "Transcribe and summarize call center recordings.", "prebuilt-audio", _CHAT),
)

PREBUILT_ANALYZERS: dict[str, Analyzer] = {
    analyzer_id: Analyzer(
        analyzer_id=analyzer_id,
        description=description,
        tags={},
        base_analyzer_id=base,
        config={"returnDetails": True} if base else None,
        field_schema=None,
        models=dict(models),
        created=_RELEASED,
        modified=_RELEASED,
    )
    for analyzer_id, description, base, models in _PREBUILT
}


def is_prebuilt_analyzer(analyzer_id: str) -> bool:
    """True for ids in the reserved `prebuilt-` namespace (listed or not)."""
    return analyzer_id.lower().startswith(PREBUILT_PREFIX)
