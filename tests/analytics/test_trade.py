"""Trade chains and the importer/exporter mirror: exact sums, units kept apart, one-sided pairs."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from tocta.analytics.trade import TradeParams, estimate_trade_flows


def t(exporter: str, importer: str, imp: float | None, exp: float | None,
      **fields: Any) -> dict[str, Any]:
    """One TradeRecord row (live arapaima in specimens, 2020, unless overridden)."""
    row = {"year": 2020, "commodity": "arapaima", "term": "live", "unit": None, "origin": None,
           "exporter": exporter, "importer": importer, "quantity_importer": imp,
           "quantity_exporter": exp}
    return row | fields


def flows(rows: list[dict[str, Any]], **params: Any) -> Any:
    schema = {"quantity_importer": pl.Float64, "quantity_exporter": pl.Float64,
              "origin": pl.String, "unit": pl.String}
    return estimate_trade_flows(pl.DataFrame(rows, schema_overrides=schema),
                                TradeParams(**params))


def one(frame: pl.DataFrame, **where: Any) -> dict[str, Any]:
    rows = frame.filter(pl.all_horizontal([pl.col(k) == val for k, val in where.items()]))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_mirror_difference_both_sides() -> None:
    pair = one(flows([t("PER", "USA", 100, 120)]).mirror, exporter_iso3="PER")
    assert (pair["quantity_importer"], pair["quantity_exporter"]) == (100, 120)
    assert pair["difference"] == -20
    assert pair["relative_difference"] == pytest.approx(-20 / 120)
    assert (pair["reported_by"], pair["one_sided"]) == ("both", False)


@pytest.mark.parametrize(("imp", "exp", "reported_by", "relative"), [
    (50.0, None, "importer", 1.0), (None, 50.0, "exporter", -1.0), (None, None, "neither", None),
    (0.0, 0.0, "both", None)], ids=["importer-only", "exporter-only", "neither", "zeros"])
def test_one_sided_pairs_are_flagged(imp: float | None, exp: float | None, reported_by: str,
                                     relative: float | None) -> None:
    pair = one(flows([t("BRA", "DEU", imp, exp)]).mirror, importer_iso3="DEU")
    assert pair["reported_by"] == reported_by
    assert pair["one_sided"] == (reported_by in ("importer", "exporter"))
    assert pair["relative_difference"] == relative
    missing = [name for name, q in (("quantity_importer", imp), ("quantity_exporter", exp))
               if q is None]
    assert all(pair[name] is None for name in missing)  # a silent side is not a zero


def test_pairs_match_rows_the_two_sides_wrote_separately() -> None:
    # The same shipments, each side on its own row (different purpose or source codes).
    mirror = flows([t("PER", "USA", 90, None), t("PER", "USA", None, 100),
                    t("PER", "USA", 10, 5)]).mirror
    pair = one(mirror, exporter_iso3="PER")
    assert (pair["quantity_importer"], pair["quantity_exporter"]) == (100, 105)
    assert (pair["reported_by"], pair["records"], pair["one_sided_records"]) == ("both", 3, 2)


def test_units_and_terms_are_never_added_together() -> None:
    result = flows([
        t("BRA", "USA", 10, 12, term="meat", unit="kg"),
        t("BRA", "USA", 500, None, term="meat", unit="g"),
        t("BRA", "USA", 3, 3, term="meat", unit=" KG "),
        t("BRA", "USA", 7, 7, unit=""),
        t("BRA", "USA", 2, 2, unit="Number of specimens"),
        t("BRA", "USA", 1000, 1000, term="skins", unit=None),
    ])
    mirror = {(r["term"], r["unit"]): r for r in result.mirror.iter_rows(named=True)}
    assert set(mirror) == {("meat", "kg"), ("meat", "g"), ("live", "specimens"),
                           ("skins", "specimens")}
    assert mirror[("meat", "kg")]["quantity_importer"] == 13
    assert mirror[("meat", "g")]["quantity_importer"] == 500
    assert mirror[("live", "specimens")]["quantity_exporter"] == 9
    edges = result.edges.filter(pl.col("leg") == "exporter→importer")
    assert edges.height == 4 and edges["share"].to_list() == [1.0] * 4


def test_re_exports_give_an_origin_leg() -> None:
    result = flows([t("USA", "JPN", 40, 50, origin="PER"), t("PER", "JPN", 10, 10),
                    t("PER", "USA", 30, 30, origin="PER")])
    chain = one(result.chains, exporter_iso3="USA")
    assert (chain["origin_iso3"], chain["re_export"], chain["quantity"]) == ("PER", True, 50)
    assert not one(result.chains, exporter_iso3="PER", importer_iso3="USA")["re_export"]
    origin_legs = result.edges.filter(pl.col("leg") == "origin→exporter")
    assert origin_legs.select("from_iso3", "to_iso3", "quantity").rows() == [("PER", "USA", 50)]
    exports = result.edges.filter(pl.col("leg") == "exporter→importer")
    assert dict(zip(exports["from_iso3"] + exports["to_iso3"], exports["quantity"],
                    strict=True)) == {"USAJPN": 50, "PERJPN": 10, "PERUSA": 30}
    assert exports["share"].sum() == pytest.approx(1.0)
    assert one(exports, from_iso3="PER", to_iso3="JPN")["share"] == pytest.approx(10 / 90)


@pytest.mark.parametrize(("basis", "expected"), [("max", 120 + 50 + 30),
                                                 ("importer", 100 + 50 + 30),
                                                 ("exporter", 120 + 50 + 30)])
def test_quantity_basis(basis: str, expected: float) -> None:
    rows = [t("PER", "USA", 100, 120), t("PER", "USA", 50, None), t("PER", "USA", None, 30)]
    assert flows(rows, quantity_basis=basis).edges["quantity"].sum() == expected


def test_periods_commodity_and_inputs() -> None:
    rows = [t("PER", "USA", 1, 1, year=2019), t("PER", "USA", 1, None, year=2020),
            t("PER", "USA", 5, 5, commodity="ivory")]
    result = flows(rows, period_years=None, commodity="arapaima")
    pair = one(result.mirror, exporter_iso3="PER")
    assert pair["period"] == "2019-2020" and pair["records"] == 2
    assert result.inputs.records == 2 and result.inputs.years == (2019, 2020)
    # USA reported as importer in both years, PER as exporter in one.
    assert result.inputs.countries_reporting == ("PER", "USA")
    text = result.explain()
    assert "never across units" in text and "1 reported by both sides" in text


def test_empty_input() -> None:
    result = estimate_trade_flows(pl.DataFrame([t("PER", "USA", 1.0, 1.0)]).head(0))
    assert result.edges.is_empty() and result.mirror.is_empty() and result.chains.is_empty()
    assert "0 exporter–importer pairs" in result.explain()
