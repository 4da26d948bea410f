"""Streamed sources give the very same reports as the in-memory snapshot, in any order."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from connector.reports.spool import Spool
from report_templates.input import ComplaintSource, Item, ReportInput, Snapshot, StreamSnapshot
from report_templates.kinds import Fmt
from report_templates.render import Job, build_view, render_reports, view_json
from report_templates.views.audit import SampleDraw, draw_sample, sample_key
from tests.reports.builders import RENDER

KINDS = ["register", "kpi", "audit", "review"]


def streamed(snapshot: Snapshot, *, reverse: bool = False) -> StreamSnapshot:
    """The snapshot as a one-item-at-a-time source (optionally in reverse order)."""
    items = [Item(r, snapshot.findings_for(r.id)) for r in snapshot.records]
    if reverse:
        items.reverse()
    return StreamSnapshot(snapshot.as_of, lambda: iter(items))


def spooled(snapshot: Snapshot) -> ComplaintSource:
    spool = Spool()
    spool.write(snapshot.items())
    return spool.source(snapshot.as_of)


def with_sources(data: ReportInput, convert: object) -> ReportInput:
    assert isinstance(data.current, Snapshot)
    history = tuple(convert(s) for s in data.history if isinstance(s, Snapshot))  # type: ignore[operator]
    return replace(data, current=convert(data.current), history=history)  # type: ignore[operator]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("convert", ["reversed", "spool"])
def test_streamed_sources_give_identical_views(data: ReportInput, kind: str, convert: str) -> None:
    to = spooled if convert == "spool" else (lambda s: streamed(s, reverse=True))
    expected = build_view(kind, data)
    actual = build_view(kind, with_sources(data, to))
    assert view_json(actual) == view_json(expected)  # type: ignore[arg-type]


def test_one_pass_feeds_every_report(data: ReportInput, tmp_path: Path) -> None:
    reads = 0
    items = [Item(r, data.current.findings_for(r.id)) for r in data.current.records]  # type: ignore[attr-defined]

    def read() -> list[Item]:
        nonlocal reads
        reads += 1
        return items

    source = StreamSnapshot(data.as_of, read, find=lambda ids: [i for i in items if i.record.id in ids])
    jobs = [Job(k, Fmt.json, tmp_path / f"{k}.json") for k in KINDS]
    jobs.append(Job("register", Fmt.csv, tmp_path / "register.csv"))
    render_reports(jobs, replace(data, current=source), render=RENDER)
    assert reads == 1  # the sample is re-read through find(), the baseline is its own source
    for kind in KINDS:
        single = view_json(build_view(kind, data))  # type: ignore[arg-type]
        assert (tmp_path / f"{kind}.json").read_text(encoding="utf-8") == single


def test_the_sample_is_the_smallest_hashes_whatever_the_order() -> None:
    ids = [f"CS-{i}" for i in range(1, 200)]
    forward = draw_sample(ids, 42, 5)
    assert forward == draw_sample(reversed(ids), 42, 5)
    by_hand = sorted(sorted(ids, key=lambda i: hashlib.sha256(f"42:{i}".encode()).digest())[:5])
    assert forward == by_hand
    assert sample_key(42, "CS-1") == hashlib.sha256(b"42:CS-1").digest()
    assert draw_sample(ids, 43, 5) != forward
    draw = SampleDraw(1, 0)
    draw.add("CS-1")
    assert (draw.chosen(), draw.population) == ([], 1)


def test_spool_briefs_and_lookup(data: ReportInput) -> None:
    snapshot = data.current
    assert isinstance(snapshot, Snapshot)
    spool = Spool()
    assert spool.write(snapshot.items()) == len(snapshot.records)
    source = spool.source(snapshot.as_of)
    assert list(source.briefs()) == list(snapshot.briefs())
    assert sorted(i.record.id for i in source.lookup(["CS-3", "CS-1", "nope"])) == ["CS-1", "CS-3"]
    cut = spool.source(snapshot.as_of, until=snapshot.records[2].received_at)
    assert {b.id for b in cut.briefs()} == {i.record.id for i in cut.items()}
    path = spool.path
    spool.close()
    assert not path.exists()


def test_register_page_streams_from_slim_rows_identically(data: ReportInput, tmp_path: Path) -> None:
    """The register HTML written from its slim rows (one row model at a time, streamed to the
    file) is byte-for-byte the page rendered from the full view-model."""
    from report_templates.env import RenderContext
    from report_templates.html import render_html
    from report_templates.views.register import RegisterView

    render = RenderContext(generated_at=data.as_of, version="test")
    full = build_view("register", data)
    assert isinstance(full, RegisterView) and full.rows
    job = Job("register", Fmt.html, tmp_path / "register.html")
    [written] = render_reports([job], data, render=render)
    assert written.read_text(encoding="utf-8") == render_html(full, render)
