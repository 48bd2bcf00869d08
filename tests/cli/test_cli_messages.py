"""No template text reaches the user: every catalogue message filled as a failure fills it, and every
string the CLI (and the config/plan advice it prints) can show, have no `{field}`, `<profile>`,
`<side>`, `JOB_ID` or `NEW_ID` left in them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import regionsync
from regionsync.domain import Service
from regionsync.errors import CATALOGUE, _explained, from_service_error, set_hints

PLACEHOLDERS = ("<profile>", "<side>", "<service>", "<model>", "<deployment>", "JOB_ID", "NEW_ID", "!r}")
TEMPLATE_FIELD = re.compile(r"\{[a-z_]+(![rsa])?\}")
SRC = Path(regionsync.__file__).parent


def _clean(text: str) -> None:
    assert not TEMPLATE_FIELD.search(text), text
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text, text


@pytest.mark.parametrize("service", list(Service))
def test_every_catalogue_message_is_filled(service: Service) -> None:
    set_hints(profile="contoso")
    for rule in CATALOGUE:
        error = _explained(
            rule.explanation,
            code="SomeCode",
            status=400,
            raw_message="the service's words",
            request_id=None,
            service=service,
            context="Copying invoice",
            side="secondary (westus2)",
            endpoint="https://contoso-wus.cognitiveservices.azure.com",
        )
        for text in (error.what, error.why, error.todo, error.one_line(), error.explain()):
            _clean(text)
    assert "regionsync profile add contoso --service" in " ".join(
        _explained(
            rule.explanation,
            code="401",
            status=401,
            raw_message="",
            request_id=None,
            service=service,
            context="",
            side="primary (eastus)",
            endpoint="",
        ).todo
        for rule in CATALOGUE
        if 401 in rule.statuses
    )


def test_content_understanding_deployment_advice_names_the_real_models() -> None:
    """The emulator's words for the two deployment refusals (as Azure's): the todo names the models the
    service named and the target's real defaults URL, never `<model>` / `<deployment>`."""
    endpoint = "http://127.0.0.1:9/contoso-cu-swc"
    missing = from_service_error(
        "InvalidRequest",
        "The target resource has no deployment of the model(s) 'gpt-4.1-mini', 'text-embedding-3-large' the "
        "analyzer uses. Deploy them and map them in defaults.modelDeployments (PATCH defaults), then copy "
        "again.",
        "ModelDeploymentNotFound",
        status=400,
        service=Service.CONTENT_UNDERSTANDING,
        side="secondary (swedencentral)",
        endpoint=endpoint,
    )
    assert "no deployment of a model the analyzer uses" in missing.what
    assert (
        f'PATCH {endpoint}/contentunderstanding/defaults with {{"modelDeployments": '
        '{"gpt-4.1-mini": "gpt-4.1-mini", "text-embedding-3-large": "text-embedding-3-large"}}'
    ) in missing.todo
    mismatch = from_service_error(
        "InvalidRequest",
        "The target deployment 'emb' runs the embedding model 'text-embedding-3-small', but the source "
        "analyzer uses 'text-embedding-3-large'. The embedding model of the target must match the source's.",
        "EmbeddingModelMismatch",
        status=400,
        service=Service.CONTENT_UNDERSTANDING,
        side="secondary (swedencentral)",
        endpoint=endpoint,
    )
    assert "Deploy text-embedding-3-large on the target" in mismatch.todo
    assert '{"modelDeployments": {"text-embedding-3-large": "text-embedding-3-large"}}' in mismatch.todo
    for error in (missing, mismatch):
        _clean(error.todo)
        _clean(error.explain())


def _user_strings(path: Path) -> list[str]:
    """String literals of a module that are not docstrings (f-string parts included)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize(
    "module",
    [
        *sorted((SRC / "cli").glob("*.py")),
        SRC / "sync" / "plan.py",
        SRC / "config.py",
        SRC / "credentials.py",
    ],
    ids=lambda p: p.name,
)
def test_no_placeholder_in_what_the_cli_prints(module: Path) -> None:
    for text in _user_strings(module):
        for placeholder in ("JOB_ID", "NEW_ID", "<side>", "!r}"):
            assert placeholder not in text, (module.name, text)
        if module.name != "config.py":  # config's own advice is filled with the profile's name by callers
            assert "<profile>" not in text, (module.name, text)
