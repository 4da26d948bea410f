"""Jira's incremental source: search pages with each issue's changelog and comments; an issue
is handed to the sync as soon as its history is all read, CHUNK or more at a time."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from connector.bundles import JiraPages, jira_bundle
from connector.platforms.base import Changes, Doc, JsonState, PageRead, ReadEnd, ReadEvent, TicketChange
from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.reader import JiraReader
from connector.platforms.jira.settings import JiraSourceConfig
from connector.store.chunking import CHUNK
from mappings.schema import MappingSpec
from mappings.select import is_complaint


class JiraIncremental:
    needs_previous = False

    def __init__(self, source: JiraSourceConfig, client: JiraClient, spec: MappingSpec) -> None:
        self.source = source
        self.client = client
        self.spec = spec
        self._reader: JiraReader | None = None  # its field plan is kept for the next reads

    def _new_reader(self, known: Mapping[str, str] | None = None) -> JiraReader:
        spec = self.spec
        reader = JiraReader(self.client, spec, keep=lambda raw: is_complaint(spec, raw), known=known)
        if self._reader is not None:
            reader.plan = self._reader.plan
        self._reader = reader
        return reader

    def read(self, state: JsonState, *, initial: datetime, full: bool,
             directory: str | None) -> Generator[ReadEvent, None, None]:
        position: dict[str, Any] = state if isinstance(state, dict) else {}
        since = datetime.fromisoformat(position["since"]) if position.get("since") else None
        if since is None and not full:
            since = initial
        reader = self._new_reader(known=position.get("known") or {})
        pages = JiraPages()
        # Data Center reads an issue's history right after its search page; Cloud fetches the
        # changelogs of every ``bulkfetch_issues`` issues (then the page's comments) before
        # the next search page. So when a search page arrives, every issue read before it is
        # complete except (Cloud) the ones still waiting for their changelog batch.
        per_fetch = int(self.client.source.page_sizes.bulkfetch_issues) if self.client.is_cloud else 1
        pending: list[str] = []  # ids of issues read and not stored yet, in reading order
        read = 0  # issues read (Cloud: handed to the changelog batches in this order)
        seen: set[str] = set()  # keys, for a full sync's deletions
        first = [True]
        for page in reader.pages(since if not full else None):
            issues = page.get("issues")
            if not isinstance(issues, list) or "issue" in page:
                pages.add(page)  # a changelog or comment page of issues already read
                yield PageRead(0)
                continue
            ready = len(pending) - read % per_fetch
            if ready >= CHUNK:
                yield from self._complete(pending[:ready], set(pending[ready:]), pages, first)
                del pending[:ready]
            pages.add(page)
            pending.extend(str(issue["id"]) for issue in issues)
            seen.update(str(issue["key"]) for issue in issues)
            read += len(issues)
            yield PageRead(len(issues))
        yield from self._complete(pending, set(), pages, first)
        next_since = reader.state.cursor or since
        yield ReadEnd({
            "since": next_since.isoformat() if next_since else None,
            "known": reader.state.boundary(timedelta(seconds=self.source.overlap_seconds)),
        }, seen if full else set())

    def _complete(self, ids: list[str], keep: set[str], pages: JiraPages, first: list[bool]
                  ) -> Iterator[Changes]:
        """The complete issues ``ids`` (CHUNK per transaction); their pages are dropped once stored.

        An id read again later (a newer version in a later page, or in ``keep``: still waiting)
        is left for that reading.
        """
        last = {issue_id: i for i, issue_id in enumerate(ids)}
        issues = [pages.issues[issue_id] for i, issue_id in enumerate(ids)
                  if last[issue_id] == i and issue_id not in keep]
        for start in range(0, len(issues), CHUNK):
            part = issues[start:start + CHUNK]
            crash_at = len(part) // 2 if first[0] else -1
            first[0] = False  # the first transaction of the sync, half stored
            yield Changes([self._change(issue, pages, self._definitions()) for issue in part],
                          crash_at=crash_at)
            for issue in part:
                issue_id, key = str(issue["id"]), str(issue["key"])
                pages.issues.pop(issue_id, None)
                for bucket in (pages.histories, pages.comments):
                    bucket.pop(issue_id, None)
                    bucket.pop(key, None)

    def refresh(self, ticket: str, directory: str | None) -> Iterator[PageRead | Changes]:
        reader = self._reader or self._new_reader()
        pages = JiraPages()
        for page in reader.issue_pages(ticket):
            before = len(pages.issues)
            pages.add(page)
            yield PageRead(len(pages.issues) - before)
        spec = self.spec
        yield Changes([self._change(issue, pages, self._definitions(),
                                    complaint=partial(is_complaint, spec, issue))
                       for issue in pages.issues.values()])

    def _definitions(self) -> tuple[Mapping[str, Any], ...]:
        """The site's field list as the reader discovered it (no call of its own)."""
        plan = self._reader.plan if self._reader is not None else None
        return plan.definitions if plan is not None else ()

    @staticmethod
    def _change(issue: Doc, pages: JiraPages, definitions: tuple[Mapping[str, Any], ...] = (),
                complaint: Callable[[], bool] | None = None) -> TicketChange:
        key, issue_id = str(issue["key"]), str(issue["id"])

        def bundle(_previous: list[Doc] | None) -> tuple[list[Doc], str]:
            documents = jira_bundle(issue, pages, definitions)
            return documents, str((issue.get("fields") or {}).get("updated") or "")

        # The search keeps complaints only; a refresh's issue not stored yet is checked.
        return TicketChange(ticket=key, keys=(key, issue_id), external_id=issue_id, bundle=bundle,
                            complaint=complaint or (lambda: True))
