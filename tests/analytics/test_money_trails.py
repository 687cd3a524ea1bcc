"""Money trails: resolution, aggregates, typology detectors on hand-made and simulated data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tocta.analytics.money_trails import MoneyTrailParams, trace_money

D0 = dt.date(2022, 3, 1)


def tx(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (id, payer, payee, amount, day offset[, channel, payer_country,
    payee_country, purpose])."""
    full = [(*r, *(None,) * (9 - len(r))) for r in rows]
    return pl.DataFrame(
        [{"id": r[0], "payer": r[1], "payee": r[2], "amount": float(r[3]), "currency": "USD",
          "date": D0 + dt.timedelta(days=r[4]), "channel": r[5] or "wire",
          "payer_country": r[6] or "ESP", "payee_country": r[7] or "ESP", "purpose": r[8]}
         for r in full])


ONLY = {t: MoneyTrailParams(typologies=(t,)) for t in (
    "structuring", "fan_in", "fan_out", "pass_through", "round_trip", "front_company")}


def test_structuring_flags_runs_just_under_the_threshold() -> None:
    t = tx([("s1", "cour", "acct", 9_500, 0, "cash"), ("s2", "cour", "acct", 9_800, 3, "cash"),
            ("s3", "cour2", "acct", 8_900, 9, "cash"),
            ("s4", "cour", "acct", 9_900, 40, "cash"),       # too late for the run
            ("b1", "shop", "shopacct", 9_500, 0, "cash"),     # only two near the threshold
            ("b2", "shop", "shopacct", 9_700, 5, "cash"),
            ("b3", "shop", "shopacct", 12_000, 6, "cash"),    # over: reported anyway
            ("b4", "shop", "shopacct", 3_000, 7, "cash")])
    r = trace_money(t, params=ONLY["structuring"])
    assert [(a.subject, a.transfer_ids) for a in r.alerts] == [("acct", ("s1", "s2", "s3"))]
    assert "just under the 10,000 reporting threshold" in r.alerts[0].reason
    strict = trace_money(t, params=MoneyTrailParams(typologies=("structuring",),
                                                    reporting_threshold=9_000))
    assert strict.flagged_ids() == set()


def test_fan_in_and_fan_out_count_distinct_parties_within_the_window() -> None:
    fan_in = [(f"i{k}", f"m{k}", "hub", 3_000 + k, k) for k in range(5)]
    fan_out = [(f"o{k}", "boss", f"p{k % 4}", 2_000, k) for k in range(6)]  # 4 payees only
    fan_out += [("o9", "boss", "p9", 2_000, 2)]
    payroll = [(f"w{k}", "firm", f"e{k}", 1_500, 30, "wire", None, None, "salary 03/2022")
               for k in range(10)]
    t = tx(fan_in + fan_out + payroll + [("late", "m9", "hub", 3_000, 30)])
    r_in = trace_money(t, params=ONLY["fan_in"])
    assert [(a.subject, len(a.transfer_ids)) for a in r_in.alerts] == [("hub", 5)]
    r_out = trace_money(t, params=ONLY["fan_out"])
    assert [a.subject for a in r_out.alerts] == ["boss"]
    assert r_out.flagged_ids() == {f"o{k}" for k in range(6)} | {"o9"}
    assert "paid 5 distinct payees" in r_out.alerts[0].reason
    no_filter = trace_money(t, params=MoneyTrailParams(typologies=("fan_out",),
                                                       benign_purposes=()))
    assert {a.subject for a in no_filter.alerts} == {"boss", "firm"}


def test_fans_count_repeat_counterparties_against_the_partys_usual_activity() -> None:
    mules = [(f"o{k}", "boss", f"m{k % 3 + 1}", 2_000, k // 2) for k in range(7)]
    collect = [(f"c{k}", f"c{k % 3 + 1}", "collector", 4_000, k) for k in range(5)]
    two = [(f"x{k}", "fewpay", f"x{k % 2}", 2_000, k) for k in range(6)]      # 2 payees
    four = [(f"y{k}", "smallpay", f"y{k}", 2_000, k) for k in range(4)]      # 4 transfers
    # a shop paying five suppliers every ten days, then fifteen payments at once
    steady = [(f"s{b}_{k}", "shop", f"sup{k}", 5_000, 10 * b) for b in range(10)
              for k in range(5)]
    spike = [(f"z{k}", "shop", f"sup{k % 5}", 5_000, 100) for k in range(15)]
    t = tx(mules + collect + two + four + steady + spike)
    r_out = trace_money(t, params=ONLY["fan_out"])
    assert {a.subject: set(a.transfer_ids) for a in r_out.alerts} == {
        "boss": {f"o{k}" for k in range(7)}, "shop": {f"z{k}" for k in range(15)}}
    boss = next(a for a in r_out.alerts if a.subject == "boss")
    assert boss.reason.startswith("boss paid 3 distinct payees in 7 transfers within 3 days")
    assert "usually 0.0 per 7 days" in boss.reason
    r_in = trace_money(t, params=ONLY["fan_in"])
    assert [(a.subject, a.transfer_ids) for a in r_in.alerts] == [
        ("collector", tuple(f"c{k}" for k in range(5)))]
    # without the comparison with its usual activity, the shop's ordinary batches are fans
    flat = trace_money(t, params=MoneyTrailParams(typologies=("fan_out",), fan_burst=0.0))
    assert {f"s{b}_0" for b in range(10)} <= flat.flagged_ids()


def test_pass_through_pairs_similar_amounts_in_and_out() -> None:
    t = tx([("in1", "a", "mule", 50_000, 0), ("out1", "mule", "b", 49_000, 4),
            ("in2", "c", "store", 50_000, 0), ("out2", "store", "d", 20_000, 2),
            ("in3", "e", "slow", 50_000, 0), ("out3", "slow", "f", 50_000, 60)])
    r = trace_money(t, params=ONLY["pass_through"])
    assert [(a.subject, a.transfer_ids) for a in r.alerts] == [("mule", ("in1", "out1"))]
    assert "within 4 days" in r.alerts[0].reason


def test_round_trip_finds_the_cycle_back_to_the_origin() -> None:
    t = tx([("r1", "home", "shell", 200_000, 0, "wire", "COL", "PAN"),
            ("r2", "shell", "front", 197_000, 10, "wire", "PAN", "ESP"),
            ("r3", "front", "home", 193_000, 25, "wire", "ESP", "COL"),
            ("x1", "p", "q", 100_000, 0), ("x2", "q", "p", 40_000, 5),   # amounts differ
            ("y1", "u", "v", 100_000, 0), ("y2", "v", "u", 100_000, 120)])  # too slow
    r = trace_money(t, params=ONLY["round_trip"])
    assert [(a.subject, a.transfer_ids) for a in r.alerts] == [("home", ("r1", "r2", "r3"))]
    assert "home → shell → front → home" in r.alerts[0].reason


def test_front_companies_by_watchlist_and_secrecy_jurisdiction() -> None:
    t = tx([("f1", "abroad", "front", 80_000, 0, "wire", "NLD", "ESP"),
            ("f2", "front", "boss", 70_000, 5, "wire", "ESP", "ESP"),
            ("o1", "client", "offco", 90_000, 3, "wire", "ESP", "VGB"),
            ("o2", "local", "offco2", 90_000, 3, "wire", "VGB", "VGB"),
            ("n1", "x", "y", 1_000, 1)])
    params = MoneyTrailParams(typologies=("front_company",), front_companies=("front",),
                              secrecy_jurisdictions=("VGB",))
    r = trace_money(t, params=params, company_ids=("offco", "offco2", "front"))
    assert r.flagged_ids() == {"f1", "f2", "o1"}
    assert {a.subject for a in r.alerts} == {"front", "offco"}


def test_resolution_mapping_and_aggregates() -> None:
    t = tx([("t1", "rec-A1", "rec-B1", 100, 0, "wire", "ESP", "FRA"),
            ("t2", "rec-A2", "rec-B1", 50, 1, "cash", "ESP", "FRA"),
            ("t3", "rec-C", "rec-A1", 10, 2, "wire", "FRA", "ESP")])
    mapping = {"rec-A1": "A", "rec-A2": "A", "rec-B1": "B"}
    r = trace_money(t, mapping)
    flows = {(f["payer"], f["payee"]): (f["transfers"], f["amount"], f["channels"])
             for f in r.flows.iter_rows(named=True)}
    assert flows == {("A", "B"): (2, 150.0, "cash;wire"), ("rec-C", "A"): (1, 10.0, "wire")}
    assert r.counts["unresolved_parties"] == 1
    by_country = {(x["payer_country"], x["payee_country"]): x["amount"]
                  for x in r.by_country.iter_rows(named=True)}
    assert by_country == {("ESP", "FRA"): 150.0, ("FRA", "ESP"): 10.0}
    assert dict(r.by_channel.select("channel", "amount").iter_rows()) == {"wire": 110.0,
                                                                           "cash": 50.0}
    assert r.transfers["payer_record"].to_list() == ["rec-A1", "rec-A2", "rec-C"]
    assert "not in the resolution mapping" in r.explain()
    with pytest.raises(ValueError, match="lacks column"):
        trace_money(t.drop("currency"))
    with pytest.raises(ValueError, match="unknown typologies"):
        MoneyTrailParams(typologies=("smurfing",))


# --- the simulated world: truth party ids stand in for resolved ids ------------------------

#: detector → the planted typologies it is meant to find
TARGETS = {"structuring": {"structuring", "cash_courier"}, "fan_in": {"fan_in"},
           "fan_out": {"fan_out"}, "pass_through": {"round_trip"},
           "round_trip": {"round_trip"},
           "front_company": {"front_company", "shell_company", "round_trip"}}
#: the mapping before issue 6 was measured: pass-through was also scored against the planted
#: shell-company patterns. It no longer is: there the shell is paid one to three fees and, on
#: another day within 60 days, lends on an amount drawn independently of them (as often more
#: as less than it has just received); no money goes in and out again for a pass-through rule
#: to see, and any hit is chance. The front-company detector is the one scored on shell
#: companies. The bench reports pass-through under both mappings.
TARGETS_BEFORE = {**TARGETS, "pass_through": {"round_trip", "shell_company"}}


def simulated_transfers(seed: int) -> tuple[pl.DataFrame, pl.DataFrame, tuple[str, ...]]:
    from tests.simulate.test_actors import small_context
    from tocta.simulate.actors import simulate_actors
    from tocta.simulate.context import ActorParams, MoneyParams
    from tocta.simulate.money import simulate_money

    ctx = small_context(actors=ActorParams(groups_per_commodity=8),
                        money=MoneyParams(max_transfers=20_000))
    world = simulate_actors(ctx, np.random.default_rng(seed))
    money = simulate_money(ctx, world, np.random.default_rng(seed + 1))
    truth = money.transfers.filter(pl.col("agency").is_not_null())
    table = truth.select(pl.col("transfer_id").alias("id"), pl.col("from_party").alias("payer"),
                         pl.col("to_party").alias("payee"), "amount",
                         pl.lit("USD").alias("currency"), "date", "channel",
                         pl.col("from_country").alias("payer_country"),
                         pl.col("to_country").alias("payee_country"), "purpose")
    # Fronts: the companies in the agencies' entity files (owned or directed by subjects).
    fronts = tuple(sorted(set(world.records.filter(pl.col("schema") == "Company")["true_id"])))
    return table, truth, fronts


def score(flagged: set[str], truth: pl.DataFrame, target: set[str]
          ) -> tuple[float, float, float]:
    """Precision (share of flagged transfers that are illicit), recall (share of the planted
    transfers of ``target`` flagged) and false positives per 1,000 transfers (flagged
    transfers that are not illicit, over every transfer in ``truth``)."""
    planted = set(truth.filter(pl.col("typology").is_in(list(target)))["transfer_id"])
    illicit = set(truth.filter(pl.col("is_illicit"))["transfer_id"])
    precision = len(flagged & illicit) / len(flagged) if flagged else 0.0
    recall = len(flagged & planted) / len(planted) if planted else 1.0
    return precision, recall, 1000 * len(flagged - illicit) / max(truth.height, 1)


#: seed 5 as measured (precision, recall, false positives per 1,000 transfers); issue 6 asks
#: recall ≥ 0.8 at ≤ 5 false positives per 1,000 transfers (bench/networks.py: seeds 5, 7, 9)
SEED_5 = {"structuring": (1.00, 0.89, 0.0), "fan_in": (0.96, 0.92, 0.25),
          "fan_out": (1.00, 0.87, 0.0), "pass_through": (0.38, 1.00, 1.95),
          "round_trip": (1.00, 1.00, 0.0), "front_company": (1.00, 0.93, 0.0)}


def test_simulated_world_detectors_find_planted_laundering() -> None:
    table, truth, fronts = simulated_transfers(seed=5)
    r = trace_money(table, params=MoneyTrailParams(front_companies=fronts))
    figures = {t: score(r.flagged_ids(t), truth, TARGETS[t]) for t in TARGETS}
    for t, (p, rec, fp) in figures.items():
        print(f"{t}: precision (illicit) {p:.2f}, recall (planted {'/'.join(TARGETS[t])}) "
              f"{rec:.2f}, {fp:.2f} false positives per 1,000 transfers")
    for t, (p, rec, fp) in figures.items():
        p5, rec5, fp5 = SEED_5[t]
        assert rec >= 0.8 and fp <= 5.0, t
        assert p >= p5 - 0.05 and rec >= rec5 - 0.05 and fp <= fp5 + 1.0, t
    alert = next(a for a in r.alerts if a.typology == "round_trip")
    assert len(alert.transfer_ids) >= 2 and "back to the origin" in alert.reason
    fan = next(a for a in r.alerts if a.typology == "fan_out")
    assert f"in {len(fan.transfer_ids)} transfers within" in fan.reason
