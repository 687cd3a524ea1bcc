"""Docs that cannot drift: generated pages match what the code generates."""

from __future__ import annotations

from pathlib import Path

from tocta.ingest.issues import ISSUE_CODES
from tocta.schema.dictionary import dictionary_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_data_dictionary_page_is_current() -> None:
    page = ROOT / "docs" / "reference" / "data-dictionary.md"
    assert page.read_text(encoding="utf-8") == dictionary_markdown(), (
        "regenerate with: .venv/bin/python scripts/generate_docs.py")


def test_issue_code_page_lists_every_code() -> None:
    page = (ROOT / "docs" / "reference" / "issue-codes.md").read_text(encoding="utf-8")
    from tocta.entities.issues import ENTITY_ISSUE_CODES

    for code in [*ISSUE_CODES, *ENTITY_ISSUE_CODES]:
        assert f"`{code}`" in page


def test_every_emitted_issue_code_is_documented(tmp_path: Path) -> None:
    """Ingest files full of problems; every code that comes out must be documented."""
    import json

    from tests.conftest import FIXTURES
    from tocta.services.ingest import IngestOptions, ingest_files
    from tocta.services.sources import add_source
    from tocta.store.engine import open_store

    store = open_store(str(tmp_path / "docs.db"))
    add_source(store, "NCB/bad", grade="admiralty:B2", tlp="GREEN")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("date,country,commodity,quantity,unit,purity,tlp,iccs,record_id,"
                      "source_reliability\n"
                      "2022-01-01,Senagal,cocaine,4,kg,150,purple,99,X,Z\n"
                      "2022-01-01,Senegal,cocaine,4,kg,1,amber,0601,X,B\n"
                      "03/04/2022,Congolese,cocaine,1 234,dose,1,,0601,Y,B\n"
                      "2022-01-03,Mali,cocane,4,persons\n"
                      "2022-01-03,Mali,cocaine,4,kg,,,,,,,extra\n")
    codes: set[str] = set()
    for path in (FIXTURES / "ingest" / "bad_seizures.csv", ragged):
        result = ingest_files(store, [path], IngestOptions(record_type="Seizure",
                                                           source_id="NCB/bad"))
        codes |= set(result.issues["code"].to_list())
    expected = json.loads((FIXTURES / "ingest" / "bad_seizures.issues.json").read_text())
    codes |= {e["code"] for e in expected}
    assert len(codes) >= 15
    assert codes <= set(ISSUE_CODES), sorted(codes - set(ISSUE_CODES))
