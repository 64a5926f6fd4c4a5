"""The staff console in a real browser (Debian's Chromium through Playwright) against the real services, started as
`make run` starts them: a CRA's call from worklist to outcome, a complaint from acknowledgement to verification by a
service manager and a general manager, the OEM ranking of 3,000 dealers with its export and drill-down, dealer scope,
accessibility, budgets and screenshots (docs/console/)."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from csi_dev.testing import eventually

from .console_support import SHANGHAI, XSS, Site, console_site, go, raw_keys, sign_in
from .support import DESKTOP, PHONE, ROOT, axe_violations, chromium

__all__ = ["console_site"]
SHOTS = ROOT / "docs" / "console"
BUDGETS = SHOTS / "budgets.json"


@pytest.fixture(scope="module")
def budgets() -> Any:
    found: dict[str, Any] = json.loads(BUDGETS.read_text()) if BUDGETS.exists() else {}
    yield found
    SHOTS.mkdir(parents=True, exist_ok=True)
    BUDGETS.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with chromium() as running:
        yield running


def healthy(page: Any) -> list[str]:
    """What went wrong on the page: script errors, dialogs (an alert would be an injection), CSP refusals. Failed
    requests (a 404 for a case of another dealer) are expected and not listed."""
    return [p for p in page.problems if "Failed to load resource" not in p]


async def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_timeout(150)  # charts draw on the next frame
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


def callback_of(site: Site, dealer: str, *, reason: str = "post_service", name: str | None = None) -> dict[str, Any]:
    return next(
        c for c in site.callbacks[dealer] if c["reason"] == reason and (name is None or c["customer"]["name"] == name)
    )


async def test_a_cra_calls_from_the_worklist_to_an_outcome_by_keyboard(console_site: Site, browser: Any) -> None:
    site = console_site
    page = await sign_in(browser, site, "/worklist", "cra", dealers="D001", subject="cra-li")
    rows = page.locator(".worklist [role=listitem]")
    await rows.first.wait_for()
    assert await page.get_by_text(XSS).count() >= 1, "a customer's name is shown as text"
    await shot(page, "worklist-desktop")
    await page.locator(".worklist").focus()
    await page.keyboard.press("ArrowDown")
    href = await rows.nth(1).locator("a").get_attribute("href")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**{href}")
    callback_id = href.rsplit("/", 1)[1]
    await page.locator("fieldset.score").first.wait_for()
    assert "+861380013" in await page.locator(".phone").inner_text(), "the CRA sees the full number"
    for score in await page.locator("fieldset.score").all():
        await score.locator("input[value='9']").check()
    await page.locator("fieldset.yesno").first.locator("input").first.check()
    await page.fill("textarea >> nth=0", "服务很好")
    await shot(page, "call-desktop")
    await page.evaluate("document.activeElement.blur()")
    await page.keyboard.press("r")  # Reached, proposed
    await page.keyboard.press("Enter")  # and confirmed
    saved = page.locator(".box.ok[role=status]")
    await saved.wait_for()
    assert "已完成" in await saved.inner_text()
    got = site.api.get(
        f"/api/callback-scheduler/v1/callbacks/{callback_id}", headers=site.auth("cra", dealers=["D001"])
    ).json()
    assert got["status"] == "completed"
    assert got["attempts"][0]["answers"]["visit_satisfaction"] == 9 and got["attempts"][0]["made_by"] == "cra-li"
    # The next call is one key away; this customer is busy and agrees a time.
    await page.keyboard.press("Enter")
    await page.wait_for_url(lambda url: callback_id not in url)
    await page.locator("fieldset.outcomes").wait_for()
    await page.keyboard.press("b")
    await page.keyboard.press("Enter")
    await page.locator("input[type=datetime-local]").wait_for()
    await page.click("text=保存约定时间")
    await page.locator(".box.ok[role=status]").wait_for()
    assert "下次拨打时间" in await page.locator(".box.ok[role=status]").inner_text()
    assert healthy(page) == []


async def test_a_stray_key_never_closes_a_call_and_unsaved_answers_are_not_lost_silently(
    console_site: Site, browser: Any
) -> None:
    site = console_site
    page = await sign_in(browser, site, "/worklist?dealer=D002", "cra", dealers="D002", subject="cra-stray")
    await page.locator(".worklist [role=listitem]").first.wait_for()
    zhao = [c for c in site.callbacks["D002"] if c["customer"]["name"] == "赵磊"]
    assert len(zhao) >= 2, "a customer with more than one callback"
    await go(page, f"/calls/{zhao[0]['id']}")
    await page.locator("fieldset.outcomes").wait_for()
    assert await page.locator(".phone a[href^='tel:+86']").count() >= 1, "tap to call on a phone"
    # Selecting the customer's name and pressing "d" (to copy it, say) does nothing.
    await page.locator(".customer h1").select_text()
    await page.keyboard.press("d")
    assert await page.locator(".confirm-outcome").count() == 0
    # A key outside any field only proposes; Esc drops it and nothing is saved.
    await page.evaluate("getSelection().removeAllRanges(); document.activeElement.blur()")
    await page.keyboard.press("d")
    await page.locator(".confirm-outcome").wait_for()
    await page.keyboard.press("Escape")
    await page.locator(".confirm-outcome").wait_for(state="detached")
    got = site.api.get(
        f"/api/callback-scheduler/v1/callbacks/{zhao[0]['id']}", headers=site.auth("cra", dealers=["D002"])
    )
    assert got.json()["status"] == "open" and got.json()["attempts"] == []
    # Busy: the time is agreed, and "next call" offers somebody else than this customer.
    await page.keyboard.press("b")
    await page.keyboard.press("Enter")
    await page.locator("input[type=datetime-local]").wait_for()
    await page.click("text=保存约定时间")
    saved = page.locator(".box.ok[role=status]")
    await saved.wait_for()
    await saved.locator("button").click()
    await page.wait_for_url(lambda url: zhao[0]["id"] not in url)
    assert all(c["id"] not in page.url for c in zhao), "the customer just rescheduled is not offered next"
    assert healthy(page) == []
    # An answer typed and not saved: leaving the page asks first.
    await page.locator("fieldset.score").first.locator("input[value='7']").check()
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.type))
    await page.close(run_before_unload=True)
    await page.wait_for_timeout(300)
    assert "beforeunload" in asked, asked


async def test_a_case_opened_by_a_callback_reads_as_chinese(console_site: Site, browser: Any) -> None:
    """The case a callback opens has the service's own category (callback_issue), which the console once showed as
    its raw key."""
    site = console_site
    callback = next(c for c in site.callbacks["D002"] if c["customer"]["name"] == "刘洋")
    cra = site.auth("cra", dealers=["D002"])
    made = site.api.post(f"/api/callback-scheduler/v1/callbacks/{callback['id']}/attempts", headers=cra,
                         json={"outcome": "reached", "issue": "刹车异响还在", "answers": {"visit_satisfaction": 3}})  # fmt: skip
    assert made.status_code == 201, made.text
    manager = site.auth("service_manager", dealers=["D002"])

    async def opened() -> str | None:
        cases = site.api.get("/api/complaints/v1/complaints", params={"dealer_code": "D002"}, headers=manager).json()
        return next((c["id"] for c in cases["items"] if c["category"] == "callback_issue"), None)

    case = await eventually(opened, timeout=30)
    page = await sign_in(browser, site, f"/complaints/{case}", "service_manager", dealers="D002")
    await page.locator(".timeline").wait_for()
    body = await page.locator("body").inner_text()
    assert "回访中反映的问题" in body
    # The description the service generated ("callback issue: ...; low answers: visit_satisfaction=3") reads as Chinese.
    assert "到店满意度 3 分" in body and "刹车异响还在" in body
    assert "low answers" not in body and "visit_satisfaction" not in body and "callback issue" not in body
    assert await raw_keys(page) == []
    await go(page, "/complaints")
    await page.locator("table.desk").wait_for()
    assert await raw_keys(page) == []
    assert healthy(page) == []


async def test_period_pages_open_on_the_latest_month_with_data_and_say_which(console_site: Site, browser: Any) -> None:
    site = console_site
    # Scoring's seeded network has answers up to this month; the ranking picks the latest month that ranks anyone.
    page = await sign_in(browser, site, "/ranking", "oem_analyst")
    notice = page.locator(".latest-period")
    await notice.wait_for()
    period = page.url.split("period=")[1][:7]
    assert period in await notice.inner_text()
    assert await page.locator("input[type=month]").input_value() == period
    await go(page, "/integrity")
    await page.wait_for_url("**/integrity?period=*")
    await page.locator(".latest-period").wait_for()
    # Its signals are said in Chinese from their figures, not as scoring's English sentence.
    signal = page.locator("li.panel ul li").first
    await signal.wait_for()
    assert not re.search(r"\b(ROs?|answers|region|of)\b", await signal.inner_text()), await signal.inner_text()
    await go(page, "/oem/complaints")
    await page.wait_for_url("**/oem/complaints?month=*")
    await page.locator(".latest-period").wait_for()
    # A dealer's card likewise, once it has left the previous page.
    await go(page, f"/dealers/{site.ranked_dealer}/csi")
    await page.wait_for_url("**/csi?period=*")
    card_period = page.url.split("period=")[1][:7]
    await page.locator(f".latest-period:has-text('{card_period}')").wait_for()
    # The service manager's callback report likewise: the dealer's latest month with repair orders.
    manager = await sign_in(browser, site, "/reports", "service_manager", dealers="D001")
    await manager.wait_for_url("**/reports?month=*")
    month = manager.url.split("month=")[1][:7]
    await manager.locator(f".latest-period:has-text('{month}')").wait_for()
    assert await manager.locator("input[type=month]").input_value() == month
    assert healthy(manager) == []
    # A period asked for in the address is kept, without the notice.
    await go(page, "/ranking?period=2026-01")
    await page.locator("input[type=month]").wait_for()
    assert await page.locator("input[type=month]").input_value() == "2026-01"
    assert await page.locator(".latest-period").count() == 0
    assert healthy(page) == []


async def test_a_complaint_from_a_call_is_acknowledged_proposed_approved_and_verified(
    console_site: Site, browser: Any
) -> None:
    site = console_site
    comeback = callback_of(site, "D001", reason="comeback")
    cra = await sign_in(browser, site, "/worklist", "cra", dealers="D001")
    await go(cra, f"/calls/{comeback['id']}")
    await cra.get_by_text("返修对应的上次到店").wait_for()  # the earlier RO of a comeback is on the script
    await cra.click("summary:has-text('开立投诉')")
    await cra.select_option(".complaint-form select", "service_quality")
    await cra.check(".complaint-form input[type=radio] >> nth=1")  # major
    await cra.fill(".complaint-form textarea", f"刹车还是有异响 {XSS}")
    await cra.click(".complaint-form button[type=submit]")
    link = cra.locator("a:has-text('查看投诉')")
    await link.wait_for()
    case = (await link.get_attribute("href")).rsplit("/", 1)[1]
    assert healthy(cra) == []

    manager = await sign_in(browser, site, "/complaints", "service_manager", dealers="D001", subject="sm-wang")
    row = manager.locator(f"tr:has(a[href='/complaints/{case}'])")
    await row.wait_for()
    assert "剩余" in await row.locator(".countdown").inner_text()  # the 24-hour clock, live
    await shot(manager, "workflow-desk-desktop")
    await row.locator("a").click()
    await manager.get_by_text(f"刹车还是有异响 {XSS}").first.wait_for()
    for step in ("响应", "开始调查"):
        await manager.click(f"form.step button[type=submit]:has-text('{step}')")
        await manager.wait_for_selector(f"form.step button[type=submit]:has-text('{step}')", state="detached")
    form = manager.locator("form.step:has(h3:has-text('提出纠正预防措施'))")
    await form.locator("textarea >> nth=0").fill("接车时未做异响路试")
    await form.locator("textarea >> nth=1").fill("重新更换刹车片并路试确认")
    await form.locator("textarea >> nth=2").fill("返修车辆交车前由技术主管路试")
    await form.locator("button[type=submit]").click()
    await manager.locator(".page-head .badge:has-text('已提出措施')").wait_for()
    assert await manager.locator("form.step").count() == 0, "approving is the general manager's step"
    assert healthy(manager) == []

    # The general manager names the supervisor from the dealer's staff directory, not by typing an id.
    put = site.api.put("/api/survey-api/v1/dealers/D001/staff/sup-qian", headers=site.auth("admin"),
                       json={"name": "钱主管", "role": "service_manager", "phone": "+8613900139077"})  # fmt: skip
    assert put.status_code in (200, 201), put.text
    gm = await sign_in(browser, site, f"/complaints/{case}", "general_manager", dealers="D001", subject="gm-zhao")
    approve = gm.locator("form.step:has(h3:has-text('批准措施'))")
    await approve.locator("select option:has-text('钱主管')").wait_for(state="attached")
    await approve.locator("select").select_option("sup-qian")
    await approve.locator("button[type=submit]").click()
    await gm.locator(".page-head .badge:has-text('措施已批准')").wait_for()
    # The service manager marks the fix made; the general manager verifies it (nobody verifies their own work).
    manager = await sign_in(browser, site, f"/complaints/{case}", "service_manager", dealers="D001", subject="sm-wang")
    resolve = manager.locator("form.step button[type=submit]:has-text('标记已处理')")
    await resolve.click()
    await resolve.wait_for(state="detached")
    gm = await sign_in(browser, site, f"/complaints/{case}", "general_manager", dealers="D001", subject="gm-zhao")
    verify = gm.locator("form.step button[type=submit]:has-text('核实措施已落实')")
    await verify.click()
    await verify.wait_for(state="detached")
    await gm.locator(".page-head .badge:has-text('已核实')").wait_for()
    await gm.locator(".timeline li").nth(6).wait_for()  # opened, and six steps
    assert await gm.locator(".timeline li").count() == 7
    await shot(gm, "workflow-case-verified-desktop")
    got = site.api.get(
        f"/api/complaints/v1/complaints/{case}", headers=site.auth("general_manager", dealers=["D001"])
    ).json()
    assert (got["status"], got["verified_by"], got["supervisor"]) == ("verified", "gm-zhao", "sup-qian")
    assert healthy(gm) == []


async def test_an_oem_analyst_ranks_filters_exports_and_drills_down(
    console_site: Site, browser: Any, budgets: Any
) -> None:
    site = console_site
    page = await sign_in(browser, site, "/ranking", "oem_analyst")
    await page.locator(".ranking-table [role=row][aria-rowindex='2']").wait_for()
    # Functions, not expressions: the page's CSP forbids eval, which Playwright uses for a bare expression.
    await page.wait_for_function("() => performance.getEntriesByName('csi:ranking-ready').length > 0")
    timing = await page.evaluate("""() => {
        const data = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/scoring/v1/csi?')).pop();
        const ready = performance.getEntriesByName('csi:ranking-ready')[0];
        return {data_ms: data.responseEnd, ready_ms: ready.startTime, bytes: data.encodedBodySize};
    }""")
    usable = timing["ready_ms"] - timing["data_ms"]
    budgets["ranking_3000_usable_after_data_ms"] = round(usable)
    assert usable <= 1500, timing
    summary = await page.locator(".summary").inner_text()
    assert "3,000" in summary or "3000" in summary
    assert await page.locator(".ranking-table [role=row]").count() < 80, (
        "virtualised: only rows in view are in the page"
    )
    await shot(page, "ranking-desktop")

    await page.select_option(".page-head select", "r3")
    await page.wait_for_url("**region=r3*")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.ranking-table .vbody [role=cell]:nth-child(4)')].every(c => c.textContent === 'r3')"
    )
    regions = await page.locator(".ranking-table .vbody [role=cell]:nth-child(4)").all_inner_texts()
    assert len(regions) > 5 and set(regions) == {"r3"}
    await page.fill("input[type=search]", "X0011")
    await page.wait_for_function("() => document.querySelectorAll('.ranking-table .vbody [role=row]').length === 1")
    await page.fill("input[type=search]", "")
    async with page.expect_download() as download:
        await page.click("button:has-text('Excel')")
    file = await (await download.value).path()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(file).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("rank", "percentile", "dealer_code") and len(rows) == 1 + 3000 // 8
    assert {r[4] for r in rows[1:]} == {"r3"}

    first = page.locator(".ranking-table .vbody [role=row]").first.locator("a.code")
    code = await first.inner_text()
    await first.click()
    await page.wait_for_url(f"**/dealers/{code}/csi*")
    await page.locator(".tile.big .tile-value").wait_for()
    assert await page.locator(".tile.big .tile-value").inner_text() != "—"
    await page.locator(".chart canvas").first.wait_for()
    assert healthy(page) == []


async def test_a_general_manager_of_two_dealers_switches_the_card_keeping_the_month(
    console_site: Site, browser: Any
) -> None:
    site = console_site
    first = site.ranked_dealer
    second = "X0001" if first != "X0001" else "X0002"  # another of scoring's seeded dealers
    page = await sign_in(browser, site, f"/dealers/{first}/csi?period=2026-10", "general_manager",
                         dealers=f"{first},{second}")  # fmt: skip
    await page.locator(f".page-head h1:has-text('{first}')").wait_for()
    await page.select_option(".page-head select", second)
    await page.wait_for_url(f"**/dealers/{second}/csi?period=2026-10")
    await page.locator(f".page-head h1:has-text('{second}')").wait_for()
    assert await page.locator("input[type=month]").input_value() == "2026-10"
    assert healthy(page) == []


async def test_region_complaints_lead_to_the_dealers_complaints(console_site: Site, browser: Any) -> None:
    site = console_site
    opened = site.api.post("/api/complaints/v1/complaints", headers=site.auth("cra", dealers=["D002"]),
                           json={"dealer_code": "D002", "category": "price", "description": "for head office"})  # fmt: skip
    assert opened.status_code == 201, opened.text
    page = await sign_in(browser, site, "/oem/complaints", "oem_analyst")
    await page.get_by_role("link", name="D002", exact=True).click()
    await page.wait_for_url("**/complaints?dealer=D002")
    await page.locator("table.desk tbody tr").first.wait_for()
    rows = await page.locator("table.desk tbody tr").all_inner_texts()
    assert rows and all("D002" in row for row in rows), rows
    assert healthy(page) == []


async def test_a_cra_of_d001_finds_nothing_of_d002(console_site: Site, browser: Any) -> None:
    site = console_site
    theirs = site.callbacks["D002"][0]
    complaint = site.api.post("/api/complaints/v1/complaints", headers=site.auth("cra", dealers=["D002"]),
                              json={"dealer_code": "D002", "category": "price", "description": "D002 only"})  # fmt: skip
    assert complaint.status_code == 201, complaint.text
    page = await sign_in(browser, site, "/worklist", "cra", dealers="D001")
    await page.locator(".worklist [role=listitem]").first.wait_for()
    assert "RO-D002" not in await page.locator(".worklist").inner_text()
    await go(page, f"/calls/{theirs['id']}")
    await page.locator(".problem").wait_for()
    assert "不存在" in await page.locator(".problem").inner_text()
    await go(page, f"/complaints/{complaint.json()['id']}")
    await page.locator(".problem").wait_for()
    await go(page, "/complaints")
    await page.locator(".summary, .empty").first.wait_for()
    assert "D002 only" not in await page.content()
    # And through /api with the same kind of token.
    mine = site.auth("cra", dealers=["D001"])
    checks = {
        "/api/callback-scheduler/v1/callbacks?dealer_code=D002": 403,
        f"/api/callback-scheduler/v1/callbacks/{theirs['id']}": 404,
        "/api/complaints/v1/complaints?dealer_code=D002": 403,
        f"/api/complaints/v1/complaints/{complaint.json()['id']}": 404,
        "/api/callback-scheduler/v1/data-fix-tasks?dealer_code=D002": 403,
        "/api/callback-scheduler/v1/reports/monthly?dealer_code=D002&month=2026-11": 403,
        "/api/scoring/v1/csi?period=2026-11": 403,
    }
    got = {path: site.api.get(path, headers=mine).status_code for path in checks}
    assert {p: s in (403, 404) for p, s in got.items()} == dict.fromkeys(checks, True), got
    listed = site.api.get("/api/complaints/v1/complaints", headers=mine).json()["items"]
    assert {c["dealer_code"] for c in listed} <= {"D001"}
    assert healthy(page) == []


async def test_the_survey_centre_calls_its_list_and_records_an_interview(console_site: Site, browser: Any) -> None:
    """The role is on the sign-in page, lands on its own screen (no blank page), and an interview recorded there is
    the customer's answer in survey-api."""
    site = console_site
    # 赵磊's first visits, twelve days ago: in the month whose calls are open now, or the one before it.
    month = (datetime.now(SHANGHAI) - timedelta(days=12)).strftime("%Y-%m")
    page = await sign_in(browser, site, f"/survey-center?month={month}", "survey_center", subject="sc-zhou")
    rows = page.locator("table.sc-calls tbody tr")
    await rows.first.wait_for()
    row = rows.first  # the other tests' calls may have taken some of the month's customers off the list
    ro_number = await row.locator("td >> nth=1").inner_text()
    dealer = ro_number.split("-")[1]
    assert await row.locator("a[href^='tel:+861380013']").count() == 1, "tap to call"
    await shot(page, "survey-center-desktop")
    if not await row.locator("button").is_enabled():
        assert healthy(page) == []
        pytest.skip("the survey centre's window for that month is shut today (13th-15th)")
    await row.locator("button").click()
    form = page.locator("form.interview")
    await form.locator("fieldset.score").first.wait_for()  # the questionnaire has come
    for score in await form.locator("fieldset.score").all():
        na = score.locator("input[value='na']")
        await (na if await na.count() else score.locator("input[value='8']")).check()
    await form.locator("button[type=submit]").click()
    await page.locator(".box.ok[role=status]").wait_for()
    await rows.filter(has_text=ro_number).wait_for(state="detached")  # an answered customer leaves the list
    again = site.api.post("/api/survey-api/v1/survey-responses", headers=site.auth("survey_center"),
                          json={"dealer_code": dealer, "ro_number": ro_number, "answers": [], "overall": 9,
                                "recommend": 9})  # fmt: skip
    assert again.status_code == 409, again.text  # the interview is the customer's one answer
    assert healthy(page) == []


async def test_the_privacy_officer_finds_consents_erases_and_audits_reads(console_site: Site, browser: Any) -> None:
    site = console_site
    page = await sign_in(browser, site, "/privacy", "privacy_officer", subject="po-wu")
    await page.locator(".readers, .privacy-section .empty").first.wait_for()
    await page.fill("form.privacy-find input", "+8613800130001")
    await page.click("form.privacy-find button[type=submit]")
    await page.locator("table.consents tbody tr").first.wait_for()
    assert "回访" in await page.locator("table.consents").inner_text(), "consents in words, not codes"
    await shot(page, "privacy-desktop")
    # An erasure is asked, confirmed, then followed service by service (a number nobody has: nothing of D001's goes).
    await page.fill("form.privacy-find input", "+8613999999999")
    await page.click("form.privacy-find button[type=submit]")
    await page.get_by_role("button", name="删除此人的数据…").click()
    await page.get_by_role("button", name="在所有服务中删除").click()
    await page.locator(".privacy-section [role=status]").wait_for()
    assert "张工单" in await page.locator(".privacy-section [role=status]").inner_text()
    assert healthy(page) == []


VIEWS = [
    # (screenshot name, role, scope, path, what shows the view is ready)
    ("signin", None, "", "/sign-in", "form"),
    ("worklist", "cra", "D001", "/worklist", ".worklist [role=listitem]"),
    ("call", "cra", "D001", "/calls/{call}", "fieldset.outcomes"),
    ("advisor", "service_advisor", "D001", "/advisor", ".panel h2"),
    ("complaint-desk", "service_manager", "D001", "/complaints", "table.desk, .empty"),
    ("case", "general_manager", "D001", "/complaints/{case}", ".timeline"),
    ("reports", "service_manager", "D001", "/reports", ".tiles"),
    ("card", "service_manager", "{card}", "/dealers/{card}/csi", ".chart canvas"),
    ("ranking", "oem_analyst", "", "/ranking", ".ranking-table [role=row][aria-rowindex='2']"),
    ("oem-complaints", "oem_analyst", "", "/oem/complaints", ".summary"),
    ("integrity", "oem_analyst", "", "/integrity", ".summary"),
    ("survey-center", "survey_center", "", "/survey-center", ".summary"),
    ("privacy", "privacy_officer", "", "/privacy", ".readers, .privacy-section .empty"),
]


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "zh-CN"), (PHONE, "en")], ids=["desktop-zh", "phone-en"])
async def test_every_view_has_no_serious_accessibility_violation(
    console_site: Site, browser: Any, viewport: dict[str, int], locale: str
) -> None:
    site = console_site
    case = site.api.post("/api/complaints/v1/complaints", headers=site.auth("cra", dealers=["D001"]),
                         json={"dealer_code": "D001", "category": "waiting_time", "description": "等了三个小时",
                               "customer": {"name": "刘洋"}})  # fmt: skip
    fill = {
        "call": callback_of(site, "D001", reason="comeback")["id"],
        "case": case.json()["id"],
        "card": site.ranked_dealer,
    }
    found: dict[str, Any] = {}
    for name, role, scope, path, ready in VIEWS:
        path = path.format(**fill)
        scope = scope.format(**fill)
        if role is None:
            context = await browser.new_context(viewport=viewport, locale=locale)
            page = await context.new_page()
            page.problems = []
            await page.goto(site.url + path)
        else:
            dealer_role = role not in ("oem_analyst", "admin")
            page = await sign_in(
                browser, site, path, role, dealers=scope if dealer_role else "", viewport=viewport, locale=locale
            )
        await page.locator(ready).first.wait_for()
        lang = await page.get_attribute("html", "lang")
        if lang != locale:  # the language switch is on every page
            await page.click(f"button:has-text('{'English' if locale == 'en' else '中文'}')")
        await shot(page, f"{name}-{'phone' if viewport == PHONE else 'desktop'}{'-en' if locale == 'en' else ''}")
        if locale == "zh-CN":
            assert await raw_keys(page) == [], (name, await raw_keys(page))
        violations = await axe_violations(page)
        if violations:
            found[name] = violations
        assert healthy(page) == [], (name, healthy(page))
        await page.context.close()
    assert found == {}


async def test_the_initial_javascript_stays_within_its_budget(console_site: Site, browser: Any, budgets: Any) -> None:
    site = console_site
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.resource_type == "script" else None)
    await page.goto(site.url + "/sign-in")
    await page.locator("form").wait_for()
    before_sign_in = list(seen)
    await page.select_option("select", "cra")
    await page.click("button[type=submit]")
    await page.locator(".worklist [role=listitem]").first.wait_for()
    assert all(url.startswith(site.url) for url in seen), "nothing from another host"
    with httpx.Client() as client:
        size = {url: len(gzip.compress(client.get(url).content, 9)) for url in set(seen)}
    sign_in_kb = sum(size[u] for u in set(before_sign_in)) / 1000
    worklist_kb = sum(size.values()) / 1000
    budgets["initial_js_gzip_kb_sign_in"] = round(sign_in_kb, 1)
    budgets["initial_js_gzip_kb_cra_worklist"] = round(worklist_kb, 1)
    assert worklist_kb <= 300, size
    await context.close()


async def test_a_services_docs_work_without_internet(console_site: Site, browser: Any) -> None:
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    elsewhere: list[str] = []

    async def local_only(route: Any) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await page.route("**/*", local_only)
    await page.goto(console_site.services["scoring"] + "/docs")
    await page.locator(".opblock").first.wait_for(timeout=15_000)
    assert await page.locator(".opblock").count() >= 5
    assert elsewhere == []
    await context.close()
