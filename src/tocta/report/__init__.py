"""The TOCTA report: renders an assessment's dictionary and its figures to one HTML page.

Takes plain data (``Assessment.to_dict()``) and ready figure fragments; reads no store.
"""

from tocta.report.render import fmt_number, render_report

__all__ = ["fmt_number", "render_report"]
