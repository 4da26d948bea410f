"""The ``/ui`` dashboard: server-rendered pages (Jinja2, autoescaped: ticket text is untrusted),
read-only but for Re-check, which goes through the panel API's re-check path.

Pages: ``/ui/`` (work queue, source status, KPI tiles), ``/ui/register`` (filters and paging),
``/ui/login`` and ``/ui/logout``; ``POST /ui/recheck``. A request without a signed-in user is
redirected to the login form (HTML) or answered 401; a POST must carry the session's CSRF token
and come from the same origin."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime
from itertools import groupby
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from connector.pipeline import Pipeline
from connector.platforms.registry import names
from connector.service.panel_api import Caller, PanelApi
from connector.service.ui_auth import MIN_SECRET, UiAuth
from connector.service.ui_data import Dashboard, Row
from connector.ticket_ids import is_ticket_id

log = logging.getLogger(__name__)
Handler = Callable[[Request], Awaitable[Response]]
_FORM_LIMIT = 8 * 1024
_ENV = Environment(loader=PackageLoader("connector.service", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))
#: Register states a user can filter on (``panel_api.overall_state``).
STATES = ("failing", "at_risk", "waived", "on_track", "compliant")


def _when(moment: datetime | None, zone: Any) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


_ENV.filters["when"] = _when


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form (first value of each field); larger bodies are refused."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _FORM_LIMIT:
            return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


class Ui:
    def __init__(self, pipeline: Pipeline, panel: PanelApi, secret: str | None,
                 clock: Callable[[], datetime], *, background: bool = True) -> None:
        self.pipeline = pipeline
        self.config = pipeline.config.ui
        self.auth = UiAuth(self.config)
        self.panel = panel
        self.secret = secret if secret and len(secret) >= MIN_SECRET else None
        self.clock = clock
        self.data = Dashboard(pipeline, clock, background=background)

    # -- helpers ----------------------------------------------------------------------------
    def _page(self, request: Request, template: str, status: int = 200, **values: Any) -> Response:
        html = _ENV.get_template(template).render(
            user=self.auth.user(request), csrf=self.auth.csrf_token(request), zone=self.data.zone,
            root=request.scope.get("root_path", ""), **values)
        return HTMLResponse(html, status_code=status, headers={
            "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
            "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'none'; "
                                       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        })

    @staticmethod
    def _wants_html(request: Request) -> bool:
        return request.method == "GET" and "text/html" in request.headers.get("accept", "")

    def _signed_in(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            if self.auth.user(request) is None:
                if self._wants_html(request):
                    return RedirectResponse(request.scope.get("root_path", "") + "/login", status_code=303)
                return JSONResponse({"error": "unauthorised"}, status_code=401)
            return await handler(request)
        return guarded

    def _refuse_post(self, request: Request, form: dict[str, str]) -> Response | None:
        if self.auth.cross_site(request):
            log.warning("ui: cross-site POST refused")
            return PlainTextResponse("cross-site request refused", status_code=403)
        if not self.auth.csrf_ok(request, form.get("csrf")):
            log.warning("ui: POST without a valid CSRF token refused")
            return PlainTextResponse("missing or wrong CSRF token", status_code=403)
        return None

    # -- login --------------------------------------------------------------------------------
    async def login_form(self, request: Request) -> Response:
        return self._page(request, "ui_login.html.j2", error=None, password_login=bool(self.config.users))

    async def login(self, request: Request) -> Response:
        form = await _form(request)
        if self.auth.cross_site(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        user, password = form.get("username", ""), form.get("password", "")
        ok = await run_in_threadpool(self.auth.check_password, user, password)
        if not ok:
            log.warning("ui: failed login")  # never the name or password typed
            return self._page(request, "ui_login.html.j2", status=401, error="Wrong username or password.",
                              password_login=bool(self.config.users))
        request.session.clear()  # a new session: no fixation
        request.session["user"] = user
        return RedirectResponse(request.scope.get("root_path", "") + "/", status_code=303)

    async def logout(self, request: Request) -> Response:
        form = await _form(request)
        refused = self._refuse_post(request, form)
        if refused is not None:
            return refused
        request.session.clear()
        return RedirectResponse(request.scope.get("root_path", "") + "/login", status_code=303)

    # -- pages --------------------------------------------------------------------------------
    def _preparing(self, request: Request) -> Response:
        response = self._page(request, "ui_preparing.html.j2", status=503)
        response.headers["Retry-After"] = "5"
        return response

    async def home(self, request: Request) -> Response:
        snap, fresh = await run_in_threadpool(self.data.snapshot)
        if snap is None:
            return self._preparing(request)
        now = self.clock()
        queue = snap.queue(now)
        sources = await run_in_threadpool(self.data.sources)
        last_run = await run_in_threadpool(self.data.last_run)
        counts: dict[tuple[str, str], list[int]] = {}
        for i in queue:
            counts.setdefault((i.team, i.owner), [0, 0])[0 if i.overdue(now) else 1] += 1
        shown = queue[: self.config.queue_limit]
        by_team = groupby(sorted(shown, key=lambda i: (i.team, i.due_at)), key=lambda i: i.team)
        teams = [(team, [(owner, list(items)) for owner, items in groupby(
                    sorted(group, key=lambda i: (i.owner, i.due_at)), key=lambda i: i.owner)])
                 for team, group in by_team]
        return self._page(request, "ui_home.html.j2", now=now, teams=teams, queued=len(queue),
                          shown=len(shown), counts=sorted(counts.items()), snap=snap, fresh=fresh,
                          overdue=sum(i.overdue(now) for i in queue), kpis=snap.kpis, kpi_note=snap.kpi_note,
                          sources=sources, last_run=last_run, notice=request.query_params.get("queued"))

    async def register(self, request: Request) -> Response:
        q = request.query_params
        status, team, check = q.get("status", ""), q.get("team", ""), q.get("check", "")
        search = q.get("q", "").strip().lower()
        snap, fresh = await run_in_threadpool(self.data.snapshot)
        if snap is None:
            return self._preparing(request)
        rows = snap.rows

        def keep(r: Row) -> bool:
            return ((not status or r.state == status) and (not team or r.team == team)
                    and (not check or check in r.flagged)
                    and (not search or search in r.ticket.lower() or search in r.summary.lower()))

        chosen = [r for r in rows if keep(r)]
        size = self.config.page_size
        pages = max(1, math.ceil(len(chosen) / size))
        page = min(max(1, int(q["page"]) if q.get("page", "").isdigit() else 1), pages)
        given = (("status", status), ("team", team), ("check", check), ("q", search))
        filters = {k: v for k, v in given if v}
        return self._page(
            request, "ui_register.html.j2", rows=chosen[(page - 1) * size: page * size], total=len(chosen),
            page=page, pages=pages, filters=filters, states=STATES, snap=snap, fresh=fresh,
            teams=sorted({r.team for r in rows}), checks=sorted({c for r in rows for c in r.flagged}),
            query=lambda **extra: urlencode({**filters, **extra}))

    async def recheck(self, request: Request) -> Response:
        form = await _form(request)
        refused = self._refuse_post(request, form)
        if refused is not None:
            return refused
        platform, ticket = form.get("platform", ""), form.get("ticket", "")
        if platform not in names() or not is_ticket_id(platform, ticket):
            return PlainTextResponse("not a valid ticket", status_code=400)
        user = self.auth.user(request) or ""
        answer = await self.panel.recheck(platform, ticket, Caller("ui:" + user))
        if answer.status_code != 202:
            return answer
        return RedirectResponse(request.scope.get("root_path", "") + "/?" + urlencode({"queued": ticket}),
                                status_code=303)

    async def style(self, _request: Request) -> Response:
        css = _ENV.get_template("ui.css.j2").render()
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    async def unavailable(self, _request: Request) -> Response:
        return PlainTextResponse("dashboard unavailable: set the session secret (see docs/service.md)",
                                 status_code=503)

    def app(self) -> Starlette:
        if self.secret is None:
            log.error("ui: %s is unset or shorter than %d characters: the dashboard is off",
                      self.config.session_secret_env, MIN_SECRET)
            return Starlette(routes=[Route("/{rest:path}", self.unavailable, methods=["GET", "POST"])])
        routes = [
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self._signed_in(self.logout), methods=["POST"]),
            Route("/", self._signed_in(self.home), methods=["GET"]),
            Route("/register", self._signed_in(self.register), methods=["GET"]),
            Route("/recheck", self._signed_in(self.recheck), methods=["POST"]),
            Route("/ui.css", self.style, methods=["GET"]),
        ]
        session = Middleware(SessionMiddleware, secret_key=self.secret, session_cookie="iso10002_ui",
                             max_age=self.config.session_max_age_seconds, path="/ui", same_site="lax",
                             https_only=self.config.secure_cookies)
        return Starlette(routes=routes, middleware=[session])


def ui_mount(pipeline: Pipeline, panel: PanelApi, secret: str | None, clock: Callable[[], datetime],
             *, background: bool = True) -> list[Mount]:
    """The ``/ui`` mount when the dashboard is configured (users or a trusted proxy header).
    With ``background``, the page data is built in the background (``ui_data.Dashboard``), the
    first build now."""
    if not pipeline.config.ui.enabled:
        return []
    ui = Ui(pipeline, panel, secret, clock, background=background)
    if background and ui.secret is not None:
        ui.data.start_build()
    return [Mount("/ui", app=ui.app())]
