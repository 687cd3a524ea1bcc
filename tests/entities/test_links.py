"""Seizure records name entities; the query returns them as the reader may see both sides."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import seizure, write_csv
from tests.entities.conftest import e, register, write_jsonl
from tocta.access.clearance import Clearance
from tocta.entities.imports import ImportOptions, import_entities
from tocta.entities.links import seizure_entities
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.store.engine import Store

GREEN = Clearance(user="g", agency="OTHER", tlp_ceiling="GREEN", handling=frozenset())
POLICE = Clearance(user="p", agency="POL-SN", tlp_ceiling="AMBER", handling=frozenset())


def _fill(store: Store, tmp_path: Path) -> None:
    """Senegal's police (AMBER) and customs (GREEN) seizures name couriers; the couriers are
    known from a GREEN file (c1, c2) and an AMBER police file (c3, and more on c1)."""
    register(store, "POL-SN/seizures", tlp="AMBER", owner="POL-SN")
    register(store, "CUS-SN/seizures", tlp="GREEN", owner="CUS-SN")
    register(store, "CUS-SN/entities", tlp="GREEN", owner="CUS-SN")
    register(store, "POL-SN/entities", tlp="AMBER", owner="POL-SN")
    ingest_files(store, [write_csv(tmp_path / "pol.csv", [
        seizure(record_id="P-1", entity_ids="c1; c3"), seizure(record_id="P-2")])],
        IngestOptions(record_type="Seizure", source_id="POL-SN/seizures"))
    ingest_files(store, [write_csv(tmp_path / "cus.csv", [
        seizure(record_id="C-1", entity_ids="c2;c9"), seizure(record_id="C-2",
                                                              entity_ids="c3")])],
        IngestOptions(record_type="Seizure", source_id="CUS-SN/seizures"))
    import_entities(store, write_jsonl(tmp_path / "cus.jsonl", [
        e("Person", "c1", name="Moussa Diop"), e("Person", "c2", name="Awa Ndiaye")]),
        ImportOptions("CUS-SN/entities"))
    import_entities(store, write_jsonl(tmp_path / "pol.jsonl", [
        e("Person", "c1", passportNumber="SN1234567"), e("Person", "c3", name="Secret Courier")]),
        ImportOptions("POL-SN/entities"))


def test_seizures_link_to_entities_within_clearance(store: Store, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    police = seizure_entities(store, POLICE)
    assert {(k.record_id, k.entity_id) for k in police.links} == {
        ("P-1", "c1"), ("P-1", "c3"), ("C-1", "c2"), ("C-1", "c9"), ("C-2", "c3")}
    assert set(police.entities) == {"c1", "c2", "c3"}
    assert police.entities["c1"].entity.get("passportNumber") == ["SN1234567"]
    assert police.unresolved == ("c9",)
    assert police.tlp == "AMBER"

    green = seizure_entities(store, GREEN)
    assert {(k.record_id, k.entity_id) for k in green.links} == {
        ("C-1", "c2"), ("C-1", "c9"), ("C-2", "c3")}
    assert set(green.entities) == {"c2"}
    # c3 is named by a GREEN seizure but known only to the police: unresolved, like c9.
    assert green.unresolved == ("c3", "c9")
    assert green.tlp == "GREEN"
    text = str(green.as_dict())
    assert "Secret Courier" not in text and "SN1234567" not in text and "P-1" not in text
