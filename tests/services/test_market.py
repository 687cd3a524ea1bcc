"""A market sized from a store: the sides, values, clearance labels and the missing inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import write_csv
from tocta.access.clearance import Clearance
from tocta.cli.main import app
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.market import size_market
from tocta.services.sources import add_source
from tocta.store.engine import Store


def prevalence(country: str, value: float, year: str = "2021") -> dict[str, str]:
    return {"year": year, "country": country, "commodity": "cocaine", "value": str(value),
            "measure": "annual prevalence", "unit": "percent", "age_range": "15-64"}


@pytest.fixture
def market_store(store: Store, tmp_path: Path) -> Store:
    return fill(store, tmp_path)


@pytest.fixture
def market_sqlite(sqlite_store: Store, tmp_path: Path) -> Store:
    return fill(sqlite_store, tmp_path)


def fill(store: Store, tmp_path: Path) -> Store:
    """Prevalence, population, prices (one unconvertible unit) and AMBER police seizures."""
    add_source(store, "UNODC/test", grade="admiralty:B2", tlp="CLEAR")
    add_source(store, "POL-ESP/seizures", grade="admiralty:C3", tlp="AMBER")
    opts = {"source_id": "UNODC/test"}
    ingest_files(store, [write_csv(tmp_path / "prev.csv", [
        prevalence("ESP", 2.5), prevalence("PRT", 0.5), prevalence("FRA", 1.6, "2019")])],
        IngestOptions(record_type="MarketEstimate", **opts))
    ingest_files(store, [write_csv(tmp_path / "pop.csv", [
        {"country": c, "year": "2021", "indicator": "population_total", "value": str(v),
         "unit": "persons"} for c, v in (("ESP", 47e6), ("PRT", 10.3e6), ("FRA", 67.7e6),
                                         ("ITA", 59e6))])],
        IngestOptions(record_type="Indicator", **opts))
    ingest_files(store, [write_csv(tmp_path / "prices.csv", [
        {"date": "2021", "country": c, "commodity": "cocaine", "market_level": lvl,
         "price_typical": str(p), "currency": "USD", "price_unit": u}
        for c, lvl, p, u in (("ESP", "retail", 60, "g"), ("ESP", "wholesale", 33000, "kg"),
                             ("PRT", "retail", 50, "10 g"), ("FRA", "retail", 70, "g"),
                             ("ITA", "retail", 80, "g"),
                             ("FRA", "retail", 9, "Packet"))])],
        IngestOptions(record_type="PriceObservation", **opts))
    ingest_files(store, [write_csv(tmp_path / "seized.csv", [
        {"year": "2021", "country": "ESP", "commodity": "cocaine", "quantity": "30000",
         "unit": "kg"}])], IngestOptions(record_type="SeizureTotal",
                                         source_id="POL-ESP/seizures"))
    return store


def test_market_sized_with_sides_values_and_gaps(market_store: Store) -> None:
    r = size_market(market_store, Clearance(unrestricted=True), commodity="cocaine",
                    region="Southern Europe", year=2021, draws=4000)
    assert r.commodity == "cocaine_type" and "ITA" in r.countries
    sides = {s.side: s for s in r.volume.sides}
    assert set(sides) == {"demand", "seizure"}
    demand = sides["demand"]
    assert set(demand.by_country) >= {"ESP", "PRT", "ITA"}      # ITA imputed from its peers
    # GRC: no survey and no retail price, so no evidence of a consumer market: left out, said
    assert "GRC" not in demand.by_country
    assert any(m.startswith("GRC:") and "no evidence of a consumer market" in m
               for m in r.missing)
    # ESP: 2.5% x 47e6 x share 15-64 (~0.65) x ~28 g -> ~21 t pure
    assert 12_000 < float(np.median(demand.by_country["ESP"])) < 35_000
    assert any(m.startswith("ITA:") and "imputed" in m for m in r.missing)
    assert any("supply side" in m for m in r.missing)
    levels = {v.price_level for v in r.values}
    assert levels == {"retail", "wholesale_destination"}
    retail = next(v for v in r.values if v.price_level == "retail")
    assert {p.country for p in retail.prices if not p.is_filled} >= {"ESP", "PRT"}
    assert r.tlp == "AMBER" and r.grade == "C3"                   # strictest, weakest inputs
    d = r.to_dict()
    assert "cocaine_consumption_per_user" in d["defaults_used"]
    assert d["values"][0]["currency"].startswith("constant ")
    assert any("Packet" in i for i in d["issues"])
    assert r.laundering is not None and r.laundering.destinations


def test_route_ends_are_consumer_evidence_when_the_caller_passes_them(
        market_sqlite: Store) -> None:
    args = {"commodity": "cocaine", "region": "Southern Europe", "year": 2021, "draws": 2000}
    plain = size_market(market_sqlite, Clearance(unrestricted=True), **args)
    routed = size_market(market_sqlite, Clearance(unrestricted=True), **args,
                         route_ends=("GRC",))
    demand = {s.side: s for s in routed.volume.sides}["demand"]
    assert "GRC" not in {s.side: s for s in plain.volume.sides}["demand"].by_country
    assert "GRC" in demand.by_country                # imputed from its surveyed peers
    assert any(n.startswith("GRC:") and "estimated routes deliver there" in n
               for n in routed.notes)
    assert float(np.median(routed.volume.draws)) > float(np.median(plain.volume.draws))


def test_reader_without_clearance_gets_no_seizure_side(market_store: Store) -> None:
    r = size_market(market_store, Clearance(tlp_ceiling="CLEAR"), commodity="cocaine",
                    region="Southern Europe", year=2021, draws=2000)
    assert {s.side for s in r.volume.sides} == {"demand"}
    assert r.tlp == "CLEAR"
    assert any("no seizures" in m for m in r.missing)


def test_market_cli_json(market_sqlite: Store) -> None:
    db = ["--db", market_sqlite.url]
    res = CliRunner().invoke(app, ["market", "--commodity", "cocaine", "--region", "ESP",
                                   "--year", "2021", "--draws", "2000", "--json", *db])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["countries"] == ["ESP"] and data["volume"]["median"] > 0
    text = CliRunner().invoke(app, ["market", "--commodity", "heroin", "--region", "ESP",
                                    "--year", "2021", "--draws", "2000", *db])
    assert text.exit_code == 0 and "missing" in text.output


def test_supply_side_from_cultivation_times_a_cited_yield(market_sqlite: Store,
                                                          tmp_path: Path) -> None:
    ingest_files(market_sqlite, [write_csv(tmp_path / "coca.csv", [
        {"year": "2021", "country": "COL", "commodity": "coca bush", "measure": "cultivation",
         "value": "143000", "unit": "ha"}])],
        IngestOptions(record_type="MarketEstimate", source_id="UNODC/test"))
    r = size_market(market_sqlite, Clearance(unrestricted=True), commodity="cocaine",
                    region="Southern Europe", year=2021, draws=2000)
    note = next(n for n in r.notes if n.startswith("world supply side"))
    # 143,000 ha x 8.6 kg/ha = 1,230 t, less ~6% losses and 30 t seized: ~1,130 t
    world = float(note.split(": ")[1].split(" kg")[0].replace(",", ""))
    assert 1_000_000 < world < 1_250_000
    assert not any("supply side" in m for m in r.missing)
