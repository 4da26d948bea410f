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


# -- the reader and the sandbox (Data Center) ---------------------------------------------


def _pull_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dc_pull_reads_comment_properties_once_per_issue_that_needs_them(tmp_path: Path) -> None:
    from connector.platforms.jira.commands import pull
    from devtools.sandboxes.jira import SandboxServer, make_state
    from devtools.sandboxes.jira.server import DEFAULT_TOKEN
    from tests.jira.helpers import sandbox_source

    with SandboxServer(make_state(mode="datacenter", seed=3, issues=30)) as server:
        truth = {c["id"]: not any(p["key"] == "sd.public.comment" and p["value"]["internal"]
                                  for p in c.get("properties") or [])
                 for i in server.state.store.issues.values() for c in i.comments}
        result = pull(sandbox_source(server, tmp_path), tmp_path / "pull.jsonl", since=None,
                      environ={"JIRA_PAT": DEFAULT_TOKEN})
    lines = _pull_lines(result.out)
    issues = [i for line in lines for i in line.get("issues") or ()]
    embedded = [c for i in issues for c in i["fields"]["comment"]["comments"]]
    assert embedded and not any("properties" in c or "jsdPublic" in c for c in embedded)  # DC search
    needing = {i["key"] for i in issues if comments_needing_visibility(i)}
    paged = [line["issue"] for line in lines if "comments" in line and "issue" in line]
    assert needing and set(paged) == needing and len(paged) == len(needing)  # one call each
    assert result.calls_by_endpoint["GET /rest/api/2/issue/{key}/comment"] == len(needing)
    read = {c["id"]: comment_public(c, spec()) for line in lines if "issue" in line
            for c in line["comments"]["comments"]}
    assert read == {cid: truth[cid] for cid in read}  # the sandbox's stored visibility


def test_dc_pull_keeps_going_when_a_visibility_read_fails(tmp_path: Path) -> None:
    from connector.platforms.jira.commands import pull
    from devtools.sandboxes.jira import Fault, SandboxServer, make_state
    from devtools.sandboxes.jira.server import DEFAULT_TOKEN
    from tests.jira.helpers import sandbox_source

    state = make_state(mode="datacenter", seed=3, issues=30)
    state.inject(Fault(kind="status", status=404, method="GET", match="/comment", count=1))
    with SandboxServer(state) as server:
        result = pull(sandbox_source(server, tmp_path), tmp_path / "pull.jsonl", since=None,
                      environ={"JIRA_PAT": DEFAULT_TOKEN})
    lines = _pull_lines(result.out)
    assert result.tickets == 30
    assert result.details["comment_visibility_failed"] == 1
    issues = [i for line in lines for i in line.get("issues") or ()]
    paged = {line["issue"] for line in lines if "issue" in line}
    missed = {i["key"] for i in issues if comments_needing_visibility(i)} - paged
    assert len(missed) == 1  # that issue's comments stay "visibility unknown"


def test_sandbox_cloud_comment_keeps_jsd_public_true_with_a_role_restriction() -> None:
    import requests

    from devtools.sandboxes.jira import SandboxServer, make_state
    from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN

    with SandboxServer(make_state(mode="cloud", seed=3, issues=2)) as server:
        auth = (DEFAULT_EMAIL, DEFAULT_TOKEN)
        url = f"{server.url}/rest/api/3/issue/CS-1/comment"
        body = {"type": "doc", "version": 1, "content": []}
        restricted = requests.post(url, json={"body": body, "visibility": ROLE}, auth=auth,
                                   timeout=10).json()
        internal = requests.post(url, json={"body": body, "properties": INTERNAL}, auth=auth,
                                 timeout=10).json()
        listed = requests.get(url, params={"maxResults": 100}, auth=auth, timeout=10).json()["comments"]
        expanded = requests.get(url, params={"maxResults": 100, "expand": "properties"}, auth=auth,
                                timeout=10).json()["comments"]
    assert restricted["jsdPublic"] is True and restricted["visibility"] == ROLE
    assert internal["jsdPublic"] is False
    assert not any("properties" in c for c in listed)
    assert all(isinstance(c["properties"], list) for c in expanded)
    assert comment_public(restricted, spec()) is False


# -- generated data against its ground truth ----------------------------------------------


@pytest.mark.slow
def test_dc_generated_findings_match_the_visibility_ground_truth(tmp_path: Path) -> None:
    """200 generated complaints: the generator's Cloud export carries each comment's true
    visibility (``jsdPublic``); the Data Center export (search pages plus the comment pages
    read with ``expand=properties``) must give the same acknowledgement and kept-informed
    outcomes, and DC search pages alone may lose a PASS but never invent one."""
    from devtools.generator import GeneratorConfig, write_jsonl

    config = GeneratorConfig(complaints=200, end=AS_OF, seed=7, days=60)
    mapping, policy = load_mapping(default_mapping_path("jira")), load_policy(BASELINE_POLICY)
    checks = ("acknowledged-in-time", "kept-informed")

    def outcomes(path: Path) -> dict[tuple[str, str], Finding]:
        return {(r.ticket, f.check): f for r in evaluate_files([path], mapping, policy, as_of=AS_OF)
                if r.record is not None for f in r.findings if f.check in checks}

    write_jsonl(tmp_path / "cloud.jsonl", "jira", config)
    write_jsonl(tmp_path / "dc.jsonl", "jira-dc", config)
    lines = (tmp_path / "dc.jsonl").read_text(encoding="utf-8").splitlines()
    search_only = [line for line in lines if isinstance(json.loads(line).get("issues"), list)]
    assert len(search_only) < len(lines)  # the export holds comment pages
    (tmp_path / "search.jsonl").write_text("\n".join(search_only) + "\n", encoding="utf-8")
    truth, dc, search = (outcomes(tmp_path / f"{n}.jsonl") for n in ("cloud", "dc", "search"))
    assert len(truth) == 2 * config.complaints
    assert {k: f.status for k, f in dc.items()} == {k: f.status for k, f in truth.items()}
    invented = [k for k, f in search.items() if f.status.value == "PASS" and truth[k].status.value != "PASS"]
    assert invented == []
    assert any("visibility unknown" in e.note for f in search.values() for e in f.evidence)
