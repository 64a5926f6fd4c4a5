"""Retry waits grow, stop at their cap, and are spread so that replicas failing together do not retry together."""

from __future__ import annotations

import random

from csi_shared.bus.backoff import Backoff, jittered


def test_waits_double_up_to_the_cap_within_half_and_all_of_each_step() -> None:
    low, high = Backoff(0.1, 1.0, rand=lambda: 0.0), Backoff(0.1, 1.0, rand=lambda: 0.999999)
    steps = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    for step in steps:
        assert abs(low.next() - step / 2) < 1e-9
        assert step / 2 < high.next() <= step


def test_a_success_starts_again_from_the_first_step() -> None:
    backoff = Backoff(0.1, 5.0, rand=lambda: 1.0)
    for _ in range(5):
        backoff.next()
    backoff.reset()
    assert backoff.next() == 0.1


def test_replicas_that_fail_together_wait_different_times() -> None:
    rng = random.Random(7)
    waits = [Backoff(0.1, 5.0, rand=rng.random) for _ in range(10)]
    third = [b.next() + b.next() + b.next() for b in waits]
    assert len({round(w, 6) for w in third}) == 10
    assert all(0.35 <= w <= 0.7 for w in third)
    assert all(0.5 <= jittered(1.0, rand=rng.random) <= 1.0 for _ in range(100))
