"""Where a dealer stands (DOMAIN: "a dealer sees where it stands, never another dealer's figures"): its rank in its
region and in the nation, and the region's and the nation's index and factor means beside its own. Only aggregates
of the other dealers leave this module: counts, means and the number of dealers above."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.method import FACTORS
from scoring.models import Dealer, DealerPeriod


def _one_decimal(value: float) -> float:
    return round(value * 10) / 10


class _Sums:
    """Running sums of the ranked dealers of one scope: their number, indices and each factor's indices."""

    def __init__(self) -> None:
        self.dealers = 0
        self.index_sum = 0.0
        self.factor_sums = dict.fromkeys(FACTORS, 0.0)
        self.factor_counts = dict.fromkeys(FACTORS, 0)

    def add(self, dealers: int, index_sum: float, factors: list[tuple[float | None, int]]) -> None:
        self.dealers += dealers
        self.index_sum += index_sum or 0.0
        for f, (total, count) in zip(FACTORS, factors, strict=True):
            self.factor_sums[f] += total or 0.0
            self.factor_counts[f] += count

    def benchmark(self) -> dict[str, Any]:
        return {
            "dealers": self.dealers,
            "index": _one_decimal(self.index_sum / self.dealers) if self.dealers else None,
            "factors": {
                f: _one_decimal(self.factor_sums[f] / n) if (n := self.factor_counts[f]) else None for f in FACTORS
            },
        }


async def standing(
    session: AsyncSession, *, region: str | None, period: str, own_index: float | None,
    ranked: bool, min_sample: int,
) -> dict[str, Any]:  # fmt: skip
    """The dealer's ranks and the benchmarks, over the dealers the OEM ranking ranks (a score and at least
    `min_sample` answers): the same population as the ranking's national and regional averages, so the figures agree.
    The dealer is ranked only if it is itself ranked (`ranked`); ties share a rank (1 + dealers strictly above)."""
    dp, d = DealerPeriod, Dealer
    in_ranking = (dp.period == period) & dp.csi_index.is_not(None) & (dp.responses >= min_sample)
    factor_columns = [getattr(dp, f"{f}_index") for f in FACTORS]
    query = (
        select(d.region, func.count(), func.sum(dp.csi_index),
               *(c for col in factor_columns for c in (func.sum(col), func.count(col))))
        .select_from(dp)
        .join(d, d.code == dp.dealer_code)
        .where(in_ranking)
        .group_by(d.region)
    )  # fmt: skip
    nation, own_region = _Sums(), _Sums()
    for row_region, count, index_sum, *factor_figures in await session.execute(query):
        pairs = [(factor_figures[2 * k], factor_figures[2 * k + 1]) for k in range(len(FACTORS))]
        nation.add(count, index_sum, pairs)
        if region is not None and row_region == region:
            own_region.add(count, index_sum, pairs)
    rank_region = rank_nation = None
    if ranked and own_index is not None:
        in_region = case((d.region == region, 1), else_=0) if region is not None else literal(0)
        above_nation, above_region = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(in_region), 0))
                .select_from(dp)
                .join(d, d.code == dp.dealer_code)
                .where(in_ranking, dp.csi_index > own_index)
            )
        ).one()
        rank_nation = above_nation + 1
        rank_region = above_region + 1 if region is not None else None
    return {
        "ranked": ranked and own_index is not None,
        "rank_in_region": rank_region,
        "rank_in_nation": rank_nation,
        "region": own_region.benchmark() if region is not None else None,
        "nation": nation.benchmark(),
    }


def standing_among(
    rows: list[tuple[str, str | None, float | None, dict[str, float | None], int]], *, dealer_code: str,
    region: str | None, min_sample: int,
) -> dict[str, Any]:  # fmt: skip
    """`standing` over figures already in memory (a span's: `spans.span_figures` of every dealer), by the same rules:
    rows are (dealer code, region, index, factor indices, responses)."""
    ranked_rows = [r for r in rows if r[2] is not None and r[4] >= min_sample]
    nation, own_region = _Sums(), _Sums()
    for _, row_region, index, factors, _ in ranked_rows:
        pairs = [(factors.get(f), 1 if factors.get(f) is not None else 0) for f in FACTORS]
        nation.add(1, index or 0.0, pairs)
        if region is not None and row_region == region:
            own_region.add(1, index or 0.0, pairs)
    own = next((r for r in ranked_rows if r[0] == dealer_code), None)
    own_index = own[2] if own is not None else None  # never None for a ranked row
    rank_nation = rank_region = None
    if own is not None and own_index is not None:
        above = [r for r in ranked_rows if r[2] is not None and r[2] > own_index]
        rank_nation = 1 + len(above)
        if region is not None:
            rank_region = 1 + sum(1 for r in above if r[1] == region)
    return {
        "ranked": own is not None,
        "rank_in_region": rank_region,
        "rank_in_nation": rank_nation,
        "region": own_region.benchmark() if region is not None else None,
        "nation": nation.benchmark(),
    }
