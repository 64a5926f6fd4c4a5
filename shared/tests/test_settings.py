import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class _Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_DEMO_", extra="ignore")
    service_name = "demo"


def test_a_service_value_overrides_the_common_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_ENV_FILE", "/nonexistent")
    monkeypatch.setenv("CSI_JWT_SECRET", "s")
    monkeypatch.setenv("CSI_API_KEY_PEPPER", "p")
    monkeypatch.setenv("CSI_KAFKA_BOOTSTRAP_SERVERS", "common:9092")
    monkeypatch.setenv("CSI_DEMO_PORT", "9999")
    settings = _Settings()
    assert settings.kafka_bootstrap_servers == "common:9092"
    assert settings.port == 9999
    monkeypatch.setenv("CSI_DEMO_KAFKA_BOOTSTRAP_SERVERS", "mine:9092")
    assert _Settings().kafka_bootstrap_servers == "mine:9092"


def test_defaults_derive_from_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_ENV_FILE", "/nonexistent")
    settings = _Settings(jwt_secret="s", api_key_pepper="p", kafka_topic_prefix="x.")
    assert settings.database_url == "sqlite+aiosqlite:///var/demo.db"
    assert settings.consumer_group == "x.demo"
    assert settings.topic("csi.surveys") == "x.csi.surveys"


def test_secrets_have_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_ENV_FILE", "/nonexistent")
    monkeypatch.delenv("CSI_JWT_SECRET", raising=False)
    monkeypatch.delenv("CSI_API_KEY_PEPPER", raising=False)
    with pytest.raises(ValidationError, match="api_key_pepper"):
        _Settings(jwt_secret="s")
    with pytest.raises(ValidationError, match="jwt_secret"):
        _Settings(api_key_pepper="p")
