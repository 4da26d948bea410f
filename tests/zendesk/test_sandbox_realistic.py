"""The sandbox seeded from the shared generator: read by the real connector, fixed by an agent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from compliance_checks import BASELINE_POLICY, load_policy
from connector.files import evaluate_files
from devtools.generator import GeneratorConfig
from devtools.generator.people import LEADS
from devtools.sandboxes.zendesk import SandboxServer, SandboxState
from devtools.sandboxes.zendesk.realistic import realistic_world
from mappings.loader import default_mapping_path, load_mapping
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
END = datetime.fromtimestamp(sc.START, UTC) - timedelta(hours=1)
CONFIG = GeneratorConfig(complaints=150, end=END, seed=3, days=60)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    srv = SandboxServer(SandboxState.realistic(CONFIG, start=sc.START)).start()
    yield srv
    srv.stop()


def test_same_config_same_account() -> None:
    a, b = realistic_world(CONFIG), realistic_world(CONFIG)
    assert a.tickets == b.tickets
    assert [(x.id, x.ts, x.events) for x in a.audits] == [(x.id, x.ts, x.events) for x in b.audits]
    assert [(x.ts, x.id) for x in a.audits] == sorted((x.ts, x.id) for x in a.audits)


def test_the_connector_reads_every_complaint_and_finds_the_patterns(
    server: SandboxServer, tmp_path: Path
) -> None:
    source = sc.sandbox_source(server, include_metric_events=False, per_page=100,
                               events_per_page=1000)
    client = sc.sandbox_client(server, source)
    pulled = sc.do_pull(server, source, client, tmp_path / "pull.jsonl")
    assert pulled.details["complaints"] == CONFIG.complaints
    results = list(evaluate_files([pulled.out], load_mapping(default_mapping_path("zendesk")),
                                  load_policy(BASELINE_POLICY), as_of=sc.virtual_now(server)))
    assert len([r for r in results if r.record is not None]) == CONFIG.complaints
    failing = Counter(f.check for r in results for f in r.findings if f.status.value == "FAIL")
    # Late/missing acknowledgement, silence, closure without outcome, no escalation: all there.
    for check in ("acknowledged-in-time", "kept-informed", "closure-evidence",
                  "escalated-when-required"):
        assert failing[check] > 0, failing


def test_an_agent_replies_as_themselves_and_the_write_is_logged(server: SandboxServer) -> None:
    lead = LEADS[0]
    agent_id = server.state.agent_by_email(lead.email)
    assert agent_id == lead.id
    ticket_id = next(t for t, ticket in sorted(server.state.world.tickets.items())
                     if ticket["status"] not in ("closed", "deleted"))
    before = server.state.world.tickets[ticket_id]["updated_at"]
    auth = (f"{lead.email}/token", server.state.creds.api_token)
    answer = requests.put(f"{server.base_url}/api/v2/tickets/{ticket_id}.json", auth=auth,
                          timeout=10, json={"ticket": {"comment": {"body": "We are on it & more.",
                                                                   "public": True}}})
    assert answer.status_code == 200
    audit = answer.json()["audit"]
    assert audit["author_id"] == lead.id
    assert audit["events"][0]["public"] is True
    assert answer.json()["ticket"]["updated_at"] > before
    assert server.app.writes[-1] == {"method": "PUT", "endpoint": "PUT /api/v2/tickets/{id}",
                                     "tickets": [ticket_id], "status": 200, "user": lead.id}
    # The account's token with an end-user's e-mail, or a wrong token, is no log-in.
    wrong = requests.get(f"{server.base_url}/api/v2/tickets/{ticket_id}.json", timeout=10,
                         auth=(f"{lead.email}/token", "nope"))
    assert wrong.status_code == 401


def test_the_hold_back_is_configurable(server: SandboxServer) -> None:
    url = f"{server.base_url}/api/v2/incremental/tickets/cursor.json"
    token = requests.post(f"{server.base_url}/oauth/tokens", timeout=10, json={
        "grant_type": "client_credentials", "client_id": "sandbox-client",
        "client_secret": "sandbox-secret"}).json()["access_token"]
    recent = {"start_time": int(server.state.clock.now()) - 30}
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(url, params=recent, headers=headers, timeout=10).status_code == 400
    server.state.limits.hold_back_seconds = 2
    try:
        assert requests.get(url, params=recent, headers=headers, timeout=10).status_code == 200
    finally:
        server.state.limits.hold_back_seconds = 60
