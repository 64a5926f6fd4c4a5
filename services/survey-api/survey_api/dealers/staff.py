"""The staff directory of a dealer: who gets which alert (service manager, general manager, CRA, the OEM's region).

survey-api keeps it beside the dealers because it is the one that sends; other services never read it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.auth import mask_phone
from csi_shared.identifiers import IDENTIFIER_PATTERN
from csi_shared.limits import Input
from csi_shared.phones import normalise_phone
from csi_shared.text import PersonName
from survey_api.models import StaffMember

StaffIdPath = Annotated[str, Path(min_length=1, max_length=50, pattern=IDENTIFIER_PATTERN)]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class StaffRole(StrEnum):
    CRA = "cra"
    SERVICE_ADVISOR = "service_advisor"
    SERVICE_MANAGER = "service_manager"
    GENERAL_MANAGER = "general_manager"
    OEM_REGION = "oem_region"
    """The OEM's regional contact for this dealer: the last level of a complaint's escalation."""


class StaffIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "张伟",
                    "role": "cra",
                    "email": "zhang.wei@dealer.example",
                    "phone": "+8613800138001",
                    "active": True,
                }
            ]
        }
    )
    name: PersonName
    role: StaffRole
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, max_length=32, description="for alerts by SMS; stored in E.164")
    active: bool = Field(default=True, strict=True)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @model_validator(mode="after")
    def _reachable(self) -> StaffIn:
        if self.phone is None and self.email is None:
            raise ValueError("give a phone or an e-mail address: an alert must reach the person somehow")
        return self


class StaffOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dealer_code: str
    staff_id: str
    name: str
    role: StaffRole
    email: str | None
    phone: str | None = Field(description="masked")
    active: bool
    updated_at: datetime


def view(member: StaffMember) -> StaffOut:
    return StaffOut(dealer_code=member.dealer_code, staff_id=member.staff_id, name=member.name,
                    role=StaffRole(member.role), email=member.email, phone=mask_phone(member.phone) if member.phone else None,
                    active=member.active, updated_at=member.updated_at)  # fmt: skip


async def put_staff(
    *, session: AsyncSession, dealer_code: str, staff_id: str, data: StaffIn, now: datetime
) -> tuple[StaffMember, bool]:
    """Create or replace one person of a dealer's directory; True if created."""
    member = await session.get(StaffMember, (dealer_code, staff_id))
    created = member is None
    if member is None:
        member = StaffMember(dealer_code=dealer_code, staff_id=staff_id)
        session.add(member)
    member.name, member.role, member.email, member.phone = data.name, data.role.value, data.email, data.phone
    member.active, member.updated_at = data.active, now
    await session.flush()
    return member, created


async def directory(*, session: AsyncSession, dealer_code: str) -> list[StaffMember]:
    """A dealer's whole directory, the people still there first, then by role and id (a stable order for pickers)."""
    query = (
        select(StaffMember)
        .where(StaffMember.dealer_code == dealer_code)
        .order_by(StaffMember.active.desc(), StaffMember.role, StaffMember.staff_id)
    )
    return list((await session.execute(query)).scalars())


async def staff_with_role(*, session: AsyncSession, dealer_code: str, role: StaffRole) -> list[StaffMember]:
    """The active people of a dealer with a role, in a stable order."""
    query = (
        select(StaffMember)
        .where(StaffMember.dealer_code == dealer_code, StaffMember.role == role.value, StaffMember.active.is_(True))
        .order_by(StaffMember.staff_id)
    )
    return list((await session.execute(query)).scalars())


def contact(member: StaffMember, *, prefer_email: bool) -> tuple[str, str] | None:
    """(channel, address) to reach a person: alerts by SMS where there is a phone (they must be seen at once),
    digests by e-mail where there is an address (they are read at a desk); the other one otherwise."""
    options = [("email", member.email), ("sms", member.phone)]
    for channel, address in options if prefer_email else reversed(options):
        if address:
            return channel, address
    return None
