"""The scoring API's answers as declared in OpenAPI: what frontends generate clients from and Schemathesis checks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from csi_shared.events import PeriodStatus
from scoring.breakdown import BreakdownBy
from scoring.spans import Span

Index = float | None
"""0-1000, one decimal; null without answers."""
Interval = tuple[float, float] | None
"""[low, high] of the 95% interval around the index; null under two responses."""


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactorFigure(Schema):
    index: Index
    responses: int


class ItemFigure(Schema):
    factor: str
    mean: float = Field(description="Mean score on 1-10, two decimals")
    answers: int


class CallbackSatisfaction(Schema):
    """The dealer's own measure, beside the index and never in it: the visit callbacks' `visit_satisfaction`."""

    mean: float | None = Field(description="Mean on 1-10, two decimals; null without answers")
    answers: int


class Benchmark(Schema):
    """The mean over the ranked dealers of a region or of the nation: no dealer's own figures."""

    dealers: int = Field(description="Ranked dealers (a score and at least the minimum sample) in the scope")
    index: Index = Field(description="Mean of their indices")
    factors: dict[str, Index] = Field(description="Mean of their factor indices, by factor code")


class Standing(Schema):
    """Where the dealer stands among the ranked dealers of the period: ranks and the benchmarks, nobody else's name."""

    ranked: bool = Field(description="The dealer has a score and at least the minimum sample, so it has a rank")
    rank_in_region: int | None = Field(description="1 is the best; ties share a rank; null when not ranked")
    rank_in_nation: int | None
    region: Benchmark | None = Field(description="The dealer's region; null for a dealer without one")
    nation: Benchmark


class Card(Schema):
    """A dealer's CSI card for a period."""

    dealer_code: str
    dealer_name: str
    region: str | None
    period: str
    status: PeriodStatus
    index: Index
    responses: int
    interval: Interval
    factors: dict[str, FactorFigure] = Field(description="By factor code; every factor once the period has answers")
    weights_used: dict[str, float]
    weights_version: str = Field(
        description="The factor weights in force for the period: a named set (jd_power_china_2014, jd_power_us_2023) "
        "or the OEM's own (oem, oem-YYYY-MM)"
    )
    missing_factors: list[str]
    strengths: list[str] = Field(description="Item codes: nobody (very) dissatisfied, enough very satisfied")
    priorities: list[str] = Field(description="Item codes to improve first, most important first")
    items: dict[str, ItemFigure]
    loyalty: float | None = Field(description="Share of top-box recommend and return-intent answers")
    overall: float | None
    ros: int = Field(description="ROs settled in the period")
    complaints: int = Field(description="Complaints opened in the month")
    complaints_per_100_ros: float | None
    small_sample: bool
    response_rate: float | None = Field(default=None, description="Answered / invited, of the period's ROs")
    contact_rate: float | None = Field(default=None, description="ROs with a valid phone / ROs")
    callback_satisfaction: CallbackSatisfaction = CallbackSatisfaction(mean=None, answers=0)
    under_review: bool = Field(default=False, description="An OEM analyst is reviewing this period's integrity signals")
    review_headline: str | None = Field(
        default=None, description="Under review: the flagged integrity signals in a line; null otherwise"
    )
    standing: Standing | None = Field(
        default=None, description="Rank in the region and the nation, and their index and factor means"
    )
    span: Span = Field(
        default=Span.MONTH, description="month, rolling_3m (the period and the two before) or quarter (to date)"
    )
    months: list[str] = Field(default_factory=list, description="The settlement months the figures cover, oldest first")


class TrendPoint(Schema):
    period: str
    status: PeriodStatus
    index: Index
    responses: int
    small_sample: bool
    factors: dict[str, Index]


class Trend(Schema):
    dealer_code: str
    trend: list[TrendPoint]


class RankingEntry(Schema):
    dealer_code: str
    dealer_name: str
    region: str | None
    rank: int | None = Field(description="Ties share a rank; null for dealers under the minimum sample")
    percentile: float | None = Field(description="Share of the other dealers in scope scoring below, in %")
    index: float
    responses: int
    interval: Interval
    factors: dict[str, Index]
    status: PeriodStatus
    complaints_per_100_ros: float | None
    response_rate: float | None = Field(description="Answered / invited, of the period's ROs")
    contact_rate: float | None = Field(description="ROs with a valid phone / ROs")
    under_review: bool = Field(description="An OEM analyst is reviewing this period's integrity signals")
    review_headline: str | None = Field(description="Under review: the flagged integrity signals in a line")


class Ranking(Schema):
    """Every dealer of the period with a score; dealers under the minimum sample apart, never ranked."""

    period: str
    span: Span = Field(default=Span.MONTH, description="month, rolling_3m or quarter (to date), ending with `period`")
    months: list[str] = Field(default_factory=list, description="The settlement months the figures cover")
    region: str | None
    min_sample: int
    national_average: Index
    regional_averages: dict[str, Index]
    ranked: list[RankingEntry]
    hold_out_under_review: bool = Field(description="Whether dealers under review were held out of the ranks")
    held_out: list[RankingEntry] = Field(description="Dealers under review, unranked, when held out")
    small_sample: list[RankingEntry]


class BreakdownGroup(Schema):
    key: str | None = Field(
        description="The service advisor's id, or the job kind; null for ROs without one and for answers whose RO "
        "scoring has not seen"
    )
    name: str | None = Field(description="The service advisor's name; null for job kinds")
    ros: int = Field(description="ROs settled in the period")
    responses: int = Field(description="Counted survey responses of the period for the group's ROs")
    index: Index
    interval: Interval
    factors: dict[str, FactorFigure]
    small_sample: bool = Field(description="Fewer responses than the minimum sample: not to be compared")
    callback_satisfaction: CallbackSatisfaction


class Breakdown(Schema):
    """A dealer's CSI per service advisor or per job kind; an RO with several job kinds counts in each."""

    dealer_code: str
    period: str
    status: PeriodStatus
    by: BreakdownBy
    min_sample: int
    groups: list[BreakdownGroup]


class SurveyDispositions(Schema):
    not_invited: int
    invited: int = Field(description="sent, not opened yet, still open")
    opened: int = Field(description="opened, not answered, still open")
    answered_web: int
    answered_survey_center: int
    expired: int = Field(description="sent and never answered before the window closed")


class DealerDispositions(Schema):
    """Where every closed RO of a dealer-month went; the survey states add up to `ros`, and so do the callbacks."""

    dealer_code: str
    dealer_name: str
    region: str | None
    ros: int
    survey: SurveyDispositions
    not_invited_because: dict[str, int] = Field(description="no_phone, out_of_css_scope, window_closed, unknown …")
    callbacks: dict[str, int] = Field(
        description="The visit call's outcome: completed, declined, unreachable, open, none"
    )
    response_rate: float | None = Field(description="answered / invited")
    contact_rate: float | None = Field(description="ROs with a valid phone / ROs")


class Dispositions(Schema):
    period: str
    dealers: list[DealerDispositions]
