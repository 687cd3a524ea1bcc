"""Ingest, schema, template and demo commands."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from tocta.cli.console import err, out, print_json, progress_bar
from tocta.cli.options import DB_HELP, settings_for
from tocta.ingest.issues import issue_lines
from tocta.schema.dictionary import dictionary_markdown, type_dict, type_markdown
from tocta.schema.model import get_type, record_types
from tocta.services.ingest import IngestOptions, IngestResult, ingest_files
from tocta.services.store import open_from_settings

DB = typer.Option(None, "--db", help=DB_HELP)
JSON = typer.Option(False, "--json", help="Print JSON with stable keys instead of tables.")


def _print_result(result: IngestResult, show: int) -> None:
    c = result.counts
    out.print(
        f"run {result.run_id}: {result.source_id} → {result.record_type}: read {c.rows_read:,} "
        f"= {c.inserted:,} new + {c.already_present:,} already present + "
        f"{c.quarantined:,} quarantined" + (f"; {c.superseded:,} superseded" if c.superseded
                                             else ""), highlight=False)
    if result.issues_by_code:
        table = Table("issue code", "level", "count", title="issues by code")
        for code, info in result.issues_by_code.items():
            table.add_row(code, str(info["level"]), f"{int(info['count']):,}")
        out.print(table)
        ordered = result.issues.sort(
            pl.col("level").replace_strict({"error": 0, "warning": 1, "info": 2}, default=3),
            maintain_order=True)
        lines = issue_lines(ordered)
        for line in lines[:show]:
            out.print(line, highlight=False, markup=False)
        if len(lines) > show:
            out.print(f"... {len(lines) - show:,} more: `tocta runs {result.run_id}` or "
                      "--issues-out FILE", highlight=False)
    if c.quarantined:
        out.print(f"fix the quarantined rows: tocta quarantine {result.run_id} --out fix.csv",
                  highlight=False)


def ingest(
    files: list[Path] = typer.Argument(..., help="Files to ingest: .csv (.csv.gz), .xlsx, "
                                       ".json, .jsonl, .parquet.", show_default=False),
    record_type: str = typer.Option(..., "--type", "-t", help="Record type: Seizure, "
                                    "SeizureTotal, PriceObservation, ... (see `tocta schema`)."),
    source: str = typer.Option(..., "--source", "-s", help="Registered source AGENCY/DATASET "
                               "(`tocta sources add`)."),
    mapping: Path = typer.Option(None, "--mapping", "-m", help="Mapping YAML from columns to "
                                 "fields; without one, columns are matched by field name or "
                                 "label (templates need none)."),
    grade: str = typer.Option(None, help="Grade for rows that carry none, SCHEME:CODE "
                              "(default: the source's)."),
    tlp: str = typer.Option(None, help="TLP for rows that carry none (default: the source's)."),
    handling: str = typer.Option(None, help="Handling code for rows that carry none."),
    replace: bool = typer.Option(False, "--replace", help="Supersede the source's earlier "
                                 "records that this submission changes or no longer contains "
                                 "(history is kept)."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any row has an "
                                "error-level issue (valid rows are still stored)."),
    issues_out: Path = typer.Option(None, "--issues-out", help="Write every issue to this "
                                    "CSV or JSONL file."),
    show: int = typer.Option(20, help="How many issue lines to print."),
    db: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Validate, grade, label and store records; nothing is lost.

    Valid rows are stored; rows with errors are quarantined with their issues
    (`tocta quarantine RUN --out fix.csv`). Every issue names file:row: field, the raw value
    and a stable code. A run is atomic (all of its rows or none) and idempotent (re-ingesting
    the same file adds nothing). Exit codes: 0 ok, 1 errors with --strict, 2 usage or
    configuration errors.

    Example: tocta sources add NCB-SN/seizures --grade admiralty:B2 --tlp AMBER;
    tocta ingest seizures.xlsx --type Seizure --source NCB-SN/seizures
    """
    settings = settings_for(db)
    store = open_from_settings(settings)
    options = IngestOptions(record_type=record_type, source_id=source, mapping=mapping,
                            grade=grade, tlp=tlp, handling=handling, replace=replace,
                            user=settings.user)
    with progress_bar(not as_json) as progress:
        result = ingest_files(store, files, options, progress)
    if issues_out is not None:
        issues_out.parent.mkdir(parents=True, exist_ok=True)
        if issues_out.suffix.lower() in (".jsonl", ".ndjson"):
            result.issues.write_ndjson(issues_out)
        else:
            result.issues.write_csv(issues_out)
    if as_json:
        print_json(result.as_dict())
    else:
        _print_result(result, show)
    if strict and result.counts.errors:
        err.print(f"{result.counts.errors:,} error-level issues (--strict)")
        raise typer.Exit(1)


def schema(
    record_type: str = typer.Argument(None, help="One record type (default: all)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the data dictionary as "
                                  "Markdown (the docs page is generated this way)."),
    as_json: bool = JSON,
) -> None:
    """The data dictionary: record types and their fields, derived from the record YAML."""
    types = [get_type(record_type)] if record_type else list(record_types().values())
    if as_json:
        print_json([type_dict(rt) for rt in types])
        return
    if markdown:
        out.print(type_markdown(types[0]) if record_type else dictionary_markdown(),
                  markup=False, highlight=False)
        return
    for rt in types:
        if not record_type:
            out.print(f"[bold]{rt.name}[/] — {rt.label}: {rt.description}")
            continue
        out.print(f"[bold]{rt.name}[/] — {rt.description}")
        table = Table("field", "type", "req", "label / description")
        for f in rt.fields:
            kind = f.type + ("[]" if f.multiple else "") + (" (derived)" if f.derived else "")
            table.add_row(f.name, kind, "yes" if f.required else "",
                          f"{f.label}: {f.description}")
        out.print(table)
    if not record_type:
        out.print("`tocta schema TYPE` for the fields of one type.")


def template(
    record_type: str = typer.Argument(..., help="Record type, e.g. seizure."),
    out_path: Path = typer.Option(..., "--out", "-o", help="The .xlsx file to write."),
) -> None:
    """Write an Excel submission template (codelist dropdowns, a field-description sheet).

    A filled-in template ingests with no mapping: tocta ingest FILE --type TYPE --source S
    """
    from tocta.schema.template import build_template

    rt = get_type(record_type)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    build_template(rt).save(out_path)
    out.print(f"wrote the {rt.name} template to {out_path}")


def demo(
    out_dir: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo store "
                                 "and its summary."),
    as_json: bool = JSON,
) -> None:
    """Build two threat assessments, one from real public data and one from a simulated world.

    Real: ingests the bundled UNODC, CITES, World Bank and BLS tables into OUT/tocta-real.db,
    sizes markets and writes OUT/real-report/report.html (Western and Central Europe,
    2017-2021). Synthetic: simulates the West Africa cocaine and Mediterranean smuggling
    scenarios into OUT/synthetic/tocta-synthetic.db and writes
    OUT/synthetic-report/report.html (West Africa, 2018-2021), SYNTHETIC on every page. The
    two never share a store. A PDF of each is printed when Chromium is installed. Running it
    again adds nothing to the stores (ingest is idempotent) and rewrites the reports.
    """
    from tocta.services.demo import run_demo

    settings = settings_for(None)

    def on_result(ds: object, result: IngestResult) -> None:
        if not as_json:
            c = result.counts
            out.print(f"{result.source_id:32} {result.record_type:17} read {c.rows_read:>7,} = "
                      f"{c.inserted:>7,} new + {c.already_present:>7,} present + "
                      f"{c.quarantined:>5,} quarantined", highlight=False)

    def step(message: str) -> None:
        if not as_json:
            out.print(f"[dim]… {message}[/dim]", highlight=False)

    with progress_bar(not as_json) as progress:
        summary = run_demo(out_dir, settings.user, progress, on_result, step=step)
    if as_json:
        print_json(summary)
        return
    h = summary["highlights"]
    table = Table("country", "tonnes", title="Cocaine seized in 2022 (UNODC WDR 2024; a "
                  "country's reported total, else its breakdown)")
    for row in h["cocaine_seizures_2022_top10_tonnes"]:
        table.add_row(row["country"], f"{row['tonnes']:,}")
    out.print(table)
    table = Table("market level", "countries", "median US$/kg", "10th pct", "90th pct",
                  title="Cocaine prices 2022, current US$ per kg (UNODC WDR 2024)")
    for row in h["cocaine_prices_2022_usd_per_kg"]:
        table.add_row(row["market_level"], str(row["countries"]),
                      f"{row['median_usd_per_kg']:,.0f}", f"{row['p10']:,.0f}",
                      f"{row['p90']:,.0f}")
    out.print(table)
    table = Table("market", "t/yr pure (90%)", "retail value US$ bn/yr (90%)", "sides",
                  "inputs missing", title="Markets sized from the bundled real data "
                  "(UNODC prevalence and prices, World Bank population; cited defaults)")
    for m in summary["markets"]:
        v = m["volume"]
        vol = (f"{v['median'] / 1e3:,.0f} ({v['low'] / 1e3:,.0f}-{v['high'] / 1e3:,.0f})"
               if v else "not computed")
        retail = next((x for x in m["values"] if x["price_level"] == "retail"), None)
        val = (f"{retail['median'] / 1e9:,.1f} ({retail['low'] / 1e9:,.1f}-"
               f"{retail['high'] / 1e9:,.1f}), {retail['currency']}" if retail else "n/a")
        sides = ", ".join(s["side"] for s in v["sides"]) if v else ""
        table.add_row(f"{m['commodity']}, {m['region']}, {m['year']}", vol, val, sides,
                      str(len(m["missing_inputs"])))
    out.print(table)
    out.print(f"markets: {out_dir / 'markets.json'} (every input, default and missing input)")
    out.print(f"store: {out_dir / 'tocta-real.db'} (real data, TLP:{h['tlp']}); "
              f"summary: {out_dir / 'summary.json'}")
    for name, rep in summary.get("reports", {}).items():
        files = rep["files"]
        label = "SYNTHETIC (simulated world)" if rep["synthetic"] else "real public data"
        out.print(f"[bold]{name} report[/bold] — {rep['region']} {rep['years'][0]}-"
                  f"{rep['years'][1]}, {label}, TLP:{rep['tlp']}: {files['report']}"
                  + (f" and {files['pdf']}" if "pdf" in files else ""), highlight=False)
    if summary.get("pdf"):
        out.print(summary["pdf"])
    out.print("next: open the reports in a browser; tocta assess --help to build your own")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("ingest")(ingest)
    app.command("schema")(schema)
    app.command("template")(template)
