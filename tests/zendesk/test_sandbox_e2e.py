"""End to end against the in-process sandbox: pull -> check -> write-back -> pull -> nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.platforms.zendesk.auth import AuthError
from connector.platforms.zendesk.commands import check_credentials, pull, writeback
from connector.platforms.zendesk.settings import parse_source_config
from devtools.sandboxes.zendesk import Fault, SandboxServer
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox()
    yield srv
    srv.stop()


def test_full_cycle_converges_and_never_duplicates_a_note(
    server: SandboxServer, tmp_path: Path
) -> None:
    findings = sc.fixed_findings(server)
    out = sc.full_cycle(server, tmp_path, findings)
    first, report, second, again = out["first"], out["report"], out["second"], out["again"]
    assert first.tickets == len(server.state.world.tickets) == 42  # 40 generated, 2 built
    assert first.details["deleted_tickets"] == sum(
        1 for t in server.state.world.tickets.values() if t["status"] == "deleted")
    assert int(first.details["complaints"]) < first.tickets  # the mapping's selection ran
    assert report.failed == []
    written = {r.ticket for r in report.results if r.details["note"] == "create"}
    assert written  # odd/at-risk tickets got a note
    # The second pull sees exactly the tickets we wrote to, now carrying our marker tags.
    assert second.tickets == len({r.ticket for r in report.results
                                  if r.outcome == "written"})
    assert sc.pending_plans(out["first"].out, findings)  # before: work to do
    assert sc.pending_plans(second.out, findings) == []  # after: nothing left
    # Nothing left to write; closed tickets (Zendesk refuses updates) are skipped both times.
    closed = {str(t) for t, ticket in server.state.world.tickets.items() if ticket["status"] == "closed"}
    assert all(r.outcome == ("skipped" if r.ticket in closed else "unchanged")
               for r in again.results)
    assert "PUT /api/v2/tickets/{id}" not in {
        k for k, v in again.calls_by_endpoint.items() if v > report.calls_by_endpoint.get(k, 0)}
    assert set(sc.notes_by_ticket(server).values()) == {1}
    assert {str(t) for t in sc.notes_by_ticket(server)} == written


def test_pulled_file_feeds_the_offline_check_and_its_findings_write_back(
    server: SandboxServer, tmp_path: Path
) -> None:
    from compliance_checks import BASELINE_POLICY, load_policy
    from connector.files import evaluate_files
    from mappings.loader import load_mapping

    source = sc.sandbox_source(server)
    client = sc.sandbox_client(server, source)
    result = sc.do_pull(server, source, client, tmp_path / "p.jsonl")
    mapping = load_mapping(source.mapping)
    policy = load_policy(BASELINE_POLICY)
    now = sc.virtual_now(server)
    findings = [f for r in evaluate_files([result.out], mapping, policy, as_of=now)
                for f in r.findings]
    assert {f.ticket for f in findings}  # complaints were mapped and checked
    flagged = [f for f in findings if f.status.value in ("FAIL", "AT_RISK")]
    assert flagged, "the generator makes non-compliant complaints"
    report = writeback(source, findings, apply=True, client=client)
    assert report.failed == []
    server.state.clock.advance(61)
    again = sc.do_pull(server, source, client, tmp_path / "p2.jsonl", cursor=result.cursor)
    # Re-checking (full history = both pulls; the store comes later) finds the same things,
    # our own note does not count as agent activity, and every plan is empty.
    refindings = [f for r in evaluate_files([result.out, again.out], mapping, policy, as_of=now)
                  for f in r.findings]
    assert {(f.ticket, f.check, f.status) for f in refindings} == {
        (f.ticket, f.check, f.status) for f in findings}
    assert sc.pending_plans(again.out, refindings) == []
    assert set(sc.notes_by_ticket(server).values()) == {1}


def test_nothing_changed_costs_at_most_three_calls(server: SandboxServer, tmp_path: Path) -> None:
    source = sc.sandbox_source(server, include_metric_events=False)
    client = sc.sandbox_client(server, source)
    first = sc.do_pull(server, source, client, tmp_path / "a.jsonl")
    server.state.clock.advance(600)
    before = client.stats.total
    second = sc.do_pull(server, source, client, tmp_path / "b.jsonl", cursor=first.cursor)
    assert client.stats.total - before <= 3
    assert second.tickets == 0


@pytest.mark.parametrize(
    "faults",
    [
        [Fault("status", path=r"/tickets/\d+", method="PUT", count=3)],
        [Fault("drop", path=r"/tickets/\d+", method="PUT", count=3, after_write=True)],
        [Fault("drop", path=r"/tickets/\d+", method="PUT", count=2, after_write=False)],
        [Fault("conflict", path=r"/tickets/\d+", method="PUT", count=3)],
        [Fault("status", path="incremental", count=2), Fault("drop", path="show_many", count=1)],
    ],
    ids=["5xx-on-note", "drop-after-write", "drop-before-write", "409-race", "read-faults"],
)
def test_faults_still_converge_without_duplicates(
    server: SandboxServer, tmp_path: Path, faults: list[Fault]
) -> None:
    findings = sc.fixed_findings(server)
    for fault in faults:
        server.app.inject(fault)
    out = sc.full_cycle(server, tmp_path, findings)
    assert server.app.faults == []  # every injected fault was hit
    assert out["report"].failed == []
    assert sc.pending_plans(out["second"].out, findings) == []
    assert set(sc.notes_by_ticket(server).values()) == {1}


def test_slow_responses_time_out_and_are_retried(server: SandboxServer, tmp_path: Path) -> None:
    server.app.inject(Fault("slow", path="incremental/tickets", delay=0.3))
    out = sc.full_cycle(server, tmp_path, sc.fixed_findings(server), read_timeout_seconds=0.1)
    assert server.app.faults == []
    assert out["client"].stats.retries >= 1
    assert out["first"].tickets == len(server.state.world.tickets)


def test_tight_server_budget_is_respected_from_its_headers(
    server: SandboxServer, tmp_path: Path
) -> None:
    server.state.limits.account_per_minute = 8
    start = server.state.clock.now()
    out = sc.full_cycle(server, tmp_path, sc.fixed_findings(server))
    # The client read the fixed-window headers and waited instead of running into 429s.
    assert out["client"].stats.rate_limited == 0
    assert server.state.clock.now() - start > 60
    assert out["report"].failed == []
    assert set(sc.notes_by_ticket(server).values()) == {1}


def test_server_429s_are_waited_out_on_the_virtual_clock(
    server: SandboxServer, tmp_path: Path
) -> None:
    server.app.inject(Fault("status", path="incremental/ticket_events", status=429,
                            retry_after="30"))
    server.app.inject(Fault("status", path=r"/tickets/\d+", method="PUT", count=2, status=429,
                            retry_after="7"))
    out = sc.full_cycle(server, tmp_path, sc.fixed_findings(server))
    assert server.app.faults == []
    assert out["client"].stats.rate_limited == 3
    assert out["report"].failed == []
    assert set(sc.notes_by_ticket(server).values()) == {1}


def test_tag_only_drift_uses_update_many(server: SandboxServer, tmp_path: Path) -> None:
    findings = sc.fixed_findings(server)
    out = sc.full_cycle(server, tmp_path, findings)
    # Someone strips our aggregate tag by hand on every flagged ticket; the first bulk job's
    # answer is lost (dropped after it was queued), which is safe to repeat.
    server.app.inject(Fault("drop", path="update_many", after_write=True))
    for ticket in server.state.world.tickets.values():
        if "iso10002-noncompliant" in ticket["tags"]:
            server.state.change_tags(ticket["id"], {"tags": ["iso10002-noncompliant"]}, 2,
                                     "remove")
    report = writeback(out["source"], findings, apply=True, client=out["client"])
    restored = [r for r in report.results if r.outcome == "written"]
    assert restored
    assert all(r.details["added_tags"] == ["iso10002-noncompliant"] and r.details["note"] is None
               for r in restored)
    assert server.app.faults == []
    # One job, repeated once after the dropped answer.
    assert report.calls_by_endpoint["PUT /api/v2/tickets/update_many"] == 2 + out[
        "again"].calls_by_endpoint.get("PUT /api/v2/tickets/update_many", 0)
    assert set(sc.notes_by_ticket(server).values()) == {1}


def test_single_ticket_fallback_reads_audits(server: SandboxServer, tmp_path: Path) -> None:
    source = sc.sandbox_source(server)
    client = sc.sandbox_client(server, source)
    tid = sc.ticket_ids(server)[1]
    result = pull(source, tmp_path / "one.jsonl", start_time=None, cursor=None, ticket_id=tid,
                  client=client)
    lines = list(sc.read_lines(result.out))
    assert lines[0]["ticket"]["id"] == tid
    assert lines[1]["audits"][0]["ticket_id"] == tid
    assert result.calls_by_endpoint["GET /api/v2/tickets/{id}/audits"] == 1


def test_bad_credentials_are_detected_despite_the_200(server: SandboxServer) -> None:
    source = parse_source_config({
        "platform": "zendesk", "name": "x", "base_url": server.base_url,
        "auth": {"type": "api_token", "email_env": "E", "token_env": "T"}}, origin="x.yaml")
    from connector.platforms.zendesk.commands import open_client
    from connector.platforms.zendesk.secrets import SecretSource

    client = open_client(source, secrets=SecretSource(environ={"E": "connector@example.test",
                                                               "T": "wrong-token"}))
    with pytest.raises(AuthError, match="Anonymous user"):
        check_credentials(client)
    good = open_client(source, secrets=SecretSource(environ={"E": "connector@example.test",
                                                             "T": "sandbox-api-token"}))
    assert check_credentials(good)["role"] == "admin"


def test_admin_endpoint_injects_faults_and_reports_calls(server: SandboxServer) -> None:
    import requests

    url = server.base_url
    assert requests.post(f"{url}/__admin/faults", json={"kind": "status", "path": "users/me",
                                                        "status": 502}, timeout=5).status_code == 201
    assert requests.get(f"{url}/api/v2/users/me.json", timeout=5).status_code == 502
    assert requests.get(f"{url}/api/v2/users/me.json", timeout=5).status_code == 200
    calls = requests.get(f"{url}/__admin/calls", timeout=5).json()
    assert calls["calls"]["GET /api/v2/users/me"] == 2
    assert requests.delete(f"{url}/__admin/calls", timeout=5).status_code == 204
    assert requests.get(f"{url}/__admin/calls", timeout=5).json()["total"] == 0
