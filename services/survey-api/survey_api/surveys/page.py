"""The customer's survey page behind the SMS link: server-rendered HTML that works without JavaScript.

GET shows the questionnaire (and records the opening); a POST is a plain form post, validated here, answered with the
form again (422, answers kept, each message by its question) or a redirect to the thank-you page (post/redirect/get,
so a reload or a double tap never submits twice). Every state has its page and status: unknown link 404, already
answered 409, window closed 410.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from csi_shared.bus.outbox import Work
from csi_shared.forwarded import client_address
from csi_shared.limits import RateLimiter, TooManyRequests
from csi_shared.satisfaction import Verdict, verdict
from csi_shared.web import RequestWork, app_settings, writes_on_get
from survey_api.config import AppSettings, Settings
from survey_api.models import Dealer, Survey, SurveyResponse
from survey_api.privacy import consent as consent_records
from survey_api.questionnaires import catalogue
from survey_api.repair_orders import repository as ro_repository
from survey_api.surveys import repository, service
from survey_api.surveys.form import item_field, read_form
from survey_api.surveys.invitations import token_hash
from survey_api.surveys.page_texts import TEXTS, language_of
from survey_api.surveys.visitor import browser_family, network_hash, polite_address

router = APIRouter(tags=["survey page"])


class PageLimits:
    """A token bucket per link and one per client address."""

    def __init__(self, settings: Settings) -> None:
        self.per_link = RateLimiter(settings.page_requests_per_s_per_link, settings.page_burst_per_link)
        self.per_client = RateLimiter(settings.page_requests_per_s_per_client, settings.page_burst_per_client)

    def take(self, client: str, token: str) -> None:
        self.per_client.take(client)
        self.per_link.take(token_hash(token))


Token = Annotated[str, PathParam(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

FORM_MAX_BYTES = 64_000
"""A full answer is a few KB; anything larger is refused before it is read."""

PAGE_HEADERS = {
    # No third-party origin, no inline script or style; nobody may frame the page; the token never leaves in a Referer.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


def _message(lang: str, status: int, heading: str, *lines: str, dealer_name: str | None = None) -> HTMLResponse:
    t = TEXTS[lang]
    return html("message.html", status, lang=lang, t=t, title=heading, heading=heading, lines=lines,
                dealer_name=dealer_name)  # fmt: skip


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)


def _limited(request: Request, token: str, lang: str) -> HTMLResponse | None:
    """Per link and per client address: a page opened or posted too often answers 429 with Retry-After."""
    try:
        request.app.state.page_limits.take(client_address(request, app_settings(request).trusted_proxies) or "-", token)
    except TooManyRequests as exc:
        page = _message(lang, 429, TEXTS[lang]["busy_heading"], TEXTS[lang]["busy"])
        page.headers["Retry-After"] = str(exc.extra.get("retry_after", 1))
        return page
    return None


def _foreign_origin(request: Request, settings: Settings) -> bool:
    """A form post from another site (cross-site request forgery) is refused; a client that says nothing is not.

    Browsers say where a post comes from in `Sec-Fetch-Site`; under `Referrer-Policy: no-referrer` Chromium sends
    `Origin: null` even from the page itself, so an Origin is only compared when it names one.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return False
    public = urlsplit(settings.survey_url_template)
    own = {f"{request.url.scheme}://{request.url.netloc}", f"{public.scheme}://{public.netloc}"}
    return origin not in own


async def _survey(work: Work, token: str) -> tuple[Survey, Dealer] | None:
    survey = await repository.by_token(work.session, token)
    if survey is None:
        return None
    dealer = await work.session.get(Dealer, survey.dealer_code)
    assert dealer is not None
    return survey, dealer


def _closed_page(lang: str, dealer: Dealer) -> HTMLResponse:
    t = TEXTS[lang]
    lines = [t["closed"].format(dealer=dealer.name)]
    if dealer.phone:
        lines.append(t["closed_phone"].format(phone=dealer.phone))
    return _message(lang, 410, t["closed_heading"], *lines, dealer_name=dealer.name)


def _state_page(lang: str, survey: Survey, dealer: Dealer, now: datetime) -> HTMLResponse | None:
    t = TEXTS[lang]
    if survey.responded_at is not None:
        return _message(lang, 409, t["answered_heading"], t["answered"], dealer_name=dealer.name)
    if survey.expires_at <= now:
        return _closed_page(lang, dealer)
    return None


async def _form_page(
    request: Request, work: Work, token: str, lang: str, survey: Survey, dealer: Dealer,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    t = TEXTS[lang]
    questionnaire = catalogue.get(survey.questionnaire, survey.questionnaire_version)
    assert questionnaire is not None
    factors = [
        {
            "code": f.code,
            "name": f.name.in_language(lang),
            "questions": [
                {"field": item_field(i.code), "text": i.text.in_language(lang), "na_allowed": i.na_allowed}
                for i in questionnaire.items
                if i.factor == f.code
            ],
        }
        for f in questionnaire.factors
    ]
    outcomes = [
        {
            "code": o.code, "text": o.text.in_language(lang), "required": o.required,
            "min_label": questionnaire.scale_label("min_label", lang, o.code),
            "max_label": questionnaire.scale_label("max_label", lang, o.code),
        }
        for o in questionnaire.outcomes
    ]  # fmt: skip
    labels = {item["field"]: item["text"] for f in factors for item in f["questions"]}
    labels.update({o["code"]: o["text"] for o in outcomes})
    labels["comment"] = t["comment"]
    minutes = await request.app.state.page_duration.get(
        work.session, survey.questionnaire, survey.questionnaire_version, work.clock.now()
    )
    other = "en" if lang == "zh-CN" else "zh-CN"
    return html(
        "form.html", 422 if errors else 200, lang=lang, t=t, title=t["title"].format(dealer=dealer.name),
        dealer_name=dealer.name, visit_date=survey.visit_date,
        greeting=polite_address(await _customer_name(work, survey), lang),
        question_count=len(questionnaire.items) + len(questionnaire.outcomes), minutes=minutes,
        switch_url=f"/s/{token}?lang={other}", action=f"/s/{token}", opt_out_action=f"/s/{token}/opt-out", draft_key=survey.id[:8], factors=factors,
        outcomes=outcomes, labels=labels, values=values or {}, errors=errors or {},
        retention_months=app_settings(request).retention_months,
        min_label=questionnaire.scale_label("min_label", lang),
        max_label=questionnaire.scale_label("max_label", lang),
    )  # fmt: skip


async def _customer_name(work: Work, survey: Survey) -> str | None:
    ro = await ro_repository.get(session=work.session, dealer_code=survey.dealer_code, ro_number=survey.ro_number)
    return ro.body["customer"]["name"] if ro else None


@router.get("/s/{token}", response_class=HTMLResponse, summary="The customer's survey page (HTML)")
@writes_on_get  # it records the opening
async def survey_page(
    token: Token, request: Request, work: RequestWork, settings: AppSettings, lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    language = language_of(lang, accept_language)
    if (limited := _limited(request, token, language)) is not None:
        return limited
    found = await _survey(work, token)
    if found is None:
        return _message(language, 404, TEXTS[language]["unknown_heading"], TEXTS[language]["unknown"])
    survey, dealer = found
    if (page := _state_page(language, survey, dealer, work.clock.now())) is not None:
        return page
    client = client_address(request, settings.trusted_proxies)
    await service.record_opening(work, survey, dealer, browser=browser_family(request.headers.get("user-agent")),
                                 network=network_hash(client, settings.network_salt))  # fmt: skip
    await work.session.commit()
    return await _form_page(request, work, token, language, survey, dealer)


async def _form_body(request: Request) -> dict[str, str] | None:
    """The posted urlencoded form, first value of each field; None when it is too large."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            return None
    try:
        parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=200)
    except ValueError:  # more fields than any of our forms has: treated like a body that is too large
        return None
    return {name: values[0] for name, values in parsed.items()}


@router.post("/s/{token}", response_class=HTMLResponse, summary="Answer the survey page (form post)")
async def survey_post(token: Token, request: Request, work: RequestWork, settings: AppSettings) -> Response:
    form = await _form_body(request)
    language = language_of((form or {}).get("lang"), request.headers.get("accept-language"))
    t = TEXTS[language]
    if _foreign_origin(request, settings):
        return _message(language, 403, t["foreign_heading"], t["foreign"])
    if (limited := _limited(request, token, language)) is not None:
        return limited
    if form is None:
        return _message(language, 413, t["too_large_heading"], t["too_large"])
    found = await _survey(work, token)
    if found is None:
        return _message(language, 404, t["unknown_heading"], t["unknown"])
    survey, dealer = found
    thanks = f"/s/{token}/thanks?lang={language}"
    if survey.responded_at is not None:
        return _redirect(thanks)  # a double tap or a reload of the post: the first answer stands
    if survey.expires_at <= work.clock.now():
        return _closed_page(language, dealer)
    questionnaire = catalogue.get(survey.questionnaire, survey.questionnaire_version)
    assert questionnaire is not None
    read = read_form(questionnaire, form, language)
    if read.response is None:
        return await _form_page(request, work, token, language, survey, dealer, values=read.values,
                                errors=read.errors)  # fmt: skip
    try:
        await service.record_response(
            work, dealer=dealer, ro_number=survey.ro_number, survey=survey, month=survey.settlement_month,
            channel="web", data=read.response, taken_by=None, complete=True,
        )  # fmt: skip
    except service.SurveyAlreadyAnswered:
        return _redirect(thanks)
    await work.session.commit()
    return _redirect(thanks)


async def _follow_up_form(request: Request, settings: Settings) -> tuple[dict[str, str], str] | Response:
    """A follow-up post's form and language, or the page that answers instead: 403 from another site, 413 too big."""
    posted = await _form_body(request)
    language = language_of((posted or {}).get("lang"), request.headers.get("accept-language"))
    t = TEXTS[language]
    if _foreign_origin(request, settings):
        return _message(language, 403, t["foreign_heading"], t["foreign"])
    if posted is None:
        return _message(language, 413, t["too_large_heading"], t["too_large"])
    return posted, language


async def _answered_survey(
    request: Request, work: Work, token: str, language: str
) -> tuple[Survey, Dealer, SurveyResponse | None] | Response:
    """The survey behind a link and its answer, or the page that answers instead (429, or 404 for an unknown link)."""
    if (limited := _limited(request, token, language)) is not None:
        return limited
    found = await _survey(work, token)
    if found is None:
        return _message(language, 404, TEXTS[language]["unknown_heading"], TEXTS[language]["unknown"])
    survey, dealer = found
    return survey, dealer, await repository.response_of(work.session, survey)


def _verdict(response: SurveyResponse) -> Verdict:
    return verdict((a.get("score") for a in response.answers), response.overall)


def _dissatisfied(response: SurveyResponse) -> bool:
    return _verdict(response) is Verdict.COMPLAINT


PROMISED_RESPONSE_HOURS = 24
"""What the thank-you page promises after a low answer: the complaint case it opens is due a first response within
this many hours (DOMAIN.md; complaints' `first_response_hours` setting, which this must not outrun)."""

NEXT_STEP = {Verdict.COMPLAINT: "next_complaint", Verdict.FOLLOW_UP: "next_follow_up", Verdict.NONE: "next_none"}


@router.get("/s/{token}/thanks", response_class=HTMLResponse, summary="The thank-you page after an answer")
async def thanks_page(
    token: Token, request: Request, work: RequestWork, lang: str | None = None, saved: bool = False,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    language = language_of(lang, accept_language)
    t = TEXTS[language]
    found = await _answered_survey(request, work, token, language)
    if isinstance(found, Response):
        return found
    _, dealer, response = found
    if response is None:
        return _redirect(f"/s/{token}?lang={language}")
    # When an answer is in the dissatisfied levels, ask whether the dealer may call about it, and when.
    ask = _dissatisfied(response) and response.contact_consent is None
    # Not a dead end: what happens to the answer now, and how to reach the dealer.
    next_step = t[NEXT_STEP[_verdict(response)]].format(dealer=dealer.name, hours=PROMISED_RESPONSE_HOURS)
    return html("thanks.html", lang=language, t=t, title=t["thanks_heading"], dealer_name=dealer.name,
                dealer_phone=dealer.phone, next_step=next_step, ask_contact=ask, contact_saved=saved,
                contact_action=f"/s/{token}/contact")  # fmt: skip


WINDOWS = {"09:00-12:00": (time(9), time(12)), "12:00-18:00": (time(12), time(18)), "18:00-20:00": (time(18), time(20))}


@router.post("/s/{token}/contact", response_class=HTMLResponse, summary="May the dealer call about the answer")
async def contact_post(token: Token, request: Request, work: RequestWork, settings: AppSettings) -> Response:
    read = await _follow_up_form(request, settings)
    if isinstance(read, Response):
        return read
    form, language = read
    found = await _answered_survey(request, work, token, language)
    if isinstance(found, Response):
        return found
    _, dealer, response = found
    thanks = f"/s/{token}/thanks?lang={language}"
    if response is None or response.contact_consent is not None or not _dissatisfied(response):
        return _redirect(thanks)
    if form.get("consent") not in ("yes", "no"):
        return _redirect(thanks)  # nothing chosen: the question stays open
    consent = form["consent"] == "yes"
    window = WINDOWS.get(form.get("when", "")) if consent else None
    ro = await ro_repository.get(session=work.session, dealer_code=dealer.code, ro_number=response.ro_number)
    await consent_records.record_contact_wish(work, response=response, dealer=dealer,
                                              customer_id=ro.customer_id if ro else None, granted=consent,
                                              window=window, source="survey_page")  # fmt: skip
    await work.session.commit()
    return _redirect(thanks + "&saved=true")


@router.post("/s/{token}/opt-out", response_class=HTMLResponse, summary="No more surveys to this phone (form post)")
async def opt_out_post(token: Token, request: Request, work: RequestWork, settings: AppSettings) -> Response:
    """The customer's phone gets no survey or reminder from any dealer of the brand afterwards."""
    read = await _follow_up_form(request, settings)
    if isinstance(read, Response):
        return read
    _, language = read
    t = TEXTS[language]
    found = await _answered_survey(request, work, token, language)
    if isinstance(found, Response):
        return found
    survey, dealer, _ = found
    # The number the link was sent to, never the RO's phone now: a dealer that corrected the RO to someone else's
    # number must not opt them out with the link it received.
    phone = await repository.sent_to(work.session, survey)
    if not phone:  # never sent, erased, or anonymised by retention: there is no number left to stop
        return _message(language, 410, t["no_number_heading"], t["no_number"], dealer_name=dealer.name)
    await consent_records.record_opt_out(session=work.session, phone=phone, source="survey_page", now=work.clock.now(),
                                         phone_salt=settings.phone_salt)  # fmt: skip
    await work.session.commit()
    return _message(language, 200, t["opted_out_heading"], t["opted_out"], dealer_name=dealer.name)
