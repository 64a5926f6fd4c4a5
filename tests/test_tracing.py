"""One posted RO is one trace across the services: survey-api's request, its relay, callback-scheduler's handling
and what that published in turn, sent over OTLP/HTTP to a collector running in the test (a real HTTP server decoding
the protobuf the SDK's exporter sends, not a mock of the SDK). Log lines carry the trace id; off, the SDK is never
loaded."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, eventually
from csi_shared.logs import JsonFormatter
from tests.conftest import Platform, make_platform_settings, repair_order


@dataclass(frozen=True)
class Span:
    service: str
    trace_id: str
    span_id: str
    parent_id: str
    name: str


class OtlpReceiver:
    """An OTLP/HTTP trace collector on loopback."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource_spans in request.resource_spans:
                    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    for scope in resource_spans.scope_spans:
                        receiver.spans += [
                            Span(attributes["service.name"], s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(),
                                 s.name)
                            for s in scope.spans
                        ]  # fmt: skip
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    r = OtlpReceiver()
    yield r
    r.close()


@pytest.fixture
def platform_settings(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str, receiver: OtlpReceiver
) -> Any:
    """The platform of tests/conftest.py with tracing on, exporting every 100 ms."""
    tracing = {"otel_exporter_otlp_endpoint": receiver.url, "otel_export_delay_ms": 100}
    return tuple(s.model_copy(update=tracing) for s in make_platform_settings(backend, databases, broker, topic_prefix))


class JsonLines(logging.Handler):
    """Formats each record as the services' JSON log line when it is written (the trace is current then)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_lines() -> AsyncIterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


async def test_one_posted_ro_is_one_trace_across_the_services(
    platform: Platform, receiver: OtlpReceiver, json_lines: JsonLines
) -> None:
    key = await platform.add_dealer("D001")
    response = await platform.survey.post(
        "/v1/repair-orders", json=repair_order("D001", "RO-T1"), headers={"X-API-Key": key}
    )
    assert response.status_code == 201, response.text

    def trace_of_the_post() -> list[Span] | None:
        posts = [s for s in receiver.spans if s.name == "POST /v1/repair-orders"]
        if not posts:
            return None
        trace = [s for s in receiver.spans if s.trace_id == posts[0].trace_id]
        names = {s.name for s in trace}
        wanted = {"process repair_order.closed", "process callback.scheduled"}
        # Each service exports its spans in its own batches: the trace is whole once every parent has arrived too.
        ids = {s.span_id for s in trace}
        whole = all(s.parent_id in ids for s in trace if s.parent_id)
        return trace if wanted <= names and whole else None

    async def ready() -> list[Span] | None:
        return trace_of_the_post()

    trace = await eventually(ready)
    by_id = {s.span_id: s for s in trace}
    (post,) = [s for s in trace if s.name == "POST /v1/repair-orders"]
    assert post.service == "survey-api" and post.parent_id == ""
    (handled,) = [s for s in trace if s.name == "process repair_order.closed"]
    assert handled.service == "callback-scheduler"
    # The chain: the request -> survey-api's relay publishing the RO -> callback-scheduler's handling.
    publish = by_id[handled.parent_id]
    assert (
        publish.service == "survey-api"
        and publish.name.startswith("publish ")
        and publish.name.endswith("csi.repair-orders")
    )
    assert by_id[publish.parent_id] == post
    # ... and on: callback-scheduler published callback.scheduled, survey-api handled it, all in the one trace.
    (back,) = [s for s in trace if s.name == "process callback.scheduled"]
    assert back.service == "survey-api" and by_id[back.parent_id].service == "callback-scheduler"
    assert {s.service for s in trace} == {"survey-api", "callback-scheduler"}
    # The database: the request's statements (the RO's insert among them) and the handler's are in the tree.
    assert any(s.name == "db INSERT" and s.service == "survey-api" and s.parent_id == post.span_id for s in trace)
    assert any(
        s.name == "db INSERT" and s.service == "callback-scheduler" and s.parent_id == handled.span_id for s in trace
    )
    assert len({s.trace_id for s in receiver.spans if s.name == "process repair_order.closed"}) == 1
    # No trace of its own for the relay's polls of the outbox or a job's scan: statements only inside a traced span.
    assert all(s.parent_id for s in receiver.spans if s.name.startswith("db "))

    # Log lines written while handling carry the trace id: grep the logs for the trace an operator is looking at.
    planned = [line for line in json_lines.lines if "planned post_service callback" in line["message"]]
    assert planned and all(line.get("trace_id") == post.trace_id for line in planned), planned
    served = [line for line in json_lines.lines if line["message"] == "POST /v1/repair-orders 201"]
    assert served and served[0].get("trace_id") == post.trace_id


def test_off_by_default_neither_the_sdk_nor_the_exporter_is_loaded(tmp_path: Any) -> None:
    code = f"""
import asyncio, sys
from survey_api.app import create_app
from survey_api.config import Settings
settings = Settings(jwt_secret="x" * 32, api_key_pepper="y" * 32, run_background=False,
                    database_url="sqlite+aiosqlite:///{tmp_path}/s.db")
app = create_app(settings)
assert app.state.runtime.tracing.enabled is False
# FastAPI itself imports OpenTelemetry's API when it is installed (a no-op without a provider); the SDK, its
# span processors and the exporter are what costs, and they stay out.
print(sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.exporter"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"CSI_ENV_FILE": "/nonexistent"}
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
