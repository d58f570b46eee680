"""Curves against arrived load are bucketed the way the artifact's analysis scripts bucket them."""

from __future__ import annotations

import numpy as np

from gigawatt.fgd.curves import by_arrived_percent


def test_buckets_average_attempts_by_rounded_arrived_percent_and_borrow_neighbours() -> None:
    total_gpus = 10  # 1% of the cluster = 100 milli-GPU
    arrived = np.array([0, 40, 60, 140, 260, 300])  # 0%, 0.4%, 0.6%, 1.4%, 2.6%, 3%
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    curve = by_arrived_percent(values, arrived, total_gpus)
    assert curve[0] == 1.5  # 0% and 0.4% round to 0
    assert curve[1] == 3.5  # 0.6% and 1.4% round to 1
    assert curve[2] == 4.5  # bucket 2 is empty (2.6% rounds to 3): it borrows buckets 1..3
    assert curve[3] == 5.5
    assert np.isnan(curve[10])
