"""Illicit money patterns of one group: laundering typologies and other criminal payments.

A pattern is a handful of transfers that belong together (one structuring run, one round
trip). Laundering typologies: ``structuring`` (cash deposits just below the reporting
threshold), ``fan_in`` (many member accounts pay one collector), ``fan_out`` (one account
pays many), ``round_trip`` (home → shell abroad → front elsewhere → home), ``shell_company``
(front → shell "fees" → organizer), ``front_company`` (trade-like wires between fronts) and
``cash_courier`` (bulk cash carried across a border). Other illicit payments, not laundering:
``supplier_payment`` (to an upstream group, by hawala, crypto or wire), ``bribe`` (to the
group's official) and ``wages`` (to couriers and transporters).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

LAUNDERING = {"structuring": 0.2, "fan_in": 0.15, "fan_out": 0.15, "round_trip": 0.1,
              "shell_company": 0.15, "front_company": 0.15, "cash_courier": 0.1}
OTHER = {"supplier_payment": 0.5, "bribe": 0.2, "wages": 0.3}
SIZES = {"structuring": (4, 15), "fan_in": (5, 15), "fan_out": (5, 15), "round_trip": (3, 4),
         "shell_company": (2, 4), "front_company": (1, 4), "cash_courier": (1, 2),
         "supplier_payment": (1, 3), "bribe": (1, 3), "wages": (2, 8)}

#: (party id, account id or None, country)
Party = tuple[str, str | None, str]
#: (day offset, amount USD, payer, payee, channel, purpose)
Move = tuple[int, float, Party, Party, str, str | None]


@dataclass
class Purse:
    """What one group can move money with."""

    group_id: str
    home: str
    accounts: dict[str, list[Party]] = field(default_factory=dict)
    hands: list[Party] = field(default_factory=list)        # couriers and transporters
    boss: Party | None = None
    sale_countries: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    suppliers: list[Party] = field(default_factory=list)

    def any_of(self, *roles: str) -> list[Party]:
        return [a for r in roles for a in self.accounts.get(r, [])]


def wallet(owner: str) -> str:
    """A stable crypto wallet address for an owner (bech32-looking, not valid on chain)."""
    return "bc1q" + hashlib.sha1(f"wallet:{owner}".encode()).hexdigest()[:38]


def _one(items: list[Party], rng: np.random.Generator) -> Party:
    return items[int(rng.integers(len(items)))]


def _days(k: int, span: int, rng: np.random.Generator) -> list[int]:
    return sorted(int(d) for d in rng.integers(0, span + 1, size=k))


def _round(x: float, to: int) -> float:
    return float(round(x / to) * to)


def _money_men(p: Purse) -> list[Party]:
    return p.any_of("front", "financier", "organizer", "broker") or p.any_of("shell")


def moves(kind: str, p: Purse, k: int, threshold: float, rng: np.random.Generator
          ) -> list[Move]:
    """The transfers of one pattern of ``kind`` (fewer than ``k`` when the group lacks parties)."""
    hub = _money_men(p)
    members = p.any_of("courier", "transporter", "broker", "financier") or hub
    if not hub:
        return []
    if kind == "structuring":
        courier = _one(p.hands or members, rng)
        local = [a for a in p.any_of("front", "courier", "transporter") if a[2] == courier[2]]
        to = _one(local or hub, rng)
        src = (courier[0], None, to[2])
        return [(d, _round(threshold * rng.uniform(0.8, 0.995), 10), src, to, "cash",
                 "cash deposit") for d in _days(k, 14, rng)]
    if kind == "fan_in":
        to = _one(hub, rng)
        chan = "wire" if rng.random() < 0.5 else "money_service"
        return [(d, _round(rng.uniform(1500, 9500), 5), _one(members, rng), to, chan, None)
                for d in _days(k, 7, rng)]
    if kind in ("fan_out", "wages"):
        frm = _one(hub, rng)
        low, high = (500, 8000) if kind == "fan_out" else (300, 3000)
        to_list = members if kind == "fan_out" else (p.any_of("courier", "transporter")
                                                     or members)
        chan = "money_service" if kind == "wages" or rng.random() < 0.4 else "wire"
        why = "services" if kind == "fan_out" else None
        return [(d, _round(rng.uniform(low, high), 5), frm, _one(to_list, rng), chan, why)
                for d in _days(k, 5 if kind == "fan_out" else 20, rng)]
    if kind == "round_trip":
        start = _one(p.any_of("front", "organizer", "financier") or hub, rng)
        away = p.any_of("shell") or [a for a in hub if a[2] != start[2]] or hub
        mid = _one(away, rng)
        back = [a for a in p.any_of("front") if a[2] != mid[2] and a != start] or [start]
        chain = [start, mid, _one(back, rng), start][: k + 1]
        amount, day = float(np.exp(rng.normal(np.log(200_000), 0.8))), 0
        out: list[Move] = []
        for i, why in zip(range(len(chain) - 1), ("consulting services", "loan",
                                                   "repayment of loan"), strict=False):
            out.append((day, _round(amount, 1), chain[i], chain[i + 1], "wire", why))
            amount *= rng.uniform(0.97, 0.995)
            day += int(rng.integers(3, 21))
        return out
    if kind == "shell_company":
        shells = p.any_of("shell") or [a for a in hub if a[2] != p.home] or hub
        shell, front = _one(shells, rng), _one(p.any_of("front") or hub, rng)
        end = _one(p.any_of("organizer", "financier") or hub, rng)
        legs = [(front, shell, "management fees"), (shell, end, "loan")]
        legs += [(front, shell, "consulting services")] * (k - 2)
        return [(d, _round(float(np.exp(rng.normal(np.log(150_000), 0.9))), 1), a, b, "wire",
                 why) for d, (a, b, why) in zip(_days(len(legs), 60, rng), legs, strict=True)]
    if kind == "front_company":
        fronts = p.any_of("front") or hub
        frm = _one([a for a in fronts if a[2] != p.home] or fronts, rng)
        to = _one([a for a in fronts if a[2] == p.home] or hub, rng)
        chan = "trade_based" if rng.random() < 0.3 else "wire"
        year_ref = int(rng.integers(1000, 9999))
        return [(30 * i, _round(float(np.exp(rng.normal(np.log(80_000), 0.8))), 1), frm, to,
                 chan, f"payment invoice INV-{year_ref}-{int(rng.integers(100, 999))}")
                for i in range(k)]
    if kind == "cash_courier":
        courier = _one(p.hands or members, rng)
        boss = p.boss or _one(hub, rng)
        # Bulk cash crosses a border: from a market the group sells in to where its boss lives.
        where = [c for c in p.sale_countries if c != boss[2]] or \
            [c for c in p.countries if c != boss[2]] or [courier[2]]
        frm = (courier[0], None, where[int(rng.integers(len(where)))])
        to = (boss[0], None, boss[2])
        near = rng.random() < 0.3
        return [(d, _round(threshold * rng.uniform(0.9, 0.99), 10) if near else
                 _round(rng.uniform(20_000, 500_000), 100), frm, to, "cash", None)
                for d in _days(k, 30, rng)]
    if kind == "supplier_payment":
        to = _one(p.suppliers or hub, rng)
        frm = _one(p.any_of("broker", "financier", "organizer") or hub, rng)
        chan = str(rng.choice(["hawala", "crypto", "wire", "money_service"],
                              p=[0.4, 0.2, 0.2, 0.2]))
        if chan == "hawala":
            frm, to = (frm[0], None, frm[2]), (to[0], None, to[2])
        elif chan == "crypto":
            frm, to = (frm[0], wallet(frm[0]), frm[2]), (to[0], wallet(to[0]), to[2])
        return [(d, _round(float(np.exp(rng.normal(np.log(90_000), 1.0))), 10), frm, to,
                 chan, None) for d in _days(k, 40, rng)]
    if kind == "bribe":
        officials = p.any_of("official")
        if not officials:
            return []
        to, frm = _one(officials, rng), _one(hub, rng)
        chan = str(rng.choice(["wire", "cash", "money_service"], p=[0.5, 0.3, 0.2]))
        if chan == "cash":
            frm, to = (frm[0], None, to[2]), (to[0], None, to[2])
        return [(d, _round(rng.uniform(2000, 50_000), 100), frm, to, chan,
                 str(rng.choice(["consultancy", "donation", "gift"])))
                for d in _days(k, 90, rng)]
    raise ValueError(f"unknown money pattern {kind!r}")
