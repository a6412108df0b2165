"""The OpenAPI document describes every answer of the API, and is a valid OpenAPI document.

The mobile app and other systems are written against it: every 2xx JSON answer under /api/ has a schema, and
no part of it is a bare object of anything. A member whose content really is open (an event's kind-specific
data, a signed body passed through byte for byte) must at least say what it holds in a description; the
answer itself may never be open.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from openapi_spec_validator import validate
from test_hub_support import make_client, sqlite_url

JSON_TYPES = ("application/json", "application/ld+json")


@pytest.fixture(scope="module")
def hub_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("openapi")
    with make_client(tmp, sqlite_url(tmp)) as client:
        yield client.app


@pytest.fixture(scope="module")
def document(hub_app: Any) -> dict[str, Any]:
    return hub_app.openapi()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    ref = schema.get("$ref")
    if ref is None:
        return schema, None
    assert ref.startswith("#/components/schemas/"), ref
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]], ref


def _free_form(schema: dict[str, Any]) -> bool:
    """An object (or anything) with no members named and no schema for its values."""
    if any(k in schema for k in ("$ref", "anyOf", "oneOf", "allOf", "enum", "const", "items", "properties")):
        return False
    kind = schema.get("type")
    if kind is None:
        return True  # Any
    if kind != "object":
        return False
    extra = schema.get("additionalProperties", True)
    return extra is True or extra == {}


def untyped(
    doc: dict[str, Any],
    schema: dict[str, Any],
    where: str,
    seen: set[str],
    top: bool,
    described: bool = False,
) -> list[str]:
    """Where in `schema` an answer is an untyped object: at the top always, inside unless described (a
    description beside an anyOf, as `X | None` gives, counts for its members)."""
    described = described or bool(schema.get("description"))
    schema, ref = _resolve(doc, schema)
    if ref is not None:
        if ref in seen:
            return []
        seen = seen | {ref}
        where = f"{where} ({ref.rsplit('/', 1)[1]})"
    if _free_form(schema):
        return [where] if top or not (described or schema.get("description")) else []
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, member in enumerate(schema.get(key, [])):
            found += untyped(doc, member, f"{where}|{key}[{i}]", seen, top, described)
    if isinstance(schema.get("items"), dict):
        found += untyped(doc, schema["items"], f"{where}[]", seen, top)
    for name, member in schema.get("properties", {}).items():
        found += untyped(doc, member, f"{where}.{name}", seen, False)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        found += untyped(doc, extra, f"{where}{{}}", seen, False)
    return found


def answers(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation, status, response) of every 2xx answer of every /api/ operation."""
    return [
        (f"{method.upper()} {path}", status, response)
        for path, item in doc["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
    ]


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_the_walk_sees_every_api_route(hub_app, document):
    served = {
        f"{method} {r.path}"
        for r in iter_route_contexts(hub_app.routes)
        if r.path.startswith("/api/")
        for method in (r.methods or ())
        if method != "HEAD"
    }
    seen = {operation for operation, _, _ in answers(document)}
    assert "POST /api/v1/batches" in served
    assert sorted(served - seen) == [], "API routes with no 2xx answer in the OpenAPI document"


def test_every_api_answer_has_a_typed_schema(document):
    problems = []
    for operation, status, response in answers(document):
        if status == "204":
            assert not response.get("content"), f"{operation} {status} says it has no content, yet has"
            continue
        content = response.get("content") or {}
        if not content:
            problems.append(f"{operation} {status}: no content described")
            continue
        for media_type, body in content.items():
            if media_type not in JSON_TYPES:
                continue  # an image: bytes, no JSON schema to give
            if "schema" not in body:
                problems.append(f"{operation} {status} {media_type}: no schema")
                continue
            for where in untyped(document, body["schema"], "answer", set(), top=True):
                problems.append(f"{operation} {status}: {where} is an untyped object")
    assert problems == [], "\n".join(problems)


def test_the_check_catches_an_untyped_answer():
    doc: dict[str, Any] = {
        "components": {
            "schemas": {
                "Open": {"type": "object", "properties": {"x": {"type": "object"}}},
                "Described": {
                    "type": "object",
                    "properties": {"x": {"type": "object", "description": "kind-specific data"}},
                },
                "Map": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Open"}},
            }
        }
    }
    assert untyped(doc, {"type": "object", "additionalProperties": True}, "answer", set(), True) == ["answer"]
    assert untyped(doc, {"type": "array", "items": {}}, "answer", set(), True) == ["answer[]"]
    assert untyped(doc, {"$ref": "#/components/schemas/Open"}, "answer", set(), True) == ["answer (Open).x"]
    assert untyped(doc, {"$ref": "#/components/schemas/Described"}, "answer", set(), True) == []
    assert untyped(doc, {"$ref": "#/components/schemas/Map"}, "answer", set(), True) == [
        "answer (Map){} (Open).x"
    ]
    described_top = {"type": "object", "description": "anything at all"}
    assert untyped(doc, described_top, "answer", set(), True) == ["answer"]
