"""Countries, land borders, ports, airports, population and the world map, as packaged data.

Every table is derived from public data by ``scripts/derive_reference.py`` and shipped in
``tocta/reference/data`` (sources and licences in DATA_LICENSES). Loads are cached: the first
call reads the file, later calls reuse the parsed result; returned objects are immutable,
except ``world_geometry()``, which callers must treat as read-only.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from tocta.errors import NotFoundError

__all__ = [
    "Airport",
    "Country",
    "Port",
    "airports",
    "all_countries",
    "get_country",
    "land_borders",
    "neighbours",
    "population",
    "population_table",
    "ports",
    "world_geometry",
]


@dataclass(frozen=True)
class Country:
    """One ISO 3166-1 country or territory (or XKX, Kosovo), from countries.csv.

    Names are the UN terminology (UNTERM) short and formal names in the six UN languages,
    falling back to the datahub official names for territories UNTERM does not list. M49
    codes are strings without leading zeros, as the UN publishes them in the datahub table.
    """

    iso3: str
    iso2: str
    numeric: str | None  # three digits with leading zeros; None for XKX
    name: str
    name_en_short: str
    name_en_formal: str | None
    name_fr_short: str
    name_fr_formal: str | None
    name_es_short: str
    name_es_formal: str | None
    name_ru_short: str
    name_ru_formal: str | None
    name_ar_short: str
    name_ar_formal: str | None
    name_zh_short: str
    name_zh_formal: str | None
    region_code: str | None
    region_name: str | None
    subregion_code: str | None
    subregion_name: str | None
    intermediate_code: str | None
    intermediate_name: str | None
    ldc: bool
    lldc: bool
    sids: bool
    status: str  # "Independent", "Territory of GB", "Part of CN", ...
    sovereign: str | None  # iso3 of the sovereign state of a territory
    currency: str | None  # ISO 4217 alphabetic code
    capital: str | None
    lat: float
    lon: float
    point_source: str
    coastal: bool
    landlocked: bool


@dataclass(frozen=True)
class Port:
    """A Natural Earth 1:10m port with the country it was assigned to."""

    name: str
    iso3: str
    lat: float
    lon: float
    scalerank: int
    assigned_by: str  # "within", "nearest:<km>km" or "curated: ..."


@dataclass(frozen=True)
class Airport:
    """A Natural Earth 1:10m airport with the country it was assigned to."""

    name: str
    iata: str | None
    gps_code: str | None
    type: str
    iso3: str
    lat: float
    lon: float
    scalerank: int
    assigned_by: str


def _read(name: str) -> str:
    return files("tocta.reference").joinpath("data", name).read_text(encoding="utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    # keep_default_na-style pitfalls do not apply: csv keeps "NA" (Namibia) as text.
    return list(csv.DictReader(io.StringIO(_read(name))))


def _country(row: dict[str, str]) -> Country:
    values: dict[str, Any] = {k: (v or None) for k, v in row.items()}
    for flag in ("ldc", "lldc", "sids", "coastal", "landlocked"):
        values[flag] = row[flag] == "1"
    values["lat"], values["lon"] = float(row["lat"]), float(row["lon"])
    values["name"] = values.pop("name_en")
    for key in (
        "iso2",
        "name_en_short",
        "name_fr_short",
        "name_es_short",
        "name_ru_short",
        "name_ar_short",
        "name_zh_short",
        "status",
        "point_source",
    ):
        values[key] = row[key]
    return Country(**values)


@cache
def all_countries() -> tuple[Country, ...]:
    """Every country and territory, sorted by ISO alpha-3.

    Returns:
        249 ISO 3166-1 entities plus XKX (Kosovo).
    """
    return tuple(_country(r) for r in _rows("countries.csv"))


@cache
def _by_code() -> dict[str, Country]:
    index: dict[str, Country] = {}
    for c in all_countries():
        index[c.iso3] = index[c.iso2] = c
        if c.numeric:
            index[str(int(c.numeric))] = c
    return index


def get_country(code: str | int) -> Country:
    """Look a country up by ISO alpha-3, alpha-2 or numeric code.

    Args:
        code: "NGA", "ng", "566", "056", 56 ... (case and leading zeros do not matter).

    Returns:
        The country.

    Raises:
        NotFoundError: No country has this code. Names are resolved by
            ``tocta.reference.names.resolve_country``, not here.
    """
    key = str(code).strip().upper()
    if key.isdigit():
        key = str(int(key))
    try:
        return _by_code()[key]
    except KeyError:
        raise NotFoundError(f"no country with code {code!r}") from None


@cache
def land_borders() -> frozenset[tuple[str, str]]:
    """Land borders, each pair sorted (a < b).

    Derived from the Natural Earth 1:50m polygons (shared boundary longer than ~400 m), plus
    the borders 1:50m cannot show (ESP-MAR at Ceuta and Melilla, ESP-GIB); see borders.csv
    and scripts/derive_reference.py.
    """
    return frozenset((r["iso3_a"], r["iso3_b"]) for r in _rows("borders.csv"))


@cache
def _neighbour_index() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for a, b in land_borders():
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in out.items()}


def neighbours(iso3: str) -> frozenset[str]:
    """The countries sharing a land border with ``iso3`` (any code form accepted).

    Raises:
        NotFoundError: The code is not a country.
    """
    return _neighbour_index().get(get_country(iso3).iso3, frozenset())


@cache
def _ports() -> tuple[Port, ...]:
    return tuple(
        Port(
            r["name"],
            r["iso3"],
            float(r["lat"]),
            float(r["lon"]),
            int(r["scalerank"]),
            r["assigned_by"],
        )
        for r in _rows("ports.csv")
    )


@cache
def _airports() -> tuple[Airport, ...]:
    return tuple(
        Airport(
            r["name"],
            r["iata"] or None,
            r["gps_code"] or None,
            r["type"],
            r["iso3"],
            float(r["lat"]),
            float(r["lon"]),
            int(r["scalerank"]),
            r["assigned_by"],
        )
        for r in _rows("airports.csv")
    )


def ports(iso3: str | None = None) -> tuple[Port, ...]:
    """Natural Earth 1:10m ports, all or those of one country.

    Raises:
        NotFoundError: ``iso3`` is given and is not a country code.
    """
    if iso3 is None:
        return _ports()
    code = get_country(iso3).iso3
    return tuple(p for p in _ports() if p.iso3 == code)


def airports(iso3: str | None = None) -> tuple[Airport, ...]:
    """Natural Earth 1:10m airports, all or those of one country.

    Raises:
        NotFoundError: ``iso3`` is given and is not a country code.
    """
    if iso3 is None:
        return _airports()
    code = get_country(iso3).iso3
    return tuple(a for a in _airports() if a.iso3 == code)


@cache
def population_table() -> pa.Table:
    """World Bank total population (SP.POP.TOTL): columns iso3, year, population.

    Total population, all ages: prevalence per population aged 15-64 needs an age share.
    """
    data = files("tocta.reference").joinpath("data", "population.csv").read_bytes()
    types = {"iso3": pa.string(), "year": pa.int16(), "population": pa.int64()}
    return pacsv.read_csv(
        pa.BufferReader(data), convert_options=pacsv.ConvertOptions(column_types=types)
    )


@cache
def _population_index() -> dict[tuple[str, int], int]:
    t = population_table().to_pydict()
    return {(c, y): p for c, y, p in zip(t["iso3"], t["year"], t["population"], strict=True)}


def population(iso3: str, year: int) -> int | None:
    """Total population of a country in a year, or None when the World Bank has no figure.

    Raises:
        NotFoundError: ``iso3`` is not a country code (any code form is accepted).
    """
    return _population_index().get((get_country(iso3).iso3, int(year)))


@cache
def world_geometry() -> dict[str, Any]:
    """Simplified 1:50m country polygons as a GeoJSON FeatureCollection (iso3, name).

    The dict is shared between callers: copy it before changing it.
    """
    result: dict[str, Any] = json.loads(_read("world.geojson"))
    return result
