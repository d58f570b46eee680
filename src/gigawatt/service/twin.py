"""The service's twin clock: `TwinClock` runs ``speed`` times faster than the wall clock from an
origin (``--speed 3600``: an hour a second). Node failures on the twin clock are the engine's
(`gigawatt.failures.fleet.NodeFailures`, applied as the clock passes them)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable


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
