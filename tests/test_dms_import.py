"""A Chinese DMS export becomes callbacks: `csi repair-orders import FILE --map cn-dms` on a CSV as Excel saves it on
a zh-CN Windows (byte-order mark, Chinese headers, local times, one row per job line), with a rejected row, a resume,
and `csi dealers import`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from csi_dev.testing import eventually
from survey_api.dealers.imports import import_dealers, import_staff
from survey_api.models import StaffMember
from survey_api.repair_orders import imports
from tests.conftest import Platform

HEADER = ["经销商代码", "工单号", "VIN码", "车牌号", "进厂里程", "开单时间", "预计交车时间", "结算时间", "交车时间",
          "服务顾问工号", "服务顾问", "客户姓名", "联系电话", "是否车主", "同意回访", "维修项目代码", "维修项目",
          "维修类型", "是否返修", "预估金额", "结算金额"]  # fmt: skip


def _row(ro: str, vin: str = "LSVAU218XN2183294", job: str = "M10", kind: str = "保养", phone: str = "13800138000",
         day: str = "2026-11-14") -> list[str]:  # fmt: skip
    return ["D001", ro, vin, "沪A12345", "23,110", f"{day} 09:10", f"{day} 17:00", f"{day} 16:40", f"{day} 17:05",
            "SA07", "王芳", "李雷", phone, "是", "是", job, "一万公里保养", kind, "否", "680.00", "702.50"]  # fmt: skip


def _csv(path: Path, rows: list[list[str]]) -> Path:
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    path.write_bytes("\ufeff".encode() + text.getvalue().encode())  # Excel's "CSV UTF-8": a byte-order mark first
    return path


async def _import(p: Platform, source: Path, column_map: imports.ColumnMap | None = None) -> imports.Summary:
    runtime = p.survey_app.state.runtime
    return await imports.import_repair_orders(
        sessions=runtime.sessions, outbox=runtime.outbox, clock=runtime.clock, invitations=p.survey_settings.invitations,
        source=source, column_map=column_map or imports.ColumnMap.load(imports.map_path("cn-dms")),
        progress=imports.Progress(source.with_name(source.name + ".progress.json"), source),
    )  # fmt: skip


async def _callbacks(p: Platform) -> list[dict[str, Any]]:
    response = await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"},
                                     headers=p.auth("cra", dealers=["D001"]))  # fmt: skip
    return response.json()["items"]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_chinese_dms_csv_becomes_callbacks_and_bad_rows_are_named(platform: Platform, tmp_path: Path) -> None:
    await platform.add_dealer("D001")
    source = _csv(tmp_path / "工单导出.csv", [
        _row("RO-CN-1"), _row("RO-CN-1", job="B20", kind="维修"), _row("RO-CN-2", phone="13900139000"),
        _row("RO-CN-3", vin="LSVAU2180N2183294"),
    ])  # fmt: skip
    summary = await _import(platform, source)
    assert (summary.ros, summary.outcomes) == (3, {"created": 2})
    (bad,) = summary.rejected
    assert (bad.line, bad.ro_number, bad.field) == (5, "RO-CN-3", "vin") and "check digit" in bad.reason
    imports.write_rejects(tmp_path / "rejected.csv", summary.rejected)
    assert (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("5,RO-CN-3,vin,")

    callbacks = await eventually(lambda: _wait_for(platform, 2))
    assert sorted(c["ro_number"] for c in callbacks) == ["RO-CN-1", "RO-CN-2"]
    ro = (await platform.survey.get("/v1/repair-orders/D001/RO-CN-1", headers=platform.auth("admin"))).json()
    assert [j["kind"] for j in ro["jobs"]] == ["maintenance", "repair"]  # two job lines, one RO
    assert ro["delivered_at"] == "2026-11-14T09:05:00Z" and ro["mileage_km"] == 23110  # Beijing time, thousands

    again = await _import(platform, source)  # the resume file says it is done
    assert (again.skipped, again.outcomes, again.rejected) == (3, {}, [])


async def _wait_for(p: Platform, n: int) -> list[dict[str, Any]] | None:
    found = await _callbacks(p)
    return found if len(found) >= n else None


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_an_xlsx_export_reads_like_its_csv(platform: Platform, tmp_path: Path) -> None:
    await platform.add_dealer("D001")
    book = Workbook()
    sheet = book.active
    for row in [HEADER, _row("RO-X-1")]:
        sheet.append(row)
    book.save(tmp_path / "export.xlsx")
    summary = await _import(platform, tmp_path / "export.xlsx")
    assert summary.outcomes == {"created": 1} and summary.rejected == []


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_dealers_import_from_a_chinese_csv(platform: Platform, tmp_path: Path) -> None:
    source = tmp_path / "dealers.csv"
    rows = (
        "经销商代码,经销商名称,大区,时区\nD100,上海一店,east,Asia/Shanghai\nD101,北京二店,north,\nbad code!,x,east,\n"
    )
    source.write_bytes("\ufeff".encode() + rows.encode())
    async with platform.survey_app.state.runtime.sessions() as session:
        summary = await import_dealers(session=session, source=source)
        await session.commit()
    assert (summary.added, summary.updated, [r[:2] for r in summary.rejected]) == (2, 0, [(4, "bad code!")])
    dealer = (await platform.survey.get("/v1/dealers/D101", headers=platform.auth("admin"))).json()
    assert (dealer["name"], dealer["region"], dealer["time_zone"]) == ("北京二店", "north", "Asia/Shanghai")


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_staff_import_from_a_chinese_csv(platform: Platform, tmp_path: Path) -> None:
    await platform.add_dealer("D001")
    source = tmp_path / "staff.csv"
    rows = ("经销商代码,工号,姓名,岗位,手机,在职\nD001,C01,张伟,回访专员,13800138001,是\n"
            "D001,M01,李娜,服务经理,13900139000,否\nD999,X1,王五,回访专员,,是\nD001,C02,赵六,保安,,是\n")  # fmt: skip
    source.write_bytes("\ufeff".encode() + rows.encode())
    async with platform.survey_app.state.runtime.sessions() as session:
        summary = await import_staff(session=session, source=source, now=datetime.now(UTC))
        await session.commit()
    assert (summary.added, summary.updated) == (2, 0)
    assert [(line, reason.split(":")[0]) for line, _, reason in summary.rejected] == [(4, "dealer_code"), (5, "role")]
    async with platform.survey_app.state.runtime.sessions() as session:
        cra = await session.get(StaffMember, ("D001", "C01"))
        manager = await session.get(StaffMember, ("D001", "M01"))
    assert (cra.role, cra.phone, manager.active) == ("cra", "+8613800138001", False)
