"""Opening the store from settings, and what it holds."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tocta.settings import Settings
from tocta.store.engine import Store, open_store
from tocta.store.tables import ingest_runs, record_tables, sources


def open_from_settings(settings: Settings) -> Store:
    """Open (creating or migrating) the store the settings name."""
    return open_store(settings.database_url, schema=settings.database_schema)


def store_summary(store: Store) -> dict[str, Any]:
    """Counts of current records per type and source, TLP mix, runs — for `tocta store info`."""
    summary: dict[str, Any] = {
        "url": store.engine.url.render_as_string(hide_password=True),
        "dialect": store.dialect, "revision": store.revision(),
        "data_kind": store.get_meta("data_kind"), "record_types": {},
    }
    with store.engine.connect() as conn:
        for name, table in record_tables().items():
            rows = conn.execute(
                sa.select(table.c.source_id, table.c.tlp, sa.func.count())
                .where(table.c.superseded_by.is_(None))
                .group_by(table.c.source_id, table.c.tlp)
            ).all()
            if not rows:
                continue
            by_source: dict[str, int] = {}
            by_tlp: dict[str, int] = {}
            for source_id, tlp, n in rows:
                by_source[source_id] = by_source.get(source_id, 0) + n
                by_tlp[tlp] = by_tlp.get(tlp, 0) + n
            summary["record_types"][name] = {
                "records": sum(by_source.values()), "by_source": by_source, "by_tlp": by_tlp,
            }
        summary["sources"] = conn.execute(sa.select(sa.func.count()).select_from(sources)).scalar()
        summary["runs"] = conn.execute(sa.select(sa.func.count()).select_from(ingest_runs)).scalar()
    return summary
