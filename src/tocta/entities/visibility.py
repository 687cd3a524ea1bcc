"""Which statements a reader may see: ``tocta.access.allowed`` over the label combinations.

As for records (``tocta.store.read``), the rule is evaluated once per distinct combination of
source, TLP, owner agency and handling present in the statements table — a handful — and the
SQL keeps only statements whose combination is allowed. The rule is never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tocta.access.clearance import Clearance, Grants, Labels, allowed
from tocta.schema.types.tlp import strictest_tlp
from tocta.store.sources import source_grants
from tocta.store.tables import entity_statements

Combo = tuple[str, str, str | None, str | None]


@dataclass(frozen=True)
class Visibility:
    """The label combinations a reader may see, and the SQL condition that keeps them."""

    visible: tuple[Combo, ...]

    @property
    def tlp(self) -> str:
        """The strictest TLP of what the reader may see."""
        return strictest_tlp(tlp for _, tlp, _, _ in self.visible)

    def where(self) -> sa.ColumnElement[bool]:
        t = entity_statements
        if not self.visible:
            return sa.false()
        return sa.or_(*[sa.and_(
            t.c.source_id == s, t.c.tlp == tlp,
            t.c.owner_agency.is_(None) if o is None else t.c.owner_agency == o,
            t.c.handling.is_(None) if h is None else t.c.handling == h,
        ) for s, tlp, o, h in self.visible])


def statement_visibility(conn: sa.Connection, clearance: Clearance,
                         action: str = "read") -> Visibility:
    """What ``clearance`` may see of the statements table, for ``action``."""
    t = entity_statements
    grants = source_grants(conn)
    combos = conn.execute(sa.select(t.c.source_id, t.c.tlp, t.c.owner_agency, t.c.handling,
                                    sa.func.count()).group_by(
        t.c.source_id, t.c.tlp, t.c.owner_agency, t.c.handling)).all()
    visible: list[Combo] = []
    for source_id, tlp, owner, handling, _ in combos:
        labels = Labels(tlp=tlp, owner_agency=owner, handling=handling, source_id=source_id,
                        grants=grants.get(source_id, Grants()))
        if allowed(clearance, action, labels):
            visible.append((source_id, tlp, owner, handling))
    # Nothing about what is withheld is kept: a reader learns no count of it either.
    return Visibility(tuple(sorted(visible, key=lambda c: tuple(x or "" for x in c))))
