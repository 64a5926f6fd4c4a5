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

from csi_shared.calendar import EARLIEST, in_platform_years, past_time_problem
from csi_shared.contract import FieldError
from csi_shared.events import JobKind, NoSurveyReason
from csi_shared.identifiers import DealerCode, RoNumber
from csi_shared.limits import Input
from csi_shared.phones import normalise_phone
from csi_shared.text import Currency, PersonName
from survey_api.repair_orders.vin import vin_problem

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


HAPPENED = ("opened_at", "promised_at", "settled_at", "delivered_at")
"""The RO's times: a closed RO's have all passed (the promise too, give or take a day)."""

ADDED_LATER = ("alternate_phone",)
"""Customer fields added after the first ROs were stored."""


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
    name: PersonName
    phone: str | None = Field(default=None, max_length=32)
    alternate_phone: str | None = Field(default=None, max_length=32, description="e.g. a landline, given at reception")
    is_owner: bool = Field(default=True, strict=True)
    callback_consent: bool = Field(default=True, strict=True)
    preferred_callback_time: CallbackWindowIn | None = None

    @field_validator("phone", "alternate_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


class AdvisorIn(In):
    id: str = Field(min_length=1, max_length=50)
    name: PersonName


class JobIn(In):
    op_code: str = Field(min_length=1, max_length=50)
    description: str = Field(default="", max_length=500)
    kind: JobKind
    comeback: bool | None = Field(default=None, strict=True)


RO_EXAMPLE: dict[str, Any] = {
    "dealer_code": "D001",
    "ro_number": "RO-2026-000123",
    "vin": "LSVAU218XN2183294",
    "plate": "沪A12345",
    "mileage_km": 45210,
    "opened_at": "2026-11-02T09:10:00+08:00",
    "promised_at": "2026-11-02T17:00:00+08:00",
    "settled_at": "2026-11-02T16:30:00+08:00",
    "delivered_at": "2026-11-02T17:05:00+08:00",
    "service_advisor": {"id": "SA07", "name": "李明"},
    "customer": {
        "name": "王芳",
        "phone": "+8613800138000",
        "is_owner": True,
        "callback_consent": True,
        "preferred_callback_time": {"from": "10:00", "to": "12:00"},
    },
    "jobs": [{"op_code": "M10", "description": "10,000 km service", "kind": "maintenance", "comeback": False}],
    "estimate_amount": "1280.00",
    "invoice_amount": "1180.50",
    "currency": "CNY",
}
"""A closed RO as a DMS posts it: the example of the API documents and of README.md."""


class RepairOrderIn(In):
    model_config = ConfigDict(**In.model_config, json_schema_extra={"examples": [RO_EXAMPLE]})

    dealer_code: DealerCode
    ro_number: RoNumber
    vin: str = Field(min_length=1, max_length=17)
    plate: str | None = Field(default=None, max_length=20)
    mileage_km: int | None = Field(default=None, ge=0, le=3_000_000, strict=True)
    opened_at: AwareDatetime
    promised_at: AwareDatetime | None = None
    settled_at: AwareDatetime
    delivered_at: AwareDatetime
    service_advisor: AdvisorIn | None = None
    customer: CustomerIn
    jobs: list[JobIn] = Field(min_length=1, max_length=200)
    estimate_amount: Money | None = None
    invoice_amount: Money | None = None
    currency: Currency = "CNY"

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
        # Outside the platform's years before anything computes with them; how far ahead of now is checked on
        # intake, where the clock is (`past_time_problem`).
        if value is not None and not in_platform_years(value):
            raise ValueError(f"{info.field_name} {past_time_problem(value, now=EARLIEST)}")
        return value

    def time_errors(self, now: datetime) -> list[dict[str, str]]:
        """The times of this RO that have not happened yet (more than a day ahead of now), as field errors."""
        errors = []
        for name in HAPPENED:
            value: datetime | None = getattr(self, name)
            problem = past_time_problem(value, now) if value is not None else None
            if problem:
                errors.append({"field": name, "reason": f"{name} {problem}"})
        return errors

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
        # Fields added after ROs were first stored are left out while empty, so a replay of an RO received before
        # they existed still hashes the same and stays a replay, not a correction.
        for name in ADDED_LATER:
            if data["customer"].get(name) is None:
                data["customer"].pop(name, None)
        return data


class CallbackWindowOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    start: time = Field(alias="from")
    end: time = Field(alias="to")


class CustomerOut(BaseModel):
    name: str
    phone: str | None = Field(description="Masked (`+86138****8000`) unless the caller phones this dealer's customers")
    alternate_phone: str | None = None
    is_owner: bool
    callback_consent: bool
    preferred_callback_time: CallbackWindowOut | None


class AdvisorOut(BaseModel):
    id: str
    name: str


class JobOut(BaseModel):
    op_code: str
    description: str
    kind: JobKind
    comeback: bool | None


class RepairOrderOut(BaseModel):
    """The stored RO as posted (times in UTC, amounts as decimal strings) with its revision."""

    dealer_code: str
    ro_number: str
    vin: str
    plate: str | None
    mileage_km: int | None
    opened_at: datetime
    promised_at: datetime | None
    settled_at: datetime
    delivered_at: datetime
    service_advisor: AdvisorOut | None
    customer: CustomerOut
    jobs: list[JobOut]
    estimate_amount: str | None = Field(description="A decimal amount, e.g. `1280.00`")
    invoice_amount: str | None = Field(description="A decimal amount, e.g. `1180.50`")
    currency: str
    revision: int = Field(description="1 when created; each correction adds one, a replay keeps it")
    received_at: datetime
    updated_at: datetime
    no_survey_reason: NoSurveyReason | None = None


class BatchIn(BaseModel):
    """Each item is checked on its own, so one bad RO never rejects the others."""

    items: list[dict[str, Any]] = Field(min_length=1)


BATCH_IN_SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/components/schemas/RepairOrderIn"},
            "description": "Up to the batch limit (1000); each is checked on its own and gets its own result",
        }
    },
}
"""The batch as documented: items are ROs, though each is parsed on its own (BatchIn) so one bad item is one result."""


class ItemResult(BaseModel):
    index: int
    ro_number: str | None
    status: Literal["created", "unchanged", "corrected", "rejected"]
    revision: int | None = None
    errors: list[FieldError] = []


class BatchSummary(BaseModel):
    created: int
    unchanged: int
    corrected: int
    rejected: int


class BatchOut(BaseModel):
    results: list[ItemResult]
    summary: BatchSummary
