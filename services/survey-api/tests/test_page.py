"""The customer's survey page over HTTP, as a browser without JavaScript uses it: states, form posts, headers."""

import logging
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from survey_api.questionnaires.catalogue import CSI_V1
from survey_api.surveys.form import item_field
from tests.conftest import repair_order

from .conftest import Survey

RO = "RO-2026-000123"
PHONE_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


async def _link(survey: Survey, **overrides: Any) -> str:
    response = await survey.client.post(
        "/v1/repair-orders", json=repair_order(**overrides), headers={"X-API-Key": survey.key}
    )
    assert response.status_code in (200, 201), response.text
    await survey.app.state.jobs.send_due_invitations()
    invitation = survey.notifier.sent[-1]
    assert invitation.survey_url == f"http://127.0.0.1:8001/s/{invitation.token}"
    return f"/s/{invitation.token}"


def _answers(score: str = "8", **overrides: str) -> dict[str, str]:
    form = {item_field(i.code): score for i in CSI_V1.items}
    form.update(overall="9", recommend="9", return_intent="9", comment="", lang="zh-CN")
    form.update(overrides)
    return form


async def test_the_page_shows_the_dealer_the_visit_and_every_question_in_chinese_first(survey: Survey) -> None:
    link = await _link(survey)
    page = await survey.client.get(link, headers={"User-Agent": PHONE_UA})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert '<html lang="zh-CN">' in text and "Dealer D001" in text and "2026-11-02" in text
    assert "李先生/女士" in text  # a polite form of address, and nothing more personal
    assert "+8613800138000" not in text and "沪A12345" not in text and "李雷" not in text
    assert text.count("<fieldset") == 22 + 3 and text.count("<legend>") == 25
    assert 'value="na"' in text  # where an item allows N/A
    english = await survey.client.get(link, params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Customer satisfaction survey" in english.text
    by_header = await survey.client.get(link, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in by_header.text


async def test_every_page_carries_its_security_headers(survey: Survey) -> None:
    link = await _link(survey)
    for response in (await survey.client.get(link), await survey.client.get("/s/" + "x" * 32)):
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
    css = await survey.client.get("/static/survey.css")
    assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"


async def test_an_answer_is_posted_redirected_and_never_counted_twice(survey: Survey) -> None:
    link = await _link(survey)
    await survey.client.get(link, headers={"User-Agent": PHONE_UA})
    survey.clock.advance(__import__("datetime").timedelta(minutes=3))
    posted = await survey.client.post(link, data=_answers(), headers={"Origin": "http://test"})
    assert posted.status_code == 303 and posted.headers["location"] == f"{link}/thanks?lang=zh-CN"
    again = await survey.client.post(link, data=_answers(score="1"), headers={"Origin": "http://test"})
    assert again.status_code == 303  # a double tap: the first answer stands
    thanks = await survey.client.get(posted.headers["location"])
    assert thanks.status_code == 200 and "感谢您的评价" in thanks.text and 'name="consent"' not in thanks.text
    assert (await survey.client.get(link)).status_code == 409
    # What the answer's event carries of the visit (the relay may have sent the event already: read what it is made of).
    from survey_api.models import Survey as SurveyRow
    from survey_api.models import SurveyResponse
    from survey_api.surveys.service import _visit_of

    async with survey.app.state.runtime.sessions() as session:
        row = (await session.execute(select(SurveyRow))).scalar_one()
        answer = (await session.execute(select(SurveyResponse))).scalar_one()
    visit = _visit_of(row, answer.submitted_at)
    assert visit["seconds_to_submit"] == 180.0 and visit["browser_family"] == "chrome"


async def test_a_missing_answer_comes_back_next_to_its_question_with_the_others_kept(survey: Survey) -> None:
    link = await _link(survey)
    form = _answers(q_sa_advice="", comment="服务很好 <b>bold</b>")
    page = await survey.client.post(link, data=form)
    assert page.status_code == 422
    text = page.text
    assert re.search(r'<fieldset class="question invalid" id="q_sa_advice"[^>]*>', text)
    assert '<p class="error" id="q_sa_advice-error">请选择一个分数</p>' in text
    assert 'id="q_sa_courtesy-8" name="q_sa_courtesy" value="8" checked' in text  # kept
    assert "服务很好 &lt;b&gt;bold&lt;/b&gt;" in text  # kept, and shown as text
    assert (await survey.client.get(link)).status_code == 200  # nothing was recorded


async def test_answered_closed_and_unknown_links_each_have_their_page(survey: Survey) -> None:
    await survey.client.put("/v1/dealers/D001", json={"name": "Dealer D001", "region": "east", "phone": "021 6212 3456"},
                            headers=survey.auth("admin"))  # fmt: skip
    link = await _link(survey)
    unknown = await survey.client.get("/s/" + "x" * 32)
    assert unknown.status_code == 404 and "链接无效" in unknown.text
    survey.clock.set(datetime(2026, 12, 16, 0, 0, tzinfo=UTC))  # 08:00 on 16 Dec Shanghai: November's window closed
    closed = await survey.client.get(link, params={"lang": "en"})
    assert closed.status_code == 410 and "Dealer D001" in closed.text and "+862162123456" in closed.text
    late = await survey.client.post(link, data=_answers())
    assert late.status_code == 410


async def test_a_post_from_another_site_is_refused(survey: Survey) -> None:
    link = await _link(survey)
    forged = await survey.client.post(link, data=_answers(), headers={"Origin": "https://evil.example"})
    fetched = await survey.client.post(
        link, data=_answers(), headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"}
    )
    assert forged.status_code == fetched.status_code == 403
    assert (await survey.client.get(link)).status_code == 200  # still unanswered


async def test_a_dissatisfied_answer_asks_whether_the_dealer_may_call(survey: Survey) -> None:
    link = await _link(survey)
    posted = await survey.client.post(link, data=_answers(q_sq_first_time="3"))
    thanks = await survey.client.get(posted.headers["location"])
    assert 'name="consent"' in thanks.text
    chosen = await survey.client.post(
        f"{link}/contact", data={"consent": "yes", "when": "18:00-20:00", "lang": "zh-CN"}
    )
    assert chosen.status_code == 303
    after = await survey.client.get(chosen.headers["location"])
    assert 'name="consent"' not in after.text and "已记录您的选择" in after.text
    from survey_api.models import SurveyResponse

    async with survey.app.state.runtime.sessions() as session:
        answer = (await session.execute(select(SurveyResponse))).scalar_one()
    assert (answer.contact_consent, f"{answer.contact_from:%H:%M}", f"{answer.contact_to:%H:%M}") == (
        True,
        "18:00",
        "20:00",
    )


async def test_the_first_opening_is_recorded_once_and_the_token_is_never_logged(survey: Survey, caplog: Any) -> None:
    link = await _link(survey)
    token = link.rsplit("/", 1)[1]
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            await survey.client.get(link, headers={"User-Agent": PHONE_UA})
        await survey.client.post(link, data=_answers())
    # The service's own records (the test client's request log is the browser's side, not the service's).
    service_lines = [
        r.getMessage() + str(r.__dict__) for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    ]
    assert service_lines and not any(token in line for line in service_lines)
    from sqlalchemy import select

    from survey_api.models import Survey as SurveyRow

    async with survey.app.state.runtime.sessions() as session:
        row = (await session.execute(select(SurveyRow))).scalar_one()
    assert (row.open_count, row.browser_family) == (3, "chrome") and row.opened_at is not None


async def test_a_link_opened_too_often_is_slowed_down(survey: Survey) -> None:
    link = await _link(survey)
    statuses = [(await survey.client.get(link)).status_code for _ in range(25)]
    assert statuses[:20] == [200] * 20 and 429 in statuses[20:]


async def test_the_page_says_who_collects_the_answers_why_how_long_and_how_to_opt_out(survey: Survey) -> None:
    link = await _link(survey)
    months = survey.settings.retention_months
    for lang, words in (("zh-CN", ("Dealer D001 和其所属汽车品牌", f"{months} 个月后匿名化", "退订调查短信")),
                        ("en", ("run by Dealer D001 and its car brand", f"anonymised {months} months", "Stop survey"))):  # fmt: skip
        text = (await survey.client.get(link, params={"lang": lang})).text
        assert '<a href="#privacy">' in text and 'id="privacy"' in text
        notice = text[text.index('id="privacy"') :]
        assert all(w in notice for w in words), (lang, notice)
        assert notice.index("</section>") < notice.index('action="' + link + '/opt-out"')  # the opt-out follows it


async def test_the_thank_you_page_says_what_happens_next_and_how_to_reach_the_dealer(survey: Survey) -> None:
    from csi_dev.testing import bearer
    from csi_shared.auth import Role

    dealer = {"name": "Dealer D001", "region": "east", "phone": "+862150001234"}
    put = await survey.client.put("/v1/dealers/D001", json=dealer, headers=bearer(Role.ADMIN, settings=survey.settings))
    assert put.status_code == 200, put.text
    for n, answers, expected in (
        (1, _answers(q_sq_first_time="3"), "会在 24 小时内跟进处理"),  # a low answer: the complaint's deadline
        (2, _answers(overall="5"), "客服可能会致电"),  # neutral overall: the CRA's follow-up call
        (3, _answers(), "您无需再做任何事"),
    ):
        customer = repair_order()["customer"] | {"phone": f"+861380013800{n}"}  # three customers: no fatigue rule
        link = await _link(survey, ro_number=f"RO-T{n}", customer=customer)
        posted = await survey.client.post(link, data=answers)
        thanks = (await survey.client.get(posted.headers["location"])).text
        assert expected in thanks and "Dealer D001" in thanks, (n, thanks)
        assert '<a href="tel:+862150001234">+862150001234</a>' in thanks
    english = (await survey.client.get(posted.headers["location"].replace("zh-CN", "en"))).text
    assert "nothing more you need to do" in english and "Questions? Contact Dealer D001" in english


async def test_the_likelihood_questions_end_in_likely_and_unlikely_not_in_satisfied(survey: Survey) -> None:
    link = await _link(survey)

    def ends(text: str, name: str) -> str:
        start = text.index(f'id="{name}"')
        return text[start : text.index("</fieldset>", start)]

    zh = (await survey.client.get(link)).text
    assert "1 = 非常不满意" in ends(zh, "overall") and "10 = 非常满意" in ends(zh, "overall")
    assert "1 = 非常不满意" in ends(zh, item_field(CSI_V1.items[0].code))
    for name in ("recommend", "return_intent"):
        assert "1 = 非常不可能" in ends(zh, name) and "10 = 非常可能" in ends(zh, name) and "满意" not in ends(zh, name)
    en = (await survey.client.get(link, params={"lang": "en"})).text
    assert "1 = Very unlikely, 10 = Very likely" in ends(en, "recommend")
    assert "1 = Very dissatisfied, 10 = Very satisfied" in ends(en, "overall")


async def test_the_page_promises_the_median_time_its_own_timing_shows_and_no_time_without_enough_answers(
    survey: Survey,
) -> None:
    from datetime import timedelta

    from survey_api.surveys.duration import AT_LEAST, FRESH_FOR

    first = await _link(survey)
    page = (await survey.client.get(first)).text
    assert "请为以下 25 个问题打分" in page and "分钟" not in page  # nothing measured yet: no time promised
    for n in range(AT_LEAST):
        customer = repair_order()["customer"] | {"phone": f"+86139001390{n:02d}"}
        link = await _link(survey, ro_number=f"RO-D{n}", customer=customer)
        assert (await survey.client.get(link)).status_code == 200  # the opening starts the page's clock
        survey.clock.advance(timedelta(seconds=90 + 30 * n))  # 1.5 to 11 minutes; the median is 375 s
        assert (await survey.client.post(link, data=_answers())).status_code == 303
    survey.clock.advance(FRESH_FOR)  # the figure read at the last opening is kept this long
    zh = (await survey.client.get(first)).text
    assert "一半在 7 分钟内完成" in zh and "3 分钟" not in zh
    en = (await survey.client.get(first, params={"lang": "en"})).text
    assert "rate these 25 questions" in en and "took 7 minutes or less" in en
