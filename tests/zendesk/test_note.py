"""The internal note: every required part present, ticket content escaped."""

from __future__ import annotations

from connector.platforms.zendesk.note import note_html
from connector.writeback import NoteAction
from tests.zendesk.builders import finding


def test_note_says_what_clause_due_evidence_and_remedy() -> None:
    f = finding()
    html = note_html(NoteAction(action="create", findings=(f,)), findings_hash="abc123")
    assert html.startswith("<p><strong>[iso10002]")
    for part in (
        "What is wrong: No acknowledgement was sent within 2 business days.",
        "ISO 10002 clause: 7.4",
        "Due: 2024-01-03 17:00 UTC",
        "ticket_event:101",
        "complaint received",
        "What to do: Send the complainant an acknowledgement with the case reference.",
        "findings abc123",
        "not compliant",
    ):
        assert part in html


def test_untrusted_ticket_text_is_escaped() -> None:
    f = finding(message='Customer wrote <script>alert("x")</script> & more')
    html = note_html(NoteAction(action="update", findings=(f,)), findings_hash="h")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; more" in html


def test_resolved_note() -> None:
    html = note_html(NoteAction(action="resolve"), findings_hash="h0")
    assert "resolved" in html
    assert "What is wrong" not in html


def test_note_times_are_in_the_policy_zone_and_labelled() -> None:
    """Due and evidence times in the policy's zone (Europe/London in summer: BST), never UTC."""
    import dataclasses
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    f = dataclasses.replace(finding(), due_at=datetime(2026, 6, 3, 16, 30, tzinfo=UTC))
    html = note_html(NoteAction(action="create", findings=(f,)), findings_hash="h",
                     zone=ZoneInfo("Europe/London"))
    assert "Due: 2026-06-03 17:30 BST" in html
    assert "ticket_event:101 (2024-01-01 09:00 GMT)" in html
    assert "UTC" not in html
