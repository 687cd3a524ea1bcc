"""Flows of people: citizenship → country of detection, from aggregate victim counts.

Each ``VictimCount`` record gives detected victims of one citizenship in one country of
detection. Summed per commodity (trafficking in persons, smuggling of migrants) and period,
they are the edges of the same graph the routes are drawn on. Detections measure detection
effort as much as flows: a country that looks harder finds more victims, so shares are taken
*within* a country of detection (which citizenships its victims have), where effort cancels
out, and totals across countries are never read as the size of flows.

Regional scope follows UNODC's Global Report on Trafficking in Persons (GLOTIP), which labels
flows domestic, intra-regional or trans-regional over its own regions. Those regions are not
published as a country list, so we use the UN M49 sub-region as the nearest public
equivalent (``region_level="subregion"``): it matches GLOTIP's Sub-Saharan Africa, South Asia
and North America, but splits North Africa from the Middle East (GLOTIP joins them), joins
Central America, the Caribbean and South America (GLOTIP splits them) and cuts Europe by
compass point rather than into Western and Southern / Central and South-Eastern / Eastern
Europe and Central Asia. ``region_level="intermediate"`` uses the M49 intermediate region
where one exists (Western, Eastern, Middle, Southern Africa; Caribbean, Central America,
South America), closer to GLOTIP's sub-regional figures; ``"region"`` uses the M49 continent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa
from scipy.stats import beta

from tocta.reference.commodities import all_commodities, ancestors
from tocta.reference.countries import get_country
from tocta.reference.regions import region_codes

__all__ = ["FlowInputs", "PeopleFlows", "PeopleParams", "assign_periods", "commodity_family",
           "describe_periods", "estimate_people_flows", "flow_scope", "jeffreys_interval",
           "touches_region"]

RegionLevel = Literal["subregion", "intermediate", "region"]
SCOPES = ("domestic", "intra-regional", "trans-regional", "unknown")
METHOD = ("people flows: citizenship → country of detection from aggregate victim counts; "
          "share within the country of detection with a Jeffreys interval")
_CELL = ["year", "commodity", "citizenship", "country_detection"]
_KEY = [*_CELL, "recorded_commodity", "exploitation"]
_EDGE = ["commodity", "period", "from_iso3", "to_iso3"]


@dataclass(frozen=True)
class PeopleParams:
    """Methodology choices of a people-flow estimate, recorded in its result.

    Attributes:
        region_level: the M49 level that decides intra- versus trans-regional (module doc).
        period_years: years per period, counted from the first year in the data; ``None``
            makes the whole span one period.
        commodity: keep this commodity and its descendants (``tip_*`` under
            ``trafficking_in_persons``), reported under this id; ``None`` keeps every one.
        interval: probability mass of the share interval.
        design_effect: variance inflation for victims detected in groups rather than one by
            one; counts are divided by it before the interval (1 = independent detections).
        region: keep the flows with either end in this region (name, alias or M49 code);
            shares stay shares of everything the country of detection found.
    """

    region_level: RegionLevel = "subregion"
    period_years: int | None = 1
    commodity: str | None = None
    interval: float = 0.9
    design_effect: float = 1.0
    region: str | None = None

    def __post_init__(self) -> None:
        if self.region_level not in ("subregion", "intermediate", "region"):
            raise ValueError(f"region_level must be subregion, intermediate or region, "
                             f"not {self.region_level!r}")
        if self.period_years is not None and self.period_years < 1:
            raise ValueError("period_years must be at least 1 (or None for one period)")
        if not 0 < self.interval < 1:
            raise ValueError("interval must be between 0 and 1")
        if self.design_effect < 1:
            raise ValueError("design_effect must be at least 1")
        if self.region is not None:
            region_codes(self.region)  # an unknown region fails here, naming close ones


@dataclass(frozen=True)
class FlowInputs:
    """What a flow result was computed from: records, reporters, period, labels."""

    records: int
    countries_reporting: tuple[str, ...]
    years: tuple[int, int] | None
    tlp: str | None = None  # strictest TLP of the inputs; None when the caller gave none
    sources: tuple[str, ...] = ()
    withheld_rows: int = 0

    def describe(self) -> str:
        """One paragraph: records, reporting countries, years, sources, withheld rows, TLP."""
        span = f"{self.years[0]}–{self.years[1]}" if self.years else "no years"
        named = ", ".join(self.sources[:6]) or "not given"
        if len(self.sources) > 6:
            named += f" and {len(self.sources) - 6} more"
        text = (f"{self.records:,} records from {len(self.countries_reporting)} reporting "
                f"countries, {span}; sources: {named}.")
        if self.withheld_rows:
            text += f" {self.withheld_rows:,} rows withheld by the reader's clearance."
        return text + f" TLP:{self.tlp or 'unlabelled'}."


@dataclass(frozen=True)
class PeopleFlows:
    """Origin → destination flows of detected people, per commodity and period.

    ``edges``: from_iso3 (citizenship, null when unknown), to_iso3 (country of detection),
    commodity, period, victims, destination_victims, share (of the destination's detected
    victims), share_low, share_high, female_share (among victims of known sex), child_share
    (among victims of known age), records, scope, method. ``by_scope``: commodity, period,
    scope, victims, share (of all detected victims of the commodity and period), share_low,
    share_high, flows, destinations.
    """

    edges: pl.DataFrame
    by_scope: pl.DataFrame
    params: PeopleParams
    inputs: FlowInputs
    method: str = METHOD

    @property
    def tlp(self) -> str | None:
        """The strictest TLP of the inputs."""
        return self.inputs.tlp

    def explain(self) -> str:
        """The method, its caveats and the inputs, as text for a report."""
        p = self.params
        lines = [
            "DETECTIONS MEASURE DETECTION EFFORT, NOT ONLY TRAFFICKING. Countries that look "
            "harder find more victims; a low count is not a low flow, and no count is not no "
            "flow. Compare shares within a country of detection; do not rank countries or "
            "routes by their totals. The country of detection is where victims were found "
            "(origin, transit or destination), not necessarily where they were going.",
            "",
            f"Method: {self.method}. Each record counts detected victims of one citizenship in "
            "one country of detection; where a country reports both totals ('all') and "
            "breakdowns by sex or age for the same citizenship, year and form of exploitation, "
            "the largest of those views is the count, so nothing is counted twice (rows of "
            "different forms or recorded commodities add up). An edge's share is its part of "
            f"the victims detected in that country, with a {p.interval:.0%} Jeffreys interval "
            f"(Beta(victims/{p.design_effect:g} + ½, rest/{p.design_effect:g} + ½)); it covers "
            "counting noise only, not differences in detection effort, and is too narrow when "
            "victims are detected in groups (raise design_effect). Female and child shares "
            "are among victims whose sex or age is known.",
            f"Scope: domestic (same country), intra-regional (same UN M49 {p.region_level}, "
            "the nearest public equivalent of UNODC GLOTIP's regions), trans-regional, or "
            "unknown (citizenship not reported).",
            f"Periods: {describe_periods(p.period_years)}; commodity: "
            f"{p.commodity or 'as recorded'}; region: "
            f"{p.region + ' (flows with either end in it)' if p.region else 'all'}.",
            f"Inputs: {self.inputs.describe()}",
        ]
        if self.by_scope.height:
            lines.append("Share of detected victims by scope:")
            for r in self.by_scope.iter_rows(named=True):
                lines.append(f"  {r['commodity']} {r['period']} {r['scope']}: "
                             f"{r['victims']:,} ({r['share']:.0%}, "
                             f"{r['share_low']:.0%}–{r['share_high']:.0%})")
        return "\n".join(lines)


def commodity_family(commodity_id: str) -> frozenset[str]:
    """The commodity and every descendant in the codelist (``persons`` → both flows)."""
    return frozenset(c.id for c in all_commodities() if commodity_id in ancestors(c.id))


def describe_periods(period_years: int | None) -> str:
    """How the years are grouped, in words."""
    if period_years is None:
        return "one period over all years"
    return "each year" if period_years == 1 else f"{period_years}-year periods"


def assign_periods(frame: pl.DataFrame, period_years: int | None) -> pl.DataFrame:
    """Add a ``period`` label ("2019", "2014-2016") from ``year``, bins from the first year."""
    if frame.is_empty():
        return frame.with_columns(period=pl.lit(None, pl.String))
    first, last = int(frame["year"].min()), int(frame["year"].max())  # type: ignore[arg-type]
    size = period_years or (last - first + 1)
    start = first + (pl.col("year") - first) // size * size
    end = pl.min_horizontal(start + size - 1, pl.lit(last))
    label = pl.when(start == end).then(start.cast(pl.String)).otherwise(
        pl.concat_str([start.cast(pl.String), end.cast(pl.String)], separator="-"))
    return frame.with_columns(period=label)


def _region(iso3: str, level: RegionLevel) -> str | None:
    c = get_country(iso3)
    if level == "region":
        return c.region_name
    if level == "intermediate":
        return c.intermediate_name or c.subregion_name
    return c.subregion_name


def flow_scope(origin: str | None, destination: str, level: RegionLevel = "subregion") -> str:
    """``domestic``, ``intra-regional``, ``trans-regional`` or ``unknown`` for one flow."""
    if origin is None:
        return "unknown"
    if origin == destination:
        return "domestic"
    a, b = _region(origin, level), _region(destination, level)
    if a is None or b is None:
        return "unknown"
    return "intra-regional" if a == b else "trans-regional"


def jeffreys_interval(count: np.ndarray, total: np.ndarray, level: float,
                      design_effect: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys interval of the proportion ``count / total``: Beta(x + ½, n − x + ½) quantiles.

    The interval is 0 at its lower end when nothing was counted and 1 at its upper end when
    everything was, as is conventional; both bounds are NaN where ``total`` is zero.
    """
    x = np.asarray(count, dtype=float) / design_effect
    n = np.asarray(total, dtype=float) / design_effect
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.where(x <= 0, 0.0, beta.ppf(tail, x + 0.5, n - x + 0.5))
        high = np.where(x >= n, 1.0, beta.ppf(1 - tail, x + 0.5, n - x + 0.5))
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


_COLUMNS = {"year": pl.Int64, "commodity": pl.String, "citizenship": pl.String,
            "country_detection": pl.String, "sex": pl.String, "age_group": pl.String,
            "exploitation": pl.String, "count": pl.Int64}


def _as_frame(records: pl.DataFrame | pa.Table) -> pl.DataFrame:
    """The columns used, typed; optional ones absent from ``records`` are null."""
    frame = records if isinstance(records, pl.DataFrame) else pl.DataFrame(pl.from_arrow(records))
    return frame.select([
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in _COLUMNS.items()])


def _restrict(frame: pl.DataFrame, commodity: str | None) -> pl.DataFrame:
    frame = frame.with_columns(recorded_commodity=pl.col("commodity"))
    if commodity is None:
        return frame
    family = commodity_family(commodity)
    return frame.filter(pl.col("commodity").is_in(sorted(family))).with_columns(
        commodity=pl.lit(commodity))


def _best_view(frame: pl.DataFrame, view: list[str], extra: dict[str, pl.Expr]) -> pl.DataFrame:
    """Per cell, the view (set of rows at one level of detail) with the largest total."""
    sums = frame.group_by([*_KEY, *view]).agg(total=pl.col("count").sum(), **extra)
    order = [*_KEY, "total", *view]
    # Largest total first; on a tie the more detailed view (True sorts before False).
    return (sums.sort(order, descending=[c not in _KEY for c in order], nulls_last=True)
            .group_by(_KEY, maintain_order=True).first().drop(view))


def _cells(frame: pl.DataFrame) -> pl.DataFrame:
    """One count per year, commodity, citizenship and country of detection, with breakdowns.

    Rows of different recorded commodities or forms of exploitation add up; within one, the
    rows at each level of detail (totals, by sex, by age, by sex and age) are alternative
    views of the same victims, and the largest is kept.
    """
    detail = frame.with_columns(
        sex_d=pl.col("sex").is_not_null() & (pl.col("sex") != "all"),
        age_d=pl.col("age_group").is_not_null() & (pl.col("age_group") != "all"))
    total = _best_view(detail, ["sex_d", "age_d"], {}).rename(
        {"total": "victims"})
    sex = _best_view(detail.filter("sex_d"), ["age_d"], {
        "female": pl.col("count").filter(pl.col("sex") == "female").sum(),
        "known_sex": pl.col("count").filter(pl.col("sex") != "unknown").sum()}).drop("total")
    age = _best_view(detail.filter("age_d"), ["sex_d"], {
        "child": pl.col("count").filter(pl.col("age_group") == "child").sum(),
        "known_age": pl.col("count").filter(pl.col("age_group") != "unknown").sum()}
    ).drop("total")
    cells = total.join(sex, on=_KEY, how="left", nulls_equal=True).join(
        age, on=_KEY, how="left", nulls_equal=True)
    # Every row counts as used, whichever view gave the count.
    used = frame.group_by(_KEY).agg(rows=pl.len())
    return cells.join(used, on=_KEY, nulls_equal=True).group_by(_CELL).agg(
        pl.col("victims", "female", "known_sex", "child", "known_age", "rows").sum())


def estimate_people_flows(
    records: pl.DataFrame | pa.Table,
    params: PeopleParams = PeopleParams(),
    *,
    tlp: str | None = None,
    sources: Iterable[str] = (),
    withheld_rows: int = 0,
) -> PeopleFlows:
    """Origin → destination flows of detected victims, with shares, breakdowns and scope.

    Args:
        records: ``VictimCount`` rows (year, country_detection, citizenship, commodity, sex,
            age_group, count; other columns ignored).
        params: methodology choices.
        tlp: strictest TLP of the records, carried into the result.
        sources: source ids of the records.
        withheld_rows: rows the reader's clearance did not let through.

    Returns:
        The edges, a summary by scope, the parameters and the inputs.
    """
    frame = _restrict(_as_frame(records), params.commodity).filter(pl.col("count").is_not_null())
    years = (int(frame["year"].min()), int(frame["year"].max())) if frame.height else None  # type: ignore[arg-type]
    inputs = FlowInputs(frame.height, tuple(sorted(frame["country_detection"].unique())), years,
                        tlp, tuple(sorted(set(sources))), withheld_rows)
    cells = assign_periods(_cells(frame), params.period_years).rename(
        {"citizenship": "from_iso3", "country_detection": "to_iso3"})
    edges = cells.group_by(_EDGE).agg(
        pl.col("victims", "female", "known_sex", "child", "known_age").sum(),
        records=pl.col("rows").sum().cast(pl.Int64))
    edges = edges.with_columns(destination_victims=pl.col("victims").sum().over(
        ["commodity", "period", "to_iso3"]))
    low, high = jeffreys_interval(edges["victims"].to_numpy(),
                                  edges["destination_victims"].to_numpy(),
                                  params.interval, params.design_effect)
    scopes = [flow_scope(o, d, params.region_level)
              for o, d in edges.select("from_iso3", "to_iso3").iter_rows()]
    edges = edges.with_columns(
        share=pl.col("victims") / pl.col("destination_victims"),
        share_low=pl.Series(low), share_high=pl.Series(high),
        female_share=pl.when(pl.col("known_sex") > 0).then(pl.col("female") / pl.col("known_sex")),
        child_share=pl.when(pl.col("known_age") > 0).then(pl.col("child") / pl.col("known_age")),
        scope=pl.Series(scopes, dtype=pl.String), method=pl.lit(METHOD),
    ).select("from_iso3", "to_iso3", "commodity", "period", "victims", "destination_victims",
             "share", "share_low", "share_high", "female_share", "child_share", "records",
             "scope", "method").sort(["commodity", "period", "to_iso3", "victims"],
                                     descending=[False, False, False, True])
    edges = edges.filter(touches_region(params.region, "from_iso3", "to_iso3"))
    return PeopleFlows(edges, _by_scope(edges, params), params, inputs)


def touches_region(region: str | None, *columns: str) -> pl.Expr:
    """True where any of ``columns`` is a country of ``region`` (everywhere when None)."""
    if region is None:
        return pl.lit(True)
    members = sorted(region_codes(region))
    return pl.any_horizontal(pl.col(c).is_in(members).fill_null(False) for c in columns)


def _by_scope(edges: pl.DataFrame, params: PeopleParams) -> pl.DataFrame:
    summary = edges.group_by(["commodity", "period", "scope"]).agg(
        pl.col("victims").sum(), flows=pl.len(), destinations=pl.col("to_iso3").n_unique())
    summary = summary.with_columns(total=pl.col("victims").sum().over(["commodity", "period"]))
    low, high = jeffreys_interval(summary["victims"].to_numpy(), summary["total"].to_numpy(),
                                  params.interval, params.design_effect)
    return summary.with_columns(
        share=pl.col("victims") / pl.col("total"), share_low=pl.Series(low),
        share_high=pl.Series(high),
    ).select("commodity", "period", "scope", "victims", "share", "share_low", "share_high",
             "flows", "destinations").sort(["commodity", "period", "scope"])
