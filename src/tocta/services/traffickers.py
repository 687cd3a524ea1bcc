"""Who are the traffickers (TOCTA Q3) over the store: network, money trails and naming.

The user path of DESIGN.md §5 (Traffickers), for one reader:

1. resolve the entities the reader may see (``tocta.services.entity_resolution``: persons
   with Splink and the relation evidence, companies, groups, vessels and accounts with a
   model of their own, the analysts' judgements → canonical ids);
2. build the network of resolved entities from the FtM relation entities (Membership,
   Directorship, Ownership, Associate, Family, Payment...), each link with its grade, and
   analyse it (``analyse_network``);
3. trace the money from Payment entities and Transfer records (``trace_money``);
4. apply the evidentiary standard of DESIGN.md §7: an individual is *named* only when linked
   by at least two independent sources graded B2 or better, or by a court record; below
   that, counted and not named.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tocta.access.clearance import Clearance
from tocta.analytics.money_trails import MoneyTrailParams, MoneyTrailResult, trace_money
from tocta.analytics.networks import NetworkParams, NetworkResult, analyse_network
from tocta.analytics.networks_graph import grade_ranks, threshold_ranks
from tocta.analytics.resolution_features import country_code
from tocta.entities.read import EntityView
from tocta.schema.types.tlp import strictest_tlp
from tocta.services.entity_resolution import (
    RELATIONS,
    Resolution,
    ResolveParams,
    explain_pair,
    first_value,
    person_records,
    relation_ends,
    resolve_entities,
    review_pairs,
)
from tocta.store.engine import Store
from tocta.store.read import read_records

# the resolution step's names, re-exported: callers of the whole path need import only here
__all__ = ["EvidentiaryStandard", "Naming", "Resolution", "ResolveParams", "TraffickerParams",
           "TraffickerResult", "analyse_traffickers", "explain_pair", "person_records",
           "resolve_entities", "review_pairs"]


@dataclass(frozen=True)
class EvidentiaryStandard:
    """When an individual may be named (DESIGN.md §7), declared by every result.

    Attributes:
        min_sources: independent sources needed to name an individual.
        min_grade: the grade each of those sources must meet (both halves, common scale).
        court_sources: source ids that are court records: one suffices.

    Sources are independent when they belong to different agencies (two files of one agency
    are one source of knowledge); a source without an owner agency counts on its own.
    """

    min_sources: int = 2
    min_grade: str = "B2"
    court_sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        threshold_ranks(self.min_grade)
        if self.min_sources < 1:
            raise ValueError("min_sources must be at least 1")

    def describe(self) -> str:
        court = " or one court record" if self.court_sources else ""
        return (f"a named individual is linked by at least {self.min_sources} independent "
                f"sources graded {self.min_grade} or better{court}")


@dataclass(frozen=True)
class TraffickerParams(ResolveParams):
    """Methodology choices of a run, recorded in its result: how entities are resolved
    (``ResolveParams``), then the network, the money trails and the evidentiary standard."""

    network: NetworkParams = field(default_factory=NetworkParams)
    money: MoneyTrailParams = field(default_factory=MoneyTrailParams)
    standard: EvidentiaryStandard = field(default_factory=EvidentiaryStandard)


@dataclass(frozen=True)
class Naming:
    """Whether a resolved individual may be named, and on what evidence."""

    canonical_id: str
    named: bool
    sources: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class TraffickerResult:
    """Resolution, network, money trails and the naming decisions, for one reader."""

    resolution: Resolution
    network: NetworkResult | None
    money: MoneyTrailResult | None
    naming: dict[str, Naming]
    params: TraffickerParams
    reader: str
    tlp: str

    def is_named(self, canonical_id: str) -> bool:
        """Whether an entity may be shown by name (non-persons always may)."""
        found = self.naming.get(canonical_id)
        return found is None or found.named

    def label(self, canonical_id: str) -> str | None:
        """The name to print, or None when the standard withholds it."""
        if not self.is_named(canonical_id):
            return None
        view = self.resolution.views.get(canonical_id)
        return view.entity.caption if view is not None else canonical_id

    def _people(self, frame: pl.DataFrame) -> tuple[list[str], int]:
        names, hidden = [], 0
        for cid in dict.fromkeys(frame["id"].to_list() if frame.height else []):
            label = self.label(cid)
            if label is None:
                hidden += 1
            else:
                names.append(label)
        return names, hidden

    def scope(self, topic: str) -> frozenset[str] | None:
        """The entities of one flow family: every community of the network holding an
        entity tagged with the FtM ``topic`` (or a narrower one: ``crime.traffick.drug``
        covers ``crime.traffick.drug.cocaine``) — its groups, with the companies, accounts
        and contacts linked to them. None without a network."""
        if self.network is None:
            return None
        tagged = {self.resolution.canonical_id(v.id) for v in self.resolution.views.values()
                  if any(t == topic or t.startswith(topic + ".")
                         for t in v.entity.get("topics", quiet=True))}
        nodes = self.network.nodes.select("id", "community")
        groups = set(nodes.filter(pl.col("id").is_in(list(tagged)))["community"].to_list())
        return frozenset(nodes.filter(pl.col("community").is_in(list(groups)))["id"]
                         .to_list())

    def findings(self, scope: Collection[str] | None = None) -> dict[str, Any]:
        """Key players, brokers and links to officials, named only per the standard;
        ``scope`` limits them to those entities (``scope()`` of a flow family)."""
        none = pl.DataFrame({"id": []}, schema={"id": pl.Utf8})
        net = self.network
        out: dict[str, Any] = {}
        for key, frame in (("key_players", net.key_players.select("id") if net else none),
                           ("brokers", net.brokers.select("id") if net else none),
                           ("official_links", net.pep_links.select("id")
                            if net and net.pep_links.height else none)):
            if scope is not None:
                frame = frame.filter(pl.col("id").is_in(list(scope)))
            names, hidden = self._people(frame)
            out[key] = {"named": names, "not_named": hidden}
        persons = [n for n in self.naming.values() if scope is None or n.canonical_id in scope]
        out["individuals"] = {"named": sum(n.named for n in persons),
                              "not_named": sum(not n.named for n in persons)}
        if scope is not None and net is not None:
            groups = net.nodes.filter(pl.col("id").is_in(list(scope)))["community"]
            out["groups"] = groups.n_unique()
            out["entities"] = len(scope)
        return out

    def groups(self, scope: Collection[str] | None = None,
               roles: Mapping[str, str] | None = None, limit: int = 10
               ) -> list[dict[str, Any]]:
        """The groups (network communities) within ``scope``, largest first: their size,
        persons and companies, countries (ISO3) — each with its role on the flow's routes
        when ``roles`` (ISO3 → origin / transit / destination...) is given — and their key
        players, named only per the standard (canonical id, name, the evidence that allows
        naming and its sources), the rest counted."""
        net = self.network
        if net is None:
            return []
        nodes = net.nodes if scope is None else net.nodes.filter(
            pl.col("id").is_in(list(scope)))
        roles = roles or {}
        out = []
        sizes = nodes.group_by("community").len().sort(["len", "community"],
                                                      descending=[True, False])
        for community, size in sizes.head(limit).iter_rows():
            members = nodes.filter(pl.col("community") == community)
            countries = sorted({c for c in (country_code(x) for x in members["country"]
                                            .drop_nulls().to_list()) if c})
            keys = net.key_players.filter(pl.col("id").is_in(members["id"].to_list()))
            named = [{"id": cid, "name": self.label(cid), "evidence": self.naming[cid].reason,
                      "sources": list(self.naming[cid].sources)}
                     for cid in dict.fromkeys(keys["id"].to_list())
                     if self.is_named(cid) and cid in self.naming]
            out.append({
                "group": int(community), "entities": int(size),
                "persons": int((members["kind"] == "Person").sum()),
                "companies": int(members["kind"].is_in(["Company", "LegalEntity"]).sum()),
                "countries": countries,
                "roles": {c: roles[c] for c in countries if c in roles},
                "key_players": named,
                "key_players_not_named": keys["id"].n_unique() - len(named)})
        return out

    def channels(self, scope: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The money channels (wire, cash, hawala, crypto...) of the transfers paid or
        received by an entity within ``scope``: transfers and amount per channel and
        currency, largest first."""
        if self.money is None or self.money.transfers.is_empty():
            return []
        t = self.money.transfers
        if scope is not None:
            inside = list(scope)
            t = t.filter(pl.col("payer").is_in(inside) | pl.col("payee").is_in(inside))
        return (t.with_columns(pl.col("channel").fill_null("not stated"))
                .group_by("channel", "currency")
                .agg(pl.len().alias("transfers"), pl.col("amount").sum())
                .sort(["amount", "channel"], descending=[True, False]).to_dicts())

    def alerts(self, scope: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Money-trail alerts; a subject below the standard is shown as ``None``; ``scope``
        keeps those whose subject is one of its entities."""
        if self.money is None:
            return []
        return [{"typology": a.typology, "subject": self.label(a.subject),
                 "transfers": len(a.transfer_ids), "amount": a.amount, "currency": a.currency,
                 "start": a.start, "end": a.end} for a in self.money.alerts
                if scope is None or a.subject in scope]

    def explain(self) -> str:
        """What was read, resolved and found, naming individuals only per the standard."""
        r = self.resolution.as_dict()
        std = self.params.standard
        min_grade = self.params.network.min_grade or "any grade"
        f = self.findings()
        lines = [f"Read as {self.reader} (TLP:{self.tlp}).",
                 f"Resolution: {r['records']:,} person records and {r['thing_records']:,} "
                 f"others, {r['pairs']:,} scored pairs, "
                 f"{r['merged_records']:,} records merged into clusters at probability "
                 f"{r['accept_probability']}; {r['judgements']} analyst judgements in force, "
                 f"{len(r['refusals'])} merges refused."
                 + (f" Persons {r['note']}." if r["note"] else "")
                 + (f" Others {r['things_note']}." if r["things_note"] else ""),
                 *[f"  not merged: {why}" for why in r["refusals"][:5]],
                 (f"Network: {self.network.counts['nodes']:,} entities, "
                  f"{self.network.counts['edges']:,} links at {min_grade} or better "
                  f"({self.network.counts['below_grade']:,} link records below)."
                  if self.network else f"Network: no link graded {min_grade} or better: "
                  "nothing to analyse."),
                 f"Evidentiary standard: {std.describe()}; "
                 f"{f['individuals']['named']} individuals may be named, "
                 f"{f['individuals']['not_named']} are counted but not named."]
        for key, title in (("key_players", "Key players"), ("brokers", "Brokers"),
                           ("official_links", "Within reach of a public official")):
            names, hidden = f[key]["named"], f[key]["not_named"]
            shown = ", ".join(names[:10]) or "none named"
            lines.append(f"{title}: {shown}" + (f"; {hidden} more below the standard "
                                               "(counted, not named)" if hidden else "") + ".")
        if self.money is not None:
            c = self.money.counts
            lines.append(f"Money trails: {c['transfers']:,} transfers, {c['alerts']} alerts "
                         "(leads for an analyst, not findings).")
            for a in self.alerts()[:10]:
                who = a["subject"] or "an individual below the standard"
                lines.append(f"  [{a['typology']}] {who}: {a['transfers']} transfers, "
                             f"{a['amount']:,.0f} {a['currency']} ({a['start']}–{a['end']})")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Stable snake_case keys for ``--json`` (names only per the standard)."""
        return {"reader": self.reader, "tlp": self.tlp,
                "standard": asdict(self.params.standard),
                "resolution": self.resolution.as_dict(),
                "network": {"counts": dict(self.network.counts) if self.network else None,
                            "grade": self.network.grade if self.network else None,
                            "min_grade": self.params.network.min_grade},
                "findings": self.findings(), "alerts": self.alerts(),
                "money": dict(self.money.counts) if self.money else None}


# -- network, money and naming -------------------------------------------------------------

def _grade_of(view: EntityView) -> tuple[str | None, dict[str, tuple[str | None, str | None]]]:
    """The best grade among a relation's sources, and per source its (grade, agency)."""
    per_source: dict[str, tuple[str | None, str | None]] = {}
    for s in view.statements:
        per_source.setdefault(s.source_id, (s.grade, s.owner_agency))
    best, best_ranks = None, (7, 7)
    for grade, _ in per_source.values():
        ranks = grade_ranks(grade)
        if ranks is not None and ranks < best_ranks:
            best, best_ranks = grade, ranks
    return best, per_source


def _links(res: Resolution) -> tuple[pl.DataFrame, dict[str, set[tuple[str, str | None,
                                                                        str | None]]]]:
    """Edge rows between canonical ids, and per canonical id the sources linking it."""
    rows: list[dict[str, str | None]] = []
    linked: dict[str, set[tuple[str, str | None, str | None]]] = {}
    for view in res.views.values():
        relation, ends = relation_ends(view)
        if not ends:
            continue
        grade, per_source = _grade_of(view)
        for a, b in ends:
            ca, cb = res.canonical_id(a), res.canonical_id(b)
            rows.append({"source": ca, "target": cb, "relation": relation,
                         "grade": grade, "entity_id": view.id})
            for end in (ca, cb):
                bucket = linked.setdefault(end, set())
                bucket.update((src, g, ag) for src, (g, ag) in per_source.items())
    frame = pl.DataFrame(rows, schema={"source": pl.Utf8, "target": pl.Utf8,
                                       "relation": pl.Utf8, "grade": pl.Utf8,
                                       "entity_id": pl.Utf8})
    return frame, linked


def _naming(res: Resolution, linked: dict[str, set[tuple[str, str | None, str | None]]],
            std: EvidentiaryStandard) -> dict[str, Naming]:
    need = threshold_ranks(std.min_grade)
    out = {}
    for cid in sorted(set(res.mapping.values())):
        sources = linked.get(cid, set())
        court = sorted(s for s, _, _ in sources if s in std.court_sources)
        good: dict[str, str] = {}
        for src, grade, agency in sorted(sources, key=lambda x: x[0]):
            ranks = grade_ranks(grade)
            if ranks is not None and ranks[0] <= need[0] and ranks[1] <= need[1]:
                good.setdefault(agency or src, src)
        if court:
            out[cid] = Naming(cid, True, tuple(court), f"linked by a court record ({court[0]})")
        elif len(good) >= std.min_sources:
            out[cid] = Naming(cid, True, tuple(sorted(good.values())),
                              f"linked by {len(good)} independent sources graded "
                              f"{std.min_grade} or better")
        else:
            out[cid] = Naming(cid, False, tuple(sorted(good.values())),
                              f"linked by {len(good)} independent source(s) graded "
                              f"{std.min_grade} or better (of {len(sources)} in all); "
                              f"the standard needs {std.min_sources}")
    return out


def _nodes(res: Resolution, naming: dict[str, Naming]) -> pl.DataFrame:
    nodes: dict[str, dict[str, Any]] = {}
    for view in sorted(res.views.values(), key=lambda v: v.id):
        schema = view.entity.schema
        if schema.name in RELATIONS or schema.edge:
            continue
        cid = res.canonical_id(view.id)
        topics = view.entity.get("topics", quiet=True)
        country = first_value(view, "country") or first_value(view, "nationality") or \
            first_value(view, "jurisdiction")
        node = nodes.setdefault(cid, {"id": cid, "kind": schema.name, "country": None,
                                      "is_pep": False, "label": None})
        node["is_pep"] = node["is_pep"] or "role.pep" in topics
        node["country"] = node["country"] or country
        if view.id == cid or node["label"] is None:
            node["label"] = view.entity.caption
    for cid, node in nodes.items():
        if cid in naming and not naming[cid].named:
            node["label"] = "(individual below the evidentiary standard)"
    return pl.DataFrame(list(nodes.values()), schema={
        "id": pl.Utf8, "kind": pl.Utf8, "country": pl.Utf8, "is_pep": pl.Boolean,
        "label": pl.Utf8})


def _transfers(store: Store, clearance: Clearance, res: Resolution) -> pl.DataFrame:
    """Payment entities and Transfer records, one row per transfer: a Transfer record that a
    Payment already gives (same transaction number) adds only its channel, which FtM's
    Payment does not carry."""
    rows: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for view in res.views.values():
        if view.entity.schema.name != "Payment":
            continue
        payer, payee = first_value(view, "payer"), first_value(view, "beneficiary")
        amount, date = first_value(view, "amount"), first_value(view, "date")
        if not (payer and payee and amount and date):
            continue
        number = first_value(view, "transactionNumber")
        rows.append({"id": number or view.id, "payer": payer, "payee": payee,
                     "amount": float(amount), "currency": first_value(view, "currency") or "",
                     "date": date[:10], "purpose": first_value(view, "purpose"), "channel": None})
        if number:
            seen[number] = rows[-1]
    table = read_records(store, "Transfer", clearance, columns=[
        "record_id", "date", "amount", "currency", "from_entity", "to_entity", "channel",
        "purpose"]).table
    for r in table.to_pylist():
        if r["record_id"] in seen:
            seen[r["record_id"]]["channel"] = r["channel"]
            continue
        if not (r["from_entity"] and r["to_entity"]):
            continue
        rows.append({"id": r["record_id"], "payer": r["from_entity"], "payee": r["to_entity"],
                     "amount": float(r["amount"]), "currency": r["currency"] or "",
                     "date": str(r["date"])[:10], "purpose": r["purpose"],
                     "channel": r["channel"]})
    schema = {"id": pl.Utf8, "payer": pl.Utf8, "payee": pl.Utf8, "amount": pl.Float64,
              "currency": pl.Utf8, "date": pl.Utf8, "purpose": pl.Utf8, "channel": pl.Utf8}
    frame = pl.DataFrame(rows, schema=schema)
    return frame.with_columns(pl.col("date").str.to_date(strict=False)).drop_nulls("date")


def _any_link(edges: pl.DataFrame, params: NetworkParams) -> bool:
    """Whether any link (not a self-link) meets the grade: analyse_network needs one."""
    need = threshold_ranks(params.min_grade)
    for source, target, grade in edges.select("source", "target", "grade").iter_rows():
        ranks = grade_ranks(grade) or (6, 6)
        if source != target and ranks[0] <= need[0] and ranks[1] <= need[1]:
            return True
    return False


def analyse_traffickers(store: Store, clearance: Clearance, work: Path | None,
                        params: TraffickerParams | None = None, progress: bool = False
                        ) -> TraffickerResult:
    """Resolve, build and analyse the network, trace the money, apply the standard.

    Args:
        store: the open store.
        clearance: the reader (only what it may see is read, and the result says so).
        work: folder for resumable resolution (see ``resolve_entities``).
        params: methodology choices, including the evidentiary standard.
        progress: show a progress bar on stderr.
    """
    p = params or TraffickerParams()
    res = resolve_entities(store, clearance, work, p, progress)
    edges, linked = _links(res)
    naming = _naming(res, linked, p.standard)
    nodes = _nodes(res, naming)
    links = edges.drop("entity_id")
    network = analyse_network(nodes, links, p.network) if _any_link(links, p.network) \
        else None
    transfers = _transfers(store, clearance, res)
    companies = tuple(nodes.filter(pl.col("kind") == "Company")["id"].to_list())
    mapping = {vid: res.canonical_id(vid) for vid in res.views}
    money = trace_money(transfers, mapping, p.money, companies) if transfers.height else None
    tlp = strictest_tlp(v.tlp for v in res.views.values()) if res.views else "CLEAR"
    return TraffickerResult(res, network, money, naming, p, clearance.describe(), tlp)
