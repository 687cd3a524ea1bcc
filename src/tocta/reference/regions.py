"""Named groups of countries: UN M49 areas and the curated regions of regions.yaml.

A region is asked for by name, case- and space-insensitively ("west africa", "Western
Africa"), by an alias ("EU", "ASEAN") or by M49 code ("202", "011", "2"). Names from
regions.yaml (and from files added with ``load_regions``) shadow M49 names of the same
spelling; M49 areas stay reachable by their code. Later user files replace earlier
definitions of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import process

from tocta.errors import ConfigError, NotFoundError
from tocta.reference.countries import all_countries
from tocta.reference.names import normalize_name
from tocta.yamlio import load_yaml

__all__ = ["Region", "list_regions", "load_regions", "region_codes"]


@dataclass(frozen=True)
class Region:
    """A named set of ISO alpha-3 codes with where its definition comes from."""

    name: str
    members: frozenset[str]
    source: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    m49: str | None = None  # the M49 code of an M49 area


@cache
def _m49_regions() -> tuple[Region, ...]:
    groups: dict[tuple[str, str], set[str]] = {}
    world: set[str] = set()
    for c in all_countries():
        levels = [
            (c.region_code, c.region_name),
            (c.subregion_code, c.subregion_name),
            (c.intermediate_code, c.intermediate_name),
        ]
        for code, name in levels:
            if code and name:
                groups.setdefault((code, name), set()).add(c.iso3)
        if c.region_code:
            world.add(c.iso3)
    out = [
        Region(name, frozenset(m), "UN M49 standard area (datahub country-codes)", m49=code)
        for (code, name), m in groups.items()
    ]
    out.append(Region("World", frozenset(world), "UN M49 standard area 001", m49="1"))
    return tuple(out)


def _parse(data: Any, origin: str) -> list[Region]:
    """Regions from a parsed YAML document; every problem is listed in one ConfigError."""
    problems: list[str] = []
    known = {c.iso3 for c in all_countries()}
    m49 = {r.m49: r for r in _m49_regions()}
    specs = data.get("regions") if isinstance(data, dict) else None
    if not isinstance(specs, dict):
        raise ConfigError(f"{origin}: expected a top-level 'regions:' mapping")
    out = []
    for name, spec in specs.items():
        where = f"{origin}: regions: {name}"
        if not isinstance(spec, dict) or not spec.get("source"):
            problems.append(f"{where}: needs a mapping with 'source' and 'members' or 'm49'")
            continue
        if "m49" in spec:
            area = m49.get(str(int(str(spec["m49"])))) if str(spec["m49"]).isdigit() else None
            if area is None:
                problems.append(f"{where}: m49: unknown M49 code {spec['m49']!r}")
                continue
            members = set(area.members)
        else:
            members = {str(m).upper() for m in spec.get("members") or []}
            unknown = sorted(members - known)
            if unknown or not members:
                problems.append(f"{where}: members: unknown or empty: {unknown}")
                continue
        out.append(
            Region(
                str(name),
                frozenset(members),
                str(spec["source"]),
                str(spec.get("description", "")).strip(),
                tuple(str(a) for a in spec.get("aliases") or ()),
            )
        )
    if problems:
        raise ConfigError(f"{origin}: invalid region definitions", problems)
    return out


# Regions added at run time by load_regions(), in load order.
_user_regions: list[Region] = []


@cache
def _builtin_regions() -> tuple[Region, ...]:
    text = files("tocta.reference").joinpath("data", "regions.yaml").read_text(encoding="utf-8")
    return tuple(_parse(load_yaml(text), "regions.yaml"))


def _index() -> dict[str, Region]:
    index: dict[str, Region] = {}
    # Later entries win: M49 names, then regions.yaml, then user files in load order.
    for region in [*_m49_regions(), *_builtin_regions(), *_user_regions]:
        for label in (region.name, *region.aliases):
            index[normalize_name(label)] = region
    return index


def load_regions(path: str | Path) -> tuple[Region, ...]:
    """Add user-defined regions from a YAML file shaped like the packaged regions.yaml.

    Args:
        path: A YAML file with ``regions: {Name: {members: [...], source: ...}}``; a region
            may give ``m49: "202"`` instead of members, and ``aliases`` and ``description``.

    Returns:
        The regions read from the file.

    Raises:
        ConfigError: The file cannot be read or a definition is invalid (all listed).
    """
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read region definitions: {exc}") from exc
    regions = _parse(data, str(path))
    _user_regions.extend(regions)
    return tuple(regions)


def list_regions() -> tuple[Region, ...]:
    """Every region: M49 areas and the named regions (a later definition of a name wins).

    Returns:
        Regions sorted by name; an M49 area shadowed by a named region of the same name
        (e.g. M49 013 "Central America") is listed too, with its ``m49`` code.
    """
    named = {normalize_name(r.name): r for r in [*_builtin_regions(), *_user_regions]}
    return tuple(sorted([*_m49_regions(), *named.values()], key=lambda r: (r.name, r.m49 or "")))


def region_codes(name: str) -> frozenset[str]:
    """The ISO alpha-3 codes of a region.

    Args:
        name: A region name or alias (case and spacing ignored) or an M49 code ("202").

    Returns:
        The member codes.

    Raises:
        NotFoundError: No such region; the message names the closest region names.
    """
    text = str(name).strip()
    if text.isdigit():
        for area in _m49_regions():
            if area.m49 == str(int(text)):
                return area.members
    index = _index()
    found = index.get(normalize_name(text))
    if found is not None:
        return found.members
    labels = {normalize_name(r.name): r.name for r in index.values()}
    close = process.extract(normalize_name(text), list(labels), limit=3, score_cutoff=50)
    hint = ", ".join(repr(labels[c]) for c, _, _ in close) or "none"
    raise NotFoundError(f"unknown region {name!r}; closest: {hint}")
