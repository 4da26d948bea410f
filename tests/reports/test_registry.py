"""The registry of report kinds: every kind and return is declared by its own module (``KIND``),
and a module declaring a new one is all it takes to render it (pass, formats, writers)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from report_templates.input import ReportInput
from report_templates.kinds import RETURN_FORMATS, VIEW_FORMATS, Fmt, kind, kind_names, ordered
from report_templates.render import render_report
from tests.reports.builders import RENDER


def test_the_shipped_kinds_and_returns_are_registered() -> None:
    assert kind_names() == ["audit", "kpi", "register", "review", "asic-idr", "cfpb", "fca-return"]
    for name in ("fca-return", "asic-idr", "cfpb"):
        assert kind(name).regulator_return
        assert kind(name).formats == RETURN_FORMATS
        assert kind(name).default_format is Fmt.csv
    assert {k for k in kind_names() if kind(k).trend} == {"kpi", "review"}
    assert kind("register").formats == VIEW_FORMATS


def test_an_unknown_kind_or_format_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown report kind 'ledger'; use one of audit, kpi"):
        kind("ledger")
    with pytest.raises(ValueError, match="cfpb is written as csv or json"):
        kind("cfpb").check_format(Fmt.html)


def test_the_review_is_finished_after_the_kpi_report_it_shares() -> None:
    assert [k.name for k in ordered(["review", "audit", "kpi", "review"])] == ["audit", "kpi", "review"]


def test_a_kind_declared_in_one_module_is_rendered(
    extra_kinds: None, data: ReportInput, tmp_path: Path
) -> None:
    assert "channel-tally" in kind_names()
    out = render_report("channel-tally", data, "csv", tmp_path / "tally.csv", render=RENDER)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Complaints by channel"
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    records = data.current.records  # type: ignore[attr-defined]
    expected = Counter(r.channel or "unknown" for r in records)
    assert {r["channel"]: int(r["complaints"]) for r in rows} == dict(expected)
    with pytest.raises(ValueError, match="channel-tally is written as csv or json"):
        render_report("channel-tally", data, "html", tmp_path / "tally.html", render=RENDER)
