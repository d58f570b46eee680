"""The service's clocks and, on the twin clock, the node outages it replays.

`TwinClock` runs ``speed`` times faster than the wall clock from an origin (``--speed 3600``:
an hour a second). `OutageStream` hands out, in time order, the failures and repairs drawn
from a failure model (`gigawatt.failures.outages.draw_outages`) as the clock passes them.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Callable

import numpy as np

from gigawatt.failures.outages import Outages


class TwinClock:
    """``origin`` plus ``speed`` x the wall time elapsed since `start` (made started unless
    ``started=False``: the service starts it once it is ready to serve, so its set-up does
    not eat twin hours)."""

    def __init__(
        self,
        speed: float,
        origin: dt.datetime,
        monotonic: Callable[[], float] = time.monotonic,
        started: bool = True,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self.origin = origin
        self._monotonic = monotonic
        self._t0: float | None = monotonic() if started else None

    def start(self) -> None:
        if self._t0 is None:
            self._t0 = self._monotonic()

    def __call__(self) -> dt.datetime:
        if self._t0 is None:
            return self.origin
        return self.origin + dt.timedelta(seconds=(self._monotonic() - self._t0) * self.speed)


class OutageStream:
    """Node failures (``down``) and repairs (``up``) in time order, seconds from the program
    start; only outages starting at or after ``from_s`` are replayed."""

    @classmethod
    def empty(cls) -> OutageStream:
        """No failures to replay (only repairs of nodes restored as down)."""
        none_i = np.zeros(0, np.int64)
        none_f = np.zeros(0, np.float64)
        return cls(Outages(node=none_i, down_s=none_f, up_s=none_f, cause=none_i), (), 0.0)

    def __init__(self, outages: Outages, causes: tuple[str, ...], from_s: float) -> None:
        keep = outages.down_s >= from_s
        self.node = outages.node[keep].tolist()
        self.down_s = outages.down_s[keep].tolist()
        self.up_s = outages.up_s[keep].tolist()
        self.cause = [causes[int(c)] for c in outages.cause[keep].tolist()]
        self.next = 0
        self.repairs: list[tuple[float, int]] = []

    def next_s(self) -> float:
        """Time of the next failure or repair (inf if none is left)."""
        down = self.down_s[self.next] if self.next < len(self.down_s) else float("inf")
        up = self.repairs[0][0] if self.repairs else float("inf")
        return min(down, up)

    def pop_due(self, now_s: float) -> tuple[str, float, int, str, float] | None:
        """The next event at or before ``now_s``: ("down" | "up", time, node, cause, time the
        node is back: its repair for a failure, the event's time for a repair)."""
        down = self.down_s[self.next] if self.next < len(self.down_s) else float("inf")
        up = self.repairs[0][0] if self.repairs else float("inf")
        if min(down, up) > now_s:
            return None
        if up <= down:
            when, node = heapq.heappop(self.repairs)
            return "up", when, node, "repaired", when
        k = self.next
        self.next += 1
        heapq.heappush(self.repairs, (self.up_s[k], self.node[k]))
        return "down", down, self.node[k], self.cause[k], self.up_s[k]

    def add_repair(self, node: int, up_s: float) -> None:
        """A node already down (restored after a restart) comes back at ``up_s``."""
        heapq.heappush(self.repairs, (up_s, node))
