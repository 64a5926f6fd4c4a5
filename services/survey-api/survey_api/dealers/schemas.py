"""A dealer on the wire."""

from __future__ import annotations

from zoneinfo import available_timezones

from pydantic import ConfigDict, Field, field_validator

from csi_shared.limits import Input

_ZONES = available_timezones()


class DealerIn(Input):
    name: str = Field(min_length=1, max_length=200)
    region: str | None = Field(default=None, max_length=50)
    time_zone: str = "Asia/Shanghai"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _ZONES:
            raise ValueError(f"unknown IANA time zone {value!r}")
        return value


class DealerOut(DealerIn):
    model_config = ConfigDict(extra="forbid", from_attributes=True)
    dealer_code: str = Field(validation_alias="code")
