"""`tocta resolve`: which entity records are the same person — run, review, judge, explain."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Column, Table

from tocta.access.clearance import Clearance
from tocta.cli.console import out, print_json
from tocta.cli.options import DB_HELP, clearance_for, settings_for

if TYPE_CHECKING:
    from tocta.services.entity_resolution import Resolution
    from tocta.store.engine import Store

resolve_app = typer.Typer(
    help="Resolve entities across agencies (Splink), with an analyst's judgement log: "
         "sources are never rewritten, canonical ids are derived, every merge can be "
         "explained and undone.\n\n"
         "Persons: names (any script, any order, typos, dropped middle names), partial birth "
         "dates, identifiers (passport, national id), nationality with residence, gender, "
         "address — and relations: two records whose groups (resolved by their members), "
         "accounts, companies or associates resolve to the same entities are likelier one "
         "person. Groups, companies, vessels and accounts: name, jurisdiction or flag, "
         "registration, IMO, IBAN, with a model of their own "
         "(docs/methodology/resolution.md).\n\n"
         "Example: `tocta resolve --threshold 0.8`, then `tocta resolve review`, "
         "`tocta resolve judge ID1 ID2 negative --note \"different fathers\"`, "
         "`tocta resolve explain ID1 ID2`.",
    invoke_without_command=True, rich_markup_mode="markdown")

DB = typer.Option(None, "--db", help=DB_HELP)
JSON = typer.Option(False, "--json", help="Print JSON with stable keys instead of tables.")
CLEARANCE = typer.Option("full", help="Read as: full (the store owner) or a TLP ceiling "
                         "(CLEAR, GREEN, AMBER, AMBER+STRICT, RED) for --agency.")
AGENCY = typer.Option(None, help="The reader's agency (default: $TOCTA_AGENCY).")
THRESHOLD = typer.Option(0.9, "--threshold", min=0.0, max=1.0,
                         help="Merge pairs at or above this match probability.")
WORK = typer.Option(None, "--work", help="Folder for the resumable scoring (default: "
                    "tocta-work/ next to a SQLite store, else ./tocta-work).")


def reader_for(level: str, agency: str | None, db: str | None) -> Clearance:
    """The clearance the command reads with (as `tocta entities`)."""
    base = clearance_for(level)
    if base.unrestricted:
        return base
    settings = settings_for(db)
    return Clearance(user=settings.user, agency=agency or settings.agency,
                     tlp_ceiling=base.tlp_ceiling, handling=base.handling)


def work_folder(work: Path | None, db: str | None) -> Path:
    """Where resolution keeps its model and scored chunks."""
    if work is not None:
        return work
    url = settings_for(db).database_url
    if "://" not in url:
        return Path(url).resolve().parent / "tocta-work"
    return Path("tocta-work")


def _resolution(threshold: float, clearance: str, agency: str | None, db: str | None,
                work: Path | None, progress: bool) -> tuple[Store, Resolution]:
    from dataclasses import replace

    from tocta.services.entity_resolution import ResolveParams, resolve_entities
    from tocta.services.store import open_from_settings

    logging.getLogger("splink").setLevel(logging.ERROR)
    params = ResolveParams()
    params = replace(params, clusters=replace(params.clusters, accept_probability=threshold))
    store = open_from_settings(settings_for(db))
    return store, resolve_entities(store, reader_for(clearance, agency, db),
                                   work_folder(work, db), params, progress)


@resolve_app.callback()
def run(
    ctx: typer.Context,
    threshold: float = THRESHOLD, work: Path | None = WORK, clearance: str = CLEARANCE,
    agency: str | None = AGENCY, db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Score candidate pairs of the Person entities you may see and cluster them with the
    judgements in force. Re-running resumes where an interrupted run stopped.

    Example: `tocta resolve --threshold 0.8 --json`
    """
    if ctx.invoked_subcommand is not None:
        return
    _, res = _resolution(threshold, clearance, agency, db, work, not as_json)
    summary = res.as_dict()
    if as_json:
        print_json(summary)
        return
    out.print(f"{summary['records']:,} person records and {summary['thing_records']:,} "
              f"others (groups, companies, vessels, accounts), {summary['pairs']:,} scored pairs: "
              f"{summary['clusters']:,} entities ({summary['merged_records']:,} records "
              f"merged at ≥ {threshold}); {summary['judgements']} judgements in force, "
              f"{len(summary['refusals'])} merges refused.", highlight=False)
    for note in (summary["note"], summary["things_note"]):
        if note:
            out.print(f"  {note}", highlight=False, markup=False)
    for reason in summary["refusals"][:10]:
        out.print(f"  not merged: {reason}", highlight=False, markup=False)
    out.print("Next: `tocta resolve review` lists the pairs awaiting your judgement.")


@resolve_app.command("review")
def review(
    limit: int = typer.Option(20, help="How many pairs to list."),
    threshold: float = THRESHOLD, work: Path | None = WORK, clearance: str = CLEARANCE,
    agency: str | None = AGENCY, db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Pairs awaiting a judgement, most uncertain (probability nearest 0.5) first.

    Example: `tocta resolve review --limit 10`, then `tocta resolve judge A B positive`.
    """
    from tocta.services.entity_resolution import review_pairs

    store, res = _resolution(threshold, clearance, agency, db, work, False)
    pairs = review_pairs(res, store, limit)
    if as_json:
        print_json(pairs.to_dicts())
        return
    table = Table(Column("left", overflow="fold"), "name", Column("right", overflow="fold"),
                  "name", "probability", "now")
    for r in pairs.iter_rows(named=True):
        table.add_row(r["left_id"], r["left_name"] or "", r["right_id"], r["right_name"] or "",
                      f"{r['match_probability']:.3f}",
                      "same entity" if r["same_cluster"] else "apart")
    out.print(table)


@resolve_app.command("judge")
def judge(
    left: str = typer.Argument(..., help="An entity id."),
    right: str = typer.Argument(..., help="Another entity id."),
    judgement: str = typer.Argument(..., help="positive, negative or unsure."),
    note: str = typer.Option(None, "--note", help="Why (kept in the log)."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Record that two entities are (positive), are not (negative) or may be (unsure) the same.

    The log is never rewritten; `tocta resolve undo ID` withdraws a judgement.

    Example: `tocta resolve judge 3f2a… 9c1b… negative --note "different birth dates"`
    """
    from tocta.services.entities import add_judgement
    from tocta.services.store import open_from_settings

    settings = settings_for(db)
    j = add_judgement(open_from_settings(settings), left, right, judgement, settings.user, note)
    if as_json:
        print_json(j.as_dict())
    else:
        out.print(f"judgement {j.judgement_id}: {j.left_id} {j.judgement} {j.right_id} "
                  f"(undo: tocta resolve undo {j.judgement_id})", highlight=False)


@resolve_app.command("undo")
def undo(
    judgement_id: int = typer.Argument(..., help="The judgement to withdraw."),
    db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Withdraw a judgement: the row stays in the log, marked retracted by you; the clustering
    returns to what it was without it.

    Example: `tocta resolve undo 12`
    """
    from tocta.services.entities import retract_judgement
    from tocta.services.store import open_from_settings

    settings = settings_for(db)
    j = retract_judgement(open_from_settings(settings), judgement_id, settings.user)
    if as_json:
        print_json(j.as_dict())
    else:
        out.print(f"judgement {j.judgement_id} retracted by {j.retracted_by}")


@resolve_app.command("explain")
def explain(
    left: str = typer.Argument(..., help="An entity id."),
    right: str = typer.Argument(..., help="Another entity id."),
    threshold: float = THRESHOLD, work: Path | None = WORK, clearance: str = CLEARANCE,
    agency: str | None = AGENCY, db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Why two entities are (or are not) one: each feature's evidence, the judgements and
    the merges refused.

    Example: `tocta resolve explain 3f2a… 9c1b…`
    """
    from tocta.services.entity_resolution import explain_pair

    _, res = _resolution(threshold, clearance, agency, db, work, False)
    text = explain_pair(res, left, right)
    if as_json:
        known = left in res.mapping and right in res.mapping
        print_json({"left_id": left, "right_id": right,
                    "same": known and res.canonical_id(left) == res.canonical_id(right),
                    "left_canonical_id": res.mapping.get(left),
                    "right_canonical_id": res.mapping.get(right),
                    "pair": res.result.pair(left, right) if res.result else None,
                    "explanation": text})
    else:
        out.print(text, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(resolve_app, name="resolve")
