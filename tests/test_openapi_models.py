"""Every JSON success of every service has a declared model in its OpenAPI document: frontends generate their
clients from these documents, and Schemathesis checks only what is declared."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from csi_dev.testing import JWT_SECRET, PEPPER
from csi_shared.service import discover


def _document(app_factory: str) -> dict[str, Any]:
    module, factory = app_factory.split(":")
    package = module.split(".")[0]
    settings_class = importlib.import_module(f"{package}.config").Settings
    settings = settings_class(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER)
    return getattr(importlib.import_module(module), factory)(settings).openapi()


def _untyped(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = answer.get("content", {})
                if "application/json" not in content:
                    continue  # a file (CSV, XLSX) or no body
                schema = content["application/json"].get("schema", {})
                if not any("$ref" in part for part in (schema, schema.get("items", {}), *schema.get("anyOf", []))):
                    found.append((method.upper(), path, status))
    return found


@pytest.mark.parametrize("service", [s.name for s in discover()])
def test_every_json_success_has_a_declared_model(service: str) -> None:
    spec = next(s for s in discover() if s.name == service)
    assert _untyped(_document(spec.app_factory)) == []
