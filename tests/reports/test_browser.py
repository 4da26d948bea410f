"""Each HTML report opened in headless Chromium: it renders, charts and tables are in the DOM,
nothing is fetched, no console errors, and the screenshot is a real page (not blank).

Screenshots are kept under pytest's tmp dir (path printed with -s), or in $REPORT_SCREENSHOTS.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from report_templates.html import render_html
from report_templates.input import ReportInput
from report_templates.views import build_audit_view, build_kpi_view, build_register_view, build_review_view
from tests.reports.builders import RENDER

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
BUILDERS = {
    "register": build_register_view,
    "kpi": build_kpi_view,
    "audit": build_audit_view,
    "review": build_review_view,
}
#: Charts each report must show (inline <svg> elements).
CHARTS = {"register": 0, "kpi": 6, "audit": 0, "review": 1}
#: Text each report must contain once rendered.
MARKER = {
    "register": "CS-1",
    "kpi": "Root causes",
    "audit": "Clause coverage matrix",
    "review": "Open actions",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"
    ),
]


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_report_renders_in_chromium(kind: str, data: ReportInput, tmp_path: Path) -> None:
    from PIL import Image  # installed with matplotlib

    page = tmp_path / f"{kind}.html"
    page.write_text(render_html(BUILDERS[kind](data), RENDER), encoding="utf-8")
    url = page.as_uri()

    dom = chromium(tmp_path / "profile-dom", "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for line in dom.stderr.splitlines():
        assert "Uncaught" not in line, line
        assert "Failed to load resource" not in line, line
    html = dom.stdout
    assert html.count("<svg") == CHARTS[kind]
    assert "<table" in html and "<caption>" in html and '<th scope="col"' in html
    assert MARKER[kind] in html

    shots = Path(os.environ.get("REPORT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    png = shots / f"{kind}.png"
    shot = chromium(tmp_path / "profile-shot", f"--screenshot={png}", "--window-size=1280,2000", url)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    print(f"screenshot: {png}")
    assert png.stat().st_size > 20_000
    with Image.open(png) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50  # text, rules, chart colours: not a blank page
        assert image.convert("L").getextrema()[0] < 100  # some dark ink on the page
