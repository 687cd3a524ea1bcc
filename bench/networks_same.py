"""Check that a change to the network code leaves every ``NetworkResult`` frame as it was.

    # at the old commit, then at the new one (same graphs: Barabási–Albert seeded, simulated)
    PYTHONPATH=src:. .venv/bin/python bench/networks_same.py dump /tmp/old --nodes 200000
    PYTHONPATH=src:. .venv/bin/python bench/networks_same.py dump /tmp/new --nodes 200000
    .venv/bin/python bench/networks_same.py compare /tmp/old /tmp/new

``dump`` writes the frames of ``analyse_network`` on a scale-free graph of ``--nodes``
entities (5 links per node, every grade kept, as ``bench/networks.py --min-grade none``) and
on the simulated worlds of seeds 5, 7 and 9 (as its accuracy part). ``compare`` asserts them
equal, exactly — but PageRank, which igraph's PRPACK returns with different last bits from
one call to the next on the same graph (≤ 1e-17 on 200,000 nodes), within 1e-15.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import polars as pl
from bench.networks import SEEDS, scale_free_tables
from polars.testing import assert_frame_equal
from tests.analytics.test_networks import simulated_tables

from tocta.analytics.networks import NetworkParams, NetworkResult, analyse_network

FRAMES = ("nodes", "edges", "communities", "key_players", "brokers", "pep_links")


def write_frames(result: NetworkResult, out: Path, name: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for frame in FRAMES:
        getattr(result, frame).write_parquet(out / f"{name}_{frame}.parquet")


def dump(out: Path, nodes: int) -> None:
    random.seed(1)  # igraph's Barabási–Albert draws from Python's random
    node_table, edges = scale_free_tables(nodes, 1, 5)
    write_frames(analyse_network(node_table, edges, NetworkParams(
        min_grade=None, betweenness_samples=256)), out, f"scale_free_{nodes}")
    for seed in SEEDS:
        node_table, edges, _ = simulated_tables(seed)
        write_frames(analyse_network(node_table, edges, NetworkParams(
            key_players_per_group=2)), out, f"simulated_{seed}")


def compare(old: Path, new: Path) -> None:
    files = sorted(p.name for p in old.glob("*.parquet"))
    assert files == sorted(p.name for p in new.glob("*.parquet")), "different runs dumped"
    for name in files:
        a, b = pl.read_parquet(old / name), pl.read_parquet(new / name)
        if "pagerank" in a.columns:
            assert_frame_equal(a.select("pagerank"), b.select("pagerank"), abs_tol=1e-15)
            a, b = a.drop("pagerank"), b.drop("pagerank")
        assert_frame_equal(a, b, check_exact=True)
        print(f"{name}: {a.height:,} rows identical")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--nodes", type=int, default=200_000)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out, args.nodes)
    else:
        compare(args.old, args.new)


if __name__ == "__main__":
    main()
