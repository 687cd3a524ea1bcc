"""Mappings: how a submission's columns become fields of a record type.

A mapping YAML names, for each field, the column it comes from (or a constant), with per-column
options (date ``format``, ``dayfirst``, list ``split``). A file with no mapping is matched by
column names and labels (so a filled-in Excel template needs none). Mappings are checked
against the columns actually found before any row is read, listing every problem at once.

    type: Seizure
    format: csv            # optional; from the extension otherwise
    read: {delimiter: ";", header_row: 1, sheet: Seizures}
    fields:
      date: {column: "Date of seizure", format: "%d/%m/%Y"}
      country: Country                      # shorthand for {column: Country}
      unit: {constant: kg}
      transit: {column: Transit, split: ","}
    ignore: [Internal ref]                  # columns deliberately not kept
    reader: wgi_workbook    # optional: a reader for a layout no generic reader handles
    transform: unodc_prices # optional: reshape the file as read (see ingest.adapters)
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from tocta.errors import ConfigError
from tocta.schema.model import RecordType
from tocta.schema.validate import field_key
from tocta.yamlio import load_yaml

_COLUMN_OPTIONS = {"column", "constant", "format", "dayfirst", "split", "default"}
_TOP_KEYS = {"type", "format", "read", "fields", "ignore", "description", "source", "reader",
             "transform"}


@dataclass(frozen=True)
class FieldMapping:
    """Where one field's values come from."""

    field: str
    column: str | None = None
    constant: str | None = None
    default: str | None = None
    options: dict[str, Any] = dc_field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    """A mapping from a file's columns to a record type's fields."""

    fields: tuple[FieldMapping, ...] = ()
    record_type: str | None = None
    format: str | None = None
    read: dict[str, Any] = dc_field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    reader: str | None = None
    transform: str | None = None
    path: str | None = None

    def column_options(self, field_name: str) -> dict[str, Any]:
        for fm in self.fields:
            if fm.field == field_name:
                return fm.options
        return {}

    @property
    def is_explicit(self) -> bool:
        return self.path is not None


def load_mapping(path: Path) -> Mapping:
    """Load a mapping YAML; structural problems are all reported at once."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read mapping: {exc}") from exc
    return parse_mapping(data, str(path))


def parse_mapping(data: Any, where: str) -> Mapping:
    """Build a Mapping from parsed YAML (``where`` names it in messages)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a mapping file must be a YAML mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    fields: list[FieldMapping] = []
    for name, spec in (data.get("fields") or {}).items():
        if isinstance(spec, str):
            fields.append(FieldMapping(str(name), column=spec))
            continue
        if not isinstance(spec, dict):
            problems.append(f"fields.{name}: give a column name or a mapping")
            continue
        bad = set(spec) - _COLUMN_OPTIONS
        if bad:
            problems.append(f"fields.{name}: unknown options {sorted(bad)}; "
                            f"allowed: {sorted(_COLUMN_OPTIONS)}")
        if ("column" in spec) == ("constant" in spec):
            problems.append(f"fields.{name}: give exactly one of column or constant")
        constant = spec.get("constant")
        default = spec.get("default")
        fields.append(FieldMapping(
            str(name), column=spec.get("column"),
            constant=None if constant is None else str(constant),
            default=None if default is None else str(default),
            options={k: v for k, v in spec.items() if k in ("format", "dayfirst", "split")},
        ))
    if problems:
        raise ConfigError(f"{where}: the mapping has problems:", problems)
    return Mapping(
        fields=tuple(fields), record_type=data.get("type"), format=data.get("format"),
        read=dict(data.get("read") or {}), ignore=tuple(str(c) for c in data.get("ignore") or ()),
        reader=data.get("reader"), transform=data.get("transform"), path=where,
    )


def match_columns(rt: RecordType, columns: list[str]) -> Mapping:
    """A mapping by column name or label (case, spaces and punctuation ignored)."""
    wanted: dict[str, str] = {}
    for f in rt.fields:
        if not f.is_input:
            continue
        wanted.setdefault(field_key(f.name), f.name)
        wanted.setdefault(field_key(f.label), f.name)
    fields: list[FieldMapping] = []
    taken: set[str] = set()
    for column in columns:
        name = wanted.get(field_key(column))
        if name and name not in taken:
            taken.add(name)
            fields.append(FieldMapping(name, column=column))
    return Mapping(fields=tuple(fields), record_type=rt.name)


def check_mapping(mapping: Mapping, rt: RecordType, columns: list[str], file: str,
                  labels_given: set[str]) -> list[str]:
    """Every problem with using ``mapping`` for ``rt`` on a file with ``columns``.

    ``labels_given`` are label fields supplied by the command line or the source, which
    required-ness does not need from the file.
    """
    problems: list[str] = []
    if mapping.record_type and mapping.record_type.casefold() != rt.name.casefold():
        problems.append(f"the mapping is for {mapping.record_type}, not {rt.name}")
    names = set(rt.field_names)
    found = set(columns)
    mapped: set[str] = set()
    for fm in mapping.fields:
        if fm.field not in names:
            problems.append(f"{fm.field!r} is not a field of {rt.name}")
            continue
        f = rt.field(fm.field)
        if not f.is_input:
            problems.append(f"{fm.field!r} is {'derived' if f.derived else 'set by tocta'}; "
                            "it cannot be mapped")
        if fm.column is not None and fm.column not in found:
            problems.append(f"{fm.field}: column {fm.column!r} is not in {file} "
                            f"(columns found: {', '.join(columns) or 'none'})")
        mapped.add(fm.field)
    for f in rt.fields:
        if f.required and f.is_input and f.name not in mapped and f.name not in labels_given:
            problems.append(f"required field {f.name!r} ({f.label}) is not mapped to any column")
    return problems


def apply_mapping(mapping: Mapping, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Field columns (Utf8) from a raw frame, and the names of columns left unmapped."""
    height = frame.height
    out: dict[str, pl.Series] = {}
    used: set[str] = set(mapping.ignore)
    for fm in mapping.fields:
        if fm.column is not None:
            series = frame[fm.column].cast(pl.Utf8)
            if fm.default is not None:
                series = series.fill_null(fm.default)
            out[fm.field] = series.alias(fm.field)
            used.add(fm.column)
        else:
            out[fm.field] = pl.Series(fm.field, [fm.constant] * height, dtype=pl.Utf8)
    unmapped = [c for c in frame.columns if c not in used]
    return pl.DataFrame(out, schema={k: pl.Utf8 for k in out}) if out else pl.DataFrame(
        {"__empty": [None] * height}).drop("__empty"), unmapped

