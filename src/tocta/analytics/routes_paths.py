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

import itertools
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.stats import poisson

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

    A reported origin is the path's first country with probability ``origin[0]``, another
    country upstream of the seizure (the country of departure) with ``origin[1]``, and any
    country at all with ``origin[2]`` (a misreport, spread over the countries in the data).
    Destinations mirror this downstream. A reported transit is a country between the origin
    and the seizure with probability ``1 - transit_stray``. The origin and destination
    probabilities are starting values: ``routes_model.fit`` learns them from the records.
    """

    origin: tuple[float, float, float] = (0.6, 0.25, 0.15)
    destination: tuple[float, float, float] = (0.6, 0.25, 0.15)
    transit_stray: float = 0.1


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
        for a, b in itertools.pairwise(s):
            pairs[(a, b)] += float(classes.weight[i])
    return dict(pairs)


def path_ends(classes: ClassTable, noise: NoiseModel | None = None, n_world: int = 0
              ) -> tuple[list[str], list[str], dict[str, float]]:
    """Countries where candidate paths start (sources) and end (markets).

    Direction comes from the skeletons: a country reported *before* other points (as an
    origin, or as the seizing country of records that name a destination) shows outflow; one
    reported *after* them (a destination, or the seizing country of records that name an
    origin) shows inflow. Sources are frequent reported origins with outflow ≥ inflow; ends
    are frequent reported destinations and seizing countries with inflow ≥ outflow. A
    country can be both (a departure hub that also consumes).

    "Frequent": at least ``MIN_END_SHARE`` of the reported ends; once a fit has learnt the
    ``noise``, more often than misreports alone would name it (the 99th percentile of a
    Poisson count with the misreport rate spread over ``n_world`` countries) — so a country
    named only by a handful of misreports does not become a path end.
    """
    out: dict[str, float] = defaultdict(float)
    into: dict[str, float] = defaultdict(float)
    as_origin: dict[str, float] = defaultdict(float)
    as_end: dict[str, float] = defaultdict(float)
    as_destination: dict[str, float] = defaultdict(float)
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
        if classes.destination[i] is not None:
            as_destination[classes.destination[i]] += x  # type: ignore[index]
    def frequent(tally: dict[str, float], stray: float | None = None) -> set[str]:
        total = sum(tally.values())
        floor = max(2.0, MIN_END_SHARE * total)
        if stray is not None and n_world:
            floor = max(2.0, float(poisson.ppf(0.99, stray * total / n_world)) + 1)
        return {k for k, x in tally.items() if x >= floor}
    o_stray = noise.origin[2] if noise else None
    t_stray = noise.destination[2] if noise else None
    sources = sorted(c for c in frequent(as_origin, o_stray) if out[c] >= into[c])
    seized_last = {k: v - as_destination.get(k, 0.0) for k, v in as_end.items()}
    named = frequent(as_destination, t_stray) | frequent(seized_last)
    ends = sorted(c for c in named if into[c] >= out[c])
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
    return all(b <= a + DIRECTION_SLACK for a, b in itertools.pairwise(seen))


def candidate_paths(classes: ClassTable, graph: TransportGraph, *, k: int = 6,
                    unreported: float = UNREPORTED_LEG, noise: NoiseModel | None = None,
                    n_world: int = 0) -> list[tuple[str, ...]]:
    """Candidate paths between the reported ends (see module docstring)."""
    pairs = reported_pairs(classes)
    weights = [1.0 if pairs.get(p, 0.0) > 0 else unreported + graph.links[p].cost / 20000.0
               for p in graph.edge_pairs()]
    origins, destinations, upstream = path_ends(classes, noise, n_world)
    found: set[tuple[str, ...]] = set()
    for o in origins:
        for t in destinations:
            for path in graph.k_shortest(o, t, k, weights):
                if len(path) <= MAX_PATH_LEN and downstream(path, upstream):
                    found.add(path)
    # Skeletons reported in full are candidates in their own right when the graph links them.
    for i in range(len(classes)):
        s = classes.skeleton(i)
        linked = all(graph.link(a, b) for a, b in itertools.pairwise(s))
        if len(s) >= 2 and s[0] in origins and downstream(s, upstream) and linked:
            found.add(s)
    return sorted(found)


# How a reported end relates to a path, per (class, path) pair.
MISSING, FIRST, FIRST_ONLY, UPSTREAM, STRAY = 0, 1, 2, 3, 4


@dataclass
class Likelihood:
    """P(class | path) as a sparse matrix, with the incidences the estimator needs.

    The matrix is rebuilt from the per-pair kinds (``origin_kind`` ...) for any noise model
    (``with_noise``), so the estimator can learn the noise from the records.
    """

    matrix: sp.csr_matrix          # classes × paths
    path_country: sp.csr_matrix    # paths × countries (1 where the path passes)
    class_country: np.ndarray      # country index of each class
    countries: list[str]
    explained: np.ndarray          # bool per class: some candidate path explains it
    rows: np.ndarray
    cols: np.ndarray
    origin_kind: np.ndarray
    origin_between: np.ndarray
    dest_kind: np.ndarray
    dest_between: np.ndarray
    transit: np.ndarray            # the transit factor of each pair (fixed)
    n_world: int
    noise: NoiseModel
    values: np.ndarray | None = None   # P(class | path) per pair, in ``rows``/``cols`` order

    def subset(self, keep: np.ndarray) -> Likelihood:
        """The likelihood over the paths where ``keep`` is true (columns renumbered)."""
        new_index = np.cumsum(keep) - 1
        pair = keep[self.cols]
        n_r = self.matrix.shape[0]
        shell = replace(
            self, matrix=sp.csr_matrix((n_r, int(keep.sum()))),
            path_country=self.path_country[np.flatnonzero(keep)],
            rows=self.rows[pair], cols=new_index[self.cols[pair]],
            origin_kind=self.origin_kind[pair], origin_between=self.origin_between[pair],
            dest_kind=self.dest_kind[pair], dest_between=self.dest_between[pair],
            transit=self.transit[pair])
        lik = shell.with_noise(self.noise)
        lik.explained = np.asarray(lik.matrix.sum(axis=1)).ravel() > 0
        return lik

    def with_noise(self, noise: NoiseModel) -> Likelihood:
        """The same likelihood under another noise model."""
        values = (_end_factor(self.origin_kind, self.origin_between, noise.origin, self.n_world)
                  * _end_factor(self.dest_kind, self.dest_between, noise.destination,
                                self.n_world) * self.transit)
        # Pairs are built class by class with paths in increasing order: already CSR order,
        # so the matrix is assembled without sorting (this runs at every EM step that learns
        # the noise).
        n_r = self.matrix.shape[0]
        indptr = np.zeros(n_r + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.rows, minlength=n_r), out=indptr[1:])
        matrix = sp.csr_matrix((values, self.cols, indptr), shape=self.matrix.shape)
        return replace(self, matrix=matrix, noise=noise, values=values)


def _end_factor(kind: np.ndarray, between: np.ndarray, p: tuple[float, float, float],
                n_world: int) -> np.ndarray:
    """P(reported end | path) per pair: a lookup by kind, divided by the number of countries
    an upstream (downstream) report could have named (``between`` is 1 for other kinds)."""
    end, up, stray = p
    lut = np.array([1.0, end, end + up, up, stray / n_world])  # MISSING..STRAY
    return lut[kind] / between


def learn_end(kind: np.ndarray, alloc: np.ndarray, p: tuple[float, float, float]
              ) -> tuple[float, float, float]:
    """M-step for one end's noise: expected share of each component among reported ends."""
    end, up, _ = p
    only = alloc[kind == FIRST_ONLY].sum()
    e_end = alloc[kind == FIRST].sum() + only * end / max(end + up, 1e-12)
    e_up = alloc[kind == UPSTREAM].sum() + only * up / max(end + up, 1e-12)
    e_stray = alloc[kind == STRAY].sum()
    total = e_end + e_up + e_stray
    if total <= 0:
        return p
    raw = np.maximum(np.array([e_end, e_up, e_stray]) / total, 0.01)
    out = raw / raw.sum()
    return float(out[0]), float(out[1]), float(out[2])


def _kinds_block(pos_on: np.ndarray, target: np.ndarray, at: np.ndarray, span: np.ndarray,
                 *, ahead: bool, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kind of each class's reported end on each path (paths × classes), and how many
    countries an upstream (downstream) report could have named.

    ``target``: the reported end per class (-1 missing, -2 a country on no path); ``at``: the
    seizing country's position on each path; ``span``: countries strictly between the
    seizure and the path's end on that side.
    """
    where = pos_on[:, np.maximum(target, 0)].astype(np.int64)     # paths × classes
    if ahead:
        is_end = (where == last) & (at < last)
        inside = (where > at) & ~is_end
    else:
        is_end = (where == 0) & (at > 0)
        inside = (where >= 0) & (where < at) & ~is_end
    kind = np.where(is_end, np.where(span == 0, FIRST_ONLY, FIRST),
                    np.where(inside, UPSTREAM, STRAY))
    kind = np.where(target[None, :] == -1, MISSING, np.where(target[None, :] == -2, STRAY, kind))
    between = np.where(kind == UPSTREAM, np.maximum(np.broadcast_to(span, kind.shape), 1), 1)
    return kind.astype(np.int8), between.astype(float)


def likelihood(classes: ClassTable, paths: list[tuple[str, ...]], noise: NoiseModel,
               n_world: int, countries: list[str] | None = None) -> Likelihood:
    """Build P(class | path) for every class and every candidate path through its country.

    ``countries`` fixes the country axis (to refit one year on a pooled fit's countries);
    classes in a country outside it are left unexplained. ``n_world`` is the number of
    countries a misreported end is spread over.
    """
    if countries is None:
        countries = sorted({c for p in paths for c in p} | set(classes.country))
    index = {c: i for i, c in enumerate(countries)}
    n_p, n_c = len(paths), len(countries)
    pos = np.full((n_p, n_c), -1, dtype=np.int16)
    for j, p in enumerate(paths):
        for at, c in enumerate(p):
            pos[j, index[c]] = at
    length = np.array([len(p) for p in paths], dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    class_country = np.array([index.get(c, -1) for c in classes.country], dtype=np.int64)
    # Reported ends as country indices: -1 missing, -2 a country no candidate path has.
    def code(value: str | None) -> int:
        return -1 if value is None else index.get(value, -2)
    origin = np.array([code(o) for o in classes.origin], dtype=np.int64)
    dest = np.array([code(t) for t in classes.destination], dtype=np.int64)
    for ci in np.unique(class_country[class_country >= 0]):
        on = np.flatnonzero(pos[:, ci] >= 0)
        members = np.flatnonzero(class_country == ci)
        if not len(on) or not len(members):
            continue
        at = pos[on, ci].astype(np.int64)[:, None]              # paths × 1
        last = (length[on] - 1)[:, None]
        o_kind, o_between = _kinds_block(pos[on], origin[members], at, at - 1, ahead=False,
                                         last=last)
        t_kind, t_between = _kinds_block(pos[on], dest[members], at, last - 1 - at,
                                         ahead=True, last=last)
        factor = np.ones((len(on), len(members)))
        strays = (o_kind == STRAY).astype(np.int8) + (t_kind == STRAY)
        for k, i in enumerate(members):
            for x in classes.transit[i]:
                xi = index.get(x)
                p_x = np.full(len(on), noise.transit_stray / n_world)
                inside = np.zeros(len(on), bool)
                if xi is not None:
                    where = pos[on, xi]
                    inside = (where > 0) & (where < at[:, 0])
                    p_x = p_x + np.where(inside, (
                        1 - noise.transit_stray) / np.maximum(at[:, 0] - 1, 1), 0)
                factor[:, k] *= p_x
                strays[:, k] += ~inside
        rows = np.broadcast_to(members[None, :], (len(on), len(members)))
        cols = np.broadcast_to(on[:, None], (len(on), len(members)))
        for key, value in (("rows", rows), ("cols", cols), ("st", strays),
                           ("ok", o_kind), ("ob", o_between),
                           ("tk", t_kind), ("tb", t_between), ("tr", factor)):
            parts[key].append(np.ascontiguousarray(value.T).ravel())
    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate(parts[key]).astype(dtype) if parts[key] else np.zeros(0, dtype)
    rows_all, cols_all = cat("rows", np.int64), cat("cols", np.int64)
    # A pair that needs two or more misreports (a wrong origin and a wrong destination...)
    # has a probability some 10⁻⁴ of the class's likely paths or less: dropped, unless the
    # class has no other pair (then it keeps them all). Most pairs at scale are of this kind.
    strays = cat("st", np.int64)
    best = np.full(len(classes), 99, dtype=np.int64)
    np.minimum.at(best, rows_all, strays)
    keep = (strays < 2) | (strays <= best[rows_all])
    order = np.flatnonzero(keep)[np.lexsort((cols_all[keep], rows_all[keep]))]
    pr, pc = np.nonzero(pos >= 0)
    path_country = sp.csr_matrix((np.ones(len(pr)), (pr, pc)), shape=(n_p, n_c))
    shell = Likelihood(
        sp.csr_matrix((len(classes), n_p)), path_country, np.maximum(class_country, 0),
        countries, np.zeros(len(classes), bool), rows_all[order], cols_all[order],
        cat("ok", np.int8)[order], cat("ob", float)[order], cat("tk", np.int8)[order],
        cat("tb", float)[order], cat("tr", float)[order], n_world, noise)
    lik = shell.with_noise(noise)
    lik.explained = np.asarray(lik.matrix.sum(axis=1)).ravel() > 0
    return lik


def leg_incidence(paths: list[tuple[str, ...]]) -> tuple[sp.csr_matrix, list[tuple[str, str]]]:
    """Paths × legs incidence (1 where the path takes the leg) and the legs in column order."""
    legs = sorted({(a, b) for p in paths for a, b in itertools.pairwise(p)})
    index = {leg: i for i, leg in enumerate(legs)}
    r, c = [], []
    for j, p in enumerate(paths):
        for a, b in itertools.pairwise(p):
            r.append(j)
            c.append(index[(a, b)])
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(paths), len(legs)))
    return m, legs
