"""Book and tax depreciation schedules."""

from __future__ import annotations

import pytest

from gigawatt.econ.depreciation import macrs_rates, straight_line, tax_depreciation


def test_macrs_five_year_table_matches_irs_publication_946() -> None:
    assert macrs_rates(5) == [0.2, 0.32, 0.192, 0.1152, 0.1152, 0.0576]


def test_straight_line_spreads_cost_over_life_and_drops_months_past_the_horizon() -> None:
    dep = straight_line(1200.0, 2, 12.0, 30)
    assert dep.sum() == pytest.approx(1200.0)
    assert dep[1] == 0 and dep[2] == pytest.approx(100.0) and dep[14] == 0
    assert straight_line(1200.0, 20, 12.0, 30).sum() == pytest.approx(1000.0)


def test_bonus_depreciation_deducts_the_whole_basis_in_the_in_service_month() -> None:
    dep = tax_depreciation(1000.0, 3, 120, life_years=5, method="macrs", bonus_share=1.0)
    assert dep[3] == pytest.approx(1000.0) and dep.sum() == pytest.approx(1000.0)
    plain = tax_depreciation(1000.0, 3, 120, life_years=5, method="macrs")
    assert plain[3:15].sum() == pytest.approx(200.0) and plain.sum() == pytest.approx(1000.0)
