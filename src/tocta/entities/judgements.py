"""Resolution judgements: "these two entity ids are (not / maybe) the same", as a log.

Entity resolution (Splink scores, an analyst's decisions) never rewrites statements: it
records judgements, and canonical ids are derived from the positive ones. Rows are never
deleted; an undo marks the row retracted (who, when). A pair is stored in a fixed order
(``left_id < right_id``) and its current judgement is its newest row not retracted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tocta.errors import NotFoundError, UsageError
from tocta.store.tables import judgements

POSITIVE, NEGATIVE, UNSURE = "positive", "negative", "unsure"
JUDGEMENTS = (POSITIVE, NEGATIVE, UNSURE)


@dataclass(frozen=True)
class Judgement:
    """One row of the judgement log."""

    judgement_id: int
    left_id: str
    right_id: str
    judgement: str
    user: str
    created_at: dt.datetime
    note: str | None
    retracted: bool
    retracted_at: dt.datetime | None
    retracted_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"judgement_id": self.judgement_id, "left_id": self.left_id,
                "right_id": self.right_id, "judgement": self.judgement, "user": self.user,
                "created_at": self.created_at.isoformat(), "note": self.note,
                "retracted": self.retracted,
                "retracted_at": self.retracted_at.isoformat() if self.retracted_at else None,
                "retracted_by": self.retracted_by}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def pair(a: str, b: str) -> tuple[str, str]:
    """The stored order of a pair of entity ids."""
    if a == b:
        raise UsageError(f"a judgement needs two different entity ids (got {a!r} twice)")
    return (a, b) if a < b else (b, a)


def _judgement(row: Any) -> Judgement:
    m = row._mapping
    return Judgement(m["judgement_id"], m["left_id"], m["right_id"], m["judgement"],
                     m["user"], m["created_at"], m["note"], bool(m["retracted"]),
                     m["retracted_at"], m["retracted_by"])


def add_judgement(conn: sa.Connection, a: str, b: str, judgement: str, user: str,
                  note: str | None = None) -> Judgement:
    """Record a judgement on the pair (a, b); earlier ones stay in the log."""
    if judgement not in JUDGEMENTS:
        raise UsageError(f"judgement {judgement!r} must be one of {', '.join(JUDGEMENTS)}")
    left, right = pair(a, b)
    result = conn.execute(judgements.insert().values(
        left_id=left, right_id=right, judgement=judgement, user=user, created_at=_now(),
        note=note, retracted=False).returning(judgements.c.judgement_id))
    return get_judgement(conn, int(result.scalar_one()))


def get_judgement(conn: sa.Connection, judgement_id: int) -> Judgement:
    """One row of the log; raises NotFoundError."""
    row = conn.execute(sa.select(judgements).where(
        judgements.c.judgement_id == judgement_id)).first()
    if row is None:
        raise NotFoundError(f"no judgement {judgement_id}")
    return _judgement(row)


def retract_judgement(conn: sa.Connection, judgement_id: int, user: str) -> Judgement:
    """Undo a judgement: the row is kept, marked retracted by ``user`` now."""
    found = get_judgement(conn, judgement_id)
    if found.retracted:
        raise UsageError(f"judgement {judgement_id} was already retracted by "
                         f"{found.retracted_by} at {found.retracted_at}")
    conn.execute(judgements.update().where(judgements.c.judgement_id == judgement_id).values(
        retracted=True, retracted_at=_now(), retracted_by=user))
    return get_judgement(conn, judgement_id)


def list_judgements(conn: sa.Connection, entity_id: str | None = None, *,
                    include_retracted: bool = False) -> list[Judgement]:
    """The log, oldest first; only rows touching ``entity_id`` when given."""
    t = judgements
    query = sa.select(t).order_by(t.c.judgement_id)
    if entity_id is not None:
        query = query.where(sa.or_(t.c.left_id == entity_id, t.c.right_id == entity_id))
    if not include_retracted:
        query = query.where(t.c.retracted == sa.false())
    return [_judgement(r) for r in conn.execute(query)]


def current_judgements(conn: sa.Connection) -> dict[tuple[str, str], Judgement]:
    """Each judged pair's current judgement: its newest row not retracted."""
    current: dict[tuple[str, str], Judgement] = {}
    for j in list_judgements(conn):
        current[(j.left_id, j.right_id)] = j
    return current


def current_judgement(conn: sa.Connection, a: str, b: str) -> Judgement | None:
    """The pair's current judgement, or None when it has none."""
    left, right = pair(a, b)
    t = judgements
    row = conn.execute(sa.select(t).where(
        t.c.left_id == left, t.c.right_id == right, t.c.retracted == sa.false()
    ).order_by(t.c.judgement_id.desc()).limit(1)).first()
    return None if row is None else _judgement(row)
