"""The command line: exit codes, --json, help that teaches, errors that say what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES, seizure, write_csv
from tocta.cli.main import app, main

runner = CliRunner()


def _run(args: list[str], db: Path) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--db", str(db)] if args[0] not in (
        "countries", "schema", "template") else args)
    return result.exit_code, result.output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "sources", "runs", "quarantine", "schema", "template",
                    "countries", "demo", "store"):
        assert command in result.output
    ingest_help = runner.invoke(app, ["ingest", "--help"]).output
    assert "--strict" in ingest_help and "Exit codes" in ingest_help


def test_ingest_exit_codes_and_json(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    code, out = _run(["sources", "add", "NCB/bad", "--grade", "admiralty:B2", "--tlp",
                      "amber"], db)
    assert code == 0 and "TLP:AMBER" in out
    bad = str(FIXTURES / "ingest" / "bad_seizures.csv")
    code, out = _run(["ingest", bad, "--type", "seizure", "--source", "NCB/bad", "--json"], db)
    assert code == 0
    payload = json.loads(out)
    assert payload["rows_read"] == payload["inserted"] + payload["already_present"] + \
        payload["quarantined"] == 10
    assert payload["issues_by_code"]["unknown_country"]["count"] == 1
    code, _ = _run(["ingest", bad, "--type", "seizure", "--source", "NCB/bad", "--strict"], db)
    assert code == 1
    code, out = _run(["runs", "--json"], db)
    assert code == 0 and [r["run_id"] for r in json.loads(out)] == [2, 1]
    code, out = _run(["runs", "1"], db)
    assert "bad_seizures.csv:5: country: 'Narnia' is not a known country" in out


def test_issues_out_and_quarantine_files(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _run(["sources", "add", "NCB/bad", "--grade", "admiralty:B2", "--tlp", "GREEN"], db)
    issues = tmp_path / "issues.csv"
    bad = str(FIXTURES / "ingest" / "bad_seizures.csv")
    _run(["ingest", bad, "-t", "Seizure", "-s", "NCB/bad", "--issues-out", str(issues)], db)
    assert issues.read_text().splitlines()[0] == "file,row,field,code,level,message,value"
    fix = tmp_path / "fix.xlsx"
    code, out = _run(["quarantine", "1", "--out", str(fix)], db)
    assert code == 0 and "7 quarantined rows" in out and fix.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["ingest", "missing.csv", "-t", "Seizure", "-s", "NCB/x"], "not registered"),
     (["ingest", "x.csv", "-t", "Seizur", "-s", "NCB/x"], "unknown record type"),
     (["sources", "add", "NCB/x"], "--grade is required"),
     (["sources", "add", "bad id", "--grade", "admiralty:B2", "--tlp", "CLEAR"], "AGENCY/DATASET"),
     (["runs", "42"], "no ingest run 42")],
    ids=["unregistered-source", "unknown-type", "source-without-labels", "bad-source-id",
         "unknown-run"],
)
def test_configuration_errors_exit_2_with_advice(tmp_path: Path, args: list[str], message: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["tocta", *args, "--db", str(tmp_path / "t.db")])
    with pytest.raises(SystemExit) as excinfo:
        main()
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_countries_resolve_json() -> None:
    code, out = _run(["countries", "resolve", "Côte d’Ivoire", "Nigerians", "ZAR", "Unknown",
                      "Africa", "England and Wales", "--json"], Path("unused"))
    assert code == 0
    got = {r["name"]: (r["code"], r["issue"]) for r in json.loads(out)}
    assert got["Côte d’Ivoire"][0] == "CIV" and got["Nigerians"][0] == "NGA"
    assert got["ZAR"][0] == "COD"
    assert got["Unknown"] == (None, "country_catch_all")
    assert got["Africa"] == (None, "country_region_name")
    assert got["England and Wales"][0] == "GBR"


def test_schema_and_template(tmp_path: Path) -> None:
    code, out = _run(["schema", "Seizure", "--json"], Path("unused"))
    assert code == 0 and json.loads(out)[0]["name"] == "Seizure"
    out_file = tmp_path / "s.xlsx"
    code, out = _run(["template", "seizure", "--out", str(out_file)], Path("unused"))
    assert code == 0 and out_file.stat().st_size > 5000


def test_replace_flag_supersedes(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _run(["sources", "add", "NCB/x", "--grade", "admiralty:B2", "--tlp", "GREEN"], db)
    first = write_csv(tmp_path / "a.csv", [seizure(record_id="A"), seizure(record_id="B")])
    second = write_csv(tmp_path / "b.csv", [seizure(record_id="A", quantity="1")])
    _run(["ingest", str(first), "-t", "Seizure", "-s", "NCB/x"], db)
    code, out = _run(["ingest", str(second), "-t", "Seizure", "-s", "NCB/x", "--replace",
                      "--json"], db)
    assert code == 0 and json.loads(out)["superseded"] == 2
