"""The 10-point scale's levels and what an answer calls for, on hand-made answers."""

import pytest

from csi_shared.satisfaction import Verdict, level, verdict


@pytest.mark.parametrize(
    ("score", "expected"), [(1, 0), (2, 0), (3, 1), (4, 1), (5, 2), (6, 2), (7, 3), (8, 3), (9, 4), (10, 4)]
)
def test_ten_points_onto_five_levels(score: int, expected: int) -> None:
    assert level(score) == expected


@pytest.mark.parametrize(
    ("scores", "overall", "expected"),
    [
        ([9, 10, 8], 9, Verdict.NONE),
        ([9, 4, 8], 9, Verdict.COMPLAINT),  # one dissatisfied item is enough
        ([9, 5, 8], 9, Verdict.NONE),  # 5 is neutral, not dissatisfied
        ([9, 10], 4, Verdict.COMPLAINT),  # a dissatisfied overall
        ([9, 10], 6, Verdict.FOLLOW_UP),  # a neutral overall, nothing dissatisfied
        ([9, 10], 5, Verdict.FOLLOW_UP),
        ([3, 10], 6, Verdict.COMPLAINT),  # neutral overall, but a dissatisfied item: a case, not a call
        ([None, None], 7, Verdict.NONE),  # N/A answers say nothing
        ([], None, Verdict.NONE),
        ([1], None, Verdict.COMPLAINT),
    ],
)
def test_what_an_answer_set_calls_for(scores: list[int | None], overall: int | None, expected: Verdict) -> None:
    assert verdict(scores, overall) is expected
