"""`tocta entities`: FollowTheMoney entities — import, export, show, seizure links, judgements."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tocta.access.clearance import Clearance
from tocta.cli.console import err, out, print_json
from tocta.cli.options import DB_HELP, clearance_for, settings_for

entities_app = typer.Typer(
    help="FollowTheMoney entities stored as statements with provenance: import FtM JSON lines "
         "or mapped CSV, export FtM JSON lines, show an entity as your clearance sees it.",
    no_args_is_help=True)

DB = typer.Option(None, "--db", help=DB_HELP)
JSON = typer.Option(False, "--json", help="Print JSON with stable keys instead of tables.")
CLEARANCE = typer.Option("full", help="Read as: full (the store owner) or a TLP ceiling "
                         "(CLEAR, GREEN, AMBER, AMBER+STRICT, RED) for --agency.")
AGENCY = typer.Option(None, help="The reader's agency (default: $TOCTA_AGENCY); AMBER "
                      "statements are visible to their owner and agencies they are shared with.")


def _clearance(level: str, agency: str | None, db: str | None) -> Clearance:
    base = clearance_for(level)
    if base.unrestricted:
        return base
    settings = settings_for(db)
    return Clearance(user=settings.user, agency=agency or settings.agency,
                     tlp_ceiling=base.tlp_ceiling, handling=base.handling)


@entities_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="FtM JSON lines (.jsonl, .ftm.json) or a CSV.",
                                exists=True, dir_okay=False),
    source: str = typer.Option(..., "--source", help="The registered source AGENCY/DATASET "
                               "(see `tocta sources add`)."),
    mapping: Path = typer.Option(None, help="FollowTheMoney mapping YAML for a CSV (not needed "
                                 "for tocta's flat entity CSV).", exists=True, dir_okay=False),
    fmt: str = typer.Option(None, "--format", help="jsonl or csv (default: from the suffix)."),
    grade: str = typer.Option(None, help="Grade SCHEME:CODE (default: the source's)."),
    tlp: str = typer.Option(None, help="TLP of the statements (default: the source's)."),
    handling: str = typer.Option(None, help="Handling code (default: the source's)."),
    owner_agency: str = typer.Option(None, help="Owner agency (default: the source's)."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any row was quarantined."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Import FILE as statements of SOURCE: one atomic run; re-importing adds nothing.

    Bad rows are quarantined with their issues (file:row: field, raw value, code); see
    `tocta runs RUN` and `tocta quarantine RUN`.
    """
    from tocta.services.entities import ImportOptions, import_file
    from tocta.services.store import open_from_settings

    settings = settings_for(db)
    result = import_file(open_from_settings(settings), file, ImportOptions(
        source_id=source, mapping=mapping, format=fmt, grade=grade, tlp=tlp, handling=handling,
        owner_agency=owner_agency, user=settings.user))
    if as_json:
        print_json(result.as_dict())
    else:
        c = result.counts
        out.print(f"run {result.run_id}: {c.rows_read:,} rows read — {c.inserted:,} inserted, "
                  f"{c.already_present:,} already present, {c.quarantined:,} quarantined; "
                  f"{result.statements_inserted:,} new statements")
        if result.issues_by_code:
            table = Table("issue", "level", "count")
            for code, info in result.issues_by_code.items():
                table.add_row(code, str(info["level"]), str(info["count"]))
            out.print(table)
            for line in result.issues.head(20).iter_rows(named=True):
                where = f"{line['file']}:{line['row']}" if line["row"] else line["file"]
                field = f" {line['field']}:" if line["field"] else ""
                err.print(f"{where}:{field} {line['message']} [{line['code']}]",
                          highlight=False, markup=False)
    if strict and result.counts.quarantined:
        raise typer.Exit(1)


@entities_app.command("export")
def export(
    out_file: Path = typer.Option(None, "--out", help="File to write (default: stdout)."),
    statements: str = typer.Option(None, help="Write FtM statements instead of entities: "
                                   "json or csv (each value keeps its source as dataset)."),
    schema: list[str] = typer.Option(None, help="Only entities of this FtM schema (repeat)."),
    clearance: str = CLEARANCE, agency: str = AGENCY, db: str | None = DB,
) -> None:
    """Export the entities your clearance may export as FtM JSON lines (`ftm` reads them)."""
    from tocta.services.entities import export_file
    from tocta.services.store import open_from_settings

    reader = _clearance(clearance, agency, db)
    store = open_from_settings(settings_for(db))
    with out_file.open("wb") if out_file else nullcontext(sys.stdout.buffer) as handle:
        summary = export_file(store, reader, handle, statements=statements,
                              schemata=schema or None)
    err.print(f"exported {summary.entities:,} entities ({summary.statements:,} statements) "
              f"from {len(summary.sources)} sources, TLP:{summary.tlp}", highlight=False)


def _print_entity(view: Any) -> None:
    out.print(f"[bold]{view.entity.caption}[/] ({view.entity.schema.name} {view.id}) "
              f"TLP:{view.tlp}", highlight=False)
    table = Table("property", "value", "source", "grade", "TLP")
    for s in sorted(view.statements, key=lambda s: (s.statement.prop, s.statement.value)):
        if s.statement.prop == "id":
            continue
        table.add_row(s.statement.prop, s.statement.value, s.source_id, s.grade or "", s.tlp)
    out.print(table)


@entities_app.command("show")
def show(
    entity_id: str = typer.Argument(..., help="The entity id."),
    merge: list[str] = typer.Option(None, help="Merge these other ids into it (a resolved "
                                    "cluster; repeat)."),
    clearance: str = CLEARANCE, agency: str = AGENCY, db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Show an entity as your clearance sees it: each value with its source, grade and TLP."""
    from tocta.errors import NotFoundError
    from tocta.services.entities import show_entity, show_merged
    from tocta.services.store import open_from_settings

    reader = _clearance(clearance, agency, db)
    store = open_from_settings(settings_for(db))
    view = (show_merged(store, [entity_id, *merge], reader, canonical_id=entity_id) if merge
            else show_entity(store, entity_id, reader))
    if view is None:
        raise NotFoundError(f"no entity {entity_id} visible to {reader.describe()}")
    if as_json:
        print_json(view.as_dict())
    else:
        _print_entity(view)


@entities_app.command("seizures")
def seizures(
    clearance: str = CLEARANCE, agency: str = AGENCY, db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Entities named by seizure records (their `entity_ids`), as your clearance sees both."""
    from tocta.services.entities import linked_to_seizures
    from tocta.services.store import open_from_settings

    reader = _clearance(clearance, agency, db)
    result = linked_to_seizures(open_from_settings(settings_for(db)), reader)
    if as_json:
        print_json(result.as_dict())
        return
    table = Table("seizure", "date", "country", "entity", "schema", "caption")
    for link in result.links:
        view = result.entities.get(link.entity_id)
        table.add_row(link.record_id or link.record_key[:12], link.date or "",
                      link.country or "", link.entity_id[:12],
                      view.entity.schema.name if view else "", view.entity.caption if view
                      else "(not visible)")
    out.print(table)
    out.print(f"TLP:{result.tlp}; unresolved ids: {len(result.unresolved)}")


@entities_app.command("judge")
def judge(
    left: str = typer.Argument(..., help="An entity id."),
    right: str = typer.Argument(..., help="Another entity id."),
    judgement: str = typer.Argument(..., help="positive, negative or unsure."),
    note: str = typer.Option(None, help="Why."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Record a resolution judgement on two entity ids (the log is never rewritten)."""
    from tocta.services.entities import add_judgement
    from tocta.services.store import open_from_settings

    settings = settings_for(db)
    j = add_judgement(open_from_settings(settings), left, right, judgement, settings.user, note)
    if as_json:
        print_json(j.as_dict())
    else:
        out.print(f"judgement {j.judgement_id}: {j.left_id} {j.judgement} {j.right_id}")


@entities_app.command("retract")
def retract(
    judgement_id: int = typer.Argument(..., help="The judgement to undo."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Undo a judgement: it stays in the log, marked retracted by you."""
    from tocta.services.entities import retract_judgement
    from tocta.services.store import open_from_settings

    settings = settings_for(db)
    j = retract_judgement(open_from_settings(settings), judgement_id, settings.user)
    if as_json:
        print_json(j.as_dict())
    else:
        out.print(f"judgement {j.judgement_id} retracted by {j.retracted_by}")


@entities_app.command("judgements")
def judgements(
    entity_id: str = typer.Option(None, "--entity", help="Only judgements on this id."),
    all_: bool = typer.Option(False, "--all", help="Include retracted judgements."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """The judgement log."""
    from tocta.services.entities import list_judgements
    from tocta.services.store import open_from_settings

    found = list_judgements(open_from_settings(settings_for(db)), entity_id, all_)
    if as_json:
        print_json([j.as_dict() for j in found])
        return
    table = Table("id", "left", "judgement", "right", "user", "when", "retracted", "note")
    for j in found:
        table.add_row(str(j.judgement_id), j.left_id, j.judgement, j.right_id, j.user,
                      j.created_at.isoformat(timespec="seconds"),
                      "yes" if j.retracted else "", j.note or "")
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(entities_app, name="entities")

