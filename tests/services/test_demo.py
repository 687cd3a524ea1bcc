"""`tocta demo` (what `make demo` runs): real work, real numbers, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tocta.services.demo import run_demo


def test_demo_ingests_real_data_and_is_idempotent(tmp_path: Path) -> None:
    summary = run_demo(tmp_path, "test")
    store = summary["store"]
    assert store["data_kind"] == "real"
    types = store["record_types"]
    assert types["SeizureTotal"]["records"] == 10_941
    assert types["Indicator"]["records"] > 60_000
    assert set(types["SeizureTotal"]["by_tlp"]) == {"CLEAR"}
    top = summary["highlights"]["cocaine_seizures_2022_top10_tonnes"]
    assert top[0]["country"] == "COL" and 500 < top[0]["tonnes"] < 1000
    levels = {r["market_level"]: r for r in summary["highlights"]["cocaine_prices_2022_usd_per_kg"]}
    # Retail cocaine is dearer than wholesale (UNODC WDR 2024 prices, current US$ per kg).
    assert levels["retail"]["median_usd_per_kg"] > levels["wholesale"]["median_usd_per_kg"]
    markets = summary["markets"]
    assert {m["commodity"] for m in markets} == {"cocaine_type", "heroin"}
    assert len({m["region"] for m in markets}) >= 2
    for m in markets:
        assert m["volume"]["low"] < m["volume"]["median"] < m["volume"]["high"]
        assert m["synthetic"] is False and m["tlp"] == "CLEAR"
        assert any("supply side" in x for x in m["missing_inputs"])  # no production bundled
        assert {v["price_level"] for v in m["values"]} == {"retail", "wholesale_destination"}
    europe = next(m for m in markets if m["commodity"] == "cocaine_type"
                  and m["region"] == "Western and Central Europe")
    # UNODC put West and Central Europe's cocaine consumption at about 124 t pure (WDR 2010,
    # for 2008); the demand side with cited defaults must land within a factor of two of it
    assert 62_000 < europe["volume"]["median"] < 250_000
    written = json.loads((tmp_path / "summary.json").read_text())
    assert len(json.loads((tmp_path / "markets.json").read_text())) == len(markets)
    assert written["store"]["record_types"]["TradeRecord"]["records"] == 1307
    # two reports from two separate stores: real (no SYNTHETIC anywhere) and synthetic
    reports = summary["reports"]
    real, syn = reports["real"], reports["synthetic"]
    assert real["synthetic"] is False and syn["synthetic"] is True
    assert real["files"]["report"] != syn["files"]["report"]
    real_html = Path(real["files"]["report"]).read_text(encoding="utf-8")
    syn_html = Path(syn["files"]["report"]).read_text(encoding="utf-8")
    assert "SYNTHETIC" not in real_html and real["tlp"] == "CLEAR"
    assert syn_html.count('class="banner synthetic"') == 1 and "SYNTHETIC DATA" in syn_html
    assert {r["commodity"] for r in real["ranking"]} >= {"cocaine_type", "heroin"}
    # public data cannot fill every section, and the real report says so plainly
    assert "No data answered this question" in real_html
    syn_data = json.loads(Path(syn["files"]["json"]).read_text(encoding="utf-8"))
    assert {f["commodity"] for f in syn_data["flows"]} == {"cocaine_type", "smuggled_migrants"}
    assert (tmp_path / "synthetic" / "tocta-synthetic.db").exists()
    from tocta.store.engine import open_store

    syn_store = open_store(str(tmp_path / "synthetic" / "tocta-synthetic.db"))
    assert syn_store.get_meta("data_kind") == "synthetic"
    syn_store.dispose()
    again = run_demo(tmp_path, "test", reports=False)
    assert all(r["inserted"] == 0 for r in again["runs"])
    assert sum(r["already_present"] for r in again["runs"]) == sum(
        r["inserted"] for r in summary["runs"])


def test_demo_refuses_to_mix_with_synthetic_data(tmp_path: Path) -> None:
    from tests.conftest import seizure, write_csv
    from tocta.errors import ConfigError
    from tocta.services.ingest import IngestOptions, ingest_files
    from tocta.services.sources import add_source
    from tocta.store.engine import open_store

    store = open_store(str(tmp_path / "tocta-real.db"))
    add_source(store, "SIM/world-1", grade="admiralty:B2", tlp="CLEAR", synthetic=True)
    ingest_files(store, [write_csv(tmp_path / "s.csv", [seizure()])],
                 IngestOptions(record_type="Seizure", source_id="SIM/world-1"))
    store.dispose()
    with pytest.raises(ConfigError, match="never share a store"):
        run_demo(tmp_path, "test")
