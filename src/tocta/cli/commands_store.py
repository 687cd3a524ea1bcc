"""Store, sources, runs and quarantine commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tocta.cli.console import out, print_json
from tocta.cli.options import DB_HELP, settings_for
from tocta.services import sources as svc
from tocta.services.store import open_from_settings, store_summary

store_app = typer.Typer(help="Create, upgrade and inspect the store.", no_args_is_help=True)
sources_app = typer.Typer(
    help="Register sources (AGENCY/DATASET) with their default grade and TLP, and share them.",
    no_args_is_help=True)

DB = typer.Option(None, "--db", help=DB_HELP)
JSON = typer.Option(False, "--json", help="Print JSON with stable keys instead of tables.")


@store_app.command("init")
def store_init(db: str | None = DB) -> None:
    """Create the store (or migrate it to the current schema)."""
    store = open_from_settings(settings_for(db))
    out.print(f"store ready: {store.engine.url.render_as_string(hide_password=True)} "
              f"(revision {store.revision()})")


@store_app.command("upgrade")
def store_upgrade(db: str | None = DB) -> None:
    """Migrate the store to the schema of this version of tocta (Alembic)."""
    store = open_from_settings(settings_for(db))
    out.print(f"store at revision {store.revision()}")


@store_app.command("info")
def store_info(db: str | None = DB, as_json: bool = JSON) -> None:
    """What the store holds: records per type, source and TLP."""
    summary = store_summary(open_from_settings(settings_for(db)))
    if as_json:
        print_json(summary)
        return
    out.print(f"{summary['url']} ({summary['dialect']}, revision {summary['revision']}, "
              f"data: {summary['data_kind'] or 'empty'})")
    table = Table("record type", "records", "sources", "TLP")
    for name, info in summary["record_types"].items():
        table.add_row(name, f"{info['records']:,}", ", ".join(info["by_source"]),
                      ", ".join(f"{k} {v:,}" for k, v in info["by_tlp"].items()))
    out.print(table)


@sources_app.command("add")
def sources_add(
    source_id: str = typer.Argument(..., help="AGENCY/DATASET, e.g. NCB-SN/seizures-2023"),
    grade: str = typer.Option(None, help="Default grade SCHEME:CODE, e.g. admiralty:B2, "
                              "5x5x5:B2, 3x5x2:1B, europol4x4:B2."),
    tlp: str = typer.Option(None, help="Default TLP 2.0 label: CLEAR, GREEN, AMBER, "
                            "AMBER+STRICT, RED."),
    handling: str = typer.Option(None, help="Default handling code."),
    owner_agency: str = typer.Option(None, help="Owner agency (default: the AGENCY part)."),
    title: str = typer.Option(None, help="Human title of the dataset."),
    synthetic: bool = typer.Option(False, help="The source holds simulated data."),
    db: str | None = DB,
) -> None:
    """Register a source. Ingest uses its grade and TLP when the file and command give none."""
    source = svc.add_source(open_from_settings(settings_for(db)), source_id, grade=grade,
                            tlp=tlp, handling=handling, owner_agency=owner_agency, title=title,
                            synthetic=synthetic)
    out.print(f"registered {source.source_id}: grade {source.grade}, TLP:{source.tlp}, "
              f"owner {source.owner_agency}")


@sources_app.command("list")
def sources_list(db: str | None = DB, as_json: bool = JSON) -> None:
    """The registered sources."""
    found = svc.list_sources(open_from_settings(settings_for(db)))
    if as_json:
        print_json([{"source_id": s.source_id, "grade": str(s.grade) if s.grade else None,
                     "tlp": s.tlp, "owner_agency": s.owner_agency, "handling": s.handling,
                     "synthetic": s.synthetic, "title": s.title} for s in found])
        return
    table = Table("source", "grade", "TLP", "owner", "title")
    for s in found:
        table.add_row(s.source_id, str(s.grade), s.tlp or "", s.owner_agency, s.title or "")
    out.print(table)


@sources_app.command("share")
def sources_share(
    source_id: str = typer.Argument(..., help="The source to share."),
    with_: str = typer.Option(..., "--with", help="agency:NAME (or NAME), panel:NAME for a "
                              "panel's members, user:NAME for a named recipient (needed for RED)."),
    db: str | None = DB,
) -> None:
    """Share a source: AMBER records become visible to the grantee (RED: named users only)."""
    settings = settings_for(db)
    kind = svc.share_source(open_from_settings(settings), source_id, with_, settings.user)
    out.print(f"shared {source_id} with {kind} {with_.split(':')[-1]}")


def runs(
    run_id: int = typer.Argument(None, help="Show one run with its issues."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """List ingest runs (rows read / inserted / already present / quarantined), or one run."""
    store = open_from_settings(settings_for(db))
    if run_id is None:
        listed = svc.list_runs(store)
        if as_json:
            print_json(listed)
            return
        table = Table("run", "source", "type", "read", "inserted", "present", "quarantined",
                      "issues by code")
        for r in listed:
            codes = ", ".join(f"{k} {v['count']}" for k, v in (r["issues_by_code"] or {}).items())
            table.add_row(str(r["run_id"]), r["source_id"], r["record_type"],
                          f"{r['rows_read']:,}", f"{r['inserted']:,}",
                          f"{r['already_present']:,}", f"{r['quarantined']:,}", codes)
        out.print(table)
        return
    run, issues = svc.run_detail(store, run_id)
    if as_json:
        print_json({**run, "issues": issues.to_dicts()})
        return
    out.print(f"run {run_id}: {run['source_id']} {run['record_type']} {run['files']}")
    out.print(f"read {run['rows_read']:,} = inserted {run['inserted']:,} + already present "
              f"{run['already_present']:,} + quarantined {run['quarantined']:,}")
    for r in issues.head(200).iter_rows(named=True):
        where = f"{r['file']}:{r['row']}" if r["row"] is not None else r["file"]
        out.print(f"{where}: {r['field'] or ''}: {r['message']} [{r['code']}]", highlight=False)
    if issues.height > 200:
        out.print(f"... {issues.height - 200} more; use --json for all")


def quarantine(
    run_id: int = typer.Argument(..., help="The run whose quarantined rows to write."),
    out_path: Path = typer.Option(..., "--out", help="CSV or XLSX file to write."),
    db: str | None = DB,
) -> None:
    """Write a run's quarantined rows with an issues column, ready to fix and re-submit."""
    n = svc.write_quarantine_file(open_from_settings(settings_for(db)), run_id, out_path)
    out.print(f"wrote {n} quarantined rows to {out_path}")


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
    app.add_typer(sources_app, name="sources")
    app.command("runs")(runs)
    app.command("quarantine")(quarantine)
