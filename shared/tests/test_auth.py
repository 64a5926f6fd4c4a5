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
        # Claims of the wrong shape: each used to be taken, or to answer 500 further on.
        (
            lambda: jwt.encode(_claims(role="oem_analyst", dealers=None, region={"a": 1}), SECRET, algorithm="HS256"),
            "region object",
        ),
        (
            lambda: jwt.encode(_claims(role="oem_analyst", dealers=None, region=""), SECRET, algorithm="HS256"),
            "empty region",
        ),
        (lambda: jwt.encode(_claims(sub=""), SECRET, algorithm="HS256"), "empty sub"),
        (lambda: jwt.encode(_claims(sub="   "), SECRET, algorithm="HS256"), "blank sub"),
        (lambda: jwt.encode(_claims(sub=12), SECRET, algorithm="HS256"), "sub not a string"),
        (lambda: jwt.encode(_claims(role=["cra"]), SECRET, algorithm="HS256"), "role a list"),
        (lambda: jwt.encode(_claims(dealers=["D001", 5]), SECRET, algorithm="HS256"), "dealer not a string"),
        (lambda: jwt.encode(_claims(dealers=["D0/01"]), SECRET, algorithm="HS256"), "dealer code out of pattern"),
        (lambda: jwt.encode(_claims(dealers="D001"), SECRET, algorithm="HS256"), "dealers a string"),
        (
            lambda: jwt.encode(
                _claims(exp=int(datetime.now(UTC).timestamp()) + 100 * 365 * 86400), SECRET, algorithm="HS256"
            ),
            "100 years",
        ),
        (lambda: jwt.encode(_claims(iat=None), SECRET, algorithm="HS256"), "no iat"),
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
    # Masked by digits, not characters: spaces or dashes typed between them must not uncover more.
    for typed in ("1 3 8 0 0 1 3 8 0 00", "138-0013-8000", "13800138000"):
        assert mask_phone(typed) == "138****8000"
    assert mask_phone("+86 138 0013 8000") == "+86138****8000"
    assert mask_phone("1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0") == "12345****7890"
    assert mask_phone("12 34") == "****"
    assert hash_api_key("csi_k", "p1") != hash_api_key("csi_k", "p2")
    assert len(hash_api_key("csi_k", "p1")) == 64


def test_the_token_lifetime_is_bounded_by_a_setting(settings: _Settings) -> None:
    now = datetime.now(UTC)
    day = jwt.encode(_claims(exp=int((now + timedelta(hours=24)).timestamp())), SECRET, algorithm="HS256")
    assert TokenVerifier(settings).verify(day).subject == "u1"  # the default maximum is a day
    short = _Settings(jwt_secret=SECRET, api_key_pepper="pepper", jwt_max_lifetime_hours=1)
    with pytest.raises(Unauthorized):
        TokenVerifier(short).verify(day)
    with pytest.raises(ValueError, match="lifetime"):
        mint_token(short, subject="u1", role=Role.CRA, dealers=["D001"], ttl=timedelta(hours=8), now=now)


def test_a_refused_token_says_why_in_general_terms_only(settings: _Settings) -> None:
    # The JWT library's reason and the claim's value stay in the log, not in the answer.
    for claims in (
        _claims(role="root<script>"),
        _claims(exp=1),
        _claims(region={"a": 1}, role="oem_analyst", dealers=None),
    ):
        with pytest.raises(Unauthorized) as refused:
            TokenVerifier(settings).verify(jwt.encode(claims, SECRET, algorithm="HS256"))
        assert refused.value.detail == "the bearer token is not valid"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"sub": "u1\u202egnp.exe"}, "bidi override in sub"),
        ({"sub": "u1\u2066x\u2069"}, "bidi isolate in sub"),
        ({"sub": "u1\u200fx"}, "right-to-left mark in sub"),
        ({"sub": "u1\x85x"}, "C1 control (NEL) in sub"),
        ({"role": "oem_analyst", "dealers": None, "region": "east\u202e"}, "bidi override in region"),
        ({"role": "oem_analyst", "dealers": None, "region": "east\x9b"}, "C1 control in region"),
        ({"role": "survey_center", "dealers": None}, "survey centre without region or brand scope"),
        ({"role": "survey_center", "dealers": None, "brand": "yes"}, "brand claim not a boolean"),
    ],
)
def test_claims_that_would_forge_a_trail_or_widen_a_scope_are_refused(
    settings: _Settings, claims: dict[str, object], reason: str
) -> None:
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(jwt.encode(_claims(**claims), SECRET, algorithm="HS256"))


def test_a_survey_centre_token_names_its_region_or_the_whole_brand(settings: _Settings) -> None:
    verifier = TokenVerifier(settings)
    regional = verifier.verify(jwt.encode(_claims(role="survey_center", dealers=None, region="east"), SECRET))
    assert regional.may_access("D001", "east") and not regional.may_access("D002", "west")
    brand = verifier.verify(jwt.encode(_claims(role="survey_center", dealers=None, brand=True), SECRET))
    assert brand.may_access("D002", "west")
    # A dev token minted without a region says the whole brand explicitly.
    minted = mint_token(settings, subject="c", role=Role.SURVEY_CENTER, now=datetime.now(UTC))
    assert verifier.verify(minted).all_dealers


def test_a_privacy_officer_gets_nothing_from_a_dealers_claim(settings: _Settings) -> None:
    token = jwt.encode(_claims(role="privacy_officer", dealers=["D001"]), SECRET, algorithm="HS256")
    officer = TokenVerifier(settings).verify(token)
    assert officer.dealers == frozenset()
    assert not officer.may_access("D001") and not officer.may_access("D001", "east")
    assert not Principal("u", Role.PRIVACY_OFFICER, frozenset({"D001"})).may_access("D001")
