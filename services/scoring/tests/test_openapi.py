"""What frontends generate clients from: every JSON answer of scoring has a declared model, files their media types."""

from scoring.app import create_app
from scoring.config import Settings

SHARED = {"/healthz", "/readyz"}  # the platform's own probes, declared in csi_shared


def _openapi() -> dict:  # type: ignore[type-arg]
    settings = Settings(jwt_secret="x" * 40, api_key_pepper="pepper", database_url="sqlite+aiosqlite:///:memory:")
    return create_app(settings).openapi()


def test_every_json_answer_has_a_declared_model() -> None:
    spec = _openapi()
    answers = {
        (method, path): op["responses"]["200"]["content"]
        for path, methods in spec["paths"].items()
        if path not in SHARED
        for method, op in methods.items()
    }
    files = answers.pop(("get", "/v1/csi/export"))
    assert set(files) == {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert {path for _, path in answers} == {
        "/v1/dealers/{dealer_code}/csi",
        "/v1/dealers/{dealer_code}/csi/trend",
        "/v1/dealers/{dealer_code}/csi/breakdown",
        "/v1/csi",
        "/v1/dispositions",
        "/v1/integrity",
        "/v1/integrity/dealers/{dealer_code}/known-numbers",
        "/v1/integrity/known-numbers",
        "/v1/integrity/dealers/{dealer_code}/review",
        "/v1/integrity/responses/{response_id}/exclusion",
        "/v1/integrity/actions",
    }
    for where, content in answers.items():
        assert set(content) == {"application/json"}, where
        ref = content["application/json"]["schema"]["$ref"]
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert schema["type"] == "object" and schema["properties"] and schema["additionalProperties"] is False, where
    status = spec["components"]["schemas"]["PeriodStatus"]
    assert status["enum"] == ["provisional", "final"]
