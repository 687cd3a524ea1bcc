"""Reference-data commands: country resolution, regions, commodities."""

from __future__ import annotations

import typer
from rich.table import Table

from tocta.cli.console import out, print_json
from tocta.reference.names import resolve_countries

countries_app = typer.Typer(help="Country reference data and name resolution.",
                            no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON with stable keys instead of a table.")


@countries_app.command("resolve")
def countries_resolve(
    names: list[str] = typer.Argument(..., help="Names or codes in any UN language, demonyms, "
                                      "misspellings: 'Côte d’Ivoire' Nigerians ZAR Columbia"),
    as_json: bool = JSON,
) -> None:
    """Resolve country names to ISO 3166-1 alpha-3, with the match score and method.

    Catch-alls (Unknown, Other) and region names (Africa) resolve to no country, with a reason.
    """
    matches = resolve_countries(names)
    if as_json:
        print_json([{"name": n, "code": m.code, "score": round(m.score, 1), "method": m.method,
                     "unit": m.unit, "issue": m.issue, "candidates": list(m.candidates)}
                    for n, m in matches.items()])
        return
    table = Table("name", "ISO3", "score", "method", "note")
    for name, m in matches.items():
        note = m.issue or ""
        if m.unit:
            note = (note + " " if note else "") + f"unit: {m.unit}"
        if m.candidates:
            note += f" (candidates: {', '.join(m.candidates)})"
        table.add_row(name, m.code or "—", f"{m.score:.0f}", m.method, note)
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(countries_app, name="countries")
