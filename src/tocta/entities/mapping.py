"""CSV files mapped to entities with FollowTheMoney's own mapping format.

A mapping file is what ``ftm map`` reads: ``{dataset: {queries: [{entities: {...}}]}}``, or
one query (``{entities: {...}}``) or a list of queries (``{queries: [...]}``). Each query may
have ``filters`` / ``filters_not`` (so one CSV can hold several entity types) and its entities
use ``keys`` or ``id_column``, ``properties`` with ``column(s)``, ``literal``, ``template``,
``join``, ``split``, ``entity`` (references) — FtM's ``QueryMapping`` does the mapping. The
CSV is the file being imported: ``csv_url`` and ``database`` in the mapping are ignored.
Every column a mapping uses is checked against the header before any row is read.

tocta differs from ``ftm map`` in two ways: a value FtM cannot clean is an issue naming the
row and column (``ftm`` logs and drops it), and ids are not signed, so an agency's own ids
(``id_column``) stay what its other files (seizures, transfers) call them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from banal import keys_values
from followthemoney import model
from followthemoney.entity import ValueEntity
from followthemoney.exc import InvalidMapping
from followthemoney.mapping import QueryMapping
from followthemoney.proxy import EntityProxy
from followthemoney.statement import Statement
from followthemoney.types import registry
from followthemoney.util import sanitize_text

from tocta.entities.fragments import Fragment, base_statement
from tocta.entities.issues import ERROR, WARNING, EntityIssue, value_code
from tocta.errors import ConfigError
from tocta.yamlio import load_yaml

#: the bundled mapping of tocta's flat entity CSV (the simulator writes it; agencies may too)
FLAT_MAPPING = "flat_entities.yml"
FLAT_COLUMNS = ("record_id", "entity_type")


@dataclass(frozen=True)
class EntityMapping:
    """A loaded mapping file: its queries (FtM mapping dicts) and dataset name."""

    queries: tuple[dict[str, Any], ...]
    dataset: str | None
    path: str


def _queries(data: Any, where: str) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{where}: a mapping is a YAML object with `entities` or `queries`")
    if "entities" in data:
        return [data], None
    if "queries" in data or "query" in data:
        return list(keys_values(data, "queries", "query")), None
    if len(data) == 1:
        name, meta = next(iter(data.items()))
        if isinstance(meta, dict):
            queries, _ = _queries(meta, where)
            return queries, str(name)
    raise ConfigError(f"{where}: no `entities` or `queries` found (FtM mapping format)")


def load_entity_mapping(path: Path) -> EntityMapping:
    """Read a mapping file (YAML or JSON).

    Raises:
        ConfigError: the file is not an FtM mapping.
    """
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read mapping {path}: {exc}") from exc
    queries, dataset = _queries(data, str(path))
    return EntityMapping(tuple(queries), dataset, str(path))


def flat_mapping() -> EntityMapping:
    """The bundled mapping of the flat entity CSV (``record_id``, ``entity_type``, ...)."""
    path = Path(str(resources.files("tocta.entities") / "mappings" / FLAT_MAPPING))
    return load_entity_mapping(path)


@dataclass
class _Query:
    mapping: QueryMapping
    columns: set[str]


def _filter_columns(query: dict[str, Any]) -> set[str]:
    return {str(k) for key in ("filters", "filters_not") for k in (query.get(key) or {})}


def compile_mapping(mapping: EntityMapping, header: list[str], file: str,
                    key_prefix: str) -> list[_Query]:
    """FtM ``QueryMapping`` objects for a CSV with ``header``; every problem raised at once.

    Raises:
        ConfigError: a query is invalid or uses columns the file does not have.
    """
    compiled: list[_Query] = []
    problems: list[str] = []
    for i, raw in enumerate(mapping.queries, start=1):
        query = {k: v for k, v in raw.items() if k not in ("csv_url", "csv_urls", "database")}
        query["csv_url"] = file
        try:
            qm = QueryMapping(model, query, key_prefix=mapping.dataset or key_prefix)
        except InvalidMapping as exc:
            problems.append(f"query {i}: {exc}")
            continue
        columns = set(qm.refs) | _filter_columns(query)
        missing = sorted(columns - set(header))
        if missing:
            problems.append(f"query {i}: columns not in {file}: {', '.join(missing)} "
                            f"(the file has: {', '.join(header)})")
        compiled.append(_Query(qm, columns))
    if problems:
        raise ConfigError(f"{mapping.path}: cannot map {file}:", problems)
    return compiled


def _map_record(query: QueryMapping, record: dict[str, str], file: str, row: int,
                source_id: str) -> tuple[list[Statement], list[EntityIssue]]:
    """FtM's ``QueryMapping.map``, keeping the values it would discard as issues."""
    statements: list[Statement] = []
    issues: list[EntityIssue] = []
    done: dict[str, EntityProxy] = {}
    for emap in query.entities:
        proxy = ValueEntity(emap.schema, {}, cleaned=True)
        # Countries first: phone and address cleaning use them (as FtM does).
        ordered = sorted(emap.properties, key=lambda p: p.prop.type != registry.country)
        for pmap in ordered:
            for value in pmap.map(proxy, record, done):
                column = pmap.refs[0] if pmap.refs else pmap.prop.name
                issues.append(EntityIssue(
                    file, row, column, value_code(pmap.prop.type.name), ERROR,
                    f"{value!r} is not a valid {pmap.prop.type.name} "
                    f"({emap.schema.name}.{pmap.prop.name})", value))
        proxy.id = emap.compute_key(record)
        if proxy.id is None:
            continue
        if any(p.required and not proxy.has(p.prop) for p in emap.properties):
            continue
        done[emap.name] = proxy
        statements.append(base_statement(proxy.id, proxy.schema.name, source_id))
        for prop, value in proxy.itervalues():
            statements.append(Statement(entity_id=proxy.id, prop=prop.name,
                                        schema=proxy.schema.name, value=value,
                                        dataset=source_id))
    return statements, issues


def _decoded_lines(path: Path) -> tuple[list[str], set[int]]:
    """The file's lines as text, and the numbers of lines that were not valid UTF-8."""
    lines: list[str] = []
    bad: set[int] = set()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(raw.decode("utf-8", errors="replace"))
                bad.add(number)
    return lines, bad


def read_mapped_csv(path: Path, mapping: EntityMapping, source_id: str
                    ) -> tuple[list[EntityIssue], Iterator[Fragment]]:
    """File-level issues and the fragments of a CSV mapped by ``mapping``.

    The mapping is checked against the header first (raising ``ConfigError`` before any row
    is read). Rows are numbered as a spreadsheet shows them (the header is row 1).
    """
    file = path.name
    lines, bad_lines = _decoded_lines(path)
    reader = csv.reader(io.StringIO("".join(lines)))
    header = next(reader, None)
    if not header:
        raise ConfigError(f"{file}: the file is empty (a CSV with a header row is expected)")
    header = [h.strip() for h in header]
    queries = compile_mapping(mapping, header, file, source_id)
    used = set().union(*(q.columns for q in queries))
    notes = [EntityIssue(file, None, column, "unmapped_column", WARNING,
                         f"column {column!r} is not used by the mapping")
             for column in header if column not in used]

    def fragments() -> Iterator[Fragment]:
        row = 1
        start_line = reader.line_num
        for cells in reader:
            row += 1
            end_line = reader.line_num
            data = {h: c for h, c in zip(header, cells, strict=False)}
            fragment = Fragment(row, data)
            if len(cells) != len(header):
                fragment.data = {"cells": cells}
                fragment.issues.append(EntityIssue(
                    file, row, None, "ragged_row", ERROR,
                    f"{len(cells)} fields where the header has {len(header)}",
                    ",".join(cells)[:200]))
            if bad_lines & set(range(start_line + 1, end_line + 1)):
                fragment.issues.append(EntityIssue(
                    file, row, None, "invalid_encoding", ERROR, "not valid UTF-8",
                    ",".join(cells)[:200]))
            start_line = end_line
            if fragment.has_error:
                yield fragment
                continue
            record = {k: v for k, v in ((k, sanitize_text(v)) for k, v in data.items())
                      if v is not None}
            for q in queries:
                source = q.mapping.source
                if hasattr(source, "check_filters") and not source.check_filters(record):
                    continue
                statements, issues = _map_record(q.mapping, record, file, row, source_id)
                fragment.statements += statements
                fragment.issues += issues
            if not fragment.statements and not fragment.has_error:
                fragment.issues.append(EntityIssue(
                    file, row, None, "no_entity", ERROR,
                    "the mapping makes no entity of this row (empty key columns, or no "
                    "query's filters match)"))
            yield fragment

    return notes, fragments()
