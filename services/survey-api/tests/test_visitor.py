"""The survey page's view of its visitor, on hand-made inputs."""

import pytest

from survey_api.surveys.visitor import browser_family, network_hash, network_of, polite_address

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)
WECHAT = CHROME_ANDROID + " MicroMessenger/8.0.49"
SAFARI_IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1"


@pytest.mark.parametrize(
    ("agent", "family"),
    [(CHROME_ANDROID, "chrome"), (WECHAT, "wechat"), (SAFARI_IOS, "safari"), (None, "unknown"), ("curl/8", "other")],
)
def test_browser_family(agent: str | None, family: str) -> None:
    assert browser_family(agent) == family


def test_networks_are_a_v4_slash_24_and_a_v6_slash_48() -> None:
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert network_of("testclient") is None
    salt = b"s"
    assert network_hash("203.0.113.77", salt) == network_hash("203.0.113.5", salt)
    assert network_hash("203.0.114.5", salt) != network_hash("203.0.113.5", salt)
    assert network_hash("203.0.113.77", b"other salt") != network_hash("203.0.113.77", salt)
    assert "203.0.113" not in (network_hash("203.0.113.77", salt) or "")


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [("李雷", "zh-CN", "李先生/女士"), ("欧阳娜娜", "zh-CN", "欧阳先生/女士"), ("李雷", "en", None),
     ("John Smith", "zh-CN", None), ("", "zh-CN", None)],
)  # fmt: skip
def test_a_polite_form_of_address_and_nothing_more(name: str, language: str, expected: str | None) -> None:
    assert polite_address(name, language) == expected
