"""Spare pools: a count per hall, a share of each hall's nodes, or the default."""

from __future__ import annotations

import pytest

from gigawatt.failures.spares import DEFAULT_SPARES_SHARE, parse_spares


def test_spares_parse_counts_and_shares_and_default_to_the_model_or_two_percent() -> None:
    assert parse_spares("4", False) == (4, None)
    assert parse_spares("2.5%", True) == (None, 0.025)
    assert parse_spares(None, True) == (None, None)  # the model's own pool
    assert parse_spares(None, False) == (None, DEFAULT_SPARES_SHARE)
    for bad in ("-1", "3x", "150%"):
        with pytest.raises(ValueError, match="--spares"):
            parse_spares(bad, False)
