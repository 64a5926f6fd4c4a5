"""What the privacy officer sends and reads."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csi_shared.limits import Input
from csi_shared.phones import normalise_phone
from survey_api.repair_orders.vin import vin_problem


class PersonIn(Input):
    """A person, found by the phone number on their ROs or by their car's VIN: one of the two."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+8613800138000"}]})

    phone: str | None = Field(default=None, max_length=32, description="Any form; normalised to E.164 as stored.")
    vin: str | None = Field(default=None, min_length=1, max_length=17)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @field_validator("vin")
    @classmethod
    def _vin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        vin = value.upper()
        if problem := vin_problem(vin):
            raise ValueError(problem)
        return vin

    @model_validator(mode="after")
    def _one_of(self) -> PersonIn:
        if (self.phone is None) == (self.vin is None):
            raise ValueError("give either a phone number or a VIN")
        return self

    @property
    def subject(self) -> tuple[str, str]:
        return ("phone", self.phone) if self.phone else ("vin", self.vin or "")


class SurveyConsentIn(PersonIn):
    """The customer's wish about surveys from any dealer of the brand: `false` for none (an opt-out), `true` to have
    them again."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+8613800138000", "surveys": False}]})

    surveys: bool = Field(strict=True)


class ServiceProgress(BaseModel):
    service: str
    status: Literal["done", "pending"]
    completed_at: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict, description="Rows changed per table (and unsent events).")


class ErasureRequestOut(BaseModel):
    id: str
    subject: Literal["phone", "vin"] = Field(description="What the person was found by (never the value itself).")
    requested_at: datetime
    requested_by: str
    ros: int = Field(description="The person's ROs found by survey-api.")
    customers: int
    status: Literal["in_progress", "completed"]
    services: list[ServiceProgress]


class PhoneReadOut(BaseModel):
    read_at: datetime
    reader: str
    role: str
    dealer_code: str
    service: str
    purpose: str
    customer_id: str | None = None
    ro_number: str | None = None


class ReaderSummary(BaseModel):
    reader: str
    role: str
    dealer_code: str
    reads: int = Field(description="Phone numbers shown, counting each time.")
    customers: int = Field(description="Different customers whose number was shown.")
    customers_called: int = Field(description="Different customers whose number was shown while recording a call.")
    unusual: bool = Field(
        description="Far more customers' numbers read than called (see PHONE_READ_ALERT_RATIO and _MIN_CUSTOMERS)."
    )


class PhoneReadReport(BaseModel):
    dealer_code: str | None
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    readers: list[ReaderSummary]
    records: list[PhoneReadOut]
    truncated: bool = Field(description="More records than `limit`: narrow the period or the dealer.")

    model_config = {"populate_by_name": True}


class ConsentOut(BaseModel):
    kind: Literal["callback", "contact", "survey"]
    granted: bool
    window_from: time | None = None
    window_to: time | None = None
    source: str
    dealer_code: str | None = None
    ro_number: str | None = None
    given_at: datetime
    recorded_at: datetime


class ConsentHistory(BaseModel):
    current: dict[str, ConsentOut] = Field(
        description="What holds now: the latest record of each kind, per dealer for callbacks and contact "
        "(`callback:D001`, `contact:D001`), brand-wide for surveys (`survey`)."
    )
    history: list[ConsentOut] = Field(description="Every record, oldest first.")
