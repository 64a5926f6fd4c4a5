"""The survey page in a real browser (Debian's Chromium through Playwright), as a customer uses it on a phone, with the
services behind it running on the real broker: the answer ends up on the dealer's CSI card. (A closed window needs a
frozen clock: services/survey-api/tests/test_page.py covers it over HTTP.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from csi_dev.testing import eventually
from survey_api.models import Survey
from survey_api.surveys.invitations import survey_token
from tests.conftest import Platform, repair_order

from .support import DESKTOP, PHONE, ROOT, axe_violations, chromium, live

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

SCREENSHOTS = ROOT / "docs/survey-page"


async def _new_link(p: Platform, base: str, ro_number: str, **overrides: Any) -> str:
    key = await p.add_dealer("D001") if not hasattr(p, "_key") else p._key  # type: ignore[attr-defined]
    p._key = key  # type: ignore[attr-defined]
    response = await p.survey.post(
        "/v1/repair-orders", json=repair_order(ro_number=ro_number, **overrides), headers={"X-API-Key": key}
    )
    assert response.status_code == 201, response.text
    async with p.survey_app.state.runtime.sessions() as session:
        survey = (await session.execute(select(Survey).where(Survey.ro_number == ro_number))).scalar_one()
    return f"{base}/s/{survey_token(p.survey_settings.invitations.link_secret, survey.id)}"


@pytest.fixture
async def site(whole_platform: Platform) -> AsyncIterator[tuple[Platform, str, Any]]:
    async with live(whole_platform.survey_app) as base, chromium() as browser:
        yield whole_platform, base, browser


async def _answer_everything(page: Any, score: int = 9, low_item: str | None = None) -> None:
    for fieldset in await page.query_selector_all("fieldset.question"):
        name = await fieldset.get_attribute("id")
        value = 3 if name == low_item else score
        if name == "return_intent":
            value = 8
        await page.click(f"label[for='{name}-{value}']")


async def test_a_customer_answers_on_a_phone_and_the_answer_counts_on_the_card(site: tuple[Platform, str, Any]) -> None:
    p, base, browser = site
    link = await _new_link(p, base, "RO-1")
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    page = await context.new_page()
    response = await page.goto(link)
    assert response.status == 200
    assert await page.locator(".progress").is_visible()  # JavaScript enhances: a progress bar
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "phone-zh-CN.png"), full_page=False)
    await _answer_everything(page)
    await page.fill("#comment", "服务很周到")
    assert "25 / 25" in await page.locator(".progress p").inner_text()
    await page.click("button.submit")
    await page.wait_for_url("**/thanks?lang=zh-CN")
    assert "感谢您的评价" in await page.content()
    manager = p.auth("service_manager", dealers=["D001"])

    async def counted() -> bool:
        card = await p.scoring.get("/v1/dealers/D001/csi", params={"period": "2026-11"}, headers=manager)  # type: ignore[union-attr]
        return card.status_code == 200 and card.json()["responses"] == 1

    await eventually(counted, timeout=20)
    await context.close()


async def test_without_javascript_a_missing_answer_is_shown_by_its_question_and_the_rest_kept(
    site: tuple[Platform, str, Any],
) -> None:
    p, base, browser = site
    link = await _new_link(p, base, "RO-2")
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    page = await context.new_page()
    await page.goto(link)
    assert not await page.locator(".progress").is_visible()  # no enhancement, and nothing missing without it
    for fieldset in await page.query_selector_all("fieldset.question"):
        name = await fieldset.get_attribute("id")
        if name != "q_sa_advice":
            await page.click(f"label[for='{name}-{8 if name != 'return_intent' else 7}']")
    await page.fill("#comment", "<img src=x onerror=alert(1)>")
    await page.click("button.submit")
    error = page.locator("#q_sa_advice .error")
    assert await error.inner_text() == "请选择一个分数"
    assert await page.locator("#q_sa_courtesy-8").is_checked()  # the other answers are kept
    assert await page.locator("#comment").input_value() == "<img src=x onerror=alert(1)>"  # kept, as text
    await page.click("label[for='q_sa_advice-6']")
    await page.click("button.submit")
    assert "/thanks" in page.url
    await context.close()


async def test_answered_and_unknown_links_and_the_language_switch(site: tuple[Platform, str, Any]) -> None:
    p, base, browser = site
    link = await _new_link(p, base, "RO-3")
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    await page.goto(link)
    await page.click("a.lang")
    assert await page.get_attribute("html", "lang") == "en"
    assert "Customer satisfaction survey" in await page.inner_text("h1")
    await page.screenshot(path=str(SCREENSHOTS / "phone-en.png"), full_page=False)
    await _answer_everything(page)
    await page.click("button.submit")
    await page.wait_for_url("**/thanks?lang=en")
    again = await page.goto(link + "?lang=en")
    assert again.status == 409 and "already answered" in await page.inner_text("h1")
    unknown = await page.goto(f"{base}/s/{'x' * 32}?lang=en")
    assert unknown.status == 404
    await context.close()


async def test_a_low_answer_asks_whether_the_dealer_may_call(site: tuple[Platform, str, Any]) -> None:
    p, base, browser = site
    link = await _new_link(p, base, "RO-5")
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    await page.goto(link)
    await _answer_everything(page, low_item="q_sq_first_time")
    await page.click("button.submit")
    await page.wait_for_url("**/thanks?lang=zh-CN")
    await page.screenshot(path=str(SCREENSHOTS / "phone-contact-zh-CN.png"), full_page=True)
    await page.click("label[for='consent-yes']")
    await page.click("label[for='when-evening']")
    await page.click("button.submit")
    assert "已记录您的选择" in await page.content()
    manager = p.auth("service_manager", dealers=["D001"])

    async def case_shows_it() -> Any:
        listed = await p.complaints.get("/v1/complaints", params={"dealer_code": "D001"}, headers=manager)  # type: ignore[union-attr]
        items = [c for c in listed.json()["items"] if c["ro_number"] == "RO-5"]
        return items and items[0].get("contact") and items[0]["contact"]["consent"] is True and items[0]["contact"]

    contact = await eventually(case_shows_it, timeout=20)
    assert contact["preferred_time"] == {"from": "18:00", "to": "20:00"}
    await context.close()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_axe_finds_nothing_serious_in_either_language(site: tuple[Platform, str, Any], language: str) -> None:
    p, base, browser = site
    link = await _new_link(p, base, f"RO-AXE-{language}")
    for viewport in (PHONE, DESKTOP):
        context = await browser.new_context(viewport=viewport, locale=language)
        page = await context.new_page()
        await page.goto(f"{link}?lang={language}")
        assert await axe_violations(page) == []
        await page.click("button.submit")  # the page with every error shown
        assert await axe_violations(page) == []
        await context.close()


async def test_the_page_and_all_it_loads_stay_small_and_local(site: tuple[Platform, str, Any]) -> None:
    p, base, browser = site
    link = await _new_link(p, base, "RO-W")
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    await page.goto(link)
    assert seen and all(url.startswith(base) for url in seen)  # no external requests
    import gzip

    import httpx

    async with httpx.AsyncClient() as client:
        sizes = {url: len(gzip.compress((await client.get(url)).content)) for url in set(seen)}
    assert sum(sizes.values()) <= 60_000, sizes
    Path(SCREENSHOTS / "weight.txt").write_text(
        "".join(
            f"{size:>7} B gzip  {url.replace(link, '/s/<token>').replace(base, '')}\n"
            for url, size in sorted(sizes.items())
        )
    )
    await context.close()
