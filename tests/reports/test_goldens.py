"""View-model and rendered-HTML goldens.

Time, timezone, locale and version are injected (``builders.RENDER``, the period's timezone,
``Provenance.code_version``): nothing is monkeypatched. Charts are compared separately
(test_charts.py), so here each inline ``<svg>`` is reduced to its accessible label.

Regenerate after an intended change and review the diff:
    UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/reports/test_goldens.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from report_templates.html import View, render_html
from report_templates.input import ReportInput
from report_templates.render import view_json
from report_templates.views import build_audit_view, build_kpi_view, build_register_view, build_review_view
from tests.reports.builders import RENDER, small_registry

GOLDENS = Path(__file__).with_name("goldens")
_SVG = re.compile(r'<svg role="img" aria-label="([^"]*)".*?</svg>', re.DOTALL)


def build(kind: str, data: ReportInput) -> View:
    if kind == "register":
        return build_register_view(data)
    if kind == "kpi":
        return build_kpi_view(data)
    if kind == "audit":
        return build_audit_view(data, registry=small_registry())
    return build_review_view(data)


def check_golden(name: str, actual: str) -> None:
    path = GOLDENS / name
    if os.environ.get("UPDATE_GOLDENS") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDENS=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs (UPDATE_GOLDENS=1 to accept)"


@pytest.mark.parametrize("kind", ["register", "kpi", "audit", "review"])
def test_view_model_golden(kind: str, data: ReportInput) -> None:
    check_golden(f"{kind}.view.json", view_json(build(kind, data)))


@pytest.mark.parametrize("kind", ["register", "kpi", "audit", "review"])
def test_html_golden(kind: str, data: ReportInput) -> None:
    html = render_html(build(kind, data), RENDER)
    check_golden(f"{kind}.html", _SVG.sub(r'<svg aria-label="\1"/>', html))
