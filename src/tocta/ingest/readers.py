"""Reading submitted files (CSV, XLSX, JSON, JSON lines, Parquet) into text columns.

Every reader returns the same thing: a frame of Utf8 columns exactly as the file wrote them
(no type inference: validation decides what a value means), the spreadsheet row number of
each record, and read-level issues (broken Excel cells, ragged CSV rows). Nothing is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tocta.errors import UsageError
from tocta.schema.types.base import ERROR, WARNING, empty_issues

FORMATS = ("csv", "xlsx", "json", "jsonl", "parquet")


@dataclass
class RawTable:
    """A file read as text: columns, spreadsheet row numbers, read-level issues."""

    path: Path
    frame: pl.DataFrame
    rows: pl.Series
    issues: pl.DataFrame = field(default_factory=empty_issues)
    columns: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


def detect_format(path: Path, given: str | None = None) -> str:
    """The file's format, from ``given`` or its extension (``.csv.gz`` is csv)."""
    if given:
        if given not in FORMATS:
            raise UsageError(f"unknown format {given!r}; known: {', '.join(FORMATS)}")
        return given
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz",)]
    ext = suffixes[-1].lstrip(".") if suffixes else ""
    ext = {"xlsm": "xlsx", "ndjson": "jsonl", "tsv": "csv", "txt": "csv", "pq": "parquet"}.get(
        ext, ext
    )
    if ext not in FORMATS:
        raise UsageError(
            f"{path}: cannot tell the format from the extension; use one of "
            f"{', '.join('.' + f for f in FORMATS)} or give --format"
        )
    return ext


def _stringify(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text.strip() else None


def _frame_from_rows(header: list[str], rows: list[list[str | None]]) -> pl.DataFrame:
    width = len(header)
    columns = {name: [r[i] if i < len(r) else None for r in rows] for i, name in enumerate(header)}
    del width
    return pl.DataFrame(columns, schema={name: pl.Utf8 for name in header})


def _unique_header(raw: list[Any]) -> list[str]:
    header: list[str] = []
    for i, cell in enumerate(raw):
        name = (_stringify(cell) or "").strip() or f"column_{i + 1}"
        base, n = name, 2
        while name in header:
            name, n = f"{base}_{n}", n + 1
        header.append(name)
    return header


def _open_text(path: Path, encoding: str) -> io.TextIOBase:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def read_csv(path: Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read a CSV file as text columns; ragged rows become issues, not crashes."""
    options = options or {}
    delimiter = options.get("delimiter") or ("\t" if path.suffix.lower() == ".tsv" else ",")
    encoding = options.get("encoding", "utf8")
    header_row = int(options.get("header_row", 1))
    try:
        # polars reads UTF-8 only: other encodings (latin-1 exports) are decoded first.
        source: Path | bytes = path if encoding in ("utf8", "utf-8") else \
            _read_bytes(path).decode(encoding, "replace").encode("utf-8")
        frame = pl.read_csv(
            source, infer_schema=False, separator=delimiter, skip_rows=header_row - 1,
            encoding="utf8-lossy", raise_if_empty=False,
        )
    except pl.exceptions.ComputeError:
        # Rows with more fields than the header: read row by row and report each one.
        return _read_csv_slow(path, delimiter, encoding, header_row)
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    rows = pl.Series("row", range(header_row + 1, header_row + 1 + frame.height),
                     dtype=pl.Int64)
    short: list[int] = []
    if frame.width > 1 and frame[frame.columns[-1]].null_count():
        # polars fills missing trailing fields with nulls; find rows that were really short.
        short = _short_records(path, delimiter, header_row, frame.width, encoding)
    issues = empty_issues()
    if frame.width:
        keep = frame.select(~pl.all_horizontal(pl.all().is_null())).to_series()
        position = keep.cast(pl.Int64).cum_sum() - 1
        if short:
            issues = pl.concat([_one_issue(
                int(position[i]), None, "ragged_row", ERROR,
                f"row has fewer fields than the header ({frame.width})", None,
            ) for i in short])
        if not keep.all():
            frame, rows = frame.filter(keep), rows.filter(keep)
    if any("\ufffd" in c for c in frame.columns):
        issues = pl.concat([issues, _one_issue(
            None, None, "invalid_encoding", WARNING,
            "file is not valid UTF-8; undecodable bytes were replaced", None)])
    return RawTable(path, frame, rows, issues, list(frame.columns))


def _read_bytes(path: Path) -> bytes:
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rb") as handle:
            return handle.read()
    return path.read_bytes()


def _short_records(path: Path, delimiter: str, header_row: int, width: int,
                   encoding: str) -> list[int]:
    """Positions (after the header) of records with fewer fields than the header."""
    data = _read_bytes(path)
    if b'"' not in data:
        # No quoting: one record per line, so counting separators is exact and vectorized.
        lines = pl.read_csv(data, has_header=False, separator="\x1f", quote_char=None,
                            infer_schema=False, skip_rows=header_row, raise_if_empty=False)
        if lines.width == 0:
            return []
        counts = lines.to_series().str.count_matches(delimiter, literal=True)
        short = lines.to_series().is_not_null() & (counts < width - 1)
        return pl.Series(range(lines.height)).filter(short).to_list()
    text = data.decode("utf-8" if encoding in ("utf8", "utf-8") else encoding, "replace")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return [i for i, r in enumerate(records[header_row:]) if 0 < len(r) < width]


def _one_issue(row: int | None, field_name: str | None, code: str, level: str, message: str,
               value: str | None) -> pl.DataFrame:
    return pl.DataFrame(
        {"row": [row], "field": [field_name], "code": [code], "level": [level],
         "message": [message], "value": [value]},
        schema=empty_issues().schema,
    )


def _read_csv_slow(path: Path, delimiter: str, encoding: str, header_row: int) -> RawTable:
    """Row-by-row fallback for malformed CSV: rows with the wrong number of fields are issues."""
    enc = "utf-8" if encoding in ("utf8", "utf-8") else encoding
    with _open_text(path, enc) as handle:
        reader = csv.reader(handle, delimiter=delimiter)  # type: ignore[arg-type]
        lines = list(reader)
    lines = lines[header_row - 1:]
    if not lines:
        return RawTable(path, pl.DataFrame(), pl.Series("row", [], dtype=pl.Int64))
    header = _unique_header([h.lstrip("\ufeff") for h in lines[0]])
    data: list[list[str | None]] = []
    numbers: list[int] = []
    problems: list[pl.DataFrame] = []
    for i, line in enumerate(lines[1:]):
        number = header_row + 1 + i
        if not any(cell != "" for cell in line):
            continue
        position = len(data)
        if len(line) != len(header):
            problems.append(_one_issue(
                position, None, "ragged_row", ERROR,
                f"row has {len(line)} fields, the header has {len(header)}",
                delimiter.join(line)[:200],
            ))
        data.append([cell if cell != "" else None for cell in line[: len(header)]])
        numbers.append(number)
    issues = pl.concat(problems) if problems else empty_issues()
    return RawTable(path, _frame_from_rows(header, data),
                    pl.Series("row", numbers, dtype=pl.Int64), issues, header)


def read_xlsx(path: Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read one sheet of an Excel workbook; error cells (#VALUE!, #REF!) become issues."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    options = options or {}
    header_row = int(options.get("header_row", 1))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UsageError(f"{path}: not a readable Excel workbook ({exc})") from exc
    sheet_name = options.get("sheet")
    if sheet_name is not None and sheet_name not in workbook.sheetnames:
        raise UsageError(f"{path}: no sheet {sheet_name!r}; sheets: {workbook.sheetnames}")
    sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
    row_iter = sheet.iter_rows(min_row=header_row, values_only=False)
    header_cells = next(row_iter, None)
    if header_cells is None:
        return RawTable(path, pl.DataFrame(), pl.Series("row", [], dtype=pl.Int64))
    header = _unique_header([c.value for c in header_cells])
    # Trailing unnamed columns with nothing in the header are formatting, not data.
    while (header and header[-1].startswith("column_")
           and header_cells[len(header) - 1].value is None):
        header.pop()
    data: list[list[str | None]] = []
    numbers: list[int] = []
    problems: list[pl.DataFrame] = []
    for offset, cells in enumerate(row_iter, start=1):
        values: list[str | None] = []
        row_number = header_row + offset
        problems_before = len(problems)
        for i in range(len(header)):
            cell = cells[i] if i < len(cells) else None
            if cell is None or cell.value is None:
                values.append(None)
                continue
            if cell.data_type == "e":
                where = f"{get_column_letter(i + 1)}{row_number}"
                problems.append(_one_issue(
                    len(data), header[i], "broken_cell", ERROR,
                    f"cell {where} holds the Excel error {cell.value}", str(cell.value),
                ))
                values.append(None)
                continue
            values.append(_stringify(cell.value))
        if not any(v is not None for v in values) and len(problems) == problems_before:
            continue  # an empty row (a broken cell alone still makes a row)
        data.append(values)
        numbers.append(row_number)
    workbook.close()
    issues = pl.concat(problems) if problems else empty_issues()
    return RawTable(path, _frame_from_rows(header, data),
                    pl.Series("row", numbers, dtype=pl.Int64), issues, header)


def read_json(path: Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read a JSON array of objects (or an object holding one under ``records_key``)."""
    options = options or {}
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        try:
            payload = json.load(handle)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: not valid JSON ({exc})") from exc
    key = options.get("records_key")
    if key:
        payload = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(payload, list):
        raise UsageError(f"{path}: expected a JSON array of objects"
                         + (f" under {key!r}" if key else ""))
    return _records_table(path, payload, first_row=1)


def read_jsonl(path: Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read JSON lines; a line that is not a JSON object is an issue."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    records: list[Any] = []
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                records.append(line.rstrip("\n"))
    return _records_table(path, records, first_row=0)


def _records_table(path: Path, records: list[Any], first_row: int) -> RawTable:
    header: list[str] = []
    seen: set[str] = set()
    for record in records:
        if isinstance(record, dict):
            for key in record:
                if key not in seen:
                    seen.add(key)
                    header.append(str(key))
    data: list[list[str | None]] = []
    problems: list[pl.DataFrame] = []
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            problems.append(_one_issue(i, None, "not_an_object", ERROR,
                                       "record is not a JSON object", str(record)[:200]))
            data.append([None] * len(header))
            continue
        data.append([_stringify(record.get(k)) for k in header])
    # JSON arrays: record i is "row" i + 1 (1-based); JSON lines: line numbers.
    numbers = [first_row + i + (1 if first_row == 0 else 0) for i in range(len(data))]
    issues = pl.concat(problems) if problems else empty_issues()
    return RawTable(path, _frame_from_rows(header, data),
                    pl.Series("row", numbers, dtype=pl.Int64), issues, header)


def read_parquet(path: Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read a Parquet file; every column is turned into text the way a CSV would write it."""
    frame = pl.read_parquet(path)
    converted = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date:
            converted.append(column.dt.to_string("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            converted.append(pl.when(column).then(pl.lit("yes")).when(~column).then(pl.lit("no"))
                             .otherwise(None).alias(name))
        elif isinstance(dtype, (pl.List, pl.Struct)):
            converted.append(column.map_elements(
                lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v),
                return_dtype=pl.Utf8).alias(name))
        else:
            converted.append(column.cast(pl.Utf8).alias(name))
    text = frame.select(converted) if converted else frame
    rows = pl.Series("row", range(1, text.height + 1), dtype=pl.Int64)
    return RawTable(path, text, rows, empty_issues(), list(text.columns))


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json, "jsonl": read_jsonl,
           "parquet": read_parquet}


def read_file(
    path: Path, fmt: str | None = None, options: dict[str, Any] | None = None
) -> RawTable:
    """Read ``path`` with the reader for its format."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    return READERS[detect_format(path, fmt)](path, options)
