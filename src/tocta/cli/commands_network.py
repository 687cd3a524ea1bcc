"""`tocta network`: who are the traffickers — key players, brokers, links to officials, money."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import typer
from rich.table import Table

from tocta.cli.commands_resolve import (
    AGENCY,
    CLEARANCE,
    DB,
    JSON,
    THRESHOLD,
    WORK,
    reader_for,
    work_folder,
)
from tocta.cli.console import err, out, print_json
from tocta.cli.options import settings_for
from tocta.errors import UsageError

EXPORTS = ("graphml", "gephi", "ftm")


def network(
    min_grade: str = typer.Option("B2", "--min-grade", help="Use only links graded at least "
                                  "this (Admiralty, both halves: B2 keeps A1…B2)."),
    export: str = typer.Option(None, "--export", help="Also write the graph: graphml, gephi "
                               "(nodes.csv + edges.csv) or ftm (relation entities)."),
    out_dir: Path = typer.Option(None, "--out", help="Folder for --export.", file_okay=False),
    min_sources: int = typer.Option(2, "--min-sources", help="Evidentiary standard: "
                                    "independent sources needed to name an individual."),
    court_source: list[str] = typer.Option(None, "--court-source", help="A source id that "
                                           "is a court record (one suffices; repeat)."),
    threshold: float = THRESHOLD, work: Path | None = WORK, clearance: str = CLEARANCE,
    agency: str | None = AGENCY, db: str | None = DB, as_json: bool = JSON,
) -> None:
    """Resolve the entities you may see, analyse their network and trace their money.

    Prints key players, brokers between groups and links to public officials, and the
    money-trail alerts. Individuals are named only when the evidentiary standard holds: at
    least two independent sources graded B2 or better (or a court record); below it they
    are counted, not named.

    Example: `tocta network --min-grade B2 --export gephi --out net/`
    """
    from tocta.analytics.networks_export import ftm_relations, gephi_csv, graphml_text
    from tocta.services.store import open_from_settings
    from tocta.services.traffickers import (
        EvidentiaryStandard,
        TraffickerParams,
        analyse_traffickers,
    )

    if export and export not in EXPORTS:
        raise UsageError(f"--export {export!r}: use one of {', '.join(EXPORTS)}")
    if export and out_dir is None:
        raise UsageError("--export needs --out DIR (the folder to write into)")
    logging.getLogger("splink").setLevel(logging.ERROR)
    p = TraffickerParams()
    p = replace(p, clusters=replace(p.clusters, accept_probability=threshold),
                network=replace(p.network, min_grade=min_grade),
                standard=EvidentiaryStandard(min_sources=min_sources,
                                             court_sources=tuple(court_source or ())))
    store = open_from_settings(settings_for(db))
    result = analyse_traffickers(store, reader_for(clearance, agency, db),
                                 work_folder(work, db), p, progress=not as_json)
    written: list[str] = []
    net = result.network
    if export and net is None:
        err.print(f"no link graded {min_grade} or better: nothing exported")
    elif export and net is not None:
        assert out_dir is not None
        out_dir.mkdir(parents=True, exist_ok=True)
        files: dict[str, str] = {}
        if export == "graphml":
            files["network.graphml"] = graphml_text(net)
        elif export == "gephi":
            files["nodes.csv"], files["edges.csv"] = gephi_csv(net)
        else:
            files["relations.ftm.jsonl"] = "".join(
                json.dumps(e, sort_keys=True) + "\n" for e in ftm_relations(net.edges))
        for name, text in files.items():
            (out_dir / name).write_text(text, encoding="utf-8")
            written.append(str(out_dir / name))
    if as_json:
        print_json({**result.to_dict(), "exported": written})
        return
    f = result.findings()
    table = Table("finding", "named", "counted, not named")
    for key, title in (("key_players", "key players"), ("brokers", "brokers"),
                       ("official_links", "within reach of an official")):
        table.add_row(title, ", ".join(f[key]["named"][:8]) or "—", str(f[key]["not_named"]))
    out.print(table)
    alerts = result.alerts()
    if alerts:
        money = Table("typology", "subject", "transfers", "amount", "period")
        for a in alerts[:20]:
            money.add_row(a["typology"], a["subject"] or "(below the standard)",
                          str(a["transfers"]), f"{a['amount']:,.0f} {a['currency']}",
                          f"{a['start']} – {a['end']}")
        out.print(money)
    out.print(result.explain(), highlight=False, markup=False)
    for path in written:
        err.print(f"wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("network")(network)
