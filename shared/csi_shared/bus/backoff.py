"""Waiting before a retry: exponential, capped, and jittered so that replicas that failed together do not all
reconnect to a broker or database that just came back at the same instant."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Each wait is drawn from [half, all] of a step that doubles from `first` up to `cap` ("equal jitter": never a
    tight loop, never in lockstep); `reset` after a success."""

    def __init__(self, first: float = 0.1, cap: float = 5.0, *, rand: Callable[[], float] = random.random) -> None:
        self.first, self.cap, self._rand = first, cap, rand
        self._step = first

    def next(self) -> float:
        step = self._step
        self._step = min(step * 2, self.cap)
        return step / 2 + self._rand() * step / 2

    def reset(self) -> None:
        self._step = self.first


def jittered(delay: float, *, rand: Callable[[], float] = random.random) -> float:
    """A fixed delay spread over [half, all] of itself."""
    return delay / 2 + rand() * delay / 2
