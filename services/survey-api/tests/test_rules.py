import pytest

from csi_shared.phones import normalise_phone
from survey_api.repair_orders.vin import vin_check_digit, vin_problem


@pytest.mark.parametrize("vin", ["LSVAU218XN2183294", "1M8GDM9AXKP042788", "WVWZZZ1JZXW000001"])
def test_valid_vins(vin: str) -> None:
    assert vin_problem(vin) is None


def test_check_digit_is_checked_for_chinese_and_north_american_vins() -> None:
    assert vin_check_digit("LSVAU218XN2183294") == "X"
    assert "check digit" in (vin_problem("LSVAU2180N2183294") or "")
    assert "check digit" in (vin_problem("1M8GDM9A1KP042788") or "")


@pytest.mark.parametrize("vin", ["LSVAU218XN218329", "LSVAU218XN21832941", "LSVAU218ON2183294", "lsvau218xn2183294"])
def test_malformed_vins(vin: str) -> None:
    assert "17 characters" in (vin_problem(vin) or "")


def test_phones_are_normalised_to_e164() -> None:
    assert normalise_phone("138 0013 8000") == "+8613800138000"
    assert normalise_phone("+86 138-0013-8000") == "+8613800138000"
    assert normalise_phone("021 6212 3456") == "+862162123456"
    with pytest.raises(ValueError):
        normalise_phone("12345")
