"""scoring settings: `CSI_SCORING_<NAME>`, falling back to `CSI_<NAME>`."""

import hashlib
import hmac
from typing import Annotated, Literal

from fastapi import Depends
from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings
from csi_shared.web import app_settings
from scoring.integrity.signals import IntegrityThresholds
from scoring.method import FACTORS, JD_POWER_2023_WEIGHTS


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SCORING_", extra="ignore")
    service_name = "scoring"

    port: int = 8003
    factor_weights: dict[str, float] = JD_POWER_2023_WEIGHTS
    """The programme's weights (JSON); the default is J.D. Power's 2023 after-sales CSI."""
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
    def _known_factors(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = set(weights) - set(FACTORS)
        if unknown or any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValueError(f"weights must be non-negative, not all zero, over {FACTORS}; unknown: {sorted(unknown)}")
        return weights


AppSettings = Annotated[Settings, Depends(app_settings)]
