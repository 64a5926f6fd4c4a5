"""Logs are JSON lines (text lines under `make run`) with a request id that follows the request into other services'
work, and never carry a phone number, a token or a key."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from csi_dev.testing import eventually
from csi_shared.logs import JsonFormatter, TextFormatter, configure_logging, correlated, redact
from survey_api.app import create_app as create_survey_app
from survey_api.config import Settings as SurveySettings
from tests.conftest import Platform, repair_order


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


async def test_a_request_id_follows_the_ro_and_secrets_stay_out(
    whole_platform: Platform, captured: io.StringIO
) -> None:
    p = whole_platform
    key = await p.add_dealer("D001")
    posted = await p.survey.post(
        "/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key, "X-Request-ID": "req-ro-42"}
    )
    assert posted.status_code == 201 and posted.headers["x-request-id"] == "req-ro-42"
    cra = p.auth("cra", dealers=["D001"])

    async def callback() -> Any:
        items = (await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"}, headers=cra)).json()["items"]
        return items[0] if items else None

    item = await eventually(callback)
    await p.callbacks.post(
        f"/v1/callbacks/{item['id']}/attempts",
        json={"outcome": "reached", "issue": "call me on 13800138000"},
        headers=cra,
    )
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    followed = [line for line in lines if line["request_id"] == "req-ro-42"]
    assert any(line["logger"].startswith("callback_scheduler") for line in followed), (
        "the scheduler's work carries the RO's request id"
    )
    text = captured.getvalue()
    for secret in ("+8613800138000", "13800138000", key, cra["Authorization"].split()[1]):
        assert secret not in text


def test_redaction() -> None:
    assert redact("call +86 138 0013 8000 now") == "call [phone] now"
    assert redact("token eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl") == "token [jwt]"
    assert redact("GET /v1/surveys/AbCdEfGhIjKlMnOpQrSt") == "GET /v1/surveys/[token]"
    assert redact("at 2026-11-22T10:00:00+08:00, 23110 km") == "at 2026-11-22T10:00:00+08:00, 23110 km"
    # RO numbers are not personal data, and support needs them in the logs.
    assert redact("planned callback for D001/RO-20261102001") == "planned callback for D001/RO-20261102001"
    assert redact("phone:13800138000, tel 138-0013-8000") == "phone:[phone], tel [phone]"


def test_redaction_covers_names_plates_vins_and_survey_links() -> None:
    assert redact("car LSVAU218XN2183294 in") == "car [vin] in"
    assert redact("plate 沪A12345 and 粤B·D12345") == "plate [plate] and [plate]"
    assert redact("GET /s/AbCdEfGhIjKlMnOpQrSt?lang=en") == "GET /s/[token]?lang=en"
    assert redact("http://127.0.0.1:8001/s/AbCdEfGhIjKlMnOpQrSt") == "http://127.0.0.1:8001/s/[token]"
    assert redact("customer_name='李雷', {'name': \"Han Meimei\"}") == "customer_name='[name]', {'name': \"[name]\"}"
    assert redact("input_value='李雷 沪A12345'") == "input_value='[value]'"
    # What support needs stays: dealer codes, RO numbers, event types, times, ids.
    for kept in (
        "D001/RO-20261102001",
        "repair_order.closed",
        "2026-11-22T10:00:00+08:00",
        "4d330ae5-9827-4bd3-99e7-f9db6e9d80c2",
    ):
        assert redact(kept) == kept


async def test_a_request_id_cannot_forge_text_in_a_log_line(platform: Platform, captured: io.StringIO) -> None:
    forged = "x] 10:00:00 ERROR survey-api  admin exported every phone [y"
    response = await platform.survey.get("/v1/questionnaires/csi-v1", headers={"X-Request-ID": forged})
    assert response.headers["x-request-id"] != forged
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    fine = await platform.survey.get("/v1/questionnaires/csi-v1", headers={"X-Request-ID": "req-42.a_b:c"})
    assert fine.headers["x-request-id"] == "req-42.a_b:c"
    assert "admin exported" not in captured.getvalue()


def _record(message: str, *args: object, exc_info: Any = None) -> logging.LogRecord:
    return logging.LogRecord("callback_scheduler.callbacks.service", logging.INFO, __file__, 1, message, args, exc_info)


def test_text_lines_are_readable_and_redacted_too() -> None:
    formatter = TextFormatter("callback-scheduler")
    with correlated("req-ro-42"):
        line = formatter.format(
            _record("planned post_service callback for D001/RO-20261102001, phone %s", "13800138000")
        )
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d INFO  callback-scheduler  planned post_service callback for D001/RO-20261102001, "
        r"phone \[phone\] \[req-ro-42\]",
        line,
    ), line
    try:
        raise ValueError("no answer on +86 138 0013 8000")
    except ValueError:
        failed = formatter.format(_record("callback attempt failed", exc_info=sys.exc_info()))
    assert "\nTraceback" in failed and "ValueError: no answer on [phone]" in failed and "0013" not in failed
    assert "[" not in failed.splitlines()[0], "no request id, no brackets"


def test_the_log_format_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_LOG_FORMAT", "text")
    settings = SurveySettings(jwt_secret="x" * 32, api_key_pepper="p", database_url="sqlite+aiosqlite:///:memory:")
    try:
        create_survey_app(settings)
        handler = next(h for h in logging.getLogger().handlers if getattr(h, "_csi", False))
        assert isinstance(handler.formatter, TextFormatter) and handler.formatter.service == "survey-api"
    finally:
        configure_logging(logging.getLevelName(logging.getLogger().level))
    assert isinstance(handler.formatter, JsonFormatter), "JSON is the default"
