"""Which trafficking group runs which legs of the flow world's routes.

Per commodity, ``groups_per_commodity × scale`` groups (at least one) each take an anchor leg
(drawn in proportion to the square root of leg value) and up to two legs that connect to it.
The legs carrying the first ``COVERED_VALUE`` of the commodity's value are then handed to the
least loaded groups (at most ``MAX_LEGS`` each); smaller legs stay with traffickers the
simulator does not name. Groups sharing a leg split it by a Dirichlet draw. A group's home
is where its organizers live: the anchor leg's origin, or (less often) its destination.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tocta.simulate.context import ActorContext

COVERED_VALUE = 0.8  # share of each commodity's leg value run by simulated groups
MAX_LEGS = 5
HOME_AT_ORIGIN = 0.6


def _leg_table(ctx: ActorContext) -> pl.DataFrame:
    return (ctx.legs.group_by("commodity", "from_country", "to_country")
            .agg(pl.col("value_usd").fill_null(0.0).sum().alias("value"),
                 (pl.col("mode") == "sea").any().alias("sea"))
            .sort(["commodity", "value", "from_country", "to_country"],
                  descending=[False, True, False, False]))


def _extend(anchor: tuple[str, str], legs: list[tuple[str, str]], rng: np.random.Generator
            ) -> list[tuple[str, str]]:
    near = [leg for leg in legs if leg != anchor and (leg[0] == anchor[1] or leg[1] == anchor[0])]
    take = int(rng.integers(0, 3))
    order = [int(i) for i in rng.permutation(len(near))[:take]]
    return [anchor] + [near[i] for i in order]


def plan_groups(ctx: ActorContext, rng: np.random.Generator) -> tuple[list[dict], pl.DataFrame]:
    """The groups (as dicts) and the legs each runs with its share.

    Returns:
        ``groups``: ``group_id``, ``commodity``, ``home_country``, ``countries`` (sorted leg
        endpoints), ``has_sea``, ``years`` (years with volume on its legs); and ``group_legs``:
        ``group_id``, ``commodity``, ``from_country``, ``to_country``, ``share``.
    """
    table = _leg_table(ctx)
    groups: list[dict] = []
    rows: list[dict] = []
    n_per = max(1, round(ctx.actors.groups_per_commodity * ctx.scale))
    for (commodity,), part in table.group_by("commodity", maintain_order=True):
        legs = list(zip(part["from_country"], part["to_country"], strict=True))
        value = part["value"].to_numpy()
        if not legs:
            continue
        cum = np.cumsum(value) / max(value.sum(), 1e-9)
        covered = legs[: int(np.searchsorted(cum, COVERED_VALUE)) + 1]
        # Anchors are drawn in proportion to the square root of leg value, so that groups
        # also run the cheaper transit legs and not only the most valuable final ones.
        weight = np.sqrt(value[: len(covered)]) + 1e-9
        picks = rng.choice(len(covered), size=min(n_per, len(covered)), replace=False,
                           p=weight / weight.sum())
        mine: list[list[tuple[str, str]]] = []
        homes: list[str] = []
        for g in range(n_per):
            anchor = covered[int(picks[g % len(picks)])]
            mine.append(_extend(anchor, covered, rng))
            homes.append(anchor[0] if rng.random() < HOME_AT_ORIGIN else anchor[1])
        for leg in covered:
            if not any(leg in m for m in mine):
                load = [len(m) if len(m) < MAX_LEGS else 10**6 for m in mine]
                if min(load) < 10**6:
                    mine[int(np.argmin(load))].append(leg)
        first = len(groups)
        for g, (legs_g, home) in enumerate(zip(mine, homes, strict=True)):
            countries = sorted({c for leg in legs_g for c in leg})
            gid = f"G{first + g + 1:03d}"
            groups.append({"group_id": gid, "commodity": str(commodity), "home_country": home,
                           "countries": countries})
        for leg in sorted({leg for m in mine for leg in m}):
            on = [g for g, m in enumerate(mine) if leg in m]
            shares = rng.dirichlet(np.ones(len(on))) if len(on) > 1 else np.ones(1)
            rows += [{"group_id": f"G{first + g + 1:03d}", "commodity": str(commodity),
                      "from_country": leg[0], "to_country": leg[1], "share": float(s)}
                     for g, s in zip(on, shares, strict=True)]
    group_legs = pl.DataFrame(rows, schema={"group_id": pl.Utf8, "commodity": pl.Utf8,
                                            "from_country": pl.Utf8, "to_country": pl.Utf8,
                                            "share": pl.Float64}).sort(
        "group_id", "from_country", "to_country")
    active = (ctx.legs.filter(pl.col("volume") > 0)
              .join(group_legs, on=["commodity", "from_country", "to_country"])
              .group_by("group_id").agg(pl.col("year").unique().sort().alias("years"),
                                        (pl.col("mode") == "sea").any().alias("has_sea")))
    info = {r["group_id"]: r for r in active.iter_rows(named=True)}
    for group in groups:
        row = info.get(group["group_id"], {})
        group["years"] = list(row.get("years") or ctx.years)
        group["has_sea"] = bool(row.get("has_sea", False))
    return groups, group_legs
