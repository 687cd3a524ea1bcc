"""Writing a world: agencies, how each writes countries and columns, deterministic files.

Each country of the world has a police force, a customs service and a financial intelligence
unit (agency ids ``POL-SEN``, ``CUS-SEN``, ``FIU-SEN``), plus a drug observatory (``OBS-...``)
where surveys are run. An agency writes country names its own way (ISO codes, or names in its
working language) and some write their own column headers — those get a mapping file next to
their data, as a real submission would. Files are byte-identical for a seed: CSV by polars,
XLSX with fixed timestamps.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from openpyxl import Workbook

from tocta.reference.countries import get_country

FRENCH = {"SEN", "CIV", "GIN", "MLI", "BFA", "NER", "TGO", "BEN", "MRT", "FRA", "BEL", "CMR",
          "COD", "COG", "GAB", "TCD", "CAF", "MAR", "DZA", "TUN", "HTI", "MDG", "LUX", "CHE"}
SPANISH = {"ESP", "COL", "PER", "BOL", "ECU", "VEN", "MEX", "GTM", "HND", "SLV", "NIC", "CRI",
           "PAN", "CUB", "DOM", "ARG", "CHL", "URY", "PRY", "GNQ"}
PORTUGUESE = {"BRA", "PRT", "CPV", "GNB", "AGO", "MOZ", "STP", "TLS"}

#: column headers of agencies that do not use tocta's names (French-speaking services)
FRENCH_COLUMNS = {
    "record_id": "reference", "date": "date_saisie", "country": "pays", "place_name": "lieu",
    "lat": "latitude", "lon": "longitude", "commodity": "produit", "quantity": "quantite",
    "unit": "unite", "purity": "purete", "mode": "mode_transport", "origin": "provenance",
    "transit": "pays_transit", "destination": "destination", "iccs": "code_iccs",
    "remarks": "observations", "entity_ids": "personnes_liees",
}
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def agencies_for(countries: tuple[str, ...]) -> pl.DataFrame:
    """The agencies of a world: police, customs, FIU and a drug observatory per country."""
    rows = []
    for code in countries:
        for kind, prefix in (("police", "POL"), ("customs", "CUS"), ("fiu", "FIU"),
                             ("observatory", "OBS")):
            agency = f"{prefix}-{code}"
            rows.append({"agency": agency, "country": code, "kind": kind,
                         "source_id": f"{agency}/sim"})
    return pl.DataFrame(rows)


def language(code: str) -> str:
    if code in FRENCH:
        return "fr"
    if code in SPANISH:
        return "es"
    if code in PORTUGUESE:
        return "pt"
    return "en"


def country_forms(agency_country: str, writes_names: bool, codes: list[str]) -> dict[str, str]:
    """How an agency writes each country code: the code itself or a name in its language."""
    if not writes_names:
        return {c: c for c in codes}
    lang = language(agency_country)
    forms = {}
    for c in codes:
        country = get_country(c)
        name = {"fr": country.name_fr_short, "es": country.name_es_short}.get(lang, "") \
            or country.name_en_short or country.name
        # UN short names carry articles in brackets ("Niger (le)"): agencies drop them.
        forms[c] = name.split(" (")[0].strip()
    return forms


def write_csv(frame: pl.DataFrame, path: Path, append: bool = False) -> None:
    """Write (or append to) a CSV file; the header only once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if append and path.exists():
        with path.open("ab") as handle:
            frame.write_csv(handle, include_header=False)
    else:
        frame.write_csv(path)


def write_xlsx(frame: pl.DataFrame, path: Path, sheet: str = "data") -> None:
    """Write an XLSX file whose bytes depend only on its content (fixed zip timestamps)."""
    import datetime as dt

    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(list(row))
    fixed = dt.datetime(2000, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "tocta simulate"
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into the document properties.
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
                              rb"<dcterms:modified\1>2000-01-01T00:00:00Z</dcterms:modified>",
                              data)
            fixed_info = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            fixed_info.external_attr = 0o644 << 16
            target.writestr(fixed_info, data)


def write_mapping(path: Path, record_type: str, columns: dict[str, str],
                  options: dict[str, dict[str, Any]] | None = None) -> None:
    """A mapping YAML from an agency's columns to tocta fields."""
    fields: dict[str, Any] = {}
    for field, column in columns.items():
        spec: dict[str, Any] = {"column": column}
        spec.update((options or {}).get(field, {}))
        fields[field] = spec if len(spec) > 1 else column
    data = {"type": record_type, "fields": fields}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")


def corrupt(frame: pl.DataFrame, rate: float, rng: np.random.Generator,
            breakers: dict[str, str]) -> tuple[pl.DataFrame, int]:
    """Break ``rate`` of the rows, one field each (a bad date, an unknown country, ...).

    ``breakers`` maps a column to the broken value written into it. Returns the frame and the
    number of rows broken (each must be quarantined by ingest).
    """
    if frame.height == 0 or rate <= 0:
        return frame, 0
    n = int(rng.binomial(frame.height, rate))
    if n == 0:
        return frame, 0
    rows = np.sort(rng.choice(frame.height, size=n, replace=False))
    columns = sorted(breakers)
    which = rng.integers(0, len(columns), n)
    out = frame
    for i, column in enumerate(columns):
        chosen = rows[which == i]
        if len(chosen) == 0:
            continue
        mask = pl.Series(np.isin(np.arange(frame.height), chosen))
        out = out.with_columns(pl.when(mask).then(pl.lit(breakers[column]))
                               .otherwise(pl.col(column).cast(pl.Utf8)).alias(column))
    return out, n
