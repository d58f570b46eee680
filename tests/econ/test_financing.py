"""Time value of money: capital recovery, annuity debt, NPV and IRR."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.econ.financing import (
    annuity_interest,
    capital_recovery_factor,
    irr,
    monthly_rate,
    npv,
)


def test_capital_recovery_factor_matches_textbook_annuity() -> None:
    # 10% over 5 years: 0.1 / (1 - 1.1^-5) = 0.263797...
    assert capital_recovery_factor(0.10, 5) == pytest.approx(0.2637975, rel=1e-6)
    assert capital_recovery_factor(0.0, 4) == pytest.approx(0.25)


def test_monthly_rate_compounds_to_the_annual_rate() -> None:
    assert (1 + monthly_rate(0.12)) ** 12 == pytest.approx(1.12)


def test_annuity_repays_each_draw_exactly_over_its_term() -> None:
    draws = np.zeros(40)
    draws[0] = 1000.0
    draws[3] = 500.0
    interest, principal = annuity_interest(draws, 0.01, 12)
    assert principal.sum() == pytest.approx(1500.0)
    assert interest[0] == 0.0  # first payment a month after the draw
    assert interest[1] == pytest.approx(10.0)  # 1% on the 1,000 outstanding


def test_irr_is_the_rate_at_which_npv_is_zero() -> None:
    flows = np.array([-1000.0] + [30.0] * 47 + [1030.0])
    rate = irr(flows)
    assert rate is not None
    assert npv(flows, monthly_rate(rate)) == pytest.approx(0.0, abs=1e-6)
    assert rate == pytest.approx(1.03**12 - 1, rel=1e-6)


def test_irr_is_none_without_a_sign_change() -> None:
    assert irr(np.array([-1.0, -2.0])) is None
