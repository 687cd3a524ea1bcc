"""Traffickers over the store: resolution with judgements, the network, money, the standard.

A small simulated actor world (west-africa-cocaine, seed 3) whose agencies' FtM files are
imported as they would be by each agency; everything below reads the store through a
clearance.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
import yaml

from tocta.access.clearance import Clearance
from tocta.services.entities import ImportOptions, add_judgement, import_file, retract_judgement
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import ensure_source
from tocta.services.traffickers import (
    EvidentiaryStandard,
    TraffickerParams,
    TraffickerResult,
    analyse_traffickers,
    explain_pair,
    resolve_entities,
    review_pairs,
)
from tocta.simulate.run import simulate_world
from tocta.simulate.scenario import load_scenario
from tocta.store.engine import Store, open_store

SEED = 3
READER_AGENCY = "FIU-PER"


def build_world_store(root: Path, transfers: bool = False) -> Path:
    """Simulate a small actor world under ``root`` and import every agency's FtM files
    (entities and payments) into ``root/world.db`` — with ``transfers``, their Transfer
    records too (CSV: the channel); returns the database path."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    world = root / "world"
    scenario = load_scenario("west-africa-cocaine").model_copy(update={
        "actors": {"groups_per_commodity": 3}, "money": {"max_transfers": 400}})
    simulate_world(scenario, SEED, world, scale=0.3)
    db = root / "world.db"
    store = open_store(str(db))
    manifest = yaml.safe_load((world / "manifest.yaml").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["record_type"] not in ("ftm", "Transfer") or (
                entry["record_type"] == "Transfer" and not transfers):
            continue
        ensure_source(store, entry["source_id"], grade=entry["grade"], tlp=entry["tlp"],
                      owner_agency=entry["agency"], synthetic=True)
        if entry["record_type"] == "Transfer":
            ingest_files(store, [world / entry["path"]],
                         IngestOptions(record_type="Transfer", source_id=entry["source_id"]))
        else:
            import_file(store, world / entry["path"], ImportOptions(entry["source_id"]))
    store.dispose()
    return db


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    root = tmp_path_factory.mktemp("traffickers")
    return open_store(str(build_world_store(root))), root / "work"


@pytest.fixture(scope="module")
def full(world: tuple[Store, Path]) -> TraffickerResult:
    store, work = world
    return analyse_traffickers(store, Clearance.full(), work)


def test_resolution_merges_records_across_agencies(full: TraffickerResult) -> None:
    res = full.resolution
    assert res.records.height > 50
    merged = res.clusters.clusters.filter(pl.col("size") > 1)
    assert merged.height >= 4
    # merged records come from different agencies' files
    some = merged["canonical_id"][0]
    sources = {s for m in res.members(some) for s in res.views[m].sources}
    assert len(sources) >= 2
    assert res.folder is not None and (res.folder / "model.json").exists()
    # the relation entities (memberships, ownerships, associates) were read as evidence
    assert res.result is not None and res.result.relations is not None
    assert "gamma_relations" in res.pairs.columns
    print(res.result.relations.explain())
    row = res.pairs.row(0, named=True)
    assert "  relations: " in res.result.explain(row["left_id"], row["right_id"])


def test_companies_vessels_and_accounts_are_resolved_too(full: TraffickerResult) -> None:
    res = full.resolution
    assert res.things is not None and res.thing_records.height > 50
    assert set(res.thing_records["schema"]) >= {"Company", "Organization", "BankAccount"}
    # records of one company, vessel or account in several agencies' files (same
    # registration, IMO or account number) end as one entity, and the network counts it once
    shared = pl.concat([
        res.thing_records.drop_nulls(col).group_by("schema", col).agg("record_id")
        .filter(pl.col("record_id").list.len() > 1).select("record_id")
        for col in ("registration_number", "imo_number", "account_number")])
    assert shared.height >= 3
    for ids in shared["record_id"]:
        assert len({res.canonical_id(i) for i in ids}) == 1, ids
    assert full.network is not None
    nodes = set(full.network.nodes["id"])
    for ids in shared["record_id"]:
        assert len(set(ids) & nodes) <= 1
    a, b = shared["record_id"][0][:2]
    assert "identifiers" in explain_pair(res, a, b)


def test_groups_and_channels_of_a_flow(full: TraffickerResult) -> None:
    scope = full.scope("crime.traffick.drug")
    assert scope
    roles = {"COL": "origin", "ESP": "destination"}
    groups = full.groups(scope, roles)
    assert groups and groups == sorted(groups, key=lambda g: -g["entities"])
    assert sum(g["entities"] for g in full.groups(scope, limit=10_000)) == len(scope)
    for g in groups:
        assert set(g["roles"]) <= set(g["countries"]) & set(roles)
        assert all(len(c) == 3 for c in g["countries"])         # ISO3, as the routes
        for k in g["key_players"]:                              # named only per the standard
            assert k["name"] and k["id"] in scope and full.is_named(k["id"])
            assert len(k["sources"]) >= 2 or "court" in k["evidence"]
            assert "independent sources" in k["evidence"] or "court" in k["evidence"]
    channels = full.channels(scope)
    assert full.money is not None and channels
    t = full.money.transfers.filter(pl.col("payer").is_in(list(scope))
                                    | pl.col("payee").is_in(list(scope)))
    assert sum(c["transfers"] for c in channels) == t.height
    assert sum(c["amount"] for c in channels) == pytest.approx(float(t["amount"].sum()))
    assert sum(c["transfers"] for c in full.channels()) == full.money.transfers.height


def test_transfer_records_give_the_channel_payments_lack(tmp_path: Path,
                                                         full: TraffickerResult) -> None:
    store = open_store(str(build_world_store(tmp_path, transfers=True)))
    with_records = analyse_traffickers(store, Clearance.full(), tmp_path / "work")
    assert with_records.money is not None and full.money is not None
    channels = {c["channel"]: c["transfers"] for c in with_records.channels()}
    assert {"wire", "cash"} <= set(channels)            # the Transfer records' own channels
    # a Transfer record that a Payment already gives is not counted twice
    t = with_records.money.transfers
    assert t["id"].n_unique() == t.height
    assert channels.get("not stated", 0) < full.money.transfers.height


def test_negative_judgement_splits_a_cluster_and_undo_restores_it(
        world: tuple[Store, Path], full: TraffickerResult) -> None:
    store, work = world
    sizes = full.resolution.clusters.clusters.filter(pl.col("size") > 1)
    cid = sizes.sort("size", "canonical_id", descending=[True, False])["canonical_id"][0]
    a, b = full.resolution.members(cid)[:2]
    j = add_judgement(store, a, b, "negative", "ana", "different fathers' names")
    try:
        split = resolve_entities(store, Clearance.full(), work)
        assert split.canonical_id(a) != split.canonical_id(b)
        why = explain_pair(split, a, b)
        assert "different entities" in why
        assert "negative judgement" in why and "by ana" in why and a in why and b in why
        assert "kept apart by the negative judgement" in why and "fathers' names" in why
        # the pair is judged: it no longer awaits review
        waiting = review_pairs(split, store, limit=1000)
        assert (a, b) not in set(waiting.select("left_id", "right_id").iter_rows())
    finally:
        retract_judgement(store, j.judgement_id, "ben")
    restored = resolve_entities(store, Clearance.full(), work)
    assert restored.canonical_id(a) == restored.canonical_id(b) == cid
    assert restored.clusters.clusters.equals(full.resolution.clusters.clusters)


def test_review_lists_the_most_uncertain_pairs_first(world: tuple[Store, Path],
                                                     full: TraffickerResult) -> None:
    store, _ = world
    waiting = review_pairs(full.resolution, store, limit=50)
    assert waiting.height > 0
    distance = (waiting["match_probability"] - 0.5).abs().to_list()
    assert distance == sorted(distance)
    assert waiting["left_name"].null_count() == 0


def test_naming_rule_counts_but_does_not_name_individuals_below_the_standard(
        full: TraffickerResult) -> None:
    named = {c for c, n in full.naming.items() if n.named}
    hidden = {c for c, n in full.naming.items() if not n.named}
    assert named and hidden
    for cid in named:
        assert len({s.split("/")[0] for s in full.naming[cid].sources}) >= 2
    text = full.explain()
    data = json.dumps(full.to_dict(), ensure_ascii=False)
    assert f"{len(named)} individuals may be named, {len(hidden)} are counted" in text
    shown = {full.resolution.views[c].entity.caption for c in named}
    for cid in hidden:
        caption = full.resolution.views[cid].entity.caption
        if caption in shown:        # a homonym of a named individual
            continue
        assert caption not in text and caption not in data, full.naming[cid].reason
        assert full.label(cid) is None
        assert "the standard needs 2" in full.naming[cid].reason
    f = full.findings()
    assert f["individuals"] == {"named": len(named), "not_named": len(hidden)}
    for key in ("key_players", "brokers", "official_links"):
        assert set(f[key]["named"]) <= shown


def test_a_stricter_or_court_standard_changes_who_is_named(world: tuple[Store, Path],
                                                           full: TraffickerResult) -> None:
    store, work = world
    strict = analyse_traffickers(store, Clearance.full(), work, replace(
        TraffickerParams(), standard=EvidentiaryStandard(min_sources=3)))
    n_full = sum(n.named for n in full.naming.values())
    assert sum(n.named for n in strict.naming.values()) < n_full
    # a source that links an individual who is below the standard, declared a court record
    below = next(n for n in full.naming.values() if not n.named and n.sources)
    court = below.sources[:1]
    by_court = analyse_traffickers(store, Clearance.full(), work, replace(
        TraffickerParams(), standard=EvidentiaryStandard(court_sources=tuple(court))))
    newly = [n for c, n in by_court.naming.items() if n.named and not full.naming[c].named]
    assert below.canonical_id in {n.canonical_id for n in newly}
    assert all("court record" in n.reason for n in newly)


def test_network_and_money_come_from_relations_and_payments(full: TraffickerResult) -> None:
    assert full.network is not None
    counts = full.network.counts
    assert counts["edges"] > 0 and counts["below_grade"] == 0   # sources are A2 or B2
    relations = set(";".join(full.network.edges["relation"].to_list()).split(";"))
    assert {"membership", "ownership", "payment"} <= relations
    nodes = set(full.network.nodes["id"].to_list())
    # a merged person is one node, under its canonical id
    merged = full.resolution.clusters.clusters.filter(
        pl.col("record_id") != pl.col("canonical_id"))
    assert not set(merged["record_id"].to_list()) & nodes
    assert full.money is not None and full.money.counts["transfers"] > 100


def test_clearance_hides_restricted_statements(world: tuple[Store, Path],
                                               full: TraffickerResult) -> None:
    store, work = world
    reader = Clearance(user="u", agency=READER_AGENCY, tlp_ceiling="AMBER")
    outsider = next(r for r in full.resolution.records["record_id"].to_list()
                    if not any(s.startswith(READER_AGENCY + "/")
                               for s in full.resolution.views[r].sources))
    inside = next(r for r in full.resolution.records["record_id"].to_list()
                  if all(s.startswith(READER_AGENCY + "/")
                         for s in full.resolution.views[r].sources))
    j = add_judgement(store, inside, outsider, "positive", "ana")
    try:
        seen = analyse_traffickers(store, reader, work)
    finally:
        retract_judgement(store, j.judgement_id, "ana")
    sources = {s for v in seen.resolution.views.values() for s in v.sources}
    assert sources and all(s.startswith(READER_AGENCY + "/") for s in sources)
    assert 0 < seen.resolution.records.height < full.resolution.records.height
    assert outsider not in seen.resolution.mapping       # the judgement leaks nothing
    assert not seen.resolution.clusters.judgements
    assert seen.tlp == "AMBER" and READER_AGENCY in seen.reader
    # one agency is one source: nobody can be named from its files alone
    assert not any(n.named for n in seen.naming.values())
    caption = full.resolution.views[outsider].entity.caption
    assert caption not in json.dumps(seen.to_dict(), ensure_ascii=False)
    nobody = Clearance(user="u", agency="NOBODY", tlp_ceiling="AMBER")
    empty = analyse_traffickers(store, nobody, work)
    assert empty.resolution.records.height == 0 and empty.network is None
    assert "no link graded B2 or better" in empty.explain()


def test_transfer_records_add_only_transfers_not_already_payments(
        world: tuple[Store, Path], full: TraffickerResult) -> None:
    """Last in the module: it ingests the agencies' transfers.csv into the shared store."""
    from tocta.services.ingest import IngestOptions, ingest_files

    store, work = world
    manifest = yaml.safe_load((work.parent / "world" / "manifest.yaml").read_text("utf-8"))
    entries = [e for e in manifest["files"] if e["record_type"] == "Transfer"]
    assert entries
    for entry in entries:
        ensure_source(store, entry["source_id"], grade=entry["grade"], tlp=entry["tlp"],
                      owner_agency=entry["agency"], synthetic=True)
        ingest_files(store, [work.parent / "world" / entry["path"]], IngestOptions(
            record_type="Transfer", source_id=entry["source_id"]))
    again = analyse_traffickers(store, Clearance.full(), work)
    assert full.money is not None and again.money is not None
    # each CSV row is the same transfer as a Payment (transactionNumber = record id)
    assert again.money.counts["transfers"] == full.money.counts["transfers"]
    assert again.money.transfers["id"].n_unique() == again.money.counts["transfers"]


def test_a_flow_family_scope_keeps_the_groups_tagged_with_its_topic(
        full: TraffickerResult) -> None:
    assert full.network is not None
    drugs = full.scope("crime.traffick.drug")
    assert drugs is not None and 0 < len(drugs) <= full.network.nodes.height
    # a cocaine world holds no human-trafficking group: that flow's scope is empty
    assert full.scope("crime.traffick.human") == frozenset()
    scoped, every = full.findings(drugs), full.findings()
    assert scoped["groups"] >= 1 and scoped["entities"] == len(drugs)
    for key in ("key_players", "brokers"):
        n = len(scoped[key]["named"]) + scoped[key]["not_named"]
        assert n <= len(every[key]["named"]) + every[key]["not_named"]
    assert all(a["subject"] is None or a in full.alerts() for a in full.alerts(drugs))


def test_relation_evidence_reads_links_and_typed_identifier_keys(
        full: TraffickerResult) -> None:
    from tocta.services.entity_resolution import identifier_keys, relation_links

    views = full.resolution.views.values()
    links = relation_links(views)
    assert links.height > 0 and set(links["record_id"]) <= set(full.resolution.views)
    keys = identifier_keys(views)
    assert keys.height > 0
    # cleaned and typed as the resolution model's identifiers: accounts meet by IBAN
    assert {k.split(":", 1)[0] for k in keys["key"]} <= {"iban", "registration", "imo"}
    assert all(k.split(":", 1)[1].isalnum() for k in keys["key"])
