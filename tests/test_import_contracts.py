"""The import contracts in pyproject.toml (``[tool.importlinter]``, run by ``make lint``): the
code keeps them, and each catches the import it is there to stop."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.contracts.protected import ProtectedContract

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACT_TYPES = {
    kind.type_name: kind
    for kind in (ForbiddenContract, ProtectedContract, AcyclicSiblingsContract, LayersContract)
}


#: One import each contract must refuse: (contract id, importer, imported).
VIOLATIONS = [
    ("core-imports-no-edge", "gigawatt.sched.jobs", "gigawatt.outputs.files"),
    ("core-imports-no-edge", "gigawatt.scenario.models", "gigawatt.scenario.load"),
    ("nothing-imports-the-cli", "gigawatt.service.app", "gigawatt.cli.simulate"),
    ("pipeline-imports-no-edge", "gigawatt.outputs.plan", "gigawatt.report.plan_report"),
    ("no-package-cycles", "gigawatt.catalog.models", "gigawatt.plan.planner"),
    ("fgd-apart-from-gang-scheduling", "gigawatt.fgd.packing", "gigawatt.sched.cluster"),
    ("gang-scheduling-without-fgd", "gigawatt.sim.replay", "gigawatt.fgd.pods"),
    ("scenario-types-below-loaders", "gigawatt.scenario.finance", "gigawatt.scenario.checks"),
]


def contracts() -> dict[str, dict[str, Any]]:
    options = read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
    return {contract["id"]: contract for contract in options}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("gigawatt")


def kept(contract_id: str, graph: grimp.ImportGraph) -> bool:
    options = contracts()[contract_id]
    contract = CONTRACT_TYPES[options["type"]](
        name=options["name"], session_options={"root_packages": ["gigawatt"]}, contract_options=options
    )
    return contract.check(copy.deepcopy(graph), verbose=False).kept


def test_every_contract_is_checked_here() -> None:
    assert set(contracts()) == {contract_id for contract_id, _, _ in VIOLATIONS}


def test_lint_imports_passes_on_the_code() -> None:
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("contract_id", "importer", "imported"), VIOLATIONS)
def test_each_contract_breaks_on_the_import_it_forbids(
    graph: grimp.ImportGraph, contract_id: str, importer: str, imported: str
) -> None:
    assert kept(contract_id, graph)
    broken = copy.deepcopy(graph)
    broken.add_import(importer=importer, imported=imported)
    assert not kept(contract_id, broken)
