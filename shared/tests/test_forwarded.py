"""Whose X-Forwarded-For is believed: only a trusted proxy's, read from the right (csi_shared.forwarded)."""

import pytest
from pydantic import ValidationError
from starlette.requests import Request

from csi_dev.testing import JWT_SECRET, PEPPER
from csi_shared.forwarded import client_address, parse_networks
from csi_shared.settings import ServiceSettings

TRUSTED = parse_networks("10.42.0.0/16, fd00::/8")


def request(peer: str | None, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "headers": headers, "client": (peer, 5000) if peer else None})


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("192.0.2.1", ["203.0.113.7"], "192.0.2.1"),  # an untrusted peer's header is not read
        ("10.42.0.7", ["203.0.113.7"], "203.0.113.7"),  # the ingress says who connected to it
        ("10.42.0.7", ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),  # what the customer wrote is left of that
        ("10.42.0.7", ["203.0.113.7, 10.42.3.3"], "203.0.113.7"),  # a chain of trusted proxies
        ("10.42.0.7", ["6.6.6.6", "203.0.113.7"], "203.0.113.7"),  # the header twice reads as one list
        ("10.42.0.7", [], "10.42.0.7"),  # no header: the proxy itself (a probe, say)
        ("10.42.0.7", ["10.42.1.1"], "10.42.1.1"),  # only trusted hops: the farthest
        ("fd00::5", ["2001:db8::1"], "2001:db8::1"),
        (None, ["203.0.113.7"], None),
    ],
)
def test_the_client_is_the_nearest_untrusted_address(peer: str | None, forwarded: list[str], client: str) -> None:
    assert client_address(request(peer, *forwarded), TRUSTED) == client


def test_with_no_trusted_proxies_the_header_is_never_read() -> None:
    assert client_address(request("127.0.0.1", "203.0.113.7"), []) == "127.0.0.1"


def settings() -> ServiceSettings:
    return ServiceSettings(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER)  # type: ignore[arg-type]


def test_trusted_proxies_come_from_the_environment_as_cidrs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_TRUSTED_PROXIES", "10.42.0.0/16, 192.168.1.7")
    assert [str(n) for n in settings().trusted_proxies] == ["10.42.0.0/16", "192.168.1.7/32"]
    monkeypatch.delenv("CSI_TRUSTED_PROXIES")
    assert settings().trusted_proxies == []  # none by default


def test_a_bad_cidr_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_TRUSTED_PROXIES", "10.42.0.0/16, ingress")
    with pytest.raises(ValidationError, match=r"trusted_proxies(.|\n)*'ingress'"):
        settings()
