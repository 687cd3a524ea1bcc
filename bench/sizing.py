"""Monte Carlo sizing speed: 10,000 draws x 1,000 flows x 5 uncertain inputs (target ≤ 5 s).

    .venv/bin/python bench/sizing.py [--draws 10000] [--flows 1000] [--seed 0]

Each flow's value is the product of five inputs, one of each family (bounds, triangular,
PERT, lognormal from a 90% range, uniform), with parameters varying by flow. In this process:

* baseline: plain numpy drawing as many numbers from the same five distributions with its
  own samplers (``Generator.uniform/triangular/beta/lognormal``), multiplying them and taking
  the 5th/50th/95th percentiles — what one would write without the library;
* tocta: ``draw_inputs`` (inverse CDFs of uniforms, so inputs can be correlated) +
  ``multiply`` (bounds, units and price levels carried) + ``percentiles``; its percentiles
  are checked against the baseline's (the largest relative difference over flows is
  printed: Monte Carlo noise plus the PERT table's interpolation);
* tocta, one source per flow: the same with the five inputs of each flow rank-correlated
  (Gaussian copula, correlation 0.8).

Prints seconds, peak resident memory (ru_maxrss, the process's high-water mark, so each line
is "peak so far") and the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from functools import reduce

import numpy as np

from tocta.analytics import montecarlo as mc


def peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def parameters(flows: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    base = rng.uniform(1.0, 10.0, flows)
    return {"base": base, "mode": base * rng.uniform(1.1, 1.5, flows),
            "high": base * rng.uniform(1.6, 3.0, flows)}


def inputs(p: dict[str, np.ndarray], source: bool) -> list[mc.Input]:
    b, m, h = p["base"], p["mode"], p["high"]
    dists = [mc.bounds(b, h), mc.triangular(b, m, h), mc.pert(b, m, h),
             mc.lognormal(median=m, low=b, high=h), mc.uniform(b, h)]
    return [mc.Input(f"x{i}", d, unit="kg", source="flow" if source else None)
            for i, d in enumerate(dists)]


def baseline(p: dict[str, np.ndarray], draws: int, seed: int) -> tuple[np.ndarray, ...]:
    """The same five distributions with numpy's own samplers (no copula, no labels)."""
    rng = np.random.default_rng(seed)
    b, m, h = p["base"], p["mode"], p["high"]
    shape = (draws, b.size)
    w = h - b
    x0 = rng.uniform(b, h, shape)
    x1 = rng.triangular(b, m, h, shape)
    x2 = b + w * rng.beta(1 + 4 * (m - b) / w, 1 + 4 * (h - m) / w, shape)
    x3 = rng.lognormal(np.log(m), np.log(h / b) / (2 * mc.Z95), shape)
    x4 = rng.uniform(b, h, shape)
    value = x0 * x1 * x2 * x3 * x4
    p5, p50, p95 = np.percentile(value, [5.0, 50.0, 95.0], axis=0)
    return p50, p5, p95


def with_tocta(p: dict[str, np.ndarray], draws: int, seed: int,
               source: bool) -> tuple[np.ndarray, ...]:
    drawn = mc.draw_inputs(inputs(p, source), draws=draws, seed=seed)
    value = reduce(mc.multiply, drawn.values())
    return mc.percentiles(value.values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--flows", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    p = parameters(args.flows, args.seed)
    print(f"{args.draws:,} draws x {args.flows:,} flows x 5 inputs "
          f"({args.draws * args.flows * 5:,} values)")
    t = time.perf_counter()
    base = baseline(p, args.draws, args.seed)
    t_base = time.perf_counter() - t
    print(f"baseline (plain numpy): {t_base:6.2f} s  peak {peak_mb():7.0f} MB")
    t = time.perf_counter()
    ours = with_tocta(p, args.draws, args.seed, source=False)
    t_ours = time.perf_counter() - t
    diff = max(float(np.max(np.abs(a / b - 1))) for a, b in zip(base, ours, strict=True))
    print(f"tocta (independent):    {t_ours:6.2f} s  peak {peak_mb():7.0f} MB  "
          f"ratio {t_ours / t_base:4.2f}  percentiles vs baseline: max rel. diff {diff:.3f}")
    t = time.perf_counter()
    with_tocta(p, args.draws, args.seed, source=True)
    t_corr = time.perf_counter() - t
    print(f"tocta (copula, 0.8):    {t_corr:6.2f} s  peak {peak_mb():7.0f} MB  "
          f"ratio {t_corr / t_base:4.2f}")
    print(f"target ≤ 5 s: {'met' if max(t_ours, t_corr) <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
