"""The CSI method as pure functions (the service README works one example through them).

Items are on 1-10; a response's factor score is the mean of its answered items of that factor; a dealer's factor
index is (mean factor score - 1) / 9 x 1000; the CSI index is the weighted mean of the factor indices, the weights
renormalised over the factors that have answers.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

FACTORS = ("service_initiation", "service_advisor", "service_facility", "vehicle_pickup", "service_quality")

# J.D. Power Asia Pacific 2014 China Customer Service Index (CSI) Study, press release, Shanghai, 31 July 2014
# (china.jdpower.com/press-releases/2014-china-customer-service-index-csi-study): "five factors ... (in order of
# importance): service quality (24%); service facility (21%); vehicle pick-up (21%); service advisor (18%); and service
# initiation (17%)". The published percentages are rounded and add up to 101, so each is divided by 101.
JD_POWER_CHINA_2014_WEIGHTS: dict[str, float] = {
    "service_quality": 24 / 101,
    "service_facility": 21 / 101,
    "vehicle_pickup": 21 / 101,
    "service_advisor": 18 / 101,
    "service_initiation": 17 / 101,
}

# J.D. Power 2023 U.S. Customer Service Index (after-sales) factor weights: kept as a named alternative.
JD_POWER_US_2023_WEIGHTS: dict[str, float] = {
    "service_quality": 0.32,
    "service_advisor": 0.19,
    "vehicle_pickup": 0.19,
    "service_facility": 0.15,
    "service_initiation": 0.15,
}

# The weight sets a programme can name (`CSI_SCORING_FACTOR_WEIGHT_SET`, or `set` in a weight version).
NAMED_WEIGHTS: dict[str, dict[str, float]] = {
    "jd_power_china_2014": JD_POWER_CHINA_2014_WEIGHTS,
    "jd_power_us_2023": JD_POWER_US_2023_WEIGHTS,
}
DEFAULT_WEIGHT_SET = "jd_power_china_2014"
DEFAULT_WEIGHTS = NAMED_WEIGHTS[DEFAULT_WEIGHT_SET]


def to_index(mean_score: float) -> float:
    """A mean on the 1-10 scale as a 0-1000 index."""
    return (mean_score - 1.0) / 9.0 * 1000.0


def factor_scores(answers: Iterable[tuple[str, int | None]]) -> dict[str, float]:
    """A response's factor scores: the mean of its answered items per factor; N/A (None) is left out."""
    sums: dict[str, list[int]] = {}
    for factor, score in answers:
        if score is not None:
            sums.setdefault(factor, []).append(score)
    return {factor: sum(scores) / len(scores) for factor, scores in sums.items()}


@dataclass(frozen=True)
class Index:
    value: float | None
    weights_used: dict[str, float]
    missing_factors: tuple[str, ...]


def csi_index(factor_indices: Mapping[str, float | None], weights: Mapping[str, float]) -> Index:
    """The weighted mean of the factor indices; factors without answers drop out and the rest are renormalised."""
    indices = {f: index for f in weights if (index := factor_indices.get(f)) is not None}
    present = {f: weights[f] for f in indices}
    missing = tuple(f for f in weights if f not in present)
    total = sum(present.values())
    if not total:
        return Index(None, {}, missing)
    used = {f: w / total for f, w in present.items()}
    return Index(sum(used[f] * indices[f] for f in used), used, missing)


def response_csi(scores: Mapping[str, float], weights: Mapping[str, float]) -> float | None:
    """One response's own CSI (0-1000): the same weighting over the factors it answered. Feeds the interval."""
    return csi_index({f: to_index(s) for f, s in scores.items()}, weights).value


def interval_95(n: int, total: float, total_sq: float, centre: float | None) -> tuple[float, float] | None:
    """Normal-approximation 95% interval around the index, from the spread of the responses' own CSI scores."""
    if centre is None or n < 2:
        return None
    mean = total / n
    variance = max(total_sq / n - mean * mean, 0.0) * n / (n - 1)
    half = 1.96 * math.sqrt(variance / n)
    return (max(0.0, centre - half), min(1000.0, centre + half))


def is_strength(level_counts: list[int], very_satisfied_share: float, min_answers: int = 1) -> bool:
    """优势项目: enough answers to say so, nobody (very) dissatisfied and a high enough share very satisfied."""
    answered = sum(level_counts)
    if not answered or answered < min_answers or level_counts[0] or level_counts[1]:
        return False
    return level_counts[4] / answered >= very_satisfied_share


def is_weak(mean: float, level_counts: list[int], benchmark_mean: float | None, dissatisfied_share: float) -> bool:
    """Weak against the benchmark: below the region's mean for the item, or at least `dissatisfied_share` of the
    answers (very) dissatisfied (1-4). Either is enough: a dealer above a poor region can still lose customers."""
    answered = sum(level_counts)
    below = benchmark_mean is not None and mean < benchmark_mean
    unhappy = bool(answered) and (level_counts[0] + level_counts[1]) / answered >= dissatisfied_share
    return below or unhappy


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """The correlation of item scores with overall satisfaction, from running sums."""
    if n < 3:
        return None
    cov = sxy - sx * sy / n
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    if vx <= 0 or vy <= 0:
        return None
    return cov / math.sqrt(vx * vy)


def priorities(
    item_means: Mapping[str, float],
    importance: Mapping[str, float],
    *,
    weak: Collection[str],
    strengths: Collection[str] = (),
    limit: int = 3,
) -> list[str]:
    """Items to improve first (DOMAIN: weak and important): only weak items (`is_weak`) that are not strengths and that
    move overall satisfaction (importance > 0), ranked by importance × shortfall from the top of the scale, highest
    first. An empty list is a valid answer: nothing is weak, or nothing weak matters."""
    ranked = []
    for item, mean in item_means.items():
        if item not in weak or item in strengths:
            continue
        weight = max(importance.get(item) or 0.0, 0.0)
        shortfall = (10.0 - mean) / 9.0
        if weight > 0 and shortfall > 0:
            ranked.append((weight * shortfall, item))
    return [item for _, item in sorted(ranked, key=lambda p: (-p[0], p[1]))[:limit]]
