"""Adapters for published datasets: a mapping YAML plus, where the layout needs it, a transform.

A transform reshapes the file as read (e.g. UNODC's wide prevalence columns into one row per
sex, or the World Bank WGI workbook's multi-row header into long rows) while keeping each
row's spreadsheet row number, so issues still point at the cell a person would open.
"""

from __future__ import annotations

from collections.abc import Callable

from tocta.ingest.adapters.unodc import (
    transform_unodc_prevalence,
    transform_unodc_prevalence_nps,
    transform_unodc_prices,
    transform_unodc_seizures,
)
from tocta.ingest.adapters.worldbank import read_wgi_workbook, transform_cpi
from tocta.ingest.readers import RawTable

TRANSFORMS: dict[str, Callable[[RawTable], RawTable]] = {
    "unodc_seizures": transform_unodc_seizures,
    "unodc_prices": transform_unodc_prices,
    "unodc_prevalence": transform_unodc_prevalence,
    "unodc_prevalence_nps": transform_unodc_prevalence_nps,
    "cpi_us": transform_cpi,
}

#: readers for layouts no generic reader handles
READERS = {"wgi_workbook": read_wgi_workbook}

__all__ = ["READERS", "TRANSFORMS"]
