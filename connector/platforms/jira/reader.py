"""Pull complaint issues with complete changelogs and comments, as raw payload pages.

Cloud: ``POST search/jql`` (nextPageToken) -> ``POST changelog/bulkfetch`` per <=1000 issues ->
``GET issue/{key}/comment`` only for issues whose embedded comments are incomplete.
Data Center: ``GET search`` (startAt) with ``expand=changelog``, moving the ``updated`` window
instead of paging past the 10,000-result limit; per-issue calls only for truncated parts, and
``GET issue/{key}/comment?expand=properties`` for issues with another's comment of unknown
visibility (search embeds no comment properties).

Pages are yielded unchanged except that issues already seen (same id and ``updated``) or not
complaints by the client-side criteria are dropped from ``issues``. Mapping happens elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.crashpoints import ARMED, crash_point
from connector.http import ReadStats
from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.errors import JiraApiError
from connector.platforms.jira.fieldplan import FieldPlan, discovered_fields, field_definitions, plan_fields
from connector.platforms.jira.jql import build_jql
from connector.ticket_ids import url_segment
from mappings.jira_payload import comments_needing_visibility
from mappings.schema import MappingSpec

log = logging.getLogger(__name__)

RawPage = dict[str, Any]
IssueFilter = Callable[[dict[str, Any]], bool]

#: Data Center refuses ``startAt + maxResults`` beyond this (OpenSearch ``max_result_window``).
DC_RESULT_WINDOW = 10_000


def parse_jira_time(value: str) -> datetime:
    """``2022-06-09T16:29:31.871-0700`` (Jira's format) or ISO 8601 -> aware datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def comments_complete(issue: Mapping[str, Any]) -> bool:
    """True only when the embedded comment page provably holds every comment."""
    page = (issue.get("fields") or {}).get("comment")
    if not isinstance(page, dict) or not isinstance(page.get("comments"), list):
        return False
    total = page.get("total")
    return isinstance(total, int) and page.get("startAt", 0) == 0 and total == len(
        page["comments"]
    )


def changelog_complete(issue: Mapping[str, Any]) -> bool:
    """Data Center: True only when the embedded ``changelog`` holds every history."""
    page = issue.get("changelog")
    if not isinstance(page, dict) or not isinstance(page.get("histories"), list):
        return False
    total = page.get("total")
    return isinstance(total, int) and page.get("startAt", 0) == 0 and total == len(
        page["histories"]
    )


@dataclass
class JiraReadStats(ReadStats):
    issues: int = 0
    duplicates_skipped: int = 0
    not_complaints: int = 0
    truncated_comments: int = 0
    truncated_changelogs: int = 0
    #: Data Center: complete comment pages read again with ``expand=properties`` (1 call each
    #: per 100 comments), and those that failed.
    comment_visibility_reads: int = 0
    comment_visibility_failed: int = 0


@dataclass
class ReadState:
    """What a finished pull knows: the next cursor and the issues at its boundary."""

    run_started: datetime
    since: datetime | None
    max_updated: datetime | None = None
    #: id -> ``updated`` of every issue read (for de-duplication, and the next run's overlap).
    seen: dict[str, str] = field(default_factory=dict)
    stats: JiraReadStats = field(default_factory=JiraReadStats)

    @property
    def cursor(self) -> datetime | None:
        """Max ``updated`` seen, never later than the run start (the signpost)."""
        if self.max_updated is None:
            return self.since
        return min(self.max_updated, self.run_started)

    def boundary(self, overlap: timedelta) -> dict[str, str]:
        """Issues the next run's overlap window will read again (pass as ``known``)."""
        cursor = self.cursor
        if cursor is None:
            return {}
        edge = cursor - overlap
        return {i: u for i, u in self.seen.items() if parse_jira_time(u) >= edge}


class JiraReader:
    """Reads complaint issues of one site; iterate :meth:`pages`, then read :attr:`state`."""

    def __init__(
        self,
        client: JiraClient,
        spec: MappingSpec,
        *,
        keep: IssueFilter | None = None,
        known: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        result_window: int = DC_RESULT_WINDOW,
    ) -> None:
        self.client = client
        self.result_window = result_window
        self.spec = spec
        self.keep = keep
        self.known = dict(known or {})
        self._clock = clock or (lambda: datetime.now(UTC))
        self.state = ReadState(run_started=self._clock(), since=None)
        self.plan: FieldPlan | None = None

    def pages(self, since: datetime | None) -> Iterator[RawPage]:
        """All raw pages of one pull, in an order the input reader accepts (any order)."""
        self.state = ReadState(run_started=self._clock(), since=since)
        if since is None:
            # A full read has issues to map: settle the site's field ids first (this also
            # refreshes a long-lived reader's plan, e.g. the service's daily reconciliation).
            self.plan = self._discover()
        overlap = timedelta(seconds=self.client.source.overlap_seconds)
        if self.client.is_cloud:
            yield from self._cloud(build_jql(self.spec.select, since=since, overlap=overlap))
        else:
            yield from self._datacenter(since, overlap)

    def issue_pages(self, key: str) -> Iterator[RawPage]:
        """One issue with its complete changelog and comments (webhook refresh, sync service).

        The field plan is discovered once per reader and reused by later calls.
        """
        if self.plan is None:
            self.plan = self._discover()
        params = {
            "fields": ",".join(self.plan.fields),
            "properties": ",".join(self.plan.properties),
        }
        if not self.client.is_cloud:
            params["expand"] = "changelog"
        issue = self.client.get(f"issue/{url_segment(key)}", params)
        yield {"issues": [issue]}
        if self.client.is_cloud:
            yield from self._bulk_changelogs([str(issue["id"])])
            if not comments_complete(issue):
                yield from self._comment_pages(str(issue["key"]))
        else:
            yield from self._dc_truncated([issue])

    # -- shared -----------------------------------------------------------------------------

    def _discover(self) -> FieldPlan:
        """The field plan with this site's JSM SLA / request-type field ids and its field names
        (one ``GET field``)."""
        listed = self.client.get("field")
        listed = listed if isinstance(listed, list) else []
        return replace(plan_fields(self.spec, discovered_fields(listed)),
                       definitions=field_definitions(listed))

    def _request_plan(self) -> FieldPlan:
        """The plan to search with: the settled one, else the mapping's own fields (an
        incremental read usually finds nothing, so ``GET field`` waits for an issue)."""
        return self.plan or plan_fields(self.spec)

    def _settle(self, asked: FieldPlan, page: Mapping[str, Any]) -> FieldPlan | None:
        """After a search page: the plan to ask the same page again with, if any.

        The first page with issues settles the site's field ids; when they add fields the
        page was asked without, it is asked again (never mapped without them).
        """
        if self.plan is not None or not any(map(self._is_new, page.get("issues") or ())):
            return None  # nothing to map yet (the overlap re-reads known issues)
        self.plan = self._discover()
        same = (self.plan.fields, self.plan.properties) == (asked.fields, asked.properties)
        return None if same else self.plan

    def _is_new(self, issue: Mapping[str, Any]) -> bool:
        """Not read before at this ``updated`` (by this pull or, per ``known``, the last)."""
        issue_id = str(issue.get("id"))
        updated = str((issue.get("fields") or {}).get("updated") or "")
        return not updated or updated not in (self.state.seen.get(issue_id), self.known.get(issue_id))

    def _accept(self, issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Drop duplicates (id, updated) and non-complaints; track the cursor."""
        kept = []
        for issue in issues:
            issue_id = str(issue.get("id"))
            updated = str((issue.get("fields") or {}).get("updated") or "")
            if not self._is_new(issue):
                self.state.stats.duplicates_skipped += 1
                # Still at the window's edge: the next pull must know it too.
                self.state.seen.setdefault(issue_id, updated)
                continue
            if updated:
                self.state.seen[issue_id] = updated
                moment = parse_jira_time(updated)
                if self.state.max_updated is None or moment > self.state.max_updated:
                    self.state.max_updated = moment
            if self.keep is not None and not self.keep(issue):
                self.state.stats.not_complaints += 1
                continue
            kept.append(issue)
        self.state.stats.issues += len(kept)
        self.state.stats.pages += 1
        return kept

    def _comment_pages(self, key: str) -> Iterator[RawPage]:
        size = self.client.source.page_sizes.comments
        params: dict[str, Any] = {"maxResults": size, "orderBy": "created"}
        if not self.client.is_cloud:
            # Data Center has no jsdPublic: JSM's sd.public.comment property tells internal
            # notes from replies (platform-jira.md 3.1, 3.3; pycontribs/jira #1011).
            params["expand"] = "properties"
        start = 0
        while True:
            page = self.client.get(f"issue/{url_segment(key)}/comment", {"startAt": start, **params})
            yield {"issue": key, "comments": page}
            got = len(page.get("comments") or [])
            start += got
            total = page.get("total")
            if got == 0 or (isinstance(total, int) and start >= total):
                return

    # -- Cloud ------------------------------------------------------------------------------

    def _cloud(self, jql: str) -> Iterator[RawPage]:
        batch: list[str] = []
        token: str | None = None
        tokens_seen: set[str] = set()
        plan = self._request_plan()
        while True:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": list(plan.fields),
                "properties": list(plan.properties),
                "maxResults": self.client.source.page_sizes.search,
            }
            if token:
                body["nextPageToken"] = token
            page = self.client.post_read("search/jql", body)
            again = self._settle(plan, page)
            if again is not None:
                plan = again
                continue
            issues = self._accept(list(page.get("issues") or []))
            yield {**page, "issues": issues}
            if ARMED and self.state.stats.pages == 2:
                crash_point("jira-mid-pages")  # crash tests: some pages read, none stored
            truncated = [i for i in issues if not comments_complete(i)]
            self.state.stats.truncated_comments += len(truncated)
            batch.extend(str(i["id"]) for i in issues)
            while len(batch) >= self.client.source.page_sizes.bulkfetch_issues:
                size = self.client.source.page_sizes.bulkfetch_issues
                yield from self._bulk_changelogs(batch[:size])
                del batch[:size]
            for issue in truncated:
                yield from self._comment_pages(str(issue["key"]))
            token = page.get("nextPageToken")
            if not token or page.get("isLast") is True:
                break
            if token in tokens_seen:
                raise JiraApiError(
                    "search/jql returned a nextPageToken twice; stopping to avoid a loop",
                    status=None,
                    method="POST",
                    path="search/jql",
                )
            tokens_seen.add(token)
        if batch:
            yield from self._bulk_changelogs(batch)

    def _bulk_changelogs(self, issue_ids: list[str]) -> Iterator[RawPage]:
        assert self.plan is not None  # noqa: S101 - settled by the first page with issues
        token: str | None = None
        while True:
            body: dict[str, Any] = {
                "issueIdsOrKeys": issue_ids,
                "maxResults": self.client.source.page_sizes.bulkfetch_histories,
            }
            if self.plan.changelog_field_ids is not None:
                body["fieldIds"] = list(self.plan.changelog_field_ids)
            if token:
                body["nextPageToken"] = token
            page = self.client.post_read("changelog/bulkfetch", body)
            yield page
            new_token = page.get("nextPageToken")
            if not new_token or new_token == token:
                return
            token = new_token

    # -- Data Center ------------------------------------------------------------------------

    def _datacenter(self, since: datetime | None, overlap: timedelta) -> Iterator[RawPage]:
        """Page with startAt inside a window; near the 10,000 limit, restart the window at
        the last ``updated`` seen (duplicates at the seam are dropped by (id, updated))."""
        size = self.client.source.page_sizes.search
        window_since = since
        window_overlap = overlap
        plan = self._request_plan()
        while True:
            jql = build_jql(self.spec.select, since=window_since, overlap=window_overlap)
            start = 0
            last_updated: datetime | None = None
            while True:
                page = self.client.get(
                    "search",
                    {
                        "jql": jql,
                        "startAt": start,
                        "maxResults": size,
                        "fields": ",".join(plan.fields),
                        "expand": "changelog",
                        "properties": ",".join(plan.properties),
                        "validateQuery": "strict",
                    },
                )
                again = self._settle(plan, page)
                if again is not None:
                    plan = again
                    continue
                raw = list(page.get("issues") or [])
                if raw:
                    last_updated = parse_jira_time(str(raw[-1]["fields"]["updated"]))
                issues = self._accept(raw)
                yield {**page, "issues": issues}
                yield from self._dc_truncated(issues)
                start += len(raw)
                total = int(page.get("total") or 0)
                if not raw or start >= total:
                    return
                if start + size > self.result_window:
                    break
            if last_updated is None or (window_since is not None and last_updated <= window_since):
                raise JiraApiError(
                    f"more than {self.result_window} issues share one 'updated' instant; "
                    "narrow the mapping's selection",
                    status=None,
                    method="GET",
                    path="search",
                )
            log.info("Data Center result window reached; moving the window to %s", last_updated)
            window_since, window_overlap = last_updated, timedelta(0)

    def _dc_truncated(self, issues: list[dict[str, Any]]) -> Iterator[RawPage]:
        for issue in issues:
            key = str(issue["key"])
            if not changelog_complete(issue):
                self.state.stats.truncated_changelogs += 1
                full = self.client.get(f"issue/{url_segment(key)}",
                                       {"expand": "changelog", "fields": "updated"})
                yield {"issue": key, "changelog": full.get("changelog") or {}}
            if not comments_complete(issue):
                self.state.stats.truncated_comments += 1
                yield from self._comment_pages(key)
            elif comments_needing_visibility(issue):
                yield from self._visibility_pages(key)

    def _visibility_pages(self, key: str) -> Iterator[RawPage]:
        """Data Center search embeds no comment properties: read the issue's comments once
        more with them. A failure leaves those comments' visibility unknown (never a reply)."""
        self.state.stats.comment_visibility_reads += 1
        try:
            yield from self._comment_pages(key)
        except JiraApiError as exc:
            self.state.stats.comment_visibility_failed += 1
            log.warning("comment visibility of %s not read (HTTP %s); its agent comments stay "
                        "'visibility unknown'", key, exc.status)
