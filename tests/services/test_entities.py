"""The entity service and the `tocta entities` commands: import, export, show, judgements."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.entities.conftest import e, register, write_jsonl
from tocta.access.clearance import Clearance
from tocta.cli.commands_entities import entities_app
from tocta.services import entities as svc
from tocta.store.engine import Store, open_store

runner = CliRunner()


def test_service_imports_exports_and_shows(store: Store, tmp_path: Path) -> None:
    register(store, "POL-ES/people", tlp="AMBER", owner="POL-ES")
    path = write_jsonl(tmp_path / "p.jsonl", [e("Person", "p1", name="Ana", nationality="es")])
    result = svc.import_file(store, path, svc.ImportOptions("POL-ES/people"))
    assert result.as_dict()["statements_inserted"] == 3
    police = Clearance(agency="POL-ES", tlp_ceiling="AMBER")
    view = svc.show_entity(store, "p1", police)
    assert view is not None and view.as_dict()["properties"] == {
        "name": ["Ana"], "nationality": ["es"]}
    assert svc.show_entity(store, "p1", Clearance(agency="OTHER", tlp_ceiling="RED")) is None
    buffer = io.BytesIO()
    summary = svc.export_file(store, police, buffer)
    assert summary.as_dict() == {"entities": 1, "statements": 2,
                                 "sources": ["POL-ES/people"], "tlp": "AMBER"}
    assert [v.id for v in svc.list_entities(store, police, schemata=["LegalEntity"])] == ["p1"]
    assert svc.list_entities(store, police, schemata=["Vessel"]) == []
    j = svc.add_judgement(store, "p1", "p2", "positive", "ana")
    svc.retract_judgement(store, j.judgement_id, "ben")
    assert svc.list_judgements(store) == []
    assert len(svc.list_judgements(store, "p1", include_retracted=True)) == 1


def _cli(args: list[str], db: Path) -> tuple[int, str]:
    result = runner.invoke(entities_app, [*args, "--db", str(db)])
    return result.exit_code, result.stdout


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    store = open_store(str(path))
    register(store, "POL-ES/people", tlp="AMBER", owner="POL-ES")
    store.dispose()
    return path


def test_cli_import_show_export_and_judgements(db: Path, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "p.jsonl", [e("Person", "p1", name="Ana GÓMEZ"),
                                               e("Person", "p2", name="Bad",
                                                 birthDate="1980-13-40")])
    code, out = _cli(["import", str(good), "--source", "POL-ES/people", "--json"], db)
    assert code == 0
    data = json.loads(out)
    assert (data["rows_read"], data["inserted"], data["quarantined"]) == (2, 1, 1)
    assert data["issues_by_code"]["invalid_date"]["count"] == 1
    code, _ = _cli(["import", str(good), "--source", "POL-ES/people", "--strict"], db)
    assert code == 1

    code, out = _cli(["show", "p1", "--json"], db)
    assert code == 0 and json.loads(out)["properties"] == {"name": ["Ana GÓMEZ"]}
    code, out = _cli(["show", "p1"], db)
    assert code == 0 and "Ana GÓMEZ" in out and "POL-ES/people" in out
    result = runner.invoke(entities_app, ["show", "p1", "--clearance", "GREEN", "--db", str(db)])
    assert result.exit_code != 0 and "no entity p1" in str(result.exception)
    code, out = _cli(["show", "p1", "--clearance", "AMBER", "--agency", "POL-ES", "--json"], db)
    assert code == 0 and json.loads(out)["tlp"] == "AMBER"

    target = tmp_path / "out.jsonl"
    code, _ = _cli(["export", "--out", str(target)], db)
    assert code == 0
    assert [json.loads(x)["id"] for x in target.read_text().splitlines()] == ["p1"]
    code, out = _cli(["export", "--clearance", "GREEN"], db)
    assert code == 0 and out == ""
    code, out = _cli(["export", "--statements", "csv"], db)
    assert code == 0 and "POL-ES/people" in out

    code, out = _cli(["judge", "p1", "p2", "negative", "--note", "different ages", "--json"],
                     db)
    assert code == 0 and json.loads(out)["judgement"] == "negative"
    code, out = _cli(["judgements", "--json"], db)
    assert [j["note"] for j in json.loads(out)] == ["different ages"]
    code, _ = _cli(["retract", "1"], db)
    assert code == 0
    code, out = _cli(["judgements", "--all", "--json"], db)
    assert json.loads(out)[0]["retracted"] is True
    code, out = _cli(["seizures", "--json"], db)
    assert code == 0 and json.loads(out)["links"] == []
