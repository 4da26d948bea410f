"""Write-back: exact request bodies, one comment kept in place, no duplicates on failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from compliance_checks.findings import findings_hash
from connector.platforms.base import TicketOutcome
from connector.platforms.jira.commands import writeback
from connector.platforms.jira.notes import note_text, to_adf, to_wiki
from tests.jira.helpers import CLOUD, DC, client, finding, issue, mapping_file, source

ME = {"accountId": "acc-bot", "displayName": "ISO bot"}
KEY = "CMP-1"
STATE_BODY = {
    "issueIdsOrKeys": [KEY],
    "fields": ["labels", "updated", "comment"],
    "properties": ["iso10002.findings"],
}
NO_NOTIFY = [matchers.query_param_matcher({"notifyUsers": "false"})]
ACK = "iso10002-ISO10002-ACK-001"


def _summary(fs: list[Any], comment_id: str | None) -> dict[str, Any]:
    return {
        "v": 1,
        "hash": findings_hash([f for f in fs if f.status.value in ("FAIL", "AT_RISK")]),
        "flagged": [
            {"check": f.check, "status": f.status.value, "clauses": list(f.clauses), "due_at": None}
            for f in fs
            if f.status.value in ("FAIL", "AT_RISK")
        ],
        "ticket": KEY,
        "comment_id": comment_id,
    }


def _setup(
    rsps: responses.RequestsMock,
    tmp_path: Path,
    state_issue: dict[str, Any],
    *,
    deployment: str = "cloud",
    **overrides: Any,
) -> Any:
    base = CLOUD if deployment == "cloud" else DC
    version = "3" if deployment == "cloud" else "2"
    rsps.get(
        f"{base}/rest/api/{version}/serverInfo",
        json={"deploymentType": "Cloud" if deployment == "cloud" else "Server"},
    )
    rsps.get(f"{base}/rest/api/{version}/myself", json=ME)
    if deployment == "cloud":
        rsps.post(
            f"{base}/rest/api/3/issue/bulkfetch",
            json={"issues": [state_issue]},
            match=[matchers.json_params_matcher(STATE_BODY)],
        )
    else:
        rsps.get(
            f"{base}/rest/api/2/search",
            json={"issues": [state_issue], "total": 1},
            match=[
                matchers.query_param_matcher(
                    {
                        "jql": f'key in ("{KEY}") ORDER BY key ASC',
                        "fields": "labels,updated,comment",
                        "properties": "iso10002.findings",
                        "maxResults": "1",
                        "validateQuery": "warn",
                    }
                )
            ],
        )
    src = source(deployment, mapping=str(mapping_file(tmp_path)), **overrides)
    c = client(src)
    c.connect()
    return src, c


def _ours(comment_id: str, text: str = "[iso10002] ISO 10002 check: old") -> dict[str, Any]:
    return {
        "id": comment_id,
        "author": {"accountId": "acc-bot"},
        "body": to_adf(text),
        "created": "2026-02-01T09:00:00.000+0000",
    }


def test_first_write_creates_internal_adf_comment_then_one_edit(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY), finding(KEY, "ISO10002-CLOSE-001", "PASS")]
    src, c = _setup(
        rsps, tmp_path, issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}
    )
    text = note_text([fs[0]], resolved=False, marker="[iso10002]")
    rsps.post(
        f"{CLOUD}/rest/api/3/issue/{KEY}/comment",
        status=201,
        json={"id": "900"},
        match=[
            matchers.json_params_matcher(
                {
                    "body": to_adf(text),
                    "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
                }
            )
        ],
    )
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}",
        status=204,
        match=[
            *NO_NOTIFY,
            matchers.json_params_matcher(
                {
                    "properties": [{"key": "iso10002.findings", "value": _summary(fs, "900")}],
                    "update": {"labels": [{"add": ACK}, {"add": "iso10002-noncompliant"}]},
                }
            ),
        ],
    )

    report = writeback(src, fs, apply=True, client=c)

    assert [(r.outcome, r.details["comment"], r.details["comment_id"]) for r in report.results] == [
        ("written", "created", "900")
    ]
    assert text.startswith("[iso10002] ")
    assert report.calls_by_endpoint["POST /rest/api/3/issue/{key}/comment"] == 1
    assert report.calls_by_endpoint["PUT /rest/api/3/issue/{key}"] == 1


def test_changed_findings_update_our_comment_in_place_and_remove_stale_labels(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY, "ISO10002-CLOSE-001")]
    state = issue(
        1,
        "2026-02-01T09:00:00.000+0000",
        properties={"iso10002.findings": {"hash": "0ld", "comment_id": "900"}},
    ) | {"key": KEY}
    state["fields"]["labels"] = ["vip", ACK, "iso10002-noncompliant"]
    src, c = _setup(rsps, tmp_path, state)
    text = note_text(fs, resolved=False, marker="[iso10002]")
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}/comment/900",
        json={"id": "900"},
        match=[
            *NO_NOTIFY,
            matchers.json_params_matcher(
                {
                    "body": to_adf(text),
                    "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
                }
            ),
        ],
    )
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}",
        status=204,
        match=[
            *NO_NOTIFY,
            matchers.json_params_matcher(
                {
                    "properties": [{"key": "iso10002.findings", "value": _summary(fs, "900")}],
                    "update": {"labels": [{"add": "iso10002-ISO10002-CLOSE-001"}, {"remove": ACK}]},
                }
            ),
        ],
    )
    report = writeback(src, fs, apply=True, client=c)
    assert report.results[0].details["comment"] == "updated"
    assert "vip" not in str(rsps.calls[-1].request.body)  # other labels are never sent


def test_unchanged_findings_cost_no_write_calls(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY)]
    state = issue(
        1,
        "2026-02-01T09:00:00.000+0000",
        properties={"iso10002.findings": {"hash": findings_hash(fs), "comment_id": "900"}},
    ) | {"key": KEY}
    state["fields"]["labels"] = [ACK, "iso10002-noncompliant"]
    src, c = _setup(rsps, tmp_path, state)
    report = writeback(src, fs, apply=True, client=c)
    assert report.results[0].outcome == "unchanged"
    assert report.plans[0]["is_empty"] is True
    assert set(report.calls_by_endpoint) == {
        "GET /rest/api/3/serverInfo",
        "GET /rest/api/3/myself",
        "POST /rest/api/3/issue/bulkfetch",
    }


def test_all_fixed_turns_our_comment_into_a_resolved_note(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY, status="PASS")]
    state = issue(
        1,
        "2026-02-01T09:00:00.000+0000",
        properties={"iso10002.findings": {"hash": "0ld", "comment_id": "900"}},
    ) | {"key": KEY}
    state["fields"]["labels"] = [ACK, "iso10002-noncompliant"]
    src, c = _setup(rsps, tmp_path, state)
    resolved = note_text([], resolved=True, marker="[iso10002]")
    assert "resolved" in resolved
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}/comment/900",
        json={"id": "900"},
        match=[
            matchers.json_params_matcher(
                {
                    "body": to_adf(resolved),
                    "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
                }
            )
        ],
    )
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}",
        status=204,
        match=[
            matchers.json_params_matcher(
                {
                    "properties": [{"key": "iso10002.findings", "value": _summary(fs, "900")}],
                    "update": {"labels": [{"remove": ACK}, {"remove": "iso10002-noncompliant"}]},
                }
            )
        ],
    )
    report = writeback(src, fs, apply=True, client=c)
    assert report.results[0].details["comment"] == "resolved"


def test_datacenter_uses_wiki_markup_and_role_visibility(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY)]
    state = issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}
    src, c = _setup(
        rsps,
        tmp_path,
        state,
        deployment="datacenter",
        comment_visibility={"kind": "role", "value": "Service Desk Team"},
    )
    text = note_text(fs, resolved=False, marker="[iso10002]")
    wiki = to_wiki(text, marker="[iso10002]")
    assert wiki.startswith("[iso10002] ISO 10002 check")
    assert "\n* ISO10002&#45;ACK&#45;001 &#91;FAIL, clause 7&#46;4&#93;" in wiki
    rsps.post(
        f"{DC}/rest/api/2/issue/{KEY}/comment",
        status=201,
        json={"id": "77"},
        match=[
            matchers.json_params_matcher(
                {"body": wiki, "visibility": {"type": "role", "value": "Service Desk Team"}}
            )
        ],
    )
    rsps.put(
        f"{DC}/rest/api/2/issue/{KEY}",
        status=204,
        match=[
            *NO_NOTIFY,
            matchers.json_params_matcher(
                {
                    "properties": [{"key": "iso10002.findings", "value": _summary(fs, "77")}],
                    "update": {"labels": [{"add": ACK}, {"add": "iso10002-noncompliant"}]},
                }
            ),
        ],
    )
    assert writeback(src, fs, apply=True, client=c).results[0].details["comment_id"] == "77"


@pytest.mark.parametrize("landed", [True, False])
def test_dropped_connection_after_comment_post_never_duplicates(
    rsps: responses.RequestsMock, tmp_path: Path, landed: bool
) -> None:
    fs = [finding(KEY)]
    src, c = _setup(
        rsps, tmp_path, issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}
    )
    url = f"{CLOUD}/rest/api/3/issue/{KEY}/comment"
    rsps.post(url, body=requests.ConnectionError("connection reset by peer"))
    page = [_ours("901", note_text(fs, resolved=False, marker="[iso10002]"))] if landed else []
    page.append({"id": "5", "author": {"accountId": "human"}, "body": to_adf("[iso10002] fake")})
    rsps.get(
        url,
        json={"comments": page, "startAt": 0, "total": len(page)},
        match=[
            matchers.query_param_matcher(
                {"startAt": "0", "maxResults": "100", "orderBy": "-created"}
            )
        ],
    )
    if landed:
        rsps.put(f"{url}/901", json={"id": "901"})
    else:
        rsps.post(url, status=201, json={"id": "902"})
    rsps.put(f"{CLOUD}/rest/api/3/issue/{KEY}", status=204)

    result = writeback(src, fs, apply=True, client=c).results[0]

    posts = [x for x in rsps.calls if x.request.method == "POST" and x.request.url.startswith(url)]
    assert len(posts) == (1 if landed else 2)
    assert result.details["comment_id"] == ("901" if landed else "902")
    assert result.outcome == "written"


def test_comment_deleted_by_a_human_is_recreated(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY)]
    state = issue(
        1,
        "2026-02-01T09:00:00.000+0000",
        properties={"iso10002.findings": {"hash": "0ld", "comment_id": "900"}},
    ) | {"key": KEY}
    src, c = _setup(rsps, tmp_path, state)
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}/comment/900",
        status=404,
        json={"errorMessages": ["Can not find a comment for the id: 900."]},
    )
    rsps.post(f"{CLOUD}/rest/api/3/issue/{KEY}/comment", status=201, json={"id": "950"})
    rsps.put(f"{CLOUD}/rest/api/3/issue/{KEY}", status=204)
    result = writeback(src, fs, apply=True, client=c).results[0]
    assert (result.details["comment"], result.details["comment_id"]) == ("created", "950")


def test_comment_without_property_is_found_and_updated_not_duplicated(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    """The edit after our comment failed last time: the property lacks the comment id."""
    fs = [finding(KEY)]
    state = issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}
    state["fields"]["comment"]["comments"].append(_ours("900"))
    state["fields"]["comment"]["total"] += 1
    src, c = _setup(rsps, tmp_path, state)
    rsps.put(f"{CLOUD}/rest/api/3/issue/{KEY}/comment/900", json={"id": "900"})
    rsps.put(f"{CLOUD}/rest/api/3/issue/{KEY}", status=204)
    result = writeback(src, fs, apply=True, client=c).results[0]
    assert (result.details["comment"], result.details["comment_id"]) == ("updated", "900")


def test_failed_edit_is_reported_per_issue(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    fs = [finding(KEY)]
    src, c = _setup(
        rsps, tmp_path, issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}
    )
    rsps.post(f"{CLOUD}/rest/api/3/issue/{KEY}/comment", status=201, json={"id": "900"})
    rsps.put(
        f"{CLOUD}/rest/api/3/issue/{KEY}",
        status=400,
        json={"errors": {"labels": "The label 'a b' contains spaces which is invalid."}},
    )
    report = writeback(src, fs, apply=True, client=c)
    assert report.failed[0].details["comment_id"] == "900"
    assert "contains spaces" in (report.failed[0].error or "")


def test_dry_run_plans_without_writing_and_reports_missing_issues(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    rsps.get(f"{CLOUD}/rest/api/3/serverInfo", json={"deploymentType": "Cloud"})
    rsps.get(f"{CLOUD}/rest/api/3/myself", json=ME)
    rsps.post(
        f"{CLOUD}/rest/api/3/issue/bulkfetch",
        json={
            "issues": [issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}],
            "issueErrors": [{"id": "CMP-404", "errorMessages": ["not found"]}],
        },
    )
    src = source("cloud", mapping=str(mapping_file(tmp_path)))
    c = client(src)
    c.connect()
    report = writeback(src, [finding(KEY), finding("CMP-404")], apply=False, client=c)
    # A dry run writes nothing; the issue bulk fetch did not find is reported as skipped.
    assert report.results == [TicketOutcome("CMP-404", "skipped", "issue not found (deleted?)")]
    assert report.plans[0]["note"]["action"] == "create"
    assert report.plans[0]["add_labels"] == [ACK, "iso10002-noncompliant"]
    assert report.to_json()["applied"] is False


#: Jira's refusal of a field missing from the edit screen (ErrorCollection, jira-platform-v3.json;
#: message and shape as recorded in bitbucket.org/apdc/the-scheduler/issues/339).
OFF_SCREEN = {
    "errorMessages": [],
    "errors": {"labels": "Field 'labels' cannot be set. It is not on the appropriate screen, or unknown."},
}


def test_labels_off_the_edit_screen_edit_is_repeated_with_the_property_only(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY)]
    state = issue(1, "2026-02-01T09:00:00.000+0000", properties={}) | {"key": KEY}
    src, c = _setup(rsps, tmp_path, state, deployment="datacenter")
    rsps.post(f"{DC}/rest/api/2/issue/{KEY}/comment", status=201, json={"id": "77"})
    labels = {"update": {"labels": [{"add": ACK}, {"add": "iso10002-noncompliant"}]}}
    prop = [{"key": "iso10002.findings", "value": _summary(fs, "77")}]
    rsps.put(
        f"{DC}/rest/api/2/issue/{KEY}",
        status=400,
        json=OFF_SCREEN,
        match=[*NO_NOTIFY, matchers.json_params_matcher({"properties": prop, **labels})],
    )
    refused = [{"key": "iso10002.findings", "value": {**_summary(fs, "77"), "labels_refused": True}}]
    rsps.put(
        f"{DC}/rest/api/2/issue/{KEY}",
        status=204,
        match=[*NO_NOTIFY, matchers.json_params_matcher({"properties": refused})],
    )
    result = writeback(src, fs, apply=True, client=c).results[0]
    details = result.details
    assert (result.outcome, details["comment_id"], details["labels_added"]) == ("written", "77", [])
    assert result.details["labels_not_written"] == [f"+{ACK}", "+iso10002-noncompliant"]
    assert "project CMP" in result.details["warning"]


def test_recorded_label_refusal_reads_the_edit_screen_instead_of_editing(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fs = [finding(KEY)]
    value = {**_summary(fs, "900"), "labels_refused": True}
    state = issue(1, "2026-02-01T09:00:00.000+0000", properties={"iso10002.findings": value})
    src, c = _setup(rsps, tmp_path, state | {"key": KEY})
    # Get edit issue metadata: only the fields of the edit screen (jira-platform-v3.json example).
    rsps.get(
        f"{CLOUD}/rest/api/3/issue/{KEY}/editmeta",
        json={"fields": {"summary": {"key": "summary", "name": "Summary", "operations": ["set"],
                                     "required": True, "schema": {"type": "string"}}}},
    )
    result = writeback(src, fs, apply=True, client=c).results[0]
    assert (result.outcome, result.details["comment"]) == ("unchanged", "none")
    assert result.details["labels_not_written"] == [f"+{ACK}", "+iso10002-noncompliant"]


def test_note_shows_each_due_time_once_in_the_policy_zone() -> None:
    """A finding read back from the store carries ``due_at`` in UTC (``docs/findings.schema.json``)
    and a message in the policy's zone: the note says the time once, labelled GMT, not again in
    UTC. Comment body: ADF (Jira Cloud REST v3 ``POST /rest/api/3/issue/{key}/comment``)."""
    from zoneinfo import ZoneInfo

    due = finding(KEY, "acknowledged-in-time", "AT_RISK", due_at="2026-12-08T17:30:00Z",
                  message="Acknowledgement due 2026-12-08 17:30 GMT")
    other = finding(KEY, "assessed-in-time", "FAIL", due_at="2026-12-07T17:30:00Z",
                    message="Not assessed")
    text = note_text([due, other], resolved=False, marker="[iso10002]", zone=ZoneInfo("Europe/London"))
    assert "UTC" not in text
    assert text.count("2026-12-08 17:30 GMT") == 1
    assert "Not assessed (due 2026-12-07 17:30 GMT)" in text
    assert "UTC" not in json.dumps(to_adf(text))


def test_note_on_a_late_step_asks_for_the_corrective_action_and_explains_the_kept_label() -> None:
    """Done late (the clock's ``late_by_hours`` fact): a reply now cannot undo it, so the note
    does not ask for one; the label stays as the record of the breach, and the note says so."""
    late = finding(KEY, "acknowledged-in-time", "FAIL", due_at="2026-12-04T17:30:00Z",
                   message="Acknowledgement late: done 2026-12-07 11:36 GMT, due 2026-12-04 17:30 GMT",
                   remediation="Send the complainant a public acknowledgement.",
                   facts={"late_by_hours": 66.1})
    text = note_text([late], resolved=False, marker="[iso10002]")
    assert "public acknowledgement" not in text
    assert "Record the corrective action" in text
    assert "keeps its label as the record of that breach" in text
