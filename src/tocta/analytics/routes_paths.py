"""From seizure record classes to candidate paths and the likelihood of each class on each path.

A record class is the seizures of one commodity in one country with the same reported origin,
transits and destination. Its **skeleton** is the ordered list of points it reports:
origin → transits → seizing country → destination. A skeleton says the goods went that way
*by some route*, not that consecutive points are direct legs; the candidate paths are the
ways the transport graph and the other records allow between them.

Candidate paths run from a reported origin to a destination (a reported destination or a
seizing country). They are the ``k`` cheapest simple paths in the transport graph when legs
that some record reports as consecutive points cost one unit and legs nobody reports cost
more (see ``UNREPORTED_LEG``): so the paths follow what the records say and fill the gaps with
the cheapest links.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from tocta.analytics.transport import TransportGraph

#: Cost of a leg no record reports, relative to one that some record reports.
UNREPORTED_LEG = 2.5
#: A reported origin or destination counts as a path end when it carries this share of the
#: reported ends (rarer ones are mostly misreports and are explained as noise).
MIN_END_SHARE = 0.01
MAX_PATH_LEN = 7
DIRECTION_SLACK = 0.25


@dataclass(frozen=True)
class NoiseModel:
    """How a reported origin, destination or transit relates to the true path.

    A reported origin is the path's first country with probability ``end``, another country
    upstream of the seizure (the country of departure) with ``upstream``, and any country
    at all with the rest (misreport). Destinations mirror this downstream. A reported transit
    is a country between the origin and the seizure with probability ``1 - stray``.
    """

    end: float = 0.65
    upstream: float = 0.25
    stray: float = 0.1


@dataclass
class ClassTable:
    """Record classes of one commodity as arrays (one row per class)."""

    country: list[str]
    origin: list[str | None]
    transit: list[tuple[str, ...]]
    destination: list[str | None]
    weight: np.ndarray     # records (or volume) per class
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.country)

    def skeleton(self, i: int) -> tuple[str, ...]:
        """The reported points of class ``i`` in path order."""
        points: list[str] = []
        for p in (self.origin[i], *self.transit[i], self.country[i], self.destination[i]):
            if p is not None and (not points or points[-1] != p) and p not in points:
                points.append(p)
        return tuple(points)


def reported_pairs(classes: ClassTable) -> dict[tuple[str, str], float]:
    """Weight of records reporting ``a`` immediately before ``b`` in their skeleton."""
    pairs: dict[tuple[str, str], float] = defaultdict(float)
    for i in range(len(classes)):
        s = classes.skeleton(i)
        for a, b in zip(s, s[1:], strict=False):
            pairs[(a, b)] += float(classes.weight[i])
    return dict(pairs)


def path_ends(classes: ClassTable) -> tuple[list[str], list[str], dict[str, float]]:
    """Countries where candidate paths start (sources) and end (markets).

    Direction comes from the skeletons: a country reported *before* other points (as an
    origin, or as the seizing country of records that name a destination) shows outflow; one
    reported *after* them (a destination, or the seizing country of records that name an
    origin) shows inflow. Sources are frequent reported origins with outflow ≥ inflow; ends
    are frequent reported destinations and seizing countries with inflow ≥ outflow. A
    country can be both (a departure hub that also consumes).
    """
    out: dict[str, float] = defaultdict(float)
    into: dict[str, float] = defaultdict(float)
    as_origin: dict[str, float] = defaultdict(float)
    as_end: dict[str, float] = defaultdict(float)
    for i in range(len(classes)):
        s = classes.skeleton(i)
        x = float(classes.weight[i])
        for at, c in enumerate(s):
            if at < len(s) - 1:
                out[c] += x
            if at > 0:
                into[c] += x
        if classes.origin[i] is not None:
            as_origin[classes.origin[i]] += x  # type: ignore[index]
        end = classes.destination[i] or (classes.country[i] if len(s) > 1 else None)
        if end is not None:
            as_end[end] += x
    def frequent(tally: dict[str, float]) -> set[str]:
        total = sum(tally.values())
        return {k for k, x in tally.items() if x >= max(2.0, MIN_END_SHARE * total)}
    sources = sorted(c for c in frequent(as_origin) if out[c] >= into[c])
    ends = sorted(c for c in frequent(as_end) if into[c] >= out[c])
    upstream = {c: out[c] / (out[c] + into[c]) for c in set(out) | set(into)
                if out[c] + into[c] >= 2.0}
    return sources, ends, upstream


def downstream(path: tuple[str, ...], upstream: dict[str, float]) -> bool:
    """True when the path never steps to a country the records place clearly further upstream.

    ``upstream`` is each country's share of outflow evidence (1: only ever reported before
    other points, a source; 0: only after them, a market). A leg may not climb by more than
    ``DIRECTION_SLACK``; countries the records never place are not constrained.
    """
    seen = [upstream[c] for c in path if c in upstream]
    return all(b <= a + DIRECTION_SLACK for a, b in zip(seen, seen[1:], strict=False))


def candidate_paths(classes: ClassTable, graph: TransportGraph, *, k: int = 6
                    ) -> list[tuple[str, ...]]:
    """Candidate paths between the reported ends (see module docstring)."""
    pairs = reported_pairs(classes)
    weights = [1.0 if pairs.get(p, 0.0) > 0 else UNREPORTED_LEG + graph.links[p].cost / 20000.0
               for p in graph.edge_pairs()]
    origins, destinations, upstream = path_ends(classes)
    found: set[tuple[str, ...]] = set()
    for o in origins:
        for t in destinations:
            for path in graph.k_shortest(o, t, k, weights):
                if len(path) <= MAX_PATH_LEN and downstream(path, upstream):
                    found.add(path)
    # Skeletons reported in full are candidates in their own right when the graph links them.
    for i in range(len(classes)):
        s = classes.skeleton(i)
        if len(s) >= 2 and s[0] in origins and downstream(s, upstream) and all(graph.link(a, b) for a, b in
                                                    zip(s, s[1:], strict=False)):
            found.add(s)
    return sorted(found)


@dataclass
class Likelihood:
    """P(class | path) as a sparse matrix, with the incidences the estimator needs."""

    matrix: sp.csr_matrix          # classes × paths
    path_country: sp.csr_matrix    # paths × countries (1 where the path passes)
    class_country: np.ndarray      # country index of each class
    countries: list[str]
    explained: np.ndarray          # bool per class: some candidate path explains it


def likelihood(classes: ClassTable, paths: list[tuple[str, ...]], noise: NoiseModel,
               n_world: int, countries: list[str] | None = None) -> Likelihood:
    """Build P(class | path) for every class and every candidate path through its country.

    ``countries`` fixes the country axis (to refit one year on a pooled fit's countries);
    classes in a country outside it are left unexplained.
    """
    if countries is None:
        countries = sorted({c for p in paths for c in p} | set(classes.country))
    index = {c: i for i, c in enumerate(countries)}
    n_p, n_c = len(paths), len(countries)
    pos = np.full((n_p, n_c), -1, dtype=np.int16)
    for j, p in enumerate(paths):
        for at, c in enumerate(p):
            pos[j, index[c]] = at
    length = np.array([len(p) for p in paths])
    first = np.array([index[p[0]] for p in paths])
    last = np.array([index[p[-1]] for p in paths])
    stray = 1.0 / n_world
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    class_country = np.array([index.get(c, -1) for c in classes.country], dtype=np.int64)
    for i in range(len(classes)):
        ci = class_country[i]
        if ci < 0:
            continue
        on = np.flatnonzero(pos[:, ci] >= 0)
        if not len(on):
            continue
        at = pos[on, ci].astype(float)
        like = np.ones(len(on))
        o = classes.origin[i]
        if o is not None:
            oi = index.get(o)
            up = at  # countries upstream of the seizure
            p_o = np.full(len(on), noise.stray * stray)
            if oi is not None:
                where = pos[on, oi].astype(float)
                is_first = first[on] == oi
                between = np.maximum(up - 1, 1)
                p_o = p_o + np.where(is_first & (at > 0), noise.end + noise.upstream * (up == 1), 0)
                p_o = p_o + np.where(~is_first & (where > 0) & (where < at),
                                     noise.upstream / between, 0)
            like *= p_o
        t = classes.destination[i]
        if t is not None:
            ti = index.get(t)
            down = length[on] - 1 - at
            p_t = np.full(len(on), noise.stray * stray)
            if ti is not None:
                where = pos[on, ti].astype(float)
                is_last = last[on] == ti
                between = np.maximum(down - 1, 1)
                p_t = p_t + np.where(is_last & (down > 0), noise.end + noise.upstream * (down == 1),
                                     0)
                p_t = p_t + np.where(~is_last & (where > at) & (where < length[on] - 1),
                                     noise.upstream / between, 0)
            like *= p_t
        for x in classes.transit[i]:
            xi = index.get(x)
            p_x = np.full(len(on), noise.stray * stray)
            if xi is not None:
                where = pos[on, xi].astype(float)
                inside = (where > 0) & (where < at)
                p_x = p_x + np.where(inside, (1 - noise.stray) / np.maximum(at - 1, 1), 0)
            like *= p_x
        rows.append(np.full(len(on), i))
        cols.append(on)
        vals.append(like)
    n_r = len(classes)
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=int)
        v = np.zeros(0)
    matrix = sp.csr_matrix((v, (r, c)), shape=(n_r, n_p))
    pr, pc = np.nonzero(pos >= 0)
    path_country = sp.csr_matrix((np.ones(len(pr)), (pr, pc)), shape=(n_p, n_c))
    explained = np.asarray(matrix.sum(axis=1)).ravel() > 0
    return Likelihood(matrix, path_country, np.maximum(class_country, 0), countries, explained)


def leg_incidence(paths: list[tuple[str, ...]]) -> tuple[sp.csr_matrix, list[tuple[str, str]]]:
    """Paths × legs incidence (1 where the path takes the leg) and the legs in column order."""
    legs = sorted({(a, b) for p in paths for a, b in zip(p, p[1:], strict=False)})
    index = {leg: i for i, leg in enumerate(legs)}
    r, c = [], []
    for j, p in enumerate(paths):
        for a, b in zip(p, p[1:], strict=False):
            r.append(j)
            c.append(index[(a, b)])
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(paths), len(legs)))
    return m, legs
