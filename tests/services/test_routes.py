"""Routes through the store: clearance, de-duplication, both backends, both engines, CLI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.conftest import IN_CI, seizure, write_csv
from tocta.access.clearance import Clearance
from tocta.cli.main import app
from tocta.errors import UsageError
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.routes import route_classes, route_flows
from tocta.services.sources import add_source
from tocta.store.engine import Store


def _events(country: str, n: int, year: int, **fields: str) -> list[dict[str, str]]:
    return [seizure(country=country, date=f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    quantity=f"{10 + i}.5", **fields) for i in range(n)]


def fill(store: Store, tmp_path: Path) -> Store:
    """Senegal's police (AMBER) and Spain's customs (CLEAR) report cocaine seizures.

    Senegal's customs (GREEN) re-report three of its police's events: one event, two
    agencies, counted once.
    """
    add_source(store, "POL-SEN/seizures", grade="admiralty:B2", tlp="AMBER",
               owner_agency="POL-SEN")
    add_source(store, "CUS-SEN/seizures", grade="admiralty:B3", tlp="GREEN",
               owner_agency="CUS-SEN")
    add_source(store, "CUS-ESP/seizures", grade="admiralty:A2", tlp="CLEAR",
               owner_agency="CUS-ESP")
    sen = []
    esp = []
    for year in (2018, 2019, 2020):
        sen += _events("Senegal", 12, year, origin="Colombia", transit="", destination="Spain")
        esp += _events("Spain", 20, year, origin="Colombia", transit="Senegal", destination="")
        esp += _events("Spain", 6, year, origin="Brazil", transit="", destination="")
    ingest_files(store, [write_csv(tmp_path / "sen.csv", sen)],
                 IngestOptions(record_type="Seizure", source_id="POL-SEN/seizures"))
    ingest_files(store, [write_csv(tmp_path / "sen-cus.csv", sen[:3])],
                 IngestOptions(record_type="Seizure", source_id="CUS-SEN/seizures"))
    ingest_files(store, [write_csv(tmp_path / "esp.csv", esp)],
                 IngestOptions(record_type="Seizure", source_id="CUS-ESP/seizures"))
    return store


@pytest.fixture
def seizures(store: Store, tmp_path: Path) -> Store:
    return fill(store, tmp_path)


def test_duplicates_across_agencies_count_once(seizures: Store) -> None:
    classes, _, facts = route_classes(seizures, Clearance.full(), "cocaine_type")
    assert facts["duplicates"] == 3
    assert int(classes["records"].sum()) == 36 + 78  # 3 re-reported events not counted twice
    assert facts["tlp"] == "AMBER"


def test_the_reader_sees_only_what_it_may(seizures: Store) -> None:
    full = route_flows(seizures, Clearance.full(), commodity="cocaine", replicates=5)
    public = route_flows(seizures, Clearance.public(), commodity="cocaine", replicates=5)
    assert full.inputs.tlp == "AMBER" and public.inputs.tlp == "CLEAR"
    assert public.inputs.countries_reporting == ("ESP",)
    assert public.inputs.records == 78 and public.inputs.withheld_rows == 39
    assert set(full.inputs.sources) == {"POL-SEN/seizures", "CUS-SEN/seizures",
                                        "CUS-ESP/seizures"}
    # Spain's records say the goods came through Senegal: the leg exists for both readers.
    for est in (full, public):
        legs = set(zip(est.edges["from_iso3"], est.edges["to_iso3"], strict=True))
        assert ("COL", "SEN") in legs and ("SEN", "ESP") in legs


def test_region_limits_what_is_shown_not_what_is_fitted(seizures: Store) -> None:
    every = route_flows(seizures, Clearance.full(), commodity="cocaine", replicates=5)
    wa = route_flows(seizures, Clearance.full(), commodity="cocaine", region="West Africa",
                     replicates=5)
    assert set(wa.edges["from_iso3"]) | set(wa.edges["to_iso3"]) >= {"SEN"}
    assert ("BRA", "ESP") not in set(zip(wa.edges["from_iso3"], wa.edges["to_iso3"],
                                         strict=True))
    shared = every.edges.join(wa.edges, on=["from_iso3", "to_iso3"], suffix="_wa")
    assert (shared["share"] - shared["share_wa"]).abs().max() < 1e-12  # same fit


def test_no_records_is_an_error_that_says_what_to_do(seizures: Store) -> None:
    with pytest.raises(UsageError, match="ingest seizure records or widen --years"):
        route_flows(seizures, Clearance.full(), commodity="heroin")
    with pytest.raises(UsageError, match="unknown commodity"):
        route_flows(seizures, Clearance.full(), commodity="unobtainium")


def test_cli_prints_routes_and_writes_tables_and_figures(sqlite_store: Store,
                                                         tmp_path: Path) -> None:
    fill(sqlite_store, tmp_path)
    out = tmp_path / "routes"
    result = CliRunner().invoke(app, ["routes", "--commodity", "cocaine", "--db",
                                      str(tmp_path / "store.db"), "--years", "2018-2020",
                                      "--out", str(out), "--replicates", "5"])
    assert result.exit_code == 0, result.output
    assert "Main routes" in result.output and "Hubs" in result.output
    edges = pl.read_csv(out / "cocaine_type_2018-2020_edges.csv")
    assert {"from_iso3", "to_iso3", "share", "share_low", "share_high", "method", "period",
            "tlp", "records_used", "worst_reliability_rank", "synthetic"} <= set(edges.columns)
    assert set(edges["tlp"]) == {"AMBER"} and not edges["synthetic"].any()
    for name in ("flow_map", "transit_map", "sankey", "naive_vs_corrected"):
        html = (out / f"cocaine_type_2018-2020_{name}.html").read_text(encoding="utf-8")
        assert "PlotlyGeoAssets" in html and "SYNTHETIC" not in html
    bad = CliRunner().invoke(app, ["routes", "--commodity", "cocaine", "--db",
                                   str(tmp_path / "store.db"), "--years", "twenty"])
    assert isinstance(bad.exception, UsageError) and "2015-2020" in str(bad.exception)


def _spark_ready() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.mark.slow
def test_spark_and_duckdb_give_the_same_classes_and_edges(sqlite_store: Store,
                                                          tmp_path: Path) -> None:
    if not _spark_ready():
        if IN_CI:
            pytest.fail("CI=true but pyspark or Java is missing: the Spark engine must be tested")
        pytest.skip("pyspark or Java not available")
    fill(sqlite_store, tmp_path)
    reader = Clearance(tlp_ceiling="GREEN", handling=frozenset())
    duck, _, duck_facts = route_classes(sqlite_store, reader, "cocaine_type", engine="duckdb")
    spark, _, spark_facts = route_classes(sqlite_store, reader, "cocaine_type", engine="spark")
    keys = ["year", "country", "origin", "transit", "destination", "mode"]
    assert duck.sort(keys, nulls_last=True).equals(
        spark.select(duck.columns).cast(duck.schema).sort(keys, nulls_last=True))
    assert duck_facts == spark_facts
    a = route_flows(sqlite_store, reader, commodity="cocaine", engine="duckdb", replicates=5)
    b = route_flows(sqlite_store, reader, commodity="cocaine", engine="spark", replicates=5)
    cols = ["from_iso3", "to_iso3", "share", "share_low", "share_high"]
    assert a.edges.select(cols).equals(b.edges.select(cols))
