"""The name comparison's level computed by joins over tokens, for DuckDB scoring at scale.

``resolution_model.name_comparison`` defines the name levels in Splink's SQL: for each pair
of names, lambdas compare every token of one name with every token of the other, and each
level of the ``CASE`` compares them again. It is the definition (training, explanations and
the Spark backend use it), and it is exact, but at a million records it was nearly all of
the scoring time (~150 million candidate pairs, 96% of the time in that comparison).

Here the same levels come from relational steps that DuckDB runs vectorised on all cores:

1. every distinct name (a value of the name inputs) is exploded once into its tokens, with
   their position and a token id;
2. for the distinct pairs of names of a chunk, the token pairs of the two names are joined
   (about nine per name pair), and each token pair is tested once: equal text, one
   Damerau edit apart (both tokens of four letters or more), same metaphone, same consonant
   skeleton — the token tests of ``resolution_model.close`` and ``meet``;
3. per name pair: how many tokens of each side are *close* to / *meet* a token of the other
   side, and how many distinct texts both share; the level follows from these counts in the
   order of the comparison's levels.

A token "meets" only when the tokens share a ``meet_keys`` key, so the comparison's cheap
pre-check (``list_has_any(meet_keys)``) is implied and not repeated. The result equals the
comparison's ``CASE`` for every pair (tested over the simulated world's blocked pairs);
``LEVELS`` is checked against the comparison's labels before use, so that a change of the
comparison cannot silently disagree with this computation.
"""

from __future__ import annotations

from typing import Any

#: the name comparison's levels (labels), strongest first, as ``name_comparison`` has them
LEVELS = (
    "same tokens in any order",
    "every token of the shorter name in the longer",
    "every token of the shorter name is close to one (typo, romanization, script)",
    "every token of the shorter name sounds like one",
    "two tokens meet",
    "one token meets",
)


def check_levels(comparison: Any) -> list[int]:
    """The comparison-vector values of the levels of Splink's name ``comparison``:
    ``LEVELS``' in order, then the else level's.

    Raises:
        ValueError: the comparison's levels are not ``LEVELS`` (plus null and else levels).
    """
    levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
    labels = [lv.label_for_charts for lv in levels[:-1]]
    if tuple(labels) != LEVELS or levels[-1].sql_condition.strip().upper() != "ELSE":
        raise ValueError("the name comparison's levels are not those computed by "
                         f"resolution_names: {labels}")
    return [lv.comparison_vector_value for lv in levels]


def token_table_sql(values: str, value_id: str, out: str) -> str:
    """SQL creating ``out``: one row per token of each distinct name of ``values``.

    ``values`` holds ``value_id`` and ``name_toks`` (list of ``{t, p, s, l}``); ``out``
    gets ``v``, ``pos`` (1-based), ``t``, ``p``, ``s``, ``l``.
    """
    return (f"CREATE OR REPLACE TABLE {out} AS SELECT v, pos, tok.t AS t, tok.p AS p, "
            f"tok.s AS s, tok.l AS l FROM (SELECT {value_id} AS v, unnest(name_toks) AS tok, "
            f"generate_subscripts(name_toks, 1) AS pos FROM {values} "
            f"WHERE name_toks IS NOT NULL)")


def gamma_sql(pairs: str, value_id: str, values: str, tokens: str, gamma: str,
              comparison: Any, out: str) -> str:
    """SQL creating ``out``: the name level of each distinct pair of names in ``pairs``.

    Args:
        pairs: a table with ``{value_id}_l`` and ``{value_id}_r`` (names as value ids).
        value_id: the value-id column of ``values``.
        values: the distinct names: ``value_id``, ``name_key``, ``name_toks``.
        tokens: the table of ``token_table_sql``.
        gamma: the output level column (Splink's gamma column of the comparison).
        comparison: Splink's name comparison (its level values; see ``check_levels``).
        out: the table to create: ``{value_id}_l``, ``{value_id}_r``, ``gamma``.
    """
    g = check_levels(comparison)
    null = next(x.comparison_vector_value for x in comparison.comparison_levels
                if x.is_null_level)
    close = ("a.t = b.t OR (length(a.t) >= 4 AND length(b.t) >= 4 AND "
             "damerau_levenshtein(a.t, b.t) <= 1) OR (NOT (a.l AND b.l) AND (a.p = b.p OR "
             "(length(a.s) >= 2 AND a.s = b.s)))")
    both_min2 = "least(n_l, n_r) >= 2"

    def shorter_all(left: str, right: str) -> str:
        return f"((n_l <= n_r AND {left} = n_l) OR (n_r < n_l AND {right} = n_r))"

    vl, vr = f"{value_id}_l", f"{value_id}_r"
    return f"""
CREATE OR REPLACE TABLE {out} AS
WITH d AS (SELECT DISTINCT {vl} AS vl, {vr} AS vr FROM {pairs}),
x AS (SELECT d.vl, d.vr, a.pos AS pl, b.pos AS pr, a.t AS tl, a.t = b.t AS same,
             {close} AS near, a.p = b.p AS sound
      FROM d JOIN {tokens} a ON a.v = d.vl JOIN {tokens} b ON b.v = d.vr),
left_side AS (SELECT vl, vr, count(*) FILTER (WHERE near) AS near_l,
                     count(*) FILTER (WHERE meet) AS met_l
              FROM (SELECT vl, vr, pl, bool_or(near) AS near, bool_or(near OR sound) AS meet
                    FROM x GROUP BY vl, vr, pl) GROUP BY vl, vr),
right_side AS (SELECT vl, vr, count(*) FILTER (WHERE near) AS near_r,
                      count(*) FILTER (WHERE meet) AS met_r
               FROM (SELECT vl, vr, pr, bool_or(near) AS near, bool_or(near OR sound) AS meet
                     FROM x GROUP BY vl, vr, pr) GROUP BY vl, vr),
common AS (SELECT vl, vr, count(DISTINCT tl) AS common FROM x WHERE same GROUP BY vl, vr),
counts AS (
  SELECT d.vl, d.vr, len(lv.name_toks) AS n_l, len(rv.name_toks) AS n_r,
         lv.name_key AS key_l, rv.name_key AS key_r,
         coalesce(near_l, 0) AS near_l, coalesce(met_l, 0) AS met_l,
         coalesce(near_r, 0) AS near_r, coalesce(met_r, 0) AS met_r,
         coalesce(common, 0) AS common
  FROM d JOIN {values} lv ON lv.{value_id} = d.vl JOIN {values} rv ON rv.{value_id} = d.vr
  LEFT JOIN left_side USING (vl, vr) LEFT JOIN right_side USING (vl, vr)
  LEFT JOIN common USING (vl, vr))
SELECT vl AS {vl}, vr AS {vr}, CASE
  WHEN n_l IS NULL OR n_r IS NULL THEN {null}
  WHEN key_l = key_r THEN {g[0]}
  WHEN {both_min2} AND common = least(n_l, n_r) THEN {g[1]}
  WHEN {both_min2} AND {shorter_all('near_l', 'near_r')} THEN {g[2]}
  WHEN {both_min2} AND {shorter_all('met_l', 'met_r')} THEN {g[3]}
  WHEN greatest(met_l, met_r) >= 2 THEN {g[4]}
  WHEN met_l >= 1 THEN {g[5]}
  ELSE {g[6]} END AS {gamma}
FROM counts"""
