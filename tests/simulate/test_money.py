"""The money part of the simulator: laundering among legitimate look-alikes, files, truth."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.simulate.test_actors import assert_valid_ftm, folder_hash, small_context
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source
from tocta.simulate.actors import ActorWorld, simulate_actors, write_actor_files
from tocta.simulate.context import ActorContext, MoneyParams
from tocta.simulate.manifest import Manifest
from tocta.simulate.money import MoneyWorld, simulate_money, write_money_files
from tocta.simulate.money_files import CSV_COLUMNS
from tocta.simulate.money_patterns import LAUNDERING
from tocta.store.engine import open_store

BAD = 0.02


def make(ctx: ActorContext, seed: int = 5) -> tuple[ActorWorld, MoneyWorld]:
    world = simulate_actors(ctx, np.random.default_rng(seed))
    return world, simulate_money(ctx, world, np.random.default_rng(seed + 1))


def write_all(world: ActorWorld, money: MoneyWorld, out: Path) -> Manifest:
    manifest = Manifest("test", world.seed, 1.0)
    write_actor_files(world, out, manifest, BAD)
    write_money_files(money, out, manifest, BAD)
    return manifest


@pytest.fixture(scope="module")
def worlds() -> tuple[ActorWorld, MoneyWorld]:
    return make(small_context(money=MoneyParams(max_transfers=4000)))


@pytest.fixture(scope="module")
def written(worlds: tuple[ActorWorld, MoneyWorld], tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("money")
    return out, write_all(*worlds, out)


def transfers(worlds: tuple[ActorWorld, MoneyWorld]) -> pl.DataFrame:
    return worlds[1].transfers


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    ctx = small_context(money=MoneyParams(max_transfers=1500))
    hashes = []
    for run in range(2):
        out = tmp_path / str(run)
        write_all(*make(ctx), out)
        hashes.append(folder_hash(out))
    assert hashes[0] == hashes[1]


def test_counts_follow_the_parameters(worlds: tuple[ActorWorld, MoneyWorld]) -> None:
    t = transfers(worlds)
    assert t.height == 4000
    illicit = t["is_illicit"].sum()
    assert illicit == round(4000 / 21)
    assert t["is_laundering"].sum() < 0.05 * t.height  # a small minority
    assert (~t["is_illicit"]).sum() / illicit == pytest.approx(20, rel=0.05)
    assert t["transfer_id"].n_unique() == t.height
    assert t.filter(pl.col("agency").is_not_null())["record_id"].n_unique() == \
        t["agency"].is_not_null().sum()
    assert set(t["date"].dt.year()) <= {2019, 2020, 2021}
    half = make(small_context(money=MoneyParams(max_transfers=4000), scale=0.5))[1]
    assert half.transfers.height == 2000


def test_every_typology_occurs_and_truth_is_consistent(
        worlds: tuple[ActorWorld, MoneyWorld]) -> None:
    t = transfers(worlds)
    found = set(t["typology"].drop_nulls())
    assert found == set(LAUNDERING)
    assert {"supplier_payment", "wages"} <= set(t["illicit_kind"].drop_nulls())
    laundering = t.filter(pl.col("is_laundering"))
    assert laundering["typology"].is_not_null().all() and laundering["group_id"].is_not_null().all()
    assert t.filter(~pl.col("is_illicit"))["group_id"].is_null().all()
    assert t.filter(pl.col("is_illicit"))["lookalike"].is_null().all()
    share = t.filter(pl.col("is_illicit"))["is_laundering"].mean()
    assert share == pytest.approx(0.5, abs=0.1)  # laundered_share of illicit transfers


def test_structuring_stays_below_the_threshold(worlds: tuple[ActorWorld, MoneyWorld]) -> None:
    t = transfers(worlds)
    runs = t.filter(pl.col("typology") == "structuring")
    assert runs["amount"].max() < 10_000 and runs["amount"].min() >= 8_000
    assert (runs["channel"] == "cash").all()
    per_run = runs.group_by("pattern_id").agg(pl.len(), pl.col("to_account").n_unique())
    assert per_run["len"].max() >= 4 and (per_run["to_account"] == 1).all()
    couriers = t.filter(pl.col("typology") == "cash_courier")
    assert (couriers["from_country"] != couriers["to_country"]).any()
    trips = t.filter(pl.col("typology") == "round_trip").group_by("pattern_id").agg(
        pl.col("from_account").unique().sort().alias("paid"),
        pl.col("to_account").unique().sort().alias("got"), pl.len())
    full = trips.filter(pl.col("len") == 3)
    assert full.height > 0 and (full["paid"] == full["got"]).all()  # the money comes home


def test_legitimate_look_alikes_exist(worlds: tuple[ActorWorld, MoneyWorld]) -> None:
    t = transfers(worlds)
    legit = t.filter(~pl.col("is_illicit"))
    assert set(legit["lookalike"]) == {"remittance", "payroll", "business_wire", "cash_business",
                                       "personal"}
    payroll = legit.filter(pl.col("lookalike") == "payroll").group_by("from_party", "date").agg(
        pl.col("to_party").n_unique().alias("employees"))
    assert payroll["employees"].max() >= 5  # a fan-out that is payroll
    remit = legit.filter(pl.col("lookalike") == "remittance")
    assert remit["amount"].median() < 1000
    assert (remit["from_country"] != remit["to_country"]).mean() > 0.8
    cash = legit.filter(pl.col("lookalike") == "cash_business")["amount"]
    assert ((cash > 8000) & (cash < 10_000)).any()  # honest deposits just under the threshold
    namesakes = worlds[0].people.filter(pl.col("role") == "none")["person_id"]
    assert legit["from_party"].is_in(namesakes.implode()).any() or \
        legit["to_party"].is_in(namesakes.implode()).any()


def test_proceeds_are_leg_value_shares(worlds: tuple[ActorWorld, MoneyWorld]) -> None:
    world, money = worlds
    p = money.proceeds
    ctx = small_context()
    expected = world.group_legs.join(ctx.legs, on=["commodity", "from_country", "to_country"]) \
        .select((pl.col("share") * pl.col("value_usd")).sum()).item()
    assert p["proceeds_usd"].sum() == pytest.approx(expected)
    assert (p["laundered_usd"] == p["proceeds_usd"] * 0.5).all()


def test_files_are_valid_and_link_to_entity_files(written: tuple[Path, Manifest]) -> None:
    out, manifest = written
    entries = [e for e in manifest.files if e.path.endswith("transfers.csv")]
    assert {e.agency for e in entries} >= {"FIU-ESP", "POL-GNB"}  # police where no FIU
    for e in entries:
        folder = out / Path(e.path).parent
        assert e.record_type == "Transfer" and e.tlp == "AMBER"
        assert_valid_ftm(folder / "transfers.ftm.jsonl")
        ids = {json.loads(line)["id"] for name in ("entities.ftm.jsonl", "transfers.ftm.jsonl")
               if (folder / name).exists()
               for line in (folder / name).read_text(encoding="utf-8").splitlines()}
        csv = pl.read_csv(folder / "transfers.csv", infer_schema=False)
        assert tuple(csv.columns) == CSV_COLUMNS and csv.height == e.rows
        assert set(csv["from_entity"]) | set(csv["to_entity"]) <= ids
        payments = [json.loads(line) for line in (folder / "transfers.ftm.jsonl")
                    .read_text(encoding="utf-8").splitlines() if '"Payment"' in line]
        assert len(payments) == e.rows
        for p in payments:
            refs = [v for k in ("payer", "beneficiary", "payerAccount", "beneficiaryAccount")
                    for v in p["properties"].get(k, [])]
            assert set(refs) <= ids
    truth = pl.read_parquet(out / "truth" / "transfers.parquet")
    assert truth["csv_fault"].is_not_null().sum() == sum(e.bad_rows for e in entries)
    parties = pl.read_parquet(out / "truth" / "transfer_parties.parquet")
    assert parties["role"].is_in(["legitimate"]).any() and parties["group_id"].is_not_null().any()


def test_transfers_ingest_with_exactly_the_planted_rows_quarantined(
        written: tuple[Path, Manifest], tmp_path: Path) -> None:
    out, manifest = written
    store = open_store(str(tmp_path / "s.db"))
    codes: set[str] = set()
    for e in (e for e in manifest.files if e.record_type == "Transfer"):
        add_source(store, e.source_id, grade=e.grade, tlp=e.tlp, synthetic=True)
        result = ingest_files(store, [out / e.path], IngestOptions(
            record_type="Transfer", source_id=e.source_id))
        c = result.counts
        assert c.rows_read == e.rows and c.quarantined == e.bad_rows, e.path
        assert c.inserted == e.rows - e.bad_rows
        codes |= set(result.issues_by_code)
    assert codes == {"invalid_date", "unknown_country", "negative_value"}


def test_the_ftm_command_line_accepts_the_files(written: tuple[Path, Manifest],
                                                tmp_path: Path) -> None:
    ftm = shutil.which("ftm", path=str(Path(sys.executable).parent))
    if ftm is None:
        pytest.skip("the followthemoney command line is not installed next to this Python")
    out, _ = written
    for name in ("entities.ftm.jsonl", "transfers.ftm.jsonl"):
        source = out / "agencies" / "FIU-ESP" / name
        target = tmp_path / name
        subprocess.run([ftm, "validate", "-i", str(source), "-o", str(target)], check=True)
        keep = ("id", "schema", "properties")
        before = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
        after = [{k: e[k] for k in keep} for e in map(json.loads, target.read_text(
            encoding="utf-8").splitlines())]
        assert after == before
