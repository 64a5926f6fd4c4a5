"""scoring settings: `CSI_SCORING_<NAME>`, falling back to `CSI_<NAME>`."""

import hashlib
import hmac
from typing import Annotated, Literal

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings
from csi_shared.web import app_settings
from scoring.integrity.signals import IntegrityThresholds
from scoring.method import DEFAULT_WEIGHT_SET, FACTORS, NAMED_WEIGHTS


def _check_weights(weights: dict[str, float]) -> dict[str, float]:
    unknown = set(weights) - set(FACTORS)
    if unknown or any(w < 0 for w in weights.values()) or not sum(weights.values()):
        raise ValueError(f"weights must be non-negative, not all zero, over {FACTORS}; unknown: {sorted(unknown)}")
    return weights


class WeightVersion(BaseModel):
    """The OEM's factor weights from a settlement month on: a named set (`set`) or its own (`weights`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_period: str = Field(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    """The first settlement month (YYYY-MM) scored with these weights."""
    set: str | None = None
    weights: dict[str, float] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "WeightVersion":
        if (self.set is None) == (self.weights is None):
            raise ValueError("a weight version names a set or gives weights, not both")
        if self.set is not None and self.set not in NAMED_WEIGHTS:
            raise ValueError(f"unknown weight set {self.set!r}; known: {sorted(NAMED_WEIGHTS)}")
        if self.weights is not None:
            _check_weights(self.weights)
        return self

    @property
    def name(self) -> str:
        return self.set or f"oem-{self.from_period}"

    def resolved(self) -> dict[str, float]:
        return NAMED_WEIGHTS[self.set] if self.set is not None else dict(self.weights or {})


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SCORING_", extra="ignore")
    service_name = "scoring"

    port: int = 8003
    factor_weight_set: str = DEFAULT_WEIGHT_SET
    """The named weights every period is scored with unless a version says otherwise: `jd_power_china_2014` (the
    default, J.D. Power's China after-sales CSI) or `jd_power_us_2023`."""
    factor_weights: dict[str, float] | None = None
    """The programme's own weights (JSON), in place of the named set."""
    factor_weight_versions: list[WeightVersion] = []
    """The OEM's weights over time (JSON: `[{"from": "2027-01", "weights": {...}} | {"from": ..., "set": ...}]`): a
    period is scored with the version in force for it (the newest `from` not after it), earlier ones with the base."""
    min_sample: int = 30
    strength_very_satisfied_share: float = 0.6
    strength_min_answers: int = 10
    """An item needs this many answers in the period before it can be called a strength."""
    priority_dissatisfied_share: float = 0.1
    """An item with at least this share of (very) dissatisfied answers (1-4) is weak whatever the region's mean."""
    top_box_from: int = 9
    importance_scope: Literal["region", "brand"] = "region"
    min_importance_responses: int = 30
    """A region with fewer paired answers for an item borrows the brand's importance."""
    priority_items: int = 3
    publish_interval_s: float = 5.0
    importance_refresh_interval_s: float = 60.0
    integrity: IntegrityThresholds = IntegrityThresholds()
    """When each integrity signal fires (JSON; see scoring/integrity/signals.py)."""

    @property
    def integrity_salt(self) -> bytes:
        """The salt of the customers' phone and name hashes, derived from the pepper under its own label."""
        return hmac.new(self.api_key_pepper.get_secret_value().encode(), b"scoring-integrity", hashlib.sha256).digest()

    @field_validator("factor_weights")
    @classmethod
    def _known_factors(cls, weights: dict[str, float] | None) -> dict[str, float] | None:
        return None if weights is None else _check_weights(weights)

    @field_validator("factor_weight_set")
    @classmethod
    def _known_set(cls, name: str) -> str:
        if name not in NAMED_WEIGHTS:
            raise ValueError(f"unknown weight set {name!r}; known: {sorted(NAMED_WEIGHTS)}")
        return name

    @field_validator("factor_weight_versions")
    @classmethod
    def _distinct_starts(cls, versions: list[WeightVersion]) -> list[WeightVersion]:
        starts = [v.from_period for v in versions]
        if len(set(starts)) != len(starts):
            raise ValueError("two weight versions start in the same month")
        return sorted(versions, key=lambda v: v.from_period)

    def weights_version(self, period: str) -> tuple[str, dict[str, float]]:
        """(name, weights) in force for a settlement month: the newest version starting in or before it, else the
        base (the programme's own weights, or the named set). Periods compare as YYYY-MM strings."""
        current: tuple[str, dict[str, float]] = (
            ("oem", self.factor_weights) if self.factor_weights is not None
            else (self.factor_weight_set, NAMED_WEIGHTS[self.factor_weight_set])
        )  # fmt: skip
        for version in self.factor_weight_versions:
            if version.from_period <= period:
                current = (version.name, version.resolved())
        return current

    def weights_for(self, period: str) -> dict[str, float]:
        return self.weights_version(period)[1]


AppSettings = Annotated[Settings, Depends(app_settings)]
