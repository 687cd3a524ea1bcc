"""People flows from victim counts: exact counts and shares, scope, breakdowns, intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocta.analytics.people import (
    PeopleParams,
    estimate_people_flows,
    flow_scope,
    jeffreys_interval,
)


def v(citizenship: str | None, detection: str, count: int, **fields: Any) -> dict[str, Any]:
    """One VictimCount row (trafficking in persons, 2020, totals unless overridden)."""
    row = {"year": 2020, "country_detection": detection, "citizenship": citizenship,
           "commodity": "trafficking_in_persons", "sex": "all", "age_group": "all",
           "exploitation": "sexual", "count": count}
    return row | fields


def edge(result: Any, origin: str | None, destination: str, **where: Any) -> dict[str, Any]:
    rows = result.edges.filter(
        (pl.col("from_iso3").is_null() if origin is None else pl.col("from_iso3") == origin)
        & (pl.col("to_iso3") == destination)
        & pl.all_horizontal([pl.col(k) == val for k, val in where.items()] or [pl.lit(True)]))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_counts_shares_and_scope_within_the_country_of_detection() -> None:
    result = estimate_people_flows(pl.DataFrame([
        v("NGA", "ITA", 30), v("ITA", "ITA", 10), v("ESP", "ITA", 5), v("ROU", "ITA", 5),
        v(None, "ITA", 10), v("NGA", "GHA", 4)]))
    nga = edge(result, "NGA", "ITA")
    assert (nga["victims"], nga["destination_victims"], nga["share"]) == (30, 60, 0.5)
    assert nga["scope"] == "trans-regional"
    assert edge(result, "ITA", "ITA")["scope"] == "domestic"
    assert edge(result, "ESP", "ITA")["scope"] == "intra-regional"  # both Southern Europe
    assert edge(result, "ROU", "ITA")["scope"] == "trans-regional"  # Eastern v Southern
    unknown = edge(result, None, "ITA")
    assert (unknown["scope"], unknown["share"]) == ("unknown", pytest.approx(1 / 6))
    # Ghana's one citizenship is all of what Ghana detected, whatever Italy found.
    assert edge(result, "NGA", "GHA")["share"] == 1.0
    shares = result.edges.group_by("to_iso3").agg(pl.col("share").sum())
    assert shares["share"].to_list() == pytest.approx([1.0, 1.0])
    scope = {r["scope"]: r for r in result.by_scope.iter_rows(named=True)}
    assert scope["trans-regional"]["victims"] == 30 + 5
    assert scope["intra-regional"]["victims"] == 5 + 4  # NGA → GHA: both Western Africa
    assert scope["domestic"]["share"] == pytest.approx(10 / 64)
    assert scope["trans-regional"]["destinations"] == 1


@pytest.mark.parametrize(("origin", "destination", "level", "expected"), [
    ("NGA", "NGA", "subregion", "domestic"),
    ("NGA", "GHA", "subregion", "intra-regional"),
    ("NGA", "KEN", "subregion", "intra-regional"),
    ("NGA", "KEN", "intermediate", "trans-regional"),
    ("NGA", "LBY", "subregion", "trans-regional"),
    ("ROU", "ITA", "subregion", "trans-regional"),
    ("ROU", "ITA", "region", "intra-regional"),
    ("COL", "MEX", "subregion", "intra-regional"),
    ("COL", "MEX", "intermediate", "trans-regional"),
    (None, "ITA", "subregion", "unknown"),
], ids=["same", "west-africa", "sub-saharan", "west-v-east-africa", "to-north-africa",
        "europe-compass", "europe-continent", "latin-america", "south-v-central", "no-origin"])
def test_flow_scope(origin: str | None, destination: str, level: Any, expected: str) -> None:
    assert flow_scope(origin, destination, level) == expected


def test_totals_and_breakdowns_are_not_counted_twice() -> None:
    rows = [
        v("NGA", "ITA", 50),  # the total
        v("NGA", "ITA", 30, sex="female", age_group="adult"),
        v("NGA", "ITA", 10, sex="female", age_group="child"),
        v("NGA", "ITA", 6, sex="male", age_group="adult"),
        v("NGA", "ITA", 4, sex="unknown", age_group="unknown"),
        v("NGA", "ITA", 7, exploitation="forced_labour"),  # another form: adds up
    ]
    nga = edge(estimate_people_flows(pl.DataFrame(rows)), "NGA", "ITA")
    assert nga["victims"] == 57 and nga["records"] == 6
    assert nga["female_share"] == pytest.approx(40 / 46)  # of the 46 of known sex
    assert nga["child_share"] == pytest.approx(10 / 46)


def test_a_larger_total_wins_over_an_incomplete_breakdown() -> None:
    rows = [v("SYR", "DEU", 100), v("SYR", "DEU", 60, sex="female"),
            v("SYR", "DEU", 20, sex="male")]
    syr = edge(estimate_people_flows(pl.DataFrame(rows)), "SYR", "DEU")
    assert syr["victims"] == 100 and syr["female_share"] == 0.75 and syr["child_share"] is None


@pytest.mark.parametrize(("period_years", "periods"), [
    (1, ["2018", "2019", "2020"]), (2, ["2018-2019", "2020"]), (None, ["2018-2020"])],
    ids=["yearly", "two-year", "one-period"])
def test_periods(period_years: int | None, periods: list[str]) -> None:
    rows = [v("NGA", "ITA", 1, year=y) for y in (2018, 2019, 2020)]
    result = estimate_people_flows(pl.DataFrame(rows), PeopleParams(period_years=period_years))
    assert sorted(result.edges["period"]) == periods
    assert result.edges["victims"].sum() == 3


def test_commodity_rolls_up_its_forms_and_keeps_out_the_other_flow() -> None:
    rows = [v("NGA", "ITA", 3), v("NGA", "ITA", 2, commodity="tip_sexual_exploitation"),
            v("NGA", "ITA", 40, commodity="smuggled_migrants")]
    result = estimate_people_flows(pl.DataFrame(rows),
                                   PeopleParams(commodity="trafficking_in_persons"))
    assert result.edges["victims"].to_list() == [5]
    assert result.inputs.records == 2
    both = estimate_people_flows(pl.DataFrame(rows))
    assert sorted(both.edges["commodity"]) == ["smuggled_migrants", "tip_sexual_exploitation",
                                               "trafficking_in_persons"]


def test_interval_contains_the_share_and_widens_with_design_effect() -> None:
    rows = [v("NGA", "ITA", 12), v("ROU", "ITA", 3), v("ALB", "ITA", 1)]
    plain = estimate_people_flows(pl.DataFrame(rows))
    assert (plain.edges["share_low"] <= plain.edges["share"]).all()
    assert (plain.edges["share"] <= plain.edges["share_high"]).all()
    assert plain.edges.equals(estimate_people_flows(pl.DataFrame(rows)).edges)
    wide = estimate_people_flows(pl.DataFrame(rows), PeopleParams(design_effect=3.0))
    width = (pl.col("share_high") - pl.col("share_low"))
    assert (wide.edges.select(width) > plain.edges.select(width)).to_series().all()


@given(st.integers(1, 400), st.data())
def test_jeffreys_interval_always_holds_the_point_estimate(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, n))
    low, high = jeffreys_interval(np.array([x]), np.array([n]), 0.9)
    assert 0 <= low[0] <= x / n <= high[0] <= 1


def test_jeffreys_interval_covers_about_as_often_as_it_says() -> None:
    # Seeded: multinomial detections from known shares; a 90% interval should hold the true
    # share in roughly 90% of draws (counting noise is all this interval claims to cover).
    rng = np.random.default_rng(7)
    truth = np.array([0.6, 0.25, 0.1, 0.05])
    hits = []
    for _ in range(500):
        counts = rng.multinomial(80, truth)
        low, high = jeffreys_interval(counts, np.full(4, 80), 0.9)
        hits.append((low <= truth) & (truth <= high))
    assert 0.86 <= float(np.mean(hits)) <= 0.95


def test_result_carries_inputs_and_explains_detection_effort_first() -> None:
    import pyarrow as pa

    table = pa.Table.from_pylist([v("NGA", "ITA", 30), v("NGA", "ESP", 3, year=2021)])
    result = estimate_people_flows(table, tlp="AMBER", sources=["POL-ITA/victims"],
                                   withheld_rows=2)
    assert result.tlp == "AMBER"
    assert result.inputs.countries_reporting == ("ESP", "ITA")
    assert result.inputs.years == (2020, 2021) and result.inputs.records == 2
    text = result.explain()
    assert text.startswith("DETECTIONS MEASURE DETECTION EFFORT")
    assert "a low count is not a low flow" in text
    assert "Jeffreys" in text and "TLP:AMBER" in text and "2 rows withheld" in text
    assert set(result.edges["method"]) == {result.method}


def test_empty_input_gives_empty_tables() -> None:
    result = estimate_people_flows(pl.DataFrame([v("NGA", "ITA", 1)]).head(0))
    assert result.edges.is_empty() and result.by_scope.is_empty()
    assert result.inputs.years is None


def test_params_are_checked() -> None:
    with pytest.raises(ValueError, match="region_level"):
        PeopleParams(region_level="continent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="design_effect"):
        PeopleParams(design_effect=0.5)
