"""The judgement log: add, list, retract — never deleted, pairs stored in one order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tocta.entities.judgements import (
    add_judgement,
    current_judgement,
    current_judgements,
    list_judgements,
    retract_judgement,
)
from tocta.errors import NotFoundError, UsageError
from tocta.store.engine import Store
from tocta.store.tables import judgements


def test_judgements_are_a_log_and_undo_keeps_the_row(store: Store) -> None:
    with store.begin() as conn:
        first = add_judgement(conn, "b", "a", "positive", "ana", note="same passport")
        assert (first.left_id, first.right_id) == ("a", "b")
        second = add_judgement(conn, "a", "c", "unsure", "ben")
        assert current_judgement(conn, "b", "a") == first
        later = add_judgement(conn, "a", "b", "negative", "carla", note="different fathers")
        assert current_judgement(conn, "a", "b") == later
        undone = retract_judgement(conn, later.judgement_id, "dora")
        assert undone.retracted and undone.retracted_by == "dora"
        assert undone.retracted_at is not None
        assert current_judgement(conn, "a", "b") == first
        assert [j.judgement_id for j in list_judgements(conn)] == [
            first.judgement_id, second.judgement_id]
        assert len(list_judgements(conn, include_retracted=True)) == 3
        assert [j.judgement_id for j in list_judgements(conn, "c")] == [second.judgement_id]
        assert set(current_judgements(conn)) == {("a", "b"), ("a", "c")}
        with pytest.raises(UsageError, match="already retracted"):
            retract_judgement(conn, later.judgement_id, "dora")
        with pytest.raises(UsageError, match="must be one of"):
            add_judgement(conn, "a", "b", "maybe", "ana")
        with pytest.raises(UsageError, match="two different"):
            add_judgement(conn, "a", "a", "positive", "ana")
        with pytest.raises(NotFoundError):
            retract_judgement(conn, 999, "ana")
        assert conn.execute(sa.select(sa.func.count()).select_from(judgements)).scalar() == 3
    assert first.as_dict()["judgement"] == "positive"
