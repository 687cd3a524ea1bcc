"""Writing and looking up records: bulk paths for SQLite (executemany) and PostgreSQL (COPY)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.store.tables import record_table

CHUNK_ROWS = 50_000


def _json_lists(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns become JSON text (the tables store them as JSON)."""
    converted = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            # {"v":[...]} → [...]: polars' JSON encoder escapes every value correctly.
            encoded = pl.struct(pl.col(name).alias("v")).struct.json_encode()
            converted.append(
                pl.when(pl.col(name).is_null()).then(None)
                .otherwise(encoded.str.slice(5).str.strip_suffix("}")).alias(name)
            )
    return frame.with_columns(converted) if converted else frame


def prepare_frame(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The columns of ``frame`` that ``table`` has, lists written as JSON arrays."""
    frame = _json_lists(frame)
    return frame.select([c for c in frame.columns if c in table.c])


def insert_frame(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame,
                 progress: Callable[[int], None] | None = None) -> int:
    """Insert every row of ``frame`` into ``table`` inside the caller's transaction.

    PostgreSQL gets ``COPY``; other backends ``executemany``. (SQLite ingest runs use the
    faster ADBC path in ``store.writer``.)
    """
    if frame.height == 0:
        return 0
    frame = prepare_frame(table, frame)
    columns = frame.columns
    if conn.dialect.name == "postgresql":
        _copy_postgres(conn, table, frame, progress)
        return frame.height
    placeholders = ", ".join("?" for _ in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({placeholders})'
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, frame.height, CHUNK_ROWS):
            chunk = frame.slice(start, CHUNK_ROWS)
            cursor.executemany(sql, zip(*(chunk[c].to_list() for c in columns), strict=True))
            if progress:
                progress(chunk.height)
    finally:
        cursor.close()
    return frame.height


def _copy_postgres(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame,
                   progress: Callable[[int], None] | None) -> None:
    quoted = ", ".join(f'"{c}"' for c in frame.columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        for start in range(0, frame.height, CHUNK_ROWS):
            chunk = frame.slice(start, CHUNK_ROWS)
            buffer = io.StringIO()
            chunk.write_csv(buffer, include_header=False, null_value="\\N",
                            quote_style="non_numeric")
            sql = (f'COPY "{table.name}" ({quoted}) FROM STDIN '
                   "WITH (FORMAT csv, NULL '\\N')")
            with cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
            if progress:
                progress(chunk.height)


def current_records(conn: sa.Connection, type_name: str, source_id: str,
                    columns: tuple[str, ...]) -> pl.DataFrame:
    """The stored current (not superseded) records of a source: id, record_key and ``columns``."""
    table = record_table(type_name)
    wanted = ["id", "record_key", "content_hash", *columns]
    query = sa.select(*[table.c[c] for c in wanted]).where(
        table.c.source_id == source_id, table.c.superseded_by.is_(None))
    rows = conn.execute(query).all()
    schema: dict[str, Any] = {c: pl.Utf8 for c in wanted}
    schema["id"] = pl.Int64
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def supersede(conn: sa.Connection, type_name: str, ids: list[int], run_id: int) -> int:
    """Mark stored records as superseded by ``run_id`` (history is kept)."""
    if not ids:
        return 0
    table = record_table(type_name)
    total = 0
    for start in range(0, len(ids), 10_000):
        chunk = ids[start:start + 10_000]
        result = conn.execute(
            table.update().where(table.c.id.in_(chunk)).values(superseded_by=run_id))
        total += result.rowcount or 0
    return total
