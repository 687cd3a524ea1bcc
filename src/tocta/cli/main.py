"""The ``tocta`` command."""

from __future__ import annotations

import sys

import typer

from tocta import __version__
from tocta.cli import (
    commands_assess,
    commands_data,
    commands_entities,
    commands_flows,
    commands_market,
    commands_network,
    commands_reference,
    commands_resolve,
    commands_routes,
    commands_simulate,
    commands_size,
    commands_store,
)
from tocta.cli.console import err
from tocta.errors import TocError

app = typer.Typer(
    name="tocta",
    help=(
        "tocta — transnational organized crime threat assessment.\n\n"
        "Gather graded, labelled records from many agencies into one store, validate them "
        "without losing anything, and turn them into threat assessments you can defend.\n\n"
        "Start with `tocta demo` (ingests the bundled real UNODC/World Bank/CITES data into a "
        "fresh store and prints what it holds), `tocta schema` (the record types) and "
        "`tocta ingest --help`. The store is a SQLite file (tocta.db) unless --db or "
        "TOCTA_DATABASE_URL names another (e.g. postgresql+psycopg://host/db)."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tocta {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """tocta command line."""


commands_store.register(app)
commands_data.register(app)
commands_reference.register(app)
commands_simulate.register(app)
commands_routes.register(app)
commands_flows.register(app)
commands_size.register(app)
commands_market.register(app)
commands_entities.register(app)
commands_resolve.register(app)
commands_network.register(app)
commands_assess.register(app)


def main() -> None:
    """Entry point: configuration and usage errors exit 2 with a message saying what to do."""
    try:
        app()
    except TocError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: nothing from the unfinished step was written")
        sys.exit(130)
