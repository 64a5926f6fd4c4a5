"""GET /v1/questionnaires/{code}: public, a survey page renders from it."""

from __future__ import annotations

from fastapi import APIRouter

from csi_shared.errors import NotFound
from survey_api.questionnaires import catalogue
from survey_api.questionnaires.schemas import Questionnaire

router = APIRouter(prefix="/v1/questionnaires", tags=["questionnaires"])


@router.get(
    "/{code}",
    response_model=Questionnaire,
    response_model_by_alias=True,
    summary="A questionnaire (latest version unless asked)",
)
async def get_questionnaire(code: str, version: int | None = None) -> Questionnaire:
    found = catalogue.get(code, version) if version else catalogue.latest(code)
    if found is None:
        raise NotFound(f"questionnaire {code}{f' v{version}' if version else ''} not found")
    return found
