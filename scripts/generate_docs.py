"""Regenerate the docs pages that are derived from code (tests check they are current).

    .venv/bin/python scripts/generate_docs.py
"""

from __future__ import annotations

from pathlib import Path

from tocta.entities.issues import ENTITY_ISSUE_CODES
from tocta.ingest.issues import ISSUE_CODES
from tocta.schema.dictionary import dictionary_markdown

ROOT = Path(__file__).resolve().parents[1]


def issue_codes_markdown() -> str:
    lines = ["# Issue codes", "",
             "Every data problem tocta finds is an issue with a stable code, named "
             "`file:row: field: message` with the raw value. Generated from "
             "`tocta.ingest.issues.ISSUE_CODES` by `scripts/generate_docs.py`.", "",
             "Rows with an *error* are quarantined (`tocta quarantine RUN --out fix.csv`); "
             "*warnings* and *information* keep the row. Country catch-alls are information "
             "on an optional field and errors on a required one.", "",
             "| Code | Meaning |", "|---|---|"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in ISSUE_CODES.items()]
    lines += ["", "## Entities (`tocta entities import`)", "",
              "From `tocta.entities.issues.ENTITY_ISSUE_CODES`.", "",
              "| Code | Meaning |", "|---|---|"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in ENTITY_ISSUE_CODES.items()
              if code not in ISSUE_CODES]
    return "\n".join(lines) + "\n"


def main() -> None:
    reference = ROOT / "docs" / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    (reference / "data-dictionary.md").write_text(dictionary_markdown(), encoding="utf-8")
    (reference / "issue-codes.md").write_text(issue_codes_markdown(), encoding="utf-8")
    print("wrote docs/reference/data-dictionary.md and issue-codes.md")


if __name__ == "__main__":
    main()
