"""Issue codes and formatting. Codes are stable: scripts, tests and corrections rely on them."""

from __future__ import annotations

import polars as pl

#: every issue code tocta emits, with what it means (the docs page is generated from this)
ISSUE_CODES: dict[str, str] = {
    "missing_required": "A required field is empty.",
    "not_a_number": "The value is not a number (units belong in their own column).",
    "decimal_comma": "A decimal comma was read as a decimal point (warning).",
    "nan_value": "'NaN' was read as a missing value (information).",
    "negative_value": "The value is below zero where it cannot be.",
    "out_of_range": "The value is outside its allowed range.",
    "not_an_integer": "A whole number was expected.",
    "invalid_date": "The value is not a real date (or is before 1900).",
    "ambiguous_date": "Day-first or month-first cannot be told; give a format in the mapping.",
    "future_date": "The date is in the future.",
    "unknown_country": "The name matches no country; correct it (candidates are listed).",
    "country_fuzzy_match": "The name was read as a country by fuzzy matching (warning, score).",
    "country_catch_all": "A catch-all such as 'Unknown' or 'Other': no country.",
    "country_region_name": "A region name such as 'Africa': no country.",
    "country_ambiguous": "The name fits several countries.",
    "unknown_commodity": "The value matches no commodity in the codelist.",
    "commodity_fuzzy_match": "The commodity was read by fuzzy matching (warning, score).",
    "unknown_unit": "The unit is not known; the quantity is kept as reported.",
    "unconvertible_unit": "The unit has no cited conversion for this commodity; kept as reported.",
    "unit_dimension_mismatch": "The unit does not fit the commodity (e.g. persons of cocaine).",
    "not_in_codelist": "The value is not one of the field's codes.",
    "not_a_boolean": "A yes/no value was expected.",
    "invalid_tlp": "Not a TLP 2.0 label.",
    "invalid_grade": "Not a valid grade in its scheme.",
    "invalid_iccs": "Not an ICCS code.",
    "unknown_currency": "Not an ISO 4217 currency code.",
    "text_too_long": "The text is longer than the field allows.",
    "unmapped_column": "A column the mapping does not know; its values are kept with the record.",
    "broken_cell": "An Excel cell holds an error (#VALUE!, #REF!...).",
    "ragged_row": "A CSV row has a different number of fields than the header.",
    "not_an_object": "A JSON record is not an object.",
    "invalid_encoding": "The file is not valid UTF-8.",
    "duplicate_record_id": "The same agency record id appears twice in the submission.",
    "label_conflict": "The record is stored with other labels; labels are never overwritten.",
    "record_changed": "The record id is stored with other values; use --replace to supersede.",
}


def format_issue(file: str, row: int | None, field: str | None, message: str) -> str:
    """``file:row: field: message``, row numbered as a spreadsheet shows it."""
    where = f"{file}:{row}" if row is not None else file
    return f"{where}: {field}: {message}" if field else f"{where}: {message}"


def issue_lines(issues: pl.DataFrame) -> list[str]:
    """Human lines for an issues frame with file/row/field/message/code columns."""
    return [
        format_issue(r["file"], r["row"], r["field"], f"{r['message']} [{r['code']}]")
        for r in issues.iter_rows(named=True)
    ]


_SEVERITY = {"error": 0, "warning": 1, "info": 2}


def count_by_code(issues: pl.DataFrame) -> dict[str, dict[str, int | str]]:
    """{code: {"level": most severe level, "count": n, "error": n, ...}}, largest first.

    One code can come at several levels (a catch-all is an error on a required field and
    information on an optional one), so the counts per level are kept too.
    """
    if issues.height == 0:
        return {}
    out: dict[str, dict[str, int | str]] = {}
    counts = issues.group_by(["code", "level"]).len()
    for code, level, n in counts.iter_rows():
        entry = out.setdefault(code, {"level": level, "count": 0})
        entry["count"] = int(entry["count"]) + n
        entry[level] = n
        if _SEVERITY.get(level, 3) < _SEVERITY.get(str(entry["level"]), 3):
            entry["level"] = level
    return dict(sorted(out.items(), key=lambda kv: -int(kv[1]["count"])))
