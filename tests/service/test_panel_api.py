"""The panels' per-ticket API in-process (Zendesk sandbox synced and checked into SQLite): API keys
and Forge invocation tokens, the panel document, "not a complaint", refresh and its rate limits."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.service.panel_api import PanelApi, evidence_link, overall_state
from connector.service.rate_limit import RefreshLimiter
from connector.store import Store
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.forge_tokens import APP_ID, CLOUD_ID, INSTALLATION, ForgeKeys
from tests.service.helpers import complaint_ids
from tests.zendesk import scenarios as sc

with warnings.catch_warnings():  # starlette nags about httpx vs httpx2; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.slow
KEY = "panel-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@dataclass
class World:
    client: TestClient
    pipeline: Pipeline
    server: SandboxServer
    keys: ForgeKeys
    queued: list[tuple[str, str]] = field(default_factory=list)


def _pipeline(server: SandboxServer, store: Store, **api: Any) -> Pipeline:
    src = sc.sandbox_source(server)
    client = sc.sandbox_client(server, src)
    config = AppConfig.model_validate({
        "sources": [src.model_dump(mode="json")],
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
        "api": {"refresh_key_per_minute": 3, **api},
    })
    return Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                    client_factory=lambda _s: client)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("panel")
    server = sc.start_sandbox(tickets=30)
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    keys = ForgeKeys()
    pipe = _pipeline(server, store)
    pipe.sync()
    pipe.check()
    queued: list[tuple[str, str]] = []

    def enqueue(source: str, ticket: str, *, recheck: bool = False) -> None:
        assert recheck
        queued.append((source, ticket))

    panel = PanelApi(pipe, enqueue, [KEY], clock=lambda: sc.virtual_now(server))
    with TestClient(Starlette(routes=panel.routes())) as client:
        yield World(client, pipe, server, keys, queued)
    store.close()
    server.stop()


def _complaint(world: World, state: str | None = None) -> dict[str, Any]:
    for ticket in sorted(complaint_ids(world.server), key=int):
        doc: dict[str, Any] = world.client.get(f"/api/v1/tickets/zendesk/{ticket}", headers=AUTH).json()
        if doc.get("findings") and (state is None or doc["state"] == state):
            return doc
    raise AssertionError(f"no complaint in state {state}")


def test_document_has_what_the_panel_shows(world: World) -> None:
    doc = _complaint(world, "failing")
    assert doc["stage"] and doc["evaluated_at"] and doc["as_of"]
    assert doc["ticket_link"] == f"{world.server.base_url}/agent/tickets/{doc['ticket']}"
    assert {"record", "findings", "run_id", "source"} <= doc.keys()  # the original keys are kept
    for clock in doc["clocks"]:
        assert set(clock) >= {"due_at", "seconds_left_at_evaluation", "seconds_left_now", "overdue"}
    links = [e["link"] for f in doc["findings"] for e in f["evidence"]]
    assert links and all(link.endswith(f"/agent/tickets/{doc['ticket']}") for link in links)


def test_not_a_complaint_and_unknown_tickets_are_typed_404s(world: World) -> None:
    questions = [t for t, ticket in world.server.state.world.tickets.items()
                 if "complaint" not in ticket["tags"] and ticket["status"] != "deleted"]
    assert questions
    answer = world.client.get(f"/api/v1/tickets/zendesk/{questions[0]}", headers=AUTH)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_a_complaint" and answer.json()["reason"] == "not_kept"
    unknown = world.client.get("/api/v1/tickets/freshdesk/1", headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}])
def test_api_key_missing_or_wrong_is_401(world: World, headers: dict[str, str]) -> None:
    answer = world.client.get("/api/v1/tickets/zendesk/1", headers=headers)
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


OTHER_CLOUD, OTHER_INSTALLATION = "cloud-2", "ari:cloud:ecosystem::installation/install-2"


@dataclass
class ForgeWorld:
    client: TestClient
    keys: ForgeKeys
    queued: list[tuple[str, str]]


@pytest.fixture(scope="module")
def forge_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForgeWorld]:
    """Two Jira sites, each bound to its own source; the store is empty (tickets read 404 not_kept)."""
    tmp = tmp_path_factory.mktemp("forge")
    keys = ForgeKeys()
    jira = {"platform": "jira", "base_url": "http://127.0.0.1:9", "deployment": "cloud",
            "mapping": str(Path(__file__).resolve().parents[2] / "mappings" / "jira.yaml"),
            "auth": {"kind": "cloud_token"}}
    config = AppConfig.model_validate({
        "sources": [{**jira, "name": "jira"}, {**jira, "name": "other"}],
        "api": {"forge": {"app_id": APP_ID, "jwks_file": str(keys.write_jwks(tmp / "jwks.json")),
                          "sites": {
                              "jira": {"cloud_id": CLOUD_ID, "installation_id": INSTALLATION},
                              "other": {"cloud_id": OTHER_CLOUD, "installation_id": OTHER_INSTALLATION}}},
                "refresh_ticket_seconds": 0},
    })
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    queued: list[tuple[str, str]] = []

    def enqueue(source: str, ticket: str, *, recheck: bool = False) -> None:
        queued.append((source, ticket))

    panel = PanelApi(Pipeline(config, store, load_evaluator(config)), enqueue, [KEY])
    with TestClient(Starlette(routes=panel.routes())) as client:
        yield ForgeWorld(client, keys, queued)
    store.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_forge_token_reads_its_own_issue_by_key_or_id(forge_world: ForgeWorld) -> None:
    token = forge_world.keys.token(issue_key="CMP-1", issue_id="10001")
    for ticket in ("CMP-1", "10001"):
        answer = forge_world.client.get(f"/api/v1/tickets/jira/{ticket}", headers=_bearer(token))
        # Authenticated and allowed; the store holds no such complaint.
        assert answer.status_code == 404 and answer.json()["reason"] == "not_kept"


@pytest.mark.parametrize(("kwargs", "ticket"), [
    ({"issue_key": "CMP-1", "issue_id": "10001"}, "CMP-2"),  # another issue on the same site
    ({"cloud_id": "cloud-9"}, "CMP-1"),  # another site
    ({"installation": "ari:cloud:ecosystem::installation/other"}, "CMP-1"),  # another installation
    ({"cloud_id": OTHER_CLOUD}, "CMP-1"),  # one site's cloud with the other's installation
    ({"issue_key": None, "issue_id": None}, "CMP-1"),  # no issue in the token: not a pass
])
def test_forge_token_for_another_issue_site_or_installation_is_403(
    forge_world: ForgeWorld, kwargs: dict[str, Any], ticket: str
) -> None:
    token = forge_world.keys.token(**kwargs)
    before = list(forge_world.queued)
    read = forge_world.client.get(f"/api/v1/tickets/jira/{ticket}", headers=_bearer(token))
    refresh = forge_world.client.post(f"/api/v1/tickets/jira/{ticket}/refresh", headers=_bearer(token))
    assert (read.status_code, refresh.status_code) == (403, 403)
    assert read.json()["error"] == "forbidden" and set(read.json()) == {"error", "reason"}
    assert forge_world.queued == before


def test_forge_refresh_goes_to_the_source_of_the_tokens_site(forge_world: ForgeWorld) -> None:
    token = forge_world.keys.token(cloud_id=OTHER_CLOUD, installation=OTHER_INSTALLATION, issue_key="OPS-4")
    answer = forge_world.client.post("/api/v1/tickets/jira/OPS-4/refresh", headers=_bearer(token))
    assert answer.status_code == 202
    assert forge_world.queued[-1] == ("other", "OPS-4")


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"aud": "ari:cloud:ecosystem::app/someone-else"}, "token is for another app"),
    ({"expires_in": -120}, "token expired"),
    ({"kid": "unknown-key"}, "signed by an unknown key"),
    ({"iss": "someone"}, "invalid token (InvalidIssuerError)"),
])
def test_forge_token_refused(forge_world: ForgeWorld, kwargs: dict[str, Any], reason: str) -> None:
    token = forge_world.keys.token(**kwargs)
    answer = forge_world.client.get("/api/v1/tickets/jira/CMP-1", headers=_bearer(token))
    assert answer.status_code == 401
    assert answer.json()["reason"] == reason
    assert token not in answer.text


def test_forge_token_signed_by_another_key_or_for_zendesk_is_refused(forge_world: ForgeWorld) -> None:
    forged = ForgeKeys().token()  # same kid, different key
    answer = forge_world.client.get("/api/v1/tickets/jira/CMP-1", headers=_bearer(forged))
    assert answer.status_code == 401 and "InvalidSignatureError" in answer.json()["reason"]
    good = forge_world.keys.token()
    assert forge_world.client.get("/api/v1/tickets/zendesk/1", headers=_bearer(good)).status_code == 401


def test_forge_sites_must_name_jira_sources() -> None:
    with pytest.raises(ValueError, match="names no Jira source"):
        AppConfig.model_validate({
            "sources": [{"platform": "zendesk", "name": "zd", "subdomain": "acme",
                         "mapping": "mappings/zendesk.yaml",
                         "auth": {"type": "api_token", "email_env": "E", "token_env": "T"}}],
            "api": {"forge": {"app_id": APP_ID, "jwks_file": "jwks.json",
                              "sites": {"zd": {"cloud_id": CLOUD_ID, "installation_id": INSTALLATION}}}},
        })


def test_malformed_ticket_ids_are_400_without_echo(world: World) -> None:
    for path in ("zendesk/0", "zendesk/" + "9" * 5000, "zendesk/12x", "jira/CS-5%3Fexpand=x", "jira/CS-0"):
        answer = world.client.get(f"/api/v1/tickets/{path}", headers=AUTH)
        assert answer.status_code == 400, path
        assert answer.json()["error"] == "invalid_ticket_id"
        assert path.split("/")[1] not in answer.text


def test_refresh_queues_then_rate_limits_per_ticket_and_per_caller(world: World) -> None:
    ticket = _complaint(world)["ticket"]
    first = world.client.post(f"/api/v1/tickets/zendesk/{ticket}/refresh", headers=AUTH)
    assert first.status_code == 202 and first.json()["status"] == "queued"
    assert world.queued[-1] == ("sandbox", ticket)
    again = world.client.post(f"/api/v1/tickets/zendesk/{ticket}/refresh", headers=AUTH)
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    assert again.json()["error"] == "rate_limited"
    assert world.client.post("/api/v1/tickets/zendesk/1/refresh").status_code == 401
    # 3 per minute per key: two more tickets pass, the next is refused.
    others = [t for t in sorted(complaint_ids(world.server), key=int) if t != ticket]
    codes = [world.client.post(f"/api/v1/tickets/zendesk/{t}/refresh", headers=AUTH).status_code
             for t in others[:3]]
    assert codes == [202, 202, 429]
    assert world.client.post("/api/v1/tickets/jira/X-1/refresh", headers=AUTH).status_code == 404


def test_limiter_windows_expire() -> None:
    now = [0.0]
    limiter = RefreshLimiter(30, 2, clock=lambda: now[0])
    assert limiter.check("a", "t1") is None
    assert limiter.check("a", "t1") == 30
    assert limiter.check("a", "t2") is None
    assert limiter.check("a", "t3") == 60
    now[0] = 61
    assert limiter.check("a", "t1") is None


def test_evidence_links_and_state() -> None:
    config = AppConfig.model_validate({"sources": [
        {"platform": "jira", "name": "j", "base_url": "https://acme.atlassian.net", "deployment": "cloud",
         "mapping": "mappings/jira.yaml", "auth": {"kind": "cloud_token"}},
        {"platform": "zendesk", "name": "z", "subdomain": "acme", "mapping": "mappings/zendesk.yaml",
         "auth": {"type": "api_token", "email_env": "E", "token_env": "T"}},
    ]})
    jira, zendesk = config.sources
    assert evidence_link(jira, "CMP-7", "comment:10023") == \
        "https://acme.atlassian.net/browse/CMP-7?focusedCommentId=10023"
    assert evidence_link(jira, "CMP-7", "changelog:5") == "https://acme.atlassian.net/browse/CMP-7"
    assert evidence_link(zendesk, "42", "comment:9") == "https://acme.zendesk.com/agent/tickets/42"
    assert overall_state([{"status": "PASS"}, {"status": "WAIVED"}]) == "waived"
    assert overall_state([{"status": "AT_RISK"}, {"status": "WAIVED"}]) == "at_risk"
    assert overall_state([{"status": "ERROR"}]) == "failing"
    assert overall_state([]) == "compliant"
    # clocks still running, nothing flagged: not (yet) compliant (the register says "on track" too)
    assert overall_state([{"status": "PASS"}, {"status": "PENDING"}]) == "on_track"


def test_cors_only_for_configured_origins(world: World, tmp_path: Path) -> None:
    from connector.service.app import build_app
    from connector.service.runner import ServiceRunner

    def app_for(origins: list[str]) -> TestClient:
        pipe = _pipeline(world.server, world.pipeline.store, cors_origins=origins)
        return TestClient(build_app(pipe, ServiceRunner(pipe), {"ISO10002_API_KEY": KEY}.get))

    preflight = {"Origin": "https://acme.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    with app_for(["https://acme.example"]) as client:
        allowed = client.options("/api/v1/tickets/zendesk/1", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://acme.example"
        other = client.options("/api/v1/tickets/zendesk/1", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with app_for([]) as client:  # default: no CORS at all (the Zendesk proxy and Forge need none)
        answer = client.get("/api/v1/tickets/zendesk/1", headers={**AUTH, "Origin": "https://acme.example"})
        assert "access-control-allow-origin" not in answer.headers


def test_closed_complaint_panel_asks_for_the_corrective_action_in_the_policy_zone() -> None:
    """The panel payload on a closed complaint: no "Escalate the complaint" on a breach that can
    no longer be fixed, no remedy on NOT_APPLICABLE, and times in the policy's zone with offsets."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from compliance_checks.advice import CLOSED_ADVICE
    from connector.service.panel_api import panel_view

    config = AppConfig.model_validate({"sources": [
        {"platform": "zendesk", "name": "z", "subdomain": "acme", "mapping": "mappings/zendesk.yaml",
         "auth": {"type": "api_token", "email_env": "E", "token_env": "T"}},
    ]})
    base = {"ticket": "42", "platform": "zendesk", "clauses": ["7.6"], "severity": "high"}
    findings = [
        {**base, "check": "escalated-in-time", "title": "Escalated", "status": "FAIL",
         "due_at": "2026-06-03T16:30:00Z", "message": "Escalation overdue since 2026-06-03 17:30 BST",
         "remediation": "Escalate the complaint."},
        {**base, "check": "root-cause-recorded", "title": "Root cause", "status": "NOT_APPLICABLE",
         "message": "Not upheld", "remediation": "Code the root cause on the ticket."},
    ]
    view = panel_view(config.sources[0], "42", {"stage": "closed"}, findings, None,
                      datetime(2026, 6, 10, 9, 0, tzinfo=UTC), ZoneInfo("Europe/London"))
    by_check = {f["check"]: f for f in view["findings"]}
    assert by_check["escalated-in-time"]["remediation"] == CLOSED_ADVICE
    assert by_check["escalated-in-time"]["historic"] is True
    assert by_check["root-cause-recorded"]["remediation"] is None
    assert view["timezone"] == "Europe/London"
    assert by_check["escalated-in-time"]["due_at"] == "2026-06-03T17:30:00+01:00"
    assert view["clocks"][0]["due_at"] == "2026-06-03T17:30:00+01:00"
    assert view["now"] == "2026-06-10T10:00:00+01:00"


def test_not_a_complaint_names_the_selecting_markers(world: World) -> None:
    """The 404 says which tags, forms and fields make a ticket a complaint (the mapping's
    ``select``, here the shipped mappings/zendesk.yaml), so an agent can tell what is missing."""
    questions = [t for t, ticket in world.server.state.world.tickets.items()
                 if "complaint" not in ticket["tags"] and ticket["status"] != "deleted"]
    body = world.client.get(f"/api/v1/tickets/zendesk/{questions[0]}", headers=AUTH).json()
    assert body["selection"] == {
        "markers": ["tag “complaint”", "ticket form 360000000001",
                    "field 360000000010 is one of “complaint”"],
        "excluded_by": ["tags contains “spam”"], "projects": []}


def test_evidence_says_whether_its_link_opens_the_comment_or_the_ticket() -> None:
    """Jira links a comment with ``/browse/KEY?focusedCommentId=ID`` (the comment permalink form
    Jira's UI uses; observed, not found in Atlassian's reference docs, cf. the permalink thread
    bitbucket.org/atlassianlabs/jira-threaded-comments/issues/10): the link opens the comment.
    Zendesk documents no agent-UI address for one comment or event (developer.zendesk.com Ticket
    Comments API: comments have ids, no agent URL), so its link opens the ticket and says so; a
    Jira changelog entry has no documented anchor either."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from connector.service.panel_api import panel_view

    config = AppConfig.model_validate({"sources": [
        {"platform": "jira", "name": "j", "base_url": "https://acme.atlassian.net", "deployment": "cloud",
         "mapping": "mappings/jira.yaml", "auth": {"kind": "cloud_token"}},
        {"platform": "zendesk", "name": "z", "subdomain": "acme", "mapping": "mappings/zendesk.yaml",
         "auth": {"type": "api_token", "email_env": "E", "token_env": "T"}},
    ]})
    evidence = [{"kind": "event", "ref": "comment:10023", "note": "first reply"},
                {"kind": "event", "ref": "changelog:5", "note": "status change"},
                {"kind": "field", "ref": "field:remedy_sought", "note": "remedy"}]
    finding = {"platform": "jira", "check": "acknowledged-in-time", "title": "Acknowledged", "status": "FAIL",
               "clauses": ["8.3"], "severity": "high", "message": "Late", "evidence": evidence}
    now, zone = datetime(2026, 6, 10, 9, 0, tzinfo=UTC), ZoneInfo("UTC")
    jira = panel_view(config.sources[0], "CS-7", {"stage": "open"}, [{**finding, "ticket": "CS-7"}], None,
                      now, zone)["findings"][0]["evidence"]
    assert [(e["link"], e["opens"]) for e in jira] == [
        ("https://acme.atlassian.net/browse/CS-7?focusedCommentId=10023", "item"),
        ("https://acme.atlassian.net/browse/CS-7", "ticket"),
        ("https://acme.atlassian.net/browse/CS-7", "ticket")]
    zendesk_finding = {**finding, "ticket": "42", "platform": "zendesk"}
    zendesk = panel_view(config.sources[1], "42", {"stage": "open"}, [zendesk_finding], None,
                         now, zone)["findings"][0]["evidence"]
    assert {(e["link"], e["opens"]) for e in zendesk} == {
        ("https://acme.zendesk.com/agent/tickets/42", "ticket")}
