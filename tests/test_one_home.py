"""Rules and helpers that were copied from service to service have one home each (docs/architecture.md): a function
of the same name defined anywhere else is a copy coming back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOMES = {
    "pct": "shared/csi_shared/figures.py",
    "rate": "shared/csi_shared/figures.py",
    "rates": "shared/csi_shared/figures.py",
    "ro_keys": "shared/csi_shared/db.py",
    "_keys": None,
    "retention_batch_at": "shared/csi_shared/retention.py",
    "is_overdue": "services/callback-scheduler/callback_scheduler/callbacks/rules.py",
    "in_comeback_window": "services/callback-scheduler/callback_scheduler/callbacks/rules.py",
    "complaint_source": "services/complaints/complaints/rules.py",
    "record_phone_reads": "shared/csi_shared/web.py",
}
"""Function name -> the one file that may define it (None: nowhere, its home has another name)."""


def _definitions() -> list[tuple[str, str]]:
    found = []
    for top in ("shared/csi_shared", "services"):
        for path in (ROOT / top).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or {"build", "dist"} & set(path.parts):
                continue  # build/ holds the copies pip makes when it builds a wheel (the runtime tests do)
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in HOMES:
                    found.append((node.name, relative))
    return found


def test_each_shared_rule_and_helper_is_defined_in_its_home_only() -> None:
    copies = [(name, where) for name, where in _definitions() if where != HOMES[name]]
    assert copies == [], f"defined outside their home (docs/architecture.md), call the home instead: {copies}"
    assert {name for name, _ in _definitions()} == {name for name, home in HOMES.items() if home}
