"""Published UNODC/UNEP sizing and value-chain figures, reproduced through `tocta size`.

Each case of ``../shared/checks/published-cases.yaml`` becomes a sizing spec written from the
case's inputs (numbers from the file, operations from the case's question); the figures are
read back from ``tocta size --json`` and compared within the case's tolerance, with the price
level and the range where the case gives them.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tocta.cli.main import app

CASES_PATH = Path(__file__).resolve().parents[2] / "shared" / "checks" / "published-cases.yaml"
EVALUATION_CASES = {"coca-displacement-2000-2009"}  # belongs to the evaluation work


def num(v: Any) -> float:
    """YAML 1.1 reads ``1.25e9`` as a string."""
    return float(v)


def load_cases() -> list[dict[str, Any]]:
    if not CASES_PATH.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CASES_PATH} is missing; CI must run the published cases")
        return []
    return [c for c in yaml.safe_load(CASES_PATH.read_text()) if c["id"] not in EVALUATION_CASES]


def mass_balance(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "quantities": {
            "production": {"value": i["production_t_pure"], "unit": "t"},
            "seizures": {"value": i["seizures_t_pure"], "unit": "t"},
            "losses_share": {"value": i["losses_share_of_production"], "unit": "share"},
        },
        "outputs": {
            "losses": {"op": "product", "of": ["production", "losses_share"], "unit": "t"},
            "consumption_t_pure": {"op": "residual", "total": "production",
                                   "parts": ["seizures", "losses"], "unit": "t",
                                   "method": "supply side: production - seizures - losses"},
            "seizures_share": {"op": "share", "part": "seizures", "total": "production"},
        },
    }


def volume_times_price(volume_key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(i: dict[str, Any]) -> dict[str, Any]:
        price = {"value": i["price_usd_per_kg"], "unit": "USD/kg"}
        if "price_level" in i:
            price["price_level"] = i["price_level"]
        return {
            "quantities": {"volume_t": {"value": i[volume_key], "unit": "t"},
                           "kg_per_t": {"value": 1000, "unit": "kg/t"}, "price": price},
            "outputs": {"value_usd": {"op": "product", "of": ["volume_t", "kg_per_t", "price"],
                                      "unit": "USD", "method": "volume x price"}},
        }
    return build


def value_chain(i: dict[str, Any]) -> dict[str, Any]:
    levels = {"farm_gate": "farm_gate", "colombian_border": "export",
              "arrival_mexico": "wholesale_transit"}
    nodes = list(i["value_at_node_usd"])
    quantities = {n: {"value": v, "unit": "USD", "price_level": levels[n]}
                  for n, v in i["value_at_node_usd"].items()}
    outputs = {f"{a}->{b}": {"op": "gross_profit", "value_in": a, "value_out": b, "unit": "USD"}
               for a, b in itertools.pairwise(nodes)}
    return {"quantities": quantities, "outputs": outputs}


def bounds_product(names: list[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(i: dict[str, Any]) -> dict[str, Any]:
        return {"quantities": {n: i[n] for n in names},
                "outputs": {"value_usd": {"op": "product", "of": names, "unit": "USD"}}}
    return build


SPECS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "cocaine-mass-balance-2009": mass_balance,
    "west-africa-cocaine-transit-2010": volume_times_price("volume_t"),
    "cocaine-value-chain-andes-mexico-2008": value_chain,
    "migrant-smuggling-latam-usa": bounds_product(["migrants_per_year",
                                                   "fee_usd_per_migrant"]),
    "east-asia-heroin-2011": volume_times_price("consumption_t"),
    "ivory-poaching-street-value": bounds_product(["elephants_per_year",
                                                   "ivory_kg_per_elephant",
                                                   "price_usd_per_kg"]),
}

CASES = load_cases()


def run_size(spec: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(app, ["size", str(path), "--json", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["outputs"]


def has_range_input(inputs: dict[str, Any]) -> bool:
    return any(isinstance(v, dict) and {"low", "high"} <= set(v) for v in inputs.values())


@pytest.mark.skipif(not CASES_PATH.exists() and os.environ.get("CI") != "true",
                    reason=f"{CASES_PATH} not found (the shared checks live next to the repo)")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_published_case(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["id"] in SPECS, f"no spec for published case {case['id']}"
    outputs = run_size(SPECS[case["id"]](case["inputs"]), tmp_path)
    tol = num(case["tolerance"])
    ranged = has_range_input(case["inputs"])
    for name, expected in case["expected"].items():
        if name in outputs:
            got = outputs[name]
            if isinstance(expected, dict):  # a published range: the bounds must reproduce it
                assert got["bounds_low"] == pytest.approx(num(expected["low"]), rel=tol)
                assert got["bounds_high"] == pytest.approx(num(expected["high"]), rel=tol)
            else:
                assert got["median"] == pytest.approx(num(expected), rel=tol)
            if ranged:  # a range in gives a range out
                assert got["bounds_low"] < got["median"] < got["bounds_high"]
                assert got["low"] < got["median"] < got["high"]
            if "price_level" in case["inputs"]:
                assert got["price_level"] == case["inputs"]["price_level"]
        else:  # several named figures, e.g. one per segment of a value chain
            for key, value in expected.items():
                assert outputs[key]["median"] == pytest.approx(num(value), rel=tol), key
                assert "->" in outputs[key]["price_level"]


def test_mass_balance_share_seized() -> None:
    """The note of the mass-balance case: seizures as a share of production (46-60%)."""
    if not CASES:
        pytest.skip("published cases not found")
    case = next(c for c in CASES if c["id"] == "cocaine-mass-balance-2009")
    from tocta.analytics.sizespec import compute_spec, parse_spec

    share = compute_spec(parse_spec(mass_balance(case["inputs"]))).output("seizures_share")
    assert 0.46 <= share.median <= 0.60
    assert share.unit == "share" and share.price_level is None


def test_retail_and_wholesale_are_never_summed(tmp_path: Path) -> None:
    spec = {"quantities": {"a": {"value": 1, "price_level": "retail"},
                           "b": {"value": 2, "price_level": "wholesale_destination"}},
            "outputs": {"total": {"op": "sum", "of": ["a", "b"]}}}
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(app, ["size", str(path)])
    assert result.exit_code != 0
    assert "retail" in str(result.exception) and "wholesale_destination" in str(result.exception)


def test_size_prints_a_table_with_range_and_level(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tocta.cli import console

    # The console is created at import, before any COLUMNS a test could set: widen it here so
    # the table does not truncate its columns whatever the terminal of the run.
    monkeypatch.setattr(console.out, "width", 200)
    spec = {"quantities": {"t": {"low": 10, "high": 20, "unit": "t"},
                           "price": {"value": 2, "price_level": "retail"}},
            "outputs": {"value": {"op": "product", "of": ["t", "price"]}}}
    path = tmp_path / "table.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(app, ["size", str(path), "--draws", "2000"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2,000 draws" in result.stdout and "retail" in result.stdout
    assert "20" in result.stdout and "40" in result.stdout  # the bounds 20-40
