"""Sizing sides, triangulation and routes: numbers that can be checked by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tocta.analytics import montecarlo as mc
from tocta.analytics import sizing


def test_demand_side_is_prevalence_times_population_times_per_user() -> None:
    side = sizing.demand_side([sizing.CountryDemand("ESP", 0.02, 0.018, 0.022,
                                                    population_15_64=10e6)],
                              "cocaine_consumption_per_user", draws=40_000, seed=1)
    # users 200,000 x PERT(15, 26, 60) g: median of that PERT is ~28.6 g
    per_user = sizing.default_distribution("cocaine_consumption_per_user").ppf(
        np.random.default_rng(2).random(200_000))
    expected = 200_000 * float(np.median(per_user)) / 1000
    assert side.median == pytest.approx(expected, rel=0.03)
    assert side.low < side.median < side.high
    assert side.defaults_used == ("cocaine_consumption_per_user",)
    assert not side.warnings


def test_per_user_uncertainty_does_not_average_out_over_countries() -> None:
    one = sizing.demand_side([sizing.CountryDemand("A", 0.01, 0.0099, 0.0101,
                                                   population_15_64=1e6)],
                             "cocaine_consumption_per_user", seed=3)
    many = sizing.demand_side([sizing.CountryDemand(f"C{i}", 0.01, 0.0099, 0.0101,
                                                    population_15_64=1e6 / 20)
                               for i in range(20)], "cocaine_consumption_per_user", seed=3)
    # the shared default keeps the relative width (it would shrink ~sqrt(20) if independent)
    assert many.high / many.low == pytest.approx(one.high / one.low, rel=0.05)


def test_unranged_prevalence_and_population_share_are_stated() -> None:
    side = sizing.demand_side([sizing.CountryDemand("X", 0.01, population_total=1e6)],
                              "heroin_consumption_per_user", seed=0)
    assert "population_share_15_64" in side.defaults_used
    assert any("without a range" in w for w in side.warnings)


def test_placeholder_defaults_cannot_enter_an_estimate() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        sizing.default_distribution("cannabis_consumption_per_user")


def test_supply_side_reproduces_the_2009_cocaine_balance() -> None:
    side = sizing.supply_side(mc.point(1110e3), mc.point(615e3), seed=0)
    # 1110 x (1 - losses ~ PERT(0, .05, .15)) - 615: published 440 t with 5% losses
    assert 400e3 < side.median < 450e3
    assert any("55% of production" in w for w in side.warnings)


def test_seizure_side_is_a_band_over_the_whole_rate_range() -> None:
    side = sizing.seizure_side(1000.0, "interception_rate_cocaine", draws=50_000, seed=0)
    assert side.is_band
    # r uniform on [0.05, 0.5]: consumed = 1000 (1 - r) / r, monotone in r
    r5, r95 = 0.05 + 0.45 * 0.95, 0.05 + 0.45 * 0.05
    assert side.low == pytest.approx(1000 * (1 - r5) / r5, rel=0.03)
    assert side.high == pytest.approx(1000 * (1 - r95) / r95, rel=0.03)
    assert "weakest method" in side.warnings[0]


def _side(name: str, median: float, sd: float, seed: int) -> sizing.SideEstimate:
    rng = np.random.default_rng(seed)
    return sizing.SideEstimate(name, "test", np.exp(np.log(median) +
                                                    sd * rng.standard_normal(20_000)))


def test_triangulation_weights_by_inverse_variance_on_the_log_scale() -> None:
    a, b = _side("demand", 100.0, 0.2, 1), _side("seizure", 121.0, 0.4, 2)
    tri = sizing.triangulate([a, b])
    w_a, w_b = 1 / 0.2**2, 1 / 0.4**2
    expected = np.exp((w_a * np.log(100) + w_b * np.log(121)) / (w_a + w_b))
    assert tri.median == pytest.approx(expected, rel=0.02)
    assert tri.high / tri.low < a.high / a.low       # combined is narrower than either side
    assert tri.comparisons[0].overlap and tri.comparisons[0].ratio == pytest.approx(
        100 / 121, rel=0.03)
    assert "inverse-variance" in tri.rule and not tri.flags


def test_disagreeing_sides_widen_and_non_overlapping_sides_fall_back() -> None:
    wide = sizing.triangulate([_side("demand", 100.0, 0.3, 1), _side("supply", 180.0, 0.3, 2)])
    assert wide.flags and "widened" in wide.flags[0]
    apart = sizing.triangulate([_side("demand", 100.0, 0.1, 1), _side("supply", 400.0, 0.1, 2)])
    assert apart.rule == "fallback to the demand side"
    assert apart.median == pytest.approx(100.0, rel=0.02)
    assert not apart.comparisons[0].overlap and "overlaps no other side" in apart.flags[0]


def test_volume_along_routes_is_conserved() -> None:
    paths = pl.DataFrame({"path": [["COL", "GNB", "ESP"], ["COL", "ESP"], ["PER", "NLD"]],
                          "destination": ["ESP", "ESP", "NLD"], "share": [0.3, 0.1, 0.6],
                          "share_low": [0.2, 0.05, 0.5], "share_high": [0.4, 0.2, 0.7]})
    volume = np.full(5000, 1000.0)
    routes, transit = sizing.along_routes(volume, paths, ["ESP"])
    assert routes.height == 2 and set(transit["country"]) == {"GNB"}
    assert routes["median"].sum() == pytest.approx(1000.0, rel=0.05)
    assert routes["median"][0] == pytest.approx(750.0)   # 0.3 / (0.3 + 0.1)
    assert routes["low"][0] == pytest.approx(500.0) and routes["high"][0] == pytest.approx(1000.0)
    assert transit["median"][0] == pytest.approx(750.0)
