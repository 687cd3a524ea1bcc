"""`tocta market`: size a market from the store's records, with its value and its gaps."""

from __future__ import annotations

import numpy as np
import typer
from rich.table import Table

from tocta.cli.console import err, out, print_json
from tocta.cli.options import DB_HELP, clearance_for, settings_for


def _money(v: float) -> str:
    for size, word in ((1e9, "bn"), (1e6, "m")):
        if abs(v) >= size:
            return f"{v / size:,.2f} {word}"
    return f"{v:,.0f}"


def _t(v: float) -> str:
    return f"{v / 1000:,.1f}"


def market(
    commodity: str = typer.Option(..., help="Commodity family: cocaine or heroin (ids, labels "
                                  "and synonyms work, e.g. cocaine_type)."),
    region: str = typer.Option(..., help="Market region: a tocta region (\"Western and "
                               "Central Europe\", \"North America\", \"West Africa\"...) or an "
                               "M49 code."),
    year: int = typer.Option(..., help="The year to size (prevalence surveys within 4 years "
                             "are used and their year shown)."),
    price_year: int = typer.Option(None, help="Express values in constant US$ of this year "
                                   "(default: the year + 2, at most the latest full CPI year)."),
    routes: bool = typer.Option(False, "--routes", help="Also estimate the routes from seizure "
                                "records and distribute the volume over them (slower)."),
    clearance: str = typer.Option("full", help="Read as: full or a TLP ceiling (CLEAR, GREEN, "
                                  "AMBER, AMBER+STRICT, RED); results carry the strictest "
                                  "TLP of what they used."),
    draws: int = typer.Option(10_000, help="Monte Carlo draws."),
    seed: int = typer.Option(0, help="Seed of the draws."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the whole result as JSON."),
) -> None:
    """Size the COMMODITY market of REGION in YEAR from the store, with 90% intervals.

    Three sides, each a method with its cited defaults: demand (prevalence x population
    15-64 x consumption per user), supply (production - seizures - losses, when production
    estimates are in the store) and seizures (seizures / interception rate, a band). The sides
    are compared and combined (inverse-variance on the log scale; the demand side alone when
    they disagree). Values are given at retail and wholesale-at-destination price levels in
    constant US$, never summed; then the value chain, where the money likely goes (an
    indicative gravity model) and trends in prices and prevalence. Every input that was
    missing is listed. See docs/methodology/sizing.md.

    Example: tocta market --commodity cocaine --region "Western and Central Europe" --year 2021
    """
    from tocta.services.market import size_market
    from tocta.services.routes import is_synthetic, route_flows
    from tocta.services.store import open_from_settings

    store = open_from_settings(settings_for(db))
    reader = clearance_for(clearance)
    shares = None
    if routes:
        with err.status("estimating routes…", spinner="dots") as status:
            estimate = route_flows(store, reader, commodity=commodity, years=(year, year),
                                   progress=lambda msg: status.update(msg + "…"))
        shares = estimate.paths
    with err.status("sizing the market…", spinner="dots"):
        result = size_market(store, reader, commodity=commodity, region=region, year=year,
                             price_year=price_year, draws=draws, seed=seed,
                             synthetic=is_synthetic(store), route_shares=shares)
    if as_json:
        print_json(result.to_dict())
        return
    title = (f"{result.commodity}, {result.region}, {result.year} — TLP:{result.tlp}, "
             f"weakest grade {result.grade or 'n/a'}")
    if result.synthetic:
        title = "SYNTHETIC DATA — " + title
    table = Table(title=title + "; 90% = 5th-95th percentile")
    for col in ("quantity", "median", "90% low", "90% high", "unit"):
        table.add_column(col, justify="left" if col in ("quantity", "unit") else "right")
    methods = []
    if result.volume:
        v = result.volume
        for s in v.sides:
            table.add_row(f"{s.side} side", _t(s.median), _t(s.low), _t(s.high),
                          "t/yr pure" + (" (band)" if s.is_band else ""))
            methods.append(f"{s.side} side: {s.method}")
        table.add_row("[bold]volume consumed[/bold]", _t(v.median), _t(v.low), _t(v.high),
                      "t/yr pure")
        methods.append(f"combined: {v.rule}")
        methods += [f"[yellow]flag:[/yellow] {f}" for f in v.flags]
    for mv in result.values:
        q = mv.to_dict(result.price_year)
        table.add_row(f"value at {mv.price_level}", _money(q["median"]), _money(q["low"]),
                      _money(q["high"]), f"{q['currency']}/yr")
        methods.append(f"value at {mv.price_level}: {mv.method}")
    out.print(table)
    for m in methods:
        out.print(m)
    if result.chain:
        for seg in result.chain.segments:
            gp = seg.profit
            out.print(f"gross profit {seg.level_in} → {seg.level_out}: "
                      f"{_money(float(np.median(gp)))} ({_money(float(np.percentile(gp, 5)))}-"
                      f"{_money(float(np.percentile(gp, 95)))}) US$/yr, to {seg.captured_by}")
    if result.laundering:
        la = result.laundering
        top = ", ".join(f"{d.country} {100 * d.share:.0f}%" for d in la.destinations[:5])
        out.print(f"laundering ({la.caveat}): likely destinations {top}")
    if result.routes is not None and result.routes.height:
        out.print("volume along the estimated routes (t/yr pure):")
        for r in result.routes.head(6).iter_rows(named=True):
            out.print(f"  {' > '.join(r['path'])}: {_t(r['median'])} "
                      f"({_t(r['low'])}-{_t(r['high'])})")
    changed = [t for t in result.trends if t.change_pct is not None][:8]
    for t in changed:
        sig = "significant trend" if t.significant else "no significant trend"
        out.print(f"{t.measure} {t.level or ''} {t.country}: {t.change_pct:+.0f}% since the "
                  f"previous year observed ({sig})")
    for key in result.defaults_used:
        out.print(f"[dim]default used: {key}[/dim]")
    for m in result.missing:
        out.print(f"[yellow]missing:[/yellow] {m}")
    for n in result.notes:
        out.print(f"[dim]note: {n}[/dim]")


def register(app: typer.Typer) -> None:
    app.command("market")(market)
