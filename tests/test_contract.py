"""The contract a third party builds on (csi_shared.contract): every error a route can answer is declared with the
problem body it sends, every route says how it authenticates, and operationIds and tags are stable and single."""

from __future__ import annotations

from typing import Any

import pytest

from csi_shared.contract import API_VERSION, PROBLEM_JSON, Problem, problem_code
from csi_shared.errors import Conflict, problem
from csi_shared.service import discover
from tests.test_openapi_models import _document

SERVICES = [s.name for s in discover()]


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m.upper()} {path}", op) for path, ops in document["paths"].items() for m, op in ops.items()]


@pytest.fixture(scope="module", params=SERVICES)
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    spec = next(s for s in discover() if s.name == request.param)
    return _document(spec.app_factory)


def test_every_service_has_the_same_version_and_a_server(document: dict[str, Any]) -> None:
    assert document["info"]["version"] == API_VERSION == "1.0.0"
    assert document["servers"]


def test_operation_ids_are_short_unique_and_tags_single(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, op in _operations(document)]
    assert len(ids) == len(set(ids))
    assert not [i for i in ids if "_v1_" in i or "__" in i]  # FastAPI's path-derived names have both
    assert [where for where, op in _operations(document) if len(op.get("tags", [])) != 1] == []


def test_every_error_is_a_declared_problem(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "errors" in schemas["Problem"]["properties"]
    assert {"allowed_actions", "current_status"} <= set(schemas["StateConflict"]["properties"])
    for where, op in _operations(document):
        page = "text/html" in op["responses"].get("200", {}).get("content", {})
        for status, answer in op["responses"].items():
            if page and status != "422":  # the customer's survey page answers its errors as pages
                assert list(answer["content"]) == ["text/html"], (where, status)
            elif status[0] in "45":
                (schema,) = answer["content"].values()
                ref = schema["schema"]["$ref"].rsplit("/", 1)[1]
                assert list(answer["content"]) == [PROBLEM_JSON], where
                assert ref == ("StateConflict" if status == "409" else "Problem"), (where, status)
            if status in ("429", "503"):
                assert "Retry-After" in answer["headers"], where


def test_every_authenticated_route_declares_its_scheme_and_its_refusals(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    secured = [(where, op) for where, op in _operations(document) if op.get("security")]
    assert secured
    for where, op in secured:
        for requirement in op["security"]:
            assert set(requirement) <= set(schemes), where
        if any(name in ("bearerAuth", "dmsApiKey") for r in op["security"] for name in r):
            assert {"401", "403", "429"} <= set(op["responses"]), where
    public = {where for where, op in _operations(document) if not op.get("security")}
    assert all(w.split()[1].startswith(("/healthz", "/readyz", "/s/", "/v1/surveys/", "/v1/questionnaires/"))
               for w in public), public  # fmt: skip


def test_a_problem_body_carries_a_stable_code_and_type() -> None:
    body = problem(409, "Callback closed", "no more attempts", code="state_conflict", current_status="done")
    parsed = Problem.model_validate_json(body.body)
    assert (parsed.code, parsed.type, parsed.model_extra) == (
        "state_conflict",
        "urn:csi:problem:state_conflict",
        {"current_status": "done"},
    )
    assert body.media_type == PROBLEM_JSON
    assert Conflict.code is None and problem_code(Conflict.status) == "conflict"


def test_every_request_body_has_an_example_that_its_schema_accepts(document: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    for where, op in _operations(document):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        schema = body["schema"]
        ref = next((s["$ref"] for s in (schema, *schema.get("anyOf", [])) if "$ref" in s), "")  # optional bodies too
        name = ref.rsplit("/", 1)[-1]
        examples = body.get("examples") or ([body["example"]] if "example" in body else None)
        examples = examples or document["components"]["schemas"].get(name, {}).get("examples")
        assert examples, f"{where}: no example"
        validator = Draft202012Validator({**schema, "components": document["components"]})
        for example in examples:
            assert not list(validator.iter_errors(example)), (where, example)
