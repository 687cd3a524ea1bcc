"""The share of a destination market's supply that crosses or leaves a region, from path refits."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tocta.analytics.outbound import crosses, outbound_shares

MARKET = {"ESP": "Southern Europe", "ITA": "Southern Europe", "GBR": "Northern Europe",
          "NGA": "Western Africa"}


def paths(rows: list[tuple[str, float, list[float]]]) -> pl.DataFrame:
    return pl.DataFrame({"path": [p.split(">") for p, _, _ in rows],
                         "share": [s for _, s, _ in rows], "draws": [d for _, _, d in rows]},
                        schema={"path": pl.List(pl.Utf8), "share": pl.Float64,
                                "draws": pl.List(pl.Float64)})


def test_crosses_means_through_or_out_of_the_region_and_ending_outside() -> None:
    region = {"GNB", "SEN", "NGA"}
    assert crosses(["COL", "GNB", "ESP"], region)
    assert crosses(["NGA", "ESP"], region)                 # leaves the region
    assert not crosses(["COL", "GNB", "NGA"], region)      # ends in the region: its market
    assert not crosses(["COL", "ESP"], region)


def test_shares_per_market_and_their_interval_come_from_the_refits() -> None:
    df = paths([
        ("COL>GNB>ESP", 0.30, [0.20, 0.30, 0.40]),
        ("COL>ESP", 0.10, [0.20, 0.10, 0.00]),             # moves against the route above
        ("COL>SEN>ITA", 0.10, [0.10, 0.10, 0.10]),
        ("COL>SEN>GBR", 0.20, [0.20, 0.20, 0.20]),
        ("COL>GBR", 0.20, [0.20, 0.20, 0.20]),
        ("COL>GNB>NGA", 0.10, [0.10, 0.10, 0.10]),         # into the region: not outbound
    ])
    got = {s.market: s for s in outbound_shares(df, {"GNB", "SEN", "NGA"}, MARKET.get)}
    assert set(got) == {"Southern Europe", "Northern Europe"}
    south, north = got["Southern Europe"], got["Northern Europe"]
    assert south.share == pytest.approx(0.4 / 0.5)
    assert south.destinations == ("ESP", "ITA")
    assert np.allclose(south.draws, [0.6, 0.8, 1.0])      # per refit, not per-path bounds
    assert north.share == pytest.approx(0.5)
    assert south.of_outbound == pytest.approx(0.4 / 0.6)
    assert north.of_outbound == pytest.approx(0.2 / 0.6)
    s = south.sample(1000, 0, model_error=0.0)
    assert set(np.round(s, 6)) <= {0.6, 0.8, 1.0}
    wide = north.sample(4000, 0)                          # + the route model's error
    assert wide.min() > 0 and wide.max() < 1
    assert np.median(wide) == pytest.approx(0.5, abs=0.03)
    assert np.percentile(wide, 95) - np.percentile(wide, 5) > 0.3


def test_no_path_leaves_the_region_gives_nothing() -> None:
    df = paths([("COL>ESP", 1.0, [1.0])])
    assert outbound_shares(df, {"GNB"}, MARKET.get) == []


def test_shares_of_the_whole_flow_for_a_supply_side_total() -> None:
    df = paths([
        ("SYR>TUR>GRC>DEU", 0.40, [0.30, 0.40, 0.50]),
        ("NGA>NER>LBY>ITA", 0.30, [0.40, 0.30, 0.20]),
        ("GIN>MLI>DZA>MAR>ESP", 0.02, [0.02, 0.02, 0.02]),
        ("AFG>IRN>TUR>GRC", 0.28, [0.28, 0.28, 0.28]),
    ])
    market = {"DEU": "Western Europe", "ITA": "Southern Europe", "ESP": "Southern Europe",
              "GRC": "Southern Europe"}.get
    region = {"NGA", "NER", "GIN", "MLI"}
    default = outbound_shares(df, region, market)
    assert [s.share for s in default] == [pytest.approx(0.32 / 0.60)]   # of the market
    got = outbound_shares(df, region, market, of_all=True)
    assert len(got) == 1 and got[0].market == "Southern Europe"
    assert got[0].share == pytest.approx(0.32)                          # of every path
    assert np.allclose(got[0].draws, [0.42, 0.32, 0.22])
    assert got[0].destinations == ("ESP", "ITA")
    # a small market is kept when asked (a sum over shares costs nothing)
    df2 = df.with_columns(pl.when(pl.col("share") == 0.02).then(pl.lit(["GIN", "MLI", "FRA"]))
                          .otherwise(pl.col("path")).alias("path"))
    market2 = {"DEU": "Western Europe", "ITA": "Southern Europe", "FRA": "Western Europe"}.get
    few = outbound_shares(df2, region, market2, of_all=True)
    assert {s.market for s in few} == {"Southern Europe", "Western Europe"}
    none = outbound_shares(df2, region, market2, of_all=True, min_part=0.1)
    assert {s.market for s in none} == {"Southern Europe"}
