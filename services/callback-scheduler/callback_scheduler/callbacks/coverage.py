"""Reconciled coverage: what `csi reconcile` last proved for a dealer, kept for the monthly report."""

from __future__ import annotations

from callback_scheduler.models import CoverageReconciliation
from csi_shared import metrics
from csi_shared.bus.outbox import Work
from csi_shared.events import CoverageReconciled


async def on_coverage_reconciled(work: Work, event: CoverageReconciled) -> None:
    """Keep the latest reconciliation of the dealer; an older one arriving late changes nothing."""
    metrics.COVERAGE_REPAIRED.labels("callback-scheduler").inc(event.repaired)
    row = await work.session.get(CoverageReconciliation, event.dealer_code)
    values = event.model_dump(exclude={"dealer_code"})
    if row is None:
        work.session.add(CoverageReconciliation(dealer_code=event.dealer_code, **values))
    elif row.reconciled_at <= event.reconciled_at:
        for name, value in values.items():
            setattr(row, name, value)
