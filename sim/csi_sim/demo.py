"""`make demo`: a month of a 20-dealer network driven through the running platform, then what its users look at."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from csi_shared.auth import Role
from csi_shared.calendar import add_months
from csi_sim.client import URLS, Platform, bounded
from csi_sim.gaming import (
    ANSWER_RATE,
    STAFF_ANSWER_RATE,
    USER_AGENTS,
    answer_source,
    callback_satisfaction,
    customer_answers,
    is_staff_phone,
    staff_answers,
)
from csi_sim.network import REGIONS, Dealer, build_network, repair_orders, score

SEED = 20261122
DEALERS = 20
GAMING = 4
"""Dealers that game their score (each in one of the ways of `csi_sim.network.GAMING_PROFILES`)."""
EXCELLENT = 2
"""Honest dealers with a genuinely excellent service."""
SMS_INBOX = Path("var/sms-outbox.jsonl")


def say(text: str = "") -> None:
    print(text, flush=True)


async def setup_dealers(p: Platform, network: list[Dealer]) -> dict[str, str]:
    admin = p.token(Role.ADMIN)
    keys = {}
    for d in network:
        await p.call(
            "survey",
            "PUT",
            f"/v1/dealers/{d.code}",
            json={"name": d.name, "region": d.region, "time_zone": d.time_zone},
            headers=admin,
        )
        keys[d.code] = (await p.call("survey", "POST", f"/v1/dealers/{d.code}/api-keys", headers=admin))["api_key"]
    return keys


async def post_ros(p: Platform, dealer: Dealer, key: str, ros: list[dict[str, Any]]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    for start in range(0, len(ros), 500):
        body = await p.call(
            "survey",
            "POST",
            "/v1/repair-orders/batch",
            json={"items": ros[start : start + 500]},
            headers={"X-API-Key": key},
        )
        outcome.update(r["status"] for r in body["results"])
    return outcome


async def worklist(p: Platform, dealer: str, **params: Any) -> list[dict[str, Any]]:
    headers, items, cursor = p.token(Role.CRA, dealers=[dealer]), [], None
    while True:
        page = await p.call(
            "callbacks",
            "GET",
            "/v1/callbacks",
            params={"dealer_code": dealer, "limit": 500, **params, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def wait_for(what: str, check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)


async def work_callbacks(p: Platform, rng: random.Random, dealer: Dealer) -> Counter[str]:
    """The dealer's CRA works the worklist: most customers are reached, some are not, a few raise an issue."""
    headers = p.token(Role.CRA, dealers=[dealer.code])
    outcomes: Counter[str] = Counter()
    calls = []
    for callback in await worklist(p, dealer.code, status="open"):
        outcome = rng.choices(["reached", "no_answer", "busy_reschedule", "wrong_number", "not_owner", "declined"],
                              weights=[76, 12, 4, 2, 3, 3])[0]  # fmt: skip
        body: dict[str, Any] = {"outcome": outcome}
        if outcome == "reached":
            late = callback.get("ro_number") in dealer.late
            body["answers"] = {k: score(rng, dealer.quality) for k in ("reception", "repair_quality", "delivery")}
            body["answers"]["visit_satisfaction"] = callback_satisfaction(rng, dealer, late=late)
            if rng.random() < 0.04 + (1 - dealer.quality) * 0.1:
                body["issue"] = rng.choice(["刹车有异响", "空调不凉", "发票金额比预估高", "车内不干净"])
        elif outcome == "busy_reschedule":
            body["reschedule_at"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        outcomes[outcome] += 1
        calls.append(
            p.call("callbacks", "POST", f"/v1/callbacks/{callback['id']}/attempts", json=body, headers=headers)
        )
    await bounded(calls, 8)
    return outcomes


def _address(network: str, rng: random.Random, dealers: list[Dealer]) -> str:
    """A loopback address for a simulated network: each carrier network of a region a /24 of its own, each dealer's
    office another (the survey page hashes the /24 of whoever opens it)."""
    if network.endswith("-office"):
        n = next(i for i, d in enumerate(dealers) if network.startswith(d.code))
        return f"127.250.{n}.7"
    region, _, carrier = network.rpartition("-carrier-")
    r = next(i for i, (name, _, _) in enumerate(REGIONS) if name == region)
    return f"127.{10 + r}.{carrier}.{rng.randrange(1, 255)}"


async def _visit(client: Any, method: str, path: str, *, expect: tuple[int, ...], **kwargs: Any) -> Any:
    for attempt in range(5):
        response = await client.request(method, path, **kwargs)
        if response.status_code == 429 and attempt < 4:
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path} → {response.status_code}: {response.text[:300]}")
        return response
    raise RuntimeError(f"{method} {path}: no answer")


def _form(body: dict[str, Any], language: str) -> dict[str, str]:
    form = {f"q_{a['item']}": "na" if a["score"] is None else str(a["score"]) for a in body["answers"]}
    form.update(overall=str(body["overall"]), recommend=str(body["recommend"]),
                return_intent=str(body["return_intent"]), comment=body["comment"] or "", lang=language)  # fmt: skip
    return form


async def survey_center_calls(p: Platform, rng: random.Random, network: list[Dealer], items: list[dict[str, Any]],
                              month: str) -> int:  # fmt: skip
    """From the 16th, the OEM's survey centre calls the month's customers who have not answered their link, and
    about half of those it reaches give their answers on the phone: what customers tell the OEM counts."""
    if int(datetime.now(UTC).strftime("%d")) < 16:
        return 0
    center = p.token(Role.SURVEY_CENTER)
    dealers = {d.code: d for d in network}
    calls, cursor = [], None
    while True:
        page = await p.call("survey", "GET", "/v1/survey-center/calls", headers=center,
                            params={"month": month, "limit": 500, **({"cursor": cursor} if cursor else {})})  # fmt: skip
        calls += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break

    async def interview(call: dict[str, Any]) -> bool:
        dealer = dealers.get(call["dealer_code"])
        if dealer is None or is_staff_phone(dealer, call["phone"]) or rng.random() >= 0.5:
            return False  # not reached, or not willing; a staff number answers nobody's interview
        body = customer_answers(rng, dealer, items, late=call["ro_number"] in dealer.late)
        body = {**body, "dealer_code": call["dealer_code"], "ro_number": call["ro_number"]}
        await p.call("survey", "POST", "/v1/survey-responses", json=body, headers=center, expect=(201, 409))
        return True

    return sum(await bounded([interview(c) for c in calls], 8))


async def answer_surveys(
    p: Platform, rng: random.Random, network: list[Dealer], items: list[dict[str, Any]]
) -> tuple[Counter[str], str | None]:
    """The links in the dev SMS inbox are answered on the survey page as a browser without JavaScript does (the page,
    then a form post), each from its own network and browser. About a third of the customers answer, taking their
    time; a link that reached a staff number (a gaming dealer typed it in as the customer's) is answered by the staff,
    with 10s, within seconds, from the dealer's office. Returns who answered, and one link left unanswered."""
    dealers = {d.code: d for d in network}
    invitations = (
        [json.loads(line) for line in SMS_INBOX.read_text(encoding="utf-8").splitlines()] if SMS_INBOX.exists() else []
    )
    ours = [i for i in invitations if i["dealer"]["dealer_code"] in dealers]
    customers, staff, spare = [], [], None
    for invitation in ours:
        dealer = dealers[invitation["dealer"]["dealer_code"]]
        by_staff = is_staff_phone(dealer, invitation.get("customer_phone"))
        if rng.random() < (STAFF_ANSWER_RATE if by_staff else ANSWER_RATE):
            (staff if by_staff else customers).append((invitation, dealer))
        elif spare is None and not by_staff:
            spare = invitation["survey_url"]

    async def open_page(invitation: dict[str, Any], dealer: Dealer, by_staff: bool) -> Any:
        network_name, browser = answer_source(rng, dealer, staff=by_staff)
        client = p.visitor(_address(network_name, rng, network), USER_AGENTS[browser])
        path = f"/s/{invitation['token']}"
        page = await _visit(client, "GET", path, expect=(200, 409, 410), params={"lang": invitation["language"]})
        return (client, path) if "<form" in page.text else None  # answered already (a rerun) or closed

    async def submit(opened: Any, body: dict[str, Any], language: str) -> bool:
        if opened is None:
            return False
        client, path = opened
        await _visit(client, "POST", path, data=_form(body, language), expect=(303,))
        return True

    # Customers open their links first and read: nobody answers 22 questions in less than a minute or so.
    started = time.monotonic()
    pages = await bounded([open_page(i, d, False) for i, d in customers], 8)

    async def staff_answer(invitation: dict[str, Any], dealer: Dealer) -> bool:
        opened = await open_page(invitation, dealer, True)
        return await submit(opened, staff_answers(items), invitation["language"])

    done: Counter[str] = Counter()
    done["staff"] = sum(await bounded([staff_answer(i, d) for i, d in staff], 8))
    await asyncio.sleep(max(0.0, 5 + 1.5 * len(items) + 15 - (time.monotonic() - started)))
    answers = [
        submit(page, customer_answers(rng, d, items, late=i["ro_number"] in d.late), i["language"])
        for page, (i, d) in zip(pages, customers, strict=True)
    ]
    done["customers"] = sum(await bounded(answers, 8))
    return done, spare


async def handle_complaints(p: Platform, rng: random.Random, network: list[Dealer]) -> tuple[int, int]:
    """A hotline case for two dealers; each dealer acknowledges most of its cases, works some through."""
    oem = p.token(Role.OEM_ANALYST)
    for d in network[:2]:
        await p.call("complaints", "POST", "/v1/complaints", headers={**oem, "Idempotency-Key": f"demo-hotline-{d.code}"},
                     json={"dealer_code": d.code, "category": "safety", "channel": "hotline",
                           "description": "客户来电：保养后刹车踏板偏软 / brake pedal feels soft after the service"})  # fmt: skip
    opened = acknowledged = 0
    for d in network:
        cra = p.token(Role.CRA, dealers=[d.code])
        cases = (
            await p.call(
                "complaints",
                "GET",
                "/v1/complaints",
                params={"dealer_code": d.code, "status": "open", "limit": 500},
                headers=cra,
            )
        )["items"]
        opened += len(cases)
        for case in cases:
            if rng.random() < 0.7:
                await p.call(
                    "complaints",
                    "POST",
                    f"/v1/complaints/{case['id']}/transitions",
                    json={"action": "acknowledge", "note": "called back"},
                    headers=cra,
                )
                acknowledged += 1
    return opened, acknowledged


def table(rows: list[list[Any]], header: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    say("  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        say("  " + "  ".join(str("" if x is None else x).ljust(w) for x, w in zip(row, widths, strict=True)))


async def wait_for_links(started: float) -> None:
    """Links go out the day after delivery at 10:00 dealer time, sent by survey-api's job: wait until the links of
    the month's earlier deliveries are in the dev SMS inbox (today's and yesterday's go out tomorrow)."""

    def lines() -> int:
        return len(SMS_INBOX.read_text(encoding="utf-8").splitlines()) if SMS_INBOX.exists() else 0

    seen, steady_since = lines(), time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (seen == 0 or time.monotonic() - steady_since < 5):
        await asyncio.sleep(1)
        if (now := lines()) != seen:
            seen, steady_since = now, time.monotonic()
    say(
        f"{seen} survey links sent at their send time, the day after delivery at 10:00 — {time.monotonic() - started:.0f}s"
    )


async def show(p: Platform, network: list[Dealer], period: str, ros_posted: int, csi_period: str | None = None) -> None:
    """What the users look at. `csi_period`: the settlement month the ranking and the card show, the one with most of
    the simulated ROs (run early in a month, the current month has only a few days of answers, nobody is ranked in it);
    callbacks and complaints are shown for `period`, the month the simulation's calls and cases happen in."""
    oem = p.token(Role.OEM_ANALYST)
    csi_period = csi_period or period
    ranking = await p.call("scoring", "GET", "/v1/csi", params={"period": csi_period}, headers=oem)
    ranked = ranking["ranked"]
    say(
        f"\n== OEM ranking, {csi_period} (provisional until the 15th of next month; min sample {ranking['min_sample']}) =="
    )
    say(f"  national average {ranking['national_average']}; regions {ranking['regional_averages']}")
    rows = [
        [
            e["rank"],
            e["dealer_code"],
            e["region"],
            e["index"],
            e["responses"],
            f"{e['interval'][0]}–{e['interval'][1]}" if e["interval"] else "",
        ]
        for e in ranked
    ]
    shown = rows if len(rows) <= 10 else [*rows[:5], ["…", "", "", "", "", ""], *rows[-5:]]
    table(shown, ["rank", "dealer", "region", "CSI", "n", "95% interval"])
    if ranking["small_sample"]:
        small = [f"{e['dealer_code']} (n={e['responses']})" for e in ranking["small_sample"]]
        say(f"  under the minimum sample, not ranked: {', '.join(small)}")
    rolling = await p.call(
        "scoring", "GET", "/v1/csi", params={"period": csi_period, "span": "rolling_3m"}, headers=oem
    )
    say(
        f"  rolling three months ({rolling['months'][0]} – {rolling['months'][-1]}): {len(rolling['ranked'])} ranked, "
        f"{len(rolling['small_sample'])} under the minimum sample; national average {rolling['national_average']}"
    )

    dealer = ranked[len(ranked) // 2]["dealer_code"] if ranked else network[0].code
    manager = p.token(Role.SERVICE_MANAGER, dealers=[dealer])
    card = await p.call("scoring", "GET", f"/v1/dealers/{dealer}/csi", params={"period": csi_period}, headers=manager)
    say(f"\n== {dealer}'s CSI card, {csi_period}: {card['index']} (n={card['responses']}, {card['status']}) ==")
    standing = card["standing"]
    region, nation = standing["region"] or {"index": None, "factors": {}, "dealers": 0}, standing["nation"]
    say(
        f"  where it stands (what the dealer sees): rank {standing['rank_in_region'] or '—'} of {region['dealers']} in its "
        f"region, {standing['rank_in_nation'] or '—'} of {nation['dealers']} nationally; region {region['index']}, "
        f"nation {nation['index']}; weights {card['weights_version']}"
    )
    table(
        [
            [f, v["index"], region["factors"].get(f), nation["factors"].get(f), v["responses"]]
            for f, v in card["factors"].items()
        ],
        ["factor", "index", "region", "nation", "n"],
    )
    say(f"  strengths: {', '.join(card['strengths']) or '—'}")
    say(
        f"  priorities (weak against the region and important): {', '.join(card['priorities']) or '— (none weak and important, or importance not computed yet)'}"
    )
    say(
        f"  loyalty (top-box recommend/return): {card['loyalty']}; complaints per 100 ROs: {card['complaints_per_100_ros']}"
    )
    months = [add_months(period, -1), period]
    trend_months = sorted({add_months(csi_period, -1), csi_period, period})
    trend = await p.call(
        "scoring",
        "GET",
        f"/v1/dealers/{dealer}/csi/trend",
        params={"from": trend_months[0], "to": trend_months[-1]},
        headers=manager,
    )
    say("  trend: " + ", ".join(f"{t['period']} {t['index']} (n={t['responses']})" for t in trend["trend"]))

    compliance = await p.call(
        "callbacks", "GET", "/v1/compliance", params={"dealer_code": dealer, "month": period}, headers=manager
    )
    c = compliance["dealers"][0]
    say(f"\n== {dealer}'s callback compliance, {period} ==")
    say(f"  ROs due {c['ros']}: attempted {c['attempted']}, reached {c['completed']}, declined {c['declined']} "
        f"({c['declined_at_reception']} at reception), unreachable {c['unreachable']}, overdue {c['overdue']}")  # fmt: skip
    say(f"  coverage (customers called: reached + declined + unreachable) {c['coverage_pct']}%, "
        f"on time (reached within 5 days) {c['completed_within_5_days_pct']}%")  # fmt: skip
    report = await p.call(
        "callbacks", "GET", "/v1/reports/monthly", params={"dealer_code": dealer, "month": period}, headers=manager
    )
    say(f"  monthly report: made {report['callbacks_made']}, reached {report['reached']}, issues raised {report['issues_raised']}, "
        f"dissatisfied calls {report['dissatisfied_callbacks']}, complaints opened {report['complaints_opened']} "
        f"{report['complaints_by_source']}, special callbacks {report['special_callbacks']}")  # fmt: skip
    say("  calls per CRA: " + ", ".join(f"{c['made_by']} {c['attempts']} ({c['reach_rate_pct']}% reached)"
                                        for c in report["cras"]))  # fmt: skip
    outcomes = report["outcomes"]
    say(f"  first-time fix {outcomes['first_time_fix_rate_pct']}% of {outcomes['repair_ros']} repairs; comebacks "
        f"{outcomes['comebacks']} ({outcomes['comeback_rate_pct']}% of visits); retention of {outcomes['retention']['cohort_month']}'s "
        f"customers: {outcomes['retention']['rate_pct'] if outcomes['retention']['customers'] else '— (no visits loaded from a year ago)'}")  # fmt: skip
    low = report["low_scoring_questions"][:3]
    say(
        "  weakest callback questions: "
        + ", ".join(f"{q['question']} avg {q['average']} ({q['low_answers']} low)" for q in low)
    )

    east = await p.call(
        "complaints",
        "GET",
        "/v1/complaints",
        params={"status": "open", "limit": 500},
        headers=p.token(Role.OEM_ANALYST, region="east"),
    )
    say(f"\n== Open complaints in region east: {len(east['items'])} not yet acknowledged ==")
    table([[x["dealer_code"], x["severity"], x["source"], x["category"], x["first_response_due"][:16], x["escalation_level"]] for x in east["items"][:8]],
          ["dealer", "severity", "source", "category", "respond by (UTC)", "escalation"])  # fmt: skip
    figures = await p.call("complaints", "GET", "/v1/complaints/report", params={"month": period}, headers=oem)
    total = figures["total"]
    # The simulated month spans two calendar months: count the cases of both against every RO posted.
    before = await p.call("complaints", "GET", "/v1/complaints/report", params={"month": months[0]}, headers=oem)
    opened = total["opened"] + before["total"]["opened"]
    rate = round(100 * opened / ros_posted, 1) if ros_posted else None
    say(f"  complaint cases per 100 ROs over the simulated month: {rate} ({opened} cases, {ros_posted} ROs; "
        "any answer ≤ 4 opens one, a neutral 5-6 overall gets a follow-up call instead)")  # fmt: skip
    say(
        f"  this month: opened {total['opened']} by source {total['by_source']}, "
        f"first response within {figures['first_response_hours']:g} h {total['first_response_in_time_pct']}%"
    )
    tiers = {"major": total["major"], "minor": total["minor"]}
    tiers["normal"] = total["opened"] - tiers["major"] - tiers["minor"]
    say(f"  cases per tier: {tiers['minor']} minor ({total['settled_in_one_step']} answered and closed in one step), "
        f"{tiers['normal']} normal, {tiers['major']} major; closed without contact {total['closed_no_contact']}")  # fmt: skip
    ladder = ", ".join(
        f"{e['after_opening_hours']:g} h the {e['to'].replace('_', ' ').replace('oem', 'OEM')}"
        for e in figures["escalation_schedule"]
        if e["kind"] == "first_response"
    )
    say(f"  (a case nobody acknowledges escalates at {ladder})")


async def set_known_numbers(p: Platform, network: list[Dealer]) -> None:
    """The OEM knows each dealer's landlines and the service manager's mobile (one of its staff numbers)."""
    oem = p.token(Role.OEM_ANALYST)
    for d in network:
        numbers = [{"phone": n, "label": "landline"} for n in d.own_numbers]
        numbers.append({"phone": d.staff_phones[0], "label": "service manager"})
        for _ in range(60):  # scoring learns of a dealer from its first RO event
            body = await p.call("scoring", "PUT", f"/v1/integrity/dealers/{d.code}/known-numbers",
                                json={"numbers": numbers}, headers=oem, expect=(200, 404))  # fmt: skip
            if "numbers" in body:
                break
            await asyncio.sleep(0.5)


def integrity_period(ros: list[dict[str, Any]], network: list[Dealer]) -> str:
    """The settlement month with the most ROs of the simulated 31 days (dealer's calendar)."""
    zones = {d.code: ZoneInfo(d.time_zone) for d in network}
    months = Counter(
        datetime.fromisoformat(r["settled_at"]).astimezone(zones[r["dealer_code"]]).strftime("%Y-%m") for r in ros
    )
    return months.most_common(1)[0][0]


SIGNAL_NAMES = {
    "shared_phone": "one phone, many customers", "dealer_number": "dealer's own number",
    "low_contact_rate": "phones missing", "fast_answers": "answered too fast", "one_source": "one network",
    "straight_lined": "all 10s, no comment", "asked_for_perfect": "asked for 10", "callback_gap": "callback above survey",
    "index_jump": "index jump",
}  # fmt: skip


async def show_integrity(p: Platform, network: list[Dealer], period: str) -> None:
    """What an OEM analyst looks at: dealers by integrity risk, the evidence of the riskiest, a review and an exclusion;
    then, since this is a simulation, how the signals did against the dealers that really game."""
    oem = p.token(Role.OEM_ANALYST)
    report = await p.call("scoring", "GET", "/v1/integrity", params={"period": period}, headers=oem)
    dealers = report["dealers"]
    truth = {d.code: d for d in network}
    say(f"\n== Integrity signals, {period} (OEM view: GET /v1/integrity) ==")
    rows = [[e["rank"], e["dealer_code"], e["risk"], e["index"], e["responses"],
             ", ".join(SIGNAL_NAMES[c] for c in e["flagged"]) or "—"] for e in dealers if e["risk"] > 0 or e["rank"] <= 8]  # fmt: skip
    table(rows, ["rank", "dealer", "risk", "CSI", "n", "signals"])
    quiet = len(dealers) - len(rows)
    if quiet:
        say(f"  … and {quiet} more dealers with no signal (risk 0)")
    for e in [e for e in dealers if e["flagged"]][:2]:
        say(f"  {e['dealer_code']}:")
        for s in e["signals"]:
            if s["flagged"]:
                example = s["examples"][0] if s["examples"] else None
                shown = f" e.g. {json.dumps(example, ensure_ascii=False)}" if example else ""
                say(f"    [{s['code']}, part {s['part']}] {s['explanation']}{shown}")

    top = next((e for e in dealers if e["flagged"]), None)
    if top is not None:
        code = top["dealer_code"]
        await p.call("scoring", "PUT", f"/v1/integrity/dealers/{code}/review", params={"period": period}, headers=oem,
                     json={"under_review": True, "reason": f"integrity signals: {', '.join(top['flagged'])}"})  # fmt: skip
        shown = {x["response_id"] for s in top["signals"] if s["code"] in ("fast_answers", "one_source", "straight_lined")
                 for x in s["examples"] if "response_id" in x}  # fmt: skip
        after = None
        for response_id in sorted(shown):
            after = await p.call("scoring", "PUT", f"/v1/integrity/responses/{response_id}/exclusion", headers=oem,
                                 json={"excluded": True, "reason": "answered from the dealer's office in seconds"})  # fmt: skip
        card = await p.call("scoring", "GET", f"/v1/dealers/{code}/csi", params={"period": period}, headers=oem)
        say(f"  an analyst marked {code} under review (card: under_review={card['under_review']}; integrity.flagged "
            f"published)" + (f" and excluded the {len(shown)} answers shown as examples: index {top['index']} → "
                              f"{after['index']} (n={after['responses']}), audited at GET /v1/integrity/actions" if after else ""))  # fmt: skip

    gaming = {c for c, d in truth.items() if d.gaming}
    flagged = {e["dealer_code"] for e in dealers if e["flagged"]}
    ranks = {e["dealer_code"]: e["rank"] for e in dealers}
    say("  the simulation's gaming dealers: " + ", ".join(
        f"{c} (rank {ranks.get(c, '–')}: {', '.join(sorted(truth[c].traits))})" for c in sorted(gaming)))  # fmt: skip
    excellent = sorted(c for c, d in truth.items() if not d.gaming and d.quality > 0.92)
    say(f"  honest dealers with an excellent service: {', '.join(excellent)} (flagged: "
        f"{', '.join(sorted(set(excellent) & flagged)) or 'none'})")  # fmt: skip
    hits = len(gaming & flagged)
    say(f"  flagged {len(flagged)}: precision {hits}/{len(flagged) or 1}, recall {hits}/{len(gaming)}")


async def run() -> int:
    p = Platform()
    try:
        down = await p.healthy()
        if down:
            say(f"not reachable: {', '.join(down)}. Start the platform first with `make run` (in another terminal).")
            return 1
        started = time.monotonic()
        rng = random.Random(SEED)
        network = build_network(rng, DEALERS, customers_per_dealer=80, gaming=GAMING, excellent=EXCELLENT)
        now = datetime.now(UTC)
        first_day = (now - timedelta(days=30)).date()
        keys = await setup_dealers(p, network)
        say(f"{len(network)} dealers in {len({d.region for d in network})} regions registered, one DMS key each")

        posted: Counter[str] = Counter()
        per_dealer = {}
        all_ros: list[dict[str, Any]] = []
        for d in network:
            ros = repair_orders(rng, d, first_day, 31, not_after=now)
            per_dealer[d.code] = len(ros)
            all_ros += ros
            posted += await post_ros(p, d, keys[d.code], ros)
        total = sum(per_dealer.values())
        say(
            f"{total} closed ROs posted by the dealers' DMS in batches ({dict(posted)}) — {time.monotonic() - started:.0f}s"
        )

        async def visit_calls() -> Counter[str]:
            found: Counter[str] = Counter()
            for reason in ("post_service", "comeback"):
                for items in await bounded([worklist(p, d.code, reason=reason) for d in network], 4):
                    found[reason] += len(items)
            return found

        async def all_planned() -> bool:
            return sum((await visit_calls()).values()) >= total

        await wait_for("every RO's callback", all_planned, timeout=90)
        calls = await visit_calls()
        say(f"every RO has its one callback (100% rule): {calls['post_service']} post-service, {calls['comeback']} "
            f"comeback (a returning repair gets the comeback questions instead) — {time.monotonic() - started:.0f}s")  # fmt: skip

        await set_known_numbers(p, network)
        say(
            "the OEM registered each dealer's landlines and one staff mobile as its known numbers (kept hashed by scoring)"
        )

        outcomes: Counter[str] = Counter()
        for d in network:
            outcomes += await work_callbacks(p, rng, d)
        say(f"CRAs worked the worklists: {dict(outcomes)} — {time.monotonic() - started:.0f}s")
        say("  (they start today, so calls for cars delivered more than 5 days ago are late)")

        await wait_for_links(started)
        items = (await p.call("survey", "GET", "/v1/questionnaires/csi-v1"))["items"]
        answered, spare_link = await answer_surveys(p, rng, network, items)
        say(f"{answered['customers']} customers answered on the survey page (form posts, as without JavaScript, each from "
            f"their own phone and network), and {answered['staff']} links were answered by dealer staff who had typed "
            f"their own numbers in — {time.monotonic() - started:.0f}s")  # fmt: skip
        interviewed = await survey_center_calls(p, rng, network, items, now.strftime("%Y-%m"))
        if interviewed:
            say(f"the OEM survey centre called the month's customers who had not answered: {interviewed} interviews "
                f"taken on the phone — {time.monotonic() - started:.0f}s")  # fmt: skip
        await asyncio.sleep(3)  # complaints and scores follow from the events
        opened, acknowledged = await handle_complaints(p, rng, network)
        say(
            f"{opened} complaint cases were waiting for a first response; {acknowledged} acknowledged — {time.monotonic() - started:.0f}s"
        )
        await asyncio.sleep(
            6
        )  # score.updated is throttled and item importance refreshes every few seconds under make run

        await show(p, network, now.strftime("%Y-%m"), total, csi_period=integrity_period(all_ros, network))
        await show_integrity(p, network, integrity_period(all_ros, network))
        say(f"\nDone in {time.monotonic() - started:.0f}s. Look further:")
        for name, url in URLS.items():
            say(f"  {name:11} {url}/docs")
        say("  a token for your own calls: .venv/bin/csi token --role oem_analyst   (or --role cra --dealer D001)")
        say(f"  survey links the customers got: {SMS_INBOX}")
        if spare_link:
            say(f"  open one a customer has not answered yet, on your phone or in a browser: {spare_link}")
        return 0
    finally:
        await p.close()


def main() -> None:
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
