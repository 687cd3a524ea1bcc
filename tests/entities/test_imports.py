"""Importing entity files: statements with provenance, issues, counts, idempotence, atomicity."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from tests.conftest import write_csv
from tests.entities.conftest import e, register, write_jsonl
from tocta.entities.imports import ImportOptions, import_entities
from tocta.errors import ConfigError
from tocta.store.engine import Store
from tocta.store.runs import run_quarantine
from tocta.store.tables import entity_statements, ingest_runs

PEOPLE = [
    e("Person", "p1", name="Ana GÓMEZ", birthDate="1980-05-02", nationality="Spain"),
    e("Person", "p2", name="Ivan Petrov", nationality=["ru", "by"]),
    e("Company", "c1", name="Atlantic Fisheries S.L.", jurisdiction="es"),
    e("Ownership", "o1", owner="p1", asset="c1"),
]


def _count(store: Store, table: sa.Table = entity_statements) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _statements(store: Store) -> set[tuple[str, str, str, str]]:
    t = entity_statements
    with store.engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sa.select(t.c.entity_id, t.c.schema, t.c.prop,
                                                         t.c.value))}  # type: ignore[misc]


def test_jsonl_becomes_statements_with_provenance_and_reimport_adds_nothing(
        store: Store, tmp_path: Path) -> None:
    register(store, "POL-ES/people", tlp="AMBER", grade="admiralty:B2", handling="H1")
    path = write_jsonl(tmp_path / "people.ftm.jsonl", PEOPLE)
    first = import_entities(store, path, ImportOptions("POL-ES/people", user="ana"))
    c = first.counts
    assert (c.rows_read, c.inserted, c.already_present, c.quarantined) == (4, 4, 0, 0)
    # 4 entities (one base statement each) + 3 + 3 + 2 + 2 property values
    assert first.statements_inserted == _count(store) == 14
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(entity_statements).where(
            entity_statements.c.prop == "nationality",
            entity_statements.c.entity_id == "p1")).one()._mapping
    assert row["value"] == "es" and row["original_value"] == "Spain"
    assert (row["source_id"], row["source_file"], row["source_row"]) == (
        "POL-ES/people", "people.ftm.jsonl", 1)
    assert (row["grade_scheme"], row["source_reliability"], row["info_credibility"],
            row["reliability_rank"], row["credibility_rank"]) == ("admiralty", "B", "2", 2, 2)
    assert (row["tlp"], row["handling"], row["owner_agency"]) == ("AMBER", "H1", "POL-ES")
    assert row["ingest_run"] == first.run_id and row["first_seen"] is not None

    again = import_entities(store, path, ImportOptions("POL-ES/people"))
    c = again.counts
    assert (c.rows_read, c.inserted, c.already_present, c.quarantined) == (4, 0, 4, 0)
    assert again.statements_inserted == 0 and again.statements_present == 14
    assert _count(store) == 14


BAD_LINES = [
    e("Person", "ok1", name="Fine Person"),
    "{not json",
    '["a", "list"]',
    e("Spaceship", "x1", name="Enterprise"),
    {"schema": "Person", "properties": {"name": ["No Id"]}},
    e("Person", "p9", name="Bad Date", birthDate="1980-02-30"),
    e("Person", "p10", name="Nowhere", nationality="Atlantis"),
    e("Person", "p11", name="Odd", tonnage="12"),
    e("Thing", "t1", name="Abstract"),
]
EXPECTED = [
    (2, None, "invalid_json", "{not json"),
    (3, None, "not_an_object", '["a", "list"]'),
    (4, "schema", "unknown_schema", "Spaceship"),
    (5, "id", "missing_id", None),
    (6, "birthDate", "invalid_date", "1980-02-30"),
    (7, "nationality", "unknown_country", "Atlantis"),
    (8, "tonnage", "unknown_property", '["12"]'),
    (9, "schema", "unknown_schema", "Thing"),
]


def test_bad_lines_are_quarantined_with_exact_issues(sqlite_store: Store, tmp_path: Path) -> None:
    store = sqlite_store
    register(store, "POL-ES/bad")
    path = write_jsonl(tmp_path / "bad.jsonl", BAD_LINES)
    result = import_entities(store, path, ImportOptions("POL-ES/bad"))
    c = result.counts
    assert (c.rows_read, c.inserted, c.quarantined) == (9, 1, 8)
    assert c.rows_read == c.inserted + c.already_present + c.quarantined
    got = [(r["row"], r["field"], r["code"], r["value"])
           for r in result.issues.sort("row").iter_rows(named=True)]
    assert got == EXPECTED
    assert set(result.issues["file"]) == {"bad.jsonl"}
    assert {r[0] for r in _statements(store)} == {"ok1"}
    with store.engine.connect() as conn:
        quarantined = run_quarantine(conn, result.run_id)
    assert [q["row"] for q in quarantined] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "invalid_date" in quarantined[4]["issues"]
    assert quarantined[4]["data"]["properties"]["birthDate"] == ["1980-02-30"]


def test_a_failed_run_leaves_the_store_unchanged(store: Store, tmp_path: Path) -> None:
    register(store, "POL-ES/people")
    path = write_jsonl(tmp_path / "people.jsonl", PEOPLE)
    with pytest.raises(RuntimeError, match="forced failure"):
        import_entities(store, path, ImportOptions("POL-ES/people"), fail_after_rows=3)
    assert _count(store) == 0
    assert _count(store, ingest_runs) == 0
    assert store.get_meta("data_kind") is None


def test_other_labels_on_a_stored_statement_are_a_conflict(store: Store, tmp_path: Path) -> None:
    register(store, "POL-ES/people", tlp="AMBER")
    path = write_jsonl(tmp_path / "people.jsonl", PEOPLE[:2])
    import_entities(store, path, ImportOptions("POL-ES/people"))
    before = _count(store)
    result = import_entities(store, path, ImportOptions("POL-ES/people", tlp="RED"))
    assert result.counts.quarantined == 2 and result.counts.inserted == 0
    assert set(result.issues["code"]) == {"label_conflict"}
    assert "TLP:AMBER" in result.issues["message"][0]
    assert _count(store) == before


def test_synthetic_and_real_entities_never_share_a_store(sqlite_store: Store,
                                                         tmp_path: Path) -> None:
    register(sqlite_store, "SIM-A/x", synthetic=True)
    register(sqlite_store, "REAL-A/x")
    path = write_jsonl(tmp_path / "p.jsonl", PEOPLE[:1])
    import_entities(sqlite_store, path, ImportOptions("SIM-A/x"))
    with pytest.raises(ConfigError, match="Synthetic and real data never share a store"):
        import_entities(sqlite_store, path, ImportOptions("REAL-A/x"))


MAPPING = """
registry:
  queries:
    - entities:
        owner:
          schema: Person
          keys: [owner_name, owner_birth]
          properties:
            name: {column: owner_name}
            birthDate: {column: owner_birth}
            nationality: {column: owner_country}
        company:
          schema: Company
          id_column: company_id
          properties:
            name: {column: company}
            jurisdiction: {column: company_country}
        ownership:
          schema: Ownership
          keys: [company_id, owner_name]
          properties:
            owner: {entity: owner}
            asset: {entity: company}
            percentage: {column: share}
"""


def test_csv_with_an_ftm_mapping(store: Store, tmp_path: Path) -> None:
    register(store, "REG-PA/companies", tlp="GREEN")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    rows = [
        {"company_id": "pa-1", "company": "Sahel Trading SA", "company_country": "Panama",
         "owner_name": "Juan Pérez", "owner_birth": "1971-03-09", "owner_country": "COL",
         "share": "60", "remarks": "x"},
        {"company_id": "pa-2", "company": "Blue Ocean Corp", "company_country": "PAN",
         "owner_name": "Li Wei", "owner_birth": "31/31/1975", "owner_country": "CHN",
         "share": "100"},
        {"company_id": "", "company": "", "company_country": "", "owner_name": "",
         "owner_birth": "", "owner_country": "", "share": ""},
    ]
    csv = write_csv(tmp_path / "registry.csv", rows)
    result = import_entities(store, csv, ImportOptions("REG-PA/companies", mapping=mapping))
    c = result.counts
    assert (c.rows_read, c.inserted, c.quarantined) == (3, 1, 2)
    issues = {(r["row"], r["field"], r["code"], r["value"])
              for r in result.issues.iter_rows(named=True)}
    assert issues == {(None, "remarks", "unmapped_column", None),
                      (3, "owner_birth", "invalid_date", "31/31/1975"),
                      (4, None, "no_entity", None)}
    found = _statements(store)
    schemata = {s for _, s, _, _ in found}
    assert schemata == {"Person", "Company", "Ownership"}
    owner_id = next(i for i, s, p, v in found if s == "Person" and p == "name")
    assert ({(p, v) for i, s, p, v in found if s == "Ownership"}
            >= {("owner", owner_id), ("asset", "pa-1"), ("percentage", "60")})
    assert ("pa-1", "Company", "jurisdiction", "pa") in found
    again = import_entities(store, csv, ImportOptions("REG-PA/companies", mapping=mapping))
    assert again.counts.already_present == 1 and again.statements_inserted == 0


def test_mapping_problems_are_listed_before_any_row_is_read(sqlite_store: Store,
                                                             tmp_path: Path) -> None:
    register(sqlite_store, "REG-PA/companies")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    csv = write_csv(tmp_path / "other.csv", [{"company_id": "1", "company": "A"}])
    with pytest.raises(ConfigError) as info:
        import_entities(sqlite_store, csv, ImportOptions("REG-PA/companies", mapping=mapping))
    message = str(info.value)
    for column in ("owner_name", "owner_birth", "owner_country", "company_country", "share"):
        assert column in message
    assert _count(sqlite_store, ingest_runs) == 0
    bad = tmp_path / "bad.yml"
    bad.write_text("q:\n  entities:\n    x: {schema: Spaceship, keys: [a]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Invalid schema"):
        import_entities(sqlite_store, csv, ImportOptions("REG-PA/companies", mapping=bad))
    plain = write_csv(tmp_path / "plain.csv", [{"a": "1"}])
    with pytest.raises(ConfigError, match="needs --mapping"):
        import_entities(sqlite_store, plain, ImportOptions("REG-PA/companies"))


def test_the_simulated_world_imports_with_exactly_the_planted_bad_rows_quarantined(
        sqlite_store: Store, actor_world: tuple[Path, object]) -> None:
    out, manifest = actor_world
    store = sqlite_store
    truth = pl.read_parquet(out / "truth" / "actors.parquet")
    planted = 0
    for entry in manifest.files:  # type: ignore[attr-defined]
        register(store, entry.source_id, tlp=entry.tlp, grade=entry.grade,
                 owner=entry.agency, synthetic=True)
        result = import_entities(store, out / entry.path, ImportOptions(entry.source_id))
        c = result.counts
        assert c.rows_read == entry.rows
        assert c.quarantined == entry.bad_rows, (entry.path, result.issues_by_code)
        assert c.rows_read == c.inserted + c.already_present + c.quarantined
        errors = result.issues.filter(pl.col("level") == "error")
        faults = truth.filter((pl.col("agency") == entry.agency)
                              & pl.col("csv_fault").is_not_null())
        if entry.format == "csv":
            expected = {(r["entity_id"], r["csv_fault"]) for r in faults.iter_rows(named=True)}
            rows = errors["row"].to_list()
            quarantined_ids = {r for r, in pl.read_csv(out / entry.path, infer_schema=False)
                               .select("record_id").with_row_index("i")
                               .filter((pl.col("i") + 2).is_in(rows))
                               .select("record_id").iter_rows()}
            assert quarantined_ids == {i for i, _ in expected}
            assert set(errors["code"]) <= {"invalid_date", "unknown_country"}
        planted += entry.bad_rows
        again = import_entities(store, out / entry.path, ImportOptions(entry.source_id))
        assert again.statements_inserted == 0 and again.counts.inserted == 0
    assert planted > 0
    assert store.get_meta("data_kind") == "synthetic"
