"""The source registry: who submits what, with which default grade and TLP, shared with whom."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from tocta.access.clearance import Grants
from tocta.errors import ConfigError, NotFoundError
from tocta.schema.types.grade import Grade, make_grade, parse_grade
from tocta.schema.types.tlp import TLP_LEVELS, parse_tlp
from tocta.store.tables import grants, sources

_SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
GRANTEE_KINDS = ("agency", "panel", "user")


@dataclass(frozen=True)
class Source:
    """A registered source (agency + dataset) and its default labels."""

    source_id: str
    agency: str
    dataset: str
    owner_agency: str
    grade: Grade | None
    tlp: str | None
    handling: str | None = None
    title: str | None = None
    synthetic: bool = False


def parse_source_id(source_id: str) -> tuple[str, str]:
    """``AGENCY/DATASET`` → (agency, dataset); a bad id is a configuration error."""
    if not _SOURCE_ID.match(source_id):
        raise ConfigError(
            f"source id {source_id!r} must look like AGENCY/DATASET "
            "(letters, digits, '.', '_' or '-'), e.g. UNODC/WDR2024-seizures"
        )
    agency, dataset = source_id.split("/", 1)
    return agency, dataset


def add_source(conn: sa.Connection, source_id: str, *, grade: str | None, tlp: str | None,
               handling: str | None = None, owner_agency: str | None = None,
               title: str | None = None, synthetic: bool = False) -> Source:
    """Register a source. A source needs a default grade and TLP (never a silent default)."""
    agency, dataset = parse_source_id(source_id)
    problems: list[str] = []
    parsed_grade = parse_grade(grade) if grade else None
    if grade is None:
        problems.append("--grade is required (e.g. admiralty:B2, 5x5x5:B2, 3x5x2:1B, "
                        "europol4x4:B2)")
    elif parsed_grade is None:
        problems.append(f"grade {grade!r} is not SCHEME:CODE valid in its scheme "
                        "(e.g. admiralty:B2)")
    parsed_tlp = parse_tlp(tlp) if tlp else None
    if tlp is None:
        problems.append(f"--tlp is required ({', '.join(TLP_LEVELS)})")
    elif parsed_tlp is None:
        problems.append(f"TLP {tlp!r} is not one of {', '.join(TLP_LEVELS)}")
    if problems:
        raise ConfigError(f"cannot register source {source_id}:", problems)
    assert parsed_grade is not None and parsed_tlp is not None
    existing = conn.execute(
        sa.select(sources.c.source_id).where(sources.c.source_id == source_id)
    ).first()
    if existing:
        raise ConfigError(f"source {source_id} is already registered")
    conn.execute(sources.insert().values(
        source_id=source_id, agency=agency, dataset=dataset, title=title,
        grade_scheme=parsed_grade.scheme, source_reliability=parsed_grade.source_reliability,
        info_credibility=parsed_grade.info_credibility, tlp=parsed_tlp, handling=handling,
        owner_agency=owner_agency or agency, synthetic=synthetic,
        created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    ))
    return get_source(conn, source_id)


def _source(row: sa.Row[tuple[object, ...]]) -> Source:
    m = row._mapping
    grade = None
    if m["grade_scheme"]:
        grade = make_grade(m["grade_scheme"], m["source_reliability"], m["info_credibility"])
    return Source(
        source_id=m["source_id"], agency=m["agency"], dataset=m["dataset"],
        owner_agency=m["owner_agency"], grade=grade, tlp=m["tlp"], handling=m["handling"],
        title=m["title"], synthetic=bool(m["synthetic"]),
    )


def get_source(conn: sa.Connection, source_id: str) -> Source:
    """A registered source; raises NotFoundError telling how to register it."""
    row = conn.execute(sa.select(sources).where(sources.c.source_id == source_id)).first()
    if row is None:
        raise NotFoundError(
            f"source {source_id} is not registered: run `tocta sources add {source_id} "
            "--grade SCHEME:CODE --tlp LEVEL` first"
        )
    return _source(row)


def list_sources(conn: sa.Connection) -> list[Source]:
    """Every registered source."""
    return [_source(r) for r in conn.execute(sa.select(sources).order_by(sources.c.source_id))]


def share_source(conn: sa.Connection, source_id: str, kind: str, grantee: str,
                 granted_by: str | None = None) -> None:
    """Share a source with an agency, a panel or a named user (idempotent)."""
    get_source(conn, source_id)
    if kind not in GRANTEE_KINDS:
        raise ConfigError(f"grantee kind {kind!r} must be one of {', '.join(GRANTEE_KINDS)}")
    exists = conn.execute(sa.select(grants.c.grant_id).where(
        grants.c.source_id == source_id, grants.c.grantee_kind == kind,
        grants.c.grantee == grantee)).first()
    if not exists:
        conn.execute(grants.insert().values(
            source_id=source_id, grantee_kind=kind, grantee=grantee, granted_by=granted_by,
            created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))


def source_grants(conn: sa.Connection) -> dict[str, Grants]:
    """Grants of every source, by source id."""
    found: dict[str, dict[str, set[str]]] = {}
    for source_id, kind, grantee in conn.execute(
            sa.select(grants.c.source_id, grants.c.grantee_kind, grants.c.grantee)):
        found.setdefault(source_id, {k: set() for k in GRANTEE_KINDS})[kind].add(grantee)
    return {
        sid: Grants(agencies=frozenset(g["agency"]), panels=frozenset(g["panel"]),
                    users=frozenset(g["user"]))
        for sid, g in found.items()
    }
