"""Packaged country tables: codes, points, borders, coasts, ports, population, map."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from tocta.errors import NotFoundError
from tocta.reference.countries import (
    airports,
    all_countries,
    get_country,
    land_borders,
    neighbours,
    population,
    population_table,
    ports,
    world_geometry,
)


def codes(text: str) -> frozenset[str]:
    """A set of codes written as one space-separated string."""
    return frozenset(text.split())

DATA = Path(str(files("tocta.reference").joinpath("data")))
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CODES = {c.iso3 for c in all_countries()}
SMALL_STATES = ["SGP", "MLT", "BHR", "CPV", "MUS", "MDV", "BRB", "LCA"]
# The 44 UN-recognised landlocked states plus Kosovo (the Caspian Sea does not count as sea).
LANDLOCKED = codes(
    "AFG AND ARM AUT AZE BDI BFA BLR BOL BTN BWA CAF CHE CZE ETH HUN KAZ KGZ LAO LIE LSO LUX "
    "MDA MKD MLI MNG MWI NER NPL PRY RWA SMR SRB SSD SVK SWZ TCD TJK TKM UGA UZB VAT XKX ZMB "
    "ZWE"
)


def test_every_iso_country_and_kosovo() -> None:
    countries = all_countries()
    assert len(countries) == 250  # 249 ISO 3166-1 entities + XKX
    assert [c.iso3 for c in countries] == sorted(CODES)
    assert len({c.iso2 for c in countries}) == 250
    assert get_country("XKX").name == "Kosovo"


@pytest.mark.parametrize(
    ("code", "iso3"),
    [("NGA", "NGA"), ("ng", "NGA"), ("566", "NGA"), (566, "NGA"), ("004", "AFG"), ("4", "AFG"),
     (4, "AFG"), ("NA", "NAM"), ("xk", "XKX"), (" gbr ", "GBR"), ("826", "GBR")],
    ids=lambda v: str(v),
)  # fmt: skip
def test_get_country_by_any_code(code: str | int, iso3: str) -> None:
    assert get_country(code).iso3 == iso3


def test_codes_round_trip() -> None:
    for c in all_countries():
        assert get_country(c.iso2) is c
        assert get_country(c.iso3.lower()) is c
        if c.numeric:
            assert len(c.numeric) == 3
            assert get_country(c.numeric) is c


@pytest.mark.parametrize("code", ["ZZZ", "QQ", "999", "", "Nigeria"])
def test_unknown_code_raises(code: str) -> None:
    with pytest.raises(NotFoundError):
        get_country(code)


def test_names_in_six_languages() -> None:
    fra = get_country("FRA")
    assert (fra.name_en_short, fra.name_fr_short, fra.name_es_short) == (
        "France",
        "France",
        "Francia",
    )
    assert (fra.name_ru_short, fra.name_ar_short, fra.name_zh_short) == ("Франция", "فرنسا", "法国")
    assert fra.name_en_formal == "the French Republic"
    assert get_country("NLD").name == "Netherlands"  # UNTERM's "(the)" dropped
    assert get_country("CIV").name == "Côte d’Ivoire"  # no UNTERM row: CLDR name


def test_m49_groups_and_flags() -> None:
    nga = get_country("NGA")
    assert (nga.region_name, nga.subregion_name, nga.intermediate_name) == (
        "Africa", "Sub-Saharan Africa", "Western Africa")  # fmt: skip
    assert (nga.region_code, nga.subregion_code, nga.intermediate_code) == ("2", "202", "11")
    assert get_country("AFG").ldc and get_country("AFG").lldc
    assert get_country("CPV").sids and not get_country("CPV").lldc
    assert get_country("HKG").sovereign == "CHN"
    assert get_country("GIB").sovereign == "GBR"
    assert get_country("FRA").sovereign is None


@pytest.mark.parametrize(
    ("iso3", "currency"), [("NGA", "NGN"), ("TUR", "TRY"), ("XKX", "EUR"), ("NAM", "NAD")]
)
def test_currency(iso3: str, currency: str) -> None:
    assert get_country(iso3).currency == currency


def test_every_country_has_a_point() -> None:
    for c in all_countries():
        assert -90 <= c.lat <= 90 and -180 <= c.lon <= 180, c.iso3
        assert c.point_source, c.iso3
    assert get_country("FRA").point_source == "ne110m_label"
    assert 1 < get_country("FRA").lon < 4  # mainland France, not pulled by overseas parts
    assert get_country("GIB").point_source.startswith("ne10m_airports")


@pytest.mark.parametrize("iso3", SMALL_STATES)
def test_small_states_have_point_and_geometry(iso3: str) -> None:
    feature = next(f for f in world_geometry()["features"] if f["properties"]["iso3"] == iso3)
    country = get_country(iso3)
    # The point lies on (or within ~20 km of) the simplified polygon.
    assert shape(feature["geometry"]).distance(Point(country.lon, country.lat)) < 0.2


def test_world_geometry_is_small_and_plain() -> None:
    world = world_geometry()
    assert world["type"] == "FeatureCollection"
    assert len(world["features"]) >= 240
    assert all(set(f["properties"]) == {"iso3", "name"} for f in world["features"])
    assert {f["properties"]["iso3"] for f in world["features"]} <= CODES
    assert (DATA / "world.geojson").stat().st_size < 1_500_000


@pytest.mark.parametrize(
    "pair",
    [("ESP", "FRA"), ("COL", "VEN"), ("NER", "NGA"), ("GNB", "SEN"), ("GBR", "IRL"),
     ("BRA", "GUF"), ("ITA", "VAT"), ("CHN", "HKG"), ("CAN", "USA"), ("MEX", "USA"),
     ("DOM", "HTI"), ("ESP", "MAR"), ("BWA", "ZMB"), ("COD", "COG"), ("SDN", "SSD")],
    ids="-".join,
)  # fmt: skip
def test_land_border_present(pair: tuple[str, str]) -> None:
    assert pair in land_borders()


@pytest.mark.parametrize(
    "pair",
    [("FRA", "GBR"), ("NAM", "ZWE"), ("MYS", "SGP"), ("BRA", "FRA"), ("DNK", "SWE"),
     ("ITA", "TUN"), ("RUS", "USA"), ("EGY", "SAU")],
    ids="-".join,
)  # fmt: skip
def test_no_land_border(pair: tuple[str, str]) -> None:
    assert pair not in land_borders()


@pytest.mark.parametrize("iso3", ["AUS", "NZL", "JPN", "ISL", "SGP", "CUB", "MDG"])
def test_islands_have_no_neighbours(iso3: str) -> None:
    assert neighbours(iso3) == frozenset()


def test_borders_are_sorted_known_and_plausible() -> None:
    borders = land_borders()
    assert 300 <= len(borders) <= 340  # ~320 land borders in the world
    assert all(a < b and a in CODES and b in CODES for a, b in borders)
    assert neighbours("fr") == {"AND", "BEL", "CHE", "DEU", "ESP", "ITA", "LUX", "MCO"}
    assert len(neighbours("CHN")) == 16  # 14 states + Hong Kong and Macao
    assert all(a in neighbours(b) for a, b in borders)


def test_landlocked_and_coastal() -> None:
    landlocked = {c.iso3 for c in all_countries() if c.landlocked}
    assert landlocked == LANDLOCKED
    assert all(c.coastal != c.landlocked for c in all_countries())
    for iso3 in ["BIH", "COD", "JOR", "SVN", "IRQ", "MCO", "RUS", "IRN"]:
        assert get_country(iso3).coastal, iso3


def test_ports_and_airports_assigned() -> None:
    assert len(ports()) == 1081 and len(airports()) == 891  # every Natural Earth point
    assert {p.iso3 for p in ports()} <= CODES and {a.iso3 for a in airports()} <= CODES
    assert "Rotterdam" in {p.name for p in ports("NLD")}
    assert {p.name for p in ports("GIB")} == {"Gibraltar"}
    assert {p.iso3 for p in ports() if p.name in ("Ceuta", "Melilla")} == {"ESP"}
    by_iata = {a.iata: a.iso3 for a in airports() if a.iata}
    assert (by_iata["LHR"], by_iata["CDG"], by_iata["SIN"], by_iata["LOS"]) == (
        "GBR", "FRA", "SGP", "NGA")  # fmt: skip
    assert by_iata["GIB"] == "GIB"
    snapped = [p for p in ports() if p.assigned_by.startswith("nearest:")]
    assert all(float(p.assigned_by[8:-2]) <= 25.0 for p in snapped)


def test_population() -> None:
    assert 200_000_000 < (population("NGA", 2020) or 0) < 220_000_000
    assert population("XKX", 2020) is not None  # World Bank code XKX
    assert population("ATA", 2020) is None
    table = population_table()
    assert table.column_names == ["iso3", "year", "population"]
    assert set(table.column("iso3").to_pylist()) <= CODES  # no aggregates (WLD, SSF, EUU)
    years = table.column("year").to_pylist()
    assert (min(years), max(years)) == (1960, 2024)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data not present")
def test_population_equals_world_bank_source() -> None:
    import csv

    with (SHARED / "population-worldbank/population.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Country Code"] in ("NGA", "ROU", "IND")]
    for r in rows:
        assert population(r["Country Code"], int(r["Year"])) == int(float(r["Value"]))


def test_data_files_are_small() -> None:
    mine = ["countries.csv", "country_aliases.csv", "demonyms.csv", "borders.csv", "ports.csv",
            "airports.csv", "population.csv", "world.geojson", "regions.yaml"]  # fmt: skip
    assert sum((DATA / name).stat().st_size for name in mine) < 3_000_000
    assert json.loads((DATA / "world.geojson").read_text(encoding="utf-8"))["features"]
