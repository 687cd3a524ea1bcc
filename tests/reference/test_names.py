"""The country-name resolver: codes, names, demonyms, units, placeholders, regions, typos."""

from __future__ import annotations

import csv
import io
import json
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocta.reference.countries import all_countries
from tocta.reference.names import (
    alias_index,
    normalize_name,
    resolve_countries,
    resolve_country,
)
from tocta.reference.regions import list_regions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CODES = {c.iso3 for c in all_countries()}
ISSUES = {None, "country_fuzzy_match", "country_catch_all", "country_region_name",
          "country_ambiguous", "unknown_country"}  # fmt: skip
METHODS = {"iso3", "iso2", "numeric", "wb_code", "name", "demonym", "subnational", "fuzzy",
           "catch_all", "region", "none"}  # fmt: skip


def _data(name: str) -> list[dict[str, str]]:
    text = files("tocta.reference").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("  The  Gambia ", "gambia"), ("CÔTE D’IVOIRE", "cote ivoire"),
     ("Côte d'Ivoire", "cote ivoire"), ("U.S.A.", "usa"),
     ("St. Kitts & Nevis", "saint kitts and nevis"),
     ("Dem. Rep. Congo", "democratic republic congo"),
     ("Lao People's Dem. Rep.", "lao peoples democratic republic"),
     ("S. Korea", "s korea"), ("Guinea-Bissau", "guinea bissau"), ("Türkiye", "turkiye"),
     ("Турция", "турция"), ("Йемен", "иемен"), ("土耳其", "土耳其"), ("الإمارات", "الامارات"),
     ("...", ""), ("Kosovo*", "kosovo")],
    ids=lambda v: v,
)  # fmt: skip
def test_normalize_name(raw: str, normalized: str) -> None:
    assert normalize_name(raw) == normalized


# (raw, code, method, unit)
CLEAN = [
    ("NGA", "NGA", "iso3", None), ("ng", "NGA", "iso2", None), ("566", "NGA", "numeric", None),
    ("4", "AFG", "numeric", None), ("004", "AFG", "numeric", None), ("040", "AUT", "numeric", None),
    ("NA", "NAM", "iso2", None), ("XKX", "XKX", "iso3", None),
    ("ROM", "ROU", "wb_code", None), ("ZAR", "COD", "wb_code", None),
    ("TMP", "TLS", "wb_code", None), ("ADO", "AND", "wb_code", None),
    ("WBG", "PSE", "wb_code", None), ("KSV", "XKX", "wb_code", None),
    ("Nigeria", "NGA", "name", None), ("NIGER", "NER", "name", None),
    ("Bolivia (Plurinational State of)", "BOL", "name", None),
    ("China, Hong Kong SAR", "HKG", "name", None), ("Kosovo under UNSCR 1244", "XKX", "name", None),
    ("Netherlands (Kingdom of the)", "NLD", "name", None),
    ("United States of America ", "USA", "name", None),
    ("Ivory Coast", "CIV", "name", None), ("Burma", "MMR", "name", None),
    ("Swaziland", "SWZ", "name", None), ("Czech Republic", "CZE", "name", None),
    ("Turkey", "TUR", "name", None), ("Türkiye", "TUR", "name", None),
    ("Cape Verde", "CPV", "name", None), ("East Timor", "TLS", "name", None),
    ("Holland", "NLD", "name", None), ("Great Britain", "GBR", "name", None),
    ("UK", "GBR", "name", None), ("USA", "USA", "iso3", None), ("U.S.", "USA", "name", None),
    ("Macedonia", "MKD", "name", None), ("Zaire", "COD", "name", None),
    ("Vietnam", "VNM", "name", None), ("Viet Nam", "VNM", "name", None),
    ("Korea, Rep.", "KOR", "name", None), ("Republic of Korea", "KOR", "name", None),
    ("Korea, Republic of", "KOR", "name", None), ("DPRK", "PRK", "name", None),
    ("Korea (North)", "PRK", "name", None),
    ("Congo", "COG", "name", None), ("Congo-Brazzaville", "COG", "name", None),
    ("Congo-Kinshasa", "COD", "name", None), ("Democratic Republic of Congo", "COD", "name", None),
    ("RDC", "COD", "name", None), ("DR Congo", "COD", "name", None),
    ("Congo, Dem. Rep.", "COD", "name", None),
    ("Côte d'Ivoire", "CIV", "name", None), ("Cote d Ivoire", "CIV", "name", None),
    ("Allemagne", "DEU", "name", None), ("Alemania", "DEU", "name", None),
    ("Германия", "DEU", "name", None), ("ألمانيا", "DEU", "name", None),
    ("德国", "DEU", "name", None),
    ("la République fédérale d'Allemagne", "DEU", "name", None),
    ("Estados Unidos Mexicanos", "MEX", "name", None),
    ("Российская Федерация", "RUS", "name", None),
    ("大不列颠及北爱尔兰联合王国", "GBR", "name", None),
    ("Gambia, The", "GMB", "name", None), ("St. Lucia", "LCA", "name", None),
    ("Saint Vincent & the Grenadines", "VCT", "name", None),
    ("Virgin Islands (U.S.)", "VIR", "name", None), ("British Virgin Islands", "VGB", "name", None),
    ("American Samoa", "ASM", "name", None), ("Samoa", "WSM", "name", None),
    ("Dominica", "DMA", "name", None), ("Dominican Republic", "DOM", "name", None),
    ("Micronesia", "FSM", "name", None),
    ("Nigerian", "NGA", "demonym", None), ("Nigerien", "NER", "demonym", None),
    ("Nigerians", "NGA", "demonym", None), ("Colombian", "COL", "demonym", None),
    ("Ivorian", "CIV", "demonym", None), ("Guinean", "GIN", "demonym", None),
    ("Bissau-Guinean", "GNB", "demonym", None), ("Filipinos", "PHL", "demonym", None),
    ("Nigerian nationals", "NGA", "demonym", None),
    ("England and Wales", "GBR", "subnational", "England and Wales"),
    ("United Kingdom (England and Wales)", "GBR", "subnational", "England and Wales"),
    ("United Kingdom (Scotland)", "GBR", "subnational", "Scotland"),
    ("Northern Ireland", "GBR", "subnational", "Northern Ireland"),
    ("Scotland, UK", "GBR", "subnational", "Scotland"),
    ("Zanzibar", "TZA", "subnational", "Zanzibar"),
    ("Reunion (France)", "REU", "name", None), ("Hong Kong (China)", "HKG", "name", None),
    ("Myanmar (Burma)", "MMR", "name", None), ("Samoa (US)", "ASM", "name", None),
    ("Congo (DRC)", "COD", "name", None), ("Congolese (DRC)", "COD", "name", None),
    ("Virgin Islands (UK)", "VGB", "name", None), ("Taiwan (China)", "TWN", "name", None),
    ("Korea (Seoul)", "KOR", "name", None), ("Sudan (Juba)", "SSD", "name", None),
    ("Republic of Congo (Brazzaville)", "COG", "name", None),
    ("S. Korea", "KOR", "name", None), ("N. Korea", "PRK", "name", None),
    ("Papua N. Guinea", "PNG", "name", None), ("S. Sudan", "SSD", "name", None),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "code", "method", "unit"), CLEAN, ids=[c[0] for c in CLEAN])
def test_resolves_cleanly(raw: str, code: str, method: str, unit: str | None) -> None:
    m = resolve_country(raw)
    assert (m.code, m.method, m.unit, m.issue) == (code, method, unit, None)
    assert m.raw == raw and m.score >= 95


CONFUSABLE = [("Niger", "NER"), ("Nigeria", "NGA"), ("Guinea", "GIN"), ("Guinea-Bissau", "GNB"),
              ("Equatorial Guinea", "GNQ"), ("Papua New Guinea", "PNG"), ("Dominica", "DMA"),
              ("Dominican Republic", "DOM"), ("Sudan", "SDN"), ("South Sudan", "SSD"),
              ("Austria", "AUT"), ("Australia", "AUS"), ("Iceland", "ISL"), ("Ireland", "IRL"),
              ("Mali", "MLI"), ("Malawi", "MWI"), ("Gambia", "GMB"), ("Zambia", "ZMB"),
              ("Slovakia", "SVK"), ("Slovenia", "SVN"), ("Samoa", "WSM"),
              ("American Samoa", "ASM"), ("Iran", "IRN"), ("Iraq", "IRQ"), ("Oman", "OMN"),
              ("Congo", "COG"), ("Democratic Republic of the Congo", "COD")]  # fmt: skip


@pytest.mark.parametrize(("raw", "code"), CONFUSABLE, ids=[c[0] for c in CONFUSABLE])
@pytest.mark.parametrize("case", [str, str.upper, str.lower], ids=["as_is", "upper", "lower"])
def test_confusable_names_stay_apart(raw: str, code: str, case: object) -> None:
    m = resolve_country(case(raw))  # type: ignore[operator]
    assert (m.code, m.issue) == (code, None)


AMBIGUOUS = [("Korea", {"KOR", "PRK"}), ("Congolese", {"COG", "COD"}),
             ("Dominican", {"DMA", "DOM"}), ("Virgin Islands", {"VGB", "VIR"}),
             ("ANT", {"CUW", "SXM", "BES"}), ("Netherlands Antilles", {"CUW", "SXM", "BES"}),
             ("Ireland and Northern Ireland", {"IRL", "GBR"}), ("Czechoslovakia", {"CZE", "SVK"}),
             ("Benin/Togo", {"BEN", "TGO"}), ("Koreans", {"KOR", "PRK"})]  # fmt: skip


@pytest.mark.parametrize(("raw", "candidates"), AMBIGUOUS, ids=[a[0] for a in AMBIGUOUS])
def test_ambiguous_names_give_candidates(raw: str, candidates: set[str]) -> None:
    m = resolve_country(raw)
    assert (m.code, m.issue, set(m.candidates)) == (None, "country_ambiguous", candidates)


@pytest.mark.parametrize(
    "raw",
    ["Unknown", "unknown", "Nationals", "Total", "Other", "N/A", "n/a", "na", "Various",
     "Stateless", "", "   ", "-", "?", "World", "XXX", "Not stated", "Others (please specify)",
     "country not known", "Inconnu"],
    ids=repr,
)  # fmt: skip
def test_catch_alls_give_no_country(raw: str) -> None:
    m = resolve_country(raw)
    assert (m.code, m.method, m.issue) == (None, "catch_all", "country_catch_all")


@pytest.mark.parametrize(
    "raw",
    ["Africa", "Americas", "Amercas", "Afrika", "Europe", "West Africa", "Western Africa", "EU",
     "European Union", "Sub-Saharan Africa", "Latin America and the Caribbean", "Middle East",
     "Central America", "Caribbean", "Mekong", "ASEAN", "Balkan countries",
     "West and Central Africa", "Near and Middle East/South-West Asia", "Euro area"],
    ids=repr,
)  # fmt: skip
def test_regions_give_no_country(raw: str) -> None:
    m = resolve_country(raw)
    assert (m.code, m.method, m.issue) == (None, "region", "country_region_name")


def test_no_region_label_resolves_to_a_country() -> None:
    for region in list_regions():
        for label in (region.name, *region.aliases):
            if label == "Micronesia":  # also the short name of FSM: the country wins
                continue
            assert resolve_country(label).code is None, label


# Typos invented for this test (the held-out spelling list is never read here).
FUZZY = [("Colmbia", "COL"), ("Nigeriia", "NGA"), ("Venezeula", "VEN"), ("Guatemla", "GTM"),
         ("Switzerlnd", "CHE"), ("Madagasgar", "MDG"), ("Mozambque", "MOZ"),
         ("Bangladesch", "BGD"), ("Kazakstan", "KAZ"), ("Scotlnd", "GBR"),
         ("United Kingdon", "GBR"), ("Dominican Repblic", "DOM"),
         ("Maldive Islands", "MDV")]  # fmt: skip


@pytest.mark.parametrize(("raw", "code"), FUZZY, ids=[f[0] for f in FUZZY])
def test_typos_are_flagged_fuzzy_matches(raw: str, code: str) -> None:
    m = resolve_country(raw)
    assert m.code == code
    if m.method == "fuzzy":  # some typos are attested spellings in other languages
        assert m.issue == "country_fuzzy_match" and 70 <= m.score < 100


@pytest.mark.parametrize(
    ("raw", "candidates"),
    [("Austrlia", {"AUS", "AUT"}), ("Nigera", {"NGA", "NER"}), ("Slovania", {"SVK", "SVN"}),
     ("Dominica Republic", {"DMA", "DOM"})],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_ties_are_not_guessed(raw: str, candidates: set[str]) -> None:
    m = resolve_country(raw)
    assert (m.code, m.issue) == (None, "unknown_country")
    assert candidates <= set(m.candidates)


@pytest.mark.parametrize(
    ("raw", "not_code"),
    [("North Sudan", "SSD"), ("Somali Republic", "MLI"), ("Nigera", "NGA"), ("Nigera", "NER")],
    ids=["North Sudan", "Somali Republic", "Nigera-NGA", "Nigera-NER"],
)
def test_fuzzy_keeps_dictionary_words(raw: str, not_code: str) -> None:
    # Changing a real word (north -> south, somali -> mali) is not a typo correction.
    assert resolve_country(raw).code != not_code


@pytest.mark.parametrize("raw", ["Atlantis", "Narnia", "Xyzzy", "Q", "12345", "Wakanda"])
def test_unknown_names(raw: str) -> None:
    m = resolve_country(raw)
    assert (m.code, m.method, m.issue) == (None, "none", "unknown_country")


def test_every_unodc_name_resolves() -> None:
    names = (FIXTURES / "unodc_country_names.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(names) == 180 and "United States of America " in names
    results = resolve_countries(names)
    unresolved = {n: m for n, m in results.items() if m.code is None}
    assert set(unresolved) == {"Ireland and Northern Ireland"}  # IRL + GBR survey: ambiguous
    assert all(m.issue is None for m in results.values() if m.code)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data not present")
def test_unodc_names_agree_with_unodc_codes() -> None:
    path = SHARED / "unodc-wdr-drug-seizures-prices/Drug_seizures_2018_2022.json"
    pairs = {(r["Country/Territory"], r["msCode"]) for r in json.loads(path.read_text())}
    for name, code in pairs:
        if code:
            assert resolve_country(name).code == code, name


def test_wgi_codes_and_names_resolve() -> None:
    lines = (FIXTURES / "wgi_codes.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 214
    for line in lines:
        code, name = line.split("\t")
        by_code, by_name = resolve_country(code), resolve_country(name)
        if code == "ANT":  # Netherlands Antilles, dissolved 2010: no single ISO code
            assert by_code.issue == by_name.issue == "country_ambiguous"
            continue
        assert by_code.code is not None and by_code.issue is None, code
        assert by_name.code == by_code.code, name


def test_resolve_countries_resolves_each_distinct_value_once() -> None:
    values = ["Nigeria", "NGA", "Nigeria", "Atlantis", "NGA"]
    result = resolve_countries(values)
    assert list(result) == ["Nigeria", "NGA", "Atlantis"]
    assert result["NGA"].code == result["Nigeria"].code == "NGA"


def test_alias_index() -> None:
    index = alias_index()
    assert index["nigeria"] == "NGA" and index["niger"] == "NER" and index["nigerien"] == "NER"
    assert set(index.values()) <= CODES
    assert len(index) > 5000
    for absent in ("korea", "unknown", "africa", "congolese"):
        assert absent not in index


def test_alias_table_is_consistent() -> None:
    rows = _data("country_aliases.csv")
    assert all(normalize_name(r["alias"]) == r["normalized"] for r in rows)  # not stale
    assert len({r["normalized"] for r in rows}) == len(rows)
    assert all(r["source"] for r in rows)
    kinds = {r["kind"] for r in rows}
    assert kinds == {"name", "wb_code", "subnational", "ambiguous", "region", "catch_all"}
    aliases = {r["normalized"]: r["iso3"] for r in rows if r["kind"] != "ambiguous"}
    for d in _data("demonyms.csv"):
        assert d["source"] and (d["iso3"] in CODES or set(d["candidates"].split()) <= CODES)
        key = normalize_name(d["demonym"])
        assert aliases.get(key, d["iso3"]) == d["iso3"], d["demonym"]  # no clash


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_never_raises(text: str) -> None:
    m = resolve_country(text)
    assert m.raw == text
    assert m.code is None or m.code in CODES
    assert m.issue in ISSUES and m.method in METHODS
    assert (m.code is None) == (m.issue not in (None, "country_fuzzy_match"))
    assert 0.0 <= m.score <= 100.0
    assert resolve_country(text) == m
