"""Entity networks: metrics against networkx, the grade filter, exports, simulated truth."""

from __future__ import annotations

import io
import itertools

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl
import pytest
from followthemoney import model

from tocta.analytics.networks import NetworkParams, NetworkResult, analyse_network
from tocta.analytics.networks_export import (
    ftm_relations,
    gephi_csv,
    graphml_text,
    to_networkx,
)
from tocta.analytics.networks_graph import build_graph
from tocta.analytics.networks_metrics import (
    betweenness,
    greedy_key_players,
    removal_reductions,
)


def tables(g: nx.Graph, kind: str = "Person") -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = [f"n{v:03d}" for v in g.nodes]
    nodes = pl.DataFrame({"id": ids, "kind": [kind] * len(ids)})
    edges = pl.DataFrame({"source": [f"n{a:03d}" for a, _ in g.edges],
                          "target": [f"n{b:03d}" for _, b in g.edges],
                          "relation": ["associate"] * g.number_of_edges(),
                          "grade": ["admiralty:B2"] * g.number_of_edges()},
                         schema={"source": pl.Utf8, "target": pl.Utf8, "relation": pl.Utf8,
                                 "grade": pl.Utf8})
    return nodes, edges


def relabel(g: nx.Graph) -> nx.Graph:
    return nx.relabel_nodes(g, {v: f"n{v:03d}" for v in g.nodes})


GRAPHS = [(40, 70, 1), (60, 90, 2), (30, 45, 3), (80, 200, 4)]


@pytest.mark.parametrize(("n", "m", "seed"), GRAPHS, ids=[f"gnm{n}-{m}" for n, m, _ in GRAPHS])
def test_centrality_matches_networkx(n: int, m: int, seed: int) -> None:
    g = nx.gnm_random_graph(n, m, seed=seed)
    result = analyse_network(*tables(g), NetworkParams(min_grade=None))
    ref = relabel(g)
    got = {r["id"]: r for r in result.nodes.iter_rows(named=True)}
    deg = dict(ref.degree())
    btw = nx.betweenness_centrality(ref, normalized=False)
    pr = nx.pagerank(ref, alpha=0.85, tol=1e-12)
    for v in ref.nodes:
        assert got[v]["degree"] == deg[v]
        assert got[v]["betweenness"] == pytest.approx(btw[v], abs=1e-9)
        assert got[v]["pagerank"] == pytest.approx(pr[v], abs=1e-6)
    assert result.betweenness_method.startswith("exact")


def _pairs_after(g: nx.Graph, removed: set) -> int:
    h = g.subgraph([v for v in g.nodes if v not in removed])
    return sum(len(c) * (len(c) - 1) for c in nx.connected_components(h))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_single_removal_effect_matches_brute_force(seed: int) -> None:
    g = nx.gnm_random_graph(35, 45, seed=seed)
    got = removal_reductions(ig.Graph(n=35, edges=list(g.edges)))
    base = _pairs_after(g, set())
    for comp in nx.connected_components(g):
        size = len(comp)
        for v in comp:
            h = g.subgraph(comp - {v})
            after = sum(len(c) * (len(c) - 1) for c in nx.connected_components(h))
            assert got[v] == size * (size - 1) - after
    assert base > 0


@pytest.mark.parametrize("kind", ["tree", "sparse", "forest_and_pairs"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_removal_effect_on_graphs_full_of_articulation_points(kind: str, seed: int) -> None:
    # the block-cut forest: chains of bridges, several trees, components of one or two
    if kind == "tree":
        g = nx.random_labeled_tree(60, seed=seed)
    elif kind == "sparse":
        g = nx.gnm_random_graph(60, 62, seed=seed)
    else:
        g = nx.disjoint_union_all([nx.random_labeled_tree(20, seed=seed), nx.path_graph(2),
                                   nx.empty_graph(3), nx.gnm_random_graph(25, 30, seed=seed)])
    n = g.number_of_nodes()
    got = removal_reductions(ig.Graph(n=n, edges=list(g.edges)))
    for comp in nx.connected_components(g):
        size = len(comp)
        for v in comp:
            after = sum(len(c) * (len(c) - 1) for c in nx.connected_components(
                g.subgraph(comp - {v})))
            assert got[v] == size * (size - 1) - after


@pytest.mark.parametrize("seed", [2, 5])
def test_greedy_key_players_within_a_subset_among_candidates(seed: int) -> None:
    g = nx.gnm_random_graph(50, 60, seed=seed)
    rng = np.random.default_rng(seed)
    verts = sorted(rng.choice(50, size=35, replace=False).tolist())
    cand = rng.random(50) < 0.7
    picks = greedy_key_players(ig.Graph(n=50, edges=list(g.edges)), verts[::-1], cand, 4)
    h = g.subgraph(verts)
    removed: set[int] = set()
    for v, cut, _, _ in picks:
        current = _pairs_after(h, removed)
        sizes = {u: len(c) for c in nx.connected_components(h.subgraph(set(verts) - removed))
                 for u in c}
        best = min((_pairs_after(h, removed | {u}), u) for u in verts
                   if u not in removed and cand[u] and sizes[u] > 2)
        assert (v, cut) == (best[1], current - best[0])
        removed.add(v)


@pytest.mark.parametrize("seed", [1, 7, 11])
def test_greedy_key_players_match_brute_force_greedy(seed: int) -> None:
    g = nx.gnm_random_graph(30, 40, seed=seed)
    picks = greedy_key_players(ig.Graph(n=30, edges=list(g.edges)), list(range(30)),
                               np.ones(30, dtype=bool), 4)
    removed: set[int] = set()
    for v, cut, before, after in picks:
        current = _pairs_after(g, removed)
        best = min((_pairs_after(g, removed | {u}), u) for u in g.nodes if u not in removed)
        assert v == best[1]
        assert cut == current - best[0]
        removed.add(v)
        n = 30 - len(removed)
        assert after == pytest.approx(1 - best[0] / (n * (n - 1)))
        assert after >= before
    assert len(picks) == 4


def test_sampled_betweenness_is_exact_with_every_pivot_and_close_with_fewer() -> None:
    import igraph as ig
    g = ig.Graph.Barabasi(400, 2, directed=False)
    exact, how = betweenness(g, exact_limit=10_000)
    full, how_full = betweenness(g, exact_limit=100, samples=400)
    assert np.allclose(exact, full) and how == how_full
    est, how_est = betweenness(g, exact_limit=100, samples=100, seed=3)
    assert how_est.startswith("sampled: 100 pivot")
    assert np.corrcoef(exact, est)[0, 1] > 0.9
    assert est.sum() == pytest.approx(exact.sum(), rel=0.2)
    bounded, how_bounded = betweenness(g, cutoff=2)
    assert how_bounded.startswith("bounded") and np.all(bounded <= exact + 1e-9)


GRADE_EDGES = pl.DataFrame({
    "source": ["a", "a", "b", "c", "d", "e", "e", "f"],
    "target": ["b", "c", "c", "d", "e", "f", "f", "a"],
    "relation": ["associate", "ownership", "payment", "family", "associate", "payment",
                 "payment", "membership"],
    "grade": ["admiralty:A1", "B3", "admiralty:C1", "3x5x2:1B", None, "europol4x4:B2",
              "admiralty:E5", "nonsense"]})
GRADE_NODES = pl.DataFrame({"id": list("abcdef"), "kind": ["Person"] * 6})


@pytest.mark.parametrize(("min_grade", "kept"), [
    ("B2", {("a", "b"), ("c", "d"), ("e", "f")}),
    ("admiralty:A1", {("a", "b")}),
    ("C3", {("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("e", "f")}),
    (None, {("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "f"),
            ("a", "f")}),
], ids=["B2", "A1", "C3", "any"])
def test_grade_filter_keeps_links_meeting_both_halves(min_grade: str | None, kept: set) -> None:
    eg = build_graph(GRADE_NODES, GRADE_EDGES, min_grade)
    names = eg.graph.vs["name"]
    got = {tuple(sorted((names[e.source], names[e.target]))) for e in eg.graph.es}
    assert got == kept
    assert eg.ungraded == 2
    assert eg.records_read == eg.records_kept + eg.below_grade + eg.self_loops


def test_merged_link_carries_best_grade_and_weakest_is_reported() -> None:
    eg = build_graph(GRADE_NODES, GRADE_EDGES, "E5")
    e = eg.graph.es[eg.graph.get_eid(eg.graph.vs.find(name="e").index,
                                     eg.graph.vs.find(name="f").index)]
    assert (e["records"], e["reliability"], e["credibility"]) == (2, 2, 2)
    assert eg.weakest_code == "E5"
    assert build_graph(GRADE_NODES, GRADE_EDGES, "B2").weakest_code == "B2"
    with pytest.raises(ValueError, match="not a grade"):
        NetworkParams(min_grade="Z9")


def two_clans() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two cliques of five joined through one broker; an official tied to one clan."""
    edges = [(f"x{i}", f"x{j}") for i, j in itertools.combinations(range(5), 2)]
    edges += [(f"y{i}", f"y{j}") for i, j in itertools.combinations(range(5), 2)]
    edges += [("x0", "broker"), ("broker", "y0"), ("x1", "official"), ("y4", "acme")]
    ids = sorted({v for e in edges for v in e})
    nodes = pl.DataFrame({"id": ids, "kind": ["Company" if v == "acme" else "Person"
                                              for v in ids],
                          "is_pep": [v == "official" for v in ids]})
    return nodes, pl.DataFrame({"source": [a for a, _ in edges],
                                "target": [b for _, b in edges],
                                "relation": ["associate"] * len(edges), "grade": "B2"})


def test_broker_key_player_and_pep_paths_on_two_clans() -> None:
    r = analyse_network(*two_clans(), NetworkParams(key_player_scope="graph",
                                                    key_players_per_group=1, pep_hops=2))
    assert r.key_players["id"].to_list() == ["broker"]
    assert r.key_players["fragmentation_after"][0] > 0.5
    assert set(r.brokers.head(3)["id"]) >= {"broker"}
    near = {(row["id"], row["hops"]) for row in r.pep_links.iter_rows(named=True)}
    assert ("x1", 1) in near and ("x0", 2) in near and ("x2", 2) in near
    assert not any(v in ("broker", "y0") for v, _ in near)
    assert "acme" not in set(r.brokers["id"])  # only persons are ranked by default
    text = r.explain()
    assert "B2 or better" in text and "Key players" in text and "broker" in text


def test_equal_ties_across_go_to_the_broker_carrying_more_paths() -> None:
    """Both have one tie into another clan; the gate (four ties in its clan, the only way to
    clan b) carries more shortest paths than the drifter (one tie each side, towards a
    triangle), whose participation coefficient is nonetheless higher."""
    def clique(p: str, n: int) -> list[tuple[str, str]]:
        return [(f"{p}{i}", f"{p}{j}") for i, j in itertools.combinations(range(n), 2)]
    edges = clique("a", 6) + clique("b", 6) + clique("c", 3)
    edges += [("gate", f"a{i}") for i in range(4)] + [("gate", "b0"), ("drifter", "a5"),
                                                      ("drifter", "c0")]
    ids = sorted({v for e in edges for v in e})
    r = analyse_network(pl.DataFrame({"id": ids, "kind": "Person"}),
                        pl.DataFrame({"source": [a for a, _ in edges],
                                      "target": [b for _, b in edges],
                                      "relation": "associate", "grade": "B2"}))
    row = {x["id"]: x for x in r.brokers.iter_rows(named=True)}
    assert row["gate"]["bridge_ties"] == row["drifter"]["bridge_ties"] == 1
    assert row["drifter"]["participation"] > row["gate"]["participation"]
    assert r.brokers["id"][0] == "gate"
    assert row["drifter"]["broker_rank"] == r.brokers.height


def test_links_keep_which_way_their_flows_go() -> None:
    edges = pl.DataFrame({"source": ["a", "d", "b", "c", "e", "e"],
                          "target": ["b", "a", "c", "b", "f", "f"],
                          "relation": ["payment", "payment", "payment", "payment", "payment",
                                       "associate"], "grade": "B2"})
    eg = build_graph(pl.DataFrame({"id": list("abcdef")}), edges)
    names = eg.graph.vs["name"]
    got = {(names[e.source], names[e.target]): int(d)
           for e, d in zip(eg.graph.es, eg.direction, strict=True)}
    # a→b source to target; d→a target to source; b↔c both ways; e–f also associates
    assert got == {("a", "b"): 1, ("a", "d"): -1, ("b", "c"): 0, ("e", "f"): 0}
    two_way = build_graph(pl.DataFrame({"id": list("abcdef")}), edges, flow_relations=())
    assert not two_way.direction.any()



def test_links_merge_on_id_order_with_unknown_and_non_ascii_ends() -> None:
    # ends unknown to the node table and ids whose order is not the table's: links merged
    # per unordered pair, the source of each the lower id, payments keeping their way
    edges = pl.DataFrame({"source": ["Ölfirma", "z9", "A", "z9", "Zed", "Ölfirma"],
                          "target": ["Zed", "Ölfirma", "z9", "A", "Ölfirma", "Zed"],
                          "relation": ["payment", "associate", "payment", "family",
                                       "payment", "payment"], "grade": "B2"})
    eg = build_graph(pl.DataFrame({"id": ["z9", "A"]}), edges)
    names = eg.graph.vs["name"]
    assert names == sorted(names) == ["A", "Zed", "z9", "Ölfirma"]
    assert eg.unknown_nodes == 2
    got = {(names[e.source], names[e.target]): (e["relation"], e["records"], int(d))
           for e, d in zip(eg.graph.es, eg.direction, strict=True)}
    assert got == {("A", "z9"): ("family;payment", 2, 0), ("Zed", "Ölfirma"): ("payment", 3, 0),
                   ("z9", "Ölfirma"): ("associate", 1, 0)}
    one_way = build_graph(pl.DataFrame({"id": ["z9", "A"]}), edges.head(3))
    # A pays z9 (source to target); Ölfirma pays Zed (target to source); z9–Ölfirma both
    assert one_way.direction.tolist() == [1, -1, 0]

def clans_with_payer_and_broker() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clan a's payer pays into clans b and d (three ties across); clan a's broker is paid by
    two members of clan c (two ties across). Each has three associates in clan a."""
    def clique(p: str) -> list[tuple[str, str, str]]:
        return [(f"{p}{i}", f"{p}{j}", "associate") for i, j in itertools.combinations(range(5), 2)]
    edges = clique("a") + clique("b") + clique("c") + clique("d")
    edges += [("payer", f"a{i}", "associate") for i in range(3)]
    edges += [("broker", f"a{i}", "associate") for i in range(2, 5)]
    edges += [("payer", "b0", "payment"), ("payer", "b1", "payment"), ("payer", "d0", "payment"),
              ("c0", "broker", "payment"), ("c1", "broker", "payment")]
    ids = sorted({v for e in edges for v in e[:2]})
    return (pl.DataFrame({"id": ids, "kind": "Person"}),
            pl.DataFrame({"source": [e[0] for e in edges], "target": [e[1] for e in edges],
                          "relation": [e[2] for e in edges], "grade": "B2"}))


def test_brokers_are_ranked_by_ties_through_which_flows_come_in() -> None:
    """The payer has more ties across, but all are its own payments out (its group buying
    from others); the broker is paid from another group. Treating payments as two-way ranks
    the payer first, as before."""
    nodes, edges = clans_with_payer_and_broker()
    r = analyse_network(nodes, edges)
    row = {x["id"]: x for x in r.nodes.iter_rows(named=True)}
    assert row["payer"]["community"] == row["broker"]["community"] == row["a0"]["community"]
    assert (row["payer"]["bridge_ties"], row["payer"]["inflow_ties"]) == (3, 0)
    assert (row["broker"]["bridge_ties"], row["broker"]["inflow_ties"]) == (2, 2)
    assert r.brokers["id"].index_of("broker") < r.brokers["id"].index_of("payer")
    undirected = analyse_network(nodes, edges, NetworkParams(flow_relations=()))
    assert undirected.brokers["id"].index_of("payer") < undirected.brokers["id"].index_of("broker")
    assert "broker (2 ties in from, 2 ties to 1 other communities)" in r.explain()


def gate_holder_and_star() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two cliques of four joined only through a gate; a holder tied to two members of one
    clique holds eight accounts; apart, a namesake pays four strangers."""
    edges = [(f"x{i}", f"x{j}", "associate") for i, j in itertools.combinations(range(4), 2)]
    edges += [(f"y{i}", f"y{j}", "associate") for i, j in itertools.combinations(range(4), 2)]
    edges += [("gate", "x0", "associate"), ("gate", "y0", "associate"),
              ("holder", "x1", "associate"), ("holder", "x2", "associate")]
    edges += [("holder", f"acct{i}", "ownership") for i in range(8)]
    edges += [("namesake", f"stranger{i}", "payment") for i in range(4)]
    ids = sorted({v for e in edges for v in e[:2]})
    kinds = ["BankAccount" if v.startswith("acct") else "Person" for v in ids]
    return (pl.DataFrame({"id": ids, "kind": kinds}),
            pl.DataFrame({"source": [e[0] for e in edges], "target": [e[1] for e in edges],
                          "relation": [e[2] for e in edges], "grade": "B2"}))


def test_pendant_vertices_do_not_make_key_players() -> None:
    """Counting the accounts, the holder's removal cuts more pairs (234 of 306) than the
    gate's (138), and the namesake fragments its star of five completely; among the vertices
    with two ties in their group, the gate alone splits the cliques (58 of 90 pairs)."""
    nodes, edges = gate_holder_and_star()
    one = NetworkParams(key_player_scope="graph", key_players_per_group=1)
    assert analyse_network(nodes, edges, one).key_players["id"].to_list() == ["gate"]
    assert analyse_network(nodes, edges, one).key_players["pairs_cut"].to_list() == [58]
    counted = analyse_network(nodes, edges,
                              NetworkParams(key_player_scope="graph", key_players_per_group=1,
                                            count_pendants=True))
    assert counted.key_players.select("id", "pairs_cut").rows() == [("holder", 234)]
    per_community = analyse_network(nodes, edges, NetworkParams(key_players_per_group=2))
    assert "namesake" not in per_community.key_players["id"].to_list()
    assert "namesake" in analyse_network(nodes, edges, NetworkParams(
        key_players_per_group=2, count_pendants=True)).key_players["id"].to_list()


def test_exports_read_back() -> None:
    r = analyse_network(*two_clans())
    g = nx.read_graphml(io.BytesIO(graphml_text(r).encode("utf-8")))
    assert g.number_of_nodes() == 13 and g.number_of_edges() == 24
    assert g.nodes["broker"]["kind"] == "Person" and g.edges["x0", "broker"]["grade"] == "B2"
    assert nx.utils.graphs_equal(nx.Graph(g.edges), nx.Graph(to_networkx(r).edges))
    nodes_csv, edges_csv = gephi_csv(r)
    assert nodes_csv.splitlines()[0].startswith("Id,Label,")
    assert edges_csv.splitlines()[0].startswith("Source,Target,Type,Weight")
    assert len(edges_csv.splitlines()) == 25
    entities = ftm_relations(r.edges)
    assert len(entities) == 24
    for data in entities:
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.schema.name == "Associate"
        assert proxy.first("person") and proxy.first("associate")
    payment = ftm_relations(pl.DataFrame({"source": ["a"], "target": ["b"],
                                          "relation": ["payment;ownership"]}))
    assert [e["schema"] for e in payment] == ["Payment", "Ownership"]
    assert payment[1]["properties"] == {"owner": ["a"], "asset": ["b"]}


# --- the simulated world: truth ids stand in for resolved ids ----------------------------

SIM_SEED = 9
GRADE_OF = {"FIU": "admiralty:A2", "POL": "admiralty:B2", "CUS": "admiralty:B2"}


def simulated_tables(seed: int = SIM_SEED) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """Nodes and relation records from the agencies' entity and transfer files, with the
    truth ids as resolved ids; payments kept where a party is in an entity file."""
    from tests.simulate.test_actors import small_context
    from tocta.simulate.actors import simulate_actors
    from tocta.simulate.context import ActorParams, MoneyParams
    from tocta.simulate.money import simulate_money

    ctx = small_context(actors=ActorParams(groups_per_commodity=8),
                        money=MoneyParams(max_transfers=20_000))
    world = simulate_actors(ctx, np.random.default_rng(seed))
    money = simulate_money(ctx, world, np.random.default_rng(seed + 1))
    grade = pl.col("agency").str.slice(0, 3).replace_strict(GRADE_OF)
    rec = world.records
    rel = (rec.filter(pl.col("true_id").str.contains(":"))
           .with_columns(pl.col("true_id").str.split(":").alias("p"))
           .select(pl.col("p").list.get(1).alias("source"),
                   pl.col("p").list.get(2).alias("target"),
                   pl.col("p").list.get(0).str.to_lowercase().alias("relation"),
                   grade.alias("grade")))
    ents = (rec.filter(~pl.col("true_id").str.contains(":")).group_by("true_id")
            .agg(pl.col("schema").first(), pl.col("is_pep").any()))
    known = ents["true_id"].implode()
    t = money.transfers.filter(pl.col("agency").is_not_null())
    pay = (t.filter(pl.col("from_party").is_in(known) | pl.col("to_party").is_in(known))
           .select(pl.col("from_party").alias("source"), pl.col("to_party").alias("target"),
                   pl.lit("payment").alias("relation"), grade.alias("grade")))
    parties = money.parties.select(
        pl.col("party_id").alias("id"),
        pl.col("kind").replace({"person": "Person", "company": "Company"}).alias("kind"),
        "country", "is_pep")
    nodes = pl.concat([parties, ents.filter(~pl.col("true_id").is_in(parties["id"].implode()))
                       .select(pl.col("true_id").alias("id"), pl.col("schema").alias("kind"),
                               pl.lit(None, pl.Utf8).alias("country"), "is_pep")])
    roles = dict(world.people.select("person_id", "role").iter_rows())
    return nodes, pl.concat([rel, pay]), roles


def precision_at(ranked: list[str], roles: dict, wanted: set[str], k: int) -> float:
    top = ranked[:k]
    return sum(roles.get(x) in wanted for x in top) / max(1, len(top))


def leader_precision(r: NetworkResult, roles: dict) -> dict[str, float]:
    """Precision@k of the brokers (organizers and brokers; k = the number planted) and of the
    key players (the leadership: organizers, financiers, brokers; k = the number planted, or
    as many key players as were found when fewer), and of each against organizers only."""
    count = {role: sum(v == role for v in roles.values())
             for role in ("organizer", "broker", "financier")}
    k = count["organizer"] + count["broker"]
    brokers = r.brokers["id"].to_list()
    ranked = r.key_players.sort("pairs_cut", descending=True)["id"].to_list()
    return {"k_brokers": k,
            "brokers_p@k": precision_at(brokers, roles, {"organizer", "broker"}, k),
            "brokers_p@k_organizers": precision_at(brokers, roles, {"organizer"},
                                                   count["organizer"]),
            "key_players": len(ranked),
            "key_p@k_leadership": precision_at(ranked, roles,
                                               {"organizer", "financier", "broker"},
                                               sum(count.values())),
            "key_p@k_organizers": precision_at(ranked, roles, {"organizer"},
                                               count["organizer"])}


def test_simulated_world_brokers_and_key_players_recover_planted_roles() -> None:
    nodes, edges, roles = simulated_tables()
    r = analyse_network(nodes, edges, NetworkParams(key_players_per_group=2))
    # brokers between communities: organizers and brokers tie the groups together (supplier
    # payments, associates); key players fragment their group: the leadership
    f = leader_precision(r, roles)
    print(f"brokers precision@{f['k_brokers']} = {f['brokers_p@k']:.2f}; key players "
          f"precision@{f['key_players']} (leadership) = {f['key_p@k_leadership']:.2f}")
    assert f["brokers_p@k"] >= 0.8
    assert f["key_p@k_leadership"] >= 0.8
    peps = set(nodes.filter(pl.col("is_pep"))["id"])
    linked_organizers = {row["id"] for row in r.pep_links.iter_rows(named=True)
                         if row["hops"] == 1 and roles.get(row["id"]) == "organizer"}
    assert peps and linked_organizers  # officials are associates of organizers


@pytest.mark.parametrize(("seed", "brokers", "key_players"), [(5, 0.88, 0.81)], ids=["seed5"])
def test_simulated_world_figures(seed: int, brokers: float, key_players: float) -> None:
    """The bench's figures on seed 5 (bench/networks.py), within one rank either way: brokers
    precision@k (organizers and brokers, k planted) and key players precision@k
    (leadership). Before 2026-12-06 they were 0.85 and 0.76: see docs/methodology."""
    nodes, edges, roles = simulated_tables(seed)
    r = analyse_network(nodes, edges, NetworkParams(key_players_per_group=2))
    f = leader_precision(r, roles)
    assert f["brokers_p@k"] == pytest.approx(brokers, abs=1.01 / f["k_brokers"])
    assert f["key_p@k_leadership"] == pytest.approx(key_players, abs=1.01 / f["key_players"])


def test_results_do_not_depend_on_the_order_of_the_tables() -> None:
    # seeded Leiden on a graph whose vertices came in another order found other communities
    # (seed 7 gave brokers 0.83 alone and 0.79 after seed 5: polars grouped rows differently)
    nodes, edges, _ = simulated_tables(7)
    params = NetworkParams(key_players_per_group=2)
    a = analyse_network(nodes, edges, params)
    b = analyse_network(nodes.sample(fraction=1.0, shuffle=True, seed=3),
                        edges.sample(fraction=1.0, shuffle=True, seed=4), params)
    assert a.nodes.sort("id")["community"].equals(b.nodes.sort("id")["community"])
    assert a.brokers["id"].to_list() == b.brokers["id"].to_list()
    assert a.key_players["id"].to_list() == b.key_players["id"].to_list()


def test_no_link_meets_the_grade_gives_an_empty_graph() -> None:
    from tocta.analytics.networks_graph import build_graph

    nodes = pl.DataFrame({"id": ["a", "b"]})
    edges = pl.DataFrame({"source": ["a"], "target": ["b"], "relation": ["associate"],
                          "grade": ["admiralty:C3"]})
    graph = build_graph(nodes, edges, min_grade="B2")
    assert graph.graph.ecount() == 0 and graph.graph.vcount() == 2
    empty = build_graph(nodes, edges.head(0))
    assert empty.graph.ecount() == 0
