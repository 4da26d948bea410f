"""The Jira ``pull`` and ``writeback`` commands as plain functions (the CLI wires them).

``pull`` writes JSON Lines: one raw API response body per line (search pages,
``changelog/bulkfetch`` pages), or ``{"issue": KEY, "comments": page}`` /
``{"issue": KEY, "changelog": page}`` for per-issue pages. ``iso10002 check --platform jira
--input FILE`` reads it.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from compliance_checks.findings import Finding
from connector.platforms.base import (
    JsonState,
    PullResult,
    TicketOutcome,
    WritebackReport,
    as_outcome,
    pull_step,
)
from connector.platforms.jira.client import JiraClient, Sleeper
from connector.platforms.jira.reader import JiraReader
from connector.platforms.jira.settings import JiraSourceConfig, resolve_credentials
from connector.platforms.jira.state import read_states
from connector.platforms.jira.writer import JiraWriter
from connector.tally import Tally
from connector.writeback import plan_writeback
from mappings.jira_payload import unnamed_change_fields
from mappings.loader import load_mapping
from mappings.schema import MappingSpec
from mappings.select import is_complaint

log = logging.getLogger(__name__)


def connect(
    source: JiraSourceConfig,
    *,
    environ: Mapping[str, str] | None = None,
    sleeper: Sleeper = time.sleep,
) -> JiraClient:
    """A client with credentials from the environment. It asks ``serverInfo`` only when the
    deployment is neither configured nor an Atlassian Cloud address (once per client)."""
    creds = resolve_credentials(source, dict(environ) if environ is not None else None)
    return JiraClient(source, creds, sleeper=sleeper)


def _spec(source: JiraSourceConfig) -> MappingSpec:
    return load_mapping(source.mapping).spec


def _page_histories(page: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every changelog history of one raw page (embedded, bulk or per-issue)."""
    found = [history for issue in page.get("issues") or ()
             for history in (issue.get("changelog") or {}).get("histories") or ()]
    for entry in page.get("issueChangeLogs") or ():
        found.extend(entry.get("changeHistories") or ())
    changelog = page.get("changelog")
    if isinstance(changelog, Mapping):
        found.extend(changelog.get("values") or changelog.get("histories") or ())
    return found


@dataclass
class _SearchTally:
    """Tells ``tally`` the issues the search listed so far (kept, duplicates and non-complaints
    alike), after each search page. Data Center's ``/rest/api/2/search`` gives ``total`` (the
    issues the JQL matches) with ``startAt``; a window restart (``startAt`` 0 again) adds its
    total to what the earlier windows listed. Cloud's ``search/jql`` gives no total
    (platform-jira.md: "No ``total``"; jira-platform-v3.json ``SearchAndReconcileResults``)."""

    tally: Tally
    step: str
    reader: JiraReader  # its ``state`` is new for each read: looked up per page
    #: Issues listed by the search pages so far, and by the windows before the current one.
    listed: int = 0
    before_window: int = 0
    window_total: int | None = None

    def page(self, page: Mapping[str, Any]) -> None:
        if "issue" in page or not isinstance(page.get("issues"), list):
            return  # a changelog or comment page of issues already listed
        total, start = page.get("total"), page.get("startAt")
        if isinstance(total, int) and isinstance(start, int):
            if start == 0:  # a new window: it lists after the earlier windows
                self.before_window = self.listed
            self.window_total = total
        stats = self.reader.state.stats
        self.listed = stats.issues + stats.duplicates_skipped + stats.not_complaints
        whole = None if self.window_total is None else self.before_window + self.window_total
        self.tally(self.step, self.listed, None if whole is None else max(whole, self.listed))


def pull(
    source: JiraSourceConfig,
    out: Path,
    *,
    since: datetime | None = None,
    cursor: JsonState = None,
    client: JiraClient | None = None,
    environ: Mapping[str, str] | None = None,
    tally: Tally | None = None,
) -> PullResult:
    """Read every complaint issue updated since ``since`` into ``out``.

    ``cursor`` is a previous pull's: the next ``since`` (which ``since`` overrides) plus the
    issues at the window's edge, so that the overlap re-read does not count them twice.
    Neither: every complaint issue. ``tally`` is told the issues the search listed after each
    search page (see :class:`_SearchTally`).
    """
    saved = cursor if isinstance(cursor, dict) else {}
    saved_since = saved.get("since")
    since = since or (datetime.fromisoformat(saved_since) if saved_since else None)
    known = saved.get("boundary") or None
    spec = _spec(source)
    client = client or connect(source, environ=environ)
    if not spec.actors.connector_accounts:
        ids = sorted(client.own_account_ids())
        log.warning(
            "mapping %s lists no actors.connector_accounts; add %s so our own edits are never "
            "read as agent activity (the %r marker still identifies our comment)",
            source.mapping,
            ids,
            spec.actors.connector_marker,
        )
    reader = JiraReader(client, spec, keep=lambda raw: is_complaint(spec, raw), known=known)
    lines = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    unnamed: set[str] = set()
    told = _SearchTally(tally, pull_step(source.name), reader) if tally is not None else None
    with tmp.open("w", encoding="utf-8") as handle:
        for page in reader.pages(since):
            handle.write(json.dumps(page, separators=(",", ":"), ensure_ascii=False) + "\n")
            lines += 1
            if told is not None:
                told.page(page)
            unnamed |= unnamed_change_fields(_page_histories(page))
        # Change items named only by display name: the field list (already read) names them.
        named = [dict(d) for d in (reader.plan.definitions if reader.plan else ())
                 if str(d.get("name")).casefold() in unnamed]
        if named:
            handle.write(json.dumps(named, separators=(",", ":"), ensure_ascii=False) + "\n")
            lines += 1
    tmp.replace(out)  # a half-written file never looks like a finished pull
    state = reader.state
    return PullResult(
        platform="jira",
        out=out,
        cursor={"since": state.cursor.isoformat() if state.cursor else None,
                "boundary": state.boundary(timedelta(seconds=source.overlap_seconds))},
        lines=lines,
        tickets=state.stats.issues,
        api_calls=client.stats.total,
        calls_by_endpoint=client.stats.as_dict(),
        details={"deployment": str(client.deployment),
                 "truncated_comments": state.stats.truncated_comments,
                 "duplicates_skipped": state.stats.duplicates_skipped,
                 "comment_visibility_reads": state.stats.comment_visibility_reads,
                 "comment_visibility_failed": state.stats.comment_visibility_failed},
    )


def writeback(
    source: JiraSourceConfig,
    findings: Sequence[Finding],
    *,
    apply: bool,
    client: JiraClient | None = None,
    environ: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> WritebackReport:
    """Plan (and with ``apply`` write) labels, our one comment and the findings property."""
    spec = _spec(source)
    client = client or connect(source, environ=environ)
    by_ticket: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.platform == "jira":
            by_ticket[finding.ticket].append(finding)
    marker = spec.actors.connector_marker
    own_ids = client.own_account_ids() | set(spec.actors.connector_accounts)
    due_field = source.next_due.field_id if source.next_due else None
    due_zone = (zone or UTC) if due_field else None
    states = read_states(client, by_ticket, marker=marker, own_ids=own_ids, due_field=due_field)
    writer = JiraWriter(
        client, marker=marker, own_ids=own_ids, visibility=source.comment_visibility, zone=zone,
        due_field=due_field,
    )
    report = WritebackReport(applied=apply)
    missing: list[TicketOutcome] = []
    for ticket in sorted(by_ticket):
        state = states.get(ticket)
        if state is None:
            missing.append(TicketOutcome(ticket, "skipped", "issue not found (deleted?)"))
            continue
        plan = plan_writeback(by_ticket[ticket], state.write, marker_tags=False, due_zone=due_zone)
        report.plans.append({**plan.model_dump(mode="json"), "is_empty": plan.is_empty})
        if apply:
            report.results.append(as_outcome(writer.apply(plan, state)))
    report.results += missing  # after the written ones, as the report has always listed them
    report.api_calls = client.stats.total
    report.calls_by_endpoint = client.stats.as_dict()
    return report
