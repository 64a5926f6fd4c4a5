"""An RO counts once, in its settlement month (dealer's calendar); a correction that moves the settlement moves it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from csi_shared.events import Job


@dataclass(frozen=True)
class Counted:
    """Where an RO is counted, and by which revision."""

    revision: int
    period: str


@dataclass(frozen=True)
class Recount:
    """What a newer revision of an RO does to the RO counts: the period it leaves and the period it joins."""

    take_from: str | None = None
    add_to: str | None = None


def recount(counted: Counted | None, revision: int, period: str) -> Recount | None:
    """How an RO's count moves when a revision of it arrives, `period` being that revision's settlement month.

    None for a revision no newer than the one counted (a redelivery, or an older revision overtaken by a newer one on
    the way): it changes nothing, neither the count nor what is kept of the RO. A newer revision settled in the same
    month moves nothing; settled in another month, it moves the RO's one count there.
    """
    if counted is None:
        return Recount(add_to=period)
    if revision <= counted.revision:
        return None
    if period == counted.period:
        return Recount()
    return Recount(take_from=counted.period, add_to=period)


def job_kinds(jobs: Iterable[Job]) -> list[str]:
    """The kinds of work on an RO, each once: an RO with a repair and a warranty job counts in both kinds."""
    return sorted({job.kind.value for job in jobs})
