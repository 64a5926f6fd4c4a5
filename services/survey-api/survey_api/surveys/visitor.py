"""What the survey page records of whoever opens it: a browser family and a salted hash of the network, never the
address itself (integrity signals and the response-rate funnel, without personal data)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

_FAMILIES = (
    ("MicroMessenger", "wechat"),
    ("AlipayClient", "alipay"),
    ("Edg/", "edge"),
    ("OPR/", "opera"),
    ("Firefox/", "firefox"),
    ("SamsungBrowser/", "samsung"),
    ("Chrome/", "chrome"),
    ("Chromium/", "chrome"),
    ("Safari/", "safari"),
)


def browser_family(user_agent: str | None) -> str:
    """The browser family of a User-Agent: enough to see many answers from one kind of browser, not to track."""
    if not user_agent:
        return "unknown"
    for marker, family in _FAMILIES:
        if marker in user_agent:
            return family
    return "other"


def network_of(address: str | None) -> str | None:
    """The client's network: its /24 for IPv4, its /48 for IPv6; None when the address is not an IP."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_hash(address: str | None, salt: bytes) -> str | None:
    """A salted hash of the client's network: equal for two answers from one network, useless to find it."""
    network = network_of(address)
    if network is None:
        return None
    return hmac.new(salt, network.encode(), hashlib.sha256).hexdigest()[:32]


def polite_address(name: str | None, language: str) -> str | None:
    """李雷 → 李先生/女士 in Chinese; nothing in English (no gender is known, and a first name would be too much)."""
    if language != "zh-CN" or not name:
        return None
    name = name.strip()
    if not name or not all("\u4e00" <= c <= "\u9fff" for c in name):
        return None
    surname = name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[0]
    return f"{surname}先生/女士"


COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"}
)
