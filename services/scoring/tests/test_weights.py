"""Factor weights: the China default, the named US set, and the OEM's own versions by settlement month."""

import json

import pytest
from pydantic import ValidationError

from csi_dev.testing import JWT_SECRET, PEPPER
from scoring.config import Settings as _Settings
from scoring.method import JD_POWER_CHINA_2014_WEIGHTS, JD_POWER_US_2023_WEIGHTS

OWN = {"service_quality": 0.4, "service_advisor": 0.3, "vehicle_pickup": 0.1, "service_facility": 0.1,
       "service_initiation": 0.1}  # fmt: skip


def Settings(**values: object) -> _Settings:
    return _Settings(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER, **values)  # type: ignore[arg-type]


def test_the_default_is_jd_powers_china_study() -> None:
    assert Settings().weights_version("2026-11") == ("jd_power_china_2014", JD_POWER_CHINA_2014_WEIGHTS)
    assert Settings(factor_weight_set="jd_power_us_2023").weights_for("2026-11") == JD_POWER_US_2023_WEIGHTS
    assert Settings(factor_weights=OWN).weights_version("2026-11") == ("oem", OWN)


def test_a_period_is_scored_with_the_weights_in_force_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Versions given out of order, as an OEM might type them: US from January 2027, its own from April 2027.
    monkeypatch.setenv(
        "CSI_SCORING_FACTOR_WEIGHT_VERSIONS",
        json.dumps([{"from": "2027-04", "weights": OWN}, {"from": "2027-01", "set": "jd_power_us_2023"}]),
    )
    settings = Settings()
    assert settings.weights_version("2026-12") == ("jd_power_china_2014", JD_POWER_CHINA_2014_WEIGHTS)
    assert settings.weights_version("2027-01") == ("jd_power_us_2023", JD_POWER_US_2023_WEIGHTS)
    assert settings.weights_version("2027-03") == ("jd_power_us_2023", JD_POWER_US_2023_WEIGHTS)
    assert settings.weights_version("2027-04") == ("oem-2027-04", OWN)
    assert settings.weights_version("2028-12") == ("oem-2027-04", OWN)


@pytest.mark.parametrize(
    "versions",
    [
        [{"from": "2027-13", "set": "jd_power_us_2023"}],  # no such month
        [{"from": "2027-01"}],  # neither a set nor weights
        [{"from": "2027-01", "set": "jd_power_us_2023", "weights": OWN}],  # both
        [{"from": "2027-01", "set": "jd_power_uk"}],  # unknown set
        [{"from": "2027-01", "weights": {"price": 1.0}}],  # unknown factor
        [{"from": "2027-01", "set": "jd_power_us_2023"}, {"from": "2027-01", "weights": OWN}],  # same month twice
    ],
)
def test_bad_weight_versions_are_refused(versions: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        Settings(factor_weight_versions=versions)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(factor_weight_set="jd_power_uk")
