"""The RO as a DMS posts it and as the API returns it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from csi_shared.calendar import in_platform_years
from csi_shared.events import JobKind
from csi_shared.limits import Input
from survey_api.repair_orders.rules import normalise_phone, vin_problem

Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class In(Input):
    pass


class CallbackWindowIn(In):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: time = Field(alias="from")
    end: time = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> CallbackWindowIn:
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self


class CustomerIn(In):
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    is_owner: bool = True
    callback_consent: bool = True
    preferred_callback_time: CallbackWindowIn | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


class AdvisorIn(In):
    id: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=100)


class JobIn(In):
    op_code: str = Field(min_length=1, max_length=50)
    description: str = Field(default="", max_length=500)
    kind: JobKind
    comeback: bool | None = None


class RepairOrderIn(In):
    dealer_code: Code
    ro_number: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9/_.-]+$")
    vin: str = Field(min_length=1, max_length=17)
    plate: str | None = Field(default=None, max_length=20)
    mileage_km: int | None = Field(default=None, ge=0, le=3_000_000)
    opened_at: AwareDatetime
    promised_at: AwareDatetime | None = None
    settled_at: AwareDatetime
    delivered_at: AwareDatetime
    service_advisor: AdvisorIn | None = None
    customer: CustomerIn
    jobs: list[JobIn] = Field(min_length=1, max_length=200)
    estimate_amount: Money | None = None
    invoice_amount: Money | None = None
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")

    @field_validator("vin")
    @classmethod
    def _vin(cls, value: str) -> str:
        vin = value.upper()
        problem = vin_problem(vin)
        if problem:
            raise ValueError(problem)
        return vin

    @field_validator("opened_at", "promised_at", "settled_at", "delivered_at")
    @classmethod
    def _plausible(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is not None and not in_platform_years(value):
            raise ValueError(f"{info.field_name} must fall between 2000 and 2099")
        return value

    @field_validator("promised_at", "settled_at", "delivered_at")
    @classmethod
    def _not_before_opening(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        opened_at = info.data.get("opened_at")
        if value is not None and opened_at is not None and value < opened_at:
            raise ValueError(f"{info.field_name} is before opened_at")
        return value

    def canonical(self) -> dict[str, Any]:
        """The content that decides whether a replay is identical: JSON types, times in UTC."""
        data = self.model_dump(mode="json", by_alias=True)
        for name in ("opened_at", "promised_at", "settled_at", "delivered_at"):
            value: datetime | None = getattr(self, name)
            data[name] = value.astimezone(UTC).isoformat() if value else None
        return data


class RepairOrderOut(BaseModel):
    """The stored RO (times in UTC) with its revision; the other RO fields follow the request's names."""

    model_config = ConfigDict(extra="allow")
    dealer_code: str
    ro_number: str
    revision: int
    received_at: datetime
    updated_at: datetime


class BatchIn(BaseModel):
    """Each item is checked on its own, so one bad RO never rejects the others."""

    items: list[dict[str, Any]] = Field(min_length=1)


class ItemResult(BaseModel):
    index: int
    ro_number: str | None
    status: Literal["created", "unchanged", "corrected", "rejected"]
    revision: int | None = None
    errors: list[dict[str, str]] = []


class BatchOut(BaseModel):
    results: list[ItemResult]
    summary: dict[str, int]
