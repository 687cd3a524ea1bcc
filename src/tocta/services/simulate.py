"""Running the simulator and ingesting a simulated world into a (synthetic) store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tocta.errors import ConfigError
from tocta.services.entities import ImportOptions, import_file
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
                 entities: bool = True) -> list[tuple[dict[str, object], IngestResult]]:
    """Register the world's agencies as synthetic sources and ingest every record file.

    Each agency's FollowTheMoney entities (``entities.ftm.jsonl``: people, companies, their
    links and payments) are imported as statements when ``entities`` is true; the CSV copy
    of the same entities is skipped (it says nothing the JSON lines do not).
    """
    if not (world / SYNTHETIC_MARKER).exists():
        raise ConfigError(f"{world} has no {SYNTHETIC_MARKER} marker: not a simulated world")
    manifest = load_manifest(world)
    results = []
    for entry in manifest["files"]:
        if entry["record_type"] == "ftm-csv" or (entry["record_type"] == "ftm"
                                                 and not entities):
            continue
        agency = entry["agency"]
        ensure_source(store, entry["source_id"], grade=entry["grade"], tlp=entry["tlp"],
                      owner_agency=agency, synthetic=True,
                      title=f"{agency} ({manifest['scenario']}, seed {manifest['seed']})")
        if entry["record_type"] == "ftm":
            import_file(store, world / entry["path"], ImportOptions(entry["source_id"]))
            continue
        mapping = world / entry["mapping"] if entry.get("mapping") else None
        result = ingest_files(store, [world / entry["path"]], IngestOptions(
            record_type=entry["record_type"], source_id=entry["source_id"], mapping=mapping,
            user=user), progress)
        results.append((entry, result))
        if on_result:
            on_result(entry, result)
    return results
