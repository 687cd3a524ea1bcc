"""Constant US dollars from the CPI-U, and ISO 4217 currencies."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocta.errors import NotFoundError
from tocta.reference.money import (
    cpi,
    cpi_years,
    currency_codes,
    get_currency,
    latest_complete_year,
    to_constant_usd,
)

SHARED_CPI = Path(__file__).resolve().parents[3] / "shared" / "data" / "cpi-us" / "cpiai.csv"


@pytest.mark.parametrize(
    ("year", "index"),
    # BLS published annual averages of CPI-U (1982-84 = 100)
    [(1913, 9.883), (2000, 172.2), (2010, 218.056), (2018, 251.107), (2020, 258.811),
     (2022, 292.655), (2024, 313.689)],
    ids=str,
)
def test_annual_average_cpi(year: int, index: float) -> None:
    assert cpi(year) == pytest.approx(index, abs=0.001)


def test_constant_usd_2010_to_2020() -> None:
    # 100 x 258.811 / 218.056 = 118.69 (BLS annual averages)
    assert to_constant_usd(100, 2010, 2020) == pytest.approx(118.69, abs=0.01)
    assert to_constant_usd(100, 2020, 2010) == pytest.approx(100 * 218.056 / 258.811)


def test_arrays_match_scalars() -> None:
    amounts = np.array([100.0, 250.0, 10.0, 0.0])
    years = np.array([2010, 2018, 2022, 2010])
    result = to_constant_usd(amounts, years, 2024)
    pairs = zip(amounts, years, strict=True)
    expected = [to_constant_usd(float(a), int(y), 2024) for a, y in pairs]
    assert isinstance(result, np.ndarray)
    assert result == pytest.approx(expected)
    assert to_constant_usd([1.0, 2.0], 2010, 2020) == pytest.approx([1.1869, 2.3738], abs=1e-4)


@given(st.floats(min_value=0, max_value=1e12), st.sampled_from(range(1913, 2025)),
       st.sampled_from(range(1913, 2025)))
def test_round_trip(amount: float, a: int, b: int) -> None:
    back = to_constant_usd(to_constant_usd(amount, a, b), b, a)
    assert back == pytest.approx(amount, rel=1e-12, abs=1e-9)


def test_unknown_year_names_the_covered_range() -> None:
    with pytest.raises(NotFoundError, match="1913-2024"):
        cpi(1850)
    with pytest.raises(NotFoundError, match="1913-2024"):
        to_constant_usd(np.array([1.0, 1.0]), np.array([2010, 1850]), 2020)


def test_partial_years_are_flagged_and_refused_by_default() -> None:
    partial = [y for y in cpi_years() if not y.is_complete]
    assert [y.year for y in partial] == [2025, 2026]
    assert latest_complete_year() == 2024
    with pytest.raises(NotFoundError, match="partial"):
        to_constant_usd(100, 2010, 2026)
    assert cpi(2025, allow_partial=True) == pytest.approx(321.943, abs=0.001)


@pytest.mark.skipif(not SHARED_CPI.exists(), reason="../shared/data/cpi-us is absent")
def test_table_matches_the_monthly_source() -> None:
    months: dict[int, list[float]] = defaultdict(list)
    with SHARED_CPI.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            months[int(row["Date"][:4])].append(float(row["Index"]))
    for entry in cpi_years():
        values = months[entry.year]
        assert entry.months == len(values)
        assert entry.cpi == pytest.approx(sum(values) / len(values), abs=0.0005)


def test_currencies() -> None:
    codes = currency_codes()
    assert len(codes) >= 150
    assert all(len(c) == 3 and c.isupper() for c in codes)
    assert {"USD", "EUR", "XOF", "COP", "AFN", "MMK"} <= set(codes)
    usd = get_currency("usd")
    assert (usd.code, usd.name, usd.numeric, usd.minor_unit) == ("USD", "US Dollar", "840", 2)
    assert get_currency("XOF").minor_unit == 0
    with pytest.raises(NotFoundError, match="ISO 4217"):
        get_currency("XYZ")
