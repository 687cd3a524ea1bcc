"""Derive tocta's packaged country reference data from the shared public datasets.

Run with the project's venv (shapely is a dev dependency)::

    .venv/bin/python scripts/derive_reference.py [--shared ../shared/data]

It reads ``../shared/data`` (see each folder's SOURCE.txt) and writes small, committed files
into ``src/tocta/reference/data/``: countries.csv, country_aliases.csv, borders.csv, ports.csv,
airports.csv, population.csv and world.geojson, plus two test fixtures
(tests/fixtures/wgi_codes.txt, tests/fixtures/unodc_country_names.txt). The product never
reads ``../shared`` at run time. ``demonyms.csv`` and ``regions.yaml`` in the same folder are
curated by hand; this script only checks that every code in them exists. Output is
deterministic: re-running it on the same inputs changes no file.

Geometry (Natural Earth 1:50m admin-0, v4.0.0):
- Features are keyed by ISO alpha-3; -99 codes are mapped (FRA, NOR, KOS->XKX). Areas whose
  status is disputed follow the UN / de facto administration: N. Cyprus -> CYP,
  Somaliland -> SOM, Siachen Glacier -> IND, Ashmore and Cartier Is. -> AUS.
- ISO entities drawn inside another country's multipolygon are split out by bounding box:
  GUF, GLP, MTQ, REU, MYT from FRA; SJM from NOR; BES from NLD; CXR and CCK from
  "Indian Ocean Ter.". Five ISO entities have no polygon at 50m (GIB, TUV, TKL, UMI, BVT):
  they get a point from the 1:10m airports or a curated one (source in point_source).
- Reference point: LABEL_X/LABEL_Y of the 1:110m layer, else the representative point of
  the largest 1:50m polygon, else the point above.
- Land borders: two countries border when the boundary of one, within BORDER_TOL_DEG
  (~500 m) of the other, is longer than BORDER_MIN_LEN_DEG (~400 m): corner touches and
  islands across straits drop out. BORDERS_ADDED / BORDERS_REMOVED fix what 1:50m cannot show.
- Coastal: the part of a country's boundary farther than COAST_TOL_DEG from every other
  country is sea coast; coastal when that part, outside a box around the Caspian Sea, is
  longer than COAST_MIN_LEN_DEG. The Caspian is a lake by convention, so AZE, KAZ and TKM
  are landlocked. Landlocked = not coastal (45 states with Kosovo).
- Ports and airports (1:10m): the country whose polygon holds the point; else the nearest
  polygon within PORT_SNAP_KM (points on the shore); small discs first for entities without
  a polygon and for Ceuta and Melilla; four islands too small for 1:50m are curated.
- world.geojson: shapely simplify(SIMPLIFY_DEG, preserve_topology=True), coordinates
  rounded to 0.001 degree; no polygon is dropped, so small island states stay on the map.

Aliases: every name from the datahub (UNTERM short/formal and official names in the six UN
languages, ISO and CLDR names), World Bank codes and names (population.csv, WGI), Natural
Earth 1:50m English names and 1:110m NAME_xx in 26 languages, and the CURATED table below.
Names are normalised with ``tocta.reference.names.normalize_name``; when two sources give
the same normalised name to different targets, the better source wins (curated > datahub >
World Bank > Natural Earth 50m > Natural Earth 110m); a clash within one source is dropped
and printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping, shape
from shapely.ops import nearest_points, unary_union

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from tocta.reference.names import normalize_name  # noqa: E402

OUT = ROOT / "src" / "tocta" / "reference" / "data"
FIXTURES = ROOT / "tests" / "fixtures"

BORDER_TOL_DEG = 0.005  # ~500 m: NE 50m neighbours share vertices; wider tolerances add straits
BORDER_MIN_LEN_DEG = 0.004  # ~400 m of shared line (VAT-ITA is ~3 km)
COAST_TOL_DEG = 0.005
COAST_MIN_LEN_DEG = 0.005
CASPIAN_BOX = box(46.5, 36.5, 55.0, 47.3)
PORT_SNAP_KM = 25.0
SIMPLIFY_DEG = 0.03

# ISO entities split out of a Natural Earth multipolygon: code -> (host, boxes).
SPLITS: dict[str, tuple[str, list[tuple[float, float, float, float]]]] = {
    "GUF": ("FRA", [(-55.0, 2.0, -51.0, 6.5)]),
    "REU": ("FRA", [(55.0, -21.5, 56.0, -20.7)]),
    "MTQ": ("FRA", [(-61.3, 14.3, -60.7, 15.0)]),
    "GLP": ("FRA", [(-62.0, 15.8, -61.0, 16.6)]),
    "MYT": ("FRA", [(44.9, -13.1, 45.4, -12.5)]),
    "SJM": ("NOR", [(0.0, 74.0, 35.0, 81.5), (-9.5, 70.5, -7.5, 71.5)]),
    "BES": ("NLD", [(-69.0, 11.8, -62.5, 18.0)]),
    "CXR": ("IOA", [(105.0, -11.0, 106.0, -10.0)]),
    "CCK": ("IOA", [(96.0, -13.0, 97.5, -11.5)]),
}
# Natural Earth ADM0_A3 codes without an ISO code of their own: merged into (see docstring).
NE_MERGE = {"CYN": "CYP", "SOL": "SOM", "KAS": "IND", "ATC": "AUS", "KOS": "XKX"}
# ISO entities absent from the 50m layer: (lon, lat, source of the point).
NO_POLYGON: dict[str, tuple[float, float, str]] = {
    "GIB": (-5.3468, 36.1513, "ne10m_airports: Gibraltar"),
    "TUV": (179.1954, -8.5249, "ne10m_airports: Funafuti Int'l"),
    "TKL": (-171.85, -9.17, "curated: Nukunonu atoll, approximate (GeoNames)"),
    "UMI": (166.63, 19.29, "curated: Wake Island, approximate (GeoNames)"),
    "BVT": (3.36, -54.42, "curated: Bouvet Island, approximate (GeoNames)"),
}
# Discs (iso3, lon, lat, radius km) checked before the polygons when assigning ports and
# airports: entities without a 50m polygon, and Spain's North African cities, which the 50m
# layer draws as Morocco.
DISCS: list[tuple[str, float, float, float]] = [
    *(
        (code, lon, lat, 3.0 if code == "GIB" else 25.0)
        for code, (lon, lat, _) in NO_POLYGON.items()
    ),
    ("ESP", -5.316, 35.889, 5.0),  # Ceuta
    ("ESP", -2.940, 35.292, 5.0),  # Melilla
]
# Points on islands too small for the 50m layer and further than PORT_SNAP_KM from any polygon.
CURATED_POINTS = {
    "Helgoland": "DEU",
    "Lampedusa": "ITA",
    "Bora-Bora": "PYF",
    "JAGS McCartney Int'l": "TCA",
}
# Land borders the 50m geometry cannot show or shows wrongly.
BORDERS_ADDED = {
    ("ESP", "MAR"): "curated: Ceuta and Melilla (not drawn at 1:50m)",
    ("ESP", "GIB"): "curated: Gibraltar (no 1:50m polygon)",
}
BORDERS_REMOVED = {
    # Kazungula: Botswana and Zambia share ~150 m; Namibia and Zimbabwe do not touch.
    ("NAM", "ZWE"),
}
# Datahub rows lack a currency for TUR (ISO 4217 TRY).
CURRENCY_FIXES = {"TUR": "TRY"}
# World Bank codes that are not ISO alpha-3 (WGI 2023 and population.csv).
WB_CODES = {"ADO": "AND", "ROM": "ROU", "TMP": "TLS", "ZAR": "COD", "WBG": "PSE", "KSV": "XKX"}
# WB codes with no single current ISO code: recorded as ambiguous with their successors.
WB_AMBIGUOUS = {"ANT": "CUW SXM BES", "CHI": "GGY JEY"}

DATAHUB_NAME_COLUMNS = [
    "UNTERM English Short",
    "UNTERM English Formal",
    "official_name_en",
    "CLDR display name",
    "ISO4217-currency_country_name",
    "UNTERM French Short",
    "UNTERM French Formal",
    "official_name_fr",
    "UNTERM Spanish Short",
    "UNTERM Spanish Formal",
    "official_name_es",
    "UNTERM Russian Short",
    "UNTERM Russian Formal",
    "official_name_ru",
    "UNTERM Arabic Short",
    "UNTERM Arabic Formal",
    "official_name_ar",
    "UNTERM Chinese Short",
    "UNTERM Chinese Formal",
    "official_name_cn",
]
NE50_NAME_FIELDS = [
    "NAME",
    "NAME_LONG",
    "FORMAL_EN",
    "NAME_ALT",
    "NAME_CIAWF",
    "NAME_SORT",
    "ADMIN",
    "BRK_NAME",
    "GEOUNIT",
    "SUBUNIT",
]
LANGS = [
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("zh", "Chinese"),
]
OFFICIAL_COL = {"en": "en", "fr": "fr", "es": "es", "ru": "ru", "ar": "ar", "zh": "cn"}

# Curated aliases: alias | iso3 (or space-separated candidates) | kind | unit | source.
# Kinds: name, subnational, ambiguous, region, catch_all. Written from general reference
# knowledge; each line cites the kind of source.
CURATED = """
Ivory Coast|CIV|name||common English name (UK Government country names list)
Burma|MMR|name||former name (ISO 3166 until 1989)
Swaziland|SWZ|name||former name (Eswatini since 2018)
Czech Republic|CZE|name||former UN short name (Czechia since 2016)
Turkey|TUR|name||former UN short name (Türkiye since 2022)
Cape Verde|CPV|name||former UN short name (Cabo Verde since 2013)
East Timor|TLS|name||common English name
Holland|NLD|name||common English metonym
Great Britain|GBR|name||common English metonym
Britain|GBR|name||common English metonym
UK|GBR|name||common abbreviation
United Kingdom|GBR|name||common English short form
US|USA|name||common abbreviation
United States|USA|name||common English short form
Macedonia|MKD|name||former UN short name (North Macedonia since 2019)
FYROM|MKD|name||former UN designation abbreviation
Zaire|COD|name||former name (1971-1997)
Vietnam|VNM|name||common English spelling
Russia|RUS|name||common English short form
Syria|SYR|name||common English short form
Iran|IRN|name||common English short form
Laos|LAO|name||common English short form
Brunei|BRN|name||common English short form
Vatican|VAT|name||common English short form
DRC|COD|name||common abbreviation
DR Congo|COD|name||common abbreviation
RDC|COD|name||French abbreviation (République démocratique du Congo)
Congo-Kinshasa|COD|name||common disambiguating form
Congo-Brazzaville|COG|name||common disambiguating form
Republic of Congo|COG|name||common English form
UAE|ARE|name||common abbreviation
Emirates|ARE|name||common English short form
KSA|SAU|name||common abbreviation
DPRK|PRK|name||common abbreviation
ROK|KOR|name||common abbreviation
PRC|CHN|name||common abbreviation
Mainland China|CHN|name||common English form
Republic of China|TWN|name||official name of Taiwan
Chinese Taipei|TWN|name||IOC / WTO designation
Taiwan Province of China|TWN|name||UN designation
China, Taiwan Province of China|TWN|name||UNODC / UN Statistics Division form
China, Hong Kong SAR|HKG|name||UN Statistics Division form
China, Macao SAR|MAC|name||UN Statistics Division form
Macau|MAC|name||common English spelling
Kosovo|XKX|name||user-assigned code XKX (EU, IMF, World Bank usage)
Kosovo under UNSCR 1244|XKX|name||UN / UNODC designation
Occupied Palestinian Territory|PSE|name||UN designation (OCHA)
Palestinian Territories|PSE|name||common English form
Libyan Arab Jamahiriya|LBY|name||former UN short name (until 2011)
Republic of Ireland|IRL|name||common English form
Eire|IRL|name||name in Irish (Constitution of Ireland)
Moldavia|MDA|name||former name
Byelorussia|BLR|name||former name
Belorussia|BLR|name||former name
Kirghizia|KGZ|name||former name
Ceylon|LKA|name||former name (until 1972)
Siam|THA|name||former name (until 1939)
Persia|IRN|name||former name (until 1935)
Dahomey|BEN|name||former name (until 1975)
Upper Volta|BFA|name||former name (until 1984)
Rhodesia|ZWE|name||former name
Southern Rhodesia|ZWE|name||former name
Northern Rhodesia|ZMB|name||former name (until 1964)
Nyasaland|MWI|name||former name (until 1964)
Bechuanaland|BWA|name||former name (until 1966)
Basutoland|LSO|name||former name (until 1966)
Abyssinia|ETH|name||former name
Kampuchea|KHM|name||former name
Spanish Sahara|ESH|name||former name
Dutch Guiana|SUR|name||former name
British Honduras|BLZ|name||former name (until 1973)
British Guiana|GUY|name||former name (until 1966)
Ellice Islands|TUV|name||former name
Gilbert Islands|KIR|name||former name
New Hebrides|VUT|name||former name (until 1980)
Western Samoa|WSM|name||former name (until 1997)
East Pakistan|BGD|name||former name (until 1971)
East Germany|DEU|name||former state (GDR), now part of Germany
West Germany|DEU|name||former state (FRG), now Germany
German Democratic Republic|DEU|name||former state, now part of Germany
GDR|DEU|name||former state abbreviation, now part of Germany
FRG|DEU|name||abbreviation of Federal Republic of Germany
Saint Kitts|KNA|name||common English short form
Dominicana|DOM|name||Spanish short form (República Dominicana)
Saint Vincent|VCT|name||common English short form
Palestinian Territory|PSE|name||former ISO 3166 short name (Palestinian Territory, Occupied)
Great Britain and Northern Ireland|GBR|name||common English form
Burkina|BFA|name||common English short form
Guinea-Conakry|GIN|name||common disambiguating form
Russian Fed.|RUS|name||common abbreviation
DPR Korea|PRK|name||UN short form
Turkmenia|TKM|name||former name
The former Yugoslav Republic of Macedonia|MKD|name||former UN designation (1993-2019)
CAR|CAF|name||common abbreviation
RCA|CAF|name||French abbreviation (République centrafricaine)
RSA|ZAF|name||common abbreviation (Republic of South Africa)
BVI|VGB|name||common abbreviation
USVI|VIR|name||common abbreviation
Sao Tome|STP|name||common English short form
Bosnia|BIH|name||common English short form
Trinidad|TTO|name||common English short form
Antigua|ATG|name||common English short form
St. Barts|BLM|name||common English short form
Falklands|FLK|name||common English short form
Malvinas|FLK|name||Spanish/Argentine usage (Islas Malvinas)
Northern Marianas|MNP|name||common English short form
Keeling Islands|CCK|name||common English short form
Vatican City State|VAT|name||official English name
Micronesia|FSM|name||common English short form (M49 sub-region of the same name is a region)
Korea|KOR PRK|ambiguous||name shared by two states
Virgin Islands|VGB VIR|ambiguous||name shared by two territories
Netherlands Antilles|CUW SXM BES|ambiguous||dissolved 2010 (ISO 3166-3 ANHH)
Yugoslavia|SRB MNE BIH HRV SVN MKD XKX|ambiguous||former state (ISO 3166-3 YUCS)
Serbia and Montenegro|SRB MNE XKX|ambiguous||former state 2003-2006 (ISO 3166-3 CSXX)
Czechoslovakia|CZE SVK|ambiguous||former state (ISO 3166-3 CSHH)
USSR|RUS UKR BLR MDA EST LVA LTU GEO ARM AZE KAZ KGZ TJK TKM UZB|ambiguous||former state
Soviet Union|RUS UKR BLR MDA EST LVA LTU GEO ARM AZE KAZ KGZ TJK TKM UZB|ambiguous||former state
Channel Islands|GGY JEY|ambiguous||World Bank economy CHI covers Guernsey and Jersey
Ireland and Northern Ireland|IRL GBR|ambiguous||UNODC WDR all-island survey (IRL + N. Ireland)
Sudan (former)|SDN SSD|ambiguous||UNODC usage for Sudan before July 2011
England|GBR|subnational|England|constituent country of the United Kingdom
Wales|GBR|subnational|Wales|constituent country of the United Kingdom
Scotland|GBR|subnational|Scotland|constituent country of the United Kingdom
Northern Ireland|GBR|subnational|Northern Ireland|constituent part of the United Kingdom
England and Wales|GBR|subnational|England and Wales|UK jurisdiction reported separately by UNODC
Zanzibar|TZA|subnational|Zanzibar|semi-autonomous part of Tanzania
Northern Cyprus|CYP|subnational|Northern Cyprus|UN recognises only the Republic of Cyprus
Turkish Republic of Northern Cyprus|CYP|subnational|Northern Cyprus|not recognised by the UN
Somaliland|SOM|subnational|Somaliland|not recognised by the UN; part of Somalia
Puntland|SOM|subnational|Puntland|autonomous state of Somalia
Transnistria|MDA|subnational|Transnistria|part of the Republic of Moldova (UN)
Abkhazia|GEO|subnational|Abkhazia|part of Georgia (UN)
South Ossetia|GEO|subnational|South Ossetia|part of Georgia (UN)
Crimea|UKR|subnational|Crimea|part of Ukraine (UN GA resolution 68/262)
Canary Islands|ESP|subnational|Canary Islands|autonomous community of Spain
Ceuta|ESP|subnational|Ceuta|autonomous city of Spain
Melilla|ESP|subnational|Melilla|autonomous city of Spain
Azores|PRT|subnational|Azores|autonomous region of Portugal
Madeira|PRT|subnational|Madeira|autonomous region of Portugal
Gaza Strip|PSE|subnational|Gaza Strip|part of the State of Palestine (UN)
Gaza|PSE|subnational|Gaza Strip|part of the State of Palestine (UN)
West Bank|PSE|subnational|West Bank|part of the State of Palestine (UN)
Kurdistan Region of Iraq|IRQ|subnational|Kurdistan Region|federal region of Iraq
Republika Srpska|BIH|subnational|Republika Srpska|entity of Bosnia and Herzegovina
Bonaire|BES|subnational|Bonaire|special municipality of the Netherlands (ISO BQ)
Sint Eustatius|BES|subnational|Sint Eustatius|special municipality of the Netherlands (ISO BQ)
Saba|BES|subnational|Saba|special municipality of the Netherlands (ISO BQ)
Svalbard|SJM|subnational|Svalbard|ISO SJ covers Svalbard and Jan Mayen
Jan Mayen|SJM|subnational|Jan Mayen|ISO SJ covers Svalbard and Jan Mayen
Ascension Island|SHN|subnational|Ascension|part of ISO SH (Saint Helena)
Tristan da Cunha|SHN|subnational|Tristan da Cunha|part of ISO SH (Saint Helena)
Hawaii|USA|subnational|Hawaii|state of the United States
Alaska|USA|subnational|Alaska|state of the United States
Middle East||region||common regional term
Near East||region||common regional term
Near and Middle East||region||UNODC regional term
MENA||region||common abbreviation (Middle East and North Africa)
Middle East and North Africa||region||common regional term
APAC||region||common abbreviation (Asia-Pacific)
Near and Middle East/South-West Asia||region||UNODC WDR 2024 sub-region
West and Central Africa||region||UNODC WDR 2024 sub-region
Central Asia and Transcaucasia||region||UNODC WDR 2024 sub-region
East and South-East Asia||region||UNODC WDR 2024 sub-region
South-Eastern Europe||region||UNODC WDR 2024 sub-region
Western and Central Europe||region||UNODC WDR 2024 sub-region
Latin America||region||common regional term
North America||region||common regional term
Central Africa||region||common regional term
East Africa||region||common regional term
Southeast Asia||region||common regional term
South East Asia||region||common regional term
East Asia||region||common regional term
South Asia||region||common regional term
Central Europe||region||common regional term
Scandinavia||region||common regional term
Levant||region||common regional term
Arabian Peninsula||region||common regional term
Persian Gulf||region||common regional term
Pacific||region||common regional term
Pacific Islands||region||common regional term
Asia Pacific||region||common regional term
Kurdistan||region||cultural region across several states
Transcaucasia||region||common regional term
Caucasus||region||common regional term
Eurasia||region||common regional term
Afrique||region||French: Africa
Afrique de l'Ouest||region||French: West Africa
Amérique||region||French: America
Amérique latine||region||French: Latin America
Asie||region||French: Asia
África||region||Spanish: Africa
América||region||Spanish: America
América Latina||region||Spanish: Latin America
Europa||region||Spanish/Italian/German: Europe
Unknown||catch_all||placeholder
Not known||catch_all||placeholder
Not stated||catch_all||placeholder
Not specified||catch_all||placeholder
Unspecified||catch_all||placeholder
Undetermined||catch_all||placeholder
Unidentified||catch_all||placeholder
Undisclosed||catch_all||placeholder
Not applicable||catch_all||placeholder
N/A||catch_all||placeholder
NA||catch_all||placeholder (the exact code 'NA' is Namibia: checked first)
None||catch_all||placeholder
Nil||catch_all||placeholder
Null||catch_all||placeholder
NaN||catch_all||placeholder
Other||catch_all||placeholder
Others||catch_all||placeholder
Other countries||catch_all||placeholder
Various||catch_all||placeholder
Various countries||catch_all||placeholder
Multiple||catch_all||placeholder
Multiple countries||catch_all||placeholder
Several countries||catch_all||placeholder
Mixed||catch_all||placeholder
Total||catch_all||aggregate row
Grand total||catch_all||aggregate row
Subtotal||catch_all||aggregate row
Sum||catch_all||aggregate row
All||catch_all||aggregate row
All countries||catch_all||aggregate row
World||catch_all||aggregate row
Global||catch_all||aggregate row
Worldwide||catch_all||aggregate row
Rest of the world||catch_all||aggregate row
International||catch_all||placeholder
International waters||catch_all||not a country
High seas||catch_all||not a country
Stateless||catch_all||no nationality
Stateless person||catch_all||no nationality
Nationals||catch_all||placeholder
Non-nationals||catch_all||placeholder
Foreigners||catch_all||placeholder
Foreign||catch_all||placeholder
Foreign nationals||catch_all||placeholder
Domestic||catch_all||placeholder
Local||catch_all||placeholder
Own country||catch_all||placeholder
Confidential||catch_all||placeholder
Withheld||catch_all||placeholder
Refugee||catch_all||no nationality recorded
XXA||catch_all||ICAO Doc 9303: stateless person
XXB||catch_all||ICAO Doc 9303: refugee (1951 Convention)
XXC||catch_all||ICAO Doc 9303: refugee (other)
XXX||catch_all||ICAO Doc 9303: unspecified nationality
Inconnu||catch_all||French: unknown
Autre||catch_all||French: other
Autres||catch_all||French: others
Desconocido||catch_all||Spanish: unknown
Otro||catch_all||Spanish: other
Otros||catch_all||Spanish: others
No especificado||catch_all||Spanish: not specified
Sin especificar||catch_all||Spanish: not specified
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV as strings; never turn 'NA' (Namibia) into a missing value."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, fields: list[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write rows (dicts) with a fixed column order; return the row count."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def clean_unterm(name: str) -> str:
    """Drop UNTERM's trailing article, e.g. 'Netherlands (the)' -> 'Netherlands'."""
    for suffix in (" (the)", " (l')", " (le)", " (la)", " (les)", " (el)", " (los)", " (las)"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# ---------------------------------------------------------------------------- geometry


def polygons(geom: Any) -> list[Polygon]:
    """The polygons of a Polygon or MultiPolygon."""
    return list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]


def load_geometries(shared: Path) -> dict[str, MultiPolygon]:
    """ISO alpha-3 -> 50m geometry, with -99 codes mapped and territories split out."""
    data = json.loads(
        (shared / "natural-earth-50m-admin0-countries/ne_50m_admin_0_countries.geojson").read_text(
            encoding="utf-8"
        )
    )
    parts: dict[str, list[Polygon]] = defaultdict(list)
    for feature in data["features"]:
        p = feature["properties"]
        code = p["ISO_A3"] if p["ISO_A3"] != "-99" else p["ADM0_A3"]
        code = NE_MERGE.get(code, code)
        parts[code].extend(polygons(shape(feature["geometry"])))
    for iso3, (host, boxes) in SPLITS.items():
        areas = [box(*b) for b in boxes]
        moved = [q for q in parts[host] if any(a.contains(q.representative_point()) for a in areas)]
        if not moved:
            raise SystemExit(f"split {iso3}: no polygon of {host} in its box")
        parts[iso3].extend(moved)
        parts[host] = [q for q in parts[host] if q not in moved]
    del parts["IOA"]
    return {code: as_multi(unary_union(qs)) for code, qs in parts.items()}


def as_multi(geom: Any) -> MultiPolygon:
    """A MultiPolygon from a Polygon or MultiPolygon."""
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def derive_borders(geoms: dict[str, MultiPolygon]) -> list[tuple[str, str, float, str]]:
    """Land-border pairs (a < b) with the shared boundary length in degrees and a source."""
    codes = sorted(geoms)
    tree = STRtree([geoms[c] for c in codes])
    pairs = []
    for a in codes:
        near = tree.query(geoms[a].buffer(BORDER_TOL_DEG))
        for j in near:
            b = codes[int(j)]
            if b <= a:
                continue
            shared = geoms[a].boundary.intersection(geoms[b].buffer(BORDER_TOL_DEG)).length
            if shared > BORDER_MIN_LEN_DEG and (a, b) not in BORDERS_REMOVED:
                pairs.append((a, b, shared, "ne50m"))
    pairs.extend((a, b, 0.0, src) for (a, b), src in BORDERS_ADDED.items())
    return sorted(pairs)


def derive_coastal(geoms: dict[str, MultiPolygon]) -> dict[str, bool]:
    """Whether each country's boundary reaches the sea (see module docstring)."""
    codes = sorted(geoms)
    tree = STRtree([geoms[c] for c in codes])
    out = {}
    for code in codes:
        g = geoms[code]
        others = [geoms[codes[int(j)]] for j in tree.query(g.buffer(COAST_TOL_DEG))]
        others = [o for o in others if o is not g]
        coast = g.boundary
        if others:
            coast = coast.difference(unary_union(others).buffer(COAST_TOL_DEG))
        coast = coast.difference(CASPIAN_BOX)
        out[code] = coast.length > COAST_MIN_LEN_DEG
    return out


def largest_reppoint(geom: MultiPolygon) -> Point:
    """A point inside the largest polygon (shapely representative_point)."""
    return max(geom.geoms, key=lambda q: q.area).representative_point()


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two lon/lat points in km."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def disc(lon: float, lat: float, km: float) -> Polygon:
    """A rough disc of radius km around a lon/lat point (degrees scaled by latitude)."""
    deg = km / 111.32
    return Point(lon, lat).buffer(deg).simplify(deg / 20)


class PointAssigner:
    """Assign points to countries: inside a polygon, else the nearest within PORT_SNAP_KM."""

    def __init__(self, geoms: dict[str, MultiPolygon]) -> None:
        # Discs first: Gibraltar's airport lies inside Spain's 50m polygon, Ceuta in Morocco's.
        self.discs = [(code, disc(lon, lat, km)) for code, lon, lat, km in DISCS]
        self.codes = sorted(geoms)
        self.geoms = [geoms[c] for c in self.codes]
        self.tree = STRtree(self.geoms)

    def assign(self, pt: Point) -> tuple[str, str]:
        """Return (iso3, how) where how is 'within' or 'nearest:<km>'; ('', 'none') if far."""
        for code, d in self.discs:
            if d.contains(pt):
                return code, "within"
        for j in self.tree.query(pt, predicate="intersects"):
            return self.codes[int(j)], "within"
        j = int(self.tree.nearest(pt))
        near = nearest_points(pt, self.geoms[j])[1]
        km = haversine_km(pt, near)
        if km <= PORT_SNAP_KM:
            return self.codes[j], f"nearest:{km:.1f}km"
        return "", "none"


def derive_points(
    shared: Path, assigner: PointAssigner, kind: str
) -> tuple[list[dict[str, Any]], int]:
    """Rows for ports or airports; returns (rows, number left unassigned)."""
    path = shared / f"natural-earth-10m-ports-airports/ne_10m_{kind}.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    rows, missed = [], 0
    for feature in data["features"]:
        p = feature["properties"]
        pt = shape(feature["geometry"])
        iso3, how = assigner.assign(pt)
        if not iso3 and p["name"] in CURATED_POINTS:
            iso3, how = CURATED_POINTS[p["name"]], "curated: island not drawn at 1:50m"
        if not iso3:
            missed += 1
            continue
        row = {
            "name": p["name"],
            "iso3": iso3,
            "lat": round(pt.y, 5),
            "lon": round(pt.x, 5),
            "scalerank": p["scalerank"],
            "assigned_by": how,
        }
        if kind == "airports":
            row.update(
                iata=p.get("iata_code") or "",
                gps_code=p.get("gps_code") or "",
                type=p.get("type") or "",
            )
        rows.append(row)
    rows.sort(key=lambda r: (r["iso3"], r["name"]))
    return rows, missed


def write_world(geoms: dict[str, MultiPolygon], names: dict[str, str]) -> int:
    """Write a simplified world map (properties iso3 + name); return its size in bytes."""

    def rounded(coords: Any) -> Any:
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], float):
            return [round(coords[0], 3), round(coords[1], 3)]
        return [rounded(c) for c in coords]

    features = []
    for code in sorted(geoms):
        g = geoms[code].simplify(SIMPLIFY_DEG, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"iso3": code, "name": names[code]},
                "geometry": {
                    "type": g.geom_type,
                    "coordinates": rounded(mapping(g)["coordinates"]),
                },
            }
        )
    text = json.dumps(
        {"type": "FeatureCollection", "features": features},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    (OUT / "world.geojson").write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8"))


# ---------------------------------------------------------------------------- tables


def load_ne110(shared: Path) -> dict[str, dict[str, Any]]:
    """ISO alpha-3 -> 1:110m properties (label point, NAME_xx fields)."""
    path = shared / "natural-earth-110m-admin0-countries/ne_110m_admin_0_countries.geojson"
    out = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        p = feature["properties"]
        code = p["ISO_A3_EH"] if p["ISO_A3_EH"] != "-99" else p["ADM0_A3"]
        if code == "KOS":
            code = "XKX"
        if code in NE_MERGE:  # N. Cyprus, Somaliland: their labels are not their host's
            continue
        out[code] = p
    return out


def sovereign_of(status: str, iso2_to_3: dict[str, str]) -> str:
    """'Territory of GB' -> 'GBR'; '' for independent states and special cases."""
    last = status.split()[-1] if status else ""
    return iso2_to_3.get(last, "") if status != "Yes" else ""


def build_countries(
    datahub: list[dict[str, str]],
    ne110: dict[str, dict[str, Any]],
    geoms: dict[str, MultiPolygon],
    coastal: dict[str, bool],
) -> list[dict[str, Any]]:
    """One row per ISO 3166-1 entity plus XKX (Kosovo)."""
    iso2_to_3 = {r["ISO3166-1-Alpha-2"]: r["ISO3166-1-Alpha-3"] for r in datahub}
    srb = next(r for r in datahub if r["ISO3166-1-Alpha-3"] == "SRB")
    kos = ne110["XKX"]
    kosovo = {k: "" for k in datahub[0]} | {
        "ISO3166-1-Alpha-3": "XKX",
        "ISO3166-1-Alpha-2": "XK",
        "is_independent": "Partially recognised",
        "UNTERM English Short": "Kosovo",
        "CLDR display name": "Kosovo",
        "official_name_en": "Kosovo",
        "official_name_fr": kos["NAME_FR"],
        "official_name_es": kos["NAME_ES"],
        "official_name_ru": kos["NAME_RU"],
        "official_name_ar": kos["NAME_AR"],
        "official_name_cn": kos["NAME_ZH"],
        "ISO4217-currency_alphabetic_code": "EUR", "Capital": "Pristina",
        # M49 does not list Kosovo; it is placed in Serbia's M49 area.
        **{k: srb[k] for k in ("Region Code", "Region Name", "Sub-region Code", "Sub-region Name")},
    }
    rows = []
    for r in [*datahub, kosovo]:
        iso3 = r["ISO3166-1-Alpha-3"]
        row: dict[str, Any] = {
            "iso3": iso3,
            "iso2": r["ISO3166-1-Alpha-2"],
            "numeric": f"{int(r['ISO3166-1-numeric']):03d}" if r["ISO3166-1-numeric"] else "",
            "name_en": clean_unterm(r["UNTERM English Short"]) or r["CLDR display name"],
        }
        for lang, label in LANGS:
            short = (
                clean_unterm(r[f"UNTERM {label} Short"]) or r[f"official_name_{OFFICIAL_COL[lang]}"]
            )
            row[f"name_{lang}_short"] = short
            row[f"name_{lang}_formal"] = r[f"UNTERM {label} Formal"]
        row.update(
            {
                "region_code": r["Region Code"],
                "region_name": r["Region Name"],
                "subregion_code": r["Sub-region Code"],
                "subregion_name": r["Sub-region Name"],
                "intermediate_code": r["Intermediate Region Code"],
                "intermediate_name": r["Intermediate Region Name"],
                "ldc": int(r["Least Developed Countries (LDC)"] == "x"),
                "lldc": int(r["Land Locked Developing Countries (LLDC)"] == "x"),
                "sids": int(r["Small Island Developing States (SIDS)"] == "x"),
                "status": "Independent" if r["is_independent"] == "Yes" else r["is_independent"],
                "sovereign": sovereign_of(r["is_independent"], iso2_to_3),
                "currency": (
                    CURRENCY_FIXES.get(iso3) or r["ISO4217-currency_alphabetic_code"]
                ).split(",")[0],
                "capital": r["Capital"],
            }
        )
        if iso3 in ne110:
            lon, lat, src = ne110[iso3]["LABEL_X"], ne110[iso3]["LABEL_Y"], "ne110m_label"
        elif iso3 in geoms:
            pt = largest_reppoint(geoms[iso3])
            lon, lat, src = pt.x, pt.y, "ne50m_reppoint_main"
        else:
            lon, lat, src = NO_POLYGON[iso3]
        is_coastal = coastal.get(iso3, True)  # entities without a polygon are islands / GIB
        row.update(
            lat=round(lat, 4),
            lon=round(lon, 4),
            point_source=src,
            coastal=int(is_coastal),
            landlocked=int(not is_coastal),
        )
        rows.append(row)
    rows.sort(key=lambda x: x["iso3"])
    return rows


def curated_rows() -> Iterator[dict[str, str]]:
    """Parse the CURATED table."""
    for line in CURATED.strip().splitlines():
        alias, code, kind, unit, source = line.split("|")
        yield {
            "alias": alias,
            "iso3": code,
            "kind": kind,
            "unit": unit,
            "source": f"curated: {source}",
        }


def alias_candidates(
    shared: Path,
    datahub: list[dict[str, str]],
    ne110: dict[str, dict[str, Any]],
    iso3s: set[str],
) -> Iterator[tuple[int, dict[str, str]]]:
    """(priority, row) for every alias from every source; lower priority wins a clash."""
    for row in curated_rows():
        yield 0, row
    for r in datahub:
        for col in DATAHUB_NAME_COLUMNS:
            if r[col]:
                yield (
                    1,
                    {
                        "alias": r[col],
                        "iso3": r["ISO3166-1-Alpha-3"],
                        "kind": "name",
                        "unit": "",
                        "source": f"datahub: {col}",
                    },
                )
    for wb, iso3 in WB_CODES.items():
        yield (
            2,
            {"alias": wb, "iso3": iso3, "kind": "wb_code", "unit": "", "source": "World Bank code"},
        )
    for wb, cands in WB_AMBIGUOUS.items():
        yield (
            2,
            {
                "alias": wb,
                "iso3": cands,
                "kind": "ambiguous",
                "unit": "",
                "source": "World Bank code (no single current ISO code)",
            },
        )
    for code, name, src in world_bank_names(shared):
        iso3 = WB_CODES.get(code, code)
        if iso3 in iso3s:
            yield 2, {"alias": name, "iso3": iso3, "kind": "name", "unit": "", "source": src}
        elif code in WB_AMBIGUOUS:
            yield (
                2,
                {
                    "alias": name,
                    "iso3": WB_AMBIGUOUS[code],
                    "kind": "ambiguous",
                    "unit": "",
                    "source": src,
                },
            )
        elif code not in WB_AMBIGUOUS:  # aggregates: regions, income groups, World
            yield 2, {"alias": name, "iso3": "", "kind": "region", "unit": "", "source": src}
    ne50 = json.loads(
        (shared / "natural-earth-50m-admin0-countries/ne_50m_admin_0_countries.geojson").read_text(
            encoding="utf-8"
        )
    )
    for feature in ne50["features"]:
        p = feature["properties"]
        code = p["ISO_A3"] if p["ISO_A3"] != "-99" else p["ADM0_A3"]
        code = "XKX" if code == "KOS" else code
        if code not in iso3s:  # merged areas (N. Cyprus...) are curated as sub-national units
            continue
        for field in NE50_NAME_FIELDS:
            if p.get(field):
                yield (
                    3,
                    {
                        "alias": p[field],
                        "iso3": code,
                        "kind": "name",
                        "unit": "",
                        "source": f"Natural Earth 50m: {field}",
                    },
                )
    for code, p in ne110.items():
        for field in sorted(k for k in p if k.startswith("NAME_") and len(k) <= 8):
            if p.get(field) and field not in ("NAME_LEN", "NAME_SORT", "NAME_ALT"):
                yield (
                    4,
                    {
                        "alias": p[field],
                        "iso3": code,
                        "kind": "name",
                        "unit": "",
                        "source": f"Natural Earth 110m: {field}",
                    },
                )


def world_bank_names(shared: Path) -> Iterator[tuple[str, str, str]]:
    """(WB code, WB name, source) from population.csv and the WGI workbook."""
    seen = set()
    for r in read_csv(shared / "population-worldbank/population.csv"):
        if r["Country Code"] not in seen:
            seen.add(r["Country Code"])
            yield r["Country Code"], r["Country Name"], "World Bank name (population.csv)"
    for code, name in wgi_economies(shared):
        yield code, name, "World Bank name (WGI 2023)"


def wgi_economies(shared: Path) -> list[tuple[str, str]]:
    """The (code, name) of the 214 WGI economies (RuleofLaw sheet, rows from 16)."""
    wb = openpyxl.load_workbook(shared / "wgi-2023-update/wgidataset.xlsx", read_only=True)
    rows = wb["RuleofLaw"].iter_rows(min_row=16, max_col=2, values_only=True)
    out = [(str(code), str(name)) for name, code in rows if code]
    wb.close()
    return out


def build_aliases(candidates: Iterable[tuple[int, dict[str, str]]]) -> list[dict[str, str]]:
    """Resolve clashes (best priority wins; a clash within one priority is dropped)."""
    by_key: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for prio, row in candidates:
        key = normalize_name(row["alias"])
        if len(key) >= 2:
            by_key[key].append((prio, row | {"normalized": key}))
    rows, dropped = [], 0
    for key, entries in sorted(by_key.items()):
        best = min(p for p, _ in entries)
        top = [r for p, r in entries if p == best]
        targets = {(r["iso3"], r["kind"], r["unit"]) for r in top}
        if len(targets) > 1:
            print(f"  alias clash dropped: {key!r} -> {sorted(targets)}")
            continue
        losers = {r["iso3"] for p, r in entries if p > best} - {top[0]["iso3"]}
        if losers:
            dropped += 1
            print(f"  alias {key!r}: {top[0]['iso3']} ({top[0]['source']}) beats {sorted(losers)}")
        rows.append(top[0])  # one row per alias: the first spelling from the best source
    print(f"  aliases overridden by a better source: {dropped}")
    return rows


def build_population(shared: Path, iso3s: set[str]) -> list[dict[str, Any]]:
    """SP.POP.TOTL per ISO country and year; WB aggregates and CHI dropped."""
    rows = []
    for r in read_csv(shared / "population-worldbank/population.csv"):
        iso3 = WB_CODES.get(r["Country Code"], r["Country Code"])
        if iso3 in iso3s and r["Value"]:
            rows.append(
                {"iso3": iso3, "year": int(r["Year"]), "population": int(float(r["Value"]))}
            )
    rows.sort(key=lambda x: (x["iso3"], x["year"]))
    return rows


def unodc_names(shared: Path) -> list[str]:
    """Distinct Country/Territory values of the four UNODC WDR JSON files, as given."""
    names: set[str] = set()
    for path in sorted((shared / "unodc-wdr-drug-seizures-prices").glob("*.json")):
        names.update(r["Country/Territory"] for r in json.loads(path.read_text(encoding="utf-8")))
    return sorted(names)


# ---------------------------------------------------------------------------- checks

KNOWN_LANDLOCKED = {
    "AFG",
    "AND",
    "ARM",
    "AUT",
    "AZE",
    "BLR",
    "BTN",
    "BOL",
    "BWA",
    "BFA",
    "BDI",
    "CAF",
    "TCD",
    "CZE",
    "ETH",
    "HUN",
    "KAZ",
    "XKX",
    "KGZ",
    "LAO",
    "LSO",
    "LIE",
    "LUX",
    "MWI",
    "MLI",
    "MDA",
    "MNG",
    "NPL",
    "NER",
    "MKD",
    "PRY",
    "RWA",
    "SMR",
    "SRB",
    "SVK",
    "SSD",
    "SWZ",
    "CHE",
    "TJK",
    "TKM",
    "UGA",
    "UZB",
    "VAT",
    "ZMB",
    "ZWE",
}
EXPECTED_BORDERS = [
    ("ESP", "FRA"),
    ("COL", "VEN"),
    ("NER", "NGA"),
    ("GNB", "SEN"),
    ("GBR", "IRL"),
    ("BRA", "GUF"),
    ("ITA", "VAT"),
    ("FRA", "MCO"),
]


def check_outputs(
    countries: list[dict[str, Any]], borders: list[tuple[str, str, float, str]]
) -> None:
    """Print plausibility problems (reviewed by hand; the tests assert the same facts)."""
    pairs = {(a, b) for a, b, _, _ in borders}
    for pair in EXPECTED_BORDERS:
        if pair not in pairs:
            print(f"  CHECK: missing border {pair}")
    if any("AUS" in p for p in pairs):
        print("  CHECK: AUS has a land border")
    landlocked = {c["iso3"] for c in countries if c["landlocked"]}
    if landlocked != KNOWN_LANDLOCKED:
        print(
            f"  CHECK landlocked: extra {sorted(landlocked - KNOWN_LANDLOCKED)}, "
            f"missing {sorted(KNOWN_LANDLOCKED - landlocked)}"
        )
    codes = {c["iso3"] for c in countries}
    for name in ("demonyms.csv",):
        for r in read_csv(OUT / name):
            for code in (r["iso3"] or r["candidates"]).split():
                if code not in codes:
                    print(f"  CHECK: {name}: unknown code {code} ({r['demonym']})")
    regions = yaml.safe_load((OUT / "regions.yaml").read_text(encoding="utf-8"))
    for name, spec in regions["regions"].items():
        for code in set(spec.get("members", [])) - codes:
            print(f"  CHECK: regions.yaml: {name}: unknown code {code}")


def main() -> None:
    """Derive every file; print counts and plausibility checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    shared = parser.parse_args().shared
    datahub = read_csv(shared / "country-codes-datahub/country-codes.csv")
    ne110 = load_ne110(shared)
    geoms = load_geometries(shared)
    coastal = derive_coastal(geoms)
    countries = build_countries(datahub, ne110, geoms, coastal)
    iso3s = {c["iso3"] for c in countries}
    cfields = list(countries[0])
    print("countries", write_csv(OUT / "countries.csv", cfields, countries))

    aliases = build_aliases(alias_candidates(shared, datahub, ne110, iso3s))
    afields = ["normalized", "alias", "iso3", "kind", "unit", "source"]
    print("aliases", write_csv(OUT / "country_aliases.csv", afields, aliases))

    borders = derive_borders(geoms)
    rows = (
        {"iso3_a": a, "iso3_b": b, "shared_deg": round(n, 3), "source": src}
        for a, b, n, src in borders
    )
    bfields = ["iso3_a", "iso3_b", "shared_deg", "source"]
    print("borders", write_csv(OUT / "borders.csv", bfields, rows))

    assigner = PointAssigner(geoms)
    base = ["name", "iso3", "lat", "lon", "scalerank", "assigned_by"]
    ports, missed = derive_points(shared, assigner, "ports")
    print("ports", write_csv(OUT / "ports.csv", base, ports), "unassigned", missed)
    airports, missed = derive_points(shared, assigner, "airports")
    afields = ["name", "iata", "gps_code", "type", *base[1:]]
    print("airports", write_csv(OUT / "airports.csv", afields, airports), "unassigned", missed)

    pop = build_population(shared, iso3s)
    print("population", write_csv(OUT / "population.csv", ["iso3", "year", "population"], pop))
    names = {c["iso3"]: c["name_en"] for c in countries}
    print("world.geojson bytes", write_world(geoms, names))

    FIXTURES.mkdir(parents=True, exist_ok=True)
    wgi = wgi_economies(shared)
    text = "".join(f"{code}\t{name}\n" for code, name in wgi)
    (FIXTURES / "wgi_codes.txt").write_text(text, encoding="utf-8")
    unodc = unodc_names(shared)
    (FIXTURES / "unodc_country_names.txt").write_text("\n".join(unodc) + "\n", encoding="utf-8")
    print("fixtures: wgi", len(wgi), "unodc names", len(unodc))
    check_outputs(countries, borders)


if __name__ == "__main__":
    main()
