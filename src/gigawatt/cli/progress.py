"""Progress on the terminal for long runs: a bar over a replay's simulated days, and runs
spread over a local process pool with a bar over tasks (an edge: starts processes, prints to
stderr)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gigawatt.cli.console import err_console
from gigawatt.pipeline import Pipeline, Simulation

_T = TypeVar("_T")


def replay_progress(horizon_s: float, show: bool) -> tuple[Progress, Callable[[float], None]]:
    """A Rich bar over simulated days (on stderr, gone when done) and the callback the replay
    advances it with."""
    progress = Progress(
        TextColumn("[bold]replay"),
        BarColumn(),
        TextColumn("{task.fields[day]:>5.0f} of {task.fields[days]:.0f} days"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not show,
    )
    bar = progress.add_task("replay", total=horizon_s, day=0.0, days=horizon_s / 86_400.0)

    def advance(now: float) -> None:
        progress.update(bar, completed=now, day=now / 86_400.0)

    return progress, advance


def simulate_pipeline(pipeline: Pipeline, show_progress: bool) -> Simulation:
    """``pipeline.simulation`` with a progress bar over the replay (the steps before it are
    computed first, outside the bar)."""
    pipeline.policy  # noqa: B018  (plan, fleet and jobs before the bar)
    progress, advance = replay_progress(pipeline.options.horizon_s, show_progress)
    pipeline.progress = advance
    with progress:
        return pipeline.simulation


def pool_map(
    function: Callable[..., _T],
    tasks: Sequence[tuple[object, ...]],
    workers: int | None,
    label: str,
    show_progress: bool,
) -> list[_T]:
    """``function(*task)`` for every task, on ``workers`` local processes (default: all cores;
    1: in this process), with a Rich bar and ETA over tasks; results in task order."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    results: list[_T | None] = [None] * len(tasks)
    progress = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not show_progress,
    )
    with progress:
        bar = progress.add_task(label, total=len(tasks))
        if workers == 1:
            for k, task in enumerate(tasks):
                results[k] = function(*task)
                progress.advance(bar)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(function, *task): k for k, task in enumerate(tasks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    progress.advance(bar)
    return [r for r in results if r is not None]
