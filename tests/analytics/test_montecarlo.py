"""Monte Carlo quantities: known percentiles, the copula, bounds arithmetic, price levels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from tocta.analytics import montecarlo as mc

N = 200_000


def draw(dist: mc.Distribution, seed: int = 1) -> np.ndarray:
    return mc.draw_inputs([mc.Input("x", dist)], draws=N, seed=seed)["x"].values


@pytest.mark.parametrize(("dist", "reference"), [
    (mc.uniform(2, 6), stats.uniform(2, 4)),
    (mc.bounds(2, 6), stats.uniform(2, 4)),
    (mc.triangular(1, 2, 5), stats.triang(0.25, loc=1, scale=4)),
    (mc.pert(0, 1, 10), stats.beta(1 + 4 * 0.1, 1 + 4 * 0.9, loc=0, scale=10)),
    (mc.lognormal(mu=1.0, sigma=0.5), stats.lognorm(0.5, scale=np.e)),
], ids=["uniform", "bounds", "triangular", "pert", "lognormal"])
def test_percentiles_match_the_distribution(dist: mc.Distribution, reference: object) -> None:
    x = draw(dist)
    for q in (0.05, 0.5, 0.95):
        assert np.quantile(x, q) == pytest.approx(reference.ppf(q), rel=0.01)  # type: ignore[attr-defined]


def test_lognormal_from_a_90_percent_range() -> None:
    x = draw(mc.lognormal(median=100, low=50, high=200))
    assert np.quantile(x, [0.05, 0.5, 0.95]) == pytest.approx([50, 100, 200], rel=0.02)


def test_point_has_no_spread_and_seed_reproduces() -> None:
    assert np.all(draw(mc.point(7.0)) == 7.0)
    assert np.array_equal(draw(mc.pert(1, 2, 3), seed=5), draw(mc.pert(1, 2, 3), seed=5))
    assert not np.array_equal(draw(mc.pert(1, 2, 3), seed=5), draw(mc.pert(1, 2, 3), seed=6))


@pytest.mark.parametrize("build", [lambda: mc.bounds(3, 1), lambda: mc.pert(1, 5, 3),
                                   lambda: mc.lognormal(low=-1, high=2),
                                   lambda: mc.lognormal(median=3)],
                         ids=["bounds", "pert", "lognormal-negative", "lognormal-no-range"])
def test_impossible_parameters_raise(build: object) -> None:
    with pytest.raises(mc.DistributionError):
        build()  # type: ignore[operator]


def test_same_source_draws_rank_correlated() -> None:
    inputs = [mc.Input("a", mc.pert(0, 1, 4), source="S"),
              mc.Input("b", mc.lognormal(mu=0, sigma=1), source="S"),
              mc.Input("c", mc.uniform(0, 1), source="T")]
    s = mc.draw_inputs(inputs, draws=50_000, seed=2, correlation=0.8)
    rho_ab = stats.spearmanr(s["a"].values, s["b"].values).statistic
    rho_ac = stats.spearmanr(s["a"].values, s["c"].values).statistic
    assert rho_ab == pytest.approx(0.8, abs=0.01)
    assert abs(rho_ac) < 0.02


def test_vector_parameters_draw_one_column_per_flow() -> None:
    s = mc.draw_inputs([mc.Input("x", mc.triangular(np.zeros(3), np.ones(3), [2, 4, 8]))],
                       draws=1000, seed=0)
    assert s["x"].values.shape == (1000, 3)
    assert np.all(s["x"].values.max(axis=0) <= [2, 4, 8])


def sample(low: float, high: float, level: str | None = None, name: str = "x") -> mc.Sample:
    return mc.Sample(np.array([low, high]), np.array(low), np.array(high), None, level, (name,))


@pytest.mark.parametrize(("op", "a", "b", "expected"), [
    (mc.add, (1, 2), (10, 20), (11, 22)),
    (mc.subtract, (10, 20), (1, 2), (8, 19)),
    (mc.multiply, (2, 3), (-1, 4), (-3, 12)),
    (mc.divide, (10, 20), (2, 5), (2, 10)),
    (mc.divide, (-10, 20), (-5, -2), (-10, 5)),
], ids=["sum", "difference", "product-signs", "ratio", "ratio-negative"])
def test_bounds_arithmetic(op: object, a: tuple[float, float], b: tuple[float, float],
                           expected: tuple[float, float]) -> None:
    r = op(sample(*a), sample(*b, name="y"))  # type: ignore[operator]
    assert (float(r.low), float(r.high)) == pytest.approx(expected)


def test_ratio_bounds_undefined_when_divisor_spans_zero() -> None:
    r = mc.divide(sample(1, 2), sample(-1, 1, name="y"))
    assert r.low is None and r.high is None


def test_adding_two_price_levels_names_both() -> None:
    with pytest.raises(mc.PriceLevelError, match=r"retail.*wholesale_destination"):
        mc.add(sample(1, 2, "retail"), sample(1, 2, "wholesale_destination", "y"))
    with pytest.raises(mc.PriceLevelError):
        mc.divide(sample(1, 2, "retail"), sample(1, 2, "export", "y"), share=True)
    segment = mc.subtract(sample(5, 6, "export"), sample(1, 2, "farm_gate", "y"),
                          across_levels=True)
    assert segment.price_level == "farm_gate->export"


def test_summary_reports_bounds_next_to_interval_and_dominant_input() -> None:
    inputs = [mc.Input("wide", mc.bounds(1, 10)), mc.Input("narrow", mc.bounds(4.9, 5.1)),
              mc.Input("price", mc.point(2.0), price_level="retail")]
    s = mc.draw_inputs(inputs, draws=20_000, seed=0)
    out = mc.multiply(mc.multiply(s["wide"], s["narrow"]), s["price"])
    q = mc.summarize("v", out, s, has_bounds=True)
    assert (q.bounds_low, q.bounds_high) == pytest.approx((1 * 4.9 * 2, 10 * 5.1 * 2))
    assert q.bounds_low < q.low < q.median < q.high < q.bounds_high
    assert q.dominant_inputs[0][0] == "wide" and q.dominant_inputs[0][1] > 0.95
    assert sum(share for _, share in q.dominant_inputs) == pytest.approx(1.0)
    assert q.price_level == "retail"


def test_negative_correlation_within_a_source() -> None:
    inputs = [mc.Input("a", mc.uniform(0, 1), source="S"),
              mc.Input("b", mc.uniform(0, 1), source="S")]
    s = mc.draw_inputs(inputs, draws=50_000, seed=4, correlation=-0.5)
    assert stats.spearmanr(s["a"].values, s["b"].values).statistic == pytest.approx(-0.5,
                                                                                     abs=0.01)


def test_large_pert_arrays_use_an_accurate_table() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.uniform(1, 5, 500), rng.uniform(1, 5, 500)
    u = rng.random((2100, 500))
    assert u.size > mc.EXACT_BETA_LIMIT
    tabulated = mc._beta_ppf(a, b, u)
    exact = special.betaincinv(a, b, u)
    assert np.max(np.abs(tabulated - exact)) < 1e-4


ranges = st.tuples(st.floats(-100, 100), st.floats(0, 50)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=60, deadline=None)
@given(a=ranges, b=ranges, c=ranges, op=st.sampled_from(["add", "subtract", "multiply",
                                                          "divide"]))
def test_every_draw_lies_within_the_bounds(a: tuple[float, float], b: tuple[float, float],
                                           c: tuple[float, float], op: str) -> None:
    """Interval arithmetic is conservative: no draw from bounds inputs falls outside it."""
    s = mc.draw_inputs([mc.Input("a", mc.bounds(*a)), mc.Input("b", mc.bounds(*b)),
                        mc.Input("c", mc.bounds(*c), source="S"),
                        mc.Input("d", mc.bounds(*a), source="S")], draws=500, seed=0)
    f = getattr(mc, op)
    out = f(f(s["a"], s["b"]), mc.add(s["c"], s["d"]))
    if out.low is None or out.high is None or np.isnan(out.low) or np.isnan(out.high):
        return
    span = max(1.0, float(abs(out.low)), float(abs(out.high)))
    finite = out.values[np.isfinite(out.values)]
    assert np.all(finite >= out.low - 1e-9 * span)
    assert np.all(finite <= out.high + 1e-9 * span)


def test_ratio_bounds_per_flow_where_divisor_may_be_zero() -> None:
    a = mc.Sample(np.ones((2, 2)), np.array([1.0, 1.0]), np.array([2.0, 2.0]), inputs=("a",))
    b = mc.Sample(np.ones((2, 2)), np.array([-1.0, 1.0]), np.array([1.0, 4.0]), inputs=("b",))
    r = mc.divide(a, b)
    assert r.low is not None and r.high is not None
    assert np.isnan(r.low[0]) and (r.low[1], r.high[1]) == (0.25, 2.0)
