"""Reading the survey page's form: every question answered, N/A only where allowed, errors in the customer's language."""

from survey_api.questionnaires.catalogue import CSI_V1
from survey_api.surveys.form import item_field, read_form


def _complete(**overrides: str) -> dict[str, str]:
    form = {item_field(i.code): "8" for i in CSI_V1.items}
    form.update(overall="9", recommend="10", return_intent="9", comment="  很好  ")
    form.update(overrides)
    return form


def test_a_complete_form_becomes_a_response() -> None:
    read = read_form(CSI_V1, _complete(q_sf_lounge="na"), "zh-CN")
    assert read.errors == {} and read.response is not None
    scores = {a.item: a.score for a in read.response.answers}
    assert len(scores) == 22 and scores["sf_lounge"] is None and scores["sa_advice"] == 8
    assert (read.response.overall, read.response.recommend, read.response.comment) == (9, 10, "很好")


def test_each_missing_or_wrong_answer_is_named_and_the_rest_kept() -> None:
    form = _complete(q_sa_advice="", q_si_booking="", q_sq_first_time="na", overall="11", comment="x" * 1001)
    del form["recommend"]
    read = read_form(CSI_V1, form, "en")
    assert read.response is None
    assert read.errors == {
        "q_sa_advice": "Please choose a score",
        "q_si_booking": "Please choose a score, or N/A",  # this item allows N/A
        "q_sq_first_time": "Please choose a score from 1 to 10",  # N/A is not offered here
        "overall": "Please choose a score from 1 to 10",
        "recommend": "Please choose a score",
        "comment": "Please keep your comment to 1000 characters",
    }
    assert read.values["q_sa_courtesy"] == "8" and read.values["comment"].startswith("x")


def test_errors_speak_chinese_by_default_and_return_intent_may_be_left_out() -> None:
    read = read_form(CSI_V1, _complete(q_sa_advice="07", return_intent=""), "zh-CN")
    assert read.errors == {"q_sa_advice": "请选择 1 到 10 之间的分数"}
    assert read_form(CSI_V1, _complete(return_intent=""), "zh-CN").response.return_intent is None  # type: ignore[union-attr]
