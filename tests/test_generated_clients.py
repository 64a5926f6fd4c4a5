"""Clients that nobody here wrote, generated from the committed documents (docs/api/), driven through a real flow: a
DMS posts ROs (created, replayed, corrected, refused with the wrong field named, a batch, a 429 with its retry), a CRA
works the callback and meets a 409 with the callback's status, the OEM downloads the ranking as CSV and XLSX.

`openapi-python-client` is what an integrator would use; a client it cannot parse (an undeclared error, a JSON-typed
file) crashes here as it would for them. The TypeScript clients (openapi-generator's typescript-fetch) must compile.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from csi_dev.testing import Databases, bearer, eventually, make_settings, serve
from csi_shared.auth import Role
from csi_shared.limits import RateLimiter
from tests.conftest import Platform, repair_order

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "api"
BIN = Path(sys.executable).parent
TSC = ROOT / "web" / "console" / "node_modules" / ".bin" / "tsc"
# Files are bytes: without this, openapi-python-client reads any text/* answer as text (docs/api/README.md).
CONFIG = {"post_hooks": [], "content_type_overrides": {"text/csv": "application/octet-stream"}}


def _generate(service: str, into: Path) -> ModuleType:
    package = f"gen_{service.replace('-', '_')}"
    config = into / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(DOCS / f"{service}.json"), "--meta", "none",
         "--output-path", str(into / package), "--config", str(config)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return importlib.import_module(package)


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Service name → the package name of its generated client (importable for this module's tests)."""
    where = tmp_path_factory.mktemp("clients")
    sys.path.insert(0, str(where))
    try:
        yield {s: _generate(s, where).__name__ for s in ("survey-api", "callback-scheduler", "scoring")}
    finally:
        sys.path.remove(str(where))


def _module(package: str, name: str) -> Any:
    return importlib.import_module(f"{package}.{name}")


def _client(package: str, app: Any, *, token: str, header: str = "Authorization", prefix: str = "Bearer") -> Any:
    transport = httpx.ASGITransport(app=app)
    return _module(package, "client").AuthenticatedClient(
        base_url="http://test", token=token, prefix=prefix, auth_header_name=header, httpx_args={"transport": transport}
    )


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_dms_and_a_cra_work_through_the_generated_python_clients(
    platform: Platform, clients: dict[str, str]
) -> None:
    key = await platform.add_dealer("D001")
    survey = clients["survey-api"]
    dms = _client(survey, platform.survey_app, token=key, header="X-API-Key", prefix="")
    post = _module(survey, "api.repair_orders.post_repair_order")
    batch = _module(survey, "api.repair_orders.post_repair_order_batch")
    models = _module(survey, "models")

    created = await post.asyncio_detailed(client=dms, body=models.RepairOrderIn.from_dict(repair_order()))
    assert created.status_code == 201 and created.parsed.revision == 1
    assert created.parsed.customer.preferred_callback_time.from_ == "18:00:00"  # `from` in the document
    replay = await post.asyncio_detailed(client=dms, body=models.RepairOrderIn.from_dict(repair_order()))
    assert replay.status_code == 200 and replay.parsed.revision == 1
    corrected = await post.asyncio_detailed(
        client=dms, body=models.RepairOrderIn.from_dict(repair_order(invoice_amount="720.00"))
    )
    assert corrected.status_code == 200 and (corrected.parsed.revision, corrected.parsed.invoice_amount) == (
        2,
        "720.00",
    )

    refused = await post.asyncio_detailed(client=dms, body=models.RepairOrderIn.from_dict(repair_order(vin="123")))
    assert refused.status_code == 422 and isinstance(refused.parsed, models.Problem)
    assert refused.parsed.code == "invalid_input" and [e.field for e in refused.parsed.errors] == ["vin"]

    items = [models.RepairOrderIn.from_dict(repair_order(ro_number=n)) for n in ("RO-B-1", "RO-B-2")]
    items[1].mileage_km = -5
    results = await batch.asyncio_detailed(client=dms, body=models.PostRepairOrderBatchBody(items=items))
    assert results.status_code == 200 and (results.parsed.summary.created, results.parsed.summary.rejected) == (1, 1)
    assert results.parsed.results[1].errors[0].field == "mileage_km"

    platform.survey_app.state.dms_rate_limiter = RateLimiter(0.5, 1)
    await post.asyncio_detailed(client=dms, body=models.RepairOrderIn.from_dict(repair_order()))
    limited = await post.asyncio_detailed(client=dms, body=models.RepairOrderIn.from_dict(repair_order()))
    assert limited.status_code == 429 and limited.parsed.code == "too_many_requests"
    assert int(limited.headers["Retry-After"]) >= 1

    callbacks = clients["callback-scheduler"]
    token = bearer(Role.CRA, dealers=["D001"], settings=platform.callback_settings)["Authorization"].split()[1]
    cra = _client(callbacks, platform.callbacks_app, token=token)
    listing = _module(callbacks, "api.callbacks.list_callbacks")
    attempt = _module(callbacks, "api.callbacks.post_attempt")
    cb_models = _module(callbacks, "models")

    async def the_callback() -> Any:
        page = (await listing.asyncio_detailed(client=cra, dealer_code="D001")).parsed
        return page.items[0] if page.items else None

    callback = await eventually(the_callback)
    reached = cb_models.AttemptIn(outcome=cb_models.CallbackOutcome.REACHED)
    assert (await attempt.asyncio_detailed(callback.id, client=cra, body=reached)).status_code == 201
    again = await attempt.asyncio_detailed(callback.id, client=cra, body=reached)
    assert again.status_code == 409 and isinstance(again.parsed, cb_models.StateConflict)
    assert (again.parsed.code, again.parsed.current_status) == ("state_conflict", "completed")


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_oem_downloads_the_ranking_through_the_generated_client(
    backend: str, databases: Databases, broker: Any, topic_prefix: str, clients: dict[str, str]
) -> None:
    from scoring.app import create_app
    from scoring.config import Settings
    from scoring.spec import SERVICE

    settings = make_settings(Settings, database_url=databases.url(backend, "scoring", SERVICE.migrations_dir),
                             broker=broker, topic_prefix=topic_prefix, run_background=False)  # fmt: skip
    app = create_app(settings)
    scoring = clients["scoring"]
    export = _module(scoring, "api.csi.export")
    formats = _module(scoring, "models").ExportFormat
    async with serve(app):
        oem = _client(scoring, app, token=bearer(Role.OEM_ANALYST, settings=settings)["Authorization"].split()[1])
        csv = await export.asyncio_detailed(client=oem, period="2026-11", format_=formats.CSV)
        xlsx = await export.asyncio_detailed(client=oem, period="2026-11", format_=formats.XLSX)
    assert csv.status_code == 200 and b"dealer_code" in csv.parsed.payload.read()
    assert xlsx.status_code == 200 and xlsx.parsed.payload.read()[:2] == b"PK"  # a zip: the workbook, intact


IN_CI = os.environ.get("CI", "").lower() == "true"


# About 40 s of both cores (a JVM per service, then tsc): CI runs it on every submission, a developer with
# `CSI_TS_CLIENTS=1`.
@pytest.mark.skipif(not IN_CI and "CSI_TS_CLIENTS" not in os.environ, reason="CI only (or CSI_TS_CLIENTS=1)")
def test_the_typescript_clients_compile(tmp_path: Path) -> None:
    if shutil.which("java") is None or not TSC.exists():
        pytest.fail("needs Java 17 and the console's tsc (make console)")
    for service in ("survey-api", "callback-scheduler", "scoring", "complaints"):
        out = tmp_path / service
        subprocess.run(
            [str(BIN / "openapi-generator-cli"), "generate", "-g", "typescript-fetch", "-i", str(DOCS / f"{service}.json"),
             "-o", str(out), "--additional-properties=supportsES6=true"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        assert (out / "apis" / "index.ts").exists() and (out / "models" / "Problem.ts").exists(), service
        compiled = subprocess.run(
            [str(TSC), "--noEmit", "--strict", "--target", "es2020", "--lib", "es2020,dom", "--moduleResolution", "node",
             "--skipLibCheck", *[str(p) for p in sorted(out.rglob("*.ts"))]],
            capture_output=True, text=True,
        )  # fmt: skip
        assert compiled.returncode == 0, f"{service}:\n{compiled.stdout[-3000:]}"
