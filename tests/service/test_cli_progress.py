"""Progress of the store commands' long steps (sync, the check step, the write-back plan,
``verify-store``): on stderr on a terminal, nothing without one, stdout documents unchanged."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.file_proxy import FileProxy
from typer.testing import CliRunner

from connector.cli import app, errors
from tests.zendesk import scenarios as sc

runner = CliRunner()
pytestmark = pytest.mark.slow


def _invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def test_store_commands_show_progress_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZD_ID", "sandbox-client")
    monkeypatch.setenv("ZD_SECRET", "sandbox-secret")
    server = sc.start_sandbox(tickets=20)
    try:
        config = str(sc.cli_config(tmp_path, server.base_url))
        piped = _invoke("run", "-c", config, "--dry-run")
        assert piped.exit_code == 0, piped.output
        assert "checking complaints" not in piped.stderr
        with monkeypatch.context() as patched:
            patched.setattr(errors, "err", Console(stderr=True, force_terminal=True, width=120))
            shown = _invoke("run", "-c", config, "--dry-run")
            assert shown.exit_code == 0, shown.output
            for step in ("sync sandbox", "checking complaints", "planning the write-back to sandbox"):
                assert step in shown.stderr
                assert step not in shown.stdout
            scripted = _invoke("run", "-c", config, "--dry-run", "--format", "json")
            assert scripted.exit_code == 0, scripted.output
            assert "checking complaints" not in scripted.stderr
            assert json.loads(scripted.stdout)["check"]["tickets"] > 0
            checked = _invoke("check", "-c", config)
            assert checked.exit_code == 0, checked.output
            assert "checking complaints" in checked.stderr
            as_json = _invoke("check", "-c", config, "--format", "json")
            assert as_json.exit_code == 0, as_json.output
            assert "checking complaints" not in as_json.stderr
            assert json.loads(as_json.stdout)["findings"]
            verified = _invoke("verify-store", "-c", config)
            assert verified.exit_code == 0, verified.output
            assert "verifying runs" in verified.stderr
            assert verified.stdout.startswith("ok: ")
        quiet = _invoke("verify-store", "-c", config)
        assert quiet.exit_code == 0, quiet.output
        assert quiet.stderr == ""
    finally:
        server.stop()


def test_the_long_steps_tell_their_progress_once_per_chunk_when_asked(tmp_path: Path) -> None:
    from sqlalchemy import update

    from connector.remap import remap_stale
    from connector.store import Store
    from connector.store.models import TicketRow
    from connector.store.runs import verify_chain
    from tests.service.helpers import pipeline

    server = sc.start_sandbox(tickets=12)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        pipe = pipeline(server, store)
        pipe.sync()
        told: list[tuple[str, int, int | None]] = []
        outcome = pipe.check(tally=lambda step, done, total: told.append((step, done, total)))
        checking = [t for t in told if t[0] == "checking complaints"]
        assert checking and checking[-1][1] == checking[-1][2]  # ends at its total
        assert checking[-1][2] is not None and checking[-1][2] >= outcome.tickets > 0
        assert told[-1][0] == "recording the run"
        told.clear()
        with store.session() as session:
            runs, problems = verify_chain(session, tally=lambda *t: told.append(t))
        assert not problems
        assert ("verifying runs", runs, runs) in told
        told.clear()
        with store.session() as session:
            session.execute(update(TicketRow).values(mapper_version="0.0.1"))
        remapped = remap_stale(store, pipe.evaluator.mappings, tally=lambda *t: told.append(t))
        assert remapped and told[-1][1:] == (remapped, remapped)
    finally:
        store.close()
        server.stop()


def test_logging_keeps_the_real_stderr_after_a_shown_display(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the display is shown, rich puts its proxy in ``sys.stderr``; log lines configured
    then would go through that proxy for the rest of the process."""
    monkeypatch.setenv("ZD_ID", "sandbox-client")
    monkeypatch.setenv("ZD_SECRET", "sandbox-secret")
    monkeypatch.setattr(errors, "err", Console(stderr=True, force_terminal=True, width=120))
    root = logging.getLogger()
    server = sc.start_sandbox(tickets=5)
    try:
        config = str(sc.cli_config(tmp_path, server.base_url))
        for command in (["sync", "-c", config], ["run", "-c", config, "--dry-run"]):
            monkeypatch.setattr(root, "handlers", [])  # as in a fresh process
            result = _invoke(*command)
            assert result.exit_code == 0, result.output
            streams = [getattr(handler, "stream", None) for handler in root.handlers]
            assert streams and not any(isinstance(stream, FileProxy) for stream in streams), command
    finally:
        server.stop()
