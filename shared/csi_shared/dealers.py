"""What a consuming service keeps of each dealer, learned from the events that mention it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, String, and_, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from csi_shared.auth import OEM_ROLES, Principal, Role, region_asked
from csi_shared.errors import InvalidInput, NotFound
from csi_shared.events import DealerRef


def dealer_ref(dealer: Any) -> DealerRef:
    """What an event says of a dealer, from any service's dealer row (code, name, region, time zone)."""
    return DealerRef(dealer_code=dealer.code, name=dealer.name, region=dealer.region, time_zone=dealer.time_zone)


class KnownDealer:
    """Columns of a service's own `dealers` table (mix into its declarative base)."""

    __tablename__ = "dealers"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(50), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))

    if TYPE_CHECKING:  # the constructor the declarative base gives each service's model

        def __init__(self, *, code: str, name: str, region: str | None, time_zone: str) -> None: ...


D = TypeVar("D", bound=KnownDealer)


async def remember_dealer(session: AsyncSession, model: type[D], ref: DealerRef) -> D:
    """The dealer row, created or brought up to date with the newest name, region and time zone an event carried."""
    dealer = await session.get(model, ref.dealer_code)
    if dealer is None:
        dealer = model(code=ref.dealer_code, name=ref.name, region=ref.region, time_zone=ref.time_zone)
        session.add(dealer)
    else:
        dealer.name, dealer.region, dealer.time_zone = ref.name, ref.region, ref.time_zone
    return dealer


async def dealer_in_scope(session: AsyncSession, model: type[D], principal: Principal, dealer_code: str) -> D:
    """The dealer whose figures a caller asks for, or 404.

    A dealer outside the caller's scope answers like one that does not exist, so codes cannot be probed. A dealer
    named in the caller's own token that no event has told this service about yet has simply had nothing happen here:
    it is given as an unsaved stand-in, and its figures are zeros. Head office, which asks by code across the network,
    gets a 404 for a code this service has never seen: here a new dealer and a typo look the same.
    """
    dealer = await session.get(model, dealer_code)
    if dealer is not None and principal.may_access(dealer.code, dealer.region):
        return dealer
    if dealer is None and dealer_code in principal.dealers and principal.region is None:
        # The time zone only bounds months for rows this service does not have.
        return model(code=dealer_code, name=dealer_code, region=None, time_zone="UTC")
    raise NotFound(f"dealer {dealer_code} is unknown or outside your scope")


def in_scope(principal: Principal, model: type[KnownDealer] | Any) -> ColumnElement[bool]:
    """`Principal.may_access` as a WHERE clause over a dealers table: the rows of the dealers the caller may see."""
    if not principal.dealers and principal.role not in OEM_ROLES:
        return false()
    if principal.role is Role.PRIVACY_OFFICER:
        return false()  # as in `Principal.may_access`: no dealer's business data, whatever the token claims
    conditions: list[ColumnElement[bool]] = [true()]
    if principal.dealers:
        conditions.append(model.code.in_(sorted(principal.dealers)))
    if principal.region is not None:
        conditions.append(model.region == principal.region)
    return and_(*conditions)


async def codes_in_scope(
    session: AsyncSession, model: type[KnownDealer] | Any, principal: Principal
) -> list[str] | None:
    """The dealer codes a list may show: None for every dealer (head office with no narrower scope)."""
    if principal.all_dealers:
        return None
    if principal.region is None:
        return sorted(principal.dealers)
    return list((await session.execute(select(model.code).where(in_scope(principal, model)))).scalars())


async def dealers_in_scope(
    session: AsyncSession, model: type[D], principal: Principal, dealer_code: str | None, region: str | None
) -> list[D]:
    """The dealers a monthly report covers: the one asked for, or, for head office, every dealer in the caller's
    scope, narrowed to a region when one is asked for."""
    if dealer_code is not None:
        return [await dealer_in_scope(session, model, principal, dealer_code)]
    if principal.role not in OEM_ROLES:
        raise InvalidInput(
            "dealer_code is required", [{"field": "dealer_code", "reason": "dealer users ask for one dealer"}]
        )
    query = select(model).where(in_scope(principal, model)).order_by(model.code)
    wanted = region_asked(principal, region)
    if wanted is not None:
        query = query.where(model.region == wanted)
    return list((await session.execute(query)).scalars())
