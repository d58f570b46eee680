"""Sweep engines: where the samples run. One small interface and a registry by name.

- ``serial``: a plain loop in this process (the baseline benchmarks measure against).
- ``local``: a process pool on this machine (the default).
- ``ray``: a Ray cluster (``address`` "ray://host:port", "auto"), or a local Ray instance when
  no address is given. Ray is an optional dependency, imported only here.

Each engine takes the `SweepBase` once per worker and the samples in chunks, and returns
the results in sample order. `on_done(k)` is called as chunks finish, with how many samples
the chunk held (for a progress bar).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from gigawatt.sweep.evaluate import SweepBase, evaluate_batch

Row = dict[str, float]
Progress = Callable[[int], None] | None


class SweepEngine(Protocol):
    """Runs `evaluate_batch` over all samples; results in sample order."""

    def run(
        self, base: SweepBase, samples: Sequence[Row], on_done: Progress = None
    ) -> list[Row]: ...


def _chunks(samples: Sequence[Row], workers: int, chunk_size: int | None) -> list[list[Row]]:
    size = chunk_size or max(1, min(64, len(samples) // (workers * 8) or 1))
    return [list(samples[i : i + size]) for i in range(0, len(samples), size)]


class SerialEngine:
    """A plain loop in this process."""

    def __init__(self, chunk_size: int | None = None) -> None:
        self.chunk_size = chunk_size

    def run(self, base: SweepBase, samples: Sequence[Row], on_done: Progress = None) -> list[Row]:
        results: list[Row] = []
        for chunk in _chunks(samples, 1, self.chunk_size):
            results.extend(evaluate_batch(base, chunk))
            if on_done:
                on_done(len(chunk))
        return results


_WORKER_BASE: SweepBase | None = None


def _init_worker(base: SweepBase) -> None:
    global _WORKER_BASE
    _WORKER_BASE = base


def _run_chunk(chunk: list[Row]) -> list[Row]:
    assert _WORKER_BASE is not None, "worker not initialized"
    return evaluate_batch(_WORKER_BASE, chunk)


class LocalPoolEngine:
    """A process pool on this machine; the base is sent once to each worker."""

    def __init__(self, workers: int | None = None, chunk_size: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.chunk_size = chunk_size

    def run(self, base: SweepBase, samples: Sequence[Row], on_done: Progress = None) -> list[Row]:
        chunks = _chunks(samples, self.workers, self.chunk_size)
        results: list[list[Row] | None] = [None] * len(chunks)
        with ProcessPoolExecutor(
            max_workers=self.workers, initializer=_init_worker, initargs=(base,)
        ) as pool:
            futures = {pool.submit(_run_chunk, chunk): k for k, chunk in enumerate(chunks)}
            for future in as_completed(futures):
                k = futures[future]
                results[k] = future.result()
                if on_done:
                    on_done(len(chunks[k]))
        return [row for chunk in results if chunk is not None for row in chunk]


class RayEngine:
    """Ray tasks over chunks; the base goes to the object store once."""

    def __init__(
        self, workers: int | None = None, address: str | None = None, chunk_size: int | None = None
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.address = address
        self.chunk_size = chunk_size

    def run(self, base: SweepBase, samples: Sequence[Row], on_done: Progress = None) -> list[Row]:
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "the ray engine needs Ray: pip install 'ray[default]' (or use --engine local)"
            ) from exc
        started_here = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "ignore_reinit_error": True,
                "log_to_driver": False,
                "include_dashboard": False,
            }
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=self.workers, **options)
            started_here = True
        try:
            remote = ray.remote(num_cpus=1)(evaluate_batch)
            base_ref = ray.put(base)
            chunks = _chunks(samples, self.workers, self.chunk_size)
            pending = {remote.remote(base_ref, chunk): k for k, chunk in enumerate(chunks)}
            results: list[list[Row] | None] = [None] * len(chunks)
            waiting = list(pending)
            while waiting:
                done, waiting = ray.wait(waiting, num_returns=1)
                for ref in done:
                    k = pending[ref]
                    results[k] = ray.get(ref)
                    if on_done:
                        on_done(len(chunks[k]))
            return [row for chunk in results if chunk is not None for row in chunk]
        finally:
            if started_here:
                ray.shutdown()


ENGINES: dict[str, Callable[..., SweepEngine]] = {
    "serial": lambda workers=None, address=None, chunk_size=None: SerialEngine(chunk_size),
    "local": lambda workers=None, address=None, chunk_size=None: LocalPoolEngine(
        workers, chunk_size
    ),
    "ray": lambda workers=None, address=None, chunk_size=None: RayEngine(
        workers, address, chunk_size
    ),
}


def get_engine(
    name: str, workers: int | None = None, address: str | None = None, chunk_size: int | None = None
) -> SweepEngine:
    """The engine registered as `name` (serial, local, ray)."""
    if name not in ENGINES:
        raise ValueError(f"unknown sweep engine {name!r}; expected one of {', '.join(ENGINES)}")
    if address and name != "ray":
        raise ValueError(f"--address is for the ray engine, not {name!r}")
    return ENGINES[name](workers=workers, address=address, chunk_size=chunk_size)
