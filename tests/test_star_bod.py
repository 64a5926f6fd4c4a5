"""A STAR ProcessRepairOrder BOD (XML) posted by a DMS becomes a callback, like the same RO in JSON; a BOD that cannot
be read is refused naming the element, an RO of it that breaks a rule is one rejected item naming its element."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csi_dev.testing import eventually
from tests.conftest import Platform

EXAMPLE = (Path(__file__).resolve().parents[1] / "services" / "survey-api" / "survey_api" / "repair_orders"
           / "star_example.xml").read_text(encoding="utf-8")  # fmt: skip
XML = {"Content-Type": "application/xml"}


async def _post(p: Platform, key: str, body: str) -> Any:
    return await p.survey.post("/v1/repair-orders", content=body.encode(), headers={**XML, "X-API-Key": key})


async def _callbacks(p: Platform) -> list[dict[str, Any]] | None:
    response = await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"},
                                     headers=p.auth("cra", dealers=["D001"]))  # fmt: skip
    return response.json()["items"] or None


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_star_bod_becomes_a_callback(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    second = (EXAMPLE.replace("RO-2026-000123", "RO-STAR-2").replace("LSVAU218XN2183294", "LSVAU2180N2183294")
              .replace("maintenance", "tuning"))  # fmt: skip
    orders = second[second.index("<RepairOrder>") : second.index("</RepairOrder>") + len("</RepairOrder>")]
    bod = EXAMPLE.replace("</RepairOrder>", "</RepairOrder>" + orders, 1)
    answer = await _post(platform, key, bod)
    assert answer.status_code == 207, answer.text
    first, rejected = answer.json()["results"]
    assert (first["ro_number"], first["status"], first["revision"]) == ("RO-2026-000123", "created", 1)
    where = "/ProcessRepairOrder/ProcessRepairOrderDataArea/RepairOrder[2]"
    assert rejected["status"] == "rejected" and {e["field"] for e in rejected["errors"]} == {
        f"{where}/Vehicle/VehicleID",
        f"{where}/Job[1]/JobTypeString",
    }
    (callback,) = await eventually(lambda: _callbacks(platform))
    assert callback["ro_number"] == "RO-2026-000123"
    ro = (await platform.survey.get("/v1/repair-orders/D001/RO-2026-000123", headers={"X-API-Key": key})).json()
    assert (ro["mileage_km"], ro["jobs"][0]["comeback"], ro["service_advisor"]["name"]) == (45210, False, "李明")
    again = await _post(platform, key, EXAMPLE)  # the same BOD again: a replay
    assert again.json()["results"][0]["status"] == "unchanged"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("<ProcessRepairOrder><unclosed></ProcessRepairOrder>", "/"),
        ("<GetRepairOrder/>", "/GetRepairOrder"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ProcessRepairOrder>&a;</ProcessRepairOrder>', "/"),
        (
            EXAMPLE.replace("<VehicleID>LSVAU218XN2183294</VehicleID>", ""),
            "/ProcessRepairOrder/ProcessRepairOrderDataArea/RepairOrder[1]/Vehicle/VehicleID",
        ),
    ],
)
async def test_a_bod_that_cannot_be_read_is_refused_naming_the_element(
    platform: Platform, body: str, field: str
) -> None:
    key = await platform.add_dealer("D001")
    answer = await _post(platform, key, body)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field, answer.text
