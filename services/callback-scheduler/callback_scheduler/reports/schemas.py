"""Compliance and the monthly callback report on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Compliance(BaseModel):
    """The 100% callback rule for one dealer (or, as `total`, several) and one local month of deliveries."""

    dealer_code: str
    month: str
    ros: int = Field(default=0, description="ROs delivered in the month: each is due one callback")
    callbacks_created: int = 0
    attempted: int = Field(default=0, description="visit callbacks with at least one call made")
    completed: int = Field(default=0, description="reached: the customer or the car's owner answered")
    completed_on_time: int = Field(default=0, description="reached within the 5 days after delivery")
    declined: int = Field(default=0, description="declined at reception or on the call")
    declined_at_reception: int = 0
    unreachable: int = Field(
        default=0, description="not reached after the full attempts (3 calls over 2 days and 2 parts of the day)"
    )
    overdue: int = Field(default=0, description="still open past the deadline")
    open: int = 0
    coverage_pct: float | None = Field(default=None, description="(reached + declined + unreachable) / ROs")
    completed_within_5_days_pct: float | None = Field(default=None, description="on time: reached within 5 days / ROs")


class ComplianceReport(BaseModel):
    month: str
    target_coverage_pct: float = 100.0
    dealers: list[Compliance]
    total: Compliance


class LowScore(BaseModel):
    question: str
    answered: int
    average: float
    low_answers: int = Field(description="answers in the dissatisfied levels (≤ 4)")


class CraFigures(BaseModel):
    made_by: str
    attempts: int
    reached: int
    reach_rate_pct: float | None


class Retention(BaseModel):
    cohort_month: str = Field(description="The month 12 months before: its customers are the cohort")
    customers: int = Field(description="Customers with a visit in the cohort month")
    returned: int = Field(description="Of them, those who came back to this dealer within 12 months of that visit")
    rate_pct: float | None


class ServiceOutcomes(BaseModel):
    """First-time fix, comebacks and retention, over the ROs delivered in the month (reports/outcomes.py)."""

    ros: int = Field(description="ROs delivered in the month, history included")
    repair_ros: int = Field(description="ROs with a repair or warranty operation")
    comebacks: int = Field(description="Visits that were a comeback (the comeback rule, or the DMS's flag)")
    comeback_rate_pct: float | None = Field(description="comebacks / ROs")
    repeated_repairs: int = Field(description="Repair ROs that a later comeback repeats")
    first_time_fix_rate_pct: float | None = Field(
        description="(repair ROs - repeated) / repair ROs; a comeback up to 30 days later can still lower it"
    )
    retention: Retention


class MonthlyReport(BaseModel):
    """客户回访月报: what the service manager reads each month."""

    dealer_code: str
    dealer_name: str
    month: str
    ros: int
    callbacks_due: int
    callbacks_made: int = Field(description="visit callbacks with at least one call")
    reached: int
    on_time: int
    declined: int
    declined_at_reception: int
    unreachable: int
    overdue: int
    coverage_pct: float | None
    coverage_reconciled_at: datetime | None = Field(
        default=None,
        description="When `csi reconcile` last checked that every RO the dealer's DMS posted from the month's start "
        "has its callback here (and re-announced those that had none); null when no reconciliation covers the month",
    )
    coverage_reconciled_through: datetime | None = Field(
        default=None, description="ROs received up to this time were checked by that reconciliation"
    )
    on_time_pct: float | None
    issues_raised: int
    dissatisfied_callbacks: int = Field(description="visit calls with an answer in the dissatisfied levels")
    complaints_opened: int = Field(description="the dealer's complaint cases of every source opened in the month")
    complaints_by_source: dict[str, int] = {}
    special_callbacks: dict[str, int] = {}
    dormant_reasons: dict[str, int] = {}
    low_scoring_questions: list[LowScore] = []
    cras: list[CraFigures] = Field(default=[], description="calls made in the month per person, and reach rate")
    outcomes: ServiceOutcomes | None = Field(default=None, description="first-time fix, comebacks, retention")
