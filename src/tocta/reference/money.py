"""Money: constant US dollars from the US CPI-U, and ISO 4217 currency codes.

Analytics compare money in constant US$ of a stated year. ``to_constant_usd`` rescales by the
ratio of annual average CPI-U indices (US Bureau of Labor Statistics, 1982-84 = 100), shipped as
``data/cpi_us_annual.csv`` (derived by ``scripts/derive_cpi.py``). A year with fewer than twelve
monthly values is partial: it is refused unless the caller accepts it explicitly, because a
part-year average is not an annual price level.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources
from typing import overload

import numpy as np
import numpy.typing as npt

from tocta.errors import NotFoundError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CpiYear:
    """Annual average CPI-U of one year, from ``months`` monthly values."""

    year: int
    cpi: float
    months: int

    @property
    def is_complete(self) -> bool:
        """True when all twelve monthly values are in the average."""
        return self.months == 12


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: alphabetic code, name, numeric code and minor unit (decimals)."""

    code: str
    name: str
    numeric: str
    minor_unit: int | None


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("tocta.reference").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def _cpi_table() -> dict[int, CpiYear]:
    rows = _read("cpi_us_annual.csv")
    years = (CpiYear(int(r["year"]), float(r["cpi"]), int(r["months"])) for r in rows)
    return {y.year: y for y in years}


def cpi_years() -> tuple[CpiYear, ...]:
    """Every year of the CPI table, complete or partial."""
    return tuple(_cpi_table().values())


def latest_complete_year() -> int:
    """The latest year whose CPI average covers all twelve months."""
    return max(y.year for y in _cpi_table().values() if y.is_complete)


def cpi(year: int, *, allow_partial: bool = False) -> float:
    """Annual average CPI-U (1982-84 = 100) of ``year``.

    Raises:
        NotFoundError: the year is outside the table, or partial and ``allow_partial`` is
            False; the message names the covered range.
    """
    table = _cpi_table()
    entry = table.get(int(year))
    first, last = min(table), latest_complete_year()
    if entry is None:
        raise NotFoundError(f"no US CPI for {year}: complete years cover {first}-{last}")
    if not entry.is_complete and not allow_partial:
        raise NotFoundError(
            f"US CPI for {year} is partial ({entry.months} of 12 months): complete years cover "
            f"{first}-{last}; pass allow_partial=True to use the part-year average"
        )
    return entry.cpi


@overload
def to_constant_usd(
    amount: float, from_year: int, to_year: int, *, allow_partial: bool = False
) -> float: ...
@overload
def to_constant_usd(
    amount: npt.ArrayLike, from_year: npt.ArrayLike, to_year: int, *, allow_partial: bool = False
) -> float | FloatArray: ...
def to_constant_usd(
    amount: npt.ArrayLike, from_year: npt.ArrayLike, to_year: int, *, allow_partial: bool = False
) -> float | FloatArray:
    """Express US$ of ``from_year`` in constant US$ of ``to_year``: amount x CPI(to) / CPI(from).

    ``amount`` and ``from_year`` may be scalars or arrays (broadcast together), so a column of
    values from different years converts in one call. Returns a float for scalar inputs.

    Raises:
        NotFoundError: a year is not covered (or is partial without ``allow_partial``).
    """
    target = cpi(to_year, allow_partial=allow_partial)
    years = np.asarray(from_year)
    values = np.asarray(amount, dtype=np.float64)
    if years.ndim == 0 and values.ndim == 0:
        return float(values) * target / cpi(int(years), allow_partial=allow_partial)
    distinct = np.unique(years)
    lookup = {int(y): cpi(int(y), allow_partial=allow_partial) for y in distinct}
    index = np.searchsorted(distinct, years)
    base = np.array([lookup[int(y)] for y in distinct], dtype=np.float64)[index]
    return np.asarray(values * target / base, dtype=np.float64)


@functools.cache
def _currencies() -> dict[str, Currency]:
    return {
        r["code"]: Currency(r["code"], r["name"], r["numeric"],
                            int(r["minor_unit"]) if r["minor_unit"].isdigit() else None)
        for r in _read("currencies.csv")
    }


def currency_codes() -> tuple[str, ...]:
    """ISO 4217 alphabetic codes of the currencies in use in the world's countries."""
    return tuple(_currencies())


def get_currency(code: str) -> Currency:
    """Return the currency with this ISO 4217 alphabetic code (case-insensitive).

    Raises:
        NotFoundError: the code is not a current ISO 4217 code of the table.
    """
    found = _currencies().get(str(code).strip().upper())
    if found is None:
        raise NotFoundError(f"unknown currency {code!r}: expected an ISO 4217 code such as USD")
    return found
