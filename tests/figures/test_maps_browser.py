"""A written flow map drawn by a real Chromium with every non-file request blocked.

Checks what unit tests cannot: plotly.js draws our country outlines and one line per edge
from a file:// page, asks for nothing over the network (the geo-asset stub works), and the
screenshot is a picture, not a blank page. Needs /usr/bin/chromium (``make system-deps`` as
root installs it): skipped without it, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
except ImportError:  # the fixture skips (or fails under CI) with the reason
    PlaywrightTimeoutError = TimeoutError

from tocta.figures.maps import flow_map
from tocta.figures.offline import write_html

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
LOCAL_SCHEMES = ("file:", "data:", "blob:")
DRAW_TIMEOUT_MS = 30_000

# Every distinct colour and the share of pixels that are not white, counted by the browser
# itself from the PNG (no image library needed in the venv).
PIXEL_STATS = """async (dataUrl) => {
  const img = new Image();
  img.src = dataUrl;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  const colours = new Set();
  let inked = 0;
  for (let i = 0; i < px.length; i += 4) {
    colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    if (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250) inked++;
  }
  return {colours: colours.size, inked: inked / (px.length / 4)};
}"""

COUNTS = """() => ({
  outlines: document.querySelectorAll("path.choroplethlocation").length,
  lines: [...document.querySelectorAll(".scatterlayer path.js-line")]
    .filter((p) => (p.getAttribute("d") || "").length > 10).length,
})"""


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: run `sh scripts/system-deps.sh` as root"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("the playwright package is missing: pip install -e '.[dev]'")
        pytest.skip("the playwright package is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def test_flow_map_draws_offline(browser: Any, edges: pl.DataFrame, tmp_path: Path) -> None:
    html = write_html(flow_map(edges, title="Routes", synthetic=True), tmp_path / "map.html",
                      title="Routes", synthetic=True)
    external: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page = browser.new_page(viewport={"width": 1200, "height": 760})
    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(html.resolve().as_uri())
    # On a timeout the assertions below say what was fetched, failed or not drawn.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            f"() => document.querySelectorAll('.scatterlayer path.js-line').length"
            f" >= {edges.height}"
            " && document.querySelectorAll('path.choroplethlocation').length >= 150",
            timeout=DRAW_TIMEOUT_MS,
        )
    counts = page.evaluate(COUNTS)
    shot = tmp_path / "flow_map.png"
    png = page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    stats = page.evaluate(PIXEL_STATS, "data:image/png;base64," + base64.b64encode(png).decode())
    page.close()

    assert external == []
    assert errors == []
    assert counts["outlines"] >= 150
    assert counts["lines"] == edges.height
    assert stats["colours"] > 50
    assert 0.05 < stats["inked"] < 0.95
