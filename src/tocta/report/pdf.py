"""PDF from the same HTML: headless Chromium prints the page (no network, no second layout)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tocta.errors import ConfigError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET = ("PDF needs headless Chromium: install it (Debian/Ubuntu: apt-get install "
              "chromium) or print report.html from a browser (File > Print > Save as PDF)")


def find_browser() -> str | None:
    """The first Chromium-like browser on PATH, or None."""
    return next((p for b in BROWSERS if (p := shutil.which(b))), None)


def print_pdf(html: Path, pdf: Path, browser: str | None = None, timeout: float = 180) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium, every request outside blocked.

    Raises:
        ConfigError: no browser was found, or it failed (its message is kept).
    """
    exe = browser or find_browser()
    if exe is None:
        raise ConfigError(HOW_TO_GET)
    with tempfile.TemporaryDirectory(prefix="tocta-pdf-") as profile:
        run = subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000",
             "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise ConfigError(f"{exe} could not print {html} to PDF (exit {run.returncode}): "
                          f"{run.stderr.strip()[-400:]}")
    return pdf
