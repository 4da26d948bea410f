"""FCA DISP 1.5 reads the time of the complainant's acceptance, not the time of the answer.

Primary text (FCA Handbook, DISP 1.5 as on 2024-02-27, provisions in force from 30/06/2016,
https://handbook.fca.org.uk/handbook/DISP/1/5.html?date=2024-02-27):
- DISP 1.5.1R: the time limit and forwarding rules do not apply to a complaint "resolved ... by
  close of business on the third business day following the day on which it is received";
- DISP 1.5.2AR: "A complaint is resolved where the complainant has indicated acceptance of a
  response from the respondent" (neither has to be in writing);
- DISP 1.5.4R: the summary resolution communication is sent "promptly" once the firm considers
  the complaint resolved (this pack: 1 business day, a firm target).
ASIC RG 271 (July 2020): complaints closed by the end of the 5th business day need no written IDR
response; the RG 271 text was not retrieved (secondary sources only, e.g. AFA news 8 Oct 2021), so
the same reading is applied: the closing is the complainant's acceptance.

Calendar: England and Wales, 09:00-17:00 Mon-Fri, no bank holiday in March 2026; the fca-disp
pack counts from the day of receipt (``receipt: day_of_receipt``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from typer.testing import CliRunner

from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import (
    ActorRole,
    ComplainantResponse,
    Event,
    EventKind,
    Party,
    SourceKind,
    Stage,
)
from connector.cli import app
from mappings.derive import build_record
from mappings.facts import TicketFacts
from mappings.loader import default_mapping_path
from mappings.schema import MappingSpec
from report_templates.returns import fca_return
from tests.regulatory.helpers import FCA_SUMMARY_ELEMENTS, letter, pack, record, ref, run

LONDON = ZoneInfo("Europe/London")
SAMPLES = Path(__file__).resolve().parents[2] / "connector" / "samples"
FCA_POLICY = str(PACKS_DIR / "fca-disp.yaml")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


# ---- answered on day 2, accepted on day 14 -------------------------------------------------
# Received Mon 2 Mar 2026 10:00 GMT. DISP 1.5.1R window: the 3 business days following Mon 2
# are Tue 3, Wed 4, Thu 5 -> close of business Thu 5 Mar 17:00 GMT.
# Day 1 is the day of receipt. Answered Tue 3 Mar 10:00 (day 2) with a summary resolution letter
# at 11:00; the complainant accepted on day 14, Sun 15 Mar 12:00 (a reply sent on the weekend).
RECEIVED = at(3, 2)
WINDOW_END = at(3, 5, 17)
ANSWERED = ref("changelog:5", at(3, 3))
LATE = {
    "stage": Stage.RESOLVED,
    "decided": ANSWERED,
    "complainant_response": ComplainantResponse.ACCEPTED,
    "accepted": ref("changelog:6", at(3, 15, 12)),
    "letters": (letter("summary_resolution", "comment:7", at(3, 3, 11), ombudsman_rights=True),),
}


def test_answered_day_2_accepted_day_14_is_not_a_summary_resolution():
    """Accepted Sun 15 Mar 12:00, after Thu 5 Mar 17:00: not resolved under DISP 1.5 (the old
    reading took the answer's time, Tue 3 Mar, and passed it)."""
    rec = record(RECEIVED, **LATE)
    now = at(3, 17)
    summary = run("fca-disp", "summary-resolution", rec, now)
    assert summary.status.value == "NOT_APPLICABLE", summary.message
    assert "2026-03-05 17:00 GMT" in summary.message and "accepted 2026-03-15 12:00 GMT" in summary.message


def test_answered_day_2_accepted_day_14_runs_the_final_response_clocks():
    """The final response rules apply. final-response-content: no final response letter; grace 1
    business day after the decision (Tue 3 Mar 10:00) -> Wed 4 Mar 17:00 GMT: FAIL on Tue 17 Mar.
    regulatory-response (DISP 1.6.2R): 8 weeks from Mon 2 Mar = Mon 27 Apr, end of day BST: PENDING
    on Tue 17 Mar (no final response yet)."""
    rec = record(RECEIVED, **LATE)
    now = at(3, 17)
    content = run("fca-disp", "final-response-content", rec, now)
    assert content.status.value == "FAIL", content.message
    assert content.due_at == at(3, 4, 17)
    response = run("fca-disp", "regulatory-response", rec, now)
    assert response.status.value == "PENDING", response.message
    assert response.due_at is not None and response.due_at.date() == date(2026, 4, 27)


# ---- weekend receipt, accepted on the third business day -----------------------------------
# Received Sat 7 Mar 2026 11:00 GMT. Day of receipt: Sat 7 (DISP 1.5.1R "following the day on
# which it is received"; the deeming guidance DISP 1.5.3G was deleted). The 3 business days
# following it: Mon 9, Tue 10, Wed 11 -> Wed 11 Mar 17:00 GMT. Answered Mon 9 Mar 10:00.
WEEKEND = at(3, 7, 11)


def weekend(accepted: datetime, letter_at: datetime) -> Any:
    return record(
        WEEKEND,
        stage=Stage.RESOLVED,
        decided=ref("changelog:9", at(3, 9)),
        complainant_response=ComplainantResponse.ACCEPTED,
        accepted=ref("changelog:10", accepted),
        letters=(
            letter(
                "summary_resolution",
                "comment:11",
                letter_at,
                ombudsman_rights=True,
                elements=FCA_SUMMARY_ELEMENTS,
            ),
        ),
    )


def test_weekend_receipt_accepted_on_the_third_business_day_is_a_summary_resolution():
    """Accepted Wed 11 Mar 16:30 (<= 17:00). The communication is due promptly after the
    acceptance: 1 business day after Wed 11 16:30 -> Thu 12 Mar 17:00; sent Thu 12 Mar 16:00:
    PASS. (Counting from the answer, Mon 9 10:00 -> due Tue 10 17:00, it was a FAIL.)"""
    result = run("fca-disp", "summary-resolution", weekend(at(3, 11, 16, 30), at(3, 12, 16)), at(3, 13))
    assert result.status.value == "PASS", result.message
    assert result.due_at == at(3, 12, 17)
    assert (
        run(
            "fca-disp", "regulatory-response", weekend(at(3, 11, 16, 30), at(3, 12, 16)), at(3, 13)
        ).status.value
        == "PASS"
    )


def test_weekend_receipt_accepted_on_the_fourth_business_day_is_not():
    """Accepted Thu 12 Mar 09:30, after Wed 11 17:00: NOT_APPLICABLE, the final response rules
    apply (8 weeks from Sat 7 Mar: Sat 2 May, end of day: PENDING)."""
    rec = weekend(at(3, 12, 9, 30), at(3, 12, 16))
    result = run("fca-disp", "summary-resolution", rec, at(3, 13))
    assert result.status.value == "NOT_APPLICABLE", result.message
    assert "2026-03-11 17:00 GMT" in result.message
    response = run("fca-disp", "regulatory-response", rec, at(3, 13))
    assert response.status.value == "PENDING", response.message


# ---- accepted, time unknown ----------------------------------------------------------------


def test_accepted_at_an_unknown_time_is_never_a_pass():
    """``complainant_response: accepted`` with no acceptance on the history (the mapping has no
    ``regulatory.acceptance`` rule, or the value was set without a change record). Answered Tue 3
    Mar 10:00, inside the window: whether DISP 1.5 applies cannot be told -> summary-resolution
    MANUAL; final-response-content and regulatory-response apply the final response rules (FAIL:
    no letter by Wed 4 Mar 17:00; PENDING: 8 weeks), never the exemption."""
    rec = record(
        RECEIVED,
        stage=Stage.RESOLVED,
        decided=ANSWERED,
        complainant_response=ComplainantResponse.ACCEPTED,
    )
    now = at(3, 6)
    summary = run("fca-disp", "summary-resolution", rec, now)
    assert summary.status.value == "MANUAL", summary.message
    assert "does not show when" in summary.message and "2026-03-05 17:00 GMT" in summary.message
    content = run("fca-disp", "final-response-content", rec, now)
    assert content.status.value == "FAIL", content.message
    response = run("fca-disp", "regulatory-response", rec, now)
    assert response.status.value == "PENDING", response.message
    assert response.facts["accepted_within_unproven"] == "accepted at a time the ticket does not show"


def test_asic_five_business_days_reads_the_acceptance_too():
    """ASIC RG 271, 5 business days (NSW). Received Fri 24 Apr 2026 16:00 AEST; Mon 27 Apr is
    ANZAC Day observed -> 28, 29, 30 Apr, 1 May, Mon 4 May 17:00 AEST. Answered Tue 28 Apr 10:00;
    accepted Wed 6 May 10:00 (after), or at an unknown time: the written IDR response is needed
    (final-response-content runs its clock; regulatory-response is not a PASS)."""
    sydney = ZoneInfo("Australia/Sydney")
    received = datetime(2026, 4, 24, 16, tzinfo=sydney)
    base = {
        "stage": Stage.RESOLVED,
        "decided": ref("changelog:1", datetime(2026, 4, 28, 10, tzinfo=sydney)),
        "complainant_response": ComplainantResponse.ACCEPTED,
    }
    now = datetime(2026, 5, 7, 10, tzinfo=sydney)
    late = record(received, **base, accepted=ref("changelog:2", datetime(2026, 5, 6, 10, tzinfo=sydney)))
    unknown = record(received, **base)
    for rec in (late, unknown):
        assert run("asic-rg271", "final-response-content", rec, now).status.value == "FAIL"
        assert run("asic-rg271", "regulatory-response", rec, now).status.value != "PASS"
    early = record(received, **base, accepted=ref("changelog:2", datetime(2026, 5, 4, 16, tzinfo=sydney)))
    assert run("asic-rg271", "final-response-content", early, now).status.value == "NOT_APPLICABLE"
    assert run("asic-rg271", "regulatory-response", early, now).status.value == "PASS"


# ---- the FCA return's "closed within 3 business days" -------------------------------------


def test_fca_return_within_3_business_days_counts_only_acceptance_in_the_window():
    """All received Mon 2 Mar 10:00, answered Tue 3 Mar 10:00 (window: Thu 5 Mar 17:00).
    A: accepted Wed 4 Mar 12:00 -> within 3 business days. B: accepted Sun 15 Mar -> after 3
    business days, within 8 weeks. C: accepted, time unknown -> after 3 business days. D: no
    acceptance (final response) -> after 3 business days."""
    answered = {"stage": Stage.RESOLVED, "decided": ANSWERED, "product_group": "credit card"}
    accepted = {**answered, "complainant_response": ComplainantResponse.ACCEPTED}
    records = [
        record(RECEIVED, id="A", **accepted, accepted=ref("changelog:a", at(3, 4, 12))),
        record(RECEIVED, id="B", **accepted, accepted=ref("changelog:b", at(3, 15, 12))),
        record(RECEIVED, id="C", **accepted),
        record(RECEIVED, id="D", **answered),
    ]
    table = fca_return(records, pack("fca-disp"), date(2026, 3, 1), date(2026, 3, 31))
    (row,) = [r for r in table.rows if r["Section"] == "Groupings"]
    assert (row["Closed"], row["Closed within 3 business days"]) == (4, 1)
    assert row["Closed after 3 business days and within 8 weeks"] == 3


# ---- mapping: the acceptance time from the history ----------------------------------------


def shipped(platform: str) -> MappingSpec:
    return MappingSpec.model_validate(
        yaml.safe_load(default_mapping_path(platform).read_text(encoding="utf-8"))
    )


def ev(kind: EventKind, source: str, when: datetime, **kw: Any) -> Event:
    source_kind, _, source_id = source.partition(":")
    kw.setdefault("actor_role", ActorRole.AGENT)
    return Event(at=when, kind=kind, source_kind=SourceKind(source_kind), source_id=source_id, **kw)


def facts(platform: str, events: list[Event], raw: dict[str, Any]) -> TicketFacts:
    return TicketFacts(
        key="9",
        id="9",
        platform=platform,
        created=RECEIVED,
        raw=raw,
        status="solved",
        priority="normal",
        requester=Party(id="c-1", name="Ada"),
        events=events,
    )


def test_zendesk_acceptance_is_the_audit_change_of_the_response_field():
    """Zendesk Support API "Ticket Audits": a dropdown change is a ``Change`` child event with
    ``field_name`` (the field id) and ``value`` (the option tag). Set to response_accepted on
    Wed 4 Mar 12:00, by the agent recording a phone call; a later change to response_rejected
    withdraws it; our own (connector) writes never count."""
    accepted = ev(
        EventKind.FIELD_CHANGE, "audit:1", at(3, 4, 12), field="360000000033", to_value="response_accepted"
    )
    record_ = build_record(facts("zendesk", [accepted], {"id": 9}), shipped("zendesk"))
    assert record_.accepted is not None and (record_.accepted.at, record_.accepted.ref()) == (
        at(3, 4, 12),
        "audit:1",
    )
    rejected = ev(
        EventKind.FIELD_CHANGE,
        "audit:2",
        at(3, 6),
        field="360000000033",
        from_value="response_accepted",
        to_value="response_rejected",
    )
    assert (
        build_record(facts("zendesk", [accepted, rejected], {"id": 9}), shipped("zendesk")).accepted is None
    )
    ours = ev(
        EventKind.FIELD_CHANGE,
        "audit:3",
        at(3, 4),
        field="360000000033",
        to_value="response_accepted",
        actor_role=ActorRole.CONNECTOR,
    )
    assert build_record(facts("zendesk", [ours], {"id": 9}), shipped("zendesk")).accepted is None


def test_an_acceptance_by_an_unknown_author_or_an_automation_never_counts():
    """The same field change made by an author we cannot tell (an unknown user) or by a trigger
    (system) is not evidence that the complainant accepted: no acceptance time, no exemption."""
    for role in (ActorRole.UNKNOWN, ActorRole.SYSTEM):
        change = ev(
            EventKind.FIELD_CHANGE,
            "audit:4",
            at(3, 4, 12),
            field="360000000033",
            to_value="response_accepted",
            actor_role=role,
        )
        assert build_record(facts("zendesk", [change], {"id": 9}), shipped("zendesk")).accepted is None


def test_removing_the_acceptance_label_withdraws_it():
    """A mapping that marks acceptance by a label: added Wed 4 Mar, taken off Fri 6 Mar -> no
    acceptance (as a field changed to another value withdraws it)."""
    from mappings.regulatory import _acceptance
    from mappings.schema import AcceptanceRule

    rule = AcceptanceRule(labels=["accepted"])
    added = ev(EventKind.LABEL_CHANGE, "changelog:1", at(3, 4, 12), from_value="", to_value="accepted")
    removed = ev(EventKind.LABEL_CHANGE, "changelog:2", at(3, 6), from_value="accepted", to_value="")
    assert _acceptance([added], rule) is not None
    assert _acceptance([added, removed], rule) is None


def test_an_unquoted_zendesk_field_id_is_accepted_and_unknown_keys_are_rejected():
    """YAML reads ``{360000000033: [...]}`` as a number key: it names the same field."""
    data = yaml.safe_load(default_mapping_path("zendesk").read_text(encoding="utf-8"))
    data["regulatory"]["acceptance"] = yaml.safe_load("fields: {360000000033: [response_accepted]}")
    spec = MappingSpec.model_validate(data)
    assert spec.regulatory is not None and spec.regulatory.acceptance is not None
    assert spec.regulatory.acceptance.fields == {"360000000033": ["response_accepted"]}
    data["regulatory"]["acceptance"] = {"statuses": ["accepted"]}
    with pytest.raises(ValueError, match="statuses"):
        MappingSpec.model_validate(data)


def test_jira_acceptance_is_the_changelog_item_and_a_marker_may_be_a_complainant_reply():
    """Jira Cloud REST v3 ``Changelog`` items: ``fieldId`` customfield_10063, ``toString`` the
    option name "Accepted". A mapping may also name a label or a marker in a *public complainant*
    comment (an agent's comment with the same text does not count)."""
    item = ev(
        EventKind.FIELD_CHANGE, "changelog:7", at(3, 4, 12), field="customfield_10063", to_value="Accepted"
    )
    assert build_record(facts("jira", [item], {"key": "9", "fields": {}}), shipped("jira")).accepted.at == at(
        3, 4, 12
    )
    data = yaml.safe_load(default_mapping_path("jira").read_text(encoding="utf-8"))
    data["regulatory"]["acceptance"] = {"labels": ["accepted"], "markers": ["I accept your offer"]}
    spec = MappingSpec.model_validate(data)
    agent = ev(
        EventKind.COMMENT, "comment:1", at(3, 4), public=True, text="If you say 'I accept your offer'..."
    )
    reply = ev(
        EventKind.COMMENT,
        "comment:2",
        at(3, 5, 9),
        public=True,
        actor_role=ActorRole.COMPLAINANT,
        text="Thanks, I ACCEPT your offer.",
    )
    assert build_record(facts("jira", [agent], {"key": "9", "fields": {}}), spec).accepted is None
    found = build_record(facts("jira", [agent, reply], {"key": "9", "fields": {}}), spec).accepted
    assert found is not None and found.ref() == "comment:2"
    label = ev(EventKind.LABEL_CHANGE, "changelog:8", at(3, 5, 11), field="labels", to_value="accepted")
    assert (
        build_record(facts("jira", [reply, label], {"key": "9", "fields": {}}), spec).accepted.ref()
        == "changelog:8"
    )


# ---- through ``iso10002 check`` on the sample payloads ------------------------------------
# Zendesk ticket 100013 / Jira CS-13 of the bundled samples (generator output in the shape of the
# Zendesk incremental export with ticket audits and the Jira Cloud search response with the
# changelog, connector/samples/README.md): received Mon 12 Oct 2026 13:45:53Z (14:45 BST),
# resolved Thu 15 Oct 11:01Z, "Complainant response" set to Accepted Mon 19 Oct 08:48Z (09:48
# BST; Zendesk audit 100013022 child 1000130220, Jira changelog history 512022). DISP 1.5.1R
# window: Tue 13, Wed 14, Thu 15 Oct -> Thu 15 Oct 17:00 BST = 16:00Z.
SAMPLE = {
    "zendesk": (SAMPLES / "zendesk-sample.jsonl", "100013"),
    "jira": (SAMPLES / "jira-cloud-sample.jsonl", "CS-13"),
}


def edit_acceptance(platform: str, tmp_path: Path, when: str | None) -> Path:
    """The sample with the acceptance change moved to ``when`` (None: removed from the history,
    the field still says accepted)."""
    path, _ = SAMPLE[platform]
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        if platform == "zendesk":
            for audit in page.get("ticket_events", []):
                if audit.get("id") == 100013022:
                    if when is None:
                        audit["child_events"] = []
                    else:
                        audit["created_at"] = when
                        audit["timestamp"] = int(datetime.fromisoformat(when).timestamp())
        else:
            for issue in page.get("issues", []):
                histories = issue.get("changelog", {}).get("histories", [])
                for history in histories:
                    if history["id"] == "512022" and when is not None:
                        history["created"] = datetime.fromisoformat(when).strftime("%Y-%m-%dT%H:%M:%S.000%z")
                issue.get("changelog", {})["histories"] = [
                    h for h in histories if when is not None or h["id"] != "512022"
                ]
        lines.append(json.dumps(page))
    out = tmp_path / f"{platform}.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def findings(platform: str, path: Path) -> dict[str, dict[str, Any]]:
    args = ["check", "--platform", platform, "--input", str(path), "--policy", FCA_POLICY]
    result = CliRunner().invoke(app, [*args, "--as-of", "2026-11-22T09:00:00+00:00", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    ticket = SAMPLE[platform][1]
    return {f["check"]: f for f in json.loads(result.stdout)["findings"] if f["ticket"] == ticket}


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_check_on_the_samples_reads_the_acceptance_time(platform: str, tmp_path: Path):
    """As shipped: accepted Mon 19 Oct, after the window -> summary-resolution NOT_APPLICABLE and
    regulatory-response not exempt. Acceptance moved to Thu 15 Oct 15:00Z (16:00 BST) -> exempt
    (PASS). Acceptance removed from the history -> MANUAL, and not exempt."""
    as_shipped = findings(platform, SAMPLE[platform][0])
    assert as_shipped["summary-resolution"]["status"] == "NOT_APPLICABLE"
    assert "accepted 2026-10-19 09:48 BST" in as_shipped["summary-resolution"]["message"]
    assert "no final response deadline applies" not in as_shipped["regulatory-response"]["message"]
    early = findings(platform, edit_acceptance(platform, tmp_path, "2026-10-15T15:00:00Z"))
    assert early["summary-resolution"]["status"] != "NOT_APPLICABLE"
    assert early["regulatory-response"]["status"] == "PASS"
    assert "no final response deadline applies" in early["regulatory-response"]["message"]
    unknown = findings(platform, edit_acceptance(platform, tmp_path, None))
    assert unknown["summary-resolution"]["status"] == "MANUAL"
    assert unknown["regulatory-response"]["status"] != "PASS"
