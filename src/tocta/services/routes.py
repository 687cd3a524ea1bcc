"""Threat mapping as a service: seizures the reader may see → bias-corrected routes.

The row-level work (clearance filter, de-duplication, record classes) runs in Ibis on one of
two engines, with the same expressions:

* ``duckdb`` (default): DuckDB reads the store in place (SQLite or PostgreSQL attached
  through the pip-packaged scanner extensions) through a view filtered to the clearance;
* ``spark``: the same view is written to a Parquet snapshot, which Spark (local mode here, a
  cluster for users who outgrow one machine) reads; no JDBC, nothing the reader may not see.

The model then runs on the classes in numpy (``tocta.analytics.routes``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from tocta.access.clearance import Clearance
from tocta.analytics.routes import RouteEstimate, RouteInputs, estimate_routes
from tocta.analytics.routes_records import reporting_countries, seizure_classes
from tocta.analytics.spark import spark_session
from tocta.errors import UsageError
from tocta.reference.commodities import all_commodities, ancestors, resolve_commodity
from tocta.reference.governance import rule_of_law
from tocta.reference.regions import region_codes
from tocta.services.dedup import flag_duplicates
from tocta.store.duck import connect_duckdb
from tocta.store.engine import Store
from tocta.store.read import VisibleView, create_visible_view

ENGINES = ("duckdb", "spark")
Progress = Callable[[str], None]


def seizure_table(store: Store, clearance: Clearance, engine: str, workdir: Path
                  ) -> tuple[ir.Table, VisibleView, Any]:
    """The seizures ``clearance`` may read as an Ibis table on ``engine`` (with its view)."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    con = connect_duckdb()
    view = create_visible_view(con, store, "Seizure", clearance)
    if engine == "duckdb":
        return ibis.duckdb.from_connection(con).table(view.name), view, con
    snapshot = workdir / "seizure.parquet"
    con.execute(f"COPY (SELECT * FROM \"{view.name}\") TO '{snapshot}' (FORMAT parquet)")
    con.close()
    backend = ibis.pyspark.connect(spark_session())
    return backend.read_parquet(str(snapshot), table_name="seizure_snapshot"), view, backend


def members(commodity_id: str) -> list[str]:
    """The commodity and every commodity below it (``cocaine_type`` → cocaine HCl, crack...)."""
    return sorted({c.id for c in all_commodities()
                   if c.id == commodity_id or commodity_id in ancestors(c.id)})


def route_classes(store: Store, clearance: Clearance, commodity: str, *,
                  years: tuple[int, int] | None = None, engine: str = "duckdb"
                  ) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """Record classes of one commodity, reporting countries, and facts about the inputs."""
    with tempfile.TemporaryDirectory(prefix="tocta-routes-") as tmp:
        t, view, handle = seizure_table(store, clearance, engine, Path(tmp))
        try:
            flagged = flag_duplicates(t)
            ids = members(commodity)
            classes = pl.from_arrow(seizure_classes(flagged, commodities=ids,
                                                    years=years).to_pyarrow())
            reporting = pl.from_arrow(reporting_countries(flagged, years=years).to_pyarrow())
            mine = flagged.filter(flagged.commodity.isin(ids))
            if years is not None:
                mine = mine.filter(mine.year.between(years[0], years[1]))
            labels = pl.from_arrow(mine.group_by(["tlp", "source_id"]).aggregate(
                n=mine.count(), duplicates=mine.is_duplicate.cast("int64").sum()).to_pyarrow())
        finally:
            if engine == "duckdb":
                handle.close()
    assert isinstance(classes, pl.DataFrame) and isinstance(reporting, pl.DataFrame)
    assert isinstance(labels, pl.DataFrame)
    from tocta.schema.types.tlp import strictest_tlp

    facts = {"tlp": strictest_tlp(labels["tlp"].to_list()) if labels.height else "CLEAR",
             "sources": tuple(sorted(labels["source_id"].to_list())),
             "duplicates": int(labels["duplicates"].sum() or 0),
             "withheld_rows": view.withheld_rows}
    return classes, reporting, facts


def route_flows(store: Store, clearance: Clearance, *, commodity: str,
                region: str | None = None, years: tuple[int, int] | None = None,
                engine: str = "duckdb", replicates: int = 20, seed: int = 0,
                weight: str = "records", anchor: float | None = None,
                progress: Progress | None = None) -> RouteEstimate:
    """Bias-corrected routes of ``commodity`` from the seizures ``clearance`` may read.

    The model is fitted on every record of the commodity in the period; ``region`` limits
    the edges, nodes and paths returned to those touching it.
    """
    step = progress or (lambda _msg: None)
    match = resolve_commodity(commodity)
    if match.id is None:
        raise UsageError(f"unknown commodity {commodity!r}: see `tocta schema` or "
                         "docs/reference/commodities.md for the ids")
    cid = match.id
    codes = region_codes(region) if region else None
    step(f"reading seizures ({engine})")
    classes, reporting, facts = route_classes(store, clearance, cid, years=years, engine=engine)
    if classes.height == 0:
        raise UsageError(f"no {cid} seizures visible to this reader"
                         + (f" in {years[0]}-{years[1]}" if years else "")
                         + ": ingest seizure records or widen --years")
    period = years or (int(classes["year"].min()), int(classes["year"].max()))  # type: ignore[arg-type]
    inputs = RouteInputs(
        records=int(classes["records"].sum()), duplicates_dropped=facts["duplicates"],
        countries_reporting=tuple(sorted(classes["country"].unique().to_list())),
        tlp=facts["tlp"], sources=facts["sources"],
        worst_reliability=_max(classes["worst_reliability"]),
        worst_credibility=_max(classes["worst_credibility"]),
        withheld_rows=facts["withheld_rows"])
    covariates = {c: [v] for c in reporting["country"].to_list() + classes["country"].to_list()
                  if (v := rule_of_law(c)) is not None}
    step("fitting the route model")
    result = estimate_routes(classes, commodity=cid, period=period, inputs=inputs,
                             reporting=set(reporting["country"].to_list()),
                             covariates=covariates or None, replicates=replicates, seed=seed,
                             weight=weight, anchor=anchor)
    return result.for_region(codes) if codes else result


def _max(values: pl.Series) -> int | None:
    v = values.max()
    return int(v) if v is not None else None  # type: ignore[arg-type]


def is_synthetic(store: Store) -> bool:
    """Whether the store holds simulated data (everything shown from it says SYNTHETIC)."""
    return store.get_meta("data_kind") == "synthetic"


def write_route_outputs(result: RouteEstimate, out: Path, *, synthetic: bool,
                        region: str | None = None) -> dict[str, Path]:
    """Write the tables (CSV and Parquet), the figures (standalone HTML) and the explanation.

    Returns the written paths by name. Every file of a synthetic store says so: the tables
    carry a ``synthetic`` column, the figures a SYNTHETIC banner, the text a first line.
    """
    from tocta.figures.comparisons import side_by_side
    from tocta.figures.maps import flow_map, transit_choropleth
    from tocta.figures.offline import write_html
    from tocta.figures.paths import sankey

    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    stem = f"{result.commodity}_{result.period[0]}-{result.period[1]}"
    tables = {"edges": result.edges, "nodes": result.nodes, "paths": result.paths,
              "naive_edges": result.naive_edges}
    if result.yearly is not None:
        tables["yearly"] = result.yearly
    if result.modes is not None:
        tables["modes"] = result.modes
    labels = {"synthetic": pl.lit(synthetic), "tlp": pl.lit(result.inputs.tlp),
              "records_used": pl.lit(result.inputs.records),
              "countries_reporting": pl.lit(len(result.inputs.countries_reporting)),
              "worst_reliability_rank": pl.lit(result.inputs.worst_reliability),
              "worst_credibility_rank": pl.lit(result.inputs.worst_credibility)}
    for name, df in tables.items():
        df = df.with_columns(**labels)
        df.write_parquet(out / f"{stem}_{name}.parquet")
        flat = df.with_columns(pl.col("path").list.join(">")) if "path" in df.columns else df
        flat.write_csv(out / f"{stem}_{name}.csv")
        written[name] = out / f"{stem}_{name}.csv"
    where = f" — {region}" if region else ""
    title = f"{result.commodity}, {result.period[0]}-{result.period[1]}{where}"
    figures = {
        "flow_map": flow_map(result.edges.head(60), title=f"Estimated routes: {title}",
                             synthetic=synthetic, color_by="trend"),
        "transit_map": transit_choropleth(result.nodes, title=f"Flow through each country: "
                                          f"{title}", synthetic=synthetic),
        "sankey": sankey(result.paths, title=f"Origin → transit → destination: {title}",
                         synthetic=synthetic),
        "naive_vs_corrected": side_by_side(
            result.naive_edges.head(40).with_columns(share_low=pl.col("share"),
                                                     share_high=pl.col("share")),
            result.edges.head(40), title=f"Raw seizures vs bias-corrected: {title}",
            synthetic=synthetic),
    }
    for name, fig in figures.items():
        written[name] = write_html(fig, out / f"{stem}_{name}.html", title=title,
                                   synthetic=synthetic)
    text = out / f"{stem}_method.txt"
    banner = "SYNTHETIC DATA — simulated, not real\n\n" if synthetic else ""
    text.write_text(banner + result.explain() + "\n", encoding="utf-8")
    written["method"] = text
    return written
