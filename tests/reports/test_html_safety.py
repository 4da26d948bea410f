"""Hostile ticket content is escaped; the environment is strict; templates can be overridden."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from report_templates.env import RenderContext, environment
from report_templates.html import render_html
from report_templates.input import ReportInput
from report_templates.views import build_audit_view, build_register_view, build_review_view
from tests.reports.builders import HOSTILE_ATTR, HOSTILE_SCRIPT, RENDER


@pytest.mark.parametrize("build", [build_register_view, build_audit_view, build_review_view])
def test_hostile_content_is_escaped(build, data: ReportInput) -> None:  # type: ignore[no-untyped-def]
    html = render_html(build(data), RENDER)
    # The only script is the table tools (register, audit), and the page's CSP allows only it.
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert html.count("<script") == len(scripts) == (0 if build is build_review_view else 1)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp is not None
    policy = unescape(csp.group(1))
    assert "default-src 'none'" in policy
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"script-src 'sha256-{digest}'" in policy
        assert "alert" not in body
    assert "<img" not in html
    assert "onerror=alert" not in html or "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_register_shows_the_escaped_text(data: ReportInput) -> None:
    html = render_html(build_register_view(data), RENDER)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html  # the owner field of CS-5
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # remedy sought
    assert HOSTILE_SCRIPT not in html and HOSTILE_ATTR not in html


def test_environment_is_strict_and_escapes() -> None:
    env = environment()
    assert env.autoescape is True
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


def test_locale_is_injected(data: ReportInput) -> None:
    env = environment()
    german = RenderContext(generated_at=RENDER.generated_at, version="t", locale="de_DE")
    template = env.from_string("{{ 12345.678 | num(2) }} {{ 0.256 | pct }}")
    assert template.render(render=german) == "12.345,68 25,6 %"
    assert template.render(render=RENDER) == "12,345.68 25.6 %"
    with pytest.raises(ValueError, match="unsupported locale"):
        RenderContext(generated_at=RENDER.generated_at, version="t", locale="xx_XX")


def test_a_template_directory_overrides_by_name(tmp_path: Path, data: ReportInput) -> None:
    (tmp_path / "_base.html.j2").write_text(
        "<html><body>ACME brand {{ view.header.title }}{% block content %}{% endblock %}</body></html>",
        encoding="utf-8",
    )
    html = render_html(build_register_view(data), RENDER, templates_dir=str(tmp_path))
    assert html.startswith("<html><body>ACME brand Complaint register")
    assert "CS-1" in html  # register.html.j2 itself still comes from the shipped templates
    default = render_html(build_register_view(replace(data)), RENDER)
    assert "ACME brand" not in default


def test_only_http_links_are_rendered(data: ReportInput) -> None:
    records = [
        r.model_copy(update={"url": "javascript:alert(1)"}) if r.id == "CS-2" else r
        for r in data.current.records
    ]
    html = render_html(
        build_register_view(replace(data, current=replace(data.current, records=tuple(records)))), RENDER
    )
    assert "javascript:" not in html
    assert '<a href="https://example.atlassian.net/browse/CS-1">' in html
