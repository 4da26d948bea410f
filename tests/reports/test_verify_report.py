"""``iso10002 verify-report``: an audit report rebuilt from its data gives its content hash; an
edited ticket or an edited report file is a MISMATCH naming what differs.

The data is a generated Zendesk export (``devtools.generator``: Zendesk Tickets / Ticket
Comments / Ticket Audits API shapes), reported on with ``iso10002 report audit --input``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli import app
from connector.cli.exit_codes import ExitCode

AS_OF = "2026-11-22T09:00:00+00:00"
runner = CliRunner()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "zendesk.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.generator",
            "--platform",
            "zendesk",
            "--complaints",
            "30",
            "--seed",
            "11",
            "--end",
            "2026-11-20T17:00:00+00:00",
            "--days",
            "60",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def audit(export: Path, out: Path, *extra: str) -> Path:
    args = [
        "report",
        "audit",
        "--platform",
        "zendesk",
        "--input",
        str(export),
        "--as-of",
        AS_OF,
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-20",
        "--sample-size",
        "5",
        "--format",
        out.suffix[1:],
        "--out",
        str(out),
        *extra,
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def verify(report: Path, export: Path) -> tuple[int, str]:
    result = runner.invoke(
        app, ["verify-report", str(report), "--platform", "zendesk", "--input", str(export)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_unchanged_data_matches(export: Path, tmp_path: Path, fmt: str) -> None:
    report = audit(export, tmp_path / f"audit.{fmt}")
    code, said = verify(report, export)
    assert code == ExitCode.OK, said
    assert said.startswith("MATCH")


def test_a_redacted_report_verifies_too(export: Path, tmp_path: Path) -> None:
    report = audit(export, tmp_path / "audit.json", "--redact")
    code, said = verify(report, export)
    assert code == ExitCode.OK, said


def test_an_edited_ticket_is_a_mismatch_naming_the_input(export: Path, tmp_path: Path) -> None:
    report = audit(export, tmp_path / "audit.json")
    pages = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    tickets = next(page["tickets"] for page in pages if "tickets" in page)
    tickets[0]["status"] = "open" if tickets[0]["status"] != "open" else "solved"  # one ticket edited
    edited = tmp_path / export.name
    edited.write_text("".join(json.dumps(page) + "\n" for page in pages), encoding="utf-8")
    code, said = verify(report, edited)
    assert code == ExitCode.TAMPERED, said
    assert said.startswith("MISMATCH")
    assert "the file's own contents" not in said  # the report itself is intact
    assert "files: row input / zendesk.jsonl differs in sha256" in said


def test_an_edited_json_report_is_a_mismatch_naming_the_row(export: Path, tmp_path: Path) -> None:
    report = audit(export, tmp_path / "audit.json")
    doc = json.loads(report.read_text(encoding="utf-8"))
    row = doc["exceptions"][0]
    row["status"] = "PASS"
    report.write_text(json.dumps(doc), encoding="utf-8")
    code, said = verify(report, export)
    assert code == ExitCode.TAMPERED, said
    assert "edited after writing" in said
    assert f"exceptions: row {row['ticket']} / {row['check']} differs in status" in said


def test_an_edited_html_report_is_a_mismatch_naming_the_line(export: Path, tmp_path: Path) -> None:
    report = audit(export, tmp_path / "audit.html")
    page = report.read_text(encoding="utf-8")
    assert page.count("<td>FAIL") or page.count(">FAIL<")
    report.write_text(page.replace(">FAIL<", ">PASS<", 1), encoding="utf-8")
    code, said = verify(report, export)
    assert code == ExitCode.TAMPERED, said
    assert "page line added:" in said and ">PASS<" in said


@pytest.mark.parametrize("content", ["not json", '{"header": {"kind": "register"}}', None])
def test_bad_input_is_one_message_without_traceback(
    export: Path, tmp_path: Path, content: str | None
) -> None:
    report = tmp_path / "audit.json"
    if content is not None:
        report.write_text(content, encoding="utf-8")
    code, said = verify(report, export)
    assert code == ExitCode.INPUT, said
    assert "Traceback" not in said
