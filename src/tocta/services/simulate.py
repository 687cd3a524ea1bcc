"""Running the simulator and ingesting a simulated world into a (synthetic) store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tocta.errors import ConfigError
from tocta.services.ingest import IngestOptions, IngestResult, Progress, ingest_files
from tocta.services.sources import ensure_source
from tocta.simulate.manifest import SYNTHETIC_MARKER, load_manifest
from tocta.simulate.run import WorldResult, simulate_world
from tocta.simulate.scenario import load_scenario
from tocta.store.engine import Store


def run_simulation(scenario: str | Path, seed: int, out: Path, scale: float = 1.0,
                   progress: Callable[[str, int, int], None] | None = None) -> WorldResult:
    """Generate a world from a shipped scenario name or a scenario file."""
    return simulate_world(load_scenario(scenario), seed, out, scale, progress)


def ingest_world(store: Store, world: Path, user: str = "simulator",
                 progress: Progress | None = None,
                 on_result: Callable[[dict[str, object], IngestResult], None] | None = None,
                 ) -> list[tuple[dict[str, object], IngestResult]]:
    """Register the world's agencies as synthetic sources and ingest every record file.

    FollowTheMoney entity files are skipped (entities have no store table yet).
    """
    if not (world / SYNTHETIC_MARKER).exists():
        raise ConfigError(f"{world} has no {SYNTHETIC_MARKER} marker: not a simulated world")
    manifest = load_manifest(world)
    results = []
    for entry in manifest["files"]:
        if entry["record_type"] in ("ftm", "ftm-csv"):
            continue
        agency = entry["agency"]
        ensure_source(store, entry["source_id"], grade=entry["grade"], tlp=entry["tlp"],
                      owner_agency=agency, synthetic=True,
                      title=f"{agency} ({manifest['scenario']}, seed {manifest['seed']})")
        mapping = world / entry["mapping"] if entry.get("mapping") else None
        result = ingest_files(store, [world / entry["path"]], IngestOptions(
            record_type=entry["record_type"], source_id=entry["source_id"], mapping=mapping,
            user=user), progress)
        results.append((entry, result))
        if on_result:
            on_result(entry, result)
    return results
