"""Render an assessment to self-contained HTML (plotly.js and geo stubs inline)."""

from __future__ import annotations

import html
from typing import Any

import jinja2
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from tocta.figures.offline import SYNTHETIC_TEXT, geo_assets_script


def fmt_number(value: float | None, unit: str = "") -> str:
    """A number as an analyst reads it: ``12.3 bn``, ``450 m``, ``1,234``; ``n/a`` if None."""
    if value is None:
        return "n/a"
    v = float(value)
    for size, word in ((1e9, " bn"), (1e6, " m")):
        if abs(v) >= size:
            return f"{v / size:,.2f}{word}{unit}"
    return f"{v:,.0f}{unit}"


def fmt_tonnes(kg: float | None) -> str:
    """Kilograms as tonnes with one decimal."""
    return "n/a" if kg is None else f"{float(kg) / 1000:,.1f} t"


def num(value: float | None, kind: str = "money") -> str:
    """A number in a span carrying its exact value, so tests and readers can trace it."""
    text = fmt_tonnes(value) if kind == "kg" else fmt_number(value)
    raw = "" if value is None else repr(float(value))
    return f'<span class="num" data-value="{html.escape(raw)}">{html.escape(text)}</span>'


#: price levels in words (the report's glossary of market levels)
LEVELS = {"retail": "retail", "wholesale_destination": "wholesale at destination",
          "wholesale_transit": "wholesale in transit", "wholesale_origin": "wholesale at origin",
          "export": "export (border of producing country)", "farm_gate": "farm-gate",
          "journey_fee": "smugglers' fees for the whole journey"}


def level_words(level: str | None) -> str:
    """A price level as an analyst reads it (``wholesale_destination`` -> words)."""
    return LEVELS.get(str(level), str(level).replace("_", " "))


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("tocta.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    env.filters["money"] = fmt_number
    env.filters["tonnes"] = fmt_tonnes
    env.filters["level"] = level_words
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{100 * float(v):.0f}%"
    env.globals["num"] = lambda v, kind="money": Markup(num(v, kind))
    return env


def render_report(data: dict[str, Any], figures: dict[str, dict[str, str]]) -> str:
    """The report page.

    Args:
        data: ``Assessment.to_dict()`` (JSON-safe).
        figures: per commodity, figure name → HTML fragment (``to_html_fragment``).
    """
    template = _env().get_template("report.html.j2")
    return template.render(a=data, figures=figures, synthetic_text=SYNTHETIC_TEXT,
                           geo_assets=geo_assets_script(), plotlyjs=get_plotlyjs())
