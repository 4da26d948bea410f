"""Which Jira comments the complainant saw: restricted, internal and unknown-visibility comments
are never an acknowledgement or an update, and a finding says when visibility was unknown.

Payload shapes:
- Cloud comment: the recorded ``GET /rest/api/3/issue/{id}/comment`` payload
  (airbyte-source-jira ``issue_comments.json``: an ordinary comment with ``jsdPublic: true``),
  plus a role ``visibility`` (Comment schema, jira-platform-v3.json: ``visibility`` is "the group
  or role to which this comment is visible"; ``jsdPublic`` "defaults to true when comments are
  created in the Jira Cloud Platform", so it says nothing about a role restriction).
- Data Center: search pages embed comments without properties and without ``jsdPublic``
  (platform-jira.md 3.1; pycontribs/jira #1011); ``GET /rest/api/2/issue/{key}/comment?
  expand=properties`` adds ``properties`` with JSM's ``sd.public.comment`` (platform-jira.md 3.3).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from compliance_checks import BASELINE_POLICY, load_policy
from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord, EventKind
from connector.files import evaluate_files
from mappings.jira_payload import comment_public, comments_needing_visibility
from mappings.loader import default_mapping_path, load_mapping
from tests.jira.helpers import load, spec

AS_OF = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
ROLE = {"type": "role", "value": "Administrators"}
INTERNAL = [{"key": "sd.public.comment", "value": {"internal": True}}]


def _evaluate(tmp_path: Path, *docs: Any) -> tuple[ComplaintRecord, dict[str, Finding]]:
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    [result] = list(evaluate_files([path], load_mapping(default_mapping_path("jira")),
                                   load_policy(BASELINE_POLICY), as_of=AS_OF))
    assert result.record is not None, result
    return result.record, {f.check: f for f in result.findings}


def _public(record: ComplaintRecord) -> dict[str, bool | None]:
    return {e.source_id: e.public for e in record.timeline if e.kind is EventKind.COMMENT}


# -- Cloud ----------------------------------------------------------------------------------


def _cloud_issue(**extra: Any) -> dict[str, Any]:
    """CS-101 (handmade Cloud search shape) with one agent reply: the recorded comment."""
    page = load("handmade_cloud_search_jql.json")
    issue = copy.deepcopy(page["issues"][0])
    agent = next(c["author"] for c in issue["fields"]["comment"]["comments"] if c["id"] == "10023")
    comment = copy.deepcopy(load("airbyte_issue_comments.json")["comments"][0])
    assert comment["jsdPublic"] is True  # recorded: an ordinary comment says jsdPublic true
    comment.update(id="7001", author=agent, updateAuthor=agent, created="2026-03-02T14:00:00.000+0000",
                   updated="2026-03-02T14:00:00.000+0000", **extra)
    issue["fields"]["comment"] = {"comments": [comment], "maxResults": 1, "total": 1, "startAt": 0}
    issue.pop("changelog", None)
    return {"issues": [issue], "isLast": True}


def test_cloud_reply_restricted_to_a_role_does_not_acknowledge_despite_jsd_public(tmp_path: Path) -> None:
    record, findings = _evaluate(tmp_path, _cloud_issue(visibility=ROLE))
    assert _public(record) == {"7001": False}
    assert record.acknowledged is None
    ack = findings["acknowledged-in-time"]
    assert ack.status.value == "FAIL"
    assert "comment:7001" not in {e.ref for e in ack.evidence}


def test_cloud_reply_without_restriction_acknowledges(tmp_path: Path) -> None:
    # The control: the same recorded comment, unrestricted, is the acknowledgement.
    record, findings = _evaluate(tmp_path, _cloud_issue())
    assert _public(record) == {"7001": True}
    assert record.acknowledged is not None and record.acknowledged.ref() == "comment:7001"
    assert findings["acknowledged-in-time"].status.value == "PASS"


# -- Data Center ----------------------------------------------------------------------------


def _dc_search() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """CS-201 as DC search sends it (comment properties removed) and its comments with them."""
    page = copy.deepcopy(load("handmade_dc_v2_search.json"))
    issue = page["issues"][0]
    with_properties = copy.deepcopy(issue["fields"]["comment"]["comments"])
    for c in issue["fields"]["comment"]["comments"]:
        c.pop("properties", None)
    return page, with_properties


def _comment_page(comments: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET /rest/api/2/issue/CS-201/comment?expand=properties`` as the connector exports it."""
    return {"issue": "CS-201", "comments": {"startAt": 0, "maxResults": 100, "total": len(comments),
                                            "comments": comments}}


def test_dc_comment_marked_internal_by_property_does_not_acknowledge(tmp_path: Path) -> None:
    page, comments = _dc_search()
    for c in comments:
        c["properties"] = INTERNAL  # 30003 (the old acknowledgement) is an internal note too
    record, findings = _evaluate(tmp_path, page, _comment_page(comments))
    assert _public(record) == {"30001": False, "30002": False, "30003": False}
    assert record.acknowledged is None
    assert findings["acknowledged-in-time"].status.value == "FAIL"
    assert not any("visibility unknown" in e.note for e in findings["acknowledged-in-time"].evidence)


def test_dc_comments_of_unknown_visibility_never_acknowledge_and_the_finding_says_so(
    tmp_path: Path,
) -> None:
    page, _ = _dc_search()  # no comment page read: properties unknown
    record, findings = _evaluate(tmp_path, page)
    # 30002 carries a role restriction (known internal); the others cannot be told apart.
    assert _public(record) == {"30001": None, "30002": False, "30003": None}
    assert record.acknowledged is None
    assert record.last_complainant_update is None
    ack = findings["acknowledged-in-time"]
    assert ack.status.value == "FAIL"
    unknown = {e.ref: e.note for e in ack.evidence if "visibility unknown" in e.note}
    assert set(unknown) == {"comment:30001", "comment:30003"}
    assert ack.facts["visibility_unknown"] == 2
    informed = findings["kept-informed"]
    assert informed.status.value != "PASS"
    assert {e.ref for e in informed.evidence if "visibility unknown" in e.note} == set(unknown)


def test_dc_comments_read_with_properties_are_replies_unless_marked(tmp_path: Path) -> None:
    page, comments = _dc_search()
    record, findings = _evaluate(tmp_path, page, _comment_page(comments))
    assert _public(record) == {"30001": False, "30002": False, "30003": True}
    assert record.acknowledged is not None and record.acknowledged.ref() == "comment:30003"
    assert not any("visibility unknown" in e.note for e in findings["acknowledged-in-time"].evidence)


# -- precedence -----------------------------------------------------------------------------


@pytest.mark.parametrize(("comment", "expected"), [
    ({"jsdPublic": True, "visibility": ROLE}, False),  # restriction wins over jsdPublic
    ({"jsdPublic": True, "visibility": {"type": "group", "value": "staff", "identifier": "g1"}}, False),
    ({"jsdPublic": True, "properties": INTERNAL}, False),  # the JSM property over jsdPublic
    ({"jsdPublic": False}, False),
    ({"jsdPublic": True}, True),  # JSM does not hide it: the mapping's default decides
    ({"properties": []}, True),  # properties read, none from JSM: the default decides
    ({"properties": [{"key": "sd.public.comment", "value": {"internal": False}}]}, True),
    ({"properties": [{"key": "sd.public.comment", "value": {"internal": False}}], "visibility": ROLE}, False),
    ({}, None),  # Data Center search: nothing tells
    ({"jsdPublic": "yes"}, None),  # not a documented value: unknown, never public
])
def test_visibility_precedence(comment: dict[str, Any], expected: bool | None) -> None:
    assert comment_public(comment, spec()) is expected


def test_default_applies_only_where_visibility_is_known() -> None:
    private = spec()
    private = private.model_copy(update={
        "actors": private.actors.model_copy(update={"comments_public_by_default": False})})
    assert comment_public({"jsdPublic": True}, private) is False
    assert comment_public({"properties": []}, private) is False
    assert comment_public({}, private) is None


def test_only_issues_with_another_persons_unknown_comment_need_their_properties() -> None:
    page, comments = _dc_search()
    issue = page["issues"][0]
    assert comments_needing_visibility(issue)
    reporter = issue["fields"]["reporter"]
    for c in issue["fields"]["comment"]["comments"]:
        c["author"] = reporter  # the complainant's own comments: visibility does not matter
    assert not comments_needing_visibility(issue)
    issue["fields"]["comment"]["comments"] = comments  # properties known
    assert not comments_needing_visibility(issue)
    assert not comments_needing_visibility({"key": "X-1", "fields": ["not", "a", "mapping"]})
