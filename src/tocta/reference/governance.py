"""Governance indicators used as reference (World Bank WGI 2023 update, rule of law)."""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources


@functools.cache
def _rule_of_law() -> dict[str, float]:
    text = (resources.files("tocta.reference") / "data" / "wgi_rule_of_law.csv").read_text(
        encoding="utf-8")
    return {r["iso3"]: float(r["rule_of_law"]) for r in csv.DictReader(io.StringIO(text))}


def rule_of_law(iso3: str) -> float | None:
    """Latest WGI rule-of-law estimate (about -2.5 weak to 2.5 strong), or None."""
    return _rule_of_law().get(iso3)
