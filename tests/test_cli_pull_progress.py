"""Progress of ``iso10002 pull``: the tickets read so far on stderr on a terminal only, through
the same display and ``tally`` callback as the other long steps; the payload file is the same
either way.

Totals: Jira Data Center's ``GET /rest/api/2/search`` answers ``startAt``/``maxResults``/``total``
(platform-jira.md, Data Center search); Cloud's ``POST /rest/api/3/search/jql`` has no ``total``
(platform-jira.md "No ``total``"; jira-platform-v3.json ``SearchAndReconcileResults``: ``issues``,
``nextPageToken``, ``isLast``); Zendesk's cursor ticket export has none either (platform-zendesk.md,
incremental ticket export: ``tickets``, ``after_cursor``, ``end_of_stream``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from connector.cli import app, errors
from connector.platforms.base import pull_step
from devtools.sandboxes.zendesk import SandboxServer as ZendeskSandbox
from devtools.sandboxes.zendesk import SandboxState
from tests.zendesk import scenarios as sc

STEP = pull_step("sandbox")
runner = CliRunner()
Told = list[tuple[str, int, int | None]]


@pytest.fixture
def zendesk() -> Iterator[ZendeskSandbox]:
    with ZendeskSandbox(SandboxState.seeded(3, 30, start=1_780_000_000)) as server:
        yield server


def _zendesk_config(tmp_path: Path, base_url: str) -> Path:
    return sc.cli_config(tmp_path, base_url, store=False, rate_limits={"account_per_minute": 700})


def _pull(config: Path, out: Path) -> Any:
    return runner.invoke(app, ["pull", "--platform", "zendesk", "-c", str(config), "--out", str(out),
                               "--since", "2025-01-01T00:00:00+00:00"], env={"COLUMNS": "250"})


def test_pull_shows_tickets_read_on_a_terminal_only_and_writes_the_same_file(
    zendesk: ZendeskSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZD_ID", "sandbox-client")
    monkeypatch.setenv("ZD_SECRET", "sandbox-secret")
    config = _zendesk_config(tmp_path, zendesk.base_url)
    piped = _pull(config, tmp_path / "piped.jsonl")
    assert piped.exit_code == 0, piped.output
    assert STEP not in piped.stderr
    with monkeypatch.context() as patched:
        patched.setattr(errors, "err", Console(stderr=True, force_terminal=True, width=120))
        shown = _pull(config, tmp_path / "shown.jsonl")
    assert shown.exit_code == 0, shown.output
    assert STEP in shown.stderr
    assert STEP not in shown.stdout
    summary = json.loads(shown.stdout)  # the summary on stdout stays one JSON document
    assert summary["tickets"] > 0
    assert f"{summary['tickets']:,}" in shown.stderr  # the count of tickets read was drawn
    assert summary["lines"] == json.loads(piped.stdout)["lines"]
    assert (tmp_path / "shown.jsonl").read_bytes() == (tmp_path / "piped.jsonl").read_bytes()


def test_zendesk_pull_tells_rising_ticket_counts_per_export_page(tmp_path: Path) -> None:
    from connector.platforms.zendesk.commands import pull

    server = sc.start_sandbox(tickets=30)
    try:
        source = sc.sandbox_source(server, per_page=7)
        told: Told = []
        result = pull(source, tmp_path / "p.jsonl", start_time=sc.virtual_now(server).replace(year=2025),
                      cursor=None, client=sc.sandbox_client(server, source),
                      now=lambda: sc.virtual_now(server), tally=lambda *t: told.append(t))
    finally:
        server.stop()
    pages = [line for line in sc.read_lines(result.out) if "tickets" in line]
    assert len(pages) > 2 and len(told) == len(pages)  # once per export page, not per ticket
    assert {step for step, _done, _total in told} == {STEP}
    counts = [done for _step, done, _total in told]
    assert counts == sorted(counts) and counts[0] < counts[-1] == result.tickets
    assert all(total is None for *_rest, total in told)  # the export gives no total


def _jira_pull(mode: str, tmp_path: Path, told: Told) -> Any:
    from connector.platforms.jira.commands import pull
    from devtools.sandboxes.jira import SandboxServer, make_state
    from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN
    from tests.jira.helpers import sandbox_source

    environ = {"JIRA_PAT": DEFAULT_TOKEN, "JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN}
    with SandboxServer(make_state(mode=mode, seed=3, issues=30)) as server:
        source = sandbox_source(server, tmp_path, page_sizes={"search": 7})
        return pull(source, tmp_path / f"{mode}.jsonl", since=None, environ=environ,
                    tally=lambda *t: told.append(t))


def _search_pages(result: Any) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in result.out.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if isinstance(line, dict) and isinstance(line.get("issues"), list)
            and "issue" not in line]


def test_jira_data_center_pull_tells_issues_listed_out_of_the_search_total(tmp_path: Path) -> None:
    told: Told = []
    result = _jira_pull("datacenter", tmp_path, told)
    pages = _search_pages(result)
    assert len(pages) > 2 and len(told) == len(pages)  # once per search page
    counts = [done for _step, done, _total in told]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert {total for *_rest, total in told} == {pages[0]["total"]}  # the search's own total
    assert counts[-1] == pages[0]["total"]  # every matching issue listed: the bar ends full
    assert counts[-1] >= result.tickets > 0


def test_jira_cloud_pull_tells_an_open_count(tmp_path: Path) -> None:
    told: Told = []
    result = _jira_pull("cloud", tmp_path, told)
    pages = _search_pages(result)
    assert len(pages) > 2 and len(told) == len(pages)
    counts = [done for _step, done, _total in told]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert counts[-1] >= result.tickets > 0
    assert all(total is None for *_rest, total in told)


def test_a_data_center_window_restart_adds_its_total_to_what_was_listed() -> None:
    """Near the 10,000-result window the reader searches again from the last ``updated``: that
    search's ``total`` counts from where the earlier windows stopped."""
    from types import SimpleNamespace

    from connector.platforms.jira.commands import _SearchTally
    from connector.platforms.jira.reader import JiraReadStats

    stats = JiraReadStats()
    told: Told = []
    reader: Any = SimpleNamespace(state=SimpleNamespace(stats=stats))  # what the counter reads
    counter = _SearchTally(lambda *t: told.append(t), STEP, reader)

    def search_page(start: int, total: int, listed: int) -> None:
        stats.issues += listed - 1
        stats.duplicates_skipped += 1
        counter.page({"startAt": start, "maxResults": listed, "total": total, "issues": []})

    search_page(0, 20, 10)
    counter.page({"issue": "CS-1", "changelog": {"histories": []}})  # not a search page: not told
    search_page(10, 20, 10)
    search_page(0, 15, 10)  # the next window
    search_page(10, 15, 5)
    assert told == [(STEP, 10, 20), (STEP, 20, 20), (STEP, 30, 35), (STEP, 35, 35)]


def test_pull_logs_from_warning_on_the_real_stderr_while_its_progress_shows(
    zendesk: ZendeskSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``sync``: logging is configured before the display takes ``sys.stderr`` over (rich's
    proxy), at WARNING while the display says the same thing readably."""
    import logging

    from rich.file_proxy import FileProxy

    monkeypatch.setenv("ZD_ID", "sandbox-client")
    monkeypatch.setenv("ZD_SECRET", "sandbox-secret")
    monkeypatch.setattr(errors, "err", Console(stderr=True, force_terminal=True, width=120))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as in a fresh process
    monkeypatch.setattr(root, "level", root.level)
    result = _pull(_zendesk_config(tmp_path, zendesk.base_url), tmp_path / "p.jsonl")
    assert result.exit_code == 0, result.output
    streams = [getattr(handler, "stream", None) for handler in root.handlers]
    assert streams and not any(isinstance(stream, FileProxy) for stream in streams)
    assert root.level == logging.WARNING
