"""Exports of an analysed network: networkx, GraphML, Gephi CSV and FtM relation entities.

Functions return text or plain data — writing files is the caller's job (services, CLI).
Gephi's spreadsheet import reads ``Id`` (and ``Label``) in the node table and ``Source``,
``Target``, ``Type``, ``Weight`` in the edge table; other columns become attributes. FtM
relations are shaped as ``followthemoney`` entity JSON (``id``, ``schema``, ``properties``
with list values); the grade and record count of each link go into ``description``, since
FtM has no grade property.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import networkx as nx
import polars as pl

from tocta.analytics.networks import NetworkResult
from tocta.analytics.networks_graph import RELATION_SCHEMATA

__all__ = ["ftm_relations", "gephi_csv", "gephi_tables", "graphml_text", "to_networkx"]

_NODE_ATTRS = ("kind", "country", "is_pep", "label", "degree", "strength", "betweenness",
               "pagerank", "community", "participation", "bridge_ties", "inflow_ties",
               "broker_rank", "key_player_rank", "pep_hops")


def to_networkx(result: NetworkResult) -> nx.Graph:
    """The analysed graph as a networkx Graph with metrics as node attributes (for small
    graphs and exports; None values are left out, as GraphML cannot hold them)."""
    g = nx.Graph()
    for row in result.nodes.iter_rows(named=True):
        g.add_node(row["id"], **{k: row[k] for k in _NODE_ATTRS if row.get(k) is not None})
    for row in result.edges.iter_rows(named=True):
        g.add_edge(row["source"], row["target"], relation=row["relation"],
                   weight=float(row["weight"]), records=int(row["records"]),
                   grade=row["grade"])
    return g


def graphml_text(result: NetworkResult) -> str:
    """GraphML of the analysed graph (readable by networkx, Gephi, yEd, Cytoscape)."""
    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(result), buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def gephi_tables(result: NetworkResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Node and edge tables in Gephi's spreadsheet-import columns."""
    nodes = result.nodes.select(pl.col("id").alias("Id"), pl.col("label").alias("Label"),
                                *[c for c in _NODE_ATTRS if c != "label"])
    edges = result.edges.select(pl.col("source").alias("Source"),
                                pl.col("target").alias("Target"),
                                pl.lit("Undirected").alias("Type"),
                                pl.col("weight").alias("Weight"),
                                pl.col("relation").alias("Label"), "records", "grade")
    return nodes, edges


def gephi_csv(result: NetworkResult) -> tuple[str, str]:
    """``nodes.csv`` and ``edges.csv`` texts for Gephi."""
    nodes, edges = gephi_tables(result)
    return nodes.write_csv(), edges.write_csv()


def _relation_id(relation: str, a: str, b: str) -> str:
    return hashlib.sha1(f"tocta-network:{relation}:{a}:{b}".encode()).hexdigest()


def ftm_relations(edges: pl.DataFrame) -> list[dict[str, Any]]:
    """FtM-shaped entity dicts for relation rows (``source``, ``target``, ``relation`` and
    optionally ``grade``, ``records``, ``weight``); merged rows (``a;b``) give one entity per
    relation; relations FtM has no schema for are left out."""
    out: list[dict[str, Any]] = []
    for row in edges.iter_rows(named=True):
        for relation in str(row["relation"]).split(";"):
            schema = RELATION_SCHEMATA.get(relation.strip().lower())
            if schema is None:
                continue
            name, first, second = schema
            props: dict[str, list[str]] = {first: [row["source"]], second: [row["target"]]}
            notes = []
            if row.get("grade"):
                notes.append(f"grade {row['grade']}")
            if row.get("records") is not None:
                notes.append(f"{row['records']} record(s)")
            if notes:
                props["description"] = ["; ".join(notes)]
            out.append({"id": _relation_id(relation, row["source"], row["target"]),
                        "schema": name, "properties": props})
    return out
