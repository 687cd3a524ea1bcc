"""Licit trade chains and mirror discrepancies, from importer- and exporter-reported records.

A ``TradeRecord`` (a CITES comparative-tabulation row, a customs mirror line) follows the chain
origin → exporter → importer and carries the quantity each side reported. Quantities are
summed only within one commodity, term (live, skins, logs...) and unit as reported: kilograms
are never added to specimens, and no unit is converted (a conversion would need a mass per
specimen for each term). An empty unit is the number of specimens, as in CITES data, the same
unit as CITES's explicit "Number of specimens".

The mirror compares, per exporter–importer pair, commodity, period, term and unit, what the
importer reported with what the exporter reported. Pairs, not records, are compared because
the two sides often describe the same shipment on separate rows (different purpose or source
codes) and in different years (shipped in December, received in January): longer periods
reduce the second effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import polars as pl
import pyarrow as pa

from tocta.analytics.people import (
    FlowInputs,
    assign_periods,
    commodity_family,
    describe_periods,
    touches_region,
)
from tocta.reference.regions import region_codes

__all__ = ["TradeFlows", "TradeParams", "estimate_trade_flows"]

Basis = Literal["max", "importer", "exporter"]
METHOD = ("trade flows: origin → exporter → importer chains per commodity, term and unit; "
          "mirror of importer- versus exporter-reported quantities per pair")
SPECIMENS = "specimens"
_UNIT_ALIASES = {"": SPECIMENS, "number of specimens": SPECIMENS}
_GROUP = ["commodity", "period", "term", "unit"]
_COLUMNS = {"year": pl.Int64, "commodity": pl.String, "term": pl.String, "unit": pl.String,
            "origin": pl.String, "exporter": pl.String, "importer": pl.String,
            "quantity_importer": pl.Float64, "quantity_exporter": pl.Float64}


@dataclass(frozen=True)
class TradeParams:
    """Methodology choices of a trade-flow estimate, recorded in its result.

    Attributes:
        period_years: years per period from the first year in the data; ``None``: one period.
        commodity: keep this commodity and its descendants, reported under this id.
        quantity_basis: the quantity of a record on the chain: ``max`` the larger of the two
            reported quantities (a side that did not report is not read as zero),
            ``importer`` or ``exporter`` that side's figure, the other's when it is missing.
        region: keep the chains, edges and pairs with a country in this region (name, alias
            or M49 code); edge shares stay shares of the whole leg.
    """

    period_years: int | None = 1
    commodity: str | None = None
    quantity_basis: Basis = "max"
    region: str | None = None

    def __post_init__(self) -> None:
        if self.period_years is not None and self.period_years < 1:
            raise ValueError("period_years must be at least 1 (or None for one period)")
        if self.quantity_basis not in ("max", "importer", "exporter"):
            raise ValueError(f"quantity_basis must be max, importer or exporter, "
                             f"not {self.quantity_basis!r}")
        if self.region is not None:
            region_codes(self.region)  # an unknown region fails here, naming close ones


@dataclass(frozen=True)
class TradeFlows:
    """Trade chains, edges and the mirror of reported quantities, per commodity and period.

    ``chains``: origin_iso3 (the exporter when no other origin is given), exporter_iso3,
    importer_iso3, re_export, commodity, period, term, unit, quantity, records.
    ``edges``: from_iso3, to_iso3, leg (``origin→exporter`` for re-exports, ``exporter→importer``),
    commodity, period, term, unit, quantity, share (of that leg's total for the commodity,
    period, term and unit), records, method.
    ``mirror``: exporter_iso3, importer_iso3, commodity, period, term, unit, quantity_importer,
    quantity_exporter (null when that side reported nothing), difference (importer − exporter,
    a missing side as zero), relative_difference (difference ÷ the larger of the two),
    reported_by (``both``, ``importer``, ``exporter``, ``neither``), one_sided, records,
    one_sided_records (records where only one side gave a figure).
    """

    chains: pl.DataFrame
    edges: pl.DataFrame
    mirror: pl.DataFrame
    params: TradeParams
    inputs: FlowInputs
    method: str = METHOD

    @property
    def tlp(self) -> str | None:
        """The strictest TLP of the inputs."""
        return self.inputs.tlp

    def explain(self) -> str:
        """The method, its caveats, the inputs and the mirror in a few lines, for a report."""
        p = self.params
        both = self.mirror.filter(pl.col("reported_by") == "both")
        one = self.mirror.filter(pl.col("one_sided"))
        lines = [
            f"Method: {self.method}. Quantity of a record: {p.quantity_basis} "
            "(see TradeParams). Quantities are added only within one commodity, term and unit "
            "as reported, never across units; an empty unit is a number of specimens.",
            "Licit trade is what was declared: it shows where legal channels run and where "
            "the two sides disagree, not the size of illegal trade. A discrepancy can be "
            "laundering of illegal specimens, or different years, permits counted instead of "
            "shipments, re-exports or plain reporting error.",
            f"Periods: {describe_periods(p.period_years)}; commodity: "
            f"{p.commodity or 'as recorded'}; region: {p.region or 'all'}.",
            f"Inputs: {self.inputs.describe()}",
            f"Mirror: {self.mirror.height:,} exporter–importer pairs (by commodity, period, "
            f"term and unit); {both.height:,} reported by both sides, {one.height:,} by one "
            "side only.",
        ]
        if both.height:
            median = float(both["relative_difference"].median())  # type: ignore[arg-type]
            lines.append(f"Median relative difference (importer − exporter) ÷ larger, where "
                         f"both reported: {median:+.0%}.")
        return "\n".join(lines)


def _as_frame(records: pl.DataFrame | pa.Table) -> pl.DataFrame:
    """The columns used, typed and cleaned: unit and term lower-case, an empty unit specimens."""
    frame = records if isinstance(records, pl.DataFrame) else pl.DataFrame(pl.from_arrow(records))
    frame = frame.select([
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in _COLUMNS.items()])
    unit = pl.col("unit").str.strip_chars().str.to_lowercase()
    term = pl.col("term").str.strip_chars().str.to_lowercase()
    return frame.with_columns(
        unit=unit.fill_null("").replace(_UNIT_ALIASES),
        term=pl.when(term.is_null() | (term == "")).then(pl.lit("unspecified")).otherwise(term))


def _quantity(basis: Basis) -> pl.Expr:
    imp, exp = pl.col("quantity_importer"), pl.col("quantity_exporter")
    if basis == "importer":
        return pl.coalesce(imp, exp)
    if basis == "exporter":
        return pl.coalesce(exp, imp)
    return pl.max_horizontal(imp, exp)


def _reported_sum(name: str) -> pl.Expr:
    """Sum of a side's figures, null when that side reported none (not zero)."""
    return pl.when(pl.col(name).count() > 0).then(pl.col(name).sum()).alias(name)


def _chains(frame: pl.DataFrame, basis: Basis) -> pl.DataFrame:
    rows = frame.with_columns(
        quantity=_quantity(basis),
        origin_iso3=pl.coalesce("origin", "exporter"),
        re_export=pl.col("origin").is_not_null() & (pl.col("origin") != pl.col("exporter")))
    return (rows.rename({"exporter": "exporter_iso3", "importer": "importer_iso3"})
            .group_by(["origin_iso3", "exporter_iso3", "importer_iso3", "re_export", *_GROUP])
            .agg(pl.col("quantity").sum(), records=pl.len().cast(pl.Int64))
            .sort([*_GROUP, "quantity"], descending=[False] * 4 + [True]))


def _edges(chains: pl.DataFrame) -> pl.DataFrame:
    def leg(frame: pl.DataFrame, start: str, end: str, name: str) -> pl.DataFrame:
        return frame.select(pl.col(start).alias("from_iso3"), pl.col(end).alias("to_iso3"),
                            pl.lit(name).alias("leg"), *_GROUP, "quantity", "records")

    exports = leg(chains, "exporter_iso3", "importer_iso3", "exporter→importer")
    origins = leg(chains.filter("re_export"), "origin_iso3", "exporter_iso3", "origin→exporter")
    legs = pl.concat([exports, origins]).group_by(["from_iso3", "to_iso3", "leg", *_GROUP]).agg(
        pl.col("quantity", "records").sum())
    total = pl.col("quantity").sum().over(["leg", *_GROUP])
    return legs.with_columns(
        share=pl.when(total > 0).then(pl.col("quantity") / total), method=pl.lit(METHOD),
    ).select("from_iso3", "to_iso3", "leg", *_GROUP, "quantity", "share", "records", "method"
             ).sort([*_GROUP, "leg", "quantity"], descending=[False] * 5 + [True])


def _mirror(frame: pl.DataFrame) -> pl.DataFrame:
    imp, exp = pl.col("quantity_importer"), pl.col("quantity_exporter")
    pairs = frame.rename({"exporter": "exporter_iso3", "importer": "importer_iso3"}).group_by(
        ["exporter_iso3", "importer_iso3", *_GROUP]).agg(
        _reported_sum("quantity_importer"), _reported_sum("quantity_exporter"),
        records=pl.len().cast(pl.Int64),
        one_sided_records=(imp.is_null() ^ exp.is_null()).sum().cast(pl.Int64))
    larger = pl.max_horizontal(imp, exp)
    reported = (pl.when(imp.is_not_null() & exp.is_not_null()).then(pl.lit("both"))
                .when(imp.is_not_null()).then(pl.lit("importer"))
                .when(exp.is_not_null()).then(pl.lit("exporter")).otherwise(pl.lit("neither")))
    return pairs.with_columns(
        difference=imp.fill_null(0) - exp.fill_null(0),
        relative_difference=pl.when(larger > 0).then(
            (imp.fill_null(0) - exp.fill_null(0)) / larger),
        reported_by=reported,
        one_sided=imp.is_null() ^ exp.is_null(),
    ).select("exporter_iso3", "importer_iso3", *_GROUP, "quantity_importer", "quantity_exporter",
             "difference", "relative_difference", "reported_by", "one_sided", "records",
             "one_sided_records").sort(["exporter_iso3", "importer_iso3", *_GROUP])


def estimate_trade_flows(
    records: pl.DataFrame | pa.Table,
    params: TradeParams = TradeParams(),
    *,
    tlp: str | None = None,
    sources: Iterable[str] = (),
    withheld_rows: int = 0,
) -> TradeFlows:
    """Chains, edges and the importer/exporter mirror of licit trade records.

    Args:
        records: ``TradeRecord`` rows (year, commodity, term, unit, origin, exporter,
            importer, quantity_importer, quantity_exporter; other columns ignored).
        params: methodology choices.
        tlp: strictest TLP of the records, carried into the result.
        sources: source ids of the records.
        withheld_rows: rows the reader's clearance did not let through.

    Returns:
        Chains, edges and mirror tables with the parameters and the inputs.
    """
    frame = _as_frame(records)
    if params.commodity is not None:
        family = sorted(commodity_family(params.commodity))
        frame = frame.filter(pl.col("commodity").is_in(family)).with_columns(
            commodity=pl.lit(params.commodity))
    frame = assign_periods(frame, params.period_years)
    years = (int(frame["year"].min()), int(frame["year"].max())) if frame.height else None  # type: ignore[arg-type]
    reporters = set(frame.filter(pl.col("quantity_importer").is_not_null())["importer"]) | set(
        frame.filter(pl.col("quantity_exporter").is_not_null())["exporter"])
    inputs = FlowInputs(frame.height, tuple(sorted(reporters)), years, tlp,
                        tuple(sorted(set(sources))), withheld_rows)
    chains = _chains(frame, params.quantity_basis)
    return TradeFlows(
        chains.filter(touches_region(params.region, "origin_iso3", "exporter_iso3",
                                     "importer_iso3")),
        _edges(chains).filter(touches_region(params.region, "from_iso3", "to_iso3")),
        _mirror(frame).filter(touches_region(params.region, "exporter_iso3", "importer_iso3")),
        params, inputs)
