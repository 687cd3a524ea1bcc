"""The record model: loaded once, complete, and loud about mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocta.errors import NotFoundError, SchemaError
from tocta.schema.model import get_type, load_types, record_types

EXPECTED_TYPES = {"Seizure", "SeizureTotal", "PriceObservation", "MarketEstimate",
                  "Intervention", "Indicator", "TradeRecord", "Transfer", "VictimCount"}


def test_every_record_type_is_declared() -> None:
    assert set(record_types()) == EXPECTED_TYPES


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_every_field_has_a_label_and_a_description(name: str) -> None:
    rt = get_type(name)
    assert rt.label and rt.description
    for f in rt.fields:
        assert f.label.strip(), f"{name}.{f.name} has no label"
        assert len(f.description.strip()) >= 10, f"{name}.{f.name} has no real description"


def test_every_type_carries_the_provenance_fields() -> None:
    common = {"source_id", "ingest_run", "source_file", "source_row", "grade_scheme",
              "source_reliability", "info_credibility", "reliability_rank", "credibility_rank",
              "tlp", "handling", "owner_agency", "recorded_at"}
    for rt in record_types().values():
        assert common <= set(rt.field_names), rt.name


def test_seizure_has_what_the_issue_asks() -> None:
    rt = get_type("seizure")
    names = set(rt.field_names)
    assert {"date", "country", "place_name", "lat", "lon", "commodity", "quantity", "unit",
            "quantity_canonical", "canonical_unit", "purity", "mode", "origin", "transit",
            "destination", "iccs", "remarks", "entity_ids"} <= names
    assert rt.field("transit").multiple
    assert {v.code for v in rt.field("mode").values} == {"air", "sea", "land", "postal",
                                                          "unknown"}


@pytest.mark.parametrize("alias", ["Seizure", "seizure", "SEIZURE", "seizure_total",
                                   "SeizureTotal", "price-observation"])
def test_types_are_found_by_any_spelling(alias: str) -> None:
    assert get_type(alias).name in EXPECTED_TYPES


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="Seizure"):
        get_type("Seizur")


def _write_types(tmp: Path, seizure_yaml: str) -> Path:
    source = Path(__file__).resolve().parents[2] / "src" / "tocta" / "schema" / "records"
    (tmp / "_common.yaml").write_text((source / "_common.yaml").read_text())
    (tmp / "thing.yaml").write_text(seizure_yaml)
    return tmp


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("name: Thing\nlabel: T\nplural: Ts\ntable: thing\ndescription: d\nfields:\n"
         "  a: {type: text, label: A}\n", "fields.a.description"),
        ("name: Thing\nlabel: T\nplural: Ts\ntable: thing\ndescription: d\nfields:\n"
         "  a: {type: txet, label: A, description: something long}\n", "unknown type 'txet'"),
        ("name: Thing\nlabel: T\nplural: Ts\ntable: thing\ndescription: d\nfields:\n"
         "  a: {type: number, label: A, description: something long, derived: magic}\n",
         "unknown derivation"),
        ("name: Thing\nlabel: T\nplural: Ts\ntable: thing\ndescription: d\nfields:\n"
         "  a: {type: codelist, label: A, description: something long}\n",
         "must list its values"),
        ("name: Thing\nlabel: T\nplural: Ts\ntable: thing\ndescription: d\nfields:\n"
         "  a: {type: text, label: A, description: something long, colour: red}\n",
         "unknown keys"),
    ],
    ids=["missing-description", "unknown-type", "unknown-derivation", "codelist-without-values",
         "unknown-key"],
)
def test_broken_yaml_fails_naming_file_and_key(tmp_path: Path, yaml_text: str,
                                                message: str) -> None:
    directory = _write_types(tmp_path, yaml_text)
    with pytest.raises(SchemaError) as excinfo:
        load_types(directory)
    assert "thing.yaml" in str(excinfo.value)
    assert message in str(excinfo.value)
