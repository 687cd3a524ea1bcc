"""People and trade flows read from a store through clearance, labelled with what they used."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.conftest import write_csv
from tocta.access.clearance import Clearance
from tocta.errors import NotFoundError
from tocta.services.demo import adapter_path
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.otherflows import people_flows, trade_flows
from tocta.services.simulate import ingest_world
from tocta.services.sources import add_source
from tocta.simulate.run import simulate_world
from tocta.simulate.scenario import load_scenario
from tocta.store.engine import Store, open_store


def victims(citizenship: str, detection: str, count: int, **fields: Any) -> dict[str, Any]:
    """A VictimCount submission row, names as an agency writes them."""
    row = {"year": "2020", "country_detection": detection, "citizenship": citizenship,
           "commodity": "trafficking in persons", "sex": "all", "age_group": "all",
           "exploitation": "sexual exploitation", "count": str(count)}
    return row | fields


@pytest.fixture
def detections(store: Store, tmp_path: Path) -> Store:
    """Italy's police (AMBER) and a CLEAR NGO report detected victims."""
    add_source(store, "POL-ITA/victims", grade="admiralty:B2", tlp="AMBER")
    add_source(store, "NGO/victims", grade="admiralty:C3", tlp="CLEAR")
    ingest_files(store, [write_csv(tmp_path / "ita.csv", [
        victims("Nigeria", "Italy", 30), victims("Romania", "Italy", 10),
        victims("Italy", "Italy", 8, sex="female", age_group="adult"),
        victims("Italy", "Italy", 2, sex="female", age_group="child"),
        victims("Syria", "Italy", 70, commodity="smuggling of migrants",
                exploitation="not applicable"),
    ])], IngestOptions(record_type="VictimCount", source_id="POL-ITA/victims"))
    ingest_files(store, [write_csv(tmp_path / "ngo.csv", [
        victims("NGA", "ESP", 5, year="2021", commodity="tip_sexual_exploitation"),
    ])], IngestOptions(record_type="VictimCount", source_id="NGO/victims"))
    return store


def test_people_flows_through_clearance(detections: Store) -> None:
    police = people_flows(detections, Clearance(agency="POL-ITA"),
                          commodity="trafficking_in_persons")
    edges = {(r["from_iso3"], r["to_iso3"]): r for r in police.edges.iter_rows(named=True)}
    assert set(edges) == {("NGA", "ITA"), ("ROU", "ITA"), ("ITA", "ITA"), ("NGA", "ESP")}
    assert edges[("NGA", "ITA")]["share"] == pytest.approx(0.6)
    assert edges[("ITA", "ITA")]["scope"] == "domestic"
    assert edges[("ITA", "ITA")]["female_share"] == 1.0
    assert edges[("ITA", "ITA")]["child_share"] == pytest.approx(0.2)
    assert edges[("NGA", "ESP")]["period"] == "2021"  # the NGO's form rolled up
    assert police.tlp == "AMBER" and police.inputs.records == 5
    assert police.inputs.sources == ("NGO/victims", "POL-ITA/victims")
    assert police.inputs.countries_reporting == ("ESP", "ITA")
    public = people_flows(detections, Clearance.public(), commodity="trafficking_in_persons")
    assert public.edges.select("from_iso3", "to_iso3").rows() == [("NGA", "ESP")]
    assert public.tlp == "CLEAR" and public.inputs.withheld_rows == 5
    assert "5 rows withheld" in public.explain()


def test_region_keeps_flows_touching_it_with_shares_of_the_whole(detections: Store) -> None:
    result = people_flows(detections, Clearance(agency="POL-ITA"), region="Western Africa",
                          commodity="trafficking_in_persons", years=(2020, 2020))
    assert result.edges.select("from_iso3", "to_iso3", "share").rows() == [
        ("NGA", "ITA", pytest.approx(0.6))]
    assert result.params.region == "Western Africa"
    assert "flows with either end in it" in result.explain()
    smuggling = people_flows(detections, Clearance(agency="POL-ITA"), commodity="smuggled_migrants")
    assert smuggling.edges["victims"].to_list() == [70]
    with pytest.raises(NotFoundError):
        people_flows(detections, Clearance.full(), region="Atlantis")


def _cites_pair(exporter: str, importer: str, term: str, units: tuple[str, ...]
                ) -> tuple[float, float]:
    """Independent sums from the raw CITES file: importer- and exporter-reported quantities."""
    imp = exp = 0.0
    with gzip.open(adapter_path("cites_arapaima_2023-05-25.csv.gz"), "rt",
                   encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row["Exporter"], row["Importer"], row["Term"]) == (exporter, importer, term) \
                    and row["Unit"] in units:
                imp += float(row["Importer reported quantity"] or 0)
                exp += float(row["Exporter reported quantity"] or 0)
    return imp, exp


def test_trade_flows_from_the_cites_extract(sqlite_store: Store) -> None:
    add_source(sqlite_store, "CITES/comptab-arapaima", grade="admiralty:B2", tlp="CLEAR")
    ingest_files(sqlite_store, [adapter_path("cites_arapaima_2023-05-25.csv.gz")], IngestOptions(
        record_type="TradeRecord", source_id="CITES/comptab-arapaima",
        mapping=adapter_path("cites_comptab.yaml")))
    result = trade_flows(sqlite_store, Clearance.public(), commodity="arapaima",
                         region="South America", years=(2001, 2021))
    pairs = result.mirror.filter((pl.col("exporter_iso3") == "PER")
                                 & (pl.col("importer_iso3") == "USA") & (pl.col("term") == "live"))
    # CITES leaves the unit empty for specimens and sometimes writes it out: one unit.
    for unit, raw in (("specimens", ("", "Number of specimens")), ("kg", ("kg",))):
        pair = pairs.filter(pl.col("unit") == unit)
        imp, exp = _cites_pair("PE", "US", "live", raw)
        assert pair["quantity_importer"].sum() == pytest.approx(imp)
        assert pair["quantity_exporter"].sum() == pytest.approx(exp)
    # Every pair kept touches South America; no pair mixes units.
    south = {"ARG", "BOL", "BRA", "CHL", "COL", "ECU", "GUY", "PER", "PRY", "SUR", "URY", "VEN",
             "FLK", "GUF", "SGS", "BVT"}
    assert all(e in south or i in south for e, i in result.mirror.select(
        "exporter_iso3", "importer_iso3").iter_rows())
    assert result.mirror.group_by(["exporter_iso3", "importer_iso3", "commodity", "period",
                                   "term", "unit"]).len()["len"].max() == 1
    assert result.tlp == "CLEAR" and result.inputs.sources == ("CITES/comptab-arapaima",)
    assert result.mirror["one_sided"].any()  # the CITES mirror has one-sided pairs


@pytest.mark.slow
def test_people_flows_recover_the_simulated_detections(tmp_path: Path) -> None:
    world = tmp_path / "w"
    simulate_world(load_scenario("people-smuggling-mediterranean"), 1, world, scale=0.3,
                   actors=False)
    store = open_store(str(tmp_path / "sim.db"))
    ingest_world(store, world)
    result = people_flows(store, Clearance.full(), commodity="smuggled_migrants")
    # Truth: persons intercepted, by origin (the path's producer) and intercepting country.
    paths = pl.read_parquet(world / "truth" / "paths.parquet").select(
        "year", "commodity", "path_id", "producer").unique()
    truth = (pl.read_parquet(world / "truth" / "nodes.parquet").filter(pl.col("seized") > 0)
             .join(paths, on=["year", "commodity", "path_id"])
             .group_by(period=pl.col("year").cast(pl.String), from_iso3="producer",
                       to_iso3="country").agg(pl.col("seized").sum()))
    both = result.edges.join(truth, on=["period", "from_iso3", "to_iso3"])
    assert both.height == result.edges.height  # no flow the world did not have
    # Agencies leave out whole origins at random (reporting rate), so the truth's shares are
    # taken over the origins each country reported; the rest is counting noise and the
    # planted bad rows. Tolerances: mean absolute error 0.03, 90% intervals cover >= 75%.
    both = both.with_columns(true_share=pl.col("seized") / pl.col("seized").sum().over(
        ["period", "to_iso3"]))
    assert (both["share"] - both["true_share"]).abs().mean() < 0.03  # type: ignore[operator]
    covered = (both["share_low"] <= both["true_share"]) & (both["true_share"] <= both["share_high"])
    assert covered.mean() >= 0.75  # type: ignore[operator]
    assert "DETECTION EFFORT" in result.explain()


def test_cli_flows_victims_prints_and_writes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tocta.cli.main import app
    from tocta.store.engine import open_store

    db = tmp_path / "victims.db"
    store = open_store(str(db))
    add_source(store, "POL-ITA/victims", grade="admiralty:B2", tlp="AMBER")
    ingest_files(store, [write_csv(tmp_path / "ita.csv", [
        victims("Nigeria", "Italy", 30), victims("Romania", "Italy", 10)])],
        IngestOptions(record_type="VictimCount", source_id="POL-ITA/victims"))
    store.dispose()
    result = CliRunner().invoke(app, ["flows", "victims", "--db", str(db), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "detection effort" in result.output
    edges = pl.read_csv(tmp_path / "out" / "victims_edges.csv")
    assert set(edges["from_iso3"]) == {"NGA", "ROU"} and set(edges["to_iso3"]) == {"ITA"}
    assert (tmp_path / "out" / "victims_flow_map.html").exists()
