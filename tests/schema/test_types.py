"""Value types: case tables for the cleaners."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tocta.schema.model import get_type
from tocta.schema.types import TYPES
from tocta.schema.types.date import parse_partial_date
from tocta.schema.types.grade import make_grade, parse_grade, rank_to_admiralty
from tocta.schema.types.number import parse_number
from tocta.schema.types.tlp import parse_tlp, strictest_tlp


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [("1234.5", 1234.5, None), ("1,234.5", 1234.5, None), ("1 234,5", None, "not_a_number"),
     ("12,5", 12.5, "decimal_comma"), ("1.234,5", 1234.5, None), ("85%", 0.85, None),
     ("12,5 t", None, "not_a_number"), ("abc", None, "not_a_number"), ("-3", -3.0, None),
     ("1e3", 1000.0, None), ("inf", None, "not_a_number")],
    ids=["plain", "thousands", "space-thousands-decimal-comma", "decimal-comma",
         "euro-thousands", "percent", "with-unit", "text", "negative", "exponent", "infinite"],
)
def test_parse_number(raw: str, value: float | None, code: str | None) -> None:
    verdict = parse_number(raw)
    assert verdict.code == code
    if value is None:
        assert verdict.value is None
    else:
        assert verdict.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("raw", "iso", "code"),
    [("2021", "2021", None), ("2021-05", "2021-05", None), ("2021-05-03", "2021-05-03", None),
     ("2021-5-3", "2021-05-03", None), ("25/12/2021", "2021-12-25", None),
     ("12/25/2021", "2021-12-25", None), ("03/05/2021", None, "ambiguous_date"),
     ("05/05/2021", "2021-05-05", None), ("March 2021", "2021-03", None),
     ("5 March 2021", "2021-03-05", None), ("mars 2021", "2021-03", None),
     ("2021-02-30", None, "invalid_date"), ("1850", None, "invalid_date"),
     ("3021-01-01", None, "future_date"), ("yesterday", None, "invalid_date"),
     ("2021-05-03T10:15:00", "2021-05-03", None)],
    ids=["year", "year-month", "full", "unpadded", "day-first", "month-first", "ambiguous",
         "same-day-month", "month-name", "day-month-name", "french-month", "feb-30",
         "too-old", "future", "words", "datetime"],
)
def test_parse_partial_date(raw: str, iso: str | None, code: str | None) -> None:
    verdict = parse_partial_date(raw)
    assert (verdict.value, verdict.code) == (iso, code)


def test_date_format_from_mapping_wins() -> None:
    assert parse_partial_date("03/05/2021", "%d/%m/%Y").value == "2021-05-03"
    assert parse_partial_date("2021-05-03", "%d/%m/%Y").code == "invalid_date"


def test_today_is_not_future() -> None:
    assert parse_partial_date(dt.date.today().isoformat()).code is None


@pytest.mark.parametrize(
    ("raw", "level"),
    [("TLP:AMBER", "AMBER"), ("amber", "AMBER"), ("TLP:WHITE", "CLEAR"), ("white", "CLEAR"),
     ("TLP:AMBER+STRICT", "AMBER+STRICT"), ("Amber Strict", "AMBER+STRICT"), ("RED", "RED"),
     ("tlp:green", "GREEN"), ("purple", None), ("", None)],
    ids=["prefixed", "lower", "white", "white-lower", "strict", "strict-words", "red", "green",
         "invalid", "empty"],
)
def test_parse_tlp(raw: str, level: str | None) -> None:
    assert parse_tlp(raw) == level


def test_strictest_tlp() -> None:
    assert strictest_tlp(["GREEN", "AMBER", "CLEAR"]) == "AMBER"
    assert strictest_tlp([]) == "CLEAR"


@pytest.mark.parametrize(
    ("raw", "ranks"),
    [("admiralty:B2", (2, 2)), ("admiralty:F6", (6, 6)), ("5x5x5:A1", (1, 1)),
     ("5x5x5:E4", (6, 6)), ("5x5x5:D5", (5, 5)), ("3x5x2:1B", (2, 2)), ("3x5x2:2A", (6, 1)),
     ("3x5x2:3E", (5, 5)), ("europol4x4:A1", (1, 1)), ("europol4x4:X4", (6, 4)),
     ("europol4x4:C3", (4, 3))],
    ids=["adm-B2", "adm-F6", "555-A1", "555-E4-untested", "555-D5", "352-1B", "352-2A",
         "352-3E", "e44-A1", "e44-X4", "e44-C3"],
)
def test_grades_map_onto_the_common_scale(raw: str, ranks: tuple[int, int]) -> None:
    grade = parse_grade(raw)
    assert grade is not None
    assert (grade.reliability_rank, grade.credibility_rank) == ranks


@pytest.mark.parametrize("raw", ["admiralty:G2", "admiralty:B7", "5x5x5:F1", "3x5x2:4A",
                                 "europol4x4:D1", "nato4:B2", "B2"])
def test_invalid_grades_are_rejected(raw: str) -> None:
    assert parse_grade(raw) is None


def test_grade_threshold_b2_or_better() -> None:
    b2 = make_grade("admiralty", "B", "2")
    c2 = make_grade("admiralty", "C", "2")
    assert b2 is not None and c2 is not None
    assert b2.meets(2, 2) and not c2.meets(2, 2)
    assert rank_to_admiralty(2, 2) == "B2"


def test_fraction_reads_percent_forms() -> None:
    f = get_type("Seizure").field("purity")
    cleaned = TYPES["fraction"].clean(pl.Series(["0.85", "85%", "85", "150", "-1"]), f, None)
    assert cleaned.values.to_list()[:3] == pytest.approx([0.85, 0.85, 0.85])
    assert cleaned.values.to_list()[3:] == [None, None]
    assert set(cleaned.issues["code"]) == {"out_of_range"}
