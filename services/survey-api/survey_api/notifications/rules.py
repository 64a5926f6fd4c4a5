"""The rules of reaching customers: quiet hours, the one reminder, survey fatigue, stop replies, texts, retries.

Pure functions with names from the domain; the send job and the webhooks call them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which no customer is texted (default 21:00–09:00); start == end means none."""

    start: time = time(21, 0)
    end: time = time(9, 0)

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Whether an instant falls in the quiet hours of a time zone."""
        local = moment.astimezone(tz).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The instant itself if it may be used, else the end of the quiet hours it falls in (UTC)."""
        if not self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class PhoneSurvey:
    """What the fatigue rule needs of one survey of a customer's phone."""

    survey_id: str
    delivered_at: datetime
    ro_key: str
    """dealer code and RO number: ties between deliveries at the same instant are broken by it."""
    invited_at: datetime | None
    """When its invitation was queued (sent, or about to be); None while not yet."""
    pending: bool
    """Not yet invited, not withheld, not answered, not expired: it may still go out."""


def withheld_for_fatigue(candidate: PhoneSurvey, others: Sequence[PhoneSurvey], now: datetime, days: int) -> bool:
    """At most one survey per customer (phone) per `days` across the brand; the latest RO wins.

    A link due now is withheld if the customer was invited in the last `days` days, or if a later RO of the same
    customer, delivered within `days` of this one, still has its link to come. `days` 0 switches the rule off.
    """
    if days <= 0:
        return False
    window = timedelta(days=days)
    for other in others:
        if other.survey_id == candidate.survey_id:
            continue
        if other.invited_at is not None and now - other.invited_at < window:
            return True
        later = (other.delivered_at, other.ro_key) > (candidate.delivered_at, candidate.ro_key)
        if other.pending and later and other.delivered_at - candidate.delivered_at < window:
            return True
    return False


STOP_WORDS = frozenset({"TD", "T", "STOP", "UNSUBSCRIBE", "退订", "STOPALL", "CANCEL", "QUIT", "END"})


def is_stop_reply(text: str) -> bool:
    """Whether an inbound SMS asks to stop: "TD" / "退订" (China's convention) or "STOP" and its kin, any case."""
    # NFKC folds the full-width "ＴＤ" a Chinese keyboard types; format characters (zero-width spaces) are dropped.
    folded = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    word = "".join(folded.split()).upper().strip(".!。！")
    return word in STOP_WORDS


ZH_SEGMENT = 70
"""One SMS segment in UCS-2 (any Chinese text): 70 characters."""
GSM_SEGMENT = 160
MIN_NAME = 4
"""Fewer characters than this left for the dealer's name: no shortening would make the text fit one segment."""


def sms_text(*, language: str, dealer_name: str, url: str, reminder: bool) -> str:
    """The invitation or reminder SMS in the survey's language, with the dealer's name and how to stop.

    A zh-CN text is one 70-character segment, link included, as long as the link leaves room (a short link domain,
    `survey_url_template`, e.g. `https://c.cn/s/{token}`, 47 characters): the dealer's name is shortened to fit.
    """
    if language == "zh-CN":
        text = "【{dealer}】" + ("提醒您评价本次服务" if reminder else "邀您评价本次服务") + "{url} 回复TD退订"
        budget = ZH_SEGMENT - len(text.format(dealer="", url=url))
        # A link too long for one segment makes two whatever the name: then the name is kept whole.
        name = dealer_name if budget < MIN_NAME else _shorten(dealer_name, budget)
        return text.format(dealer=name, url=url)
    text = (
        "Reminder: " if reminder else ""
    ) + "{dealer} thanks you for your visit. Rate our service: {url} Reply STOP to opt out"
    budget = GSM_SEGMENT - len(text.format(dealer="", url=url))
    return text.format(dealer=_shorten(dealer_name, max(budget, 10)), url=url)


def _shorten(name: str, budget: int) -> str:
    return name if len(name) <= budget else name[: max(budget - 1, 1)] + "…"


def retry_delay(attempt: int, base_s: float, cap_s: float = 3600.0) -> timedelta:
    """How long to wait before attempt `attempt + 1` after `attempt` failed ones: doubling from `base_s`, capped."""
    return timedelta(seconds=min(base_s * 2 ** max(attempt - 1, 0), cap_s))
