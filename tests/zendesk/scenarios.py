"""Sandbox scenarios shared by the end-to-end and conformance tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from compliance_checks.findings import Finding
from connector.http import RecordedRequest
from connector.platforms.base import JsonState, PullResult
from connector.platforms.zendesk.commands import open_client, pull, writeback
from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.secrets import SecretSource
from connector.platforms.zendesk.settings import ZendeskSourceConfig, parse_source_config
from connector.platforms.zendesk.writer import ticket_state
from connector.writeback import plan_writeback
from devtools.sandboxes.zendesk import SandboxServer, SandboxState
from devtools.sandboxes.zendesk.model import API_USER_ID, DAY
from tests.zendesk.builders import finding

#: 2026-05-28T20:26:40Z: a fixed virtual "now" for every sandbox.
START = 1_780_000_000
#: The "Contact reason" dropdown that mappings/zendesk.yaml selects complaints by.
CONTACT_REASON = 360000000010
SANDBOX_SECRETS = {"ZD_ID": "sandbox-client", "ZD_SECRET": "sandbox-secret"}


REPO = Path(__file__).resolve().parents[2]


def start_sandbox(tickets: int = 40, seed: int = 11, days: int = 14) -> SandboxServer:
    """A sandbox with ``tickets`` generated complaints (received over the ``days`` before
    START) plus :func:`add_other_shapes`."""
    state = SandboxState.seeded(seed, tickets, start=START, days=days)
    add_other_shapes(state)
    return SandboxServer(state).start()


def add_other_shapes(state: SandboxState) -> tuple[int, int]:
    """Tickets the generator does not make (it makes complaints only), built from a generated
    one: a question (not a complaint: no tag, form or contact reason says so) and a deleted
    complaint. Returns their ids."""
    world = state.world
    template = world.tickets[min(world.tickets)]
    question, deleted = (copy.deepcopy(template) for _ in range(2))
    question_id, deleted_id = max(world.tickets) + 1, max(world.tickets) + 2
    question.update(id=question_id, tags=["question"], ticket_form_id=None, status="new",
                    subject="How do I change my address?", raw_subject="How do I change my address?")
    question["custom_fields"] = [{"id": f["id"], "value": "question" if f["id"] == CONTACT_REASON
                                  else None} for f in question["custom_fields"]]
    deleted.update(id=deleted_id, status="deleted")
    with state.lock:
        world.tickets[question_id], world.tickets[deleted_id] = question, deleted
    return question_id, deleted_id


def ticket_ids(server: SandboxServer, *, status: tuple[str, ...] = ("new", "open", "pending", "solved")
               ) -> list[int]:
    """Complaint ticket ids in the sandbox (by default those Zendesk still lets us update)."""
    return sorted(tid for tid, t in server.state.world.tickets.items()
                  if "complaint" in t["tags"] and t["status"] in status)


def sandbox_source(server: SandboxServer, **overrides: Any) -> ZendeskSourceConfig:
    data: dict[str, Any] = {
        "platform": "zendesk", "name": "sandbox", "base_url": server.base_url,
        "auth": {"type": "oauth_client_credentials", "client_id_env": "ZD_ID",
                 "client_secret_env": "ZD_SECRET"},
        "per_page": 25, "events_per_page": 100, "include_metric_events": True,
        "rate_limits": {"account_per_minute": 700},
        "mapping": str(Path(__file__).resolve().parents[2] / "mappings" / "zendesk.yaml"),
    }
    data.update(overrides)
    return parse_source_config(data, origin="sandbox.yaml")


def sandbox_client(server: SandboxServer, source: ZendeskSourceConfig,
                   recorder: list[RecordedRequest] | None = None) -> ZendeskClient:
    """Client on the sandbox's virtual clock: waiting advances sandbox time, never sleeps."""
    clock = server.state.clock
    return open_client(source, secrets=SecretSource(environ=SANDBOX_SECRETS),
                       sleeper=clock.advance, clock=clock.now,
                       hooks=(recorder.append,) if recorder is not None else ())


def cli_config(tmp_path: Path, base_url: str, *, store: bool = True, **source: Any) -> Path:
    """A config file for the ``iso10002`` commands against the sandbox: the shipped Zendesk
    mapping with the sandbox's API user as the connector's account, secrets from ``ZD_ID`` and
    ``ZD_SECRET``, and (``store``) a SQLite store in ``tmp_path``; ``source`` adds source keys."""
    mapping = yaml.safe_load((REPO / "mappings" / "zendesk.yaml").read_text(encoding="utf-8"))
    mapping["actors"]["connector_accounts"] = [str(API_USER_ID)]
    (tmp_path / "zendesk.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    config: dict[str, Any] = {"sources": [{
        "platform": "zendesk", "name": "sandbox", "base_url": base_url, "mapping": "zendesk.yaml",
        "auth": {"type": "oauth_client_credentials", "client_id_env": "ZD_ID",
                 "client_secret_env": "ZD_SECRET"},
        **source,
    }]}
    if store:
        config["store"] = {"url": f"sqlite:///{tmp_path / 'store.db'}"}
        config["sync"] = {"initial_since": "2025-01-01T00:00:00Z"}
    path = tmp_path / "iso10002.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def virtual_now(server: SandboxServer) -> datetime:
    return datetime.fromtimestamp(server.state.clock.now(), UTC)


def do_pull(server: SandboxServer, source: ZendeskSourceConfig, client: ZendeskClient,
            out: Path, cursor: JsonState = None) -> PullResult:
    return pull(source, out, start_time=None if cursor else virtual_now(server).replace(
        year=2025), cursor=cursor, client=client, now=lambda: virtual_now(server))


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def exported_tickets(path: Path) -> dict[str, dict[str, Any]]:
    """The latest version of each ticket in a pull file (export pages only)."""
    out: dict[str, dict[str, Any]] = {}
    for body in read_lines(path):
        for ticket in body.get("tickets") or []:
            out[str(ticket["id"])] = ticket
    return out


def fixed_findings(server: SandboxServer) -> list[Finding]:
    """Findings for the complaint tickets, without the mapping: FAIL for odd ids."""
    out = []
    for tid, ticket in sorted(server.state.world.tickets.items()):
        if "complaint" in ticket["tags"] and ticket["status"] != "deleted":
            out.append(finding(str(tid), "ack-7.4", status="FAIL" if tid % 2 else "PASS"))
            if tid % 3 == 0:
                out.append(finding(str(tid), "update-7.3", status="AT_RISK",
                                   message="No update to the complainant for 10 days."))
    return out


def notes_by_ticket(server: SandboxServer) -> dict[int, int]:
    """Internal comments the connector's API user wrote, per ticket."""
    counts: dict[int, int] = {}
    for audit in server.state.world.audits:
        for event in audit.events:
            if event["type"] == "Comment" and event["author_id"] == API_USER_ID and \
                    not event["public"] and "[iso10002]" in event["plain_body"]:
                counts[audit.ticket_id] = counts.get(audit.ticket_id, 0) + 1
    return counts


def pending_plans(path: Path, findings: list[Finding]) -> list[str]:
    """Tickets whose plan, computed from the pulled state, is not empty."""
    tickets = exported_tickets(path)
    by_ticket: dict[str, list[Finding]] = {}
    for f in findings:
        by_ticket.setdefault(f.ticket, []).append(f)
    return [t for t, fs in by_ticket.items()
            if t in tickets and not plan_writeback(fs, ticket_state(tickets[t]),
                                                   marker_tags=True).is_empty]


def full_cycle(server: SandboxServer, tmp: Path, findings: list[Finding],
               recorder: list[RecordedRequest] | None = None, **source_overrides: Any
               ) -> dict[str, Any]:
    """pull -> writeback apply -> pull again (cursor) -> writeback again. Returns evidence."""
    source = sandbox_source(server, **source_overrides)
    client = sandbox_client(server, source, recorder)
    first = do_pull(server, source, client, tmp / "pull1.jsonl")
    report = writeback(source, findings, apply=True, client=client)
    server.state.clock.advance(61)  # past the export hold-back minute
    second = do_pull(server, source, client, tmp / "pull2.jsonl", cursor=first.cursor)
    again = writeback(source, findings, apply=True, client=client)
    return {"first": first, "report": report, "second": second, "again": again,
            "source": source, "client": client}


__all__ = ["DAY", "START"]
