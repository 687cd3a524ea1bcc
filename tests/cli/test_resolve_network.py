"""`tocta resolve` and `tocta network` on a small simulated world: --json, --help, undo."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from tests.services.test_traffickers import READER_AGENCY, build_world_store
from tocta.access.clearance import Clearance
from tocta.cli import commands_network, commands_resolve
from tocta.errors import UsageError
from tocta.services.entity_resolution import resolve_entities
from tocta.store.engine import open_store

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _root() -> None:
    """The test's `tocta`: only the commands under test, registered as main.py does."""


commands_resolve.register(app)
commands_network.register(app)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world_store(tmp_path_factory.mktemp("cli-world"))


def _run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--db", str(db)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_help_teaches_with_examples() -> None:
    for args in (["resolve", "--help"], ["resolve", "review", "--help"],
                 ["resolve", "judge", "--help"], ["resolve", "explain", "--help"],
                 ["network", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Example" in result.output, args
    assert "--export" in runner.invoke(app, ["network", "--help"]).output


def test_resolve_review_judge_explain_undo(db: Path) -> None:
    code, out = _run(db, "resolve", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["records"] > 50 and summary["merged_records"] > 0
    assert summary["folder"].startswith(str(db.parent / "tocta-work"))

    code, out = _run(db, "resolve")
    assert code == 0 and "person records" in out and "resolve review" in out
    code, out = _run(db, "resolve", "review", "--limit", "5")
    assert code == 0 and "probability" in out
    code, out = _run(db, "resolve", "review", "--limit", "5", "--json")
    waiting = json.loads(out)
    assert code == 0 and 0 < len(waiting) <= 5
    assert {"left_id", "right_id", "match_probability", "left_name", "same_cluster"} <= set(
        waiting[0])

    res = resolve_entities(open_store(str(db)), Clearance.full(), db.parent / "tocta-work")
    merged = res.clusters.clusters.filter(pl.col("size") > 1)
    a, b = res.members(merged["canonical_id"][0])[:2]
    code, out = _run(db, "resolve", "explain", a, b, "--json")
    assert code == 0 and json.loads(out)["same"] is True

    code, out = _run(db, "resolve", "judge", a, b, "negative", "--note", "two men", "--json")
    judgement = json.loads(out)
    assert code == 0 and judgement["judgement"] == "negative" and judgement["note"] == "two men"
    code, out = _run(db, "resolve", "explain", a, b, "--json")
    explained = json.loads(out)
    assert explained["same"] is False
    assert "negative judgement" in explained["explanation"]
    code, out = _run(db, "resolve", "explain", a, b)
    assert code == 0 and "different entities" in out

    code, out = _run(db, "resolve", "undo", str(judgement["judgement_id"]))
    assert code == 0 and "retracted" in out
    code, out = _run(db, "resolve", "explain", a, b, "--json")
    assert json.loads(out)["same"] is True


def test_network_names_only_per_the_standard_and_exports(db: Path, tmp_path: Path) -> None:
    code, out = _run(db, "network", "--json", "--export", "gephi", "--out", str(tmp_path))
    assert code == 0
    data = json.loads(out)
    assert data["standard"]["min_sources"] == 2 and data["network"]["min_grade"] == "B2"
    people = data["findings"]["individuals"]
    assert people["named"] > 0 and people["not_named"] > 0
    assert sorted(Path(p).name for p in data["exported"]) == ["edges.csv", "nodes.csv"]
    nodes = pl.read_csv(tmp_path / "nodes.csv")
    assert nodes.height == data["network"]["counts"]["nodes"]
    hidden = nodes.filter(pl.col("Label").str.contains("below the evidentiary standard"))
    assert hidden.height > 0

    code, out = _run(db, "network", "--min-sources", "1", "--json")
    assert json.loads(out)["findings"]["individuals"]["named"] > people["named"]

    code, out = _run(db, "network", "--clearance", "AMBER", "--agency", READER_AGENCY,
                     "--json")
    mine = json.loads(out)
    assert code == 0 and mine["findings"]["individuals"]["named"] == 0
    assert mine["resolution"]["records"] < data["resolution"]["records"]

    code, out = _run(db, "network")
    assert code == 0 and "Key players" in out and "counted, not named" in out

    with pytest.raises(UsageError, match="graphml, gephi, ftm"):
        _run(db, "network", "--export", "pdf", "--out", str(tmp_path))
