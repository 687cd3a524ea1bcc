"""Sizing specs: every operation, labels carried, and errors that say what to write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tocta.analytics.sizespec import SizeParams, SizeSpecError, compute_spec, load_spec, parse_spec


def run(quantities: dict[str, Any], outputs: dict[str, Any], **params: Any) -> Any:
    return compute_spec(parse_spec({"quantities": quantities, "outputs": outputs}, "t.yaml"),
                        SizeParams(**params))


@pytest.mark.parametrize(("op", "args", "expected"), [
    ("sum", {"of": ["a", "b", "c"]}, 14.0),
    ("difference", {"of": ["c", "a", "b"]}, 2.0),
    ("product", {"of": ["a", "b", "c"]}, 64.0),
    ("ratio", {"numerator": "c", "denominator": "a"}, 4.0),
    ("share", {"part": "a", "total": "c"}, 0.25),
    ("residual", {"total": "c", "parts": ["a", "b"]}, 2.0),
], ids=["sum", "difference", "product", "ratio", "share", "residual"])
def test_operations_on_points(op: str, args: dict[str, Any], expected: float) -> None:
    q = run({"a": 2, "b": {"value": 4}, "c": 8}, {"out": {"op": op, **args}}).output("out")
    assert q.median == pytest.approx(expected)
    assert q.method and q.bounds_low is None  # no bounds among the inputs


def test_distributions_labels_and_explain() -> None:
    result = run({"volume": {"dist": "pert", "min": 10, "mode": 18, "max": 30, "unit": "t",
                             "source": "S"},
                  "price": {"dist": "lognormal", "median": 69400, "low": 50000, "high": 90000,
                            "unit": "USD/t", "price_level": "wholesale_destination",
                            "source": "S"},
                  "users": {"dist": "triangular", "min": 1, "mode": 2, "max": 3},
                  "rate": {"dist": "uniform", "low": 0.1, "high": 0.2}},
                 {"value": {"op": "product", "of": ["volume", "price"], "unit": "USD",
                            "method": "volume x destination wholesale price"}},
                 draws=5000, seed=1)
    q = result.output("value")
    assert q.price_level == "wholesale_destination" and q.unit == "USD"
    assert q.low < q.median < q.high and q.draws == 5000
    assert {n for n, _ in q.dominant_inputs} == {"volume", "price"}
    text = result.explain()
    assert "wholesale_destination" in text and "volume x destination wholesale price" in text
    assert result.to_dict()["outputs"]["value"]["price_level"] == "wholesale_destination"


def test_bounds_give_a_range_and_outputs_chain() -> None:
    result = run({"n": {"low": 10, "high": 20}, "k": 3},
                 {"m": {"op": "product", "of": ["n", "k"]},
                  "r": {"op": "difference", "of": ["m", "n"]}})
    m, r = result.output("m"), result.output("r")
    assert (m.bounds_low, m.bounds_high) == (30, 60)
    # interval arithmetic ignores that both terms share n: wider than the true 20-40
    assert (r.bounds_low, r.bounds_high) == (10, 50)
    assert 20 <= r.low < r.median < r.high <= 40


def test_declared_price_level_must_match_the_inputs() -> None:
    with pytest.raises(SizeSpecError, match=r"t.yaml.*'v'.*declared at price level 'retail'"):
        run({"p": {"value": 3, "price_level": "export"}, "q": 2},
            {"v": {"op": "product", "of": ["p", "q"], "price_level": "retail"}})


def test_summing_two_levels_names_spec_output_and_levels() -> None:
    with pytest.raises(SizeSpecError, match=r"t.yaml: output 'total'.*retail.*farm_gate"):
        run({"a": {"value": 1, "price_level": "retail"},
             "b": {"value": 1, "price_level": "farm_gate"}},
            {"total": {"op": "sum", "of": ["a", "b"]}})


@pytest.mark.parametrize(("quantities", "outputs", "message"), [
    ({"a": "12,5 t"}, {"o": {"op": "sum", "of": ["a", "a"]}},
     "quantity 'a'.*neither a number nor a mapping; write a number"),
    ({"a": {"low": "2 t", "high": 3}}, {"o": {"op": "sum", "of": ["a", "a"]}},
     "quantity 'a': low = '2 t' is not a number; write it as a plain number"),
    ({"a": {"low": 3, "high": 2}}, {"o": {"op": "sum", "of": ["a", "a"]}},
     "quantity 'a': low 3.0 is above high 2.0"),
    ({"a": {"dist": "pert", "min": 1, "max": 3}}, {"o": {"op": "sum", "of": ["a", "a"]}},
     "quantity 'a': dist pert needs exactly min, mode, max"),
    ({"a": {"dist": "gamma", "k": 1}}, {"o": {"op": "sum", "of": ["a", "a"]}},
     "unknown dist 'gamma'; write one of"),
    ({"a": {"value": 1, "price_level": "street"}}, {"o": {"op": "sum", "of": ["a", "a"]}},
     "price_level 'street' is not one of farm_gate"),
    ({"a": 1}, {"o": {"op": "times", "of": ["a", "a"]}}, "output 'o': unknown op 'times'"),
    ({"a": 1}, {"o": {"op": "ratio", "numerator": "a", "denominator": "b"}},
     "output 'o': ratio refers to 'b'.*write numerator: a, denominator: b"),
    ({"a": 1}, {"o": {"op": "sum", "of": ["a"]}}, "sum needs at least two names"),
], ids=["not-number", "unit-in-number", "low-above-high", "pert-missing", "unknown-dist",
        "bad-level", "unknown-op", "unknown-name", "one-term"])
def test_spec_errors_say_what_to_write(quantities: dict[str, Any], outputs: dict[str, Any],
                                       message: str) -> None:
    with pytest.raises(SizeSpecError, match=rf"(?s)t.yaml.*{message}"):
        parse_spec({"quantities": quantities, "outputs": outputs}, "t.yaml")


def test_all_problems_listed_at_once() -> None:
    with pytest.raises(SizeSpecError) as exc:
        parse_spec({"quantities": {"a": "x", "b": {"low": 2}},
                    "outputs": {"o": {"op": "nope"}}}, "t.yaml")
    assert len(exc.value.problems) == 3


def test_load_spec_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("quantities: [1, 2]\n")
    with pytest.raises(SizeSpecError, match=r"bad.yaml: a sizing spec needs two mappings"):
        load_spec(bad)
    good = tmp_path / "good.yaml"
    good.write_text("quantities: {a: 2.5e6, b: {low: 1.0e+3, high: 2e3}}\n"
                    "outputs: {o: {op: product, of: [a, b]}}\n")
    assert load_spec(good).inputs[0].distribution.params["value"] == 2.5e6


def test_settings_are_read_and_checked() -> None:
    spec = parse_spec({"quantities": {"a": {"low": 1, "high": 2}},
                       "outputs": {"o": {"op": "product", "of": ["a", "a"]}},
                       "settings": {"draws": 500, "seed": 9, "correlation": 0.3}}, "t.yaml")
    assert (spec.params.draws, spec.params.seed, spec.params.correlation) == (500, 9, 0.3)
    assert compute_spec(spec).output("o").draws == 500
    with pytest.raises(SizeSpecError) as exc:
        parse_spec({"quantities": {"a": 1}, "outputs": {},
                    "settings": {"draws": "many", "correlation": 1.5, "speed": 1}}, "t.yaml")
    assert len(exc.value.problems) == 3


def test_one_source_widens_a_product() -> None:
    def spread(source_b: str) -> float:
        q = run({"a": {"dist": "pert", "min": 1, "mode": 2, "max": 4, "source": "S"},
                 "b": {"dist": "pert", "min": 1, "mode": 2, "max": 4, "source": source_b}},
                {"p": {"op": "product", "of": ["a", "b"]}}, draws=20_000).output("p")
        return q.high / q.low

    assert spread("S") > 1.15 * spread("T")
