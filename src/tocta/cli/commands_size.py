"""`tocta size`: ad-hoc sizing from a YAML spec, with Monte Carlo ranges and labels."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tocta.cli.console import out, print_json


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:,.4g}"


def size(
    spec: Path = typer.Argument(..., help="The sizing spec (YAML): quantities and outputs."),
    draws: int = typer.Option(None, "--draws", help="Monte Carlo draws (default 10,000 or the "
                              "spec's settings.draws)."),
    seed: int = typer.Option(None, "--seed", help="Seed of the draws (default 0 or the "
                             "spec's settings.seed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Size a flow or market from SPEC: each output with median, 90% interval and labels.

    Quantities are points (18), bounds ({low: 2.5e6, high: 3.0e6}) or distributions
    ({dist: pert, min: 1, mode: 2, max: 4}; triangular, uniform, lognormal), each with an
    optional unit, price_level and source (inputs of one source draw together). Outputs are
    operations: sum, difference, product, ratio, share, residual, gross_profit. Where the
    inputs are bounds, the range the bounds imply is printed next to the Monte Carlo interval.
    Values at different price levels are never summed. See docs/methodology/sizing.md.

    Example: tocta size cocaine-west-africa.yaml --draws 20000 --seed 1
    """
    from dataclasses import replace

    from tocta.analytics.sizespec import compute_spec, load_spec

    parsed = load_spec(spec)
    params = parsed.params
    if draws is not None:
        if draws < 2:
            raise typer.BadParameter("write a whole number of at least 2", param_hint="--draws")
        params = replace(params, draws=draws)
    if seed is not None:
        params = replace(params, seed=seed)
    result = compute_spec(parsed, params)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"{spec.name}: {params.draws:,} draws, seed {params.seed}; "
                  "90% = 5th-95th percentile")
    for col in ("output", "median", "90% low", "90% high", "bounds low", "bounds high",
                "unit", "price level", "method", "dominant inputs"):
        table.add_column(col, justify="right" if col[0].isdigit() or col.startswith(
            ("median", "bounds")) else "left")
    for q in result.outputs:
        top = ", ".join(f"{n} {s:.0%}" for n, s in q.dominant_inputs[:3])
        table.add_row(q.name, _fmt(q.median), _fmt(q.low), _fmt(q.high), _fmt(q.bounds_low),
                      _fmt(q.bounds_high), q.unit or "", q.price_level or "", q.method, top)
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command("size")(size)
