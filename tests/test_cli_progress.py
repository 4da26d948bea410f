"""Progress on stderr for long steps: shown on a terminal only, never in a stdout document, and
free when off (no callback handed to the steps, streams passed through as they are)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from connector.cli import app, errors
from connector.cli.progress import ReportProgress, Steps

ROOT = Path(__file__).resolve().parents[1]
ZENDESK_SAMPLE = ROOT / "connector" / "samples" / "zendesk-sample.jsonl"
AS_OF = "2026-11-22T09:00:00+00:00"
runner = CliRunner()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr as a terminal: the console the commands' progress is drawn on."""
    monkeypatch.setattr(errors, "err", Console(stderr=True, force_terminal=True, width=120))


def _check(*extra: str) -> Any:
    return runner.invoke(app, ["check", "--platform", "zendesk", "--input", str(ZENDESK_SAMPLE),
                               "--as-of", AS_OF, *extra], env={"COLUMNS": "250"})


def test_steps_off_without_a_terminal_draw_nothing_and_cost_nothing() -> None:
    piped = StringIO()
    items = [1, 2, 3]
    with Steps(console=Console(file=piped)) as display:
        assert display.tally() is None  # connector's steps then skip every progress call
        assert display.counted(items, "checking tickets") is items
        with display.step("opening the store"):
            pass
        display.note("sync zd", "3 tickets")
    with ReportProgress(console=Console(file=piped)) as progress:
        source = object()
        assert progress.count(source) is source  # type: ignore[arg-type]
    assert piped.getvalue() == ""


def test_steps_on_a_terminal_show_each_step_with_its_count() -> None:
    screen = StringIO()
    with Steps(console=Console(file=screen, force_terminal=True, width=120)) as display:
        tally = display.tally()
        assert tally is not None
        tally("checking complaints", 500, 1200)
        assert list(display.counted(range(3), "checking tickets")) == [0, 1, 2]
        display.note("sync zd", "3 tickets, 1 pages")
        tasks = display._progress.tasks
        assert [t.finished for t in tasks] == [False, True, False]  # a later step ends "checking tickets"
        display._progress.refresh()
    shown = screen.getvalue()
    assert "checking complaints" in shown and "500/1,200" in shown
    assert "checking tickets" in shown


def test_steps_are_off_when_asked_even_on_a_terminal() -> None:
    screen = StringIO()
    with Steps(shown=False, console=Console(file=screen, force_terminal=True)) as display:
        assert display.tally() is None
    assert screen.getvalue() == ""


def test_check_of_files_shows_progress_on_a_terminal(terminal: None) -> None:
    result = _check()
    assert result.exit_code == 0, result.output
    assert "checking tickets" in result.stderr
    assert "checking tickets" not in result.stdout
    assert "complaints checked" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_check_documents_for_scripts_get_no_progress_even_on_a_terminal(fmt: str, terminal: None) -> None:
    result = _check("--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    if fmt == "json":
        assert json.loads(result.stdout)["findings"]


def test_check_of_files_without_a_terminal_prints_the_normal_output_only() -> None:
    shown = _check()
    assert shown.exit_code == 0, shown.output
    assert shown.stderr == ""
    document = _check("--format", "json")
    assert document.stderr == ""
    assert json.loads(document.stdout)["findings"]


def test_report_and_verify_report_show_progress_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = tmp_path / "audit.json"
    inputs = ["--platform", "zendesk", "--input", str(ZENDESK_SAMPLE)]
    written = runner.invoke(app, ["report", "audit", *inputs, "--as-of", AS_OF, "--format", "json",
                                  "--out", str(audit)])
    assert written.exit_code == 0, written.output
    assert "reading complaints" not in written.stderr
    quiet = runner.invoke(app, ["verify-report", str(audit), *inputs])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    monkeypatch.setattr(errors, "err", Console(stderr=True, force_terminal=True, width=120))
    shown = runner.invoke(app, ["verify-report", str(audit), *inputs])
    assert shown.exit_code == 0, shown.output
    assert "reading complaints" in shown.stderr
    assert shown.stdout.startswith("MATCH")
    again = runner.invoke(app, ["report", "audit", *inputs, "--as-of", AS_OF, "--format", "json",
                                "--out", str(tmp_path / "again.json")])
    assert again.exit_code == 0, again.output
    assert "reading complaints" in again.stderr


def test_a_display_cleared_early_is_not_stopped_again() -> None:
    # A terminal that cannot redraw (TERM=dumb) gets a blank line at each stop: one, not two.
    screen = StringIO()
    with Steps(console=Console(file=screen, force_terminal=True, force_interactive=False)) as display:
        assert list(display.counted([1, 2], "checking tickets", last=True)) == [1, 2]
    assert screen.getvalue().count("\n") == 1


def test_sync_progress_counts_in_the_singular_for_one() -> None:
    """The sync line of a source with one ticket on one page read "1 tickets, 1 pages"."""
    from connector.cli.store import sync_progress

    notes: list[tuple[str, str]] = []

    class Display:
        shown = True

        def note(self, step: str, count: str) -> None:
            notes.append((step, count))

    progress = sync_progress(Display())  # type: ignore[arg-type]
    progress("zd")(1, 1)
    progress("zd")(2, 1_001)
    assert notes == [("sync zd", "1 ticket, 1 page"), ("sync zd", "1,001 tickets, 2 pages")]
