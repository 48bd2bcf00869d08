"""One catalogue of failures: every service error and transport failure becomes a RegionSyncError.

A RegionSyncError says *what happened*, *why* (the likely cause) and *what to do*, in words a tired
operator can act on; the raw service message, code and request id stay available as details.
Keys and authorization payloads never appear in any of it.

The catalogue is a table (`CATALOGUE`): each rule matches a service code, an inner code, a message
pattern and/or an HTTP status, and carries the explanation. `from_service_error` walks it (first
match wins); `from_response` reads an HTTP error answer (v2.1 `{"error":{"code","message"}}` and v3+
`{"error":{...,"innererror":{...}}}` alike) and hands it over. Transport failures have their own
constructors (`unreachable`, `timeout`, `bad_response`, `host_not_allowed`, `outcome_unknown`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from regionsync.domain import Service


class Remedy(StrEnum):
    """What the engine (or the operator) should do about a failure, beyond reading the text."""

    NONE = ""
    RETRY = "retry"
    """Transient: the same call later may succeed (429, 5xx, timeouts, unreachable region)."""
    REAUTHORIZE = "reauthorize"
    """Ask the target for a NEW copy authorization and start the copy again."""
    ALLOW_DEGRADE = "allow-degrade"
    """Only the user's explicit consent (`--allow-degrade`) lets the copy store the model unencrypted."""
    FREE_QUOTA = "free-quota"
    """The target is full: delete unused assets there or raise its limit."""
    FIX_CREDENTIALS = "fix-credentials"
    """The key (or token) is wrong or missing for that endpoint."""
    FIX_PROFILE = "fix-profile"
    """The profile names something that does not exist (resource id, region, endpoint, API version)."""
    LOOK_BEFORE_RETRY = "look-before-retry"
    """A request may or may not have been carried out: look at the service's operations first."""


@dataclass
class RegionSyncError(Exception):
    """A failure explained for the operator.

    `code` is the service's error code (or one of ours, e.g. `HostNotAllowed`, `Unreachable`,
    `OutcomeUnknown`, `BadResponse`); `status` the HTTP status when there was one; `retryable`
    whether trying the same call again later may succeed; `remedy` what the engine should do next
    (a `Remedy` value, "" when nothing automatic helps).
    """

    what: str
    why: str = ""
    todo: str = ""
    code: str = ""
    status: int | None = None
    raw_message: str = ""
    request_id: str | None = None
    retryable: bool = False
    details: dict[str, str] = field(default_factory=dict)
    remedy: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.what)

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        """What happened and what to do, on one line."""
        parts = [self.what.rstrip(".")]
        if self.todo:
            parts.append(self.todo.rstrip("."))
        return " — ".join(parts) + "."

    def explain(self) -> str:
        """Several lines: what, why, what to do, and the service's own words."""
        lines = [self.what]
        if self.why:
            lines.append(f"Why: {self.why}")
        if self.todo:
            lines.append(f"What to do: {self.todo}")
        if self.raw_message or (self.code and self.status is not None):
            raw = f"[{self.code}] " if self.code else ""
            lines.append(f"Service said: {raw}{self.raw_message}".rstrip())
        elif self.code:
            lines.append(f"Code: {self.code}")
        if self.request_id:
            lines.append(f"Request id: {self.request_id}")
        return "\n".join(lines)

    def redacted(self, secrets: list[str]) -> RegionSyncError:
        """The same error with every secret replaced by `***` in every text it carries."""
        from regionsync.credentials import redact

        if not any(secrets):
            return self
        clean = replace(
            self,
            what=redact(self.what, secrets),
            why=redact(self.why, secrets),
            todo=redact(self.todo, secrets),
            raw_message=redact(self.raw_message, secrets),
            details={k: redact(v, secrets) for k, v in self.details.items()},
        )
        clean.__traceback__ = self.__traceback__
        return clean


# --------------------------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Explanation:
    """The words for one kind of failure. Texts may use `{context}`, `{where}`, `{asset}`, `{status}`,
    `{fix_key}` and `{deploy_models}` (Content Understanding: deploy and map the models the service named)."""

    what: str
    why: str
    todo: str
    remedy: Remedy = Remedy.NONE

    @property
    def retryable(self) -> bool:
        return self.remedy is Remedy.RETRY


@dataclass(frozen=True)
class Rule:
    """Matches a failure by code / inner code, message pattern and/or HTTP status (all that are given)."""

    explanation: Explanation
    codes: frozenset[str] = frozenset()
    """Service codes or inner codes, compared case-insensitively."""
    message: re.Pattern[str] | None = None
    statuses: frozenset[int] = frozenset()

    def matches(self, codes: set[str], message: str, status: int | None) -> bool:
        if self.codes and not (self.codes & codes):
            return False
        if self.message is not None and not self.message.search(message):
            return False
        return not (self.statuses and status not in self.statuses)


def _rule(
    what: str,
    why: str,
    todo: str,
    *,
    remedy: Remedy = Remedy.NONE,
    codes: tuple[str, ...] = (),
    message: str | None = None,
    statuses: tuple[int, ...] = (),
) -> Rule:
    return Rule(
        explanation=Explanation(what=what, why=why, todo=todo, remedy=remedy),
        codes=frozenset(c.lower() for c in codes),
        message=re.compile(message, re.IGNORECASE) if message else None,
        statuses=frozenset(statuses),
    )


_NEW_AUTH = (
    "Ask for a NEW copy authorization (the target issues it; for analyzers, the source) and copy again — "
    "regionsync does this itself when it retries the copy; an authorization is never reused."
)

_DEGRADE = (
    "Enable the same encryption on the target, or — only if you accept storing it unencrypted there — "
    "copy again with --allow-degrade (sends `x-ms-forms-copy-degrade: true`)."
)
_CHECK_TARGET = (
    "Check the secondary's `resource_id` and `region` in the profile (`regionsync profile show`): "
    "the resource must exist, in exactly that region (e.g. westus2)."
)
_FREE_QUOTA = "Delete unused {asset}s on the target or raise its limit, then copy again."

CATALOGUE: tuple[Rule, ...] = (
    _rule(
        "{where} refused the key: key authentication is disabled on this resource",
        "The resource only accepts Microsoft Entra ID sign-in (disableLocalAuth), so no key opens it.",
        'Sign in with Entra ID instead: write `key = "entra"` for this side in the profile (`regionsync '
        "profile show` names the file) and give your identity the 'Cognitive Services User' role on the "
        "resource.",
        remedy=Remedy.FIX_CREDENTIALS,
        codes=("AuthenticationTypeDisabled",),
    ),
    # --- decided by the HTTP status alone: credentials, throttling, service faults ----------------------
    _rule(
        "{where} rejected the key (access denied)",
        "The subscription key is wrong, or the endpoint is not the resource the key belongs to (keys are "
        "per resource).",
        "Store the right key with `{fix_key}` (or set the environment variable the profile names), "
        "and check the endpoint with `regionsync profile show`.",
        remedy=Remedy.FIX_CREDENTIALS,
        statuses=(401,),
    ),
    _rule(
        "{where} refused access (forbidden)",
        "The identity has no permission on this resource, or a network rule (firewall, private endpoint) "
        "blocks this machine.",
        "With Entra ID, grant the identity the 'Cognitive Services User' role on the resource; otherwise "
        "check the resource's networking settings.",
        remedy=Remedy.FIX_CREDENTIALS,
        statuses=(403,),
    ),
    _rule(
        "{where} is throttling requests (429)",
        "Too many requests in a short time for the resource's pricing tier.",
        "Nothing: regionsync waits as the service asks and retries automatically.",
        remedy=Remedy.RETRY,
        statuses=(429,),
    ),
    _rule(
        "{where} could not finish in time (HTTP 408)",
        "The service gave up on a slow request.",
        "Nothing now: regionsync retries automatically.",
        remedy=Remedy.RETRY,
        statuses=(408,),
    ),
    _rule(
        "{where} had an internal error (HTTP {status})",
        "A transient fault in the service.",
        "Nothing now: regionsync retries automatically; if it persists, check the Azure status page for "
        "the region.",
        remedy=Remedy.RETRY,
        statuses=(500, 502, 503, 504),
    ),
    # --- copy authorization (the seeds' copy-error table) -------------------------------------------
    _rule(
        "The copy was refused: the authorization was modified or is invalid",
        "The copy request did not carry the exact authorization the target issued (changed, truncated, "
        "or issued for another target).",
        _NEW_AUTH,
        remedy=Remedy.REAUTHORIZE,
        message=r"missing or invalid authorization claims",
    ),
    _rule(
        "The copy was refused: the authorization was already used",
        "An authorization serves one copy only; after a copy succeeded or failed it cannot be used again "
        '(the service says "Couldn\'t retrieve authorization metadata").',
        _NEW_AUTH,
        remedy=Remedy.REAUTHORIZE,
        message=r"(couldn.t|could not) retrieve authorization metadata",
    ),
    _rule(
        "The copy was refused: the authorization has expired",
        "A copy authorization is valid for a limited time (24 hours) after the target issued it.",
        _NEW_AUTH,
        remedy=Remedy.REAUTHORIZE,
        message=r"expire",
        codes=(
            "1002",
            "InvalidRequest",
            "InvalidArgument",
            "AuthorizationExpired",
            "CopyAuthorizationExpired",
        ),
    ),
    _rule(
        "The copy was refused: the source is encrypted with a customer-managed key and the target is not",
        "Copying would store the model on the target under a less secure data protection scheme "
        "(DataProtectionTransformServiceError).",
        _DEGRADE,
        remedy=Remedy.ALLOW_DEGRADE,
        codes=("DataProtectionTransformServiceError",),
    ),
    _rule(
        "The copy was refused: the source is encrypted with a customer-managed key and the target is not",
        "Copying would store the model on the target under a less secure data protection scheme.",
        _DEGRADE,
        remedy=Remedy.ALLOW_DEGRADE,
        message=r"downgrades? to a less secure|less secure data protection",
    ),
    _rule(
        "The copy failed: the target resource could not be found",
        "The targetResourceId does not name a Cognitive Services resource that exists in the target region.",
        _CHECK_TARGET,
        remedy=Remedy.FIX_PROFILE,
        codes=("ResourceResolverError",),
    ),
    _rule(
        "The copy failed: the target resource could not be found",
        "The targetResourceId does not name a Cognitive Services resource that exists in the target region.",
        _CHECK_TARGET,
        remedy=Remedy.FIX_PROFILE,
        message=r"(couldn.t|could not) fetch information for cognitive resource",
    ),
    _rule(
        "The copy was refused: the target's region or resource id is invalid",
        "The copy request names a target region or Azure resource id the service does not accept.",
        _CHECK_TARGET,
        remedy=Remedy.FIX_PROFILE,
        codes=("InvalidTargetResourceRegion", "InvalidTargetResourceId"),
    ),
    _rule(
        "The copy was refused: the target's region or resource id is invalid",
        "The copy request names a target region or Azure resource id the service does not accept.",
        _CHECK_TARGET,
        remedy=Remedy.FIX_PROFILE,
        message=r"invalid or (unsupported|malformed) targetResource(Region|Id)",
    ),
    # --- Content Understanding analyzer copies --------------------------------------------------------
    _rule(
        "The copy was refused: the source has not granted this target a copy authorization",
        "An analyzer copy needs a grant from the source (`:grantCopyAuthorization`) naming this target's "
        "Azure resource id and region; there is none, or it names another target.",
        "regionsync asks the source for a new grant and copies again; if it persists, check both sides' "
        "`resource_id` and `region` in the profile (`regionsync profile show`).",
        remedy=Remedy.REAUTHORIZE,
        codes=("CopyAuthorizationNotFound",),
    ),
    _rule(
        "The copy failed: the source resource could not be found",
        "The copy request names a source resource id or region where no Content Understanding resource "
        "exists.",
        "Check the primary's `resource_id` and `region` in the profile (`regionsync profile show`).",
        remedy=Remedy.FIX_PROFILE,
        codes=("SourceResourceNotFound",),
    ),
    _rule(
        "The copy was refused: a deployment on {where} runs another embedding model than the analyzer's",
        "A copied analyzer links to the deployment of the same name as on the source, and its embedding "
        "model must be the very same model.",
        "{deploy_models}",
        codes=("EmbeddingModelMismatch",),
    ),
    _rule(
        "The copy failed: {where} has no deployment of a model the analyzer uses",
        "A copied analyzer needs a deployment of each model it uses (completion, embedding) on the target.",
        "{deploy_models}",
        codes=("ModelDeploymentNotFound",),
    ),
    # --- quota -----------------------------------------------------------------------------------------
    _rule(
        "{where} is at its custom {asset} limit",
        "A resource holds a limited number of custom {asset}s; the copy needs one free slot.",
        _FREE_QUOTA,
        remedy=Remedy.FREE_QUOTA,
        codes=("ModelQuotaExceeded", "QuotaExceeded", "CustomModelQuotaExceeded", "ClassifierQuotaExceeded"),
    ),
    _rule(
        "{where} is at its custom {asset} limit",
        "A resource holds a limited number of custom {asset}s; the copy needs one free slot.",
        _FREE_QUOTA,
        remedy=Remedy.FREE_QUOTA,
        message=r"model quota|custom (document )?model limit|maximum number of (custom )?models",
    ),
    # --- validation ------------------------------------------------------------------------------------
    _rule(
        "The copy request was rejected as invalid (1002)",
        "A validation error: the authorization was modified or has expired, or the target region or "
        "resource id is invalid.",
        "regionsync asks for a new authorization and copies again; if it persists, check the secondary's "
        "`resource_id` and `region` in the profile (`regionsync profile show`).",
        remedy=Remedy.REAUTHORIZE,
        codes=("1002",),
    ),
    _rule(
        "{where} does not support this API version",
        "The resource (or its region) does not offer the api-version the profile asks for.",
        "Set `api_version` in the profile to a version the resource supports (`regionsync profile add`).",
        remedy=Remedy.FIX_PROFILE,
        codes=("UnsupportedApiVersion", "InvalidApiVersion", "ApiVersionNotSupported"),
    ),
    # --- not found / exists ----------------------------------------------------------------------------
    _rule(
        "The {asset} was not found on {where}",
        "It does not exist there (it may have been deleted since the inventory was read).",
        "Refresh the status (`regionsync status`) and try again.",
        codes=(
            "ModelNotFound",
            "ClassifierNotFound",
            "AnalyzerNotFound",
            "ProjectNotFound",
            "1022",
            "NotFound",
        ),
    ),
    _rule(
        "{where} answered 404: the path or API version is unknown there",
        "The endpoint is not a resource of this service, or it does not offer this api-version.",
        "Check the endpoint and `api_version` in the profile (`regionsync profile show`).",
        remedy=Remedy.FIX_PROFILE,
        statuses=(404,),
    ),
    _rule(
        "The {asset} is busy on {where}: another operation on it has not finished",
        "An analyzer still being created, or a project with a training job already running, cannot start "
        "another one.",
        "Wait for that operation to finish (`regionsync jobs list`), then run sync again.",
        codes=("AnalyzerOperationInProgress",),
    ),
    _rule(
        "The {asset} is busy on {where}: another operation on it has not finished",
        "A project with a job already running cannot start another one of that kind.",
        "Wait for that job to finish (`regionsync jobs list`), then run sync again.",
        message=r"already running",
        statuses=(409,),
    ),
    _rule(
        "An {asset} with this id already exists on {where}",
        "The target already holds an {asset} of that id (from an earlier copy, or made by hand).",
        "Refresh the status: if it is in sync there is nothing to do; regionsync never overwrites an "
        "{asset} without your confirmation.",
        codes=("ModelExists", "ClassifierExists", "Conflict"),
    ),
    _rule(
        "An {asset} with this id already exists on {where}",
        "The target already holds an {asset} of that id.",
        "Refresh the status; regionsync never overwrites an {asset} without your confirmation.",
        statuses=(409,),
    ),
    # --- transient, told by the code (operation bodies carry no HTTP status) ---------------------------
    _rule(
        "{where} is throttling requests",
        "Too many requests in a short time for the resource's pricing tier.",
        "Nothing: regionsync waits as the service asks and retries automatically.",
        remedy=Remedy.RETRY,
        codes=("429", "TooManyRequests"),
    ),
    _rule(
        "{where} had an internal error",
        "A transient fault in the service.",
        "Try again; regionsync retries automatically when it can.",
        remedy=Remedy.RETRY,
        codes=("InternalServerError", "ServiceUnavailable", "Timeout", "InternalError", "500", "503"),
    ),
)

_FALLBACK = Explanation(
    what="{context} failed on {where} (HTTP {status})",
    why="The service refused the request.",
    todo="Read the service's message below; `regionsync probe` checks the profile's endpoints and keys.",
)
_FALLBACK_NO_STATUS = Explanation(
    what="{context} failed on {where}",
    why="The service reported a failure.",
    todo="Read the service's message below; `regionsync probe` checks the profile's endpoints and keys.",
)

_ASSET_NOUN: dict[str, str] = {
    "document-intelligence": "model",
    "content-understanding": "analyzer",
    "language": "project",
}


HINTS: ContextVar[Mapping[str, str]] = ContextVar("regionsync_hints", default=MappingProxyType({}))
"""What hints are filled with beyond the failure itself: the profile in use (`profile`). The CLI
sets it once the profile is chosen, the dashboard when it opens one; tasks inherit it."""


def set_hints(**values: str) -> None:
    """Name the profile (and anything else known) that hints should carry from now on."""
    HINTS.set({**HINTS.get(), **values})


def with_profile(error: RegionSyncError, profile: str) -> RegionSyncError:
    """`error` with the `<profile>` of configuration advice replaced by the profile's real name."""
    if "<profile>" not in error.what + error.todo:
        return error
    return replace(
        error, what=error.what.replace("<profile>", profile), todo=error.todo.replace("<profile>", profile)
    )


def _fix_key(profile: str, service: str, side: str) -> str:
    """The command that stores a side's key, with every value known filled in."""
    words = ["regionsync profile add", profile or "PROFILE"]
    if service:
        words.append(f"--service {service}")
    side_word = side.split(" ", 1)[0] if side else ""
    if side_word in ("primary", "secondary"):
        words.append(f"--side {side_word}")
    return " ".join(words)


def service_detail(error: RegionSyncError) -> dict[str, Any]:
    """What a journaled step keeps of a failure: the service's own code, status, message and request
    id beside our what / why / what to do (`jobs show`, its JSON and the details modal read it)."""
    said = {
        "code": error.code,
        "status": error.status,
        "message": error.raw_message,
        "request_id": error.request_id,
        "what": error.what,
        "why": error.why,
        "todo": error.todo,
    }
    return {"error": {k: v for k, v in said.items() if v not in (None, "")}}


class _Fill(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _where(side: str, endpoint: str) -> str:
    if side and endpoint:
        return f"the {side} ({endpoint})"
    if side:
        return f"the {side}"
    return endpoint or "the service"


_SOURCE_MODEL = re.compile(r"analyzer uses '([^']+)'")
_QUOTED = re.compile(r"'([^']+)'")


def _deploy_models(codes: set[str], raw_message: str, endpoint: str) -> str:
    """What to do when a Content Understanding target lacks a deployment of the analyzer's models (or
    runs another embedding model under the name): deploy each model the service's message names and
    map it in `defaults.modelDeployments`, with the real model names and the target's URL."""
    url = f"{endpoint.rstrip('/')}/contentunderstanding/defaults" if endpoint else "the target's defaults"
    if "embeddingmodelmismatch" in codes:
        found = _SOURCE_MODEL.search(raw_message)
        models = [found.group(1)] if found else []
    else:
        models = list(dict.fromkeys(_QUOTED.findall(raw_message)))
    if not models:
        return (
            "Deploy each model the analyzer uses on the target and map it in `defaults.modelDeployments` "
            f"(PATCH {url}: model name → deployment name), then copy again."
        )
    body = ", ".join(f'"{m}": "{m}"' for m in models)
    names = ", ".join(models)
    return (
        f"Deploy {names} on the target (e.g. under the same name) and map it in `defaults.modelDeployments`: "
        f'PATCH {url} with {{"modelDeployments": {{{body}}}}}, then copy again.'
    )


def _fill(text: str, values: Mapping[str, str]) -> str:
    out = text.format_map(_Fill(values))
    return out[:1].upper() + out[1:] if out else out


def _explained(
    explanation: Explanation,
    *,
    code: str,
    status: int | None,
    raw_message: str,
    request_id: str | None,
    service: Service | str | None,
    context: str,
    side: str,
    endpoint: str,
    details: dict[str, str] | None = None,
) -> RegionSyncError:
    values = {
        "context": context or "The request",
        "where": _where(side, endpoint),
        "asset": _ASSET_NOUN.get(str(service or ""), "asset"),
        "status": str(status) if status is not None else "",
        "fix_key": _fix_key(HINTS.get().get("profile", ""), str(service or ""), side),
        "deploy_models": _deploy_models(
            {code.lower(), str((details or {}).get("innercode") or "").lower()}, raw_message, endpoint
        ),
    }
    extra = dict(details or {})
    if context:
        extra.setdefault("context", context)
    if endpoint:
        extra.setdefault("endpoint", endpoint)
    if side:
        extra.setdefault("side", side)
    return RegionSyncError(
        what=_fill(explanation.what, values),
        why=_fill(explanation.why, values),
        todo=_fill(explanation.todo, values),
        code=code,
        status=status,
        raw_message=raw_message,
        request_id=request_id,
        retryable=explanation.retryable,
        remedy=str(explanation.remedy),
        details=extra,
    )


def explanation_for(
    code: str, message: str, innercode: str | None = None, status: int | None = None
) -> Explanation:
    """The catalogue's explanation for a failure (first matching rule, else a generic one)."""
    codes = {c.lower() for c in (code, innercode) if c}
    for rule in CATALOGUE:
        if rule.matches(codes, message or "", status):
            return rule.explanation
    return _FALLBACK if status is not None else _FALLBACK_NO_STATUS


def from_service_error(
    code: str,
    message: str,
    innercode: str | None = None,
    *,
    status: int | None = None,
    request_id: str | None = None,
    service: Service | str | None = None,
    context: str = "",
    side: str = "",
    endpoint: str = "",
) -> RegionSyncError:
    """Explain one service error: an HTTP error body's `error`, a v3+ operation's `error`, or a
    v2.1 `copyResult.errors[]` entry. `side` names the resource for the operator ("primary (eastus)")."""
    explanation = explanation_for(code, message, innercode, status)
    details = {"innercode": innercode} if innercode else None
    return _explained(
        explanation,
        code=code or (str(status) if status is not None else ""),
        status=status,
        raw_message=message or "",
        request_id=request_id,
        service=service,
        context=context,
        side=side,
        endpoint=endpoint,
        details=details,
    )


def deepest_inner_code(error: Mapping[str, Any]) -> str | None:
    """The most specific `innererror.code` of a v3+ error object (they nest)."""
    return read_error_object(error)[2]


def read_error_object(error: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(code, message, innercode) of one error object, v2.1 or v3+.

    v3+ wraps the specific failure in `innererror` (possibly nested) under a generic envelope
    ("InvalidRequest" / "Invalid request."); the message returned joins the envelope's words and the
    innermost specific ones, so both the catalogue and the operator see what actually went wrong.
    """
    code = str(error.get("code") or "")
    messages = [str(error.get("message") or "").strip()]
    inner_code: str | None = None
    inner = error.get("innererror")
    depth = 0
    while isinstance(inner, Mapping) and depth < 10:
        if isinstance(inner.get("code"), str):
            inner_code = inner["code"]
        if isinstance(inner.get("message"), str) and inner["message"].strip():
            messages.append(inner["message"].strip())
        inner = inner.get("innererror")
        depth += 1
    unique = [m for i, m in enumerate(messages) if m and m not in messages[:i]]
    return code, " ".join(unique), inner_code


def parse_error_body(text: str) -> tuple[str, str, str | None]:
    """(code, message, innercode) from an error body of any of the shapes; text itself if not JSON."""
    try:
        body = json.loads(text) if text else None
    except (ValueError, RecursionError):  # RecursionError: nested too deep to read
        body = None
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return read_error_object(error)
        errors = (
            (body.get("copyResult") or {}).get("errors")
            if isinstance(body.get("copyResult"), Mapping)
            else None
        )
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            return str(first.get("code") or ""), str(first.get("message") or ""), None
        if isinstance(body.get("message"), str):
            return str(body.get("code") or body.get("statusCode") or ""), body["message"], None
    return "", (text or "").strip()[:500], None


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The service's request id (`apim-request-id`, else `x-ms-request-id`)."""
    return headers.get("apim-request-id") or headers.get("x-ms-request-id")


def origin_of(url: httpx.URL | str) -> str:
    """`scheme://host:port` of a URL, the unit of trust for a key."""
    import httpx

    u = httpx.URL(str(url))
    port = u.port or {"http": 80, "https": 443}.get(u.scheme, 0)
    return f"{u.scheme}://{u.host}:{port}"


def from_response(
    response: httpx.Response,
    *,
    service: Service | str | None,
    context: str,
    side: str = "",
    endpoint: str = "",
) -> RegionSyncError:
    """Explain a non-2xx HTTP answer (both error body shapes; non-JSON bodies keep their text)."""
    try:
        text = response.text
    except Exception:  # undecodable body: keep what we can say without it
        text = ""
    code, message, inner = parse_error_body(text)
    if not endpoint:
        try:
            endpoint = origin_of(response.request.url)
        except RuntimeError:
            endpoint = ""
    return from_service_error(
        code,
        message,
        inner,
        status=response.status_code,
        request_id=request_id_of(response.headers),
        service=service,
        context=context,
        side=side,
        endpoint=endpoint,
    )


# ------------------------------------------------------------------------------------ Entra ID refusals

ENTRA_ROLE = "Cognitive Services User"
"""The role that opens a resource's data APIs to an Entra ID identity."""


def _resource_name(resource_id: str, endpoint: str) -> str:
    """The account name: the resource id's last segment, else the endpoint's first host label (or,
    for an endpoint with a path such as the emulator's, its first path segment)."""
    if resource_id.strip("/"):
        return resource_id.rstrip("/").rsplit("/", 1)[-1]
    import httpx

    url = httpx.URL(endpoint)
    first = url.path.strip("/").split("/", 1)[0]
    return first or (url.host.split(".", 1)[0] if url.host else "")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def role_assignment_command(
    *, object_id: str = "", resource_id: str = "", endpoint: str = "", role: str = ENTRA_ROLE
) -> str:
    """`az role assignment create …` with every value filled: the identity's object id (else the
    signed-in user's, looked up by az), the resource id (else looked up by the account's name)."""
    assignee = object_id or '"$(az ad signed-in-user show --query id -o tsv)"'
    scope = resource_id or (
        f'"$(az resource list --name {_resource_name(resource_id, endpoint)} '
        "--resource-type Microsoft.CognitiveServices/accounts --query '[0].id' -o tsv)\""
    )
    return f'az role assignment create --assignee {assignee} --role "{role}" --scope {scope}'


def entra_refused(
    error: RegionSyncError,
    *,
    identity: str = "",
    object_id: str = "",
    tenant_id: str = "",
    resource_id: str = "",
    endpoint: str = "",
) -> RegionSyncError:
    """The advice for a 401 or 403 to a side that signs in with Entra ID: who signed in, which
    resource refused, and the role assignment that lets it in (never "store the right key")."""
    if error.status not in (401, 403) or error.code == "AuthenticationTypeDisabled":
        return error
    where = _where(error.details.get("side", ""), endpoint or error.details.get("endpoint", ""))
    who = identity or object_id or "the signed-in identity"
    resource = resource_id or _resource_name(resource_id, endpoint) or "the resource"
    command = role_assignment_command(object_id=object_id, resource_id=resource_id, endpoint=endpoint)
    details = {**error.details, "auth": "entra"}
    if identity or object_id:
        details["identity"] = who
    if error.status == 403:
        return replace(
            error,
            what=_capital(f"{where} refused the Entra ID identity {who}: no role there lets it call the API"),
            why=f"The token is valid, but {who} has no '{ENTRA_ROLE}' role on {resource} (control-plane "
            "roles such as Contributor or Owner do not open the data APIs), or a network rule blocks "
            "this machine.",
            todo=f"Assign the role: `{command}` — it can take a few minutes to apply — then try again.",
            remedy=str(Remedy.FIX_CREDENTIALS),
            retryable=False,
            details=details,
        )
    login = f"az login --tenant {tenant_id}" if tenant_id else "az login"
    return replace(
        error,
        what=_capital(f"{where} did not accept the Entra ID token of {who}"),
        why="A freshly fetched token was refused too: it is for another tenant or audience than the "
        f"resource's, or {who} cannot be resolved there.",
        todo=f"Sign in to the resource's tenant (`{login}`) and make sure {who} has the '{ENTRA_ROLE}' "
        f"role on {resource}: `{command}`.",
        remedy=str(Remedy.FIX_CREDENTIALS),
        retryable=False,
        details=details,
    )


# ------------------------------------------------------------------------------------ transport failures


_UNREACHABLE_CAUSES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    # (words in the transport's message, the cause in a few words, what it suggests)
    (
        (
            "name resolution",
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo",
            "no address associated",
        ),
        "the host name does not resolve",
        "the endpoint in the profile may be misspelt, or DNS is unavailable",
    ),
    (
        ("refused", "connectionrefusederror"),
        "connection refused",
        "the region may be down; the other side is unaffected",
    ),
    (
        ("ssl", "certificate", "tls"),
        "the TLS handshake failed",
        "check the endpoint's scheme and certificate",
    ),
)


def _chain_text(exc: BaseException | str) -> str:
    """The words of an exception and of every exception behind it (httpx's "All connection attempts
    failed" hides the ConnectionRefusedError that says what happened)."""
    if isinstance(exc, str):
        return exc.lower()
    words: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        words.append(f"{type(current).__name__} {current}")
        current = current.__cause__ or current.__context__
    return " ".join(words).lower()


def unreachable_cause(exc: BaseException | str) -> tuple[str, str]:
    """(cause, hint) of a failed connection, from the transport's own words."""
    text = _chain_text(exc)
    for words, cause, hint in _UNREACHABLE_CAUSES:
        if any(word in text for word in words):
            return cause, hint
    return "no connection could be made", "the region may be down; the other side is unaffected"


def unreachable(
    endpoint: str, exc: BaseException | str, *, side: str = "", context: str = ""
) -> RegionSyncError:
    """The endpoint could not be reached at all (refused, DNS, TLS): nothing was sent."""
    reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}".rstrip(": ")
    cause, hint = unreachable_cause(exc)
    details = _transport_details(endpoint, side, context)
    details["cause"] = cause
    return RegionSyncError(
        what=_fill(f"{{where}} is unreachable: {cause} — {hint}", {"where": _where(side, endpoint)}),
        why="No connection could be made (connection refused, name not resolved, or TLS failed).",
        todo="Check the region's health on the Azure status page and the endpoint in the profile "
        "(`regionsync probe`); regionsync keeps serving what it knows of the other side.",
        code="Unreachable",
        raw_message=reason,
        retryable=True,
        remedy=str(Remedy.RETRY),
        details=details,
    )


def connection_lost(
    endpoint: str, exc: BaseException | str, *, side: str = "", context: str = ""
) -> RegionSyncError:
    """The connection broke after the request went out (reset, truncated answer) on a safe-to-repeat call."""
    reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}".rstrip(": ")
    return RegionSyncError(
        what=_fill("{where} dropped the connection before answering", {"where": _where(side, endpoint)}),
        why="The network or the service reset the connection mid-request.",
        todo="Try again later; regionsync retries automatically when it is safe to.",
        code="ConnectionLost",
        raw_message=reason,
        retryable=True,
        remedy=str(Remedy.RETRY),
        details=_transport_details(endpoint, side, context),
    )


def timeout(
    endpoint: str, exc: BaseException | str | None = None, *, side: str = "", context: str = ""
) -> RegionSyncError:
    """The service did not answer in time."""
    reason = "" if exc is None else exc if isinstance(exc, str) else type(exc).__name__
    return RegionSyncError(
        what=_fill("{where} did not answer in time", {"where": _where(side, endpoint)}),
        why="The region is slow or overloaded, or the network drops packets.",
        todo="Try again later; regionsync retries automatically when it is safe to.",
        code="Timeout",
        raw_message=reason,
        retryable=True,
        remedy=str(Remedy.RETRY),
        details=_transport_details(endpoint, side, context),
    )


def bad_response(
    endpoint: str,
    detail: str,
    *,
    status: int | None = None,
    request_id: str | None = None,
    side: str = "",
    context: str = "",
    what: str = "",
    why: str = "",
    todo: str = "",
    code: str = "BadResponse",
    retryable: bool = True,
) -> RegionSyncError:
    """An answer regionsync cannot read (not JSON, or not the shape the API promises).

    `what`/`why`/`todo` (which may use `{where}`) and `code` replace the generic words for an answer
    refused on purpose — too large, nested too deep, a listing that does not end (`retryable=False`:
    asking again would only read the same again)."""
    where = {"where": _where(side, endpoint)}
    return RegionSyncError(
        what=_fill(what or "{where} sent an answer regionsync cannot read", where),
        why=_fill(why, where)
        or "The body was not the JSON the API promises (a proxy page, a truncated answer, a service fault).",
        todo=_fill(todo, where)
        or "Try again; if it persists, check that the endpoint is the resource itself and not a proxy.",
        code=code,
        status=status,
        raw_message=detail[:300],
        request_id=request_id,
        retryable=retryable,
        remedy=str(Remedy.RETRY) if retryable else "",
        details=_transport_details(endpoint, side, context),
    )


def host_not_allowed(url: str, endpoint: str, *, side: str = "", context: str = "") -> RegionSyncError:
    """A link (Operation-Location, Location, nextLink) points off the configured endpoint: refused."""
    other = origin_of(url)
    trusted = origin_of(endpoint)
    return RegionSyncError(
        what=f"Refused to follow a link to {other}: the key is only ever sent to {trusted}",
        why="The service answered with a link (Operation-Location, Location or nextLink) to another host; "
        "following it would send the key there.",
        todo="Check the endpoint in the profile (`regionsync profile show`); if the service really answers "
        "from another host, configure that host as the endpoint.",
        code="HostNotAllowed",
        details={"url_origin": other, **_transport_details(trusted, side, context)},
    )


def outcome_unknown(
    method: str, url: str, cause: str, *, side: str = "", context: str = "", endpoint: str = ""
) -> RegionSyncError:
    """A non-idempotent request was sent but no usable answer came back: it may have been carried out."""
    import httpx

    path = httpx.URL(url).path
    return RegionSyncError(
        what=_fill(
            "{context} was sent to {where} but no answer came back; it may or may not have been carried out",
            {"context": context or f"{method} {path}", "where": _where(side, endpoint or origin_of(url))},
        ),
        why=f"The connection failed after the request was sent ({cause}).",
        todo="regionsync looks at the service's operations before acting again, so nothing is done twice.",
        code="OutcomeUnknown",
        raw_message=cause,
        retryable=False,
        remedy=str(Remedy.LOOK_BEFORE_RETRY),
        details={"method": method, "path": path, **_transport_details(endpoint, side, context)},
    )


def leaves_job_open(error: RegionSyncError) -> bool:
    """The one rule for interrupted vs failed: True when the service has not refused — the region
    could not be reached, the answer was lost or unreadable, it timed out, throttled or answered
    5xx — so the outcome is unknown or may change; the job stays open for `jobs resume`."""
    return error.retryable or error.remedy in (Remedy.RETRY, Remedy.LOOK_BEFORE_RETRY)


def down_words(error: RegionSyncError) -> str:
    """Why a side cannot be read now, in two words for a reason line: `unreachable` (no connection,
    or it dropped), `not answering` (timed out), `refusing access` (key or role), else `not readable`."""
    if error.code in ("Unreachable", "ConnectionLost"):
        return "unreachable"
    if error.code == "Timeout":
        return "not answering"
    if error.status in (401, 403) or error.remedy == Remedy.FIX_CREDENTIALS:
        return "refusing access"
    return "not readable"


def _transport_details(endpoint: str, side: str, context: str) -> dict[str, str]:
    out = {"endpoint": endpoint, "side": side, "context": context}
    return {k: v for k, v in out.items() if v}


def as_error(error: BaseException | None) -> RegionSyncError:
    """Any failure as a RegionSyncError (an unexpected one keeps only its type and first words)."""
    if isinstance(error, RegionSyncError):
        return error
    name = type(error).__name__ if error is not None else "Error"
    return RegionSyncError(
        what=f"Something unexpected went wrong ({name})",
        why=str(error)[:300] if error is not None else "",
        todo="Try again (r refreshes); if it keeps happening, run the same step with the CLI "
        "(`regionsync status`) to see more, and report it.",
        code=name,
    )
