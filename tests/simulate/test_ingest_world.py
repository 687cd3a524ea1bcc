"""Every record file of a simulated world ingests, with exactly the planted bad rows quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocta.access.clearance import Clearance
from tocta.errors import ConfigError
from tocta.services.entities import list_entities
from tocta.services.simulate import ingest_world
from tocta.simulate.run import simulate_world
from tocta.simulate.scenario import load_scenario
from tocta.store.engine import open_store


@pytest.mark.parametrize(("name", "actors"), [("west-africa-cocaine", True),
                                             ("people-smuggling-mediterranean", False)])
def test_world_ingests_with_exactly_the_planted_bad_rows_quarantined(
        tmp_path: Path, name: str, actors: bool) -> None:
    world = tmp_path / "w"
    simulate_world(load_scenario(name), 3, world, scale=0.3, actors=actors)
    store = open_store(str(tmp_path / "sim.db"))
    results = ingest_world(store, world)
    kinds = {e["record_type"] for e, _ in results}
    assert kinds >= {"Seizure", "PriceObservation", "MarketEstimate", "Intervention",
                     "Indicator"}
    assert ("Transfer" in kinds) == actors
    assert ("VictimCount" in kinds) == (name == "people-smuggling-mediterranean")
    planted = quarantined = 0
    for entry, result in results:
        c = result.counts
        assert c.quarantined == entry["bad_rows"], (entry["path"], result.issues_by_code)
        assert c.rows_read == entry["rows"]
        planted += entry["bad_rows"]
        quarantined += c.quarantined
        errors = {k for k, v in result.issues_by_code.items() if v["level"] == "error"}
        assert errors <= {"invalid_date", "negative_value", "unknown_country",
                          "unknown_commodity"}, (entry["path"], errors)
    assert planted == quarantined > 0
    assert store.get_meta("data_kind") == "synthetic"
    # the agencies' FtM entities come in as statements, each under its agency's source
    people = list_entities(store, Clearance.full(), schemata=["Person"], limit=50)
    assert (len(people) == 50) == actors


def test_a_real_store_refuses_a_simulated_world(tmp_path: Path) -> None:
    from tests.conftest import seizure, write_csv
    from tocta.services.ingest import IngestOptions, ingest_files
    from tocta.services.sources import add_source

    store = open_store(str(tmp_path / "real.db"))
    add_source(store, "NCB/x", grade="admiralty:B2", tlp="GREEN")
    ingest_files(store, [write_csv(tmp_path / "s.csv", [seizure()])],
                 IngestOptions(record_type="Seizure", source_id="NCB/x"))
    world = tmp_path / "w"
    simulate_world(load_scenario("wildlife-ivory"), 1, world, scale=0.1, actors=False)
    with pytest.raises(ConfigError, match="never share a store"):
        ingest_world(store, world)
