"""The per-ticket API the in-helpdesk panels read (Zendesk sidebar app, Jira Forge issue panel).

``GET /api/v1/tickets/{platform}/{ticket}``: the stored record and latest findings, plus what a
panel shows: overall state, stage, clocks with time left, findings with evidence links, waivers and
the last evaluation. A ticket that is not a complaint answers 404 ``{"error": "not_a_complaint"}``
(``reason``: ``mapping``, or ``not_kept`` for a ticket the sync never kept, as it keeps complaints
only); an unconfigured platform answers ``not_found``. ``POST …/refresh`` queues a re-sync and
re-evaluation of the ticket (429 + Retry-After when rate limited). Callers authenticate with an
API key (the Zendesk proxy substitutes it from a secure setting) or, for Jira, a Forge invocation
token, which reads only the issue it was minted for on a configured site (403 otherwise). A
ticket id that does not fit the platform's grammar answers 400 before anything is looked up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from compliance_checks.advice import advice, is_historic
from compliance_checks.findings import FINDING_JSON
from connector.config import SourceConfig
from connector.pipeline import Pipeline
from connector.platforms.registry import names, platform_for
from connector.service.forge_auth import ForgeTokenError, ForgeVerifier
from connector.service.rate_limit import RefreshLimiter
from connector.store.models import RunRow
from connector.store.runs import latest_findings
from connector.store.tickets import find_ticket, record_document
from connector.ticket_ids import is_ticket_id
from mappings.select import describe_selection

log = logging.getLogger(__name__)
_FAILING = {"FAIL", "ERROR"}
#: Findings whose due date is a clock the team still races (passed, waived and n/a ones are not).
_CLOCKED = {"PENDING", "AT_RISK", "FAIL"}


class Enqueue(Protocol):
    def __call__(self, source: str, ticket: str, *, recheck: bool = ...) -> None: ...


class NotAuthorised(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Caller:
    """Who asks: ``name`` keys the rate limits; a Forge token is bound to one source and issue."""

    name: str
    source: str | None = None
    issue: frozenset[str] = frozenset()


def _claim(claims: dict[str, Any], *path: str) -> str | None:
    value: Any = claims
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def forge_caller(claims: dict[str, Any], sites: dict[str, tuple[str, str]]) -> Caller | None:
    """The source whose site (``context.cloudId``) and installation (``app.installationId``) the
    token names, bound to the token's issue (``context.extension.issue`` key and id); None when
    the token names no configured site or no issue (unknown evidence never grants access)."""
    cloud, installation = _claim(claims, "context", "cloudId"), _claim(claims, "app", "installationId")
    issue = {v for v in (_claim(claims, "context", "extension", "issue", "key"),
                         _claim(claims, "context", "extension", "issue", "id")) if v}
    if cloud is None or installation is None or not issue:
        return None
    for source, site in sites.items():
        if hmac.compare_digest(site[0], cloud) and hmac.compare_digest(site[1], installation):
            return Caller("forge:" + hashlib.sha256(installation.encode()).hexdigest()[:12], source,
                          frozenset(issue))
    return None


def evidence_link(source: SourceConfig, ticket: str, ref: str | None) -> str | None:
    """Where an agent sees the evidence: the comment when the platform can link to one."""
    return platform_for(source.platform).evidence_link(source, ticket, ref)


def _forge_panel(platform: str) -> bool:
    return platform in names() and platform_for(platform).forge_panel


def _seconds(due: datetime, at: datetime) -> int:
    return math.floor((due - at).total_seconds())


def overall_state(findings: list[dict[str, Any]]) -> str:
    statuses = {str(f.get("status")) for f in findings}
    if statuses & _FAILING:
        return "failing"
    if "AT_RISK" in statuses:
        return "at_risk"
    if "WAIVED" in statuses:
        return "waived"
    if "PENDING" in statuses:
        return "on_track"  # clocks still run: not (yet) compliant; the due-state label's word
    return "compliant"


def _advised(f: dict[str, Any], closed: bool, zone: ZoneInfo) -> dict[str, Any]:
    """A stored finding as the panel shows it: its remediation replaced by the advice that can be
    followed now (``compliance_checks.advice``), ``historic`` when the breach has already
    happened, and its due time in the policy's zone (ISO 8601 with the offset)."""
    finding = FINDING_JSON.validate_python(f)
    due = finding.due_at.astimezone(zone).isoformat() if finding.due_at else None
    return {**f, "due_at": due, "remediation": advice(finding, closed=closed),
            "historic": is_historic(finding, closed=closed)}


def _linked(source: SourceConfig, ticket: str, ticket_link: str | None,
            evidence: dict[str, Any]) -> dict[str, Any]:
    """An evidence entry with its ``link`` and what the link ``opens``: ``item`` (the comment or
    change itself) or ``ticket`` (the platform cannot link to the item, or the evidence is a field)."""
    link = evidence_link(source, ticket, evidence.get("ref"))
    opens = None if link is None else "ticket" if link == ticket_link else "item"
    return {**evidence, "link": link, "opens": opens}


def panel_view(source: SourceConfig, ticket: str, record: dict[str, Any] | None,
               findings: list[dict[str, Any]], run: RunRow | None, now: datetime,
               zone: ZoneInfo) -> dict[str, Any]:
    """The panel's view; every time is ISO 8601 with its offset, in the policy's ``zone``
    (named in ``timezone``)."""
    as_of = run.as_of.astimezone(zone) if run is not None else None
    closed = (record or {}).get("stage") == "closed"
    shown: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    waivers: list[dict[str, Any]] = []
    ticket_link = evidence_link(source, ticket, None)
    for f in findings:
        evidence = [_linked(source, ticket, ticket_link, e) for e in f.get("evidence") or []]
        shown.append({**_advised(f, closed, zone), "evidence": evidence})
        if f.get("due_at") and f.get("status") in _CLOCKED:
            due = datetime.fromisoformat(str(f["due_at"]))
            clocks.append({
                "check": f.get("check"), "title": f.get("title"), "status": f.get("status"),
                "due_at": due.astimezone(zone).isoformat(),
                # A closed complaint's clocks have stopped: no time left to show.
                "running": not closed,
                "seconds_left_at_evaluation": _seconds(due, as_of) if as_of and not closed else None,
                "seconds_left_now": _seconds(due, now) if not closed else None, "overdue": due <= now,
            })
        if f.get("waiver"):
            waivers.append({"check": f.get("check"), "title": f.get("title"), **f["waiver"]})
    clocks.sort(key=lambda c: str(c["due_at"]))
    return {
        "state": overall_state(findings),
        "stage": (record or {}).get("stage"),
        "ticket_link": ticket_link,
        "timezone": zone.key,
        "evaluated_at": run.started_at.astimezone(zone).isoformat() if run is not None else None,
        "as_of": as_of.isoformat() if as_of else None,
        "now": now.astimezone(zone).isoformat(),
        "findings": shown, "clocks": clocks, "waivers": waivers,
    }


class PanelApi:
    def __init__(self, pipeline: Pipeline, enqueue: Enqueue, api_keys: list[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.pipeline = pipeline
        self.enqueue = enqueue
        self.api_keys = api_keys
        self.clock = clock
        api = pipeline.config.api
        self.forge = ForgeVerifier(api.forge) if api.forge is not None else None
        self.forge_sites = {name: (site.cloud_id, site.installation_id)
                            for name, site in (api.forge.sites.items() if api.forge else ())}
        self.limiter = RefreshLimiter(api.refresh_ticket_seconds, api.refresh_key_per_minute)

    # -- auth -------------------------------------------------------------------------------
    def caller(self, request: Request, platform: str) -> Caller:
        """Who asks (a stable, non-secret name and any binding), or :class:`NotAuthorised`."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorised("missing bearer token")
        for key in self.api_keys:
            if hmac.compare_digest(token.encode(), key.encode()):
                return Caller("key:" + hashlib.sha256(key.encode()).hexdigest()[:12])
        if self.forge is not None and _forge_panel(platform) and token.count(".") == 2:
            try:
                claims = self.forge.verify(token)
            except ForgeTokenError as exc:
                raise NotAuthorised(str(exc)) from None
            bound = forge_caller(claims, self.forge_sites)
            if bound is None:
                raise Forbidden("token is for another site or installation, or names no issue")
            return bound
        raise NotAuthorised("unknown credentials")

    @staticmethod
    def _unauthorised(exc: NotAuthorised) -> Response:
        if isinstance(exc, Forbidden):
            log.warning("panel API: request forbidden (%s)", exc.reason)
            return JSONResponse({"error": "forbidden", "reason": exc.reason}, status_code=403)
        log.warning("panel API: request refused (%s)", exc.reason)  # the reason, never the token
        return JSONResponse({"error": "unauthorised", "reason": exc.reason}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})

    def _admit(self, request: Request) -> tuple[str, str, Caller]:
        """Platform, ticket and caller of a request, or :class:`NotAuthorised` / :class:`BadTicket`:
        a malformed id is refused before any lookup; a bound token reads its own issue only."""
        platform, ticket = request.path_params["platform"], request.path_params["ticket"]
        caller = self.caller(request, platform)
        if platform in names() and not is_ticket_id(platform, ticket):
            raise BadTicket(platform)
        if caller.source is not None and ticket not in caller.issue:
            raise Forbidden("token is for another issue")
        return platform, ticket, caller

    def _sources(self, platform: str, caller: Caller) -> list[SourceConfig]:
        return [s for s in self.pipeline.sources
                if s.platform == platform and (caller.source is None or s.name == caller.source)]

    # -- document ---------------------------------------------------------------------------
    def document(self, platform: str, ticket: str,
                 caller: Caller | None = None) -> tuple[int, dict[str, Any]]:
        now = self.clock()
        not_complaint: dict[str, Any] | None = None
        with self.pipeline.store.session() as session:
            for source in self._sources(platform, caller or Caller("")):
                row = find_ticket(session, source.name, ticket)
                if row is None:
                    continue
                if not row.is_complaint:
                    not_complaint = {"error": "not_a_complaint", "reason": "mapping", "platform": platform,
                                     "ticket": row.ticket, "source": source.name,
                                     "message": "This ticket is not a complaint under the mapping.",
                                     "selection": self._selection(source)}
                    continue
                run_id, findings = latest_findings(session, source=source.name, ticket=row.ticket).get(
                    (source.name, row.ticket), (None, []))
                run = session.get(RunRow, run_id) if run_id is not None else None
                record = record_document(row)
                doc = {
                    "source": source.name, "platform": platform, "ticket": row.ticket,
                    "deleted": row.deleted,
                    "updated_at": row.updated_at.isoformat() if row.updated_at else None,
                    "record": record, "mapping_error": row.mapping_error, "run_id": run_id,
                    **panel_view(source, row.ticket, record, findings, run, now,
                                 self.pipeline.evaluator.policy.calendar.tz),
                }
                return 200, doc
        if not_complaint is not None:
            return 404, not_complaint
        if not any(s.platform == platform for s in self.pipeline.sources):
            return 404, {"error": "not_found", "platform": platform, "ticket": ticket,
                         "message": f"No {platform} source is configured."}
        # The sync keeps complaints only: a ticket it never kept was not a complaint when last synced
        # (or is newer than the last sync: a refresh settles it).
        sources = self._sources(platform, caller or Caller(""))
        return 404, {"error": "not_a_complaint", "reason": "not_kept", "platform": platform, "ticket": ticket,
                     "message": "Not a complaint as of the last sync (or created since: re-check).",
                     "selection": self._selection(sources[0]) if sources else None}

    def _selection(self, source: SourceConfig) -> dict[str, list[str]]:
        """The source's mapping rules that make a ticket a complaint, described for people."""
        return describe_selection(self.pipeline.evaluator.mappings[source.name].spec)

    async def get(self, request: Request) -> Response:
        try:
            platform, ticket, caller = self._admit(request)
        except BadTicket as exc:
            return _bad_ticket(exc)
        except NotAuthorised as exc:
            return self._unauthorised(exc)
        status, doc = await run_in_threadpool(self.document, platform, ticket, caller)
        return JSONResponse(doc, status_code=status)

    async def refresh(self, request: Request) -> Response:
        try:
            platform, ticket, caller = self._admit(request)
        except BadTicket as exc:
            return _bad_ticket(exc)
        except NotAuthorised as exc:
            return self._unauthorised(exc)
        return await self.recheck(platform, ticket, caller)

    async def recheck(self, platform: str, ticket: str, caller: Caller) -> Response:
        """Queue a re-sync and re-evaluation of an admitted ticket, within the rate limits (the
        panels' refresh and the dashboard's Re-check)."""
        sources = self._sources(platform, caller)
        if not sources:
            return JSONResponse({"error": "not_found", "message": f"no {platform} source"}, status_code=404)
        wait = self.limiter.check(caller.name, f"{platform}/{ticket}")
        if wait is not None:
            retry = max(1, math.ceil(wait))
            return JSONResponse({"error": "rate_limited", "retry_after_seconds": retry}, status_code=429,
                                headers={"Retry-After": str(retry)})
        source = await run_in_threadpool(self._source_of, sources, ticket)
        self.enqueue(source.name, ticket, recheck=True)
        log.info("panel refresh queued for %s/%s", source.name, ticket)
        return JSONResponse({"status": "queued", "platform": platform, "ticket": ticket,
                             "requested_at": self.clock().isoformat()}, status_code=202)

    def _source_of(self, sources: list[SourceConfig], ticket: str) -> SourceConfig:
        with self.pipeline.store.session() as session:
            for source in sources:
                if find_ticket(session, source.name, ticket) is not None:
                    return source
        return sources[0]

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/tickets/{platform}/{ticket}", self.get, methods=["GET"]),
            Route("/api/v1/tickets/{platform}/{ticket}/refresh", self.refresh, methods=["POST"]),
        ]


class Forbidden(NotAuthorised):
    """Authenticated, but not for this site, installation or ticket (403, no ticket data)."""


class BadTicket(Exception):
    def __init__(self, platform: str) -> None:
        super().__init__(platform)
        self.platform = platform


def _bad_ticket(exc: BadTicket) -> Response:
    # The id is not echoed: it is untrusted text.
    return JSONResponse({"error": "invalid_ticket_id", "platform": exc.platform,
                         "message": f"not a valid {exc.platform} ticket id"}, status_code=400)
