"""Laundering typology detectors over resolved transfers; every alert names its transfers.

Each detector reads a transfer table already resolved to canonical parties (``id, payer,
payee, amount, currency, date, channel, payer_country, payee_country, purpose``; see
``money_trails``) and returns ``Alert``s: the typology, the subject (account holder or
company), the ids of the transfers that triggered it and a sentence saying why. Detectors
flag patterns for an analyst to examine; legitimate activity makes the same shapes (payroll
is a fan-out, shops deposit cash near the threshold), so an alert is a lead, not a finding.

* ``structuring``: at least ``min_count`` transfers to (or from) one party within
  ``window_days``, each between ``band`` × threshold and the threshold.
* ``fan_in`` / ``fan_out``: one party receives (pays) at least ``min_transfers`` transfers
  from (to) at least ``min_parties`` distinct counterparties within ``window_days``, at least
  ``burst`` times its usual number per window (self-transfers and transfers whose purpose
  matches ``benign_purpose``, e.g. declared payroll, are left out). Counting transfers and
  counterparties together finds a few mules paying or paid several times each; comparing
  with the party's own activity spares accounts that are always this busy.
* ``pass_through``: money into a party and out again within ``days``, the outgoing amount
  within ``tolerance`` of the incoming one, above ``min_amount`` (one transfer in, one out:
  summed inflows against summed outflows over a window matched ordinary companies, paid
  for their goods and paying suppliers or salaries, by chance more often; see
  docs/methodology/networks-and-money.md).
* ``round_trip``: a chain of 2..``max_hops`` transfers, dates in order within ``days``, each
  hop's amount within ``tolerance`` of the previous one, that returns to its origin.
* ``front_company``: transfers into and out of companies flagged as fronts (e.g. owned or
  directed by subjects of the network analysis) or registered in a listed secrecy
  jurisdiction while moving money across borders.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Alert:
    """One detected pattern: which transfers, whose, and why."""

    typology: str
    subject: str
    transfer_ids: tuple[str, ...]
    amount: float
    currency: str
    start: str
    end: str
    reason: str


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def _windows(days: np.ndarray, width: int) -> list[tuple[int, int]]:
    """Maximal index ranges [i, j) whose dates lie within ``width`` days (sorted input)."""
    out = []
    j = 0
    for i in range(len(days)):
        j = max(j, i)
        while j < len(days) and days[j] - days[i] <= width:
            j += 1
        out.append((i, j))
    return out


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b in sorted(ranges):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _day(dates: pl.Series) -> np.ndarray:
    return dates.cast(pl.Date).cast(pl.Int64).to_numpy()


def _alert(typology: str, subject: str, part: pl.DataFrame, reason: str) -> Alert:
    dates = part["date"].cast(pl.Date)
    return Alert(typology, subject, tuple(part["id"].to_list()), float(part["amount"].sum()),
                 str(part["currency"][0]), str(dates.min()), str(dates.max()), reason)


def detect_structuring(t: pl.DataFrame, threshold: float, band: float = 0.8,
                       min_count: int = 3, window_days: int = 14,
                       sides: Sequence[str] = ("payee", "payer")) -> list[Alert]:
    """Runs of transfers just under the reporting ``threshold`` to (or from) one party."""
    near = t.filter((pl.col("amount") >= band * threshold) & (pl.col("amount") < threshold))
    alerts: list[Alert] = []
    seen: set[tuple[str, ...]] = set()
    for side in sides:
        for (who, cur), part in near.sort("date", "id").group_by(side, "currency",
                                                                  maintain_order=True):
            if part.height < min_count:
                continue
            days = _day(part["date"])
            runs = _merge(w for w in _windows(days, window_days) if w[1] - w[0] >= min_count)
            for a, b in runs:
                run = part.slice(a, b - a)
                key = tuple(sorted(run["id"].to_list()))
                if key in seen:
                    continue
                seen.add(key)
                role = "to" if side == "payee" else "from"
                alerts.append(_alert("structuring", str(who), run, (
                    f"{run.height} transfers {role} {who} within {int(days[b - 1] - days[a])} "
                    f"days, each {_fmt(band * threshold)}–{_fmt(threshold)} {cur} "
                    f"(just under the {_fmt(threshold)} reporting threshold)")))
    return alerts


def detect_fans(t: pl.DataFrame, direction: str, min_parties: int = 3, window_days: int = 7,
                benign_purpose: str | None = None, min_transfers: int = 5,
                burst: float = 3.0) -> list[Alert]:
    """Fan-in (``direction="in"``) or fan-out (``"out"``) through one party.

    A window of ``window_days`` is a fan when it holds at least ``min_transfers`` transfers
    with at least ``min_parties`` distinct counterparties, and at least ``burst`` times the
    party's usual number of such transfers per window (its other transfers on that side,
    spread over the rest of the period the table covers): a sudden run, not a busy account's
    ordinary week. Counterparties may repeat (a few mules paying several times each).
    """
    hub, other = ("payee", "payer") if direction == "in" else ("payer", "payee")
    typology = f"fan_{direction}"
    pool = t.filter(pl.col("payer") != pl.col("payee"))
    if benign_purpose:
        pool = pool.filter(~pl.col("purpose").fill_null("").str.contains(
            f"(?i){benign_purpose}"))
    if pool.is_empty():
        return []
    all_days = _day(t["date"])
    # the rest of the period, in windows (at least one, for tables shorter than a window)
    rest = max((int(all_days.max() - all_days.min()) + 1 - window_days) / window_days, 1.0)
    alerts: list[Alert] = []
    for (who, _cur), part in pool.sort("date", "id").group_by(hub, "currency",
                                                               maintain_order=True):
        if part.height < min_transfers:
            continue
        days = _day(part["date"])
        others = part[other].to_list()
        good = [(i, j) for i, j in _windows(days, window_days)
                if j - i >= min_transfers and len(set(others[i:j])) >= min_parties
                and j - i >= burst * (part.height - (j - i)) / rest]
        for a, b in _merge(good):
            run = part.slice(a, b - a)
            n = run[other].n_unique()
            usual = (part.height - run.height) / rest
            verb = f"received from {n} distinct payers" if direction == "in" else \
                f"paid {n} distinct payees"
            alerts.append(_alert(typology, str(who), run, (
                f"{who} {verb} in {run.height} transfers within "
                f"{int(days[b - 1] - days[a])} days (≥ {min_transfers} "
                f"from ≥ {min_parties} within {window_days}; usually {usual:.1f} per "
                f"{window_days} days)")))
    return alerts


def detect_pass_through(t: pl.DataFrame, days: int = 10, tolerance: float = 0.1,
                        min_amount: float = 10_000.0) -> list[Alert]:
    """Money in and out of one party within ``days`` with similar amounts."""
    big = t.filter((pl.col("amount") >= min_amount) & (pl.col("payer") != pl.col("payee")))
    ins = big.select(pl.col("payee").alias("party"), "currency", pl.col("id").alias("in_id"),
                     pl.col("amount").alias("in_amount"), pl.col("date").alias("in_date"),
                     pl.col("payer").alias("from"))
    outs = big.select(pl.col("payer").alias("party"), "currency", pl.col("id").alias("out_id"),
                      pl.col("amount").alias("out_amount"), pl.col("date").alias("out_date"),
                      pl.col("payee").alias("to"))
    pairs = ins.join(outs, on=["party", "currency"]).filter(
        ((pl.col("out_date").cast(pl.Date) - pl.col("in_date").cast(pl.Date)).dt.total_days()
         .is_between(0, days))
        & ((pl.col("out_amount") - pl.col("in_amount")).abs()
           <= tolerance * pl.col("in_amount"))
        & (pl.col("in_id") != pl.col("out_id"))).sort("party", "in_date", "in_id", "out_id")
    by_id = {r["id"]: r for r in big.iter_rows(named=True)}
    alerts = []
    for (party,), part in pairs.group_by("party", maintain_order=True):
        ids = list(dict.fromkeys(part["in_id"].to_list() + part["out_id"].to_list()))
        rows = pl.DataFrame([by_id[i] for i in ids], schema=big.schema)
        first = part.row(0, named=True)
        alerts.append(_alert("pass_through", str(party), rows, (
            f"{party} received {_fmt(first['in_amount'])} from {first['from']} and paid "
            f"{_fmt(first['out_amount'])} to {first['to']} within "
            f"{(first['out_date'] - first['in_date']).days} days"
            + (f" ({part.height} such in/out pairs)" if part.height > 1 else "")
            + f"; amounts within {tolerance:.0%}")))
    return alerts


def detect_round_trips(t: pl.DataFrame, max_hops: int = 4, days: int = 90,
                       tolerance: float = 0.1, min_amount: float = 10_000.0) -> list[Alert]:
    """Chains of transfers that return to the party they started from."""
    big = t.filter((pl.col("amount") >= min_amount) & (pl.col("payer") != pl.col("payee"))
                   ).sort("date", "id")
    rows = big.select("id", "payer", "payee", "amount", "currency",
                      pl.col("date").cast(pl.Date).cast(pl.Int64).alias("day")).rows()
    out_of: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        out_of[r[1]].append(r)
    found: list[list[tuple]] = []
    seen: set[tuple[str, ...]] = set()

    def walk(chain: list[tuple]) -> None:
        last = chain[-1]
        for nxt in out_of.get(last[2], ()):
            if nxt[5] < last[5] or nxt[5] - chain[0][5] > days or nxt[4] != last[4]:
                continue
            if abs(nxt[3] - last[3]) > tolerance * last[3]:
                continue
            if nxt in chain:
                continue
            if nxt[2] == chain[0][1]:
                key = tuple(sorted(r[0] for r in [*chain, nxt]))
                if key not in seen:
                    seen.add(key)
                    found.append([*chain, nxt])
            elif len(chain) + 1 < max_hops and nxt[2] not in {r[1] for r in chain}:
                walk([*chain, nxt])

    for r in rows:
        walk([r])
    by_id = {r["id"]: r for r in big.iter_rows(named=True)}
    alerts = []
    for chain in found:
        part = pl.DataFrame([by_id[r[0]] for r in chain], schema=big.schema)
        path = " → ".join([chain[0][1], *[r[2] for r in chain]])
        alerts.append(Alert("round_trip", chain[0][1], tuple(r[0] for r in chain),
                            float(chain[0][3]), chain[0][4], str(part["date"].min()),
                            str(part["date"].max()),
                            f"{path}: {len(chain)} transfers over {chain[-1][5] - chain[0][5]} "
                            f"days back to the origin, {_fmt(chain[0][3])} out and "
                            f"{_fmt(chain[-1][3])} back"))
    return alerts


def detect_front_companies(t: pl.DataFrame, fronts: Iterable[str] = (),
                           secrecy: Iterable[str] = (), company_ids: Iterable[str] = ()
                           ) -> list[Alert]:
    """Transfers through flagged fronts, or cross-border through secrecy-jurisdiction
    companies (``company_ids``: parties known to be companies; ``secrecy``: ISO3 codes)."""
    flagged = set(fronts)
    offshore = set(secrecy)
    companies = set(company_ids)
    alerts = []
    for side, country_col in (("payee", "payee_country"), ("payer", "payer_country")):
        cross = pl.col("payer_country") != pl.col("payee_country")
        rule = pl.col(side).is_in(list(flagged))
        if offshore and companies:
            rule = rule | (pl.col(side).is_in(list(companies))
                           & pl.col(country_col).is_in(list(offshore)) & cross)
        for (who,), part in t.filter(rule).sort("date", "id").group_by(side,
                                                                       maintain_order=True):
            why = "flagged as a front company" if who in flagged else \
                f"a company in a secrecy jurisdiction ({part[country_col][0]}) moving money " \
                "across borders"
            n_cross = int((part["payer_country"] != part["payee_country"]).sum())
            verb = "received" if side == "payee" else "paid"
            alerts.append(_alert("front_company", str(who), part, (
                f"{who} ({why}) {verb} {part.height} transfers, {n_cross} cross-border, "
                f"{_fmt(float(part['amount'].sum()))} {part['currency'][0]}")))
    return alerts


def benign_pattern(words: Sequence[str]) -> str | None:
    """A case-insensitive word pattern from a list of benign purposes (None if empty)."""
    return "|".join(rf"\b{re.escape(w)}\b" for w in words) if words else None
