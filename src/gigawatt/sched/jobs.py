"""Jobs for time-based replay, as columns (one array element per job).

A job asks for ``accelerators`` of one type (whole ones: ``gpu_milli`` 1000; or a share of a
single accelerator: ``gpu_milli`` < 1000), from the types its ``allowed`` bit mask names
(bit i is ``types[i]``; 0 allows any). Every job starts whole or not at all; ``gang`` says its
ranks communicate, so placement keeps it in as few scale-up domains and halls as it can.
``estimate_s`` is what the scheduler is told (EASY backfill plans with it); ``duration_s`` is
how long the job really runs.

Checkpoints (``sim.replay``): a job trains in blocks of ``checkpoint_s`` seconds of work, each
followed by a blocking write of ``checkpoint_cost_s`` (overhead, not useful work); an
interruption loses the unfinished block. ``checkpoint_s`` inf: never checkpoints; NaN:
``auto``, the Young/Daly interval for the job's size under the replay's failure model.
``checkpoint_cost_s`` NaN: the failure model's cost (0 without failures). A ``stateless`` job
(an inference replica) keeps all its progress when interrupted: it only pays the restart.
CPU and memory are carried for the record: hosts built from a
plan are sized per accelerator, so accelerators are the resource placement checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

WHOLE_MILLI = 1000


@dataclass(frozen=True)
class JobTable:
    """Every job of a run. Job ids are indices into these arrays."""

    tenants: tuple[str, ...]
    tenant_weight: FloatArray  # entitlement weight per tenant (fair share), > 0
    types: tuple[str, ...]  # accelerator types the ``allowed`` bits refer to
    tenant: IntArray
    accelerators: IntArray
    gpu_milli: IntArray
    allowed: IntArray
    gang: BoolArray
    priority: IntArray
    arrival_s: FloatArray
    duration_s: FloatArray
    estimate_s: FloatArray
    checkpoint_s: FloatArray  # checkpoint interval, s of work; inf: never; NaN: auto
    cpu_milli: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    memory_mib: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: Blocking seconds per checkpoint write; NaN: the failure model's (0 without failures).
    checkpoint_cost_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Keeps no training state: an interruption loses no work (inference replicas).
    stateless: BoolArray = field(default_factory=lambda: np.zeros(0, bool))

    def __post_init__(self) -> None:
        count = len(self.tenant)
        for name in ("cpu_milli", "memory_mib"):
            if len(getattr(self, name)) == 0 and count:
                object.__setattr__(self, name, np.zeros(count, np.int64))
        if len(self.checkpoint_cost_s) == 0 and count:
            object.__setattr__(self, "checkpoint_cost_s", np.full(count, np.nan))
        if len(self.stateless) == 0 and count:
            object.__setattr__(self, "stateless", np.zeros(count, bool))
        for name in (
            "accelerators", "gpu_milli", "allowed", "gang", "priority", "arrival_s",
            "duration_s", "estimate_s", "checkpoint_s", "cpu_milli", "memory_mib",
            "checkpoint_cost_s", "stateless",
        ):  # fmt: skip
            if getattr(self, name).shape != (count,):
                raise ValueError(f"JobTable.{name} must have one entry per job ({count})")
        if len(self.tenant_weight) != len(self.tenants):
            raise ValueError("JobTable.tenant_weight must have one entry per tenant")
        if count:
            if self.accelerators.min() < 1:
                raise ValueError("a job needs at least one accelerator")
            if np.any((self.gpu_milli < 1) | (self.gpu_milli > WHOLE_MILLI)):
                raise ValueError("gpu_milli must be in 1..1000")
            if np.any((self.gpu_milli < WHOLE_MILLI) & (self.accelerators > 1)):
                raise ValueError("a job sharing an accelerator (gpu_milli < 1000) takes only one")
            if np.any(self.duration_s < 0) or np.any(self.estimate_s < 0):
                raise ValueError("durations must be >= 0")
            if self.tenant.max() >= len(self.tenants):
                raise ValueError("JobTable.tenant indexes past tenants")
            if np.any(self.checkpoint_s <= 0):
                raise ValueError("checkpoint_s must be > 0 (inf: never, NaN: auto)")
            if np.any(self.checkpoint_cost_s < 0):
                raise ValueError("checkpoint_cost_s must be >= 0 (NaN: the failure model's)")

    @property
    def count(self) -> int:
        return len(self.tenant)

    def accelerator_seconds(self) -> FloatArray:
        """Accelerator-seconds each job needs (a share counts its fraction of one accelerator)."""
        return self.accelerators * (self.gpu_milli / WHOLE_MILLI) * self.duration_s

    def sorted_by_arrival(self) -> JobTable:
        """The same jobs, renumbered in arrival order (stable)."""
        order = np.argsort(self.arrival_s, kind="stable")
        return self.take(order)

    def take(self, index: IntArray) -> JobTable:
        """The jobs at ``index``, in that order."""
        return JobTable(
            tenants=self.tenants,
            tenant_weight=self.tenant_weight,
            types=self.types,
            tenant=self.tenant[index],
            accelerators=self.accelerators[index],
            gpu_milli=self.gpu_milli[index],
            allowed=self.allowed[index],
            gang=self.gang[index],
            priority=self.priority[index],
            arrival_s=self.arrival_s[index],
            duration_s=self.duration_s[index],
            estimate_s=self.estimate_s[index],
            checkpoint_s=self.checkpoint_s[index],
            cpu_milli=self.cpu_milli[index],
            memory_mib=self.memory_mib[index],
            checkpoint_cost_s=self.checkpoint_cost_s[index],
            stateless=self.stateless[index],
        )


def concat_jobs(tables: list[JobTable]) -> JobTable:
    """Jobs of several tables (same tenants and types) as one table, in the given order."""
    first = tables[0]
    for other in tables[1:]:
        if other.tenants != first.tenants or other.types != first.types:
            raise ValueError("concat_jobs needs tables with the same tenants and types")

    def cat(name: str) -> NDArray[Any]:
        return np.concatenate([getattr(t, name) for t in tables])

    return JobTable(
        tenants=first.tenants,
        tenant_weight=first.tenant_weight,
        types=first.types,
        tenant=cat("tenant"),
        accelerators=cat("accelerators"),
        gpu_milli=cat("gpu_milli"),
        allowed=cat("allowed"),
        gang=cat("gang"),
        priority=cat("priority"),
        arrival_s=cat("arrival_s"),
        duration_s=cat("duration_s"),
        estimate_s=cat("estimate_s"),
        checkpoint_s=cat("checkpoint_s"),
        cpu_milli=cat("cpu_milli"),
        memory_mib=cat("memory_mib"),
        checkpoint_cost_s=cat("checkpoint_cost_s"),
        stateless=cat("stateless"),
    )


def simple_jobs(
    arrival_s: FloatArray,
    duration_s: FloatArray,
    accelerators: IntArray | None = None,
    tenant: IntArray | None = None,
    tenants: tuple[str, ...] = ("default",),
    priority: IntArray | None = None,
    gpu_milli: IntArray | None = None,
    tenant_weight: FloatArray | None = None,
) -> JobTable:
    """Jobs of any type with perfect estimates and no checkpoints (tests, queueing checks)."""
    count = len(arrival_s)
    return JobTable(
        tenants=tenants,
        tenant_weight=np.ones(len(tenants)) if tenant_weight is None else tenant_weight,
        types=(),
        tenant=np.zeros(count, np.int64) if tenant is None else np.asarray(tenant, np.int64),
        accelerators=np.ones(count, np.int64)
        if accelerators is None
        else np.asarray(accelerators, np.int64),
        gpu_milli=np.full(count, WHOLE_MILLI, np.int64)
        if gpu_milli is None
        else np.asarray(gpu_milli, np.int64),
        allowed=np.zeros(count, np.int64),
        gang=np.ones(count, bool),
        priority=np.zeros(count, np.int64) if priority is None else np.asarray(priority, np.int64),
        arrival_s=np.asarray(arrival_s, np.float64),
        duration_s=np.asarray(duration_s, np.float64),
        estimate_s=np.asarray(duration_s, np.float64),
        checkpoint_s=np.full(count, np.inf),
    )


class _BookTable(JobTable):
    """A `JobTable` view of a `JobBook`, made without the per-column checks (`JobBook.add`
    checks each entry as it is written). A *live* view (`JobBook.table`) holds the book's
    whole column buffers, longer than ``count`` (the book's count, read when asked): it stays
    valid as jobs are added, until the buffers grow or a tenant is added. Read it by job index
    or over its first ``count`` entries."""

    _book: JobBook | None = None

    def __post_init__(self) -> None:
        pass

    @property
    def count(self) -> int:
        return self._book.count if self._book is not None else len(self.tenant)


_BOOK_INTS = ("tenant", "accelerators", "gpu_milli", "allowed", "priority", "cpu_milli")
_BOOK_FLOATS = ("arrival_s", "duration_s", "estimate_s", "checkpoint_s", "checkpoint_cost_s")
_BOOK_FLAGS = ("gang", "stateless")


class JobBook:
    """Jobs that arrive one at a time (a live service): columns that grow, read as a
    `JobTable` (`table`: views of the columns, a new object after every change so that readers
    holding the previous one can tell). Tenants are added as they first submit."""

    def __init__(self, types: tuple[str, ...], tenants: tuple[str, ...] = ()) -> None:
        self.types = types
        self.tenants: list[str] = list(tenants)
        self.tenant_index = {name: i for i, name in enumerate(tenants)}
        self.count = 0
        self._ints = {name: np.zeros(64, np.int64) for name in _BOOK_INTS}
        self._floats = {name: np.zeros(64, np.float64) for name in _BOOK_FLOATS}
        self._flags = {name: np.zeros(64, bool) for name in _BOOK_FLAGS}
        self._table: JobTable | None = None

    def tenant_of(self, name: str) -> int:
        """The tenant's index (added if new)."""
        index = self.tenant_index.get(name)
        if index is None:
            index = self.tenant_index[name] = len(self.tenants)
            self.tenants.append(name)
            self._table = None
        return index

    def add(
        self,
        tenant: int,
        accelerators: int,
        arrival_s: float,
        duration_s: float,
        estimate_s: float | None = None,
        type_index: int | None = None,
        priority: int = 0,
        gpu_milli: int = WHOLE_MILLI,
        checkpoint_s: float = math.inf,
        checkpoint_cost_s: float = math.nan,
        stateless: bool = False,
    ) -> int:
        """A new job (its index); ``type_index`` None: any type. Raises ValueError for a job
        `JobTable` would refuse."""
        if estimate_s is None:
            estimate_s = duration_s
        if not 0 <= tenant < len(self.tenants):
            raise ValueError(f"no tenant {tenant}")
        if accelerators < 1 or not 1 <= gpu_milli <= WHOLE_MILLI:
            raise ValueError("a job needs at least one accelerator (gpu_milli in 1..1000)")
        if gpu_milli < WHOLE_MILLI and accelerators > 1:
            raise ValueError("a job sharing an accelerator (gpu_milli < 1000) takes only one")
        if not duration_s >= 0 or not estimate_s >= 0:
            raise ValueError("durations must be >= 0")
        if not (checkpoint_s > 0 or math.isnan(checkpoint_s)):
            raise ValueError("checkpoint_s must be > 0 (inf: never, NaN: auto)")
        if type_index is not None and not 0 <= type_index < len(self.types):
            raise ValueError(f"no accelerator type {type_index}")
        index = self.count
        if index == len(self._flags["gang"]):
            self._grow(2 * index)
        ints, floats, flags = self._ints, self._floats, self._flags
        ints["tenant"][index] = tenant
        ints["accelerators"][index] = accelerators
        ints["gpu_milli"][index] = gpu_milli
        ints["allowed"][index] = 0 if type_index is None else 1 << type_index
        ints["priority"][index] = priority
        floats["arrival_s"][index] = arrival_s
        floats["duration_s"][index] = duration_s
        floats["estimate_s"][index] = estimate_s
        floats["checkpoint_s"][index] = checkpoint_s
        floats["checkpoint_cost_s"][index] = checkpoint_cost_s
        flags["gang"][index] = True
        flags["stateless"][index] = stateless
        self.count = index + 1
        return index

    def _grow(self, capacity: int) -> None:
        self._table = None  # a live view holds the old buffers
        for columns in (self._ints, self._floats, self._flags):
            for name, old in columns.items():
                new = np.zeros(capacity, old.dtype)
                new[: len(old)] = old
                columns[name] = new

    def table(self) -> JobTable:
        """The jobs: a live view (see `_BookTable`), the same object until the column
        buffers grow or a tenant is added."""
        if self._table is None:
            self._table = self._view(None)
        return self._table

    def snapshot(self) -> JobTable:
        """The jobs so far: views of exactly ``count`` entries of each column."""
        return self._view(self.count)

    def _view(self, n: int | None) -> JobTable:
        i = {k: v[:n] for k, v in self._ints.items()}
        f = {k: v[:n] for k, v in self._floats.items()}
        b = {k: v[:n] for k, v in self._flags.items()}
        # Built without the dataclass constructor (a frozen dataclass sets each field through
        # object.__setattr__).
        table = object.__new__(_BookTable)
        table.__dict__.update(
            tenants=tuple(self.tenants),
            tenant_weight=np.ones(len(self.tenants)),
            types=self.types,
            tenant=i["tenant"],
            accelerators=i["accelerators"],
            gpu_milli=i["gpu_milli"],
            allowed=i["allowed"],
            gang=b["gang"],
            priority=i["priority"],
            arrival_s=f["arrival_s"],
            duration_s=f["duration_s"],
            estimate_s=f["estimate_s"],
            checkpoint_s=f["checkpoint_s"],
            cpu_milli=i["cpu_milli"],
            memory_mib=i["cpu_milli"],  # neither is tracked for live jobs: zeros
            checkpoint_cost_s=f["checkpoint_cost_s"],
            stateless=b["stateless"],
            _book=self if n is None else None,
        )
        return table
