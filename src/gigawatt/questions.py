"""The seed's questions, answered from one run: is capacity online in 2026 (announced vs
feasible)? what jobs does it create? does it pay back by 2028, and with what probability? can
the industry supply every bundled program at once? how do its economics compare with the
~$1.4T commitments scenario?

`answer_questions` builds the answers from summaries the run already has (the plan's, the
finance verdict, a sweep's, a supply check, a comparison); `bundled_context` computes the
last three for the bundled scenarios (it reads their files: this module sits at the pipeline
layer, above the core). Each answer carries its numbers and the summary.json path they come
from, so the terminal, summary.json and the report say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigawatt.econ.payback import PAYBACK, month_text
from gigawatt.plan.feasible import Ramp
from gigawatt.scenario.models import Scenario

#: The bundled scenario the economics are compared with (the bubble question).
COMMITMENTS_SCENARIO = "openai-commitments.yaml"


@dataclass(frozen=True)
class Answer:
    """One question, its answer in a sentence, the numbers behind it and where they live."""

    key: str
    question: str
    answer: str
    numbers: dict[str, Any]
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "question": self.question,
            "answer": self.answer,
            "numbers": self.numbers,
            "source": self.source,
        }


def bundled_scenarios_dir() -> Path | None:
    """The repository's ``scenarios/`` folder (beside ``data/``), or None when not found."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "scenarios"
        if (candidate / COMMITMENTS_SCENARIO).is_file():
            return candidate
    return None


def _b(usd: float | None) -> str:
    if usd is None:
        return "-"
    return f"-${-usd / 1e9:,.1f}B" if usd < 0 else f"${usd / 1e9:,.1f}B"


def online_answer(plan: dict[str, Any], year: int) -> Answer:
    """Capacity online at the end of `year`: owned on the announced and the feasible ramp,
    and contracted."""
    month = f"{year}-12"
    ramp = next((p for p in plan["ramp"]["year_end"] if p["month"] == month), None)
    point = next((p for p in plan["year_end"] if p["month"] == month), None)
    if ramp is None or point is None:
        return Answer(
            "online",
            f"What is online in {year}?",
            f"The plan does not cover {month}.",
            {},
            "plan.ramp.year_end",
        )
    a, f = ramp["announced"], ramp["feasible"]
    c = point["contracted"]
    moved = [p for p in plan["ramp"]["phases"] if p["announced"] != p["feasible"]]
    why = "; ".join(
        f"{p['site_id']}/{p['phase']} {p['announced']} -> {p['feasible'] or 'never'} "
        f"({', '.join(p['binding'])})"
        for p in moved
    )
    answer = (
        f"By {month}: owned {a['it_mw']:,.0f} MW IT ({a['accelerators']:,} accelerators) as "
        f"announced, {f['it_mw']:,.0f} MW ({f['accelerators']:,}) feasible"
        + (f" ({why})" if why else "")
        + f"; plus {c['accelerators']:,} contracted accelerators ({c['it_mw']:,.0f} MW IT)."
    )
    return Answer(
        "online",
        f"What is online in {year} (MW, accelerators; feasible vs announced)?",
        answer,
        {
            "month": month,
            "announced": a,
            "feasible": f,
            "contracted": {"it_mw": c["it_mw"], "accelerators": c["accelerators"]},
            "plan_follows": plan["ramp"]["used"],
        },
        "plan.ramp.year_end, plan.year_end[].contracted",
    )


def jobs_answer(plan: dict[str, Any]) -> Answer:
    """Jobs created, with the published ranges and the announcement set against them."""
    j = plan["jobs"]
    answer = (
        f"{j['construction_peak']:,} construction workers at the peak ({j['construction_peak_month']}; "
        f"{j['construction_peak_low']:,}-{j['construction_peak_high']:,} at published rates) and "
        f"{j['permanent']:,} permanent jobs ({j['permanent_low']:,}-{j['permanent_high']:,})."
    )
    if j["reconciliation"]:
        answer += " " + " ".join(j["reconciliation"])
    return Answer(
        "jobs",
        "What jobs does it create?",
        answer,
        {
            k: j[k]
            for k in (
                "construction_peak",
                "construction_peak_month",
                "permanent",
                "permanent_low",
                "permanent_high",
                "announced",
            )
        },
        "plan.jobs",
    )


def payback_answer(finance: dict[str, Any], by_year: int, sweep: dict[str, Any] | None) -> Answer:
    """Does it pay back by the end of `by_year` (the payback milestone), does that year's
    revenue cover its costs, and with what probability over a sweep's samples."""
    v = finance["verdict"]
    payback = v.get(PAYBACK.key)
    yes = payback is not None and payback <= f"{by_year}-12"
    year_test = next(
        (n for n in finance["revenue_needed_to_break_even"] if n["year"] == by_year), None
    )
    parts = [
        f"{'Yes' if yes else 'No'}: payback {month_text(payback, v.get('horizon_end'))} "
        f"(NPV {_b(v['npv_usd'])})"
    ]
    numbers: dict[str, Any] = {"payback_month": payback, "pays_back": yes, "npv_usd": v["npv_usd"]}
    if year_test is not None:
        covered = year_test["revenue_assumed_usd"] >= year_test["revenue_needed_usd"]
        parts.append(
            f"{by_year}'s revenue {'covers' if covered else 'does not cover'} its costs "
            f"({_b(year_test['revenue_assumed_usd'])} against {_b(year_test['revenue_needed_usd'])} "
            "needed)"
        )
        numbers["year_covered"] = covered
    probability = None
    if sweep is not None and "milestones" in sweep:
        shares = sweep["milestones"][PAYBACK.key]["share_by_year"]
        probability = sum(s for year, s in shares.items() if int(year) <= by_year)
        parts.append(
            f"{100 * probability:.0f}% of {sweep['samples']:,} sweep samples pay back by "
            f"{by_year}-12"
        )
    numbers["probability"] = probability
    ownership = finance.get("ownership")
    if ownership:
        parts.append(ownership["headline"].rstrip("."))
    return Answer(
        "payback",
        f"Does it pay back by {by_year}, and with what probability?",
        "; ".join(parts) + ".",
        numbers,
        "finance.verdict, finance.revenue_needed_to_break_even, sweep.milestones",
    )


def supply_answer(supply: dict[str, Any] | None) -> Answer:
    """Can the industry supply every bundled program at once (per year and item)?"""
    question = (
        "Can the industry supply all bundled programs at once (transformers, turbines, grid "
        "connections, chips)?"
    )
    if supply is None:
        return Answer("supply", question, "Not checked (no bundled scenarios found).", {}, "")
    short = supply["short"]
    worst = sorted((r for r in supply["years"] if r["short"]), key=lambda r: -r["share"])[:4]
    answer = (
        f"{'No' if short else 'Yes'}: {len(supply['programs'])} programs "
        f"({', '.join(supply['programs'])}) "
        + (
            "ask for more than the national supply in "
            + "; ".join(
                f"{r['year']} {r['item'].replace('_', ' ')} ({100 * r['share']:.0f}% of supply)"
                for r in worst
            )
            if short
            else "stay within national supply every year"
        )
        + "."
    )
    return Answer(
        "supply",
        question,
        answer,
        {"short": short, "programs": supply["programs"]},
        "questions.supply (gigawatt plan A.yaml B.yaml ...: supply.json)",
    )


def comparison_answer(comparison: dict[str, Any] | None, year: int) -> Answer:
    """This program's economics against the commitments scenario: the revenue each needs."""
    question = "How do its economics compare with the ~$1.4T commitments scenario?"
    if comparison is None:
        return Answer("comparison", question, "Not compared (scenario not found).", {}, "")
    parts = []
    for program in comparison["programs"]:
        row = next((r for r in program["revenue_needed_to_break_even"] if r["year"] == year), None)
        needed = (
            f"{_b(row['revenue_needed_usd'])} needed in {year} against "
            f"{_b(row['revenue_assumed_usd'])} assumed"
            if row and row["revenue_needed_usd"] is not None
            else f"no {year} figure"
        )
        parts.append(f"{program['name']}: NPV {_b(program['npv_usd'])}, {needed}")
    return Answer(
        "comparison",
        question,
        "; ".join(parts) + ".",
        {"programs": [p["name"] for p in comparison["programs"]]},
        "questions.comparison (gigawatt finance A.yaml B.yaml: compare.json)",
    )


def answer_questions(
    plan: dict[str, Any],
    finance: dict[str, Any],
    *,
    sweep: dict[str, Any] | None = None,
    supply: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
    online_year: int = 2026,
    payback_year: int = 2028,
) -> list[Answer]:
    """The five questions, answered from a run's summaries (None: that part not computed)."""
    return [
        online_answer(plan, online_year),
        jobs_answer(plan),
        payback_answer(finance, payback_year, sweep),
        supply_answer(supply),
        comparison_answer(comparison, payback_year),
    ]


@dataclass(frozen=True)
class Context:
    """What the questions need beyond the run itself: a sweep's summary, the supply check of
    every bundled program, and the comparison with the commitments scenario (None: not
    computed, with the reason in `why`)."""

    sweep: dict[str, Any] | None
    supply: dict[str, Any] | None
    comparison: dict[str, Any] | None
    why: tuple[str, ...] = ()


def bundled_context(
    scenario: Scenario,
    finance_summary: dict[str, Any],
    ramp: Ramp,
    *,
    sweep_samples: int = 200,
    sweep: dict[str, Any] | None = None,
    scenarios_dir: Path | None = None,
) -> Context:
    """A sweep of `sweep_samples` plan + finance samples of `scenario` (unless `sweep` is
    given, e.g. the run folder's; 0 samples: none), the supply check of `scenario` with every
    other bundled scenario, and `scenario`'s finance next to the commitments scenario's, all
    on `ramp`."""
    from gigawatt.econ.comparison import compare_programs
    from gigawatt.econ.defaults import load_finance_defaults
    from gigawatt.pipeline import Pipeline
    from gigawatt.plan.supply import check_supply
    from gigawatt.scenario import load_scenario, scenario_catalog
    from gigawatt.sweep import SweepBase, get_engine, run_sweep, scenario_uncertainty

    why: list[str] = []
    catalog = scenario_catalog(scenario)
    if sweep is None and sweep_samples > 0:
        base = SweepBase(scenario, catalog, scenario.finance, load_finance_defaults(), ramp=ramp)
        sweep = run_sweep(
            base, scenario_uncertainty(scenario), sweep_samples, get_engine("serial")
        ).summary
    folder = scenarios_dir or bundled_scenarios_dir()
    supply = comparison = None
    if folder is None:
        why.append("the bundled scenarios folder was not found")
    else:
        others = [
            load_scenario(p)
            for p in sorted(folder.glob("*.yaml"))
            if load_scenario(p).program.name != scenario.program.name
        ]
        programs = [scenario, *others]
        plans = [Pipeline(s, ramp=ramp).plan for s in programs]
        supply = check_supply(plans, programs, catalog)
        commitments = folder / COMMITMENTS_SCENARIO
        theirs = load_scenario(commitments)
        if theirs.program.name != scenario.program.name:
            other = Pipeline(theirs, ramp=ramp).finance.summary
            comparison = compare_programs(
                [finance_summary, other], [scenario.program.name, theirs.program.name]
            )
    return Context(sweep, supply, comparison, tuple(why))
