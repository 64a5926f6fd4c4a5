"""Who is calling: DMS API keys bound to one dealer, and people with a JWT carrying role and scope."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from csi_shared.contract import bearer_token
from csi_shared.errors import Forbidden, Unauthorized
from csi_shared.identifiers import IDENTIFIER_PATTERN
from csi_shared.roles import Role as Role  # its home is roles.py, so that events can name it too
from csi_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


DEALER_ROLES = frozenset({Role.SERVICE_ADVISOR, Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER})
OEM_ROLES = frozenset({Role.OEM_ANALYST, Role.ADMIN})
HEAD_OFFICE_ROLES = OEM_ROLES | {Role.SURVEY_CENTER}
"""Brand staff: scoped by region or the whole brand, never by named dealers alone."""
SCOPED_ROLES = frozenset({Role.SURVEY_CENTER})
"""Roles whose token must say its scope (a region, or the whole brand with `brand: true`); none is assumed."""
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
        return self.role in HEAD_OFFICE_ROLES and not self.dealers and self.region is None

    def may_access(self, dealer_code: str, region: str | None = None) -> bool:
        """Whether this person may see or act on a dealer's objects: the one scope rule of every read, list, ranking,
        export, report and write (`csi_shared.dealers.in_scope` is the same rule as a query).

        The token's named dealers and its region each narrow the scope, and both must hold when both are given: a
        head-office user limited to named dealers sees those only, whatever region they ask for. An OEM role with
        neither reaches every dealer; a dealer role always names its dealers.
        """
        if self.role not in DEALER_ROLES | HEAD_OFFICE_ROLES:
            return False  # the privacy officer: no dealer's business data, whatever the token claims
        if self.dealers and dealer_code not in self.dealers:
            return False
        if self.region is not None and region != self.region:
            return False
        return bool(self.dealers) or self.role in HEAD_OFFICE_ROLES

    def sees_phone_numbers_of(self, dealer_code: str) -> bool:
        return self.role in CALLING_ROLES and dealer_code in self.dealers


def mask_phone(phone: str | None) -> str | None:
    """`+8613800138000` → `+86138****8000`: enough to recognise, not to call.

    Counted in digits, whatever else was typed between them: at most the first five and the last four show, and never
    more than the number minus eight digits at the front."""
    if not phone:
        return phone
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) <= 8:
        return "****"
    plus = "+" if phone.lstrip().startswith("+") else ""
    return plus + digits[: min(5, len(digits) - 8)] + "****" + digits[-4:]


INVALID_TOKEN = "the bearer token is not valid"
"""The one answer to any refused token (bad signature, expired, a claim of the wrong shape)."""

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
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
            return principal_from_claims(claims, max_lifetime=self.settings.jwt_max_lifetime)
        except (jwt.PyJWTError, Unauthorized) as exc:
            # The reason is for the operator: told to the caller it would say what to change in a forged token, and
            # repeat what the token carried.
            reason = exc.detail if isinstance(exc, Unauthorized) else f"{type(exc).__name__}: {exc}"
            log.info("bearer token refused: %r", reason)
            raise Unauthorized(INVALID_TOKEN) from exc


# Claims end up in audit trails and log lines: no C0 or C1 controls, DEL, or bidirectional marks, overrides and
# isolates (which make a name in a trail read differently from what it holds).
_UNSHOWN = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SUBJECT = re.compile(f"^[^{_UNSHOWN}]{{1,200}}$")
_REGION = re.compile(f"^[^{_UNSHOWN}]{{1,50}}$")
_DEALER_CODE = re.compile(IDENTIFIER_PATTERN)


def principal_from_claims(claims: dict[str, Any], *, max_lifetime: timedelta) -> Principal:
    """The person a verified token's claims describe; Unauthorized for claims of the wrong type or shape, a blank
    subject, or a lifetime longer than the platform allows."""
    subject, role_claim = claims.get("sub"), claims.get("role")
    dealers, region = claims.get("dealers", []), claims.get("region")
    if not isinstance(subject, str) or not subject.strip() or not _SUBJECT.match(subject):
        raise Unauthorized("claim 'sub' must name the person")
    if not isinstance(role_claim, str) or role_claim not in Role.__members__.values():
        raise Unauthorized(f"unknown role {role_claim!r}")
    role = Role(role_claim)
    if (
        not isinstance(dealers, list)
        or len(dealers) > 1000
        or not all(isinstance(d, str) and len(d) <= 20 and _DEALER_CODE.match(d) for d in dealers)
    ):
        raise Unauthorized("claim 'dealers' must be a list of dealer codes")
    if region is not None and (not isinstance(region, str) or not region.strip() or not _REGION.match(region)):
        raise Unauthorized("claim 'region' must be a region name")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise Unauthorized("claims 'iat' and 'exp' must be times")
    if expires - issued > max_lifetime.total_seconds():
        raise Unauthorized(f"the token lives longer than {max_lifetime.total_seconds() / 3600:g} hours")
    if role in DEALER_ROLES and (not dealers or region):
        raise Unauthorized(f"role {role} needs a 'dealers' scope")
    brand = claims.get("brand", False)
    if not isinstance(brand, bool):
        raise Unauthorized("claim 'brand' must be true or false")
    if role in SCOPED_ROLES and not region and not dealers and not brand:
        # An identity provider that forgot the scope must not hand out every dealer's customers.
        raise Unauthorized(f"role {role} needs a 'region' or the whole brand ('brand': true)")
    if role is Role.PRIVACY_OFFICER:
        dealers, region = [], None  # its work is the brand's; a dealers claim must not open any dealer's data
    return Principal(subject=subject.strip(), role=role, dealers=frozenset(dealers), region=region)


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
    if ttl > settings.jwt_max_lifetime:
        raise ValueError(
            f"a token lifetime of at most {settings.jwt_max_lifetime_hours:g} hours (JWT_MAX_LIFETIME_HOURS)"
        )
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
    if role in SCOPED_ROLES and not region and not dealers:
        claims["brand"] = True  # a dev token without a region is for the whole brand, said explicitly
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required")
    return token.strip()


def current_principal(request: Request, _: Annotated[Any, Depends(bearer_token)] = None) -> Principal:
    """The person behind the bearer token, who may ask only so often (429 with Retry-After): one person's scripts or
    tabs must not slow everyone else's reads."""
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(_bearer(request))
    limiter = getattr(request.app.state, "person_limiter", None)
    if limiter is not None:
        limiter.take(f"person:{principal.subject}")
    return principal


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
