"""Input the rules refuse, checked over every request body of the four services (OWASP API8 and API10: a client's
careless or hostile values are refused by type, not coerced into something else)."""

from __future__ import annotations

import importlib
import types
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.types import Strict

from csi_shared.identifiers import IDENTIFIER_PATTERN
from csi_shared.limits import Input
from csi_shared.service import discover

SCHEMA_MODULES = [
    "survey_api.dealers.schemas", "survey_api.repair_orders.schemas", "survey_api.surveys.schemas",
    "callback_scheduler.callbacks.schemas", "callback_scheduler.callbacks.questions", "complaints.schemas",
]  # fmt: skip


def request_bodies() -> list[type[BaseModel]]:
    """Every Input model the services declare."""
    for name in SCHEMA_MODULES:
        importlib.import_module(name)
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [Input]
    while pending:
        model = pending.pop()
        for sub in model.__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


def _strict(metadata: list[Any]) -> bool:
    return any(
        (isinstance(m, Strict) and m.strict) or (isinstance(m, FieldInfo) and _strict(m.metadata)) for m in metadata
    )


def _lax_leaves(annotation: Any, strict: bool) -> list[Any]:
    """The int and bool types in an annotation that nothing around them makes strict."""
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        strict = strict or _strict(metadata)
        return _lax_leaves(inner, strict)
    if get_origin(annotation) in (Union, types.UnionType):
        return [leaf for arg in get_args(annotation) for leaf in _lax_leaves(arg, strict)]
    return [annotation] if annotation in (int, bool) and not strict else []


def test_every_integer_and_boolean_of_a_request_body_is_strict() -> None:
    # `"overall": true` was stored as 1 and `"9"` read as 9: pydantic's lax mode coerces both.
    lax = [
        f"{model.__module__}.{model.__name__}.{name}"
        for model in request_bodies()
        for name, field in model.model_fields.items()
        if _lax_leaves(field.annotation, _strict(field.metadata))
    ]
    assert not lax, f"lax numbers or flags in request bodies: {lax}"


def test_a_score_is_an_integer_not_a_flag_nor_a_string() -> None:
    from survey_api.surveys.schemas import AnswerIn, ResponseIn

    for bad in (True, "9", 9.0):
        assert ResponseIn.model_validate({"answers": [], "overall": 8, "recommend": 8}).overall == 8
        for body in ({"answers": [], "overall": bad, "recommend": 8}, {"answers": [{"item": "x", "score": bad}],
                     "overall": 8, "recommend": 8}):  # fmt: skip
            try:
                ResponseIn.model_validate(body)
            except ValueError:
                continue
            raise AssertionError(f"{bad!r} was taken as a score")
    assert AnswerIn.model_validate({"item": "x", "score": None}).score is None


IDENTIFIERS = ("dealer_code", "ro_number")
"""Identifiers that appear both in bodies and in paths (`/v1/repair-orders/{dealer_code}/{ro_number}`)."""


def _documents() -> dict[str, dict[str, Any]]:
    from tests.test_openapi_models import _document

    return {spec.name: _document(spec.app_factory) for spec in discover()}


def _identifier_patterns(document: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(where, name, pattern) of every parameter and request-body property named like an identifier."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in IDENTIFIERS:
                    found.append(
                        (f"{method.upper()} {path} {parameter['in']}", parameter["name"], _pattern(parameter["schema"]))
                    )
    for name, schema in document["components"]["schemas"].items():
        for prop, spec in schema.get("properties", {}).items():
            if prop in IDENTIFIERS and not name.endswith("Out") and name in _request_schemas(document):
                found.append((f"body {name}", prop, _pattern(spec)))
    return found


def _pattern(schema: dict[str, Any]) -> str | None:
    if "pattern" in schema:
        return str(schema["pattern"])
    for part in schema.get("anyOf", []):
        if "pattern" in part:
            return str(part["pattern"])
    return None


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """The component schemas request bodies refer to, directly or nested."""
    components = document["components"]["schemas"]
    pending = [
        op["requestBody"]["content"][media]["schema"]
        for methods in document["paths"].values()
        for op in methods.values()
        if "requestBody" in op
        for media in op["requestBody"]["content"]
    ]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and (name := ref.rsplit("/", 1)[1]) not in seen:
                seen.add(name)
                pending.append(components[name])
            pending += list(node.values())
        elif isinstance(node, list):
            pending += node
    return seen


def test_one_pattern_for_identifiers_in_bodies_paths_and_queries() -> None:
    # An ro_number holding "/" was accepted in a body and could never be read back by its path.
    found = [(service, *entry) for service, doc in _documents().items() for entry in _identifier_patterns(doc)]
    assert {where for _, where, _, _ in found} >= {
        "body RepairOrderIn",
        "GET /v1/repair-orders/{dealer_code}/{ro_number} path",
    }
    wrong = [entry for entry in found if entry[3] != IDENTIFIER_PATTERN]
    assert not wrong, wrong


@pytest.mark.parametrize("value", ["RO/1", "..", ".", "RO 1", "RO%2F1", "", "x" * 51])
def test_an_identifier_that_a_path_cannot_carry_is_refused(value: str) -> None:
    from survey_api.repair_orders.schemas import RepairOrderIn
    from tests.conftest import repair_order

    with pytest.raises(ValueError, match="ro_number"):
        RepairOrderIn.model_validate(repair_order(ro_number=value))
    assert RepairOrderIn.model_validate(repair_order(ro_number="RO-2026.000_123")).ro_number == "RO-2026.000_123"


def test_every_phone_a_request_body_takes_is_normalised() -> None:
    # Complaints stored phones as typed, so masking them by character uncovered digits (+ see mask_phone).
    unchecked = [
        f"{model.__name__}.{name}"
        for model in request_bodies()
        for name in model.model_fields
        if "phone" in name
        and not any(
            name in d.info.fields and "normalise_phone" in d.func.__code__.co_names
            for d in model.__pydantic_decorators__.field_validators.values()
        )
    ]
    assert not unchecked, unchecked
