"""A dealer on the wire."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from csi_shared.limits import Input
from csi_shared.phones import normalise_phone
from csi_shared.text import DealerName

_ZONES = available_timezones()


class DealerIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "上海浦东服务中心", "region": "east", "time_zone": "Asia/Shanghai", "phone": "+862150001234"}
            ]
        }
    )
    name: DealerName
    region: str | None = Field(default=None, max_length=50)
    time_zone: str = "Asia/Shanghai"
    phone: str | None = Field(
        default=None, max_length=32, description="the service desk's number, shown to customers whose link has closed"
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _ZONES:
            raise ValueError(f"unknown IANA time zone {value!r}")
        return value


class DealerOut(DealerIn):
    model_config = ConfigDict(extra="forbid", from_attributes=True)
    dealer_code: str = Field(validation_alias="code")


class ApiKeyOut(BaseModel):
    dealer_code: str
    api_key: str = Field(description="shown once; only its hash is kept")
    prefix: str


class ApiKeyIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"expires_in_days": 365}]})
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, strict=True, description="none: until revoked")


class ApiKeyInfo(BaseModel):
    """A DMS key as its dealer's admins see it: never the key, only the prefix it was shown with."""

    model_config = ConfigDict(from_attributes=True)
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="to the minute")


class ApiKeyList(BaseModel):
    dealer_code: str
    keys: list[ApiKeyInfo]
