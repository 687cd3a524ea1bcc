"""Adapters for the real published tables: nothing counted twice, nothing lost."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SHARED
from tocta.access.clearance import Clearance
from tocta.ingest.adapters.worldbank import read_wgi_workbook
from tocta.services.demo import DATASETS, adapter_path, ingest_bundled
from tocta.store.engine import Store
from tocta.store.read import read_records


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from tocta.store.engine import open_store

    store = open_store(str(tmp_path_factory.mktemp("demo") / "real.db"))
    ingest_bundled(store, "test")
    return store


def test_bundled_datasets_ingest_with_every_row_accounted_for(demo_store: Store) -> None:
    from tocta.services.sources import list_runs

    runs = {r["source_id"]: r for r in list_runs(demo_store)}
    assert set(runs) == {d.source_id for d in DATASETS}
    for run in runs.values():
        assert run["rows_read"] == run["inserted"] + run["already_present"] + run["quarantined"]
    assert runs["UNODC/WDR2024-seizures"]["rows_read"] == 10_941
    assert runs["UNODC/WDR2024-seizures"]["quarantined"] == 0
    # Price rows without a unit are quarantined, never guessed.
    assert runs["UNODC/WDR2024-prices"]["issues_by_code"]["missing_required"]["count"] == 66
    assert runs["UNODC/WDR2024-prices"]["quarantined"] == 66


def test_unodc_totals_are_flagged_not_added(demo_store: Store) -> None:
    table = pl.from_arrow(read_records(demo_store, "SeizureTotal", Clearance.public()).table)
    assert isinstance(table, pl.DataFrame)
    # A total is a "Total ... (including the above ...)" row, a "(total of the above ...)" row
    # or a "Reported total ..." sub-group — those rows and no others are flagged.
    rule = (pl.col("drug_name").str.starts_with("Total")
            | pl.col("drug_name").str.to_lowercase().str.contains("total of the above")
            | pl.col("drug_subgroup").str.starts_with("Reported total"))
    assert table.filter(rule)["is_total"].all()
    assert not table.filter(~rule)["is_total"].any()
    assert table.filter(pl.col("is_total")).height == 618
    # Algeria 2022: ATS reported as a total only; Mauritius 2022 sedatives likewise.
    dza = table.filter((pl.col("country") == "DZA") & (pl.col("year") == 2022)
                       & pl.col("drug_subgroup").str.starts_with("Reported total ATS"))
    assert dza["is_total"].to_list() == [True]
    assert dza["quantity_canonical"][0] == pytest.approx(2742.59025)


def test_unodc_price_units_are_normalised(demo_store: Store) -> None:
    prices = pl.from_arrow(read_records(demo_store, "PriceObservation", Clearance.public(),
                                        countries=["KAZ"], years=(2019, 2019)).table)
    assert isinstance(prices, pl.DataFrame)
    herb = prices.filter((pl.col("drug_name") == "Marijuana (herb)")
                         & (pl.col("market_level") == "retail"))
    # 10.449 US$ per 10 g = 1,044.9 US$ per kg.
    assert herb["price_per_canonical"][0] == pytest.approx(1044.932, rel=1e-4)
    assert herb["canonical_unit"][0] == "kg"


def test_cites_mirror_quantities_kept_with_iso2_countries(demo_store: Store) -> None:
    trade = pl.from_arrow(read_records(demo_store, "TradeRecord", Clearance.public()).table)
    assert isinstance(trade, pl.DataFrame)
    assert trade.height == 1307
    assert {"PER", "BRA"} <= set(trade["exporter"].to_list())
    assert trade.filter(pl.col("origin").is_not_null()).height > 200  # re-exports


def test_wgi_world_bank_codes_resolve(demo_store: Store) -> None:
    wgi = pl.from_arrow(read_records(demo_store, "Indicator", Clearance.public(),
                                     countries=["ROU", "COD", "TLS", "AND", "PSE", "XKX"]).table)
    assert isinstance(wgi, pl.DataFrame)
    assert set(wgi["country"].unique().to_list()) == {"ROU", "COD", "TLS", "AND", "PSE", "XKX"}
    rol = wgi.filter((pl.col("country") == "ROU") & (pl.col("indicator") == "wgi_rule_of_law")
                     & (pl.col("year") == 2022))
    assert rol.height == 1 and -2.5 < rol["value"][0] < 2.5 and rol["std_error"][0] > 0


@pytest.mark.skipif(not (SHARED / "data").exists(), reason="../shared/data is not beside the "
                    "project: the original WGI workbook is needed for this test")
def test_wgi_workbook_reader_matches_the_shipped_copy() -> None:
    raw = read_wgi_workbook(SHARED / "data" / "wgi-2023-update" / "wgidataset.xlsx")
    shipped = pl.read_csv(adapter_path("wgi_2023_long.csv.gz"), infer_schema=False)
    assert raw.frame.height == shipped.height == 59_410
    # The reader keeps the spreadsheet row of each economy (header rows 14-15, data from 16).
    assert raw.rows.min() == 16
    first = raw.frame.row(0, named=True)
    assert (first["economy"], first["code"]) == ("Aruba", "ABW")
    assert first["indicator"] == "wgi_voice_accountability"


def test_shipped_copies_are_small() -> None:
    base = Path(str(adapter_path("unodc_wdr_seizures.yaml"))).parent / "data"
    total = sum(p.stat().st_size for p in base.iterdir())
    assert total < 2_500_000
