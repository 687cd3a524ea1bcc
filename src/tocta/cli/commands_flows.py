"""`tocta flows`: people (victims detected) and licit-trade flows on the same country graph."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from tocta.cli.console import out, print_json
from tocta.cli.options import DB_HELP, clearance_for, parse_years, settings_for

KINDS = ("victims", "trade")


def flows(
    kind: str = typer.Argument(..., help="victims (VictimCount: citizenship → country of "
                               "detection) or trade (TradeRecord: origin → exporter → "
                               "importer, with mirror discrepancies)."),
    commodity: str = typer.Option(None, help="Commodity id or name (e.g. "
                                  "tip_sexual_exploitation, smuggling of migrants, a CITES "
                                  "taxon commodity). Default: all."),
    region: str = typer.Option(None, help="Keep flows with either end in this region."),
    years: str = typer.Option(None, help="Period, e.g. 2015-2020. Default: all years."),
    out_dir: Path = typer.Option(None, "--out", help="Write the tables (CSV) and a flow map."),
    clearance: str = typer.Option("full", help="Read as: full or a TLP ceiling."),
    top: int = typer.Option(15, help="Rows to print."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the tables as JSON."),
) -> None:
    """Flows of people or of licit trade between countries, with their caveats.

    Victims: shares of the victims each country detected, by citizenship, with sex and age
    breakdowns, labelled domestic, intra-regional or trans-regional; detections measure
    detection effort too. Trade: origin → exporter → importer quantities per unit, and the
    importer-vs-exporter (mirror) discrepancy per pair.

    Example: tocta flows victims --region "Southern Europe" --out flows/
    """
    from tocta.errors import UsageError
    from tocta.services.otherflows import people_flows, trade_flows
    from tocta.services.routes import is_synthetic
    from tocta.services.store import open_from_settings

    if kind not in KINDS:
        raise UsageError(f"unknown flow data {kind!r}: use victims or trade")
    store = open_from_settings(settings_for(db))
    reader = clearance_for(clearance)
    period = parse_years(years) if years else None
    synthetic = is_synthetic(store)
    if kind == "victims":
        people = people_flows(store, reader, commodity=commodity, region=region, years=period)
        tables = {"edges": people.edges, "by_scope": people.by_scope}
        text = people.explain()
    else:
        trade = trade_flows(store, reader, commodity=commodity, region=region, years=period)
        tables = {"edges": trade.edges, "mirror": trade.mirror, "chains": trade.chains}
        text = trade.explain()
    if as_json:
        print_json({k: v.head(top).to_dicts() for k, v in tables.items()} | {"method": text})
        return
    if synthetic:
        out.print("[bold red]SYNTHETIC DATA — simulated, not real[/]")
    for name, df in tables.items():
        table = Table(*df.columns, title=name)
        for row in df.head(top).iter_rows():
            table.add_row(*("" if v is None else f"{v:.3g}" if isinstance(v, float) else str(v)
                            for v in row))
        out.print(table)
    out.print(text, highlight=False)
    if out_dir:
        _write(out_dir, kind, tables, text, synthetic)


def _write(out_dir: Path, kind: str, tables: dict[str, pl.DataFrame], text: str,
           synthetic: bool) -> None:
    from tocta.figures import flow_map
    from tocta.figures.offline import write_html

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.with_columns(synthetic=pl.lit(synthetic)).write_csv(out_dir / f"{kind}_{name}.csv")
    edges = tables["edges"].filter(pl.col("from_iso3").is_not_null()
                                   & (pl.col("from_iso3") != pl.col("to_iso3")))
    if "share_low" not in edges.columns:
        edges = edges.with_columns(share_low=pl.col("share"), share_high=pl.col("share"))
    if edges.height:
        top = edges.sort("share", descending=True).head(60)
        write_html(flow_map(top, title=f"{kind} flows", synthetic=synthetic),
                   out_dir / f"{kind}_flow_map.html", title=f"{kind} flows", synthetic=synthetic)
    banner = "SYNTHETIC DATA — simulated, not real\n\n" if synthetic else ""
    (out_dir / f"{kind}_method.txt").write_text(banner + text + "\n", encoding="utf-8")
    out.print(f"written to {out_dir}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("flows")(flows)
