"""`tocta simulate`: synthetic worlds with known ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tocta.cli.console import out, print_json, progress_bar
from tocta.errors import UsageError


def simulate(
    scenario: str = typer.Argument(None, help="A shipped scenario name (see --list) or a "
                                   "scenario YAML file."),
    seed: int = typer.Option(1, help="Random seed: the same seed gives byte-identical files."),
    out_dir: Path = typer.Option(None, "--out", help="Folder to write the world into (must be "
                                 "new or empty)."),
    scale: float = typer.Option(1.0, help="Multiply the number of records (events, "
                                "transfers); true volumes do not change."),
    list_: bool = typer.Option(False, "--list", help="List the shipped scenarios and exit."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Generate a synthetic world: true flows, the records agencies would submit, the truth.

    Writes OUT/agencies/<AGENCY>/... (files to ingest), OUT/truth/ (never read by analytics),
    OUT/manifest.yaml (which file to ingest as which --type, with which mapping) and a SYNTHETIC
    marker. Simulated data must never share a store with real data; tocta refuses to mix them.

    Example: tocta simulate west-africa-cocaine --seed 7 --out worlds/wa
    """
    from tocta.simulate.scenario import load_scenario, shipped_scenarios

    if list_:
        rows: list[dict[str, Any]] = []
        for name, path in sorted(shipped_scenarios().items()):
            s = load_scenario(path)
            rows.append({"name": name, "years": list(s.years),
                         "commodities": [c.id for c in s.commodities],
                         "description": s.description})
        if as_json:
            print_json(rows)
            return
        table = Table("scenario", "years", "commodities", "description")
        for r in rows:
            table.add_row(r["name"], "-".join(map(str, r["years"])), ", ".join(r["commodities"]),
                          r["description"][:120] + ("…" if len(r["description"]) > 120 else ""))
        out.print(table)
        return
    if scenario is None or out_dir is None:
        raise UsageError("give a SCENARIO and --out DIR (or --list to see the scenarios)")
    from tocta.services.simulate import run_simulation

    with progress_bar(not as_json) as progress:
        result = run_simulation(scenario, seed, out_dir, scale, progress)
    files = result.manifest.files
    summary = {"scenario": result.manifest.scenario, "seed": seed, "scale": scale,
               "out": str(out_dir), "seizure_events": result.events,
               "records": result.records, "files": len(files),
               "planted_bad_rows": sum(f.bad_rows for f in files)}
    if as_json:
        print_json(summary)
        return
    out.print(f"SYNTHETIC world {summary['scenario']} (seed {seed}) in {out_dir}: "
              f"{result.events:,} seizure events, {result.records:,} records in "
              f"{len(files)} files ({summary['planted_bad_rows']} rows deliberately broken); "
              "truth in truth/, manifest in manifest.yaml", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
