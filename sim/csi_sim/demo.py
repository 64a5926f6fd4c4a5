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

from csi_shared.auth import Role
from csi_sim.client import URLS, Platform, bounded
from csi_sim.network import Dealer, build_network, repair_orders, score, survey_answers

SEED = 20261122
DEALERS = 20
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
            body["answers"] = {
                k: score(rng, dealer.quality) for k in ("visit_satisfaction", "reception", "repair_quality", "delivery")
            }
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


async def answer_surveys(p: Platform, rng: random.Random, network: list[Dealer], items: list[dict[str, Any]]) -> int:
    """About a third of the customers open their SMS link and answer."""
    quality = {d.code: d.quality for d in network}
    invitations = (
        [json.loads(line) for line in SMS_INBOX.read_text(encoding="utf-8").splitlines()] if SMS_INBOX.exists() else []
    )
    chosen = [i for i in invitations if i["dealer"]["dealer_code"] in quality and rng.random() < 0.36]

    async def answer(invitation: dict[str, Any]) -> bool:
        token = invitation["token"]
        page = await p.call(
            "survey", "GET", f"/v1/surveys/{token}", expect=(200, 409, 410), params={"lang": invitation["language"]}
        )
        if "items" not in page:
            return False  # answered already (a rerun of the demo) or closed
        body = survey_answers(rng, quality[invitation["dealer"]["dealer_code"]], items)
        await p.call("survey", "POST", f"/v1/surveys/{token}/responses", json=body, expect=(201, 409))
        return True

    return sum(await bounded([answer(i) for i in chosen], 6))


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


async def show(p: Platform, network: list[Dealer], period: str) -> None:
    oem = p.token(Role.OEM_ANALYST)
    ranking = await p.call("scoring", "GET", "/v1/csi", params={"period": period}, headers=oem)
    ranked = ranking["ranked"]
    say(f"\n== OEM ranking, {period} (provisional until the 15th of next month; min sample {ranking['min_sample']}) ==")
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

    dealer = ranked[len(ranked) // 2]["dealer_code"] if ranked else network[0].code
    manager = p.token(Role.SERVICE_MANAGER, dealers=[dealer])
    card = await p.call("scoring", "GET", f"/v1/dealers/{dealer}/csi", params={"period": period}, headers=manager)
    say(f"\n== {dealer}'s CSI card, {period}: {card['index']} (n={card['responses']}, {card['status']}) ==")
    table([[f, v["index"], v["responses"]] for f, v in card["factors"].items()], ["factor", "index", "n"])
    say(f"  strengths: {', '.join(card['strengths']) or '—'}")
    say(
        f"  priorities (importance × shortfall): {', '.join(card['priorities']) or '— (importance is computed every few seconds)'}"
    )
    say(
        f"  loyalty (top-box recommend/return): {card['loyalty']}; complaints per 100 ROs: {card['complaints_per_100_ros']}"
    )
    months = sorted({period, (datetime.strptime(period + "-01", "%Y-%m-%d") - timedelta(days=1)).strftime("%Y-%m")})
    trend = await p.call(
        "scoring",
        "GET",
        f"/v1/dealers/{dealer}/csi/trend",
        params={"from": months[0], "to": months[-1]},
        headers=manager,
    )
    say("  trend: " + ", ".join(f"{t['period']} {t['index']} (n={t['responses']})" for t in trend["trend"]))

    compliance = await p.call(
        "callbacks", "GET", "/v1/compliance", params={"dealer_code": dealer, "month": period}, headers=manager
    )
    c = compliance["dealers"][0]
    say(f"\n== {dealer}'s callback compliance, {period} ==")
    say(f"  ROs delivered {c['ros']}, callbacks {c['callbacks_created']} (coverage {c['coverage_pct']}%), completed {c['completed']}, "
        f"within 5 days {c['completed_within_5_days_pct']}%, overdue {c['overdue']}, declined {c['declined']}, unreachable {c['unreachable']}")  # fmt: skip
    report = await p.call(
        "callbacks", "GET", "/v1/reports/monthly", params={"dealer_code": dealer, "month": period}, headers=manager
    )
    say(f"  monthly report: made {report['callbacks_made']}, reached {report['reached']}, issues raised {report['issues_raised']}, "
        f"complaints opened {report['complaints_opened']}, special callbacks {report['special_callbacks']}")  # fmt: skip
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
    say(
        f"  this month: opened {total['opened']} by source {total['by_source']}, first response within 24 h {total['first_response_within_24h_pct']}%"
    )
    say(
        "  (a case nobody acknowledges escalates at 24 h to the service manager, 48 h the general manager, 72 h the OEM region)"
    )


async def run() -> int:
    p = Platform()
    try:
        down = await p.healthy()
        if down:
            say(f"not reachable: {', '.join(down)}. Start the platform first with `make run` (in another terminal).")
            return 1
        started = time.monotonic()
        rng = random.Random(SEED)
        network = build_network(rng, DEALERS, customers_per_dealer=80)
        now = datetime.now(UTC)
        first_day = (now - timedelta(days=30)).date()
        keys = await setup_dealers(p, network)
        say(f"{len(network)} dealers in {len({d.region for d in network})} regions registered, one DMS key each")

        posted: Counter[str] = Counter()
        per_dealer = {}
        for d in network:
            ros = repair_orders(rng, d, first_day, 31, not_after=now)
            per_dealer[d.code] = len(ros)
            posted += await post_ros(p, d, keys[d.code], ros)
        total = sum(per_dealer.values())
        say(
            f"{total} closed ROs posted by the dealers' DMS in batches ({dict(posted)}) — {time.monotonic() - started:.0f}s"
        )

        async def all_planned() -> bool:
            counts = await bounded([worklist(p, d.code, reason="post_service") for d in network], 4)
            return sum(len(c) for c in counts) >= total

        await wait_for("every RO's callback", all_planned, timeout=90)
        say(f"every RO has its post-service callback (100% rule) — {time.monotonic() - started:.0f}s")

        outcomes: Counter[str] = Counter()
        for d in network:
            outcomes += await work_callbacks(p, rng, d)
        say(f"CRAs worked the worklists: {dict(outcomes)} — {time.monotonic() - started:.0f}s")
        say("  (they start today, so calls for cars delivered more than 5 days ago are late)")

        items = (await p.call("survey", "GET", "/v1/questionnaires/csi-v1"))["items"]
        answered = await answer_surveys(p, rng, network, items)
        say(f"{answered} customers answered their survey link — {time.monotonic() - started:.0f}s")
        await asyncio.sleep(3)  # complaints and scores follow from the events
        opened, acknowledged = await handle_complaints(p, rng, network)
        say(
            f"{opened} complaint cases were waiting for a first response; {acknowledged} acknowledged — {time.monotonic() - started:.0f}s"
        )
        await asyncio.sleep(
            6
        )  # score.updated is throttled and item importance refreshes every few seconds under make run

        await show(p, network, now.strftime("%Y-%m"))
        say(f"\nDone in {time.monotonic() - started:.0f}s. Look further:")
        for name, url in URLS.items():
            say(f"  {name:11} {url}/docs")
        say("  a token for your own calls: .venv/bin/csi token --role oem_analyst   (or --role cra --dealer D001)")
        say(
            f"  survey links the customers got: {SMS_INBOX} (open one: curl {URLS['survey']}/v1/surveys/<token>?lang=en)"
        )
        return 0
    finally:
        await p.close()


def main() -> None:
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
