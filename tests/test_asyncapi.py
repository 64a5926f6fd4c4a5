"""docs/events/asyncapi.json: what the code generates, true to who publishes and consumes what, valid AsyncAPI."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import typing
from pathlib import Path
from typing import Any

import pytest

from csi_dev.testing import JWT_SECRET, PEPPER
from csi_shared import asyncapi
from csi_shared.events import EVENTS
from csi_shared.service import ServiceSpec, discover
from csi_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "events" / "asyncapi.json"
CHECKER = ROOT / "tools" / "asyncapi-check"
REGENERATE = ".venv/bin/csi events asyncapi > docs/events/asyncapi.json"


def test_the_committed_document_is_what_the_code_generates() -> None:
    assert COMMITTED.read_text() == asyncapi.render(), f"docs/events/asyncapi.json is stale; regenerate: {REGENERATE}"


def test_the_service_table_covers_every_service() -> None:
    assert set(asyncapi.SERVICES) == {spec.name for spec in discover()}


def _package(spec: ServiceSpec) -> str:
    return spec.app_factory.split(".")[0]


def _registered_handlers(spec: ServiceSpec) -> tuple[set[str], set[str]]:
    """The event types a service's consumer handles and the topics it subscribes to, as its app wires them."""
    try:
        consumers = importlib.import_module(f"{_package(spec)}.consumers")
    except ModuleNotFoundError:
        return set(), set()  # a service that consumes nothing
    hints = typing.get_type_hints(consumers.handlers)
    args: dict[str, Any] = {}
    for name in inspect.signature(consumers.handlers).parameters:
        hint = hints.get(name)
        if isinstance(hint, type) and issubclass(hint, ServiceSettings):
            args[name] = hint(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER)
        else:
            args[name] = object()  # building the registrations calls nothing (a notifier, say)
    return set(consumers.handlers(**args)), set(consumers.TOPICS)


@pytest.mark.parametrize("service", [s.name for s in discover()])
def test_what_a_service_receives_is_what_its_consumer_handles(service: str) -> None:
    spec = next(s for s in discover() if s.name == service)
    handled, topics = _registered_handlers(spec)
    assert handled == asyncapi.SERVICES[service].receives, (
        f"{_package(spec)}/consumers.py handles {sorted(handled)}: update `receives` of {service} in "
        f"csi_shared.asyncapi.SERVICES, then regenerate: {REGENERATE}"
    )
    assert topics == {spec.topic.value for spec in EVENTS.values() if spec.type in handled}, "TOPICS vs handlers"


def _annotation_nodes(tree: ast.AST) -> set[int]:
    roots: list[ast.expr | None] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for root in roots if root is not None for n in ast.walk(root)}


SHARED_BUILDERS = {"record_phone_reads": "customer.phones_read"}
"""Shared helpers that build an event for the service calling them (csi_shared.web)."""


def _registrations(tree: ast.AST) -> set[int]:
    """The nodes inside `by_payload(...)`: a consumer registering its handlers by the payload class they receive."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "by_payload"]
    return {id(n) for call in calls for arg in call.args for n in ast.walk(arg)}


def _payloads_built(package: str) -> set[str]:
    """The event types whose payload classes a package's code uses as values (not in annotations, imports or handler
    registrations), or that a shared helper it calls builds for it."""
    by_name = {spec.payload.__name__: spec.type for spec in EVENTS.values()} | SHARED_BUILDERS
    found: set[str] = set()
    for path in Path(importlib.import_module(package).__path__[0]).rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        annotations = _annotation_nodes(tree) | _registrations(tree)
        for node in ast.walk(tree):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if name in by_name and isinstance(node.ctx, ast.Load) and id(node) not in annotations:  # type: ignore[attr-defined]
                found.add(by_name[name])
    return found


@pytest.mark.parametrize("service", [s.name for s in discover()])
def test_what_a_service_sends_is_what_its_code_builds(service: str) -> None:
    spec = next(s for s in discover() if s.name == service)
    built = _payloads_built(_package(spec))
    assert built == asyncapi.SERVICES[service].sends, (
        f"{_package(spec)} builds payloads of {sorted(built)}: update `sends` of {service} in "
        f"csi_shared.asyncapi.SERVICES, then regenerate: {REGENERATE}"
    )


# --- the AsyncAPI parser (Node) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Runs tools/asyncapi-check on documents; installs it first if `make node-tools` has not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout if node else ""
    major = int(m[1]) if (m := re.match(r"v(\d+)\.", version)) else 0
    if not npm or major < 20:
        message = (
            f"the AsyncAPI check needs Node 20+ and npm (found node {version.strip() or 'none'}, npm {npm or 'none'})"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(["make", "-s", "node-tools"], cwd=ROOT, check=True)

    def run(*documents: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [node, str(CHECKER / "check.mjs"), *map(str, documents)], capture_output=True, text=True, timeout=60
        )  # type: ignore[list-item]

    return run


def test_the_asyncapi_parser_accepts_the_document_as_json_and_yaml(check: Any, tmp_path: Path) -> None:
    as_yaml = tmp_path / "asyncapi.yaml"
    as_yaml.write_text(asyncapi.render_yaml())
    result = check(COMMITTED, as_yaml)
    assert result.returncode == 0, f"the AsyncAPI parser rejects the document:\n{result.stdout}{result.stderr}"
    assert result.stdout.count("valid AsyncAPI 3.0.0") == 2, result.stdout


def test_the_asyncapi_parser_rejects_a_message_whose_schema_is_missing(check: Any, tmp_path: Path) -> None:
    doc = asyncapi.document()
    del doc["components"]["schemas"]["score.updated.v1"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    result = check(broken)
    assert result.returncode == 1
    assert "'#/components/schemas/score.updated.v1' does not exist" in result.stdout, result.stdout
