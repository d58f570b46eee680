"""The live dashboard's charts: titles, axes and hover on each; the fleet map's totals add up;
the calendar spans every reservation and today."""

from __future__ import annotations

from typing import Any

from gigawatt.report.dashboard_charts import build_dashboard_figures


def _state() -> dict[str, Any]:
    return {
        "at": "2026-06-01T12:00:00+00:00",
        "utilization": {"gb200": 0.5, "tpu7x": 0.0},
        "sites": [
            {
                "site": "tx-1",
                "accelerator": "gb200",
                "planned": 100,
                "online": 80,
                "busy": 40,
                "down": 4,
            },
            {
                "site": "tx-1",
                "accelerator": "tpu7x",
                "planned": 50,
                "online": 0,
                "busy": 0,
                "down": 0,
            },
            {
                "site": "ny-1",
                "accelerator": "gb200",
                "planned": 50,
                "online": 50,
                "busy": 10,
                "down": 0,
            },
        ],
        "history": [
            {
                "at": "2026-06-01T11:59:58+00:00",
                "utilization": {"gb200": 0.4},
                "queued_jobs": 3,
                "running_jobs": 1,
            },
            {
                "at": "2026-06-01T12:00:00+00:00",
                "utilization": {"gb200": 0.5},
                "queued_jobs": 2,
                "running_jobs": 2,
            },
        ],
        "usage": {"acme": {"gb200": 40}, "globex": {"gb200": 10}},
        "reservations": [
            {
                "tenant": "acme",
                "site": "tx-1",
                "accelerator": "gb200",
                "accelerators": 16,
                "start_date": "2026-06-02",
                "end_date": "2026-08-09",
            },
        ],
    }


def test_every_dashboard_chart_has_a_title_axes_or_labels_and_hover() -> None:
    figures = build_dashboard_figures(_state())
    assert set(figures) == {"fleet", "capacity", "utilization", "queue", "usage", "reservations"}
    for name, fig in figures.items():
        assert fig.layout.title.text, name
        if name != "fleet":
            assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, name
        for trace in fig.data:
            assert trace.hovertemplate, (name, trace.name)


def test_fleet_map_sums_sites_from_their_types() -> None:
    fig = build_dashboard_figures(_state())["fleet"]
    tree = fig.data[0]
    values = dict(zip(tree.ids, tree.values, strict=True))
    assert values == {
        "fleet": 200,
        "tx-1": 150,
        "tx-1/gb200": 100,
        "tx-1/tpu7x": 50,
        "ny-1": 50,
        "ny-1/gb200": 50,
    }
    colors = dict(zip(tree.ids, tree.marker.colors, strict=True))
    assert colors["tx-1"] == 100 * 80 / 150 and colors["fleet"] == 100 * 130 / 200


def test_utilization_history_in_percent_and_usage_stacked_per_tenant() -> None:
    figures = build_dashboard_figures(_state())
    gb200 = figures["utilization"].data[0]
    assert list(gb200.y) == [40.0, 50.0]
    assert list(figures["queue"].data[0].y) == [3, 2]
    usage = figures["usage"].data[0]
    assert list(usage.x) == ["acme", "globex"] and list(usage.y) == [40, 10]


def test_calendar_spans_the_reservation_and_today() -> None:
    fig = build_dashboard_figures(_state())["reservations"]
    bar = fig.data[0]
    assert bar.y == ("acme tx-1",) and bar.base == ("2026-06-02",)
    assert bar.x == (68 * 86_400_000,)
    first, last = fig.layout.xaxis.range
    assert first <= "2026-06-01" and last >= "2026-08-09"
