"""The error catalogue: service codes and messages (the seeds' copy-error table) → what / why / todo."""

from __future__ import annotations

import json

import httpx
import pytest

from regionsync.domain import Service
from regionsync.errors import (
    CATALOGUE,
    RegionSyncError,
    Remedy,
    from_response,
    from_service_error,
    host_not_allowed,
    outcome_unknown,
    parse_error_body,
    unreachable,
)


def test_every_rule_has_what_why_and_todo() -> None:
    for rule in CATALOGUE:
        e = rule.explanation
        assert e.what and e.why and e.todo, e
        assert rule.codes or rule.message or rule.statuses, e


@pytest.mark.parametrize(
    ("code", "message", "inner", "status", "remedy", "words"),
    [
        ("1002", "Invalid request.", None, 400, Remedy.REAUTHORIZE, "invalid"),
        (
            "1002",
            "Authorization failure due to missing or invalid authorization claims.",
            None,
            400,
            Remedy.REAUTHORIZE,
            "modified",
        ),
        (
            "InvalidRequest",
            "Authorization failure due to missing or invalid authorization claims.",
            "InvalidAuthorization",
            400,
            Remedy.REAUTHORIZE,
            "modified",
        ),
        (
            "InvalidRequest",
            "The copy authorization has expired.",
            "AuthorizationExpired",
            400,
            Remedy.REAUTHORIZE,
            "expired",
        ),
        (
            "Failed",
            "Couldn't retrieve authorization metadata.",
            None,
            None,
            Remedy.REAUTHORIZE,
            "already used",
        ),
        (
            "DataProtectionTransformServiceError",
            "Data transfer request isn't allowed as it downgrades to a less secure data protection scheme.",
            None,
            None,
            Remedy.ALLOW_DEGRADE,
            "encrypted",
        ),
        (
            "ResourceResolverError",
            "Couldn't fetch information for Cognitive resource with ID /subscriptions/x.",
            None,
            None,
            Remedy.FIX_PROFILE,
            "target resource",
        ),
        ("InvalidRequest", "Quota exceeded.", "ModelQuotaExceeded", 400, Remedy.FREE_QUOTA, "limit"),
        (
            "401",
            "Access denied due to invalid subscription key or wrong API endpoint.",
            None,
            401,
            Remedy.FIX_CREDENTIALS,
            "rejected the key",
        ),
        ("NotFound", "Resource not found.", "ModelNotFound", 404, Remedy.NONE, "not found"),
        ("1022", "Model with 'id=abc' not found.", None, 404, Remedy.NONE, "not found"),
        ("Conflict", "Model exists.", "ModelExists", 409, Remedy.NONE, "already exists"),
        ("429", "Rate limit is exceeded. Try again in 2 seconds.", None, 429, Remedy.RETRY, "throttling"),
        ("InternalServerError", "boom", None, 503, Remedy.RETRY, "internal error"),
    ],
)
def test_catalogue_explains_service_errors(
    code: str, message: str, inner: str | None, status: int | None, remedy: Remedy, words: str
) -> None:
    error = from_service_error(
        code,
        message,
        inner,
        status=status,
        service=Service.DOCUMENT_INTELLIGENCE,
        context="Copying invoice",
        side="secondary westus2",
        endpoint="https://contoso-wus.example",
    )
    assert words in error.what.lower() or words in error.why.lower()
    assert error.remedy == remedy.value
    assert error.retryable is (remedy is Remedy.RETRY)
    assert error.todo
    assert error.raw_message == message
    assert error.code == code


def test_degrade_needs_explicit_consent() -> None:
    error = from_service_error("DataProtectionTransformServiceError", "denied")
    assert "--allow-degrade" in error.todo
    assert "x-ms-forms-copy-degrade: true" in error.todo


def test_reauthorization_is_done_by_regionsync() -> None:
    error = from_service_error("Failed", "Couldn't retrieve authorization metadata")
    assert "NEW" in error.todo and "regionsync" in error.todo


def test_unknown_target_points_at_the_profile() -> None:
    error = from_service_error(
        "ResourceResolverError", "Couldn't fetch information for Cognitive resource with ID x"
    )
    assert "resource_id" in error.todo and "region" in error.todo


def test_wrong_key_names_the_side_and_the_fix() -> None:
    error = from_service_error(
        "401", "Access denied", status=401, side="primary eastus", endpoint="https://contoso-eus.example"
    )
    assert "primary eastus" in error.what and "https://contoso-eus.example" in error.what
    assert "regionsync profile add" in error.todo and "environment variable" in error.todo


def test_quota_wording_follows_the_service() -> None:
    di = from_service_error("x", "y", "ModelQuotaExceeded", service=Service.DOCUMENT_INTELLIGENCE)
    assert "delete unused models" in di.todo.lower()


def test_unknown_code_falls_back_with_the_service_words() -> None:
    error = from_service_error("Weird", "Something odd", status=418, context="Listing models")
    assert error.what.startswith("Listing models failed")
    assert "418" in error.what
    assert error.explain().endswith("[Weird] Something odd")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"error": {"code": "1022", "message": "Model with 'id=x' not found."}},
            ("1022", "Model with 'id=x' not found.", None),
        ),
        (
            {
                "error": {
                    "code": "NotFound",
                    "message": "Resource not found.",
                    "innererror": {"code": "ModelNotFound", "message": "m", "innererror": {"code": "Deeper"}},
                }
            },
            ("NotFound", "Resource not found. m", "Deeper"),
        ),
        (
            {
                "status": "failed",
                "copyResult": {"modelId": "g", "errors": [{"code": "ResourceResolverError", "message": "m"}]},
            },
            ("ResourceResolverError", "m", None),
        ),
    ],
)
def test_parse_error_body_reads_every_shape(
    body: dict[str, object], expected: tuple[str, str, str | None]
) -> None:
    assert parse_error_body(json.dumps(body)) == expected


def test_parse_error_body_keeps_non_json_text() -> None:
    assert parse_error_body("<html>Bad gateway</html>") == ("", "<html>Bad gateway</html>", None)


def test_from_response_reads_request_id_and_status() -> None:
    request = httpx.Request("GET", "https://res.example:8443/formrecognizer/documentModels/x")
    response = httpx.Response(
        404,
        json={
            "error": {
                "code": "NotFound",
                "message": "Resource not found.",
                "innererror": {"code": "ModelNotFound"},
            }
        },
        headers={"apim-request-id": "req-1"},
        request=request,
    )
    error = from_response(response, service=Service.DOCUMENT_INTELLIGENCE, context="Reading model x")
    assert error.status == 404
    assert error.request_id == "req-1"
    assert error.details["innercode"] == "ModelNotFound"
    assert "https://res.example:8443" in error.what
    assert "model" in error.what


def test_transport_errors_say_what_and_what_to_do() -> None:
    down = unreachable("http://127.0.0.1:9", ConnectionRefusedError("refused"), side="secondary westus2")
    assert "connection refused" in down.what and "the other side is unaffected" in down.what
    assert down.retryable and down.code == "Unreachable"
    pinned = host_not_allowed("http://evil.example:81/x?y=1", "http://127.0.0.1:8000/res")
    assert pinned.code == "HostNotAllowed" and "http://evil.example:81" in pinned.what
    assert "y=1" not in pinned.explain()
    unknown = outcome_unknown("POST", "http://127.0.0.1:8000/res/x:copyTo", "ReadTimeout")
    assert unknown.code == "OutcomeUnknown" and not unknown.retryable
    assert unknown.remedy == Remedy.LOOK_BEFORE_RETRY.value


def test_redacted_removes_secrets_from_every_text() -> None:
    secret = "0123456789abcdef0123456789abcdef"
    error = RegionSyncError(
        what=f"what {secret}",
        why=f"why {secret}",
        todo=f"todo {secret}",
        raw_message=f"raw {secret}",
        details={"x": secret},
    )
    clean = error.redacted([secret])
    text = clean.explain() + str(clean) + repr(clean) + str(clean.details)
    assert secret not in text
    assert "***" in clean.what


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("[Errno -3] Temporary failure in name resolution", "the host name does not resolve"),
        ("[Errno 111] Connection refused", "connection refused"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "the TLS handshake failed"),
        ("All connection attempts failed", "no connection could be made"),
    ],
)
def test_an_unreachable_endpoint_says_why_it_could_not_connect(message: str, cause: str) -> None:
    from regionsync.errors import unreachable

    error = unreachable("https://x.cognitiveservices.azure.com", message, side="secondary westus2")
    assert f"is unreachable: {cause}" in error.what
    assert error.details["cause"] == cause and error.code == "Unreachable"
