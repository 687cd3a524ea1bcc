"""How the money is handled (TOCTA Q4): money trails between resolved entities, and typologies.

Input is a table of payments or transfers (``id, payer, payee, amount, currency, date`` and
optionally ``channel, payer_country, payee_country, purpose``) whose parties are *record* ids,
and a mapping record id → canonical id from entity resolution (ids not in the mapping stand
for themselves, and are counted). Output is a frozen ``MoneyTrailResult``: flows between
canonical entities, totals by country pair and by channel (never added across currencies: no
exchange rate is assumed), and the alerts of the typology detectors in ``money_typologies``,
each naming the transfers that triggered it and why. See docs/methodology/networks-and-money.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from tocta.analytics.money_typologies import (
    Alert,
    benign_pattern,
    detect_fans,
    detect_front_companies,
    detect_pass_through,
    detect_round_trips,
    detect_structuring,
)

__all__ = ["Alert", "MoneyTrailParams", "MoneyTrailResult", "trace_money"]

METHOD = ("money trails: transfers resolved to canonical entities, aggregated per pair, "
          "country pair and channel; rule-based typology detectors (structuring, fan-in, "
          "fan-out, pass-through, round-tripping, front companies)")
REQUIRED = ("id", "payer", "payee", "amount", "currency", "date")
OPTIONAL = ("channel", "payer_country", "payee_country", "purpose")
TYPOLOGIES = ("structuring", "fan_in", "fan_out", "pass_through", "round_trip",
              "front_company")


@dataclass(frozen=True)
class MoneyTrailParams:
    """Thresholds of the detectors, recorded in the result (see ``money_typologies``).

    Attributes:
        reporting_threshold: the cash/transaction reporting threshold (10,000 in the US
            Bank Secrecy Act and in many FATF members; set the jurisdiction's own).
        structuring_band: a transfer is "just under" from this share of the threshold.
        structuring_min_count, structuring_window_days: how many within how long.
        fan_min_transfers, fan_min_parties, fan_in_window_days, fan_out_window_days: a fan
            is at least this many transfers with this many distinct counterparties within
            the window.
        fan_burst: ... and at least this many times the party's usual number of transfers
            per window (its other ones, over the rest of the period), so that an account
            always this busy is not a fan.
        benign_purposes: purposes excluded from fan detection (declared payroll).
        pass_through_days, pass_through_tolerance, pass_through_min_amount: in and out.
        round_trip_max_hops, round_trip_days, round_trip_tolerance, round_trip_min_amount.
        front_companies: canonical ids of companies flagged as fronts (e.g. owned or directed
            by subjects of a network analysis).
        secrecy_jurisdictions: ISO3 codes whose companies moving money across borders are
            flagged; empty by default (choose a published list, e.g. the Tax Justice
            Network's Financial Secrecy Index, and record it here).
        typologies: the detectors to run.
    """

    reporting_threshold: float = 10_000.0
    structuring_band: float = 0.8
    structuring_min_count: int = 3
    structuring_window_days: int = 14
    fan_min_transfers: int = 5
    fan_min_parties: int = 3
    fan_burst: float = 3.0
    fan_in_window_days: int = 7
    fan_out_window_days: int = 7
    benign_purposes: tuple[str, ...] = ("salary", "payroll", "wages", "pension")
    pass_through_days: int = 21
    pass_through_tolerance: float = 0.05
    pass_through_min_amount: float = 10_000.0
    round_trip_max_hops: int = 4
    round_trip_days: int = 90
    round_trip_tolerance: float = 0.1
    round_trip_min_amount: float = 10_000.0
    front_companies: tuple[str, ...] = ()
    secrecy_jurisdictions: tuple[str, ...] = ()
    typologies: tuple[str, ...] = TYPOLOGIES

    def __post_init__(self) -> None:
        unknown = [t for t in self.typologies if t not in TYPOLOGIES]
        if unknown:
            raise ValueError(f"unknown typologies {unknown}; known: {', '.join(TYPOLOGIES)}")
        if not 0 < self.structuring_band < 1:
            raise ValueError("structuring_band must be between 0 and 1")
        if self.reporting_threshold <= 0:
            raise ValueError("reporting_threshold must be positive")


@dataclass(frozen=True)
class MoneyTrailResult:
    """Flows and alerts (see ``trace_money``).

    Attributes:
        transfers: the input resolved: ``id, payer, payee`` (canonical), ``payer_record,
            payee_record``, amounts, dates, channel, countries, purpose.
        flows: ``payer, payee, currency, transfers, amount, first, last, channels``.
        by_country: ``payer_country, payee_country, currency, transfers, amount``.
        by_channel: ``channel, currency, transfers, amount``.
        alerts: every alert, in detector order.
        counts: ``transfers``, ``unresolved_parties`` (record ids not in the mapping),
            ``alerts`` and alerts per typology.
    """

    method: str
    params: MoneyTrailParams
    transfers: pl.DataFrame
    flows: pl.DataFrame
    by_country: pl.DataFrame
    by_channel: pl.DataFrame
    alerts: tuple[Alert, ...]
    counts: dict[str, int] = field(default_factory=dict)

    def alerts_table(self) -> pl.DataFrame:
        """One row per alert: ``typology, subject, transfers, transfer_ids, amount,
        currency, start, end, reason``."""
        return pl.DataFrame(
            [{"typology": a.typology, "subject": a.subject, "transfers": len(a.transfer_ids),
              "transfer_ids": ";".join(a.transfer_ids), "amount": a.amount,
              "currency": a.currency, "start": a.start, "end": a.end, "reason": a.reason}
             for a in self.alerts],
            schema={"typology": pl.Utf8, "subject": pl.Utf8, "transfers": pl.Int64,
                    "transfer_ids": pl.Utf8, "amount": pl.Float64, "currency": pl.Utf8,
                    "start": pl.Utf8, "end": pl.Utf8, "reason": pl.Utf8})

    def flagged_ids(self, typology: str | None = None) -> set[str]:
        """Ids of the transfers in any alert (of ``typology`` when given)."""
        return {i for a in self.alerts if typology in (None, a.typology)
                for i in a.transfer_ids}

    def explain(self) -> str:
        """Inputs, resolution, the largest flows and the alerts with their reasons."""
        c, p = self.counts, self.params
        lines = [f"{self.method}.",
                 f"{c['transfers']:,} transfers; {c['unresolved_parties']:,} party record ids "
                 f"not in the resolution mapping (kept as their own entities); "
                 f"{self.flows.height:,} payer→payee flows. Amounts are summed per currency "
                 f"only. Alerts are leads for an analyst: legitimate activity makes the same "
                 f"shapes.",
                 f"Thresholds: reporting {p.reporting_threshold:,.0f}, structuring from "
                 f"{p.structuring_band:.0%} of it (≥ {p.structuring_min_count} in "
                 f"{p.structuring_window_days} days); fans ≥ {p.fan_min_transfers} transfers "
                 f"from ≥ {p.fan_min_parties} parties, ≥ {p.fan_burst:g}× usual; "
                 f"pass-through within {p.pass_through_days} days ±"
                 f"{p.pass_through_tolerance:.0%}; round trips ≤ {p.round_trip_max_hops} "
                 f"hops in {p.round_trip_days} days."]
        for row in self.flows.sort("amount", descending=True).head(5).iter_rows(named=True):
            lines.append(f"  flow {row['payer']} → {row['payee']}: {row['amount']:,.0f} "
                         f"{row['currency']} in {row['transfers']} transfers")
        for typology in p.typologies:
            lines.append(f"{typology}: {c.get('alerts_' + typology, 0)} alerts")
        for a in self.alerts[:10]:
            lines.append(f"  [{a.typology}] {a.reason} — transfers {', '.join(a.transfer_ids)}")
        if len(self.alerts) > 10:
            lines.append(f"  … and {len(self.alerts) - 10} more (alerts_table())")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data with stable snake_case keys (for ``--json``)."""
        return {"method": self.method, "params": asdict(self.params),
                "counts": dict(self.counts), "flows": self.flows.to_dicts(),
                "by_country": self.by_country.to_dicts(),
                "by_channel": self.by_channel.to_dicts(),
                "alerts": self.alerts_table().to_dicts()}


def resolve_transfers(transfers: pl.DataFrame, mapping: Mapping[str, str] | None = None
                      ) -> tuple[pl.DataFrame, int]:
    """Transfers with canonical ``payer``/``payee`` (record ids kept in ``*_record``) and the
    number of distinct party record ids the mapping does not cover."""
    missing = [c for c in REQUIRED if c not in transfers.columns]
    if missing:
        raise ValueError(f"transfer table lacks column(s) {', '.join(missing)}; found: "
                         f"{', '.join(transfers.columns) or 'none'}")
    t = transfers.with_columns([pl.lit(None, pl.Utf8).alias(c) for c in OPTIONAL
                                if c not in transfers.columns])
    t = t.with_columns(pl.col("id").cast(pl.Utf8), pl.col("payer").cast(pl.Utf8),
                       pl.col("payee").cast(pl.Utf8), pl.col("amount").cast(pl.Float64),
                       pl.col("date").cast(pl.Date))
    mapping = dict(mapping or {})
    parties = set(t["payer"].to_list()) | set(t["payee"].to_list())
    unresolved = len(parties - set(mapping)) if mapping else len(parties)
    return t.select(
        "id",
        pl.col("payer").replace(mapping).alias("payer") if mapping else pl.col("payer"),
        pl.col("payee").replace(mapping).alias("payee") if mapping else pl.col("payee"),
        pl.col("payer").alias("payer_record"), pl.col("payee").alias("payee_record"),
        "amount", pl.col("currency").cast(pl.Utf8), "date", pl.col("channel").cast(pl.Utf8),
        pl.col("payer_country").cast(pl.Utf8), pl.col("payee_country").cast(pl.Utf8),
        pl.col("purpose").cast(pl.Utf8)), unresolved


def trace_money(transfers: pl.DataFrame, mapping: Mapping[str, str] | None = None,
                params: MoneyTrailParams | None = None,
                company_ids: tuple[str, ...] = ()) -> MoneyTrailResult:
    """Resolve transfers to canonical entities, aggregate the flows, run the detectors.

    Args:
        transfers: one row per transfer (``REQUIRED`` columns, ``OPTIONAL`` ones if known).
        mapping: record id → canonical id (from entity resolution).
        params: detector thresholds.
        company_ids: canonical ids known to be companies (for the secrecy-jurisdiction rule).
    """
    p = params or MoneyTrailParams()
    t, unresolved = resolve_transfers(transfers, mapping)
    flows = (t.group_by("payer", "payee", "currency")
             .agg(pl.len().alias("transfers"), pl.col("amount").sum(),
                  pl.col("date").min().alias("first"), pl.col("date").max().alias("last"),
                  pl.col("channel").drop_nulls().unique().sort().str.join(";")
                  .alias("channels"))
             .sort("amount", "payer", "payee", descending=[True, False, False]))
    by_country = (t.group_by("payer_country", "payee_country", "currency")
                  .agg(pl.len().alias("transfers"), pl.col("amount").sum())
                  .sort("amount", descending=True))
    by_channel = (t.group_by("channel", "currency")
                  .agg(pl.len().alias("transfers"), pl.col("amount").sum())
                  .sort("amount", descending=True))
    alerts: list[Alert] = []
    for typology in p.typologies:
        alerts += _detect(typology, t, p, company_ids)
    counts = {"transfers": t.height, "unresolved_parties": unresolved, "alerts": len(alerts)}
    for typology in p.typologies:
        counts["alerts_" + typology] = sum(a.typology == typology for a in alerts)
    return MoneyTrailResult(METHOD, p, t, flows, by_country, by_channel, tuple(alerts), counts)


def _detect(typology: str, t: pl.DataFrame, p: MoneyTrailParams,
            company_ids: tuple[str, ...]) -> list[Alert]:
    if typology == "structuring":
        return detect_structuring(t, p.reporting_threshold, p.structuring_band,
                                  p.structuring_min_count, p.structuring_window_days)
    if typology in ("fan_in", "fan_out"):
        window = p.fan_in_window_days if typology == "fan_in" else p.fan_out_window_days
        return detect_fans(t, typology[4:], p.fan_min_parties, window,
                           benign_pattern(p.benign_purposes), p.fan_min_transfers, p.fan_burst)
    if typology == "pass_through":
        return detect_pass_through(t, p.pass_through_days, p.pass_through_tolerance,
                                   p.pass_through_min_amount)
    if typology == "round_trip":
        return detect_round_trips(t, p.round_trip_max_hops, p.round_trip_days,
                                  p.round_trip_tolerance, p.round_trip_min_amount)
    return detect_front_companies(t, p.front_companies, p.secrecy_jurisdictions, company_ids)
