"""Keys and times of the emulator tests' worlds (imported by name: conftest modules are not importable
when several test folders run together)."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2024, 5, 1, 18, 46, 36, tzinfo=UTC)
SOURCE_KEY = "source-key-1"
TARGET_KEY = "target-key-1"
OTHER_KEY = "other-key-1"
CU_SOURCE_KEY = "cu-source-key-1"
CU_TARGET_KEY = "cu-target-key-1"
CU_OTHER_KEY = "cu-other-key-1"
CU_MODELS = {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}
LANG_SOURCE_KEY = "lang-source-key-1"
LANG_TARGET_KEY = "lang-target-key-1"
