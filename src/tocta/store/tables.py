"""SQL tables: record tables derived from the record model, plus the system tables.

One wide table per record type (DESIGN.md §3: events and aggregates are wide rows), with the
provenance columns every record carries, the record key, and the run that superseded it when a
corrected submission replaced it (history is kept, never deleted). FollowTheMoney statements
(entities) have their own table, ``entity_statements``, with the same provenance and label
columns, and resolution judgements live in ``judgements`` (``ENTITY_TABLES``).
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from tocta.schema.model import Field, RecordType, record_types
from tocta.schema.types import TYPES

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigIntPk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

store_meta = sa.Table(
    "store_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)

sources = sa.Table(
    "sources", metadata,
    sa.Column("source_id", sa.String(200), primary_key=True),
    sa.Column("agency", sa.String(128), nullable=False),
    sa.Column("dataset", sa.String(128), nullable=False),
    sa.Column("title", sa.Text()),
    sa.Column("grade_scheme", sa.String(12)),
    sa.Column("source_reliability", sa.String(2)),
    sa.Column("info_credibility", sa.String(2)),
    sa.Column("tlp", sa.String(12)),
    sa.Column("handling", sa.String(64)),
    sa.Column("owner_agency", sa.String(128), nullable=False),
    sa.Column("synthetic", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("description", sa.Text()),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)

grants = sa.Table(
    "grants", metadata,
    sa.Column("grant_id", BigIntPk, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String(200), sa.ForeignKey("sources.source_id"), nullable=False),
    sa.Column("grantee_kind", sa.String(16), nullable=False),
    sa.Column("grantee", sa.String(128), nullable=False),
    sa.Column("granted_by", sa.String(128)),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("source_id", "grantee_kind", "grantee"),
)

ingest_runs = sa.Table(
    "ingest_runs", metadata,
    sa.Column("run_id", BigIntPk, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String(200), sa.ForeignKey("sources.source_id"), nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("files", sa.JSON(), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("finished_at", sa.DateTime()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("rows_read", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("inserted", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("already_present", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("quarantined", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("superseded", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("errors", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("warnings", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("issues_by_code", sa.JSON(), nullable=False),
    sa.Column("options", sa.JSON(), nullable=False),
    sa.Column("user", sa.String(128)),
)

ingest_issues = sa.Table(
    "ingest_issues", metadata,
    sa.Column("issue_id", BigIntPk, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.BigInteger(), sa.ForeignKey("ingest_runs.run_id"), nullable=False,
              index=True),
    sa.Column("file", sa.Text(), nullable=False),
    sa.Column("row", sa.BigInteger()),
    sa.Column("field", sa.String(128)),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("level", sa.String(8), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("value", sa.Text()),
)

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("quarantine_id", BigIntPk, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.BigInteger(), sa.ForeignKey("ingest_runs.run_id"), nullable=False,
              index=True),
    sa.Column("file", sa.Text(), nullable=False),
    sa.Column("row", sa.BigInteger()),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("issues", sa.Text(), nullable=False),
)

SYSTEM_TABLES = ("store_meta", "sources", "grants", "ingest_runs", "ingest_issues", "quarantine")

#: storage-only columns every record table has, besides the record type's fields
STORAGE_COLUMNS = ("id", "record_key", "content_hash", "superseded_by", "extra", "raw")


def _column(f: Field) -> sa.Column[Any]:
    sql_type = sa.JSON() if f.multiple else TYPES[f.type].sql_type(f)
    nullable = not (f.system and f.name in ("source_id", "ingest_run"))
    return sa.Column(f.name, sql_type, nullable=nullable, comment=f.label)


def _record_table(rt: RecordType) -> sa.Table:
    columns: list[Any] = [
        sa.Column("id", BigIntPk, primary_key=True, autoincrement=True),
        sa.Column("record_key", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("superseded_by", sa.BigInteger()),
    ]
    columns += [_column(f) for f in rt.fields]
    columns += [sa.Column("extra", sa.JSON()), sa.Column("raw", sa.JSON())]
    table = sa.Table(rt.table, metadata, *columns, comment=rt.label)
    current = table.c.superseded_by.is_(None)
    # The key hashes the source in, so it is unique across sources. This is the only index:
    # analytics scan through DuckDB (which does not use SQLite indexes), clearance checks group
    # label combinations in DuckDB too, and every index costs every bulk load.
    sa.Index(f"uq_{rt.table}_current_key", table.c.record_key, unique=True,
             sqlite_where=current, postgresql_where=current)
    return table


@functools.cache
def record_tables() -> dict[str, sa.Table]:
    """The record table of every record type, by record type name."""
    return {name: _record_table(rt) for name, rt in record_types().items()}


def record_table(type_name: str) -> sa.Table:
    """The record table of one record type."""
    return record_tables()[type_name]


# FollowTheMoney entities (DESIGN.md §3): one row per statement (entity, property, value) with
# the provenance every record carries. The FtM statement id hashes the source (FtM's
# "dataset") with the entity, property and value, so re-submitting a statement finds it.
# Sources are never rewritten: entity resolution records judgements and derives canonical ids.
entity_statements = sa.Table(
    "entity_statements", metadata,
    sa.Column("id", BigIntPk, primary_key=True, autoincrement=True),
    sa.Column("statement_id", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(255), nullable=False),
    sa.Column("schema", sa.String(64), nullable=False),
    sa.Column("prop", sa.String(64), nullable=False),
    sa.Column("prop_type", sa.String(32), nullable=False),
    sa.Column("value", sa.Text(), nullable=False),
    sa.Column("lang", sa.String(16)),
    sa.Column("original_value", sa.Text()),
    sa.Column("source_id", sa.String(200), sa.ForeignKey("sources.source_id"), nullable=False),
    sa.Column("ingest_run", sa.BigInteger(), sa.ForeignKey("ingest_runs.run_id"),
              nullable=False),
    sa.Column("source_file", sa.Text()),
    sa.Column("source_row", sa.BigInteger()),
    sa.Column("grade_scheme", sa.String(12)),
    sa.Column("source_reliability", sa.String(2)),
    sa.Column("info_credibility", sa.String(2)),
    sa.Column("reliability_rank", sa.Integer()),
    sa.Column("credibility_rank", sa.Integer()),
    sa.Column("tlp", sa.String(12), nullable=False),
    sa.Column("handling", sa.String(64)),
    sa.Column("owner_agency", sa.String(128)),
    sa.Column("first_seen", sa.DateTime(), nullable=False),
    sa.Index("uq_entity_statements_statement_id", "statement_id", unique=True),
    sa.Index("ix_entity_statements_entity_id", "entity_id"),
    sa.Index("ix_entity_statements_source_id", "source_id"),
    comment="FollowTheMoney statements with provenance",
)

# Resolution judgements (positive, negative, unsure): a log, never deleted. A pair is stored
# with left_id < right_id; an undo marks the row retracted (who, when) and the pair's current
# judgement is its newest row that is not retracted.
judgements = sa.Table(
    "judgements", metadata,
    sa.Column("judgement_id", BigIntPk, primary_key=True, autoincrement=True),
    sa.Column("left_id", sa.String(255), nullable=False),
    sa.Column("right_id", sa.String(255), nullable=False),
    sa.Column("judgement", sa.String(16), nullable=False),
    sa.Column("user", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("note", sa.Text()),
    sa.Column("retracted", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("retracted_at", sa.DateTime()),
    sa.Column("retracted_by", sa.String(128)),
    sa.CheckConstraint("judgement IN ('positive', 'negative', 'unsure')",
                       name="ck_judgements_judgement"),
    sa.Index("ix_judgements_left_id_right_id", "left_id", "right_id"),
    sa.Index("ix_judgements_right_id", "right_id"),
    comment="Entity resolution judgements",
)

ENTITY_TABLES = ("entity_statements", "judgements")
