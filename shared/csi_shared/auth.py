"""Who is calling: DMS API keys bound to one dealer, and people with a JWT carrying role and scope."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from csi_shared.errors import Forbidden, Unauthorized
from csi_shared.settings import ServiceSettings


class Role(StrEnum):
    SERVICE_ADVISOR = "service_advisor"
    CRA = "cra"
    SERVICE_MANAGER = "service_manager"
    GENERAL_MANAGER = "general_manager"
    OEM_ANALYST = "oem_analyst"
    ADMIN = "admin"


DEALER_ROLES = frozenset({Role.SERVICE_ADVISOR, Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER})
OEM_ROLES = frozenset({Role.OEM_ANALYST, Role.ADMIN})
CALLING_ROLES = frozenset({Role.CRA, Role.SERVICE_ADVISOR})
"""The roles that phone customers and so may see their numbers."""


@dataclass(frozen=True)
class Principal:
    """A person: a dealer role over named dealers, or an OEM role over a region or everything."""

    subject: str
    role: Role
    dealers: frozenset[str] = field(default_factory=frozenset)
    region: str | None = None

    @property
    def all_dealers(self) -> bool:
        return self.role in OEM_ROLES and not self.dealers and self.region is None

    def may_access(self, dealer_code: str, region: str | None = None) -> bool:
        """Whether this person may see or act on a dealer's objects."""
        if self.all_dealers or dealer_code in self.dealers:
            return True
        return self.role in OEM_ROLES and self.region is not None and region == self.region

    def sees_phone_numbers_of(self, dealer_code: str) -> bool:
        return self.role in CALLING_ROLES and dealer_code in self.dealers


def mask_phone(phone: str | None) -> str | None:
    """`+8613800138000` → `+86138****8000`: enough to recognise, not to call."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:-8] + "****" + phone[-4:]


# --- JWT --------------------------------------------------------------------------------------


class TokenVerifier:
    """Verifies bearer tokens: HS256 with a shared secret in dev, RS256 against a key or JWKS in production."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    def _key(self, token: str) -> Any:
        if self.settings.jwt_algorithm == "HS256":
            assert self.settings.jwt_secret is not None
            return self.settings.jwt_secret.get_secret_value()
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        return self.settings.jwt_public_key

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=[self.settings.jwt_algorithm],
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        try:
            role = Role(claims.get("role"))
        except ValueError as exc:
            raise Unauthorized(f"unknown role {claims.get('role')!r}") from exc
        dealers = claims.get("dealers") or []
        region = claims.get("region")
        if not isinstance(dealers, list) or not all(isinstance(d, str) for d in dealers):
            raise Unauthorized("claim 'dealers' must be a list of dealer codes")
        if role in DEALER_ROLES and (not dealers or region):
            raise Unauthorized(f"role {role} needs a 'dealers' scope")
        return Principal(subject=str(claims["sub"]), role=role, dealers=frozenset(dealers), region=region)


def mint_token(
    settings: ServiceSettings,
    *,
    subject: str,
    role: Role,
    dealers: list[str] | None = None,
    region: str | None = None,
    ttl: timedelta = timedelta(hours=8),
    now: datetime,
) -> str:
    """A dev token signed with the HS256 secret."""
    if settings.jwt_algorithm != "HS256" or settings.jwt_secret is None:
        raise RuntimeError("dev tokens are HS256 only; production tokens come from the identity provider")
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if dealers:
        claims["dealers"] = dealers
    if region:
        claims["region"] = region
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required")
    return token.strip()


def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(_bearer(request))


CurrentUser = Annotated[Principal, Depends(current_principal)]


def region_asked(principal: Principal, region: str | None) -> str | None:
    """The region a list covers: the caller's own when they are scoped to one (asking for another is forbidden),
    otherwise the one asked for, if any."""
    if principal.region is not None:
        if region not in (None, principal.region):
            raise Forbidden(f"region {region} is outside your scope")
        return principal.region
    return region


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden(f"role {principal.role} may not do this; allowed: {', '.join(sorted(roles))}")


# --- DMS API keys -----------------------------------------------------------------------------

API_KEY_PREFIX = "csi_"


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str, pepper: str) -> str:
    """HMAC-SHA256 with a server-side pepper: a stolen table alone does not let anyone test keys."""
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()
