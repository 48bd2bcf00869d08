"""Checking what the emulator answered against the wire contract: the OpenAPI (swagger 2.0) specs in
`specs/` beside this file (copies of the files used, from Azure/azure-rest-api-specs under MIT; see
specs/README.md). Nothing outside the repository is read.

The SDK transports record every exchange; `spec_problems(exchanges)` finds, for each, the operation of
the right spec (by path prefix and `api-version`) and the response declared for its status (`default`
for errors), checks the links that response declares (Operation-Location, Location) and walks the body
against the response schema: required properties, types, enums, date-times written as the service
writes them, polymorphic types by their discriminator, and properties the spec does not know (a
misspelt field reads as absent to a client).

Deviations the specs' README documents (the live service differs from a spec's slip) are listed in
`KNOWN_DEVIATIONS` with the answer the service really gives; everything else is reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SPECS = Path(__file__).resolve().parent / "specs"
"""The specs inside the repository (`tests/conformance/specs/`), so that a clone in any folder checks them."""

SPEC_FILES: dict[tuple[str, str | None], str] = {
    ("formrecognizer/v2.1", None): "document-intelligence/v2.1.json",
    ("formrecognizer", "2022-08-31"): "document-intelligence/2022-08-31.json",
    ("formrecognizer", "2023-07-31"): "document-intelligence/2023-07-31.json",
    ("documentintelligence", "2024-11-30"): "document-intelligence/2024-11-30.json",
    ("contentunderstanding", "2025-11-01"): "content-understanding/2025-11-01.json",
}
"""(base path after the resource name, api-version or None) → spec file."""

KNOWN_DEVIATIONS: dict[tuple[str, str, str], tuple[frozenset[int], str]] = {
    ("content-understanding/2025-11-01.json", "POST", "/analyzers/{analyzerId}:copy"): (
        frozenset({200, 201}),
        "#/definitions/ContentAnalyzer",
    ),
}
"""(spec, method, path) → the statuses the live service answers instead, and their body schema
(specs/README.md, "Where the live service differs from a spec")."""

LINK_HEADERS = frozenset({"operation-location", "location"})
"""Declared headers a client cannot do without (it follows them); the others a spec declares are optional
(`Retry-After`, `x-ms-client-request-id`, `x-ms-error-code`: TypeSpec's `header?`)."""

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass(frozen=True)
class Exchange:
    """One request an SDK sent and what the emulator answered."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    def describe(self) -> str:
        return f"{self.method} {urlsplit(self.url).path} → {self.status}"


@cache
def load_spec(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.is_file():
        raise FileNotFoundError(f"no spec at {path}: see specs/README.md for its source")
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


@dataclass(frozen=True)
class Operation:
    """One operation of a spec: its path template, its query constraint and its responses."""

    spec: str
    method: str
    template: str
    pattern: re.Pattern[str]
    query: dict[str, str]
    responses: dict[str, Any]


def _operations(spec_name: str) -> list[Operation]:
    spec = load_spec(spec_name)
    found = []
    for table in ("paths", "x-ms-paths"):
        for raw_path, item in spec.get(table, {}).items():
            template, _, query_text = raw_path.partition("?")
            query = {k: v[0] for k, v in parse_qs(query_text).items()}
            query.pop("_overload", None)
            regex = "".join(
                "[^/:]+" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}]+\})", template)
            )
            for method, operation in item.items():
                if method == "parameters":
                    continue
                found.append(
                    Operation(
                        spec_name,
                        method.upper(),
                        template,
                        re.compile(f"^{regex}$", re.IGNORECASE),
                        query,
                        operation.get("responses", {}),
                    )
                )
    return found


def _spec_of(url: str) -> tuple[str, str] | None:
    """(spec file, path after the base) of a URL `http://host/{resource}/{base}/...`."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    api_version = query.get("api-version", [None])[0]
    _, _, rest = parts.path.lstrip("/").partition("/")
    for (base, version), spec in sorted(SPEC_FILES.items(), key=lambda item: -len(item[0][0])):
        if rest.lower().startswith(base + "/") and (version is None or version == api_version):
            return spec, rest[len(base) :]
    return None


def spec_problems(exchanges: list[Exchange]) -> list[str]:
    """Everything the recorded answers get wrong against the specs (an empty list when they conform)."""
    if not exchanges:
        return ["no exchange was recorded"]
    problems: list[str] = []
    for exchange in exchanges:
        problems.extend(f"{exchange.describe()}: {p}" for p in exchange_problems(exchange))
    return problems


def exchange_problems(exchange: Exchange) -> list[str]:
    located = _spec_of(exchange.url)
    if located is None:
        return ["no spec serves this path and api-version"]
    spec_name, path = located
    query = {k: v[0] for k, v in parse_qs(urlsplit(exchange.url).query).items()}
    candidates = [
        op
        for op in _operations(spec_name)
        if op.method == exchange.method
        and op.pattern.match(path)
        and all(query.get(k) == v for k, v in op.query.items())
    ]
    if not candidates:
        return [f"{spec_name} has no operation {exchange.method} {path}"]
    attempts = [_answer_problems(op, exchange) for op in candidates]
    return min(attempts, key=len)


def _answer_problems(op: Operation, exchange: Exchange) -> list[str]:
    definitions = load_spec(op.spec).get("definitions", {})
    status = str(exchange.status)
    deviation = KNOWN_DEVIATIONS.get((op.spec, op.method, op.template))
    if deviation is not None and exchange.status in deviation[0]:
        declared: dict[str, Any] = {
            "schema": {"$ref": deviation[1]},
            "headers": op.responses.get("202", {}).get("headers", {}),
        }
    elif status in op.responses:
        declared = op.responses[status]
    elif exchange.status >= 400 and "default" in op.responses:
        declared = op.responses["default"]
    else:
        return [f"status {status} is not among the spec's {sorted(op.responses)}"]
    problems = [
        f"header {name} missing"
        for name in declared.get("headers", {})
        if name.lower() in LINK_HEADERS and name.lower() not in exchange.headers
    ]
    schema = declared.get("schema")
    if schema is None or schema.get("type") == "file":
        if exchange.body.strip():
            problems.append("a body where the spec declares none")
        return problems
    try:
        body = json.loads(exchange.body)
    except ValueError:
        return [*problems, "the body is not JSON"]
    problems.extend(SchemaWalk(definitions).check(schema, body, "$"))
    return problems


class SchemaWalk:
    """Validates a JSON value against a swagger 2.0 schema of one spec."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.definitions[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def _merged(self, schema: dict[str, Any]) -> tuple[dict[str, Any], set[str], dict[str, Any]]:
        """Properties, required names and the flattened schema, through allOf."""
        schema = self.resolve(schema)
        properties: dict[str, Any] = {}
        required: set[str] = set()
        flat: dict[str, Any] = {}
        for part in schema.get("allOf", []):
            p, r, f = self._merged(part)
            properties.update(p)
            required |= r
            flat.update(f)
        flat.update({k: v for k, v in schema.items() if k != "allOf"})
        properties.update(schema.get("properties", {}))
        required |= set(schema.get("required", []))
        return properties, required, flat

    def _subtype(self, base_name: str, value: str) -> dict[str, Any] | None:
        for name, definition in self.definitions.items():
            parents = [p.get("$ref", "").rsplit("/", 1)[-1] for p in definition.get("allOf", [])]
            if definition.get("x-ms-discriminator-value") == value and base_name in parents:
                return {"$ref": f"#/definitions/{name}"}
        return None

    def _discriminated(self, schema: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref", "")
        _, _, flat = self._merged(schema)
        field = flat.get("discriminator")
        if not ref or not field or not isinstance(value.get(field), str):
            return schema
        name = ref.rsplit("/", 1)[-1]
        if flat.get("x-ms-discriminator-value") == value[field]:
            return schema
        base = next(
            (
                p["$ref"].rsplit("/", 1)[-1]
                for p in self.resolve(schema).get("allOf", [])
                if "$ref" in p and self._merged(p)[2].get("discriminator") == field
            ),
            name,
        )
        return self._subtype(base, value[field]) or schema

    def check(self, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        if value is None:
            return [] if self.resolve(schema).get("x-nullable") else [f"{where} is null"]
        if isinstance(value, dict):
            schema = self._discriminated(schema, value)
        properties, required, flat = self._merged(schema)
        kind = flat.get("type") or ("object" if properties or "additionalProperties" in flat else None)
        if kind == "object":
            return self._object(properties, required, flat, value, where)
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where} should be an array"]
            items = flat.get("items", {})
            return [p for i, item in enumerate(value) for p in self.check(items, item, f"{where}[{i}]")]
        return self._scalar(kind, flat, value, where)

    def _object(
        self, properties: dict[str, Any], required: set[str], flat: dict[str, Any], value: Any, where: str
    ) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where} should be an object"]
        problems = [f"{where}.{name} is required" for name in sorted(required - set(value))]
        extra = flat.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                problems.extend(self.check(properties[name], item, f"{where}.{name}"))
            elif isinstance(extra, dict):
                problems.extend(self.check(extra, item, f"{where}.{name}"))
            elif properties and extra is not True:
                problems.append(f"{where}.{name} is not in the spec")
        return problems

    def _scalar(self, kind: str | None, flat: dict[str, Any], value: Any, where: str) -> list[str]:
        expected = {
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
        }
        if kind in expected and not expected[kind](value):
            return [f"{where} should be a {kind}, not {type(value).__name__}"]
        if "enum" in flat and value not in flat["enum"]:
            return [f"{where} = {value!r} is not one of {flat['enum']}"]
        if kind == "string" and flat.get("format") == "date-time":
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return [f"{where} = {value!r} is not a date-time"]
            if not TIMESTAMP.match(value):
                return [f"{where} = {value!r} is not written as UTC with a Z"]
        return []
