"""Smuggling of migrants in the assessment: persons through a region and the fees they paid."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from tocta.access.clearance import Clearance
from tocta.reference.money import cpi
from tocta.services.assess import Assessment, FlowAssessment, _flow_dict, assess
from tocta.services.market import market_countries
from tocta.services.simulate import ingest_world
from tocta.services.smuggling import SmugglingFlow, is_persons
from tocta.simulate.run import simulate_world
from tocta.simulate.scenario import load_scenario
from tocta.store.engine import open_store

SEED = 5            # fixed before any result was looked at
REGION = "West Africa"
YEARS = (2018, 2021)
FULL = Clearance(unrestricted=True)


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assessment, Path, Path]:
    root = tmp_path_factory.mktemp("smuggling")
    simulate_world(load_scenario("people-smuggling-mediterranean"), SEED, root / "w",
                   scale=0.3, actors=False)
    store = open_store(str(root / "w.db"))
    ingest_world(store, root / "w")
    out = root / "report"
    result = assess(store, FULL, REGION, YEARS, flows=["smuggled_migrants"], out=out,
                    draws=2000, replicates=10)
    store.dispose()
    return result, out, root / "w"


def true_fees(world: Path, year: int) -> tuple[float, float]:
    """Persons who arrived outside the region on paths through it, and their fees (truth)."""
    region = set(market_countries(REGION))
    paths = pl.read_parquet(world / "truth" / "paths.parquet").filter(pl.col("year") == year)
    via = paths.filter(pl.col("path").str.split(">").map_elements(
        lambda h: h[-1] not in region and any(c in region for c in h[:-1]),
        return_dtype=pl.Boolean))
    fees = pl.read_parquet(world / "truth" / "prices.parquet").filter(
        pl.col("year") == year, pl.col("level") == "retail", pl.col("role") == "consumer"
    ).select(pl.col("country").alias("consumer"), "price")
    paid = via.join(fees, on="consumer", how="left")
    return float(via["arrived"].sum()), float((paid["arrived"] * paid["price"]).sum())


def test_persons_flows_are_recognised() -> None:
    assert is_persons("smuggled_migrants") and is_persons("trafficking_in_persons")
    assert not is_persons("cocaine") and not is_persons("ivory")


def test_persons_through_the_region_and_their_fees_contain_the_truth(
        assessed: tuple[Assessment, Path, Path]) -> None:
    result, _out, world = assessed
    [flow] = result.flows
    assert flow.market is None                    # no consumer market to survey
    smuggled = flow.outbound
    assert isinstance(smuggled, SmugglingFlow)
    persons, paid = true_fees(world, YEARS[1])
    paid *= cpi(smuggled.price_year) / cpi(YEARS[1])     # truth in current US$ of 2021
    [row] = result.ranking()
    assert row["price_level"] == "journey_fee" and row["valued"].startswith("persons smuggled")
    # tolerance stated: the truth inside the 90% interval, the median within a factor of 2
    assert row["low"] <= paid <= row["high"]
    assert 0.5 <= row["median"] / paid <= 2.0
    v = smuggled.to_dict()["volume"]
    assert v["low"] <= persons <= v["high"] and 0.5 <= v["median"] / persons <= 2.0
    # the total is the sum of its markets, draw by draw
    assert smuggled.value is not None
    total = sum(m.value for m in smuggled.markets if m.value is not None)
    assert float(abs(total - smuggled.value).max()) < 1e-6 * float(smuggled.value.max())
    text = smuggled.explain()
    assert "losses_in_transit_persons" in text and "persons arriving world-wide" in text
    assert "SYNTHETIC DATA" in text


def test_report_shows_persons_and_fees_and_ties_to_the_json(
        assessed: tuple[Assessment, Path, Path]) -> None:
    _result, out, _world = assessed
    data = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    html = (out / "report.html").read_text(encoding="utf-8")
    flow = data["flows"][0]
    size = flow["sections"][4]
    assert size["answered"] and size["data"]["outbound"]["volume"]["unit"] == "persons/year"
    nature = flow["sections"][0]
    assert nature["data"]["fees"] and all(p["unit"] == "US$/person"
                                          for p in nature["data"]["fees"])
    assert not any("prevalence" in g for s in flow["sections"] for g in s["gaps"])
    part = html[html.index('id="smuggled_migrants-size"'):
                html.index('id="smuggled_migrants-response"')]
    assert "Persons smuggled through or out of West Africa" in part
    shown = {float(v) for v in re.findall(r'data-value="([^"]+)"', part)}
    o = size["data"]["outbound"]
    assert {o["value"][k] for k in ("median", "low", "high")} <= shown
    assert {o["volume"][k] for k in ("median", "low", "high")} <= shown
    assert "smugglers&#39; fees for the whole journey" in html or \
        "smugglers' fees for the whole journey" in html
    assert 'class="fees"' in html


def test_a_persons_flow_without_data_asks_for_departures_and_fees_not_surveys() -> None:
    d = _flow_dict(FlowAssessment("smuggled_migrants", None, None), None)
    gaps = [g for s in d["sections"] for g in s["gaps"]]
    assert any("departure estimates" in g for g in gaps)
    assert any("smuggling fees per leg" in g for g in gaps)
    assert not any("prevalence" in g for g in gaps)
