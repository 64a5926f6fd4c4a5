"""Anonymising values: names become [erased], numbers and plates null, VINs a salted hash; twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.privacy import ERASED, Fields, PersonalValues, vin_hash

SALT = b"salt"
VIN = "LSVAU218XN2183294"


def _values() -> PersonalValues:
    values = PersonalValues()
    values.add_names("李雷", None, ERASED)
    values.add_dropped("+8613800138000", "沪A12345", None)
    values.add_vins(SALT, VIN)
    return values


def test_a_vin_hash_fits_a_vin_column_and_is_not_hashed_again() -> None:
    hashed = vin_hash(VIN, SALT)
    assert hashed is not None and len(hashed) == 17 and hashed.startswith("#")
    assert vin_hash(hashed, SALT) == hashed
    assert vin_hash(VIN, b"other salt") != hashed
    assert vin_hash(None, SALT) is None


def test_an_event_body_keeps_its_shape_with_the_values_gone() -> None:
    body = {"payload": {"customer": {"name": "李雷", "phone": "+8613800138000", "is_owner": True}, "plate": "沪A12345",
                        "vin": VIN, "issue": "李雷 on +8613800138000 says the brakes squeak", "mileage_km": 23110}}  # fmt: skip
    scrubbed = _values().scrub(body)["payload"]
    assert scrubbed["customer"] == {"name": ERASED, "phone": None, "is_owner": True}
    assert scrubbed["plate"] is None and scrubbed["vin"] == vin_hash(VIN, SALT) and scrubbed["mileage_km"] == 23110
    assert scrubbed["issue"] == f"{ERASED} on {ERASED} says the brakes squeak"


def test_a_one_letter_name_is_not_cut_out_of_every_word() -> None:
    values = PersonalValues()
    values.add_names("A")
    assert values.redact("A car at Anting") == "A car at Anting"
    assert values.scrub({"name": "A"}) == {"name": ERASED}


@dataclass
class Row:
    customer_name: str | None
    customer_phone: str | None
    vin: str | None
    note: str | None


def test_a_row_is_anonymised_once_and_a_second_time_changes_nothing() -> None:
    fields = Fields(names=("customer_name",), dropped=("customer_phone",), vins=("vin",), texts=("note",))
    row = Row("李雷", "+8613800138000", VIN, "call 李雷 after 18:00")
    values = PersonalValues()
    fields.collect(row, values, SALT)
    assert fields.apply(row, values, SALT) is True
    assert row == Row(ERASED, None, vin_hash(VIN, SALT), f"call {ERASED} after 18:00")
    again = PersonalValues()
    fields.collect(row, again, SALT)
    assert not again and fields.apply(row, again, SALT) is False


def test_a_read_is_recorded_once_per_window_and_again_after_it() -> None:
    from datetime import UTC, datetime, timedelta

    from csi_shared.privacy import ReadThrottle

    throttle, now = ReadThrottle(timedelta(hours=1)), datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    key = ("cra-1", "worklist", "D001", "RO-1", "")
    assert throttle.fresh(key, now)
    assert not throttle.fresh(key, now + timedelta(minutes=59))
    assert throttle.fresh(("cra-2", *key[1:]), now)  # another person
    assert throttle.fresh(key, now + timedelta(hours=1))
    every = ReadThrottle(timedelta(0))
    assert every.fresh(key, now) and every.fresh(key, now)


def test_a_number_is_redacted_from_free_text_however_it_was_typed() -> None:
    values = PersonalValues()
    values.add_dropped("+8613700137000", "+862155557777")
    typed = ["call me 13700137000", "137 0013 7000", "0086-137-0013-7000", "+86 13700137000", "021-5555-7777",
             "tel:+8613700137000."]  # fmt: skip
    assert [values.redact(t) for t in typed] == [
        "call me [erased]", "[erased]", "[erased]", "[erased]", "[erased]", "tel:[erased]."
    ]  # fmt: skip
    assert values.redact("order 913700137000, 1370013700") == "order 913700137000, 1370013700"  # other digits stay


async def test_unsent_events_of_another_person_with_the_same_name_are_left_alone(tmp_path: Any) -> None:
    import json

    from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select

    from csi_shared.db import create_engine
    from csi_shared.privacy import scrub_outbox

    outbox = Table("outbox", MetaData(), Column("id", Integer, primary_key=True), Column("body", Text))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    mine = {"customer": {"name": "张伟", "phone": "+8613800138000"}}
    theirs = {"customer": {"name": "张伟", "phone": "+8613900139000"}}
    try:
        async with engine.begin() as conn:
            await conn.run_sync(outbox.metadata.create_all)
            await conn.execute(insert(outbox), [{"body": json.dumps(b, ensure_ascii=False)} for b in (mine, theirs)])
        values = PersonalValues()
        values.add_names("张伟")
        values.add_dropped("+8613800138000")
        async with AsyncSession(engine) as session, session.begin():
            assert await scrub_outbox(session, outbox, values) == 1
        async with engine.connect() as conn:
            bodies = [
                json.loads(b) for b in (await conn.execute(select(outbox.c.body).order_by(outbox.c.id))).scalars()
            ]
    finally:
        await engine.dispose()
    assert bodies == [{"customer": {"name": ERASED, "phone": None}}, theirs]
