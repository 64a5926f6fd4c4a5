"""How long the survey page really takes: the median, over recent answers, from the page's first opening to the answer.

The page promises what its own timing shows (`surveys.opened_at` to `responded_at`, recorded for every web answer),
never a guessed figure; with too few answers to say, it promises nothing and states the number of questions instead.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Survey, SurveyResponse

SAMPLE = 500
"""The latest answers the median is taken over: recent enough to follow a changed questionnaire, cheap to read."""

AT_LEAST = 20
"""Fewer timed answers than this give no figure: one slow or quick customer would make the promise."""

FRESH_FOR = timedelta(minutes=10)
"""A median is read again after this long: every opening of the page must not sort the latest answers again."""


async def median_minutes(session: AsyncSession, questionnaire: str, version: int) -> int | None:
    """Whole minutes (rounded up, at least 1) half of the recent web answers took at most; None below AT_LEAST."""
    rows = (
        await session.execute(
            select(Survey.opened_at, Survey.responded_at)
            .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
            .where(
                SurveyResponse.channel == "web",
                Survey.questionnaire == questionnaire,
                Survey.questionnaire_version == version,
                Survey.opened_at.is_not(None),
                Survey.responded_at.is_not(None),
            )
            .order_by(Survey.responded_at.desc())
            .limit(SAMPLE)
        )
    ).all()
    seconds = [(answered - opened).total_seconds() for opened, answered in rows]
    if len(seconds) < AT_LEAST:
        return None
    return max(1, math.ceil(median(seconds) / 60))


class MedianMinutes:
    """`median_minutes` per questionnaire version, kept FRESH_FOR in this process (one per app, on its state)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], tuple[datetime, int | None]] = {}

    async def get(self, session: AsyncSession, questionnaire: str, version: int, now: datetime) -> int | None:
        known = self._known.get((questionnaire, version))
        if known is not None and now - known[0] < FRESH_FOR:
            return known[1]
        minutes = await median_minutes(session, questionnaire, version)
        self._known[(questionnaire, version)] = (now, minutes)
        return minutes
