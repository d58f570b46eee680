"""Metering and budgets: accelerator-hours and their cost per tenant from the usage rows (a
job from placement to completion, cancel or requeue; a reservation over its window), and the
monthly budgets checked on used + committed spend before a job or reservation is accepted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gigawatt.service import schemas
from gigawatt.service.errors import Refused
from gigawatt.store.models import Job, Tenant, Usage


class Metering:
    """Prices per accelerator-hour by type (unpriced types are free) and the clock; reads
    and checks spend in a caller's session."""

    def __init__(
        self, prices_usd_per_hour: dict[str, float], clock: Callable[[], dt.datetime]
    ) -> None:
        self.prices_usd_per_hour = prices_usd_per_hour
        self.clock = clock

    def price(self, row: Usage) -> float:
        """USD per accelerator-hour a usage row is billed at: a job inside a reservation is
        paid for by the reservation; an unpriced type is free."""
        if row.kind == "job" and row.reservation_id is not None:
            return 0.0
        return self.prices_usd_per_hour.get(row.accelerator, 0.0)

    def spend(
        self,
        session: Session,
        tenant_id: str,
        period: tuple[dt.datetime, dt.datetime],
        now: dt.datetime,
    ) -> tuple[float, float, list[schemas.UsageItem]]:
        """USD used (up to now) and committed (the rest) within ``period`` by the tenant, and
        the metered items. Committed: reservations' windows ahead, running jobs' remaining
        estimates, and, if the period holds now, queued jobs' whole remaining estimates."""
        first, last = period
        rows = session.scalars(
            select(Usage)
            .where(
                Usage.tenant_id == tenant_id,
                Usage.start_at < last,
                Usage.end_at.is_(None) | (Usage.end_at > first),
            )
            .order_by(Usage.id)
        ).all()
        running_end: dict[str, dt.datetime] = {}
        open_jobs = [r.job_id for r in rows if r.end_at is None and r.job_id is not None]
        if open_jobs:
            for job in session.scalars(select(Job).where(Job.id.in_(open_jobs))):
                if job.started_at is not None:
                    remaining_s = max(job.estimate_s - job.progress_s, 0.0)
                    running_end[job.id] = aware(job.started_at) + dt.timedelta(seconds=remaining_s)
        used_usd = committed_usd = 0.0
        items: dict[tuple[str, str], schemas.UsageItem] = {}
        for row in rows:
            start = aware(row.start_at)
            end = aware(row.end_at) if row.end_at is not None else None
            planned_end = end if end is not None else running_end.get(row.job_id or "", now)
            used_h = overlap_h(start, now if end is None else min(end, now), first, last)
            ahead_h = overlap_h(max(start, now), planned_end, first, last)
            if used_h == 0 and ahead_h == 0 and not (end is None and first <= now < last):
                continue  # nothing of it falls in this period
            hours = used_h * int(row.accelerators)
            price = self.price(row)
            used_usd += hours * price
            committed_usd += ahead_h * int(row.accelerators) * price
            key = (row.kind, row.job_id or row.reservation_id or "")
            item = items.get(key)
            if item is None:
                item = items[key] = schemas.UsageItem(
                    kind=row.kind, id=key[1], accelerator=row.accelerator,
                    accelerators=int(row.accelerators), reservation=row.reservation_id,
                    accelerator_hours=0.0, cost_usd=0.0, running=False,
                )  # fmt: skip
            item.accelerator_hours += hours
            item.cost_usd += hours * price
            item.running = item.running or (row.kind == "job" and end is None)
        if first <= now < last:
            for accelerators, estimate_s, progress_s, accelerator in session.execute(
                select(Job.accelerators, Job.estimate_s, Job.progress_s, Job.accelerator).where(
                    Job.tenant_id == tenant_id, Job.state == "queued"
                )
            ).tuples():
                price = self.prices_usd_per_hour.get(accelerator, 0.0)
                committed_usd += accelerators * max(estimate_s - progress_s, 0.0) / 3600 * price
        return used_usd, committed_usd, list(items.values())

    def check_job_budget(
        self, session: Session, tenant_id: str, body: schemas.JobSubmit, now: dt.datetime
    ) -> None:
        """Refuse a job whose estimated cost, on top of this month's used and committed spend,
        would exceed the tenant's monthly budget (its cost counts at the type's price even if
        it may end up inside a reservation)."""
        tenant = session.get_one(Tenant, tenant_id)
        price = self.prices_usd_per_hour.get(body.accelerator)
        if tenant.monthly_budget_usd is None or price is None:
            return
        used, committed, _ = self.spend(session, tenant_id, month_of(now), now)
        cost = body.accelerators * body.estimate_s / 3600.0 * price
        if used + committed + cost > tenant.monthly_budget_usd:
            raise Refused(
                409,
                f"budget: this job's estimated ${cost:,.0f} on top of ${used + committed:,.0f} "
                f"this month (${used:,.0f} used, ${committed:,.0f} committed) exceeds the "
                f"monthly budget of ${tenant.monthly_budget_usd:,.0f}",
            )

    def check_reservation_budget(
        self, session: Session, tenant_id: str, accelerator: str, accelerators: int,
        start: dt.datetime, end: dt.datetime, now: dt.datetime,
    ) -> None:  # fmt: skip
        """Refuse a reservation whose cost in any month it spans, on top of that month's used
        and committed spend, would exceed the tenant's monthly budget."""
        tenant = session.get_one(Tenant, tenant_id)
        price = self.prices_usd_per_hour.get(accelerator)
        if tenant.monthly_budget_usd is None or price is None:
            return
        month = month_of(start)
        while month[0] < end:
            cost = overlap_h(start, end, *month) * accelerators * price
            used, committed, _ = self.spend(session, tenant_id, month, now)
            if used + committed + cost > tenant.monthly_budget_usd:
                raise Refused(
                    409,
                    f"budget: this reservation's ${cost:,.0f} in {month[0]:%Y-%m} on top of "
                    f"${used + committed:,.0f} used and committed that month exceeds the "
                    f"monthly budget of ${tenant.monthly_budget_usd:,.0f}",
                )
            month = month_of(month[1])

    def usage(self, session: Session, tenant_id: str | None, month: str | None) -> schemas.UsageOut:
        """Metered accelerator-hours and cost per tenant (one tenant, or all) in a calendar
        month (``YYYY-MM``, default the clock's current month)."""
        now = self.clock()
        if month is None:
            period = month_of(now)
        else:
            try:
                period = month_of(dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC))
            except (ValueError, OverflowError):
                raise Refused(
                    422, f"month: expected YYYY-MM before 9999-12, got {month!r}"
                ) from None
        query = select(Tenant).order_by(Tenant.created_at)
        if tenant_id is not None:
            query = query.where(Tenant.id == tenant_id)
        tenants = []
        for tenant in session.scalars(query).all():
            used, committed, items = self.spend(session, tenant.id, period, now)
            tenants.append(
                schemas.TenantUsage(
                    tenant=tenant.name,
                    accelerator_hours=sum(i.accelerator_hours for i in items),
                    cost_usd=used,
                    committed_usd=committed,
                    monthly_budget_usd=tenant.monthly_budget_usd,
                    items=items,
                )
            )
        return schemas.UsageOut(
            month=f"{period[0]:%Y-%m}", at=now, prices_usd_per_hour=self.prices_usd_per_hour,
            tenants=tenants,
        )  # fmt: skip


def month_of(when: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month (UTC) holding ``when``: [first instant, first of the next)."""
    first = dt.datetime(when.year, when.month, 1, tzinfo=dt.UTC)
    following = dt.datetime(when.year + when.month // 12, when.month % 12 + 1, 1, tzinfo=dt.UTC)
    return first, following


def overlap_h(start: dt.datetime, end: dt.datetime, first: dt.datetime, last: dt.datetime) -> float:
    """Hours of [start, end) inside [first, last)."""
    return max((min(end, last) - max(start, first)).total_seconds(), 0.0) / 3600.0


def aware(when: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
