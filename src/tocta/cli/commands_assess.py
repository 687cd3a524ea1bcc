"""`tocta assess`: the threat assessment of a region and period, as a report."""

from __future__ import annotations

from pathlib import Path

import typer

from tocta.cli.console import err, out, print_json
from tocta.cli.options import DB_HELP, clearance_for, parse_years, settings_for
from tocta.errors import UsageError

_FORMATS = ("html", "pdf")


def assess(
    region: str = typer.Option(..., help="Region to assess: a tocta region (\"West Africa\", "
                               "\"Western and Central Europe\"...) or an ISO3 code."),
    years: str = typer.Option(..., help="Period, e.g. 2018-2020; markets are sized for its "
                              "last year."),
    flows: list[str] = typer.Option(None, "--flows", help="Commodity families to assess "
                                    "(repeat the option); default: every family with data."),
    out_dir: Path = typer.Option(Path("tocta-report"), "--out", help="Folder for report.html, "
                                 "assessment.json and the CSV tables."),
    clearance: str = typer.Option("full", help="Build only from what this reader may see: "
                                  "full or a TLP ceiling (CLEAR, GREEN, AMBER, AMBER+STRICT, "
                                  "RED)."),
    fmt: str = typer.Option("html", "--format", help="html, or html,pdf (the PDF is the same "
                            "page printed by headless Chromium, which it needs)."),
    draws: int = typer.Option(4000, help="Monte Carlo draws per market."),
    seed: int = typer.Option(0, help="Seed of the draws and route bootstrap."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print assessment.json to stdout."),
) -> None:
    """Assess REGION over YEARS: for each flow the six TOCTA questions, as an HTML report.

    Writes OUT/report.html (self-contained, works offline), OUT/assessment.json (every
    number with its range, method, price level, sources and grades), the CSV tables behind
    the figures and, with --format html,pdf, OUT/report.pdf (needs Chromium). The report
    carries the strictest TLP of its inputs, and SYNTHETIC on every page when the store
    holds simulated data.

    Example: tocta assess --region "West Africa" --years 2018-2020 --out report/
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from tocta.report import fmt_number
    from tocta.services.assess import DEFAULT_FLOWS
    from tocta.services.assess import assess as run_assessment
    from tocta.services.store import open_from_settings

    wanted = [f.strip().lower() for f in fmt.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in _FORMATS]
    if unknown:
        raise UsageError(f"--format {fmt!r}: use html, pdf or html,pdf")
    if "pdf" in wanted:
        from tocta.report.pdf import HOW_TO_GET, find_browser

        if find_browser() is None:       # say so before minutes of analysis, not after
            raise UsageError(f"--format pdf: {HOW_TO_GET}; --format html works without it")
    period = parse_years(years)
    store = open_from_settings(settings_for(db))
    reader = clearance_for(clearance)
    # steps: routes and market per flow, traffickers, writing, printing
    steps = 2 * len(flows or DEFAULT_FLOWS) + 2 + ("pdf" in wanted)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task("assessing…", total=steps)

        def step(message: str) -> None:
            bar.update(task, description=message + "…", advance=1)

        result = run_assessment(store, reader, region, period, flows=flows or None,
                                out=out_dir, draws=draws, seed=seed, formats=wanted,
                                progress=step)
    if as_json:
        print_json(result.to_dict())
        return
    out.print(f"[bold]TOCTA {region} {period[0]}-{period[1]}[/bold] — TLP:{result.tlp}"
              + (" — [red]SYNTHETIC DATA[/red]" if result.synthetic else ""))
    for i, r in enumerate(result.ranking(), 1):
        out.print(f"{i}. {r['commodity']}: {fmt_number(r['median'])} {r['currency']}/yr "
                  f"(90% {fmt_number(r['low'])} - {fmt_number(r['high'])}) at "
                  f"{r['price_level']}")
    for s in result.skipped:
        out.print(f"not assessed: {s}")
    for name, path in result.written.items():
        out.print(f"{name}: {path}")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
