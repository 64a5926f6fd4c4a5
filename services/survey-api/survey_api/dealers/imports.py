"""Dealers and their staff from CSV files (`csi dealers import FILE`, `csi staff import FILE`): a network of thousands
registered in one go, as PUT /v1/dealers/{code} and PUT …/staff/{id} would one by one. Headers in English or Chinese;
UTF-8 (with or without a byte-order mark) or GB18030, as Excel saves it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.errors import field_errors
from csi_shared.identifiers import DealerCode
from survey_api.dealers.repository import get_dealer
from survey_api.dealers.schemas import DealerIn
from survey_api.dealers.service import put_dealer
from survey_api.dealers.staff import StaffIn, put_staff
from survey_api.repair_orders.imports import read_rows

HEADERS = {
    "code": ("code", "dealer_code", "经销商代码"),
    "name": ("name", "dealer_name", "经销商名称"),
    "region": ("region", "大区"),
    "time_zone": ("time_zone", "时区"),
    "phone": ("phone", "服务电话"),
}
"""Each field and the headers that may hold it."""

_CODE = TypeAdapter(DealerCode)


@dataclass
class DealerSummary:
    added: int = 0
    updated: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, code, reason) of each row not taken."""


async def import_dealers(*, session: AsyncSession, source: Path) -> DealerSummary:
    summary = DealerSummary()
    for line, row in enumerate(read_rows(source), start=2):
        values = _values(row, HEADERS)
        code = values.pop("code") or ""
        try:
            _CODE.validate_python(code)
            data = DealerIn.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            reason = "; ".join(f"{e['field'] if e['field'] != 'body' else 'code'}: {e['reason']}"
                               for e in field_errors(exc.errors()))  # fmt: skip
            summary.rejected.append((line, code, reason))
            continue
        _, created = await put_dealer(session=session, code=code, data=data)
        if created:
            summary.added += 1
        else:
            summary.updated += 1
    return summary


STAFF_HEADERS = {
    "dealer_code": ("dealer_code", "经销商代码"),
    "staff_id": ("staff_id", "工号"),
    "name": ("name", "姓名"),
    "role": ("role", "岗位"),
    "email": ("email", "邮箱"),
    "phone": ("phone", "手机"),
    "active": ("active", "在职"),
}
ROLES_ZH = {
    "回访专员": "cra",
    "服务顾问": "service_advisor",
    "服务经理": "service_manager",
    "总经理": "general_manager",
}
YES_NO = {"是": True, "否": False, "true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def _values(row: dict[str, str], headers: dict[str, tuple[str, ...]]) -> dict[str, str | None]:
    return {name: next((row[h].strip() for h in names if (row.get(h) or "").strip()), None)
            for name, names in headers.items()}  # fmt: skip


async def import_staff(*, session: AsyncSession, source: Path, now: datetime) -> DealerSummary:
    """Each row one person of a dealer's directory (created or replaced); rows of unknown dealers are rejected."""
    summary = DealerSummary()
    known: dict[str, bool] = {}
    for line, row in enumerate(read_rows(source), start=2):
        values = _values(row, STAFF_HEADERS)
        dealer_code, staff_id = values.pop("dealer_code") or "", values.pop("staff_id") or ""
        if dealer_code not in known:
            known[dealer_code] = await get_dealer(session=session, code=dealer_code) is not None
        if not known[dealer_code] or not staff_id:
            reason = "dealer_code: unknown dealer" if not known[dealer_code] else "staff_id: required"
            summary.rejected.append((line, f"{dealer_code}/{staff_id}", reason))
            continue
        if values["role"] in ROLES_ZH:
            values["role"] = ROLES_ZH[values["role"]]
        data: dict[str, object] = {k: v for k, v in values.items() if v is not None}
        if "active" in data:
            data["active"] = YES_NO.get(str(data["active"]).lower(), data["active"])
        try:
            member = StaffIn.model_validate(data)
        except ValidationError as exc:
            reason = "; ".join(f"{e['field']}: {e['reason']}" for e in field_errors(exc.errors()))
            summary.rejected.append((line, f"{dealer_code}/{staff_id}", reason))
            continue
        _, created = await put_staff(session=session, dealer_code=dealer_code, staff_id=staff_id, data=member, now=now)
        if created:
            summary.added += 1
        else:
            summary.updated += 1
    return summary
