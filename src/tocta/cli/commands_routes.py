"""`tocta routes`: bias-corrected routes and flows of a commodity, with maps."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from tocta.cli.console import err, out, print_json
from tocta.cli.options import DB_HELP, clearance_for, parse_years, settings_for


def routes(
    commodity: str = typer.Option(..., help="Commodity id, label or synonym (e.g. cocaine, "
                                  "heroin, methamphetamine); a group includes its members."),
    region: str = typer.Option(None, help="Show the routes touching this region (M49 or "
                               "tocta region name, e.g. \"West Africa\"). Default: all."),
    years: str = typer.Option(None, help="Period, e.g. 2015-2020 or 2019. Default: all years."),
    out_dir: Path = typer.Option(None, "--out", help="Write tables (CSV, Parquet), maps and "
                                 "the Sankey (standalone HTML) and the method note here."),
    engine: str = typer.Option("duckdb", help="Row-level engine: duckdb (reads the store in "
                               "place) or spark (reads a Parquet snapshot; needs pyspark)."),
    clearance: str = typer.Option("full", help="Read as: full (the store owner) or a TLP "
                                  "ceiling (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)."),
    replicates: int = typer.Option(20, help="Bootstrap refits behind the 90% intervals."),
    seed: int = typer.Option(0, help="Seed of the bootstrap."),
    anchor: float = typer.Option(None, help="Annual quantity entering the routes (kg/yr for "
                                 "drugs), e.g. from a production estimate: gives each leg a "
                                 "volume with its interval."),
    top: int = typer.Option(15, help="Rows to print per table."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print edges, hubs and inputs as JSON."),
) -> None:
    """Estimate the routes of COMMODITY from seizure records, corrected for enforcement.

    Seizures measure where police look as much as where drugs move. tocta models the records
    at each country as flow x that country's detection rate, infers the legs between the
    points a record reports over the transport graph, and prints the main routes and hubs
    with 90% intervals, beside the naive raw-seizure shares. With --out it writes the edge
    table (from, to, share, share_low, share_high, inferred_share, trend...), nodes, paths,
    a flow map, a transit choropleth, a Sankey and a naive-vs-corrected map.

    Example: tocta routes --commodity cocaine --region "West Africa" --years 2015-2020 --out routes/
    """
    from tocta.services.routes import is_synthetic, route_flows, write_route_outputs
    from tocta.services.store import open_from_settings

    store = open_from_settings(settings_for(db))
    reader = clearance_for(clearance)
    period = parse_years(years) if years else None
    with err.status("estimating routes…", spinner="dots") as status:
        result = route_flows(store, reader, commodity=commodity, region=region, years=period,
                             engine=engine, replicates=replicates, seed=seed, anchor=anchor,
                             progress=lambda msg: status.update(msg + "…"))
    synthetic = is_synthetic(store)
    written = (write_route_outputs(result, out_dir, synthetic=synthetic, region=region)
               if out_dir else {})
    hubs = result.nodes.filter(pl.col("role") != "origin").head(top)
    if as_json:
        print_json({"commodity": result.commodity, "period": list(result.period),
                    "synthetic": synthetic, "method": result.method,
                    "inputs": result.inputs.__dict__, "fit": result.fit_info,
                    "edges": result.edges.head(top).to_dicts(), "hubs": hubs.to_dicts(),
                    "files": {k: str(v) for k, v in written.items()}})
        return
    if synthetic:
        out.print("[bold red]SYNTHETIC DATA — simulated, not real[/]")
    out.print(f"Routes of {result.commodity}, {result.period[0]}-{result.period[1]}"
              + (f", touching {region}" if region else "")
              + f": {result.inputs.records:,} records from "
              f"{len(result.inputs.countries_reporting)} reporting countries, "
              f"TLP {result.inputs.tlp}", highlight=False)
    paths = Table("main routes", "share", "90% interval", title="Main routes (share of flow)")
    for row in result.paths.head(top).iter_rows(named=True):
        paths.add_row(" → ".join(row["path"]), f"{row['share']:.1%}",
                      f"{row['share_low']:.1%} – {row['share_high']:.1%}")
    out.print(paths)
    edges = Table("from", "to", "share", "90% interval", "naive", "inferred", "trend",
                  title="Legs (share of all leg flow)")
    naive = dict(zip(zip(result.naive_edges["from_iso3"], result.naive_edges["to_iso3"],
                         strict=True), result.naive_edges["share"], strict=True))
    for row in result.edges.head(top).iter_rows(named=True):
        edges.add_row(row["from_iso3"], row["to_iso3"], f"{row['share']:.1%}",
                      f"{row['share_low']:.1%} – {row['share_high']:.1%}",
                      f"{naive.get((row['from_iso3'], row['to_iso3']), 0.0):.1%}",
                      f"{row['inferred_share']:.0%}", str(row.get("trend") or ""))
    out.print(edges)
    table = Table("country", "role", "throughput", "90% interval", "betweenness", "records",
                  "LE ratio", "data gap", title="Hubs (share of flow passing through)")
    for row in hubs.iter_rows(named=True):
        le = row["le_ratio"]
        table.add_row(row["iso3"], row["role"], f"{row['throughput_share']:.1%}",
                      f"{row['throughput_low']:.1%} – {row['throughput_high']:.1%}",
                      f"{row['betweenness']:.2f}", str(row["seizures_reported"]),
                      "" if le is None else f"{le:.2f}", "yes" if row["data_gap"] else "")
    out.print(table)
    if region:
        from tocta.reference.regions import region_codes

        entry = Table("from", "into", "share", "90% interval", title=f"Entry points into {region}")
        for row in result.entry_points(region_codes(region)).head(top).iter_rows(named=True):
            entry.add_row(row["from_iso3"], row["to_iso3"], f"{row['share']:.1%}",
                          f"{row['share_low']:.1%} – {row['share_high']:.1%}")
        out.print(entry)
    if result.modes is not None:
        out.print("Mode of transport (records): " + ", ".join(
            f"{m} {s:.0%}" for m, s in zip(result.modes["mode"], result.modes["share"],
                                           strict=True)), highlight=False)
    gaps = result.nodes.filter(pl.col("data_gap"))["iso3"].to_list()
    if gaps:
        out.print("Data gaps (on the estimated routes, few or no seizures reported): "
                  + ", ".join(gaps), highlight=False)
    out.print(f"method: {result.method}; `--out DIR` writes the method note "
              "(how the flows were estimated and what they rest on).", highlight=False)
    for name, path in written.items():
        out.print(f"  {name}: {path}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("routes")(routes)
