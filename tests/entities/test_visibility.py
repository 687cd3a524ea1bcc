"""A merged entity shows each reader only the statements that reader may see — and nothing
about the rest: no value, no property, no count, no source, no schema, no caption."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.entities.conftest import e, register, write_jsonl
from tocta.access.clearance import Clearance
from tocta.entities.export import export_entities, export_statements
from tocta.entities.imports import ImportOptions, import_entities
from tocta.entities.read import iter_entities, read_entity, read_merged
from tocta.store.engine import Store

SECRET_VALUES = ("Carlos SECRETO", "ES9999999", "1966-01-02", "\"ve\"", "carlos@example.org",
                 "Amber Alias", "AMB123456")
SECRET_SOURCES = ("POL-ES/intel", "FIU-ES/str", "NCA-GB/red")


def _fill(store: Store, tmp_path: Path) -> None:
    """One entity id, four sources: CLEAR (court register), AMBER (police, shared with
    customs), AMBER+STRICT (the FIU) and RED (shared with one named user)."""
    register(store, "COURT-ES/register", tlp="CLEAR", owner="COURT-ES")
    register(store, "POL-ES/intel", tlp="AMBER", owner="POL-ES", shared_with=("agency:CUS-ES",))
    register(store, "FIU-ES/str", tlp="AMBER+STRICT", owner="FIU-ES")
    register(store, "NCA-GB/red", tlp="RED", owner="NCA-GB", shared_with=("user:olivia",))
    files = {
        "COURT-ES/register": [e("LegalEntity", "x1", name="C. Ruiz", country="es")],
        "POL-ES/intel": [e("Person", "x1", name="Amber Alias", passportNumber="AMB123456"),
                         e("Person", "only-amber", name="Amber Alias")],
        "FIU-ES/str": [e("Person", "x1", name="Carlos SECRETO", idNumber="ES9999999",
                         email="carlos@example.org")],
        "NCA-GB/red": [e("Person", "x1", birthDate="1966-01-02", nationality="ve")],
    }
    for source, items in files.items():
        path = write_jsonl(tmp_path / (source.replace("/", "_") + ".jsonl"), items)
        import_entities(store, path, ImportOptions(source))


PUBLIC = Clearance.public()
GREEN = Clearance(user="gus", agency="OTHER", tlp_ceiling="GREEN", handling=frozenset())
CUSTOMS = Clearance(user="carla", agency="CUS-ES", tlp_ceiling="AMBER+STRICT",
                    handling=frozenset())


def _text(view: object) -> str:
    return json.dumps(view.as_dict(), ensure_ascii=False)  # type: ignore[attr-defined]


@pytest.mark.parametrize("reader", [PUBLIC, GREEN], ids=["public", "green"])
def test_a_low_reader_sees_only_the_clear_statements(store: Store, tmp_path: Path,
                                                     reader: Clearance) -> None:
    _fill(store, tmp_path)
    view = read_entity(store, "x1", reader)
    assert view is not None
    assert view.to_ftm() == {"id": "x1", "schema": "LegalEntity",
                             "properties": {"country": ["es"], "name": ["C. Ruiz"]}}
    assert view.sources == ("COURT-ES/register",)
    assert view.tlp == "CLEAR"
    assert view.entity.caption == "C. Ruiz"
    assert len(view.statements) == 3  # base + 2 values: no count of the rest
    text = _text(view)
    for secret in (*SECRET_VALUES, *SECRET_SOURCES, "Person", "AMBER", "RED"):
        assert secret not in text, secret
    # An entity known only from AMBER statements does not exist for this reader.
    assert read_entity(store, "only-amber", reader) is None
    assert {v.id for v in iter_entities(store, reader)} == {"x1"}
    # Exports tell no more.
    buffer = io.BytesIO()
    summary = export_entities(store, reader, buffer)
    exported = buffer.getvalue().decode()
    assert summary.entities == 1 and summary.sources == ("COURT-ES/register",)
    assert json.loads(exported)["properties"] == {"country": ["es"], "name": ["C. Ruiz"]}
    statements = io.BytesIO()
    export_statements(store, reader, statements)
    for secret in (*SECRET_VALUES, *SECRET_SOURCES):
        assert secret not in exported and secret not in statements.getvalue().decode()


def test_a_shared_agency_sees_amber_but_not_strict_or_red(store: Store, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    view = read_entity(store, "x1", CUSTOMS)
    assert view is not None
    assert view.entity.schema.name == "Person"
    assert view.sources == ("COURT-ES/register", "POL-ES/intel")
    assert view.tlp == "AMBER"
    assert sorted(view.entity.get("name")) == ["Amber Alias", "C. Ruiz"]
    text = _text(view)
    for secret in ("Carlos SECRETO", "ES9999999", "1966-01-02", "FIU-ES/str", "NCA-GB/red"):
        assert secret not in text


def test_owner_and_named_recipient_see_their_part(store: Store, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    fiu = read_entity(store, "x1", Clearance(user="f", agency="FIU-ES", tlp_ceiling="RED"))
    assert fiu is not None and "FIU-ES/str" in fiu.sources and "NCA-GB/red" not in fiu.sources
    olivia = read_entity(store, "x1", Clearance(user="olivia", agency="NCA-GB",
                                                tlp_ceiling="RED"))
    assert olivia is not None and olivia.tlp == "RED"
    assert olivia.entity.get("birthDate") == ["1966-01-02"]
    assert "FIU-ES/str" not in olivia.sources
    everything = read_entity(store, "x1", Clearance.full())
    assert everything is not None and len(everything.sources) == 4
    assert set(everything.entity.get("name")) == {"C. Ruiz", "Amber Alias", "Carlos SECRETO"}


def test_handling_codes_restrict_too(sqlite_store: Store, tmp_path: Path) -> None:
    register(sqlite_store, "POL-ES/ops", tlp="GREEN", handling="LE-ONLY")
    register(sqlite_store, "POL-ES/open", tlp="GREEN")
    import_entities(sqlite_store, write_jsonl(tmp_path / "a.jsonl", [
        e("Person", "h1", name="Handled Name")]), ImportOptions("POL-ES/ops"))
    import_entities(sqlite_store, write_jsonl(tmp_path / "b.jsonl", [
        e("Person", "h1", name="Open Name")]), ImportOptions("POL-ES/open"))
    plain = read_entity(sqlite_store, "h1", GREEN)
    assert plain is not None and plain.entity.get("name") == ["Open Name"]
    permitted = read_entity(sqlite_store, "h1", Clearance(
        agency="X", tlp_ceiling="GREEN", handling=frozenset({"LE-ONLY"})))
    assert permitted is not None and len(permitted.entity.get("name")) == 2


def test_a_merged_cluster_shows_only_visible_ids(store: Store, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    merged = read_merged(store, ["x1", "only-amber"], PUBLIC)
    assert merged is not None and merged.id == "x1"
    assert merged.entity.referents == set()
    assert "Amber Alias" not in _text(merged)
    amber = read_merged(store, ["x1", "only-amber"], CUSTOMS, canonical_id="NK-1")
    assert amber is not None and amber.id == "NK-1"
    assert amber.entity.referents == {"x1", "only-amber"}
