"""The simulator's truth: mass balance, seizures within flows, displacement, determinism."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from tocta.errors import ConfigError, NotFoundError
from tocta.simulate.run import simulate_world
from tocta.simulate.scenario import load_scenario, shipped_scenarios

SCENARIOS = ["west-africa-cocaine", "southeast-asia-synthetics",
             "people-smuggling-mediterranean", "wildlife-ivory"]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name in SCENARIOS:
        folder = tmp_path_factory.mktemp(name)
        simulate_world(load_scenario(name), 11, folder / "w", scale=0.5, actors=False)
        out[name] = folder / "w"
    return out


def test_the_four_scenarios_are_shipped() -> None:
    assert set(SCENARIOS) <= set(shipped_scenarios())


@pytest.mark.parametrize("name", SCENARIOS)
def test_mass_balance_per_commodity_and_year(worlds: dict[str, Path], name: str) -> None:
    balance = pl.read_parquet(worlds[name] / "truth" / "balance.parquet")
    gap = balance.select(
        ((pl.col("produced") - pl.col("lost") - pl.col("seized") - pl.col("consumed")).abs()
         / pl.col("produced")).max()).item()
    assert gap < 1e-9
    nodes = pl.read_parquet(worlds[name] / "truth" / "nodes.parquet")
    by_year = nodes.group_by("year", "commodity").agg(pl.col("seized").sum())
    joined = balance.join(by_year, on=["year", "commodity"], suffix="_nodes")
    assert (joined["seized"] - joined["seized_nodes"]).abs().max() < 1e-6


@pytest.mark.parametrize("name", SCENARIOS)
def test_seized_never_exceeds_flow(worlds: dict[str, Path], name: str) -> None:
    nodes = pl.read_parquet(worlds[name] / "truth" / "nodes.parquet")
    assert (nodes["seized"] <= nodes["inflow"] + 1e-9).all()
    assert (nodes["seized"] >= 0).all()
    events = pl.read_parquet(sorted((worlds[name] / "truth" / "seizures").glob("*.parquet")))
    per_year = events.group_by("year").agg(pl.col("true_size").sum())
    seized = nodes.group_by("year").agg(pl.col("seized").sum())
    # Reported events are a subset of what was seized (duplicates counted once per event).
    unique = events.unique(["year", "agency", "event"])
    assert per_year.height == seized.height
    assert unique["true_size"].sum() <= seized["seized"].sum() * 1.000001


@pytest.mark.parametrize("name", SCENARIOS)
def test_intervention_displaces_flow(worlds: dict[str, Path], name: str) -> None:
    scenario = load_scenario(name)
    effects = pl.read_parquet(worlds[name] / "truth" / "interventions.parquet")
    iv = scenario.interventions[0]
    after = effects.filter(pl.col("year") >= iv.year)
    before = effects.filter(pl.col("year") < iv.year)
    assert before["effect"].abs().max() < 1e-6  # nothing changes before the intervention
    target = after.filter(pl.col("country").is_in(iv.countries))
    assert target["effect"].sum() < 0  # less flow through the target countries
    others = after.filter(~pl.col("country").is_in(iv.countries) & (pl.col("effect") > 0))
    assert others.height > 0 and others["effect"].sum() > 0  # more through alternatives


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    scenario = load_scenario("west-africa-cocaine")
    simulate_world(scenario, 5, tmp_path / "a", scale=0.1)
    simulate_world(scenario, 5, tmp_path / "b", scale=0.1)
    simulate_world(scenario, 6, tmp_path / "c", scale=0.1)
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert len(a) > 60 and any(a[k] != c.get(k) for k in a)
    assert any(k.endswith(".xlsx") for k in a)  # XLSX files are deterministic too
    assert any(k.endswith("entities.ftm.jsonl") for k in a)
    assert any(k.endswith("transfers.csv") for k in a)


def test_noise_is_hard_by_default(worlds: dict[str, Path]) -> None:
    import polars as pl

    truth = pl.read_parquet(worlds["west-africa-cocaine"] / "truth" / "rates.parquet")
    silent = truth.filter(pl.col("year") == 2015).select(
        (pl.col("reporting") < 0.06).mean()).item()
    assert 0.15 <= silent <= 0.5
    folder = worlds["west-africa-cocaine"] / "agencies"
    frames = [pl.read_csv(p, infer_schema=False) for p in folder.glob("*/seizures.csv")]
    english = pl.concat([f for f in frames if "origin" in f.columns], how="diagonal")
    assert english["origin"].is_null().mean() >= 0.4
    assert english["transit"].is_null().mean() >= 0.7


def test_scenario_problems_are_listed_together(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndescription: y\nyears: [2020, 2019]\ncommodities:\n"
                   "  - id: unobtainium\n    production: -1\n    producers: {XXX: {share: 1}}\n"
                   "    prices: {farm_gate: 1, export: 1, wholesale_origin: 1, "
                   "wholesale_transit: 1, wholesale_destination: 1, retail: 1}\n")
    with pytest.raises(ConfigError) as excinfo:
        load_scenario(bad)
    assert "production" in str(excinfo.value)
    with pytest.raises(NotFoundError, match="west-africa-cocaine"):
        load_scenario("no-such-world")
