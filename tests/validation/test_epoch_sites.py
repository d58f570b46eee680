"""The planner against Epoch AI, 'Frontier Data Centers Hub', epoch.ai/data/data-centers
(CC BY 4.0; copies in data/validation/, see PROVENANCE.md there).

Epoch's observations go in: chip type and count, and the site's state. Our facility power,
capital cost (land excluded) and H100-equivalents come out and are compared with Epoch's
published figures for the same date. The method is fixed in
`gigawatt.validation.epoch_sites`; the results are in docs/validation.md. `pytest -s` prints
the table.
"""

from __future__ import annotations

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.validation.epoch_sites import (
    METRICS,
    OBSERVED_UNTIL,
    EpochValidation,
    epoch_validation,
)
from gigawatt.validation.report import epoch_diagnostics_table, epoch_table, skipped_list

TOLERANCE = 0.20


@pytest.fixture(scope="module")
def validation() -> EpochValidation:
    return epoch_validation(load_catalog())


def test_one_observed_row_per_site_and_every_site_accounted_for(
    validation: EpochValidation,
) -> None:
    sites = [c.observation.site for c in validation.comparisons]
    assert len(sites) == len(set(sites))
    assert len(sites) + len(validation.skipped) == 65  # every site in Epoch's table
    assert len(sites) == 26
    for comparison in validation.comparisons:
        observation = comparison.observation
        assert observation.date <= OBSERVED_UNTIL
        assert observation.it_mw > 0


def test_chip_counts_are_running_totals_per_type(validation: EpochValidation) -> None:
    abilene = next(
        c for c in validation.comparisons if c.observation.site == "OpenAI Stargate Abilene"
    )
    # B200 was recorded in 2025-09 and B300 in 2026-05; both are on site in 2026-05.
    assert abilene.observation.chips == {"B200": 100_800, "B300": 100_800}


def test_site_with_a_chip_we_lack_is_skipped_whole(validation: EpochValidation) -> None:
    skipped = dict(validation.skipped)
    assert "TPU v5e" in skipped["Google Omaha"]
    assert "A100" in skipped["Microsoft Project Osmium"]


def test_planner_holds_exactly_the_chips_it_was_given(validation: EpochValidation) -> None:
    for comparison in validation.comparisons:
        assert comparison.ours.accelerators == sum(comparison.observation.chips.values())


def test_median_error_of_power_capex_and_h100e_is_under_20_percent(
    validation: EpochValidation,
) -> None:
    print()
    print(epoch_table(validation))
    print()
    print(epoch_diagnostics_table(validation))
    print()
    print(skipped_list(validation))
    for metric in METRICS:
        assert validation.median_abs_error(metric) < TOLERANCE, metric
