"""Exports are FollowTheMoney: the `ftm` command line reads them back unchanged, and
re-importing an export yields the same statements."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.entities.conftest import register
from tocta.access.clearance import Clearance
from tocta.entities.export import export_entities, export_statements
from tocta.entities.imports import ImportOptions, import_entities
from tocta.store.engine import Store, open_store
from tocta.store.tables import entity_statements

FTM = str(Path(sys.executable).parent / "ftm")


def _ftm(*args: str) -> None:
    subprocess.run([FTM, *args], check=True, capture_output=True, timeout=120)


def _normal(line: bytes) -> str:
    data = json.loads(line)
    data["properties"] = {p: sorted(v) for p, v in sorted(data["properties"].items())}
    return json.dumps(data, sort_keys=True)


def _statements(store: Store) -> set[tuple[str, ...]]:
    t = entity_statements
    with store.engine.connect() as conn:
        return {tuple(r) for r in conn.execute(
            sa.select(t.c.entity_id, t.c.schema, t.c.prop, t.c.value))}


def _world_store(store: Store, world: Path, manifest: object) -> None:
    for entry in manifest.files:  # type: ignore[attr-defined]
        if entry.format != "jsonl":
            continue
        register(store, entry.source_id, tlp=entry.tlp, grade=entry.grade, owner=entry.agency,
                 synthetic=True)
        import_entities(store, world / entry.path, ImportOptions(entry.source_id))


def test_ftm_reads_the_export_back_unchanged_and_reimport_gives_the_same_statements(
        store: Store, tmp_path: Path, actor_world: tuple[Path, object]) -> None:
    world, manifest = actor_world
    _world_store(store, world, manifest)
    export = tmp_path / "export.ftm.jsonl"
    with export.open("wb") as handle:
        summary = export_entities(store, Clearance.full(), handle)
    lines = export.read_bytes().splitlines()
    assert summary.entities == len(lines) > 50
    for command in ("validate", "aggregate"):
        target = tmp_path / f"{command}.jsonl"
        _ftm(command, "-i", str(export), "-o", str(target))
        back = target.read_bytes().splitlines()
        if command == "validate":
            assert back == lines  # byte for byte
        else:
            # aggregate re-orders keys and values, nothing else
            assert sorted(map(_normal, back)) == sorted(map(_normal, lines))

    fresh = open_store(str(tmp_path / "again.db"))
    register(fresh, "EXPORT/all", tlp="AMBER", synthetic=True)
    result = import_entities(fresh, export, ImportOptions("EXPORT/all"))
    assert result.counts.quarantined == 0 and result.counts.inserted == len(lines)
    # Each entity came from one agency in the simulated world, so its schema is the one
    # stored; the re-import holds exactly the original (entity, schema, property, value)s.
    assert _statements(fresh) == _statements(store)
    fresh.dispose()


def test_statement_exports_roll_up_with_ftm_aggregate_statements(
        sqlite_store: Store, tmp_path: Path, actor_world: tuple[Path, object]) -> None:
    world, manifest = actor_world
    _world_store(sqlite_store, world, manifest)
    entities = io.BytesIO()
    export_entities(sqlite_store, Clearance.full(), entities)
    statements = tmp_path / "statements.jsonl"
    with statements.open("wb") as handle:
        summary = export_statements(sqlite_store, Clearance.full(), handle)
    rows = [json.loads(x) for x in statements.read_bytes().splitlines()]
    assert summary.statements == sum(r["prop"] != "id" for r in rows)
    assert {r["dataset"] for r in rows} == set(summary.sources)
    rolled = tmp_path / "rolled.jsonl"
    _ftm("aggregate-statements", "-f", "json", "-i", str(statements), "-o", str(rolled))
    got = {json.loads(x)["id"]: json.loads(x) for x in rolled.read_bytes().splitlines()}
    want = {json.loads(x)["id"]: json.loads(x)
            for x in entities.getvalue().splitlines()}
    assert got.keys() == want.keys()
    for key, entity in want.items():
        assert got[key]["schema"] == entity["schema"]
        assert {p: sorted(v) for p, v in got[key]["properties"].items()} == \
               entity["properties"]
