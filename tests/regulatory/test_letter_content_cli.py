"""Letter and acknowledgement content through ``iso10002 check`` on a Zendesk and a Jira export.

Payloads: the bundled samples ``connector/samples/*.jsonl`` (generator output in the shape of the
Zendesk incremental export (tickets, ticket_events with Comment child events: ``body`` /
``html_body``) and the Jira Cloud search response (``fields.comment.comments`` with an ADF body and
``jsdPublic``), see connector/samples/README.md), with one complaint's comment texts replaced by
the letter under test. The shipped mappings' ``regulatory`` block recognises the letters.

The complaint: Zendesk 100033 / Jira CS-33, received Tue 10 Nov 2026 13:57Z, acknowledged by a
public agent reply Tue 10 Nov 16:09Z (Zendesk event 1000330020 / Jira comment 132002), decided
(upheld) and answered by a public agent reply Mon 16 Nov 10:02Z (1000330140 / 132014).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance_checks.inherit import PACKS_DIR
from connector.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "connector" / "samples"
SAMPLE_FILES = {"jira": SAMPLES / "jira-cloud-sample.jsonl", "zendesk": SAMPLES / "zendesk-sample.jsonl"}
TICKET = {"zendesk": "100033", "jira": "CS-33"}
ACK = {"zendesk": "1000330020", "jira": "132002"}
DECISION = {"zendesk": "1000330140", "jira": "132014"}
AS_OF = "2026-11-22T09:00:00+00:00"

#: A final response in the DISP 1 Annex 3R wording (1), with the shipped mappings' phrases (Zendesk
#: headings; Jira's differ, see ``_final``). The timeline keeps a comment's first 500 characters.
FINAL = (
    "[FRL] Our decision: upheld. Why we reached this decision: the fee was charged in error. "
    "What we will do: refund it. The Financial Ombudsman Service explanatory leaflet is enclosed "
    "(financial-ombudsman.org.uk). You may refer your complaint to the Financial Ombudsman "
    "Service, free of charge - but you must do so within six months of the date of this letter, "
    "or the Ombudsman will not have our permission to consider your complaint."
)
SIX_MONTHS = " - but you must do so within six months of the date of this letter"
NOTICE = "[CHR NOTICE] Our complaints handling and resolution process is set out below."


def _final(platform: str) -> str:
    if platform == "zendesk":
        return FINAL
    return FINAL.replace("Why we reached this decision", "The reasons for our decision").replace(
        "What we will do", "To put things right"
    )


def _export(platform: str, tmp_path: Path, texts: dict[str, str]) -> Path:
    """The sample export with the comments ``texts`` (comment id -> new text) rewritten."""
    lines = []
    for line in SAMPLE_FILES[platform].read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        for event in page.get("ticket_events", []):
            for child in event.get("child_events", []):
                text = texts.get(str(child.get("id")))
                if text is not None and child.get("event_type") == "Comment":
                    child.update(body=text, html_body=f"<p>{text}</p>", plain_body=text)
        for issue in page.get("issues", []):
            for comment in issue["fields"].get("comment", {}).get("comments", []):
                text = texts.get(comment["id"])
                if text is not None:
                    adf = [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]
                    comment["body"] = {"type": "doc", "version": 1, "content": adf}
        lines.append(json.dumps(page))
    export = tmp_path / f"{platform}.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return export


def _finding(platform: str, export: Path, pack: str, check_id: str) -> dict[str, str]:
    args = ["check", "--platform", platform, "--input", str(export), "--as-of", AS_OF]
    args += ["--policy", str(PACKS_DIR / f"{pack}.yaml"), "--format", "json"]
    result = CliRunner().invoke(app, args)
    findings = json.loads(result.stdout)["findings"]
    return next(f for f in findings if f["check"] == check_id and f["ticket"] == TICKET[platform])


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_fca_final_response_without_the_six_month_wording_fails_through_the_cli(platform, tmp_path):
    """fca-disp: the upheld complaint's final response shows every DISP 1.6.2R element but the
    six-month time limit -> FAIL naming it; the full letter -> PASS (sent Mon 16 Nov 10:02Z, the
    same minute as the decision: inside the 1-business-day grace)."""
    assert len(_final(platform)) <= 500
    cut = _export(platform, tmp_path, {DECISION[platform]: _final(platform).replace(SIX_MONTHS, "")})
    finding = _finding(platform, cut, "fca-disp", "final-response-content")
    assert finding["status"] == "FAIL", finding["message"]
    assert "does not show: time limit six months" in finding["message"]
    full = _export(platform, tmp_path, {DECISION[platform]: _final(platform)})
    assert _finding(platform, full, "fca-disp", "final-response-content")["status"] == "PASS"


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_singapore_acknowledgement_without_the_reg7_notice_fails_through_the_cli(platform, tmp_path):
    """singapore-fa: received Tue 10 Nov 21:57 SGT; 2 business days after the day of receipt: Wed
    11, Thu 12 -> due Thu 12 Nov 17:00 SGT = 09:00Z. The acknowledgement (Wed 11 Nov 00:09 SGT)
    without the notice -> FAIL at 22 Nov; with the shipped mapping's notice marker -> PASS."""
    sample = _export(platform, tmp_path, {})
    finding = _finding(platform, sample, "singapore-fa", "acknowledgement-content")
    assert finding["status"] == "FAIL", finding["message"]
    assert "does not show: reg7 notice" in finding["message"]
    assert finding["due_at"] == "2026-11-12T09:00:00Z"
    with_notice = _export(platform, tmp_path, {ACK[platform]: NOTICE})
    assert _finding(platform, with_notice, "singapore-fa", "acknowledgement-content")["status"] == "PASS"
