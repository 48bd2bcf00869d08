"""Every error the emulator answers with, worded and coded as Azure writes it.

A `Problem` is one failure, independent of API version: `code`/`message` are the specific
(inner) error, `outer_code`/`outer_message` the envelope v3+/v4 put around it, and `v21_code` the
numeric code v2.1 uses for the same failure when it answers synchronously. The renderers turn it
into the body of each API family:

* v3+/v4: ``{"error": {"code": outer, "message": ..., "innererror": {"code": code, "message": ...}}}``
* v2.1:   ``{"error": {"code": v21_code or code, "message": message}}``
* gateway-level problems (401, 404 of the gateway, 429, 5xx) have no inner error and read the same
  in every version.

Copy failures discovered while an operation runs are `Problem`s too: v3+ puts the same object in the
operation's `error`, v2.1 lists ``{"code": code, "message": message}`` in `copyResult.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNAUTHORIZED_MESSAGE = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key "
    "for an active subscription and use a correct regional API endpoint for your resource."
)


@dataclass(frozen=True)
class Problem:
    """One failure the emulator reports; see the module docstring for how it is rendered."""

    status: int
    code: str
    message: str
    outer_code: str | None = "InvalidRequest"
    outer_message: str = "Invalid request."
    v21_code: str | None = None
    retry_after: int | None = None

    def v3_error(self) -> dict[str, Any]:
        """The `error` object of a v3+/v4 body (also used in a failed operation)."""
        if self.outer_code is None:
            return {"code": self.code, "message": self.message}
        return {
            "code": self.outer_code,
            "message": self.outer_message,
            "innererror": {"code": self.code, "message": self.message},
        }

    def v21_error(self) -> dict[str, Any]:
        """The `error` object of a v2.1 body."""
        return {"code": self.v21_code or self.code, "message": self.message}

    def copy_result_error(self) -> dict[str, Any]:
        """One entry of a failed v2.1 copy's `copyResult.errors`."""
        return {"code": self.code, "message": self.message}


class ProblemError(Exception):
    """Raised by handlers and the copy engine; the app renders it for the API family at hand."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def gateway(status: int, code: str, message: str, *, retry_after: int | None = None) -> Problem:
    """A problem the API gateway answers with: the same flat body for every API version."""
    return Problem(status, code, message, outer_code=None, retry_after=retry_after)


# --- gateway ---------------------------------------------------------------------------------

UNAUTHORIZED = gateway(401, "401", UNAUTHORIZED_MESSAGE)
GATEWAY_NOT_FOUND = gateway(404, "404", "Resource not found")
MISSING_API_VERSION = gateway(
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
)
WRONG_HOST = gateway(
    421, "MisdirectedRequest", "The emulator only answers requests addressed to 127.0.0.1 or localhost."
)


def throttled(retry_after: int) -> Problem:
    return gateway(
        429, "429", f"Rate limit is exceeded. Try again in {retry_after} seconds.", retry_after=retry_after
    )


_SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: ("InternalServerError", "An unexpected error occurred."),
    502: ("BadGateway", "The service received an invalid response from an upstream server."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
    504: ("GatewayTimeout", "The service did not respond in time. Please try again later."),
}


def server_error(status: int) -> Problem:
    code, message = _SERVER_ERRORS.get(status, ("InternalServerError", "An unexpected error occurred."))
    return gateway(status, code, message)


# --- not found / conflict ----------------------------------------------------------------------


def not_found(kind: str) -> Problem:
    """v3+/v4 404 for an unknown model, classifier or operation."""
    inner = {
        "model": ("ModelNotFound", "The requested model was not found."),
        "classifier": ("ClassifierNotFound", "The requested classifier was not found."),
        "operation": ("OperationNotFound", "The requested operation was not found."),
    }[kind]
    return Problem(404, inner[0], inner[1], outer_code="NotFound", outer_message="Resource not found.")


def legacy_model_not_found(model_id: str) -> Problem:
    """v2.1 404 for an unknown model."""
    return Problem(404, "1022", f"Model with 'id={model_id}' not found.", outer_code=None)


def legacy_copy_result_not_found(result_id: str) -> Problem:
    """v2.1 404 for an unknown copy result."""
    return Problem(404, "1022", f"Copy result with 'id={result_id}' not found.", outer_code=None)


def already_exists(kind: str) -> Problem:
    inner = {
        "model": ("ModelExists", "A model with the provided name already exists."),
        "classifier": ("ClassifierExists", "A classifier with the provided name already exists."),
    }[kind]
    return Problem(409, inner[0], inner[1], outer_code="Conflict", outer_message="Resource already exists.")


# --- request validation ---------------------------------------------------------------------------


def invalid_parameter(name: str, detail: str) -> Problem:
    return Problem(400, "InvalidParameter", f"The parameter {name} is invalid: {detail}", v21_code="1001")


def invalid_body(detail: str) -> Problem:
    return Problem(400, "InvalidContent", f"The request body is invalid: {detail}", v21_code="1002")


def not_deletable(model_id: str) -> Problem:
    return Problem(400, "InvalidModelId", f"The prebuilt model '{model_id}' cannot be deleted or copied.")


# --- copy: refused at once (HTTP 400) ------------------------------------------------------------


INVALID_CLAIMS = Problem(
    400,
    "InvalidCopyAuthorization",
    "Authorization failure due to missing or invalid authorization claims.",
    v21_code="1002",
)
EXPIRED_AUTHORIZATION = Problem(
    400,
    "CopyAuthorizationExpired",
    "Authorization failure due to expired authorization claims: a copy authorization is valid for 24 hours.",
    v21_code="1002",
)


def invalid_region(region: str) -> Problem:
    return Problem(
        400,
        "InvalidTargetResourceRegion",
        f"Invalid or unsupported targetResourceRegion '{region}'.",
        v21_code="1002",
    )


def invalid_resource_id(resource_id: str) -> Problem:
    return Problem(
        400,
        "InvalidTargetResourceId",
        f"Invalid or malformed targetResourceId string '{resource_id}'.",
        v21_code="1002",
    )


def quota_exceeded(count: int, limit: int) -> Problem:
    return Problem(
        400,
        "ModelQuotaExceeded",
        f"The custom model limit of this resource has been reached ({count}/{limit}). "
        "Delete unused models or raise the limit.",
    )


# --- copy: failures discovered while the operation runs -------------------------------------------

REUSED_AUTHORIZATION = Problem(
    400,
    "AuthorizationMetadataNotFound",
    "Couldn't retrieve authorization metadata. "
    "If this issue persists use a different target model to copy into.",
)
DOWNGRADE_REFUSED = Problem(
    400,
    "DataProtectionTransformServiceError",
    "Data transfer request isn't allowed as it downgrades to a less secure data protection scheme. "
    "To copy an encrypted model to an unencrypted resource, send the header x-ms-forms-copy-degrade: true.",
)


def unknown_resource(resource_id: str, region: str) -> Problem:
    return Problem(
        400,
        "ResourceResolverError",
        f"Couldn't fetch information for Cognitive resource with ID '{resource_id}'. "
        f"Ensure the resource is valid and exists in the specified region '{region}'.",
    )


def copy_interrupted(percent: int) -> Problem:
    return Problem(
        500,
        "InternalServerError",
        f"The copy operation failed unexpectedly at {percent}%. Please try again with a new authorization.",
        outer_code="InternalServerError",
        outer_message="An unexpected error occurred.",
    )


def job_interrupted(what: str, percent: int) -> Problem:
    """An injected midway failure of an analyzer operation or a Language job."""
    return Problem(
        500,
        "InternalServerError",
        f"The {what} failed unexpectedly at {percent}%. Please try again.",
        outer_code="InternalServerError",
        outer_message="An unexpected error occurred.",
    )


# --- Content Understanding ------------------------------------------------------------------------
# Rendered {"error": {"code": outer, "message": message, "innererror": {"code": code}}}.


def analyzer_not_found(analyzer_id: str, where: str = "") -> Problem:
    suffix = f" on {where}" if where else ""
    return Problem(
        404, "AnalyzerNotFound", f"The analyzer '{analyzer_id}' was not found{suffix}.", outer_code="NotFound"
    )


CU_OPERATION_NOT_FOUND = Problem(
    404, "OperationNotFound", "The requested operation was not found.", outer_code="NotFound"
)


def analyzer_exists(analyzer_id: str) -> Problem:
    return Problem(
        409,
        "AnalyzerAlreadyExists",
        f"An analyzer with id '{analyzer_id}' already exists. Set allowReplace=true to replace it.",
        outer_code="Conflict",
    )


def analyzer_busy(analyzer_id: str) -> Problem:
    return Problem(
        409,
        "AnalyzerOperationInProgress",
        f"The analyzer '{analyzer_id}' is being created; wait for its operation to finish.",
        outer_code="Conflict",
    )


def prebuilt_analyzer(analyzer_id: str) -> Problem:
    return Problem(
        400,
        "PrebuiltAnalyzerNotModifiable",
        f"The prebuilt analyzer '{analyzer_id}' cannot be copied, replaced or deleted.",
    )


def copy_grant_missing(analyzer_id: str, source_resource_id: str) -> Problem:
    return Problem(
        400,
        "CopyAuthorizationNotFound",
        f"This resource has no copy authorization for the analyzer '{analyzer_id}' of "
        f"'{source_resource_id}'. "
        "Call :grantCopyAuthorization on the source analyzer with this resource's Azure resource id "
        "and region, then copy again.",
    )


def copy_grant_expired(analyzer_id: str) -> Problem:
    return Problem(
        400,
        "CopyAuthorizationExpired",
        f"The copy authorization for the analyzer '{analyzer_id}' has expired: a copy authorization is "
        "valid for 24 hours. Ask the source for a new one.",
    )


def source_not_found(resource_id: str, region: str) -> Problem:
    return Problem(
        400,
        "SourceResourceNotFound",
        f"No Content Understanding resource '{resource_id}' was found in region '{region}'. "
        "Check sourceAzureResourceId and sourceRegion.",
    )


def embedding_mismatch(deployment: str, source_model: str, target_model: str) -> Problem:
    return Problem(
        400,
        "EmbeddingModelMismatch",
        f"The target deployment '{deployment}' runs the embedding model '{target_model}', but the source "
        f"analyzer uses '{source_model}'. The embedding model of the target must match the source's.",
    )


def deployment_missing(models: list[str]) -> Problem:
    names = ", ".join(f"'{m}'" for m in models)
    return Problem(
        400,
        "ModelDeploymentNotFound",
        f"The target resource has no deployment of the model(s) {names} the analyzer uses. Deploy them and "
        "map them in defaults.modelDeployments (PATCH defaults), then copy again.",
    )


def completion_mismatch_warning(deployment: str, source_model: str, target_model: str) -> dict[str, str]:
    """The `warnings` entry of an analyzer copied onto a different completion model."""
    return {
        "code": "CompletionModelMismatch",
        "message": f"The target deployment '{deployment}' runs the completion model '{target_model}'; the "
        f"source analyzer uses '{source_model}'. Results may differ.",
    }


# --- Language authoring -----------------------------------------------------------------------------
# Rendered as v3_error(): {"error": {"code", "message", "innererror"?: {"code", "message"}}}.


def project_not_found(name: str) -> Problem:
    return Problem(404, "ProjectNotFound", f"The project '{name}' could not be found.", outer_code=None)


def language_not_found(what: str) -> Problem:
    return Problem(404, "NotFound", f"{what} could not be found.", outer_code=None)


def language_invalid(detail: str, inner: str = "InvalidParameterValue") -> Problem:
    return Problem(400, inner, detail, outer_code="InvalidRequest", outer_message="Invalid Request.")


def language_conflict(message: str) -> Problem:
    return Problem(409, "Conflict", message, outer_code=None)
