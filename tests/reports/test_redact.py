"""``iso10002 report --redact``: no complainant name, email or comment body in any kind or format.

The export is a generated Zendesk export (tickets with requesters' names and emails, and
private notes among the comments, as in Zendesk's Tickets / Ticket Comments API shapes that
``devtools.generator`` writes); the unredacted reports of the same data are checked to contain
what the redacted ones must not (so the test can fail).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from compliance_checks.model import ActorRole, ComplaintRecord, Event, EventKind, Party, SourceKind
from connector.cli import app
from report_templates.redact import REDACTED_NOTE, REDACTION_NOTICE, Pseudonyms, redact_record

AS_OF = "2026-11-22T09:00:00+00:00"
KINDS = ("register", "kpi", "audit", "review")
#: A private note the generator writes (``devtools/generator/text.py``).
INTERNAL_NOTE = "flagging as potentially vulnerable"


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
            "60",
            "--seed",
            "7",
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


def render(export: Path, out: Path, fmt: str, *extra: str) -> list[Path]:
    args = [
        "report",
        *KINDS,
        "--platform",
        "zendesk",
        "--input",
        str(export),
        "--as-of",
        AS_OF,
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-20",
        "--sample-size",
        "60",
        "--format",
        fmt,
        "--out",
        str(out),
        *extra,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    files = sorted(out.glob(f"*.{fmt}"))
    assert len(files) == len(KINDS)
    return files


def text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        rows = (row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
        return "\n".join(str(cell) for row in rows for cell in row)
    if path.suffix == ".pdf":
        tool = shutil.which("pdftotext") or "pdftotext"
        done = subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True)
        return done.stdout.decode("utf-8")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def secrets(export: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[str]]:
    """The complainants' names and emails, read from the unredacted register."""
    (register,) = render(export, tmp_path_factory.mktemp("plain-json"), "json")[2:3]
    assert register.name.startswith("register")
    rows = json.loads(register.read_text(encoding="utf-8"))["rows"]
    names = {r["complainant"] for r in rows if r["complainant"]}
    emails = {r["complainant_contact"] for r in rows if r["complainant_contact"]}
    assert names and emails
    return names, emails


def leaks(text: str, names: set[str], emails: set[str]) -> list[str]:
    lowered = text.casefold()
    found = [e for e in emails if e.casefold() in lowered] + [n for n in names if n.casefold() in lowered]
    return found + ([INTERNAL_NOTE] if INTERNAL_NOTE in lowered else [])


FORMATS = ["html", "json", "csv", "xlsx"] + (["pdf"] if shutil.which("pdftotext") else [])


@pytest.mark.parametrize("fmt", FORMATS)
def test_redacted_reports_hold_no_name_email_or_internal_note(
    export: Path, secrets: tuple[set[str], set[str]], tmp_path: Path, fmt: str
) -> None:
    names, emails = secrets
    plain = "\n".join(text_of(p) for p in render(export, tmp_path / "plain", fmt))
    assert leaks(plain, names, emails), "the unredacted reports should show what redaction removes"
    for path in render(export, tmp_path / "redacted", fmt, "--redact"):
        text = text_of(path)
        assert leaks(text, names, emails) == [], path.name
        flat = " ".join(text.split())
        if fmt == "json":
            assert json.loads(text)["header"]["redacted"] is True
        else:
            assert "Redacted for external use" in flat, path.name
        if fmt == "csv":
            assert text.startswith(f"# {REDACTION_NOTICE}\n")


def test_internal_note_is_in_the_unredacted_audit_sample(export: Path, tmp_path: Path) -> None:
    """The phrase reaches the audit's sample timeline when not redacted (the issue's leak)."""
    (audit,) = [p for p in render(export, tmp_path, "json") if p.name.startswith("audit")]
    assert INTERNAL_NOTE in audit.read_text(encoding="utf-8").casefold()


def test_pseudonyms_are_stable_within_a_report_and_differ_across_reports() -> None:
    one, two = Pseudonyms(), Pseudonyms()
    grace = Party(id="381000000107", name="Grace Murphy", contact="grace@example.com")
    assert one.of(grace) == one.of(Party(id="381000000107"))
    assert one.of(grace) != one.of(Party(id="381000000108"))
    assert one.of(grace) != two.of(grace)
    assert "Grace" not in (one.of(grace) or "")


def test_a_record_keeps_its_workflow_and_loses_what_names_or_quotes_the_complainant() -> None:
    """A Zendesk-shaped record (requester with name and email, a private note, a description
    change and a status change) as the mapping produces it."""
    at = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    comment = Event(
        at=at,
        kind=EventKind.COMMENT,
        source_kind=SourceKind.COMMENT,
        source_id="1",
        actor_role=ActorRole.AGENT,
        public=False,
        text=f"Ms Murphy called; {INTERNAL_NOTE}.",
    )
    described = Event(
        at=at,
        kind=EventKind.FIELD_CHANGE,
        source_kind=SourceKind.AUDIT,
        source_id="2",
        actor_role=ActorRole.COMPLAINANT,
        actor_id="381000000107",
        field="description",
        from_value=None,
        to_value="Grace Murphy, grace@example.com",
    )
    status = Event(
        at=at,
        kind=EventKind.STATUS_CHANGE,
        source_kind=SourceKind.AUDIT,
        source_id="3",
        field="status",
        from_value="new",
        to_value="open",
    )
    record = ComplaintRecord(
        id="100001",
        platform="zendesk",
        received_at=at,
        summary="Grace Murphy: refund",
        complainant=Party(id="381000000107", name="Grace Murphy", contact="grace@example.com"),
        timeline=(comment, described, status),
        attributes={"email": "grace@example.com"},
    )
    names = Pseudonyms()
    out = redact_record(record, names)
    assert "Murphy" not in out.model_dump_json() and "grace@" not in out.model_dump_json()
    assert out.complainant.name == out.complainant.id == names.of(record.complainant)
    assert out.complainant.contact is None and out.summary is None and out.attributes == {}
    note, change, kept = out.timeline
    assert note.text is None and note.public is False
    assert (change.from_value, change.to_value, change.actor_id) == (None, REDACTED_NOTE, out.complainant.id)
    assert (kept.from_value, kept.to_value) == ("new", "open")


def test_a_jira_export_redacts_the_same_way(tmp_path: Path) -> None:
    """A generated Jira export (``devtools.generator --platform jira``: issues with the reporter's
    displayName and emailAddress, comments and changelogs as Jira's REST API returns them)."""
    export = tmp_path / "jira.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.generator",
            "--platform",
            "jira",
            "--complaints",
            "40",
            "--seed",
            "7",
            "--end",
            "2026-11-20T17:00:00+00:00",
            "--days",
            "60",
            "--out",
            str(export),
        ],
        check=True,
        capture_output=True,
    )
    common = [
        "report",
        *KINDS,
        "--platform",
        "jira",
        "--input",
        str(export),
        "--as-of",
        AS_OF,
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-20",
        "--sample-size",
        "40",
        "--format",
        "json",
    ]
    for folder, extra in (("plain", []), ("redacted", ["--redact"])):
        result = CliRunner().invoke(app, [*common, "--out", str(tmp_path / folder), *extra])
        assert result.exit_code == 0, result.output
    rows = json.loads(next((tmp_path / "plain").glob("register-*.json")).read_text(encoding="utf-8"))["rows"]
    names = {r["complainant"] for r in rows if r["complainant"]}
    emails = {r["complainant_contact"] for r in rows if r["complainant_contact"]}
    plain = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "plain").iterdir())
    assert leaks(plain, names, emails)
    for path in (tmp_path / "redacted").iterdir():
        assert leaks(path.read_text(encoding="utf-8"), names, emails) == [], path.name
