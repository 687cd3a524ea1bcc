"""Sizing specs: ad-hoc estimates written as YAML, computed with :mod:`.montecarlo`.

A spec names quantities (points, ``{low, high}`` bounds or distributions) and outputs built
from them by operations: ``sum``, ``difference``, ``product``, ``ratio``, ``share``,
``residual`` (a published total minus the named parts) and ``gross_profit`` (value out minus
value in along a value chain, the one operation that crosses price levels). Example::

    quantities:
      migrants: {low: 2.5e6, high: 3.0e6, unit: persons, source: TOCTA-2010}
      fee: {value: 2400, unit: USD/person}
    outputs:
      value_usd: {op: product, of: [migrants, fee], unit: USD, method: migrants x fee}

Outputs may use earlier outputs. Errors name the spec, the quantity and what to write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

import yaml

from tocta.analytics import montecarlo as mc
from tocta.errors import ConfigError

OPERATIONS: dict[str, str] = {
    "sum": "of: [ a, b, ... ] at one price level",
    "difference": "of: [ a, b, ... ] (a - b - ...) at one price level",
    "product": "of: [ a, b, ... ]",
    "ratio": "numerator: a, denominator: b",
    "share": "part: a, total: b (same price level; gives a share)",
    "residual": "total: t, parts: [ a, b, ... ] (t minus the parts)",
    "gross_profit": "value_in: a, value_out: b (value out - value in of one segment)",
}
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "pert": ("min", "mode", "max"), "triangular": ("min", "mode", "max"),
    "uniform": ("low", "high"), "lognormal": ("median", "low", "high"),
}
LABELS = ("unit", "price_level", "source", "note")


class SizeSpecError(ConfigError):
    """A sizing spec cannot be read; the message names the file and every problem."""


@dataclass(frozen=True)
class SizeParams:
    """How the spec is computed: Monte Carlo draws, seed and within-source correlation."""

    draws: int = mc.DEFAULT_DRAWS
    seed: int = 0
    correlation: float = mc.DEFAULT_CORRELATION


@dataclass(frozen=True)
class OutputSpec:
    name: str
    op: str
    args: Mapping[str, Any]
    unit: str | None
    price_level: str | None
    method: str


@dataclass(frozen=True)
class SizeSpec:
    """A parsed, checked spec: inputs and outputs in order."""

    origin: str
    inputs: tuple[mc.Input, ...]
    outputs: tuple[OutputSpec, ...]
    params: SizeParams = SizeParams()


@dataclass(frozen=True)
class SizingResult:
    """What ``tocta size`` prints: every output as a :class:`~.montecarlo.Quantity`."""

    origin: str
    params: SizeParams
    inputs: tuple[mc.Input, ...]
    outputs: tuple[mc.Quantity, ...]
    method: str = "Monte Carlo over a sizing spec (Gaussian copula within a source)"

    def output(self, name: str) -> mc.Quantity:
        for q in self.outputs:
            if q.name == name:
                return q
        raise KeyError(name)

    def explain(self) -> str:
        """A few lines a reader can check: method, parameters, each output and what drives it."""
        lines = [f"{self.method}; spec {self.origin}; {self.params.draws} draws, seed "
                 f"{self.params.seed}, rank correlation {self.params.correlation} between "
                 "inputs of one source; intervals are 90% (5th-95th percentile)."]
        for q in self.outputs:
            level = q.price_level or "no price level"
            line = (f"{q.name} = {q.method}: median {q.median:,.4g} {q.unit or ''}, 90% "
                    f"{q.low:,.4g}-{q.high:,.4g} ({level})")
            if q.bounds_low is not None:
                line += f"; the bounds imply {q.bounds_low:,.4g}-{q.bounds_high:,.4g}"
            if q.dominant_inputs:
                top = ", ".join(f"{n} {s:.0%}" for n, s in q.dominant_inputs[:3])
                line += f"; uncertainty from {top}"
            lines.append(line)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.origin, "method": self.method,
                "params": {"draws": self.params.draws, "seed": self.params.seed,
                           "correlation": self.params.correlation},
                "inputs": {i.name: {"distribution": i.distribution.kind,
                                    "parameters": {k: _plain(v) for k, v in
                                                   i.distribution.params.items()},
                                    "unit": i.unit, "price_level": i.price_level,
                                    "source": i.source} for i in self.inputs},
                "outputs": {q.name: q.to_dict() for q in self.outputs}}


def _plain(v: Any) -> Any:
    try:
        return float(v)
    except TypeError:
        return [float(x) for x in v]


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def as_number(v: Any) -> float | None:
    """A number from YAML, including ``2.5e6`` (which YAML 1.1 loaders read as a string)."""
    if _number(v):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.replace("_", ""))
        except ValueError:
            return None
    return None


def _parse_input(name: str, raw: Any, problems: list[str]) -> mc.Input | None:
    value = as_number(raw)
    if value is not None:
        return mc.Input(name, mc.point(value))
    if not isinstance(raw, dict):
        problems.append(f"quantity {name!r}: {raw!r} is neither a number nor a mapping; write "
                        "a number, {value: 18}, {low: 2.5e6, high: 3.0e6} or "
                        "{dist: pert, min: 1, mode: 2, max: 4}")
        return None
    labels = {k: raw.get(k) for k in LABELS}
    level = labels["price_level"]
    if level is not None and level not in mc.PRICE_LEVELS:
        problems.append(f"quantity {name!r}: price_level {level!r} is not one of "
                        f"{', '.join(mc.PRICE_LEVELS)}")
    body = {k: v for k, v in raw.items() if k not in LABELS}
    for key, val in body.items():
        if key == "dist":
            continue
        number = as_number(val)
        if number is None:
            problems.append(f"quantity {name!r}: {key} = {val!r} is not a number; write it "
                            "as a plain number such as 2.5e6 (no units or commas)")
            return None
        body[key] = number
    try:
        dist = _distribution(name, body)
    except (mc.DistributionError, SizeSpecError) as exc:
        problems.append(f"quantity {name!r}: {exc}")
        return None
    return mc.Input(name, dist, labels["unit"], level,
                    None if labels["source"] is None else str(labels["source"]))


def _distribution(name: str, body: dict[str, Any]) -> mc.Distribution:
    kind = body.pop("dist", None)
    keys = set(body)
    if kind is None:
        if keys == {"value"}:
            return mc.point(body["value"])
        if keys == {"low", "high"}:
            return mc.bounds(body["low"], body["high"])
        raise SizeSpecError(f"keys {sorted(keys)} do not make a quantity; write value: X, or "
                            "low: and high: (bounds), or dist: pert|triangular|uniform|"
                            "lognormal with its parameters")
    if kind not in DISTRIBUTIONS:
        raise SizeSpecError(f"unknown dist {kind!r}; write one of {', '.join(DISTRIBUTIONS)}")
    if kind == "lognormal":
        if keys <= {"median", "low", "high"} and {"low", "high"} <= keys:
            return mc.lognormal(**body)
        if keys == {"mu", "sigma"}:
            return mc.lognormal(mu=body["mu"], sigma=body["sigma"])
        raise SizeSpecError("a lognormal needs low and high (its 90% range) with an optional "
                            "median, or mu and sigma of the log")
    need = DISTRIBUTIONS[kind]
    if keys != set(need):
        raise SizeSpecError(f"dist {kind} needs exactly {', '.join(need)}; got "
                            f"{', '.join(sorted(keys)) or 'nothing'}")
    build: Any = {"pert": mc.pert, "triangular": mc.triangular, "uniform": mc.uniform}[kind]
    return build(*(body[k] for k in need))


def _refs(op: str, args: Mapping[str, Any]) -> list[Any]:
    if op in ("sum", "difference", "product"):
        of = args.get("of")
        return list(of) if isinstance(of, list) else [of]
    if op == "ratio":
        return [args.get("numerator"), args.get("denominator")]
    if op == "share":
        return [args.get("part"), args.get("total")]
    if op == "residual":
        parts = args.get("parts")
        return [args.get("total"), *(parts if isinstance(parts, list) else [parts])]
    return [args.get("value_in"), args.get("value_out")]


def _parse_output(name: str, raw: Any, known: set[str], problems: list[str]) -> OutputSpec | None:
    if not isinstance(raw, dict) or "op" not in raw:
        problems.append(f"output {name!r}: write a mapping with op: one of "
                        f"{', '.join(OPERATIONS)}, e.g. {{op: product, of: [ volume, price ]}}")
        return None
    op = raw["op"]
    if op not in OPERATIONS:
        problems.append(f"output {name!r}: unknown op {op!r}; write one of "
                        f"{', '.join(OPERATIONS)}")
        return None
    level = raw.get("price_level")
    if level is not None and level not in mc.PRICE_LEVELS and "->" not in str(level):
        problems.append(f"output {name!r}: price_level {level!r} is not one of "
                        f"{', '.join(mc.PRICE_LEVELS)}")
    args = {k: v for k, v in raw.items() if k not in ("op", "unit", "price_level", "method")}
    refs = _refs(op, args)
    if op in ("sum", "difference", "product") and len(refs) < 2:
        problems.append(f"output {name!r}: {op} needs at least two names; write {OPERATIONS[op]}")
        return None
    bad = [r for r in refs if r not in known]
    if bad:
        problems.append(f"output {name!r}: {op} refers to {', '.join(map(repr, bad))}, which "
                        f"is not a quantity or an earlier output; write {OPERATIONS[op]} with "
                        f"names from: {', '.join(sorted(known))}")
        return None
    return OutputSpec(name, op, args, raw.get("unit"), level,
                      str(raw.get("method") or _describe(op, refs)))


def _describe(op: str, refs: list[str]) -> str:
    if op == "sum":
        return " + ".join(refs)
    if op == "difference":
        return " - ".join(refs)
    if op == "product":
        return " x ".join(refs)
    if op in ("ratio", "share"):
        return f"{op} {refs[0]} / {refs[1]}"
    if op == "residual":
        return f"residual {refs[0]} - ({' + '.join(refs[1:])})"
    return f"gross profit {refs[1]} - {refs[0]}"


def parse_spec(data: Any, origin: str = "<spec>") -> SizeSpec:
    """Check a spec (already loaded from YAML) and list every problem at once.

    Raises:
        SizeSpecError: naming ``origin``, each quantity or output and what to write instead.
    """
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("quantities"), dict) \
            or not isinstance(data.get("outputs"), dict):
        raise SizeSpecError(f"{origin}: a sizing spec needs two mappings, quantities: (named "
                            "inputs) and outputs: (named operations)")
    unknown = set(data) - {"quantities", "outputs", "settings", "note", "source"}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}; write quantities:, "
                        "outputs: and optionally settings:")
    params = _parse_settings(data.get("settings"), problems)
    inputs = [_parse_input(str(n), raw, problems) for n, raw in data["quantities"].items()]
    known = {str(n) for n in data["quantities"]}
    outputs = []
    for n, raw in data["outputs"].items():
        if str(n) in known:
            problems.append(f"output {n!r}: the name is already used; rename it")
            continue
        outputs.append(_parse_output(str(n), raw, known, problems))
        known.add(str(n))
    if problems:
        raise SizeSpecError(f"{origin}: the sizing spec has {len(problems)} problem(s)",
                            problems)
    return SizeSpec(origin, tuple(i for i in inputs if i), tuple(o for o in outputs if o),
                    params)


def load_spec(path: Path) -> SizeSpec:
    """Read and check a YAML sizing spec."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SizeSpecError(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise SizeSpecError(f"{path}: is not valid YAML: {exc}") from exc
    return parse_spec(data, str(path))


def _parse_settings(raw: Any, problems: list[str]) -> SizeParams:
    if raw is None:
        return SizeParams()
    if not isinstance(raw, dict):
        problems.append("settings: write a mapping such as {draws: 10000, seed: 0, "
                        "correlation: 0.8}")
        return SizeParams()
    unknown = set(raw) - {"draws", "seed", "correlation"}
    if unknown:
        problems.append(f"settings: unknown keys {sorted(unknown)}; write draws, seed or "
                        "correlation")
    draws, seed = raw.get("draws", mc.DEFAULT_DRAWS), raw.get("seed", 0)
    corr = as_number(raw.get("correlation", mc.DEFAULT_CORRELATION))
    if not isinstance(draws, int) or draws < 2:
        problems.append(f"settings: draws = {draws!r}; write a whole number of at least 2")
        draws = mc.DEFAULT_DRAWS
    if not isinstance(seed, int):
        problems.append(f"settings: seed = {seed!r}; write a whole number")
        seed = 0
    if corr is None or not -1 < corr < 1:
        problems.append(f"settings: correlation = {raw.get('correlation')!r}; write a rank "
                        "correlation strictly between -1 and 1 (default 0.8)")
        corr = mc.DEFAULT_CORRELATION
    return SizeParams(draws, seed, corr)


def _apply(spec: OutputSpec, s: Mapping[str, mc.Sample]) -> mc.Sample:
    a = spec.args
    try:
        if spec.op == "sum":
            return reduce(mc.add, (s[r] for r in a["of"]))
        if spec.op == "difference":
            return reduce(mc.subtract, (s[r] for r in a["of"]))
        if spec.op == "product":
            return reduce(mc.multiply, (s[r] for r in a["of"]))
        if spec.op == "ratio":
            return mc.divide(s[a["numerator"]], s[a["denominator"]])
        if spec.op == "share":
            return mc.divide(s[a["part"]], s[a["total"]], share=True)
        if spec.op == "residual":
            parts = a["parts"] if isinstance(a["parts"], list) else [a["parts"]]
            return mc.subtract(s[a["total"]], reduce(mc.add, (s[p] for p in parts)))
        return mc.subtract(s[a["value_out"]], s[a["value_in"]], across_levels=True)
    except mc.PriceLevelError as exc:
        raise mc.PriceLevelError(f"output {spec.name!r}: {exc}") from exc


def _leaves_are_bounds(names: tuple[str, ...], inputs: Mapping[str, mc.Input]) -> bool:
    kinds = {inputs[n].distribution.kind for n in names}
    return "bounds" in kinds and kinds <= {"bounds", "point"}


def compute_spec(spec: SizeSpec, params: SizeParams | None = None) -> SizingResult:
    """Draw the inputs and compute every output of ``spec`` (with its settings by default).

    Raises:
        SizeSpecError: an output's declared price level contradicts the one its inputs carry,
            or values at two price levels would be summed (naming the spec and the output).
    """
    params = params or spec.params
    by_name = {i.name: i for i in spec.inputs}
    samples: dict[str, mc.Sample] = dict(mc.draw_inputs(
        spec.inputs, draws=params.draws, seed=params.seed, correlation=params.correlation))
    drawn = dict(samples)
    results = []
    for out in spec.outputs:
        try:
            sample = _apply(out, samples)
        except mc.PriceLevelError as exc:
            raise SizeSpecError(f"{spec.origin}: {exc}") from exc
        level = sample.price_level
        if out.price_level and level and out.price_level != level:
            raise SizeSpecError(f"{spec.origin}: output {out.name!r} is declared at price level "
                                f"{out.price_level!r} but its inputs are at {level!r}; fix the "
                                "declaration or the inputs' price_level")
        level = out.price_level or level
        unit = out.unit or sample.unit
        sample = mc.Sample(sample.values, sample.low, sample.high, unit, level, sample.inputs)
        samples[out.name] = sample
        results.append(mc.summarize(out.name, sample, drawn, method=out.method,
                                    has_bounds=_leaves_are_bounds(sample.inputs, by_name)))
    return SizingResult(spec.origin, params, spec.inputs, tuple(results))
