"""What the control plane refuses, and with which HTTP status."""

from __future__ import annotations


class Refused(Exception):
    """A request that is well formed but cannot be granted; ``status`` is the HTTP code."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
