"""Value chain, prices in constant US$, gap filling, trends and laundering destinations."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tocta.analytics import montecarlo as mc
from tocta.analytics.laundering import distance_km, laundering_destinations
from tocta.analytics.prices import REGION_FILL_FACTOR, chain_level, constant_prices, price_at, trend
from tocta.analytics.valuechain import ChainNode, value_chain
from tocta.reference.money import cpi


def test_segment_profits_and_shares_of_the_final_value() -> None:
    volume = np.full(1000, 100.0)
    chain = [ChainNode("COL", "export", mc.point(2_000.0)),
             ChainNode("ESP", "wholesale_destination", mc.point(35_000.0)),
             ChainNode("ESP", "retail", mc.point(60_000.0), mc.point(0.5))]
    vc = value_chain(volume, chain, price_year=2021)
    values = [float(np.median(n.value)) for n in vc.nodes]
    assert values == pytest.approx([200_000, 3_500_000, 12_000_000])
    profits = [float(np.median(s.profit)) for s in vc.segments]
    assert profits == pytest.approx([3_300_000, 8_500_000])
    shares = {k: float(np.median(v)) for k, v in vc.shares.items()}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["domestic distributors"] == pytest.approx(8.5 / 12)
    d = vc.to_dict()
    assert d["segments"][0]["price_level"] == "gross profit export -> wholesale_destination"


def test_seizures_on_a_segment_gross_up_the_volume_upstream() -> None:
    chain = [ChainNode("GNB", "wholesale_transit", mc.point(15_000.0), seized_share=0.2),
             ChainNode("ESP", "retail", mc.point(60_000.0))]
    vc = value_chain(np.full(10, 80.0), chain, price_year=2021)
    assert float(np.median(vc.nodes[0].volume)) == pytest.approx(80.0)     # leaving, after
    assert vc.nodes[0].value[0] == pytest.approx(80 * 15_000)


def test_levels_must_follow_the_chain() -> None:
    with pytest.raises(ValueError, match="subsequence"):
        value_chain(np.ones(3), [ChainNode("A", "retail", mc.point(1.0)),
                                 ChainNode("B", "export", mc.point(1.0))], price_year=2021)


def _prices() -> pl.DataFrame:
    return pl.DataFrame({
        "country": ["ESP", "ESP", "FRA", "PRT", "BRA"],
        "year": [2019, 2021, 2021, 2021, 2021],
        "commodity": ["cocaine_hcl"] * 5,
        "market_level": ["retail"] * 4 + ["wholesale"],
        "price_per_canonical": [60_000.0, 70_000.0, 80_000.0, None, 5_000.0],
        "price_unit": ["g", "g", "g", "Packet", "kg"],
        "source_file": ["p.csv"] * 5, "source_row": [2, 3, 4, 5, 6]})


def test_prices_in_constant_dollars_and_unconvertible_units_are_issues() -> None:
    usable, issues = constant_prices(_prices(), 2021)
    assert issues.select("issue", "source_row", "value").row(0) == (
        "unit_not_convertible", 5, "Packet")
    esp19 = usable.filter(pl.col("country") == "ESP", pl.col("year") == 2019)["price"][0]
    assert esp19 == pytest.approx(60_000 * cpi(2021) / cpi(2019))


def test_gap_filling_order_and_widened_ranges() -> None:
    usable, _ = constant_prices(_prices(), 2021)
    assert price_at(usable, "ESP", "retail", 2021).fill == "observed"
    assert price_at(usable, "ESP", "retail", 2020).fill == "nearest_year:2019"
    ita = price_at(usable, "ITA", "retail", 2021)
    assert ita.fill == "region:Southern Europe"          # ESP's 2021 price (same sub-region)
    assert ita.high / ita.low == pytest.approx(REGION_FILL_FACTOR ** 2)
    assert price_at(usable, "JPN", "retail", 2021).fill == "world"
    assert chain_level("wholesale", "producer") == "wholesale_origin"


def test_a_transit_and_a_destination_wholesale_price_under_one_label_are_told_apart() -> None:
    # GBR reports plain "wholesale" prices of two levels over the years: ~13k (transit
    # consignments) and ~45k (its own wholesale market); ESP reports one level only
    rows = [("GBR", 2019, 44_000.0), ("GBR", 2020, 12_500.0), ("GBR", 2021, 13_000.0),
            ("GBR", 2022, 47_000.0), ("ESP", 2020, 30_000.0), ("ESP", 2021, 36_000.0)]
    frame = pl.DataFrame({
        "country": [r[0] for r in rows], "year": [r[1] for r in rows],
        "commodity": ["cocaine_hcl"] * len(rows), "market_level": ["wholesale"] * len(rows),
        "price_per_canonical": [r[2] for r in rows], "price_unit": ["kg"] * len(rows),
        "source_file": ["p.csv"] * len(rows), "source_row": list(range(2, 2 + len(rows)))})
    usable, _ = constant_prices(frame, 2021)
    levels = ["wholesale", "wholesale_destination", "wholesale_transit"]
    dest = price_at(usable, "GBR", "wholesale_destination", 2021, levels=levels)
    transit = price_at(usable, "GBR", "wholesale_transit", 2021, levels=levels)
    assert dest is not None and transit is not None
    assert dest.price > 40_000 and dest.fill.startswith("nearest_year")   # 2021 was transit
    assert transit.price == pytest.approx(13_000.0) and transit.fill == "observed"
    esp = price_at(usable, "ESP", "wholesale_destination", 2021, levels=levels)
    assert esp is not None and esp.price == pytest.approx(36_000.0)      # one level: kept


def test_trend_test_finds_a_steady_rise_and_not_noise() -> None:
    up = trend("price", "ESP", "retail", range(2015, 2022), [100 * 1.1**i for i in range(7)])
    assert up.significant and up.trend_pct_per_year == pytest.approx(10.0, rel=0.01)
    assert up.change_pct == pytest.approx(10.0)
    flat = trend("price", "ESP", "retail", range(2015, 2022), [100, 104, 97, 101, 99, 103, 98])
    assert not flat.significant


def test_laundering_gravity_prefers_near_and_attractive_destinations() -> None:
    proceeds = np.full(100, 1e9)
    share = np.full(100, 0.75)
    wgi = {"regulatory_quality": {"ESP": 0.8, "PRT": 0.8, "NLD": 1.7, "AUS": 1.7}}
    est = laundering_destinations("ESP", proceeds, share, wgi, price_level="retail")
    by = {d.country: d.share for d in est.destinations}
    assert sum(by.values()) == pytest.approx(1.0)
    assert by["NLD"] > by["AUS"]                      # same score, far away
    assert float(np.median(est.available)) == pytest.approx(7.5e8)
    assert distance_km("ESP", "PRT") < distance_km("ESP", "NLD")
    assert "not a measurement" in est.explain()
