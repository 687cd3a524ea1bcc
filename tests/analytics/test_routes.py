"""The route estimator on hand-made cases whose answer is known exactly."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tocta.analytics.routes import RouteInputs, estimate_routes
from tocta.analytics.routes_paths import ClassTable, candidate_paths, path_ends
from tocta.analytics.transport import transport_graph

INPUTS = RouteInputs(records=0, duplicates_dropped=0, countries_reporting=(), tlp="CLEAR",
                     sources=(), worst_reliability=2, worst_credibility=2)


def _classes(rows: list[tuple[str, str | None, str | None, str | None, int]],
             years: tuple[int, ...] = (2020,)) -> pl.DataFrame:
    """(country, origin, transit, destination, records) per class, spread over ``years``."""
    out = []
    for year in years:
        for country, origin, transit, destination, n in rows:
            out.append({"commodity": "cocaine_hcl", "year": year, "country": country,
                        "origin": origin, "transit": transit, "destination": destination,
                        "mode": "sea", "records": n, "volume": float(n * 10),
                        "worst_reliability": 2, "worst_credibility": 2})
    return pl.DataFrame(out)


def _share(edges: pl.DataFrame, a: str, b: str) -> float:
    row = edges.filter((pl.col("from_iso3") == a) & (pl.col("to_iso3") == b))
    return float(row["share"][0]) if row.height else 0.0


def detection_case() -> pl.DataFrame:
    """Colombia → Cabo Verde → Spain or France, equal flows (50 / 50).

    Cabo Verde reports nothing. Spain detects 10x what France does, so raw seizures make
    Spain look like 10 of 11 parts of the flow; Colombia (detection 0.05) reports where its
    seizures were going, in the true proportions. Records are the expected counts.
    """
    return _classes([
        ("ESP", "COL", "CPV", None, 500),    # d=0.2 × flow 50 × 50
        ("FRA", "COL", "CPV", None, 50),     # d=0.02 × flow 50 × 50
        ("COL", None, None, "ESP", 125),     # d=0.05 × 50 × 50
        ("COL", None, None, "FRA", 125),
    ])


def test_detection_rates_correct_what_raw_seizures_get_wrong() -> None:
    est = estimate_routes(detection_case(), commodity="cocaine_hcl", period=(2020, 2020),
                          inputs=INPUTS, replicates=10, seed=1)
    # Legs: COL→CPV carries all (100), CPV→ESP 50, CPV→FRA 50: shares 0.5, 0.25, 0.25.
    assert _share(est.edges, "COL", "CPV") == pytest.approx(0.5, abs=0.02)
    assert _share(est.edges, "CPV", "ESP") == pytest.approx(0.25, abs=0.02)
    assert _share(est.edges, "CPV", "FRA") == pytest.approx(0.25, abs=0.02)
    # The naive shares follow the seizures: France's leg is a small fraction of Spain's.
    naive = est.naive_edges
    assert _share(naive, "CPV", "FRA") < 0.3 * _share(naive, "CPV", "ESP")
    # Detection: Spain's rate is ten times France's.
    d = dict(zip(est.nodes["iso3"], est.nodes["detection_index"], strict=True))
    assert d["ESP"] / d["FRA"] == pytest.approx(10.0, rel=0.1)
    assert d["CPV"] == 0.0  # reports nothing: cannot be told from no flow, never penalised


def test_intervals_contain_the_estimate_and_every_edge_is_labelled() -> None:
    est = estimate_routes(detection_case(), commodity="cocaine_hcl", period=(2020, 2020),
                          inputs=INPUTS, replicates=20, seed=3)
    e = est.edges
    assert (e["share_low"] <= e["share"]).all() and (e["share"] <= e["share_high"]).all()
    assert set(e["method"]) == {est.method}
    assert set(e["period"]) == {"2020-2020"}
    assert {"from_iso3", "to_iso3", "commodity", "period", "share", "share_low", "share_high",
            "volume", "method", "inferred_share"} <= set(e.columns)
    text = est.explain()
    assert "law-enforcement ratio" in text and "Naive baseline" in text


def test_a_leg_no_record_reports_is_marked_inferred() -> None:
    # Spain's records say only "from Colombia": the Colombia→Spain legs rest on inference
    # except where a record reports them as consecutive points.
    classes = _classes([("ESP", "COL", None, None, 100), ("COL", None, None, "ESP", 40)])
    est = estimate_routes(classes, commodity="cocaine_hcl", period=(2020, 2020),
                          inputs=INPUTS, replicates=5)
    row = est.edges.row(0, named=True)
    assert (row["from_iso3"], row["to_iso3"]) == ("COL", "ESP")
    assert row["inferred_share"] == pytest.approx(0.0, abs=1e-9)  # both sides report it


def test_path_ends_follow_the_direction_the_records_give() -> None:
    ct = ClassTable(["ESP", "ESP", "COL"], ["COL", "CPV", None], [(), (), ()],
                    [None, None, "ESP"], np.array([50.0, 20.0, 30.0]), np.array([1.0, 1.0, 1.0]))
    sources, ends, upstream = path_ends(ct)
    assert "COL" in sources and "ESP" in ends and "ESP" not in sources
    assert upstream["COL"] == 1.0 and upstream["ESP"] == 0.0
    paths = candidate_paths(ct, transport_graph())
    assert all(p[0] in sources and p[-1] in ends for p in paths if len(p) > 1)
    assert not any(p[0] == "ESP" for p in paths)  # nothing flows out of a pure market


def test_a_growing_leg_is_emerging_and_a_shrinking_one_fading() -> None:
    rows = []
    for i, year in enumerate(range(2015, 2021)):
        grow, shrink = 20 + 30 * i, 200 - 30 * i
        rows += [
            {"year": year, "country": "ESP", "origin": "COL", "transit": "CPV",
             "destination": None, "records": grow},
            {"year": year, "country": "ESP", "origin": "COL", "transit": "MAR",
             "destination": None, "records": shrink},
        ]
    classes = pl.DataFrame(rows).with_columns(
        commodity=pl.lit("cocaine_hcl"), mode=pl.lit("sea"),
        volume=pl.col("records").cast(pl.Float64), worst_reliability=pl.lit(2),
        worst_credibility=pl.lit(2))
    est = estimate_routes(classes, commodity="cocaine_hcl", period=(2015, 2020),
                          inputs=INPUTS, replicates=5)
    trend = dict(zip(zip(est.edges["from_iso3"], est.edges["to_iso3"], strict=True),
                     est.edges["trend"], strict=True))
    assert trend[("CPV", "ESP")] == "emerging"
    assert trend[("MAR", "ESP")] == "fading"
    assert est.yearly is not None and est.yearly["year"].n_unique() == 6


def test_a_volume_anchor_gives_each_leg_its_fraction_of_the_flow() -> None:
    est = estimate_routes(detection_case(), commodity="cocaine_hcl", period=(2020, 2020),
                          inputs=INPUTS, replicates=5, anchor=1000.0)
    # COL→CPV carries all the flow, each market leg half of it.
    vol = dict(zip(zip(est.edges["from_iso3"], est.edges["to_iso3"], strict=True),
                   est.edges["volume"], strict=True))
    assert vol[("COL", "CPV")] == pytest.approx(1000.0, rel=0.05)
    assert vol[("CPV", "ESP")] == pytest.approx(500.0, rel=0.05)
    assert (est.edges["volume_low"] <= est.edges["volume"]).all()
    # The only transit country is the hub of the structure too.
    top = est.nodes.sort("betweenness", descending=True)["iso3"][0]
    assert top == "CPV"
