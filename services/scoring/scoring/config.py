"""scoring settings: `CSI_SCORING_<NAME>`, falling back to `CSI_<NAME>`."""

from typing import Literal

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings
from scoring.method import FACTORS, JD_POWER_2023_WEIGHTS


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SCORING_", extra="ignore")
    service_name = "scoring"

    port: int = 8003
    factor_weights: dict[str, float] = JD_POWER_2023_WEIGHTS
    """The programme's weights (JSON); the default is J.D. Power's 2023 after-sales CSI."""
    min_sample: int = 30
    strength_very_satisfied_share: float = 0.6
    top_box_from: int = 9
    importance_scope: Literal["region", "brand"] = "region"
    min_importance_responses: int = 30
    """A region with fewer paired answers for an item borrows the brand's importance."""
    priority_items: int = 3
    publish_interval_s: float = 5.0
    importance_refresh_interval_s: float = 60.0

    @field_validator("factor_weights")
    @classmethod
    def _known_factors(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = set(weights) - set(FACTORS)
        if unknown or any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValueError(f"weights must be non-negative, not all zero, over {FACTORS}; unknown: {sorted(unknown)}")
        return weights
