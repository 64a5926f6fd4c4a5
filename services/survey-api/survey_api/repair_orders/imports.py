"""ROs from a DMS export file (CSV or XLSX) with a column map: `csi repair-orders import FILE --map MAP`.

Real dealer systems export their own columns, often in Chinese, from Excel (UTF-8 with a byte-order mark, or GB18030).
A map (YAML, one per DMS; `maps/cn-dms.yaml` for a typical Chinese export) says which column holds which RO field and
how their values read. A row is one job line: rows with the same dealer and RO number are one RO. Each RO goes through
the same validation and the same `service.accept` as a posted one (replays change nothing, changes are corrections),
its events through the outbox. Rows that cannot become an RO are rejected with their line and reason; the others go
in, a chunk per transaction, and a resume file records how far the file got, so a second run continues after a crash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.bus.outbox import Outbox, Work
from csi_shared.clock import Clock
from csi_shared.errors import DomainError, field_errors
from csi_shared.exports import csv_bytes, xlsx_rows
from survey_api.repair_orders import service
from survey_api.repair_orders.schemas import RepairOrderIn
from survey_api.repair_orders.service import Intake
from survey_api.surveys.invitations import InvitationPolicy

JOB = "jobs[]."
TIMES = ("opened_at", "promised_at", "settled_at", "delivered_at")
CHUNK = 200


SHIPPED_MAPS = Path(__file__).parent / "maps"


def map_path(name_or_path: str) -> Path:
    """A map file: the path given, or a shipped map by name (`cn-dms`)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = SHIPPED_MAPS / f"{path.stem}.yaml"
    if shipped.exists():
        return shipped
    known = ", ".join(sorted(p.stem for p in SHIPPED_MAPS.glob("*.yaml")))
    raise MapError(f"no map {name_or_path!r}: give a YAML file or one of {known}")


class MapError(ValueError):
    """A column map that cannot be used, or a file without the columns it names."""


@dataclass(frozen=True)
class ColumnMap:
    columns: dict[str, str]
    """RO field (`customer.phone`, `jobs[].kind`) → the column header that holds it."""
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    """RO field → {what the file says: what the API takes}, e.g. 保养 → maintenance."""
    time_zone: str = "Asia/Shanghai"
    """The zone of times written without an offset (DMS exports write local times)."""
    time_formats: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
    dealer_code: str | None = None
    """Every row's dealer, when the file has no dealer column."""

    @classmethod
    def load(cls, path: Path) -> ColumnMap:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        columns = data.get("columns")
        if not isinstance(columns, dict) or "ro_number" not in columns:
            raise MapError(f"{path}: `columns` must map RO fields to headers, ro_number at least")
        formats = data.get("time_formats")
        return cls(
            columns={str(k): str(v) for k, v in columns.items()},
            values={str(k): dict(v) for k, v in (data.get("values") or {}).items()},
            time_zone=data.get("time_zone", "Asia/Shanghai"),
            time_formats=tuple(formats) if formats else cls.time_formats,
            dealer_code=data.get("dealer_code"),
        )


@dataclass
class Rejected:
    line: int
    ro_number: str
    field: str
    reason: str


@dataclass
class Summary:
    ros: int = 0
    skipped: int = 0
    """ROs a previous run already took (the resume file)."""
    outcomes: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows as header → text: CSV in UTF-8 (a byte-order mark is dropped) or GB18030, or the first sheet
    of an XLSX workbook."""
    if path.suffix.lower() == ".xlsx":
        rows = [["" if v is None else _cell(v) for v in row] for row in xlsx_rows(path)]
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        return [dict(zip(header, row, strict=False)) for row in body if any(row)]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # what Excel on a zh-CN Windows saves as "CSV"
    return [row for row in csv.DictReader(io.StringIO(text)) if any((v or "").strip() for v in row.values())]


def _cell(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


def _time(text: str, column_map: ColumnMap) -> str:
    """A time as the API takes it: ISO 8601 with an offset; a local time gets the map's zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for form in column_map.time_formats:
            try:
                moment = datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            return text  # the model names the field and why
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(column_map.time_zone))
    return moment.isoformat()


def _value(name: str, text: str, column_map: ColumnMap) -> Any:
    text = text.strip()
    if text == "":
        return None
    translated = column_map.values.get(name, {})
    if text in translated:
        return translated[text]
    if name in TIMES:
        return _time(text, column_map)
    if name == "mileage_km":
        try:
            return int(float(text.replace(",", "")))
        except ValueError:
            return text
    return text


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


@dataclass
class _Ro:
    line: int
    body: dict[str, Any]


def to_repair_orders(rows: list[dict[str, str]], column_map: ColumnMap) -> Iterator[_Ro]:
    """The ROs of a file's rows, in the order they first appear; job lines of the same RO gathered."""
    missing = [header for header in column_map.columns.values() if rows and header not in rows[0]]
    if missing:
        raise MapError(f"the file has no column {', '.join(repr(m) for m in missing)}")
    ros: dict[tuple[str, str], _Ro] = {}
    for index, row in enumerate(rows):
        body: dict[str, Any] = {}
        job: dict[str, Any] = {}
        for name, header in column_map.columns.items():
            value = _value(name, row.get(header) or "", column_map)
            if value is None:
                continue
            if name.startswith(JOB):
                job[name.removeprefix(JOB)] = value
            else:
                _put(body, name, value)
        body.setdefault("dealer_code", column_map.dealer_code)
        key = (str(body.get("dealer_code")), str(body.get("ro_number")))
        if key not in ros:
            ros[key] = _Ro(line=index + 2, body={**body, "jobs": []})  # line 1 is the header
        if job:
            ros[key].body["jobs"].append(job)
    yield from ros.values()


class Progress:
    """How far a file got: the number of its ROs already taken, kept in a small JSON file beside it."""

    def __init__(self, path: Path, source: Path) -> None:
        self.path = path
        self.digest = hashlib.sha256(source.read_bytes()).hexdigest()

    def done(self) -> int:
        if not self.path.exists():
            return 0
        saved = json.loads(self.path.read_text())
        # Another file (or the same name with new content) starts from the beginning.
        return int(saved["done"]) if saved.get("sha256") == self.digest else 0

    def save(self, done: int) -> None:
        self.path.write_text(json.dumps({"sha256": self.digest, "done": done}))


async def import_repair_orders(
    *,
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    clock: Clock,
    invitations: InvitationPolicy,
    intake: Intake = Intake(),
    source: Path,
    column_map: ColumnMap,
    progress: Progress,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> Summary:
    ros = list(to_repair_orders(read_rows(source), column_map))
    summary = Summary(ros=len(ros), skipped=progress.done())
    for start in range(summary.skipped, len(ros), CHUNK):
        chunk = ros[start : start + CHUNK]
        valid: dict[str, list[tuple[_Ro, RepairOrderIn]]] = {}
        for ro in chunk:
            try:
                item = RepairOrderIn.model_validate(ro.body)
            except ValidationError as exc:
                summary.rejected += [Rejected(ro.line, str(ro.body.get("ro_number", "")), e["field"], e["reason"])
                                     for e in field_errors(exc.errors())]  # fmt: skip
                continue
            valid.setdefault(item.dealer_code, []).append((ro, item))
        async with sessions() as session:
            work = Work(session, outbox, clock, "survey-api", f"import:{source.name}")
            for dealer_code, items in valid.items():
                try:
                    outcomes = await service.accept_and_commit(
                        work,
                        items=[i for _, i in items],
                        caller_dealer=dealer_code,
                        invitations=invitations,
                        intake=intake,
                    )
                except DomainError as exc:  # an unknown dealer: every RO of it
                    outcomes = [exc] * len(items)
                for (ro, item), outcome in zip(items, outcomes, strict=True):
                    if isinstance(outcome, DomainError):
                        errors = outcome.extra.get("errors") or [{"field": "dealer_code", "reason": outcome.detail}]
                        summary.rejected += [Rejected(ro.line, item.ro_number, e["field"], e["reason"]) for e in errors]
                    else:
                        name = outcome.outcome.value
                        summary.outcomes[name] = summary.outcomes.get(name, 0) + 1
            await session.commit()
        progress.save(start + len(chunk))
        on_progress(start + len(chunk), len(ros))
    return summary


def write_rejects(path: Path, rejected: list[Rejected]) -> None:
    """The rejected rows as CSV for the person who fixes the export (Excel on zh-CN opens it; cells made safe: they
    repeat what the file said)."""
    path.write_bytes(csv_bytes(["line", "ro_number", "field", "reason"],
                               [[r.line, r.ro_number, r.field, r.reason] for r in rejected]))  # fmt: skip
