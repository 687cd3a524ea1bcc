"""Entity test helpers: a one-line entity factory, sources, and a small simulated actor world."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from tocta.services.sources import add_source, share_source
from tocta.simulate.actors import simulate_actors, write_actor_files
from tocta.simulate.context import ActorContext, ActorParams, MoneyParams
from tocta.simulate.manifest import Manifest
from tocta.store.engine import Store

YEARS = (2020, 2021)
LEGS = [("COL", "GNB", "sea", 30_000), ("GNB", "ESP", "air", 9_000),
        ("COL", "ESP", "sea", 20_000), ("ESP", "FRA", "land", 4_000)]
COUNTRIES = ("COL", "GNB", "ESP", "FRA")


def e(schema: str, entity_id: str, **props: Any) -> dict[str, Any]:
    """An FtM entity dict: ``e("Person", "p1", name="Ana", nationality=["es", "fr"])``."""
    return {"id": entity_id, "schema": schema,
            "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()}}


def write_jsonl(path: Path, items: list[Any]) -> Path:
    """Write JSON lines (strings are written as they are, for broken lines)."""
    lines = [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def register(store: Store, source_id: str, tlp: str = "AMBER", grade: str = "admiralty:B2",
             owner: str | None = None, handling: str | None = None, synthetic: bool = False,
             shared_with: tuple[str, ...] = ()) -> str:
    """Register a source (and share it with ``agency:X`` / ``user:U`` grantees)."""
    add_source(store, source_id, grade=grade, tlp=tlp, owner_agency=owner, handling=handling,
               synthetic=synthetic)
    for grantee in shared_with:
        share_source(store, source_id, grantee, "test")
    return source_id


@pytest.fixture(scope="session")
def actor_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    """A small simulated actor world (cocaine, Colombia → Guinea-Bissau → Spain → France):
    per agency ``entities.ftm.jsonl`` and ``entities.csv`` with 10% broken CSV rows."""
    legs = pl.DataFrame([
        {"year": y, "commodity": "cocaine_hcl", "from_country": a, "to_country": b,
         "mode": mode, "volume": float(kg), "value_usd": kg * 30_000.0}
        for y in YEARS for a, b, mode, kg in LEGS])
    markets = pl.DataFrame([{"year": y, "commodity": "cocaine_hcl", "country": c,
                             "retail_value_usd": 1.0e9} for y in YEARS for c in ("ESP", "FRA")])
    agencies = pl.DataFrame([
        {"agency": f"{p}-{c}", "country": c, "kind": k, "source_id": f"{p}-{c}/sim"}
        for c in COUNTRIES for p, k in (("POL", "police"), ("CUS", "customs"), ("FIU", "fiu"))])
    ctx = ActorContext(scenario="entities-test", seed=7, years=YEARS, legs=legs,
                       markets=markets, agencies=agencies,
                       actors=ActorParams(groups_per_commodity=3),
                       money=MoneyParams(max_transfers=500), scale=1.0)
    world = simulate_actors(ctx, np.random.default_rng(3))
    out = tmp_path_factory.mktemp("actor_world")
    manifest = Manifest("entities-test", 7, 1.0)
    write_actor_files(world, out, manifest, 0.1)
    return out, manifest
