"""Dealers from a CSV (`csi dealers import FILE`): a network of thousands registered in one go, as PUT
/v1/dealers/{code} would one by one. Headers in English or Chinese; UTF-8 (with or without a byte-order mark) or
GB18030, as Excel saves it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.errors import field_errors
from csi_shared.identifiers import DealerCode
from survey_api.dealers.schemas import DealerIn
from survey_api.dealers.service import put_dealer
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
        values = {name: next((row[h].strip() for h in headers if (row.get(h) or "").strip()), None)
                  for name, headers in HEADERS.items()}  # fmt: skip
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
