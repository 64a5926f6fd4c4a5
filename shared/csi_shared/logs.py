"""Structured JSON logs with the request id, and a last line of defence that keeps personal data and secrets out.

`make run` asks for readable text lines instead (CSI_LOG_FORMAT=text), redacted the same way.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Literal, TextIO

from csi_shared.tracing import current_trace_id

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
"""The id of the request being served, or of the request that caused the event being handled."""


@contextlib.contextmanager
def correlated(correlation_id: str | None) -> Iterator[None]:
    """Logs written inside carry this request id (a batch handler logging about one of its events)."""
    token = request_id.set(correlation_id)
    try:
        yield
    finally:
        request_id.reset(token)


# Phone numbers (E.164 or 11-digit Chinese mobiles), bearer tokens / JWTs, DMS keys, survey tokens in URLs (the API's
# and the customer's page `/s/<token>`), VINs, Chinese plates, and the values of fields called *name* and of pydantic's
# `input_value` (a validation error quoting what it refused). A last line of defence: code logs ids, not people.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_REDACTIONS = [
    (re.compile(r"(?<![\w*\-])\+?\d[\d \-]{9,17}\d(?!\w)"), "[phone]"),  # not the digits of "RO-2026..."
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "[jwt]"),
    (re.compile(r"csi_[\w-]{20,}"), "[api-key]"),
    (re.compile(r"(?i)(bearer\s+)[\w.\-]+"), r"\1[token]"),
    (re.compile(r"(/v1/surveys/)[\w-]{16,}"), r"\1[token]"),
    (re.compile(r"(/s/)[\w-]{16,}"), r"\1[token]"),
    (re.compile(r"(?<![A-Za-z0-9])(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-HJ-NPR-Z0-9]{17}(?![A-Za-z0-9])"), "[vin]"),
    (re.compile(rf"[{_PROVINCES}][A-Z][·•\s\-]?[A-Z0-9]{{4,6}}(?![A-Za-z0-9])"), "[plate]"),
    (re.compile(r"(input_value=)(['\"])(?:\\.|(?!\2).)*\2"), r"\1\2[value]\2"),
    (re.compile(r"(input_value=)(?!['\"\[])[^,\]\s]+"), r"\1[value]"),
    (re.compile(r"(?i)(\b\w*name['\"]?\s*[:=]\s*)(['\"])(?:\\.|(?!\2).)*\2"), r"\1\2[name]\2"),
]


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": request_id.get(),
        }
        if (trace_id := current_trace_id()) is not None:
            entry["trace_id"] = trace_id
        for key in ("service", "method", "route", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One readable line per record for a person at a terminal (`make run`), redacted like the JSON lines:
    `21:35:25 INFO  callback-scheduler  planned post_service callback … [request id]`."""

    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        service = getattr(record, "service", None) or self.service or record.name
        line = f"{when} {record.levelname:<5} {service:<18}  {redact(record.getMessage())}"
        if (duration_ms := getattr(record, "duration_ms", None)) is not None:
            line += f" ({duration_ms} ms)"
        if (rid := request_id.get()) is not None:
            line += f" [{rid}]"
        if (trace_id := current_trace_id()) is not None:
            line += f" trace={trace_id}"
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


LogFormat = Literal["json", "text"]


class _Handler(logging.StreamHandler[TextIO]):
    """The one handler configure_logging installs; `_csi` finds it again on a second call."""

    _csi = True


def configure_logging(level: str = "INFO", *, log_format: LogFormat = "json", service: str = "") -> None:
    """One line per record on stderr for the whole process: JSON (deployments) or text (a terminal, `make run`);
    safe to call more than once."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_csi", False)), None)
    if handler is None:
        handler = _Handler(sys.stderr)
        root.addHandler(handler)
    handler.setFormatter(TextFormatter(service) if log_format == "text" else JsonFormatter())
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
