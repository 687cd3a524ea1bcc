"""Cited defaults: figures no data table gives (conversion factors, densities, purity, ...).

All of them live in ``data/defaults.yaml``, each with a value, a range, a unit, a full
citation and a status. The loader refuses the whole file if any entry lacks a source or has
an unordered range, so an estimate can never rest on an uncited or malformed figure.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process

from tocta.errors import ConfigError, NotFoundError
from tocta.yamlio import load_yaml

KINDS = ("conversion", "density", "purity", "consumption", "loss", "demography", "interception",
         "laundering")
STATUSES = ("published", "derived", "assumption", "placeholder")


@dataclass(frozen=True)
class Default:
    """One cited default: ``value`` with its plausible range ``low``..``high`` in ``unit``."""

    key: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    note: str
    kind: str
    status: str

    @property
    def is_placeholder(self) -> bool:
        """True for entries that only reserve structure and must not enter an estimate."""
        return self.status == "placeholder"


def _entry(key: str, raw: Any, problems: list[str]) -> Default | None:
    if not isinstance(raw, dict):
        problems.append(f"{key}: entry must be a mapping")
        return None
    try:
        value, low, high = (float(raw[k]) for k in ("value", "low", "high"))
    except (KeyError, TypeError, ValueError):
        problems.append(f"{key}: value, low and high must all be numbers")
        return None
    entry = Default(
        key=key,
        value=value,
        low=low,
        high=high,
        unit=str(raw.get("unit") or ""),
        source=" ".join(str(raw.get("source") or "").split()),
        note=" ".join(str(raw.get("note") or "").split()),
        kind=str(raw.get("kind") or ""),
        status=str(raw.get("status") or ""),
    )
    if not all(math.isfinite(x) for x in (value, low, high)) or not low <= value <= high:
        problems.append(f"{key}: need low <= value <= high, got {low} <= {value} <= {high}")
    if not entry.source:
        problems.append(f"{key}: source (a full citation) is required")
    if not entry.unit:
        problems.append(f"{key}: unit is required")
    if entry.kind not in KINDS:
        problems.append(f"{key}: kind {entry.kind!r} not in {KINDS}")
    if entry.status not in STATUSES:
        problems.append(f"{key}: status {entry.status!r} not in {STATUSES}")
    return entry


def load_defaults(text: str) -> dict[str, Default]:
    """Parse and validate a defaults YAML document.

    Raises:
        ConfigError: listing every invalid entry at once.
    """
    raw = load_yaml(text) or {}
    problems: list[str] = []
    entries: dict[str, Default] = {}
    for key, item in (raw.get("defaults") or {}).items():
        entry = _entry(str(key), item, problems)
        if entry is not None:
            entries[entry.key] = entry
    if problems:
        raise ConfigError("defaults.yaml is invalid", problems)
    return entries


@functools.cache
def _defaults() -> dict[str, Default]:
    path = resources.files("tocta.reference").joinpath("data", "defaults.yaml")
    return load_defaults(path.read_text(encoding="utf-8"))


def all_defaults() -> tuple[Default, ...]:
    """Every default, in file order."""
    return tuple(_defaults().values())


def get_default(key: str) -> Default:
    """Return the default with this key.

    Raises:
        NotFoundError: the key is unknown; the message names the closest keys.
    """
    entries = _defaults()
    if key in entries:
        return entries[key]
    close = process.extract(str(key), list(entries), scorer=fuzz.ratio, limit=3)
    hint = ", ".join(k for k, _, _ in close)
    raise NotFoundError(f"unknown default {key!r}; closest: {hint}")
