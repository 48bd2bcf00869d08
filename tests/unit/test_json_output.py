"""`--json` output is written as it is encoded: the same bytes as `json.dumps`, with a listing's
assets (an iterator) written one by one instead of held as one string."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from regionsync.cli.options import emit_json

DOCUMENT = {
    "profile": "contoso-dr",
    "services": [
        {"service": "document-intelligence", "readiness": {"servable": 2, "total": None, "basis": "live"}},
        {"errors": {"primary": "unreachable — «eastus»"}, "empty": [], "nothing": {}},
    ],
    "exit_code": 1,
    "ratio": 0.5,
    "ok": True,
}


def test_a_document_reads_as_json_dumps_writes_it(capsys: pytest.CaptureFixture[str]) -> None:
    emit_json(DOCUMENT)
    assert capsys.readouterr().out == json.dumps(DOCUMENT, ensure_ascii=False) + "\n"


def test_an_iterator_is_written_item_by_item_as_a_list(capsys: pytest.CaptureFixture[str]) -> None:
    drawn: list[int] = []

    def assets() -> Iterator[dict[str, object]]:
        for n in range(3):
            drawn.append(n)
            yield {"name": f"model-{n}", "status": "in sync", "primary": {"id": f"model-{n}"}}

    emit_json({"services": [{"service": "document-intelligence", "assets": assets()}], "exit_code": 0})
    written = capsys.readouterr().out
    listed = [{"name": f"model-{n}", "status": "in sync", "primary": {"id": f"model-{n}"}} for n in range(3)]
    expected = {"services": [{"service": "document-intelligence", "assets": listed}], "exit_code": 0}
    assert written == json.dumps(expected, ensure_ascii=False) + "\n"
    assert drawn == [0, 1, 2]
