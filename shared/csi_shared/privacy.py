"""Customer data rights, the parts every service shares: anonymising values in rows and unsent events, VIN hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.phones import phones_in, typed_forms

ERASED = "[erased]"
"""What a person's name becomes: a string still (the columns and event fields are not nullable), naming no one."""

VIN_HASH_MARK = "#"


def vin_hash(vin: str | None, salt: bytes) -> str | None:
    """A salted hash of a VIN that fits a VIN column (17 characters), kept where a count of cars needs it.

    `#` never starts a real VIN, so a hash is hashed no further: erasing twice changes nothing."""
    if not vin or vin.startswith(VIN_HASH_MARK):
        return vin
    return VIN_HASH_MARK + hmac.new(salt, vin.encode(), hashlib.sha256).hexdigest()[:16]


def privacy_salt(pepper: str, label: bytes = b"privacy-vin") -> bytes:
    """A salt derived from the pepper under its own label: the VIN hashes, and the phone hashes an erasure request
    carries (every service has the same pepper, so they match across services)."""
    return hmac.new(pepper.encode(), label, hashlib.sha256).digest()


def phone_hash(phone: str, salt: bytes) -> str:
    """How an erasure request names a number without carrying it."""
    return hmac.new(salt, phone.encode(), hashlib.sha256).hexdigest()


@dataclass
class PersonalValues:
    """The values of one person (or several) that must disappear: names become ERASED, numbers and plates None."""

    names: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    """Phone numbers, alternate numbers, plates: gone outright where a field holds exactly one of them."""
    hashed: dict[str, str] = field(default_factory=dict)
    """VINs and their hashes: a VIN field keeps the hash (counts of cars still add up), and so does free text."""

    def add_names(self, *names: str | None) -> None:
        self.names.update(n for n in names if n and n != ERASED)

    def add_dropped(self, *values: str | None) -> None:
        self.dropped.update(v for v in values if v and not v.startswith(VIN_HASH_MARK))

    def add_vins(self, salt: bytes, *vins: str | None) -> None:
        for vin in vins:
            if vin and not vin.startswith(VIN_HASH_MARK):
                self.hashed[vin] = vin_hash(vin, salt) or vin

    def __bool__(self) -> bool:
        return bool(self.names or self.dropped or self.hashed)

    def needles(self) -> list[str]:
        """Every value to look for."""
        return sorted(self.names | self.dropped | set(self.hashed))

    def _in_text(self) -> list[tuple[str, str]]:
        # Longest first, so that a name inside a longer one does not leave half of the longer behind. A one-letter
        # name would blank every word that has the letter: only whole fields equal to it are erased.
        pairs = [(v, ERASED) for v in self.names | self.dropped if len(v) >= 2] + list(self.hashed.items())
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    def redact(self, text: str | None) -> str | None:
        """Free text (a note, a description) with every occurrence of the values replaced by ERASED (a VIN by its
        hash)."""
        if not text:
            return text
        for value, replacement in self._in_text():
            text = text.replace(value, replacement)
        numbers = {n for n in self.dropped if n.startswith("+")}
        if numbers:
            # Numbers as people type them ("137 0013 7000", "021-5555-7777", "0086 137…"), found by the same finder
            # that masks them for those who may not see them; the typed forms catch what it would not call a number.
            for start, end, e164 in reversed(phones_in(text)):
                if e164 in numbers:
                    text = text[:start] + ERASED + text[end:]
            for number in numbers:
                if (forms := typed_forms(number)) is not None:
                    text = forms.sub(ERASED, text)
        return text

    def scrub(self, value: Any) -> Any:
        """A JSON value (an event body, a stored RO) with the values gone: a field equal to a number or plate becomes
        null, one equal to a name ERASED, and free text has them replaced."""
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, str):
            if value in self.dropped:
                return None
            if value in self.names:
                return ERASED
            if value in self.hashed:
                return self.hashed[value]
            return self.redact(value)
        return value


async def scrub_outbox(session: AsyncSession, outbox: Table, values: PersonalValues) -> int:
    """Anonymise the events this service has not published yet that carry the person's numbers, plates or VINs; how
    many changed.

    Published events are deleted from the outbox by the relay; those already on Kafka age out with the topic's
    retention (deploy/k8s)."""
    if not values:
        return 0
    # An event is the person's if it carries one of their numbers, plates or VINs; a name alone does not pick it (the
    # next 张伟's unsent events would be rewritten too), though within a picked event the name goes as well.
    needles = sorted(values.dropped | set(values.hashed)) or values.needles()
    rows = (
        await session.execute(
            select(outbox.c.id, outbox.c.body).where(
                or_(*(outbox.c.body.contains(v, autoescape=True) for v in needles))
            )
        )
    ).all()
    changed = 0
    for row_id, body in rows:
        scrubbed = json.dumps(values.scrub(json.loads(body)), ensure_ascii=False)
        if scrubbed != body:
            await session.execute(update(outbox).where(outbox.c.id == row_id).values(body=scrubbed))
            changed += 1
    return changed


@dataclass(frozen=True)
class Fields:
    """Which columns of a table hold what: names (become ERASED), numbers and plates (become null), VINs (become
    hashes), free text (values redacted), JSON (values scrubbed), and columns simply cleared (a masked number, a
    customer's comment a service cannot redact because it never knew the name)."""

    names: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    cleared: tuple[str, ...] = ()
    vins: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    json: tuple[str, ...] = ()

    def collect(self, row: Any, values: PersonalValues, salt: bytes) -> None:
        values.add_names(*(getattr(row, f) for f in self.names))
        values.add_dropped(*(getattr(row, f) for f in self.dropped))
        values.add_vins(salt, *(getattr(row, f) for f in self.vins))

    def apply(self, row: Any, values: PersonalValues, salt: bytes) -> bool:
        """Anonymise one row in place; whether anything changed (a second erasure changes nothing)."""
        new: dict[str, Any] = {}
        for f in self.names:
            new[f] = ERASED if getattr(row, f) is not None else None
        for f in self.dropped + self.cleared:
            new[f] = None
        for f in self.vins:
            new[f] = vin_hash(getattr(row, f), salt)
        for f in self.texts:
            new[f] = values.redact(getattr(row, f))
        for f in self.json:
            new[f] = values.scrub(getattr(row, f))
        changed = False
        for f, v in new.items():
            if getattr(row, f) != v:
                setattr(row, f, v)
                changed = True
        return changed


@dataclass(frozen=True)
class Target:
    """The rows of one table that hold a person's data, and where in them."""

    model: Any
    where: ColumnElement[bool]
    fields: Fields


async def erase_rows(
    session: AsyncSession,
    targets: Iterable[Target],
    *,
    outbox: Table,
    salt: bytes,
    values: PersonalValues | None = None,
    unsent_events: bool = True,
) -> dict[str, int]:
    """Anonymise the targets' rows and the unsent events carrying their values; rows changed per table.

    Every row is read before any is changed, so a name found in one table is also redacted from another's free text.
    """
    values = values if values is not None else PersonalValues()
    loaded: list[tuple[str, Sequence[Any], Fields]] = []
    for target in targets:
        rows = (await session.execute(select(target.model).where(target.where))).scalars().all()
        for row in rows:
            target.fields.collect(row, values, salt)
        loaded.append((target.model.__tablename__, rows, target.fields))
    counts: dict[str, int] = {}
    for table, rows, fields in loaded:
        count(counts, table, sum(fields.apply(row, values, salt) for row in rows))
    if unsent_events:  # not for retention: an old visit's values may be a returning customer's newest event's
        count(counts, "outbox", await scrub_outbox(session, outbox, values))
    await session.flush()
    return counts


class ReadThrottle:
    """Which phone reads to record: a person's read of one customer's number is recorded once per window (a worklist
    refreshed every 30 seconds would otherwise write its fifty customers twice a minute). A window of 0 records every
    answer. Per process: a second replica may record the same read once more, which only repeats a true fact."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._last: dict[tuple[str, ...], datetime] = {}

    def fresh(self, key: tuple[str, ...], now: datetime) -> bool:
        """Whether this read is to be recorded (and, if so, it counts as recorded from now)."""
        last = self._last.get(key)
        if last is not None and now - last < self.window:
            return False
        self._last[key] = now
        if len(self._last) > 200_000:  # keep memory bounded: forget what the window has passed
            self._last = {k: t for k, t in self._last.items() if now - t < self.window}
        return True


def count(counts: dict[str, int], table: str, n: int | None) -> None:
    """Add a number of rows changed in a table to an erasure's counts."""
    counts[table] = counts.get(table, 0) + (n or 0)


def chunks(items: Iterable[Any], size: int = 500) -> Iterable[list[Any]]:
    """Items in lists of at most `size`: an IN list stays within every database's limits."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
