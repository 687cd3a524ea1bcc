"""The read API for analytics: each record type as an Arrow table, filtered by clearance.

Rows are read by DuckDB from the store in place. Access is decided by ``tocta.access.allowed``
over the distinct label combinations (source, TLP, owner agency, handling) present in the
table — a handful — and the query keeps only rows whose combination is allowed, so the rule is
written once. The result carries the strictest TLP of the rows it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from tocta.access.clearance import Clearance, Grants, Labels, allowed
from tocta.schema.model import RecordType, get_type
from tocta.schema.types.tlp import strictest_tlp
from tocta.store.duck import attach_store, connect_duckdb
from tocta.store.engine import Store
from tocta.store.sources import source_grants
from tocta.store.tables import record_table


@dataclass(frozen=True)
class RecordSet:
    """Records a reader may see, with what the reader must know about them."""

    record_type: str
    table: pa.Table
    tlp: str
    sources: tuple[str, ...]
    withheld_rows: int = 0
    filters: dict[str, object] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


def _label_combos(con: duckdb.DuckDBPyConnection, prefix: str, table: str
                  ) -> list[tuple[str, str, str | None, str | None, int]]:
    rows = con.execute(
        f"SELECT source_id, tlp, owner_agency, handling, count(*) FROM {prefix}.{table} "
        "WHERE superseded_by IS NULL GROUP BY ALL").fetchall()
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]


_DUCK_TYPES = {"number": "DOUBLE", "fraction": "DOUBLE", "integer": "BIGINT", "year": "BIGINT",
               "boolean": "BOOLEAN"}


def _sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def read_records(
    store: Store,
    type_name: str,
    clearance: Clearance,
    *,
    countries: Iterable[str] | None = None,
    country_field: str | None = None,
    commodities: Iterable[str] | None = None,
    years: tuple[int, int] | None = None,
    columns: Iterable[str] | None = None,
) -> RecordSet:
    """Current records of one type that ``clearance`` may read, as Arrow.

    Args:
        store: the open store.
        type_name: record type name (``Seizure``, ``seizure``...).
        clearance: the reader.
        countries: keep rows whose ``country_field`` is one of these ISO3 codes.
        country_field: which country field to filter on (default: the type's first
            required country field).
        commodities: keep rows with one of these commodity ids.
        years: inclusive (first, last) year range on the ``year`` field.
        columns: fields to return (default: every field and the record key).
    """
    rt = get_type(type_name)
    table = record_table(rt.name)
    with store.engine.connect() as conn:
        grants = source_grants(conn)
    con = connect_duckdb()
    try:
        prefix = attach_store(con, store)
        return _read(con, prefix, rt, table, clearance, grants, countries, country_field,
                     commodities, years, columns)
    finally:
        con.close()


def _visible_where(con: duckdb.DuckDBPyConnection, prefix: str, table: sa.Table,
                   clearance: Clearance, grants: dict[str, Grants]) -> tuple[list[str], int]:
    """SQL conditions keeping the current rows ``clearance`` may read, and rows withheld."""
    combos = _label_combos(con, prefix, table.name)
    visible = []
    withheld = 0
    for source_id, tlp, owner, handling, count in combos:
        labels = Labels(tlp=tlp, owner_agency=owner, handling=handling, source_id=source_id,
                        grants=grants.get(source_id, Grants()))
        if allowed(clearance, "read", labels):
            visible.append((source_id, tlp, owner, handling))
        else:
            withheld += count
    where = ["superseded_by IS NULL"]
    if visible:
        where.append("(" + " OR ".join(
            f"(source_id = {_sql_literal(s)} AND tlp = {_sql_literal(t)} AND owner_agency IS "
            f"NOT DISTINCT FROM {_sql_literal(o)} AND handling IS NOT DISTINCT FROM "
            f"{_sql_literal(h)})" for s, t, o, h in visible) + ")")
    else:
        where.append("FALSE")
    return where, withheld


def _select_list(rt: RecordType, wanted: list[str]) -> list[str]:
    select = []
    for name in wanted:
        f = next((x for x in rt.fields if x.name == name), None)
        if f is not None and f.multiple:
            select.append(f'from_json("{name}", \'["VARCHAR"]\') AS "{name}"')
        elif f is not None:
            # Both backends give the same Arrow types (SQLite stores booleans as integers).
            select.append(f'CAST("{name}" AS {_DUCK_TYPES.get(f.type, "VARCHAR")}) AS "{name}"')
        else:
            select.append(f'"{name}"')
    return select


@dataclass(frozen=True)
class VisibleView:
    """A DuckDB view of the current records a reader may see (see ``create_visible_view``)."""

    name: str
    record_type: str
    tlp: str
    sources: tuple[str, ...]
    rows: int
    withheld_rows: int


def create_visible_view(con: duckdb.DuckDBPyConnection, store: Store, type_name: str,
                        clearance: Clearance, *, name: str | None = None) -> VisibleView:
    """Attach the store to ``con`` and create a temporary view of what ``clearance`` may read.

    The view has every field of the type (multi-valued fields as VARCHAR lists), the record
    key and the provenance columns, so analytics (Ibis on DuckDB) query it in place, and a
    Parquet snapshot of it is what Spark reads: the clearance filter is applied once, here.
    """
    rt = get_type(type_name)
    table = record_table(rt.name)
    with store.engine.connect() as conn:
        grants = source_grants(conn)
    prefix = attach_store(con, store)
    where, withheld = _visible_where(con, prefix, table, clearance, grants)
    view = name or f"visible_{table.name}"
    select = _select_list(rt, ["record_key", *rt.field_names])
    con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT {", ".join(select)} '
                f"FROM {prefix}.{table.name} WHERE {' AND '.join(where)}")
    shown = con.execute(
        f"SELECT source_id, tlp, count(*) FROM {prefix}.{table.name} "
        f"WHERE {' AND '.join(where)} GROUP BY ALL").fetchall()
    return VisibleView(view, rt.name, strictest_tlp(t for _, t, _ in shown),
                       tuple(sorted({s for s, _, _ in shown})), sum(int(n) for *_, n in shown),
                       withheld)


def _read(
    con: duckdb.DuckDBPyConnection, prefix: str, rt: RecordType, table: sa.Table,
    clearance: Clearance, grants: dict[str, Grants], countries: Iterable[str] | None,
    country_field: str | None, commodities: Iterable[str] | None,
    years: tuple[int, int] | None, columns: Iterable[str] | None,
) -> RecordSet:
    where, withheld = _visible_where(con, prefix, table, clearance, grants)
    filters: dict[str, object] = {}
    if countries is not None:
        name = country_field or next(
            f.name for f in rt.fields if f.type == "country" and f.required)
        codes = sorted(set(countries))
        filters[name] = codes
        where.append(f'"{name}" IN ({", ".join(_sql_literal(c) for c in codes) or "NULL"})')
    if commodities is not None:
        ids = sorted(set(commodities))
        filters["commodity"] = ids
        where.append(f'commodity IN ({", ".join(_sql_literal(c) for c in ids) or "NULL"})')
    if years is not None:
        filters["years"] = list(years)
        where.append(f"year BETWEEN {int(years[0])} AND {int(years[1])}")
    wanted = list(columns) if columns else ["record_key", *rt.field_names]
    select = _select_list(rt, wanted)
    sql = (f"SELECT {', '.join(select)} FROM {prefix}.{table.name} "
           f"WHERE {' AND '.join(where)} ORDER BY id")
    arrow = con.execute(sql).to_arrow_table()
    shown = con.execute(
        f"SELECT DISTINCT source_id, tlp FROM {prefix}.{table.name} "
        f"WHERE {' AND '.join(where)}").fetchall()
    return RecordSet(rt.name, arrow, strictest_tlp(t for _, t in shown),
                     tuple(sorted({s for s, _ in shown})), withheld, filters)
