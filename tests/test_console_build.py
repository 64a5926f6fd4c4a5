"""The console's own checks, run by `make test`: its Vitest suite (components, figure formatting), and its API types
against what the four services serve."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

from tests.browser.support import need

CONSOLE = Path(__file__).resolve().parent.parent / "web" / "console"
BIN = CONSOLE / "node_modules" / ".bin"


def test_vitest_passes() -> None:
    need("the console's node packages (make console)", (BIN / "vitest").exists())
    run = subprocess.run([str(BIN / "vitest"), "run", "--reporter=dot"], cwd=CONSOLE, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]


def test_the_committed_api_types_are_what_the_services_serve() -> None:
    need("openapi-typescript (make console)", (BIN / "openapi-typescript").exists())
    spec = importlib.util.spec_from_file_location("api_types", CONSOLE / "scripts" / "api_types.py")
    assert spec and spec.loader
    api_types = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(api_types)
    for name, text in api_types.render().items():
        committed = CONSOLE / "src" / "api" / name
        assert committed.exists() and committed.read_text() == text, f"{name} is stale: run make console-api-types"
