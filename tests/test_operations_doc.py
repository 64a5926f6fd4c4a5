"""docs/operations.md names only commands that exist, with options they take, and a runbook for every alert; each
test it cites exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from csi_shared.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "operations.md").read_text()


def _commands() -> list[str]:
    return sorted(set(re.findall(r"`(csi [^`]+)`", DOC)))


def test_the_runbook_names_the_maintenance_commands() -> None:
    named = {" ".join(shlex.split(c)[1:3]) for c in _commands()}
    for command in ("outbox status", "dlq list", "dlq replay", "events republish", "inbox prune", "db upgrade"):
        assert command in named, command
    assert any(c.startswith("csi reconcile") for c in _commands())


@pytest.mark.parametrize("command", _commands())
def test_every_command_it_names_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command)[1:])  # argparse exits on an unknown command or option
    assert callable(args.func)


def test_every_alert_has_a_runbook_section() -> None:
    rules = yaml.safe_load((ROOT / "deploy" / "k8s" / "monitoring" / "rules.yaml").read_text())
    alerts = [rule["alert"] for group in rules["groups"] for rule in group["rules"]]
    sections = re.findall(r"^### (\w+)$", DOC, re.MULTILINE)
    assert sections == alerts


def test_every_test_it_cites_exists() -> None:
    for path, _, name in re.findall(r"`(tests/[\w/]+\.py)(::(\w+))?`", DOC):
        source = (ROOT / path).read_text()
        assert not name or f"def {name}(" in source, f"{path}::{name}"
