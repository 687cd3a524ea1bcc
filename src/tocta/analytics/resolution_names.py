"""The name comparison's level computed by joins over tokens, for DuckDB scoring at scale.

``resolution_model.name_comparison`` defines the name levels in Splink's SQL: for each pair
of names, lambdas compare every token of one name with every token of the other, and each
level of the ``CASE`` compares them again. It is the definition (training, explanations and
the Spark backend use it), and it is exact, but at a million records it was nearly all of
the scoring time (~150 million candidate pairs, 96% of the time in that comparison).

Here the same levels come from relational steps that DuckDB runs vectorised on all cores:

1. every distinct name (a value of the name inputs) is exploded once into its tokens, with
   their position and the id of their text;
2. once per run, every pair of token texts that *can* be related — they share a key of
   ``resolution_features.meet_keys`` (text, metaphone, skeleton, a one-letter deletion) —
   is tested once: equal text, one Damerau edit apart (both of four letters or more), same
   metaphone, same consonant skeleton (the token tests of ``resolution_model.close`` and
   ``meet``); at 100,000 records, 11,000 texts give 255,000 such pairs;
3. for the distinct pairs of names of a chunk, only the related token pairs of the two
   names are joined (about two per name pair, against eight for every token pair), then per
   name pair: how many tokens of each side are *close* to / *meet* a token of the other
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


def token_tables_sql(values: str, value_id: str, prefix: str) -> list[str]:
    """SQL statements creating the token tables of the distinct names of ``values``.

    ``values`` holds ``value_id``, ``name_key`` and ``name_toks`` (list of ``{t, p, s, l}``).
    Created: ``{prefix}_names`` — ``v``, ``n`` (tokens, NULL without a name) and ``kid`` (the
    id of the sorted tokens); ``{prefix}_tokens`` — ``v`` (the value id), ``pos``
    (1-based), ``l`` (Latin name) and ``tid`` (the token text's id) per token of each name;
    ``{prefix}_rel`` — every pair of token texts ``(ta, tb)`` that share a key of
    ``resolution_features.meet_keys`` (text, metaphone, skeleton, a one-letter deletion),
    with the tests ``same`` (equal text), ``edit`` (one Damerau edit, both of four letters or
    more), ``sound`` (same metaphone) and ``skel`` (same skeleton of two letters or more).
    Tokens sharing no such key pass none of the tests: pairs not in ``{prefix}_rel`` need no
    test at all.
    """
    names, texts, tokens, keys, rel = (f"{prefix}_{x}" for x in
                                       ("names", "texts", "tokens", "keys", "rel"))
    return [
        f"CREATE OR REPLACE TABLE {names} AS SELECT {value_id} AS v, len(name_toks) AS n, "
        f"dense_rank() OVER (ORDER BY name_key) AS kid FROM {values}",
        f"CREATE OR REPLACE TABLE {tokens} AS SELECT {value_id} AS v, "
        f"generate_subscripts(name_toks, 1) AS pos, unnest(name_toks) AS tok "
        f"FROM {values} WHERE name_toks IS NOT NULL",
        f"CREATE OR REPLACE TABLE {texts} AS SELECT t, any_value(p) AS p, any_value(s) AS s, "
        f"row_number() OVER (ORDER BY t) AS tid FROM (SELECT tok.t AS t, tok.p AS p, "
        f"tok.s AS s FROM {tokens}) GROUP BY t",
        f"CREATE OR REPLACE TABLE {tokens} AS SELECT k.v, k.pos, k.tok.l AS l, x.tid "
        f"FROM {tokens} k JOIN {texts} x ON x.t = k.tok.t",
        f"CREATE OR REPLACE TABLE {keys} AS "
        f"SELECT tid, 't:' || t AS k FROM {texts} UNION ALL "
        f"SELECT tid, 'p:' || p FROM {texts} UNION ALL "
        f"SELECT tid, 's:' || s FROM {texts} WHERE length(s) >= 2 UNION ALL "
        f"SELECT tid, 'd:' || t FROM {texts} WHERE length(t) >= 4 UNION ALL "
        f"SELECT tid, 'd:' || t[:i - 1] || t[i + 1:] FROM (SELECT tid, t, "
        f"unnest(range(1, length(t) + 1)) AS i FROM {texts} WHERE length(t) >= 4)",
        f"CREATE OR REPLACE TABLE {rel} AS SELECT c.ta, c.tb, a.t = b.t AS same, "
        f"length(a.t) >= 4 AND length(b.t) >= 4 AND damerau_levenshtein(a.t, b.t) <= 1 "
        f"AS edit, a.p = b.p AS sound, length(a.s) >= 2 AND a.s = b.s AS skel "
        f"FROM (SELECT DISTINCT x.tid AS ta, y.tid AS tb FROM {keys} x JOIN {keys} y "
        f"ON x.k = y.k) c JOIN {texts} a ON a.tid = c.ta JOIN {texts} b ON b.tid = c.tb",
        f"DROP TABLE {keys}",
    ]


def gamma_sql(pairs: str, value_id: str, prefix: str, gamma: str,
              comparison: Any, out: str) -> str:
    """SQL creating ``out``: the name level of each distinct pair of names in ``pairs``.

    Args:
        pairs: a table with ``{value_id}_l`` and ``{value_id}_r`` (names as value ids).
        value_id: the value id of the names in ``pairs`` (as given to ``token_tables_sql``).
        prefix: the prefix of the tables of ``token_tables_sql``.
        gamma: the output level column (Splink's gamma column of the comparison).
        comparison: Splink's name comparison (its level values; see ``check_levels``).
        out: the table to create: ``{value_id}_l``, ``{value_id}_r``, ``gamma``.
    """
    g = check_levels(comparison)
    null = next(x.comparison_vector_value for x in comparison.comparison_levels
                if x.is_null_level)
    both_min2 = "least(n_l, n_r) >= 2"

    def shorter_all(left: str, right: str) -> str:
        return f"((n_l <= n_r AND {left} = n_l) OR (n_r < n_l AND {right} = n_r))"

    vl, vr = f"{value_id}_l", f"{value_id}_r"
    names, tokens, rel = (f"{prefix}_{x}" for x in ("names", "tokens", "rel"))
    # only the related token pairs of the two names: (left token) -> related texts -> the
    # right name's tokens with that text
    return f"""
CREATE OR REPLACE TABLE {out} AS
WITH d AS (SELECT DISTINCT {vl} AS vl, {vr} AS vr FROM {pairs}),
x AS MATERIALIZED (
  SELECT d.vl, d.vr, a.pos AS pl, b.pos AS pr, a.tid AS tl, r.same,
         r.same OR r.edit OR (NOT (a.l AND b.l) AND (r.sound OR r.skel)) AS near, r.sound
  FROM d JOIN {tokens} a ON a.v = d.vl JOIN {rel} r ON r.ta = a.tid
  JOIN {tokens} b ON b.v = d.vr AND b.tid = r.tb),
counts AS (SELECT vl, vr, count(DISTINCT pl) FILTER (WHERE near) AS near_l,
                  count(DISTINCT pl) FILTER (WHERE near OR sound) AS met_l,
                  count(DISTINCT pr) FILTER (WHERE near) AS near_r,
                  count(DISTINCT pr) FILTER (WHERE near OR sound) AS met_r,
                  count(DISTINCT tl) FILTER (WHERE same) AS common
           FROM x GROUP BY vl, vr),
levels AS (
  SELECT d.vl, d.vr, ln.n AS n_l, rn.n AS n_r, ln.kid AS key_l, rn.kid AS key_r,
         coalesce(near_l, 0) AS near_l, coalesce(met_l, 0) AS met_l,
         coalesce(near_r, 0) AS near_r, coalesce(met_r, 0) AS met_r,
         coalesce(common, 0) AS common
  FROM d JOIN {names} ln ON ln.v = d.vl JOIN {names} rn ON rn.v = d.vr
  LEFT JOIN counts USING (vl, vr))
SELECT vl AS {vl}, vr AS {vr}, CASE
  WHEN n_l IS NULL OR n_r IS NULL THEN {null}
  WHEN key_l = key_r THEN {g[0]}
  WHEN {both_min2} AND common = least(n_l, n_r) THEN {g[1]}
  WHEN {both_min2} AND {shorter_all('near_l', 'near_r')} THEN {g[2]}
  WHEN {both_min2} AND {shorter_all('met_l', 'met_r')} THEN {g[3]}
  WHEN greatest(met_l, met_r) >= 2 THEN {g[4]}
  WHEN met_l >= 1 THEN {g[5]}
  ELSE {g[6]} END AS {gamma}
FROM levels"""
