"""The survey page's form: what a customer posted, read into a response, or an error per question in their language.

Pure: the page router renders, this decides. Every question of the questionnaire is answered (a score, or N/A where
the item allows it); return intent may be left out; the comment is at most 1,000 characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from survey_api.questionnaires.schemas import Questionnaire
from survey_api.surveys.schemas import AnswerIn, ResponseIn

COMMENT_MAX = 1000
NA = "na"

MESSAGES = {
    "required": {"zh-CN": "请选择一个分数", "en": "Please choose a score"},
    "required_na": {"zh-CN": "请选择一个分数，或“不适用”", "en": "Please choose a score, or N/A"},
    "invalid": {"zh-CN": "请选择 1 到 10 之间的分数", "en": "Please choose a score from 1 to 10"},
    "too_long": {
        "zh-CN": f"意见请不超过 {COMMENT_MAX} 字",
        "en": f"Please keep your comment to {COMMENT_MAX} characters",
    },
}


def item_field(code: str) -> str:
    return f"q_{code}"


@dataclass
class ReadForm:
    """The posted values (to show back on an error), and either the response or the errors by field name."""

    values: dict[str, str]
    response: ResponseIn | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _score(raw: str | None, *, na_allowed: bool) -> tuple[int | None, str | None]:
    """(score, None), (None, None) for N/A, or (None, error key)."""
    if raw is None or raw == "":
        return None, "required_na" if na_allowed else "required"
    if raw == NA and na_allowed:
        return None, None
    if raw.isdigit() and 1 <= int(raw) <= 10 and raw == str(int(raw)):
        return int(raw), None
    return None, "invalid"


def read_form(questionnaire: Questionnaire, form: Mapping[str, str], language: str) -> ReadForm:
    """Read a posted form against the questionnaire."""
    names = [item_field(i.code) for i in questionnaire.items] + [o.code for o in questionnaire.outcomes] + ["comment"]
    values = {name: str(form.get(name, "")) for name in names}
    problems: dict[str, str] = {}
    answers = []
    for item in questionnaire.items:
        name = item_field(item.code)
        score, problem = _score(values[name] or None, na_allowed=item.na_allowed)
        if problem:
            problems[name] = problem
        else:
            answers.append(AnswerIn(item=item.code, score=score))
    outcomes: dict[str, int | None] = {}
    for outcome in questionnaire.outcomes:
        raw = values[outcome.code]
        if not raw and not outcome.required:
            outcomes[outcome.code] = None
            continue
        score, problem = _score(raw or None, na_allowed=False)
        if problem:
            problems[outcome.code] = problem
        outcomes[outcome.code] = score
    comment = values["comment"].replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        problems["comment"] = "too_long"
    read = ReadForm(values=values)
    if problems:
        read.errors = {name: MESSAGES[key][language] for name, key in problems.items()}
        return read
    read.response = ResponseIn(
        answers=answers, overall=outcomes["overall"], recommend=outcomes["recommend"],
        return_intent=outcomes.get("return_intent"), comment=comment or None,
    )  # fmt: skip
    return read
