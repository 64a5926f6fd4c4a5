from datetime import UTC, datetime, timedelta

import jwt
import pytest

from csi_shared.auth import Principal, Role, TokenVerifier, hash_api_key, mask_phone, mint_token
from csi_shared.errors import Unauthorized
from csi_shared.settings import ServiceSettings

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"


class _Settings(ServiceSettings):
    service_name = "test"


@pytest.fixture
def settings() -> _Settings:
    return _Settings(jwt_secret=SECRET, api_key_pepper="pepper")


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "u1", "role": "cra", "dealers": ["D001"], "iss": "csi-dev", "aud": "csi",
        "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp()),
    }  # fmt: skip
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_minted_token_verifies_to_its_principal(settings: _Settings) -> None:
    token = mint_token(settings, subject="u1", role=Role.CRA, dealers=["D001"], now=datetime.now(UTC))
    assert TokenVerifier(settings).verify(token) == Principal("u1", Role.CRA, frozenset({"D001"}))


@pytest.mark.parametrize(
    ("token_factory", "reason"),
    [
        (lambda: jwt.encode(_claims(), key=None, algorithm="none"), "alg none"),
        (lambda: jwt.encode(_claims(exp=1), SECRET, algorithm="HS256"), "expired"),
        (lambda: jwt.encode(_claims(iss="someone-else"), SECRET, algorithm="HS256"), "wrong issuer"),
        (lambda: jwt.encode(_claims(), "another-secret-of-thirty-two-bytes!!", algorithm="HS256"), "wrong signature"),
        (lambda: jwt.encode(_claims(role="superuser"), SECRET, algorithm="HS256"), "unknown role"),
        (lambda: jwt.encode(_claims(dealers=None), SECRET, algorithm="HS256"), "dealer role without dealers"),
        (lambda: jwt.encode(_claims(aud=None), SECRET, algorithm="HS256"), "no audience"),
    ],
)
def test_bad_tokens_are_rejected(settings: _Settings, token_factory: object, reason: str) -> None:
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(token_factory())  # type: ignore[operator]


def test_scope_rules() -> None:
    cra = Principal("u", Role.CRA, frozenset({"D001"}))
    assert cra.may_access("D001") and not cra.may_access("D002", "east")
    assert cra.sees_phone_numbers_of("D001") and not cra.sees_phone_numbers_of("D002")
    manager = Principal("u", Role.SERVICE_MANAGER, frozenset({"D001"}))
    assert manager.may_access("D001") and not manager.sees_phone_numbers_of("D001")
    regional = Principal("u", Role.OEM_ANALYST, region="east")
    assert regional.may_access("D009", "east") and not regional.may_access("D010", "west")
    assert not regional.may_access("D011", None)
    assert Principal("u", Role.ADMIN).may_access("anything")


def test_phone_masking_and_key_hashing() -> None:
    assert mask_phone("+8613800138000") == "+86138****8000"
    assert mask_phone(None) is None
    assert hash_api_key("csi_k", "p1") != hash_api_key("csi_k", "p2")
    assert len(hash_api_key("csi_k", "p1")) == 64
