"""``iso10002 check`` on the store streams its findings back from the recorded run; its output
(table, json, csv) is what rendering the evaluation's own findings in memory gave before."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from compliance_checks.findings import Finding
from connector.checking import TicketEvaluation
from connector.cli import app
from connector.cli.check import Format, _write_csv, _write_json, _write_table
from connector.files import RunSummary
from connector.store import Store
from tests.service.helpers import pipeline
from tests.service.test_cli_store import _config
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
runner = CliRunner()


def _in_memory(findings: list[Finding], as_of: datetime, output_format: Format) -> None:
    """The rendering before streaming: every finding in a list, the summary computed first."""
    results = [TicketEvaluation(f.ticket, None, [f]) for f in findings]
    summary = RunSummary(tickets_seen=len({f.ticket for f in findings}),
                         complaints=len({f.ticket for f in findings}))
    summary.statuses.update(f.status.value for f in findings)
    if output_format is Format.json:
        _write_json(results, as_of, sys.stdout)
    elif output_format is Format.csv:
        _write_csv(results, sys.stdout)
    else:
        # The baseline policy's zone: the Due column is in it and says so.
        _write_table(results, summary, ZoneInfo("Europe/London"))


def test_store_check_output_is_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = sc.start_sandbox(tickets=30)
    try:
        config = _config(tmp_path, server.base_url)
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")
        pipe = pipeline(server, store)
        pipe.sync()
        as_of = sc.virtual_now(server)
        evaluated = pipe.check(as_of=as_of, keep_findings=True)
        store.close()
    finally:
        server.stop()
    expected_findings = [f for key in sorted(evaluated.findings) for f in evaluated.findings[key]]
    assert expected_findings
    for output_format in Format:
        capsys.readouterr()
        _in_memory(expected_findings, as_of, output_format)
        expected = capsys.readouterr().out
        result = runner.invoke(app, ["check", "-c", str(config), "--as-of", as_of.isoformat(),
                                     "--format", output_format.value])
        assert result.exit_code in (0, 4), result.output
        # (csv writes CRLF; the CLI runner's captured stream reads it back as LF)
        assert result.stdout.replace("\r\n", "\n") == expected.replace("\r\n", "\n"), output_format
