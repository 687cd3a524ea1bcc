"""The actor part of the simulator: groups, people, names, agencies' records, truth."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from followthemoney import model
from followthemoney.util import make_entity_id

from tocta.simulate.actors import ActorWorld, simulate_actors, write_actor_files
from tocta.simulate.context import ActorContext, ActorParams, MoneyParams
from tocta.simulate.ftm_lines import entity_id
from tocta.simulate.manifest import Manifest
from tocta.simulate.name_variants import fold_ascii, make_typo, to_cyrillic
from tocta.simulate.names import load_name_book

YEARS = (2019, 2020, 2021)
LEGS = [("COL", "GNB", "sea", 30_000), ("GNB", "ESP", "air", 9_000),
        ("COL", "ESP", "sea", 20_000), ("GNB", "MAR", "sea", 8_000),
        ("MAR", "ESP", "sea", 7_500), ("ESP", "FRA", "land", 4_000)]
COUNTRIES = ("COL", "GNB", "MAR", "ESP", "FRA")


def small_context(seed: int = 11, actors: ActorParams | None = None,
                  money: MoneyParams | None = None, scale: float = 1.0) -> ActorContext:
    """A hand-made cocaine world: Colombia → Guinea-Bissau / Morocco → Spain → France."""
    legs = pl.DataFrame([
        {"year": y, "commodity": "cocaine_hcl", "from_country": a, "to_country": b,
         "mode": mode, "volume": kg * (1 + 0.1 * (y - 2019)),
         "value_usd": kg * (1 + 0.1 * (y - 2019)) * (38_000 if b in ("ESP", "FRA") else 14_000)}
        for y in YEARS for a, b, mode, kg in LEGS])
    markets = pl.DataFrame([{"year": y, "commodity": "cocaine_hcl", "country": c,
                             "retail_value_usd": v} for y in YEARS
                            for c, v in (("ESP", 2.0e9), ("FRA", 1.5e9))])
    # Guinea-Bissau has no FIU: its police reports transfers.
    agencies = pl.DataFrame([
        {"agency": f"{p}-{c}", "country": c, "kind": k, "source_id": f"{p}-{c}/sim"}
        for c in COUNTRIES for p, k in (("POL", "police"), ("CUS", "customs"), ("FIU", "fiu"))
        if not (c == "GNB" and k == "fiu")])
    return ActorContext(scenario="test", seed=seed, years=YEARS, legs=legs, markets=markets,
                        agencies=agencies, actors=actors or ActorParams(groups_per_commodity=5),
                        money=money or MoneyParams(max_transfers=3000), scale=scale)


def build(ctx: ActorContext, seed: int = 5) -> ActorWorld:
    return simulate_actors(ctx, np.random.default_rng(seed))


def written(world: ActorWorld, out: Path, bad: float = 0.02) -> Manifest:
    manifest = Manifest("test", world.seed, 1.0)
    write_actor_files(world, out, manifest, bad)
    return manifest


def folder_hash(out: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(out)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def assert_valid_ftm(path: Path) -> int:
    """Every line re-parses, survives FtM cleaning unchanged and is written canonically."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        proxy = model.get_proxy(json.loads(line), cleaned=False)
        clean = proxy.clone()
        for prop in proxy.iterprops():
            clean.set(prop, proxy.get(prop))  # what `ftm validate` does
        assert clean.to_dict() == proxy.to_dict(), line
        assert json.dumps(proxy.to_dict(), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")) == line
    return len(lines)


@pytest.fixture(scope="module")
def world() -> ActorWorld:
    return build(small_context())


@pytest.fixture(scope="module")
def out(world: ActorWorld, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    path = tmp_path_factory.mktemp("actors")
    return path, written(world, path)


def persons(world: ActorWorld) -> pl.DataFrame:
    return world.records.filter(pl.col("schema") == "Person")


def test_same_seed_same_bytes_other_seed_other_world(tmp_path: Path) -> None:
    hashes = []
    for run, seed in enumerate((5, 5, 6)):
        folder = tmp_path / str(run)
        written(build(small_context(), seed), folder)
        hashes.append(folder_hash(folder))
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]


def test_two_scenarios_with_one_seed_share_no_entity_id() -> None:
    # both worlds import into one synthetic store (make demo): an id drawn twice would merge
    # two different people's statements
    from dataclasses import replace

    ctx = small_context()
    a = build(ctx, 7).records.select("entity_id", "agency", "true_id")
    b = build(replace(ctx, scenario="other"), 7).records.select("entity_id", "agency",
                                                                  "true_id")
    assert a.select("agency", "true_id").equals(b.select("agency", "true_id"))  # same world
    assert not set(a["entity_id"]) & set(b["entity_id"])


def test_every_jsonl_line_is_a_valid_ftm_entity(out: tuple[Path, Manifest],
                                                world: ActorWorld) -> None:
    folder, _ = out
    files = sorted(folder.rglob("entities.ftm.jsonl"))
    assert len(files) > 5
    assert sum(assert_valid_ftm(f) for f in files) == world.records.height
    schemata = set(world.records["schema"])
    assert {"Person", "Organization", "Company", "Vessel", "BankAccount", "Membership",
            "Directorship", "Ownership", "Associate"} <= schemata


def test_relations_point_at_entities_of_the_same_agency(world: ActorWorld) -> None:
    for (agency,), part in world.records.group_by("agency"):
        ids = set(part["entity_id"])
        for line in part.filter(pl.col("schema").is_in(
                ["Membership", "Directorship", "Ownership", "Associate"]))["ftm"]:
            refs = [v for k, vs in json.loads(line)["properties"].items()
                    if k in ("member", "organization", "director", "owner", "asset", "person",
                             "associate") for v in vs]
            assert len(refs) == 2 and set(refs) <= ids, (agency, line)


def test_each_person_is_in_one_to_three_agencies(world: ActorWorld) -> None:
    counts = persons(world).group_by("true_id").agg(pl.col("agency").n_unique().alias("n"),
                                                    pl.len().alias("records"))
    assert counts["n"].min() == 1 and counts["n"].max() == 3
    assert (counts["n"] == counts["records"]).all()  # one record per agency
    assert set(counts["true_id"]) == set(world.people["person_id"])
    namesakes = world.people.filter(pl.col("role") == "none")["person_id"]
    assert counts.filter(pl.col("true_id").is_in(namesakes.implode()))["n"].max() == 1


def test_agencies_per_person_follows_the_parameter() -> None:
    w = build(small_context(actors=ActorParams(groups_per_commodity=3,
                                               agencies_per_person=(2, 2))))
    members = w.people.filter(pl.col("role") != "none")["person_id"]
    n = persons(w).filter(pl.col("true_id").is_in(members.implode())).group_by("true_id").len()
    assert set(n["len"]) == {2}


def test_homonym_rate_within_tolerance_and_namesakes_share_common_names() -> None:
    params = ActorParams(groups_per_commodity=25, homonym_rate=0.06)
    w = build(small_context(actors=params))
    rate = w.people["homonym"].mean()
    assert rate == pytest.approx(0.06, abs=0.012)
    shared = w.people.filter(pl.col("homonym")).group_by("full_name").agg(
        pl.col("person_id"), pl.col("birth_date").str.slice(0, 4).n_unique().alias("years"))
    assert (shared["person_id"].list.len() >= 2).all()
    assert (shared["years"] == 1).any()  # some homonyms were born in the same year
    none = w.people.filter(pl.col("role") == "none")
    assert none.height > 0 and none["group_id"].is_null().all() and none["homonym"].all()


def test_without_homonym_rate_names_are_distinct() -> None:
    w = build(small_context(actors=ActorParams(groups_per_commodity=8, homonym_rate=0.0)))
    assert w.people["full_name"].n_unique() == w.people.height
    assert not w.people["homonym"].any()


def test_noise_rates_are_near_the_parameters() -> None:
    params = ActorParams(groups_per_commodity=30, typo_rate=0.2, transliteration_rate=0.25,
                         swapped_order_rate=0.1, missing_birthdate_rate=0.3,
                         partial_birthdate_rate=0.3)
    w = build(small_context(actors=params))
    p = persons(w)
    assert p.height > 800
    assert p["typo"].mean() == pytest.approx(0.2, abs=0.04)
    assert p["transliterated"].mean() == pytest.approx(0.25, abs=0.04)
    assert p["swapped"].mean() == pytest.approx(0.1, abs=0.03)
    precision = p["birth_precision"].value_counts(normalize=True)
    share = dict(zip(precision["birth_precision"], precision["proportion"], strict=True))
    assert share["missing"] == pytest.approx(0.3, abs=0.05)
    assert share["year"] + share["month"] == pytest.approx(0.3, abs=0.05)
    scripts = set(p.filter(pl.col("transliterated"))["script"])
    assert {"latin", "cyrillic", "arabic"} <= scripts
    canonical = dict(zip(w.people["person_id"], w.people["full_name"], strict=True))
    clean = p.filter(~pl.col("typo") & ~pl.col("transliterated") & ~pl.col("swapped")
                     & ~pl.col("shortened"))
    folded = [fold_ascii(canonical[t]).upper().replace(",", "").split() for t in clean["true_id"]]
    assert all(sorted(a) == sorted(fold_ascii(n).upper().replace(",", "").split())
               for a, n in zip(folded, clean["name"], strict=True))
    typo = p.filter(pl.col("typo"))
    assert all(canonical[t] != n for t, n in zip(typo["true_id"], typo["name"], strict=True))


def test_transliteration_table_and_pools() -> None:
    book = load_name_book()
    assert to_cyrillic("Nguyen", book) == "Нгуен"
    assert to_cyrillic("Olusegun", book) == "Олусегун"
    mohammed = book.pools["arabic"].lists["given_male"][0]
    assert mohammed.canonical == "Mohammed"
    assert {"Muhammad", "Mohamed", "محمد", "Мухаммед"} <= set(mohammed.alternates)
    olusegun = next(n for n in book.pools["west_africa"].lists["given_male"]
                    if n.canonical == "Olusegun")
    assert "Olushegun" in olusegun.alternates
    assert book.pools["vietnamese"].probabilities("family")[0] > 0.3  # Nguyen
    rng = np.random.default_rng(1)
    for name in ("Olusegun", "Mohammed", "Мухаммед", "Li"):
        typo = make_typo(name, rng)
        assert typo != name and abs(len(typo) - len(name)) <= 2


def test_groups_peps_companies_vessels(world: ActorWorld) -> None:
    assert world.groups.height == 5
    assert set(world.group_legs["group_id"]) == set(world.groups["group_id"])
    officials = world.people.filter(pl.col("role") == "official")
    assert officials.height == round(0.25 * 5) and officials["is_pep"].all()
    fiu = world.records.filter((pl.col("true_id").is_in(officials["person_id"].implode()))
                               & pl.col("agency").str.starts_with("FIU"))
    assert fiu.height == 0 or fiu["ftm"].str.contains("role.pep").all()
    fronts = world.companies.filter(pl.col("kind") == "front")
    assert fronts.height >= world.groups.height
    assert world.vessels["imo"].str.contains(r"^IMO\d{7}$").all()
    digits = [[int(c) for c in imo[3:]] for imo in world.vessels["imo"]]
    assert all(sum(d * w for d, w in zip(x[:6], range(7, 1, -1), strict=True)) % 10 == x[6]
               for x in digits)
    topics = persons(world).filter(pl.col("agency").str.starts_with("POL"))["topics"]
    assert (topics == "crime.traffick.drug").any()


def test_couriers_are_police_and_customs_records_of_couriers(world: ActorWorld) -> None:
    c = world.couriers
    assert c.columns == ["year", "country", "entity_id", "agency"] and c.height > 0
    assert set(c["year"]) <= set(YEARS)
    rec = c.join(world.records, on=["agency", "entity_id"], how="left")
    assert rec["role"].is_in(["courier", "transporter"]).all()
    assert rec["agency"].str.slice(0, 3).is_in(["POL", "CUS"]).all()
    assert (rec["country"] == rec["agency"].str.slice(4)).all()


def test_csv_bad_rows_and_truth_files(out: tuple[Path, Manifest], world: ActorWorld) -> None:
    folder, manifest = out
    csv_entries = [e for e in manifest.files if e.record_type == "ftm-csv"]
    assert csv_entries and all(e.tlp == "AMBER" for e in manifest.files)
    truth = pl.read_parquet(folder / "truth" / "actors.parquet")
    assert truth.height == world.records.height
    for e in csv_entries:
        frame = pl.read_csv(folder / e.path, infer_schema=False)
        assert frame.height == e.rows
        assert frame.columns[:3] == ["record_id", "entity_type", "name"]
        people = (frame["entity_type"] == "Person").sum()
        assert e.bad_rows == min(people, round(0.02 * e.rows))
        faults = truth.filter((pl.col("agency") == e.agency) & pl.col("csv_fault").is_not_null())
        assert faults.height == e.bad_rows
        broken = frame.filter(pl.col("record_id").is_in(faults["entity_id"].implode()))
        assert (broken["nationality"].is_in(["Atlantis", "Wakanda", "Genovia", "Narnia"])
                | broken["birth_date"].str.contains("-02-30|^31/31/")).all()
    assert sum(e.bad_rows for e in csv_entries) > 0
    assert {"truth/actors.parquet", "truth/groups.parquet"} <= set(manifest.truth)
    groups = pl.read_parquet(folder / "truth" / "groups.parquet")
    assert groups["legs"].list.len().min() >= 1 and groups["n_members"].min() >= 8
    grades = {e.agency: e.grade for e in manifest.files}
    assert grades["FIU-ESP"] == "admiralty:A2" and grades["POL-ESP"] == "admiralty:B2"


def test_entity_ids_are_followthemoney_ids_and_hide_the_truth(world: ActorWorld) -> None:
    assert entity_id("salt", "FIU-ESP", "P000001") == make_entity_id("salt", "FIU-ESP",
                                                                      "P000001")
    row = world.records.row(0, named=True)
    assert row["entity_id"] == make_entity_id(world.salt, row["agency"], row["true_id"])
    assert row["entity_id"] != make_entity_id(row["agency"], row["true_id"])


def test_scale_multiplies_groups() -> None:
    ctx = small_context()
    assert build(replace(ctx, scale=2.0)).groups.height == 10
    assert build(replace(ctx, scale=0.01)).groups.height == 1
