"""The sandbox's HTTP face: Zendesk paths, auth, rate limits, fault injection, call counts.

A raw ASGI app (Starlette request/response objects) so a fault can cut a response mid-body,
which is what a dropped connection looks like to the client.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from connector.platforms.zendesk.http import endpoint_key
from devtools.sandboxes.common.auth import basic_credentials
from devtools.sandboxes.common.traffic import Fault, Traffic, dropping
from devtools.sandboxes.zendesk.state import ApiError, SandboxState

ANONYMOUS = {"id": None, "url": None, "name": "Anonymous user", "email": "invalid@example.com",
             "role": "end-user", "active": True, "verified": False}
_T = r"(?P<id>\d+)"
_J = r"(?:\.json)?$"


class SandboxApp(Traffic):
    """ASGI callable serving one :class:`SandboxState`. Its ``writes`` (method, endpoint, ticket
    ids, answer status, acting user) show exactly which tickets a run wrote to."""

    def __init__(self, state: SandboxState) -> None:
        super().__init__()
        self.state = state
        self._windows: Counter[tuple[str, int]] = Counter()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"^/api/v2/users/me" + _J), self._me),
            ("GET", re.compile(r"^/api/v2/users" + _J), self._users),
            ("GET", re.compile(r"^/api/v2/groups" + _J), self._groups),
            ("GET", re.compile(r"^/api/v2/ticket_fields" + _J), self._ticket_fields),
            ("GET", re.compile(r"^/api/v2/ticket_forms" + _J), self._ticket_forms),
            ("GET", re.compile(r"^/api/v2/incremental/tickets/cursor" + _J), self._export),
            ("GET", re.compile(r"^/api/v2/incremental/ticket_events" + _J), self._events),
            ("GET", re.compile(r"^/api/v2/incremental/ticket_metric_events" + _J), self._metrics),
            ("GET", re.compile(r"^/api/v2/tickets/show_many" + _J), self._show_many),
            ("PUT", re.compile(r"^/api/v2/tickets/update_many" + _J), self._update_many),
            ("GET", re.compile(r"^/api/v2/job_statuses/(?P<id>[\w-]+)" + _J), self._job),
            ("GET", re.compile(rf"^/api/v2/tickets/{_T}/audits" + _J), self._audits),
            ("PUT", re.compile(rf"^/api/v2/tickets/{_T}/tags" + _J), self._tags_add),
            ("POST", re.compile(rf"^/api/v2/tickets/{_T}/tags" + _J), self._tags_set),
            ("DELETE", re.compile(rf"^/api/v2/tickets/{_T}/tags" + _J), self._tags_remove),
            ("GET", re.compile(rf"^/api/v2/tickets/{_T}" + _J), self._get_ticket),
            ("PUT", re.compile(rf"^/api/v2/tickets/{_T}" + _J), self._put_ticket),
        ]

    def _record_write(self, request: Request, status: int) -> None:
        method, path = request.method, request.url.path
        if method == "GET" or re.fullmatch(r"/oauth/tokens(?:\.json)?", path):
            return
        match = re.search(r"/tickets/(\d+)", path)
        ids = [int(match.group(1))] if match else [
            int(i) for i in request.query_params.get("ids", "").split(",") if i.isdigit()]
        self.log_write({"method": method, "endpoint": endpoint_key(method, path), "tickets": ids,
                        "status": status, "user": self._user(request)})

    # -- ASGI -------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        method, path = request.method, request.url.path
        if path.startswith("/__admin/"):
            await (await self._admin(request))(scope, receive, send)
            return
        endpoint = endpoint_key(method, path)
        self.count_call(endpoint)
        fault = self.take_fault(method, path, endpoint)
        if fault is not None and fault.kind == "slow":
            await anyio.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            error = "TooManyRequests" if fault.status == 429 else "ServiceUnavailable"
            headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
            await JSONResponse({"error": error}, fault.status, headers=headers)(
                scope, receive, send)
            return
        if fault is not None and fault.kind == "drop" and not fault.after_write:
            await JSONResponse({})(scope, receive, dropping(send))
            return
        if fault is not None and fault.kind == "conflict":
            match = re.search(r"/tickets/(\d+)", path)
            if match:
                self.state.simulate_agent_update(int(match.group(1)))
        raw = await request.body()
        status, body, headers = self._handle(request, raw)
        self._record_write(request, status)
        if fault is not None and fault.kind == "drop":
            send = dropping(send)
        payload = b"" if body is None else json.dumps(body).encode()
        resp = Response(payload, status, headers=headers,
                        media_type=None if body is None else "application/json; charset=utf-8")
        await resp(scope, receive, send)

    # -- cross-cutting -------------------------------------------------------------------------
    def _rate_headers(self, bucket: str | None) -> tuple[dict[str, str], bool, int]:
        now = self.state.clock.now()
        minute, resets = int(now // 60), 60 - int(now % 60)
        limits = self.state.limits
        with self._lock:
            self._windows[("account", minute)] += 1
            used = self._windows[("account", minute)]
            over = used > limits.account_per_minute
            headers = {"X-Rate-Limit": str(limits.account_per_minute),
                       "X-Rate-Limit-Remaining": str(max(limits.account_per_minute - used, 0)),
                       "ratelimit-limit": str(limits.account_per_minute),
                       "ratelimit-remaining": str(max(limits.account_per_minute - used, 0)),
                       "ratelimit-reset": str(resets)}
            if bucket:
                self._windows[(bucket, minute)] += 1
                inc = self._windows[(bucket, minute)]
                over = over or inc > limits.incremental_per_minute
                headers[f"Zendesk-RateLimit-{bucket}"] = (
                    f"total={limits.incremental_per_minute}; "
                    f"remaining={max(limits.incremental_per_minute - inc, 0)}; resets={resets}")
        return headers, over, resets

    def _user(self, request: Request) -> int | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return self.state.authenticate(value.strip(), None)
        basic = basic_credentials(header)
        return None if basic is None else self.state.authenticate(None, basic)

    def _handle(self, request: Request, raw: bytes
                ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        method, path = request.method, request.url.path
        base = f"{request.url.scheme}://{request.url.netloc}"
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return 400, {"error": "InvalidJSON"}, {}
        if method == "POST" and re.fullmatch(r"/oauth/tokens(?:\.json)?", path):
            try:
                return 200, self.state.issue_token(body), {}
            except ApiError as err:
                return err.status, err.body, err.headers
        bucket = "incremental-exports" if path.startswith("/api/v2/incremental/") else None
        headers, over, resets = self._rate_headers(bucket)
        if over:
            return 429, {"error": "TooManyRequests"}, {**headers, "Retry-After": str(resets)}
        user = self._user(request)
        for verb, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and verb == method:
                if user is None and handler != self._me:
                    return 401, {"error": "Couldn't authenticate you"}, headers
                try:
                    status, out = handler(request, base, body, user, **match.groupdict())
                except ApiError as err:
                    return err.status, err.body, {**headers, **err.headers}
                return status, out, headers
        return 404, {"error": "InvalidEndpoint", "description": "Not found"}, headers

    # -- handlers (request, base, body, user, **path params) -> (status, body) --------------
    @staticmethod
    def _int(request: Request, name: str, default: int, cap: int) -> int:
        try:
            value = int(request.query_params.get(name, default))
        except ValueError:
            raise ApiError(400, {"error": "InvalidValue", "description": name}) from None
        if not 1 <= value <= cap:
            raise ApiError(400, {"error": "InvalidPaginationParameter",
                                 "description": f"{name} must be between 1 and {cap}"})
        return value

    def _me(self, request: Request, base: str, body: Any, user: int | None) -> tuple[int, Any]:
        if user is None:
            return 200, {"user": ANONYMOUS}
        return 200, {"user": self.state.world.users[user]}

    def _users(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        roles = request.query_params.getlist("role[]") or (
            [request.query_params["role"]] if "role" in request.query_params else [])
        size = self._int(request, "page[size]", 100, 100)
        return 200, self.state.list_users(roles, size, request.query_params.get("page[after]"))

    def _groups(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        # List Groups: at most 100 records a page (Zendesk Support API reference, ListGroups).
        size = self._int(request, "page[size]", 100, 100)
        exclude = request.query_params.get("exclude_deleted", "false").lower() == "true"
        return 200, self.state.list_groups(size, request.query_params.get("page[after]"),
                                           exclude_deleted=exclude)

    def _ticket_fields(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        # List Ticket Fields: cursor pagination, at most 100 records a page (Zendesk Support
        # API reference, ListTicketFields).
        size = self._int(request, "page[size]", 100, 100)
        return 200, self.state.list_ticket_fields(size, request.query_params.get("page[after]"))

    def _ticket_forms(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        # List Ticket Forms (zendesk-support-v2.yaml, ListTicketForms): no paging parameters, so
        # none is honoured; ``active`` is a boolean filter (``true``/``false``), anything else
        # is refused rather than guessed.
        active = request.query_params.get("active")
        if active is not None and active not in ("true", "false"):
            raise ApiError(400, {"error": "InvalidValue", "description": "active must be a boolean"})
        return 200, self.state.list_ticket_forms(base, None if active is None else active == "true")

    def _export(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        q = request.query_params
        if "cursor" not in q and "start_time" not in q:
            raise ApiError(400, {"error": "InvalidValue", "description": "start_time required"})
        include = set(filter(None, q.get("include", "").split(",")))
        return 200, self.state.export_tickets(
            base, start_time=int(q["start_time"]) if "cursor" not in q else None,
            cursor=q.get("cursor"), per_page=self._int(request, "per_page", 1000, 1000),
            include=include)

    def _events(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        q = request.query_params
        if "start_time" not in q:
            raise ApiError(400, {"error": "InvalidValue", "description": "start_time required"})
        return 200, self.state.ticket_events(
            base, start_time=int(q["start_time"]),
            per_page=self._int(request, "per_page", 1000, 1000),
            with_comments="comment_events" in q.get("include", ""))

    def _metrics(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        start = request.query_params.get("start_time")
        if start is None:
            raise ApiError(400, {"error": "InvalidValue", "description": "start_time required"})
        return 200, self.state.metric_events(base, start_time=int(start))

    def _ids(self, request: Request) -> list[int]:
        try:
            return [int(i) for i in request.query_params.get("ids", "").split(",") if i]
        except ValueError:
            raise ApiError(400, {"error": "InvalidValue", "description": "ids"}) from None

    def _show_many(self, request: Request, base: str, body: Any, user: int) -> tuple[int, Any]:
        tickets = self.state.show_many(self._ids(request))
        return 200, {"tickets": [self.state.ticket_view(t, base) for t in tickets]}

    def _update_many(self, request: Request, base: str, body: Any, user: int
                     ) -> tuple[int, Any]:
        ticket = body.get("ticket") if isinstance(body, dict) else None
        if not isinstance(ticket, dict):
            raise ApiError(400, {"error": "InvalidValue", "description": "ticket required"})
        job = self.state.update_many(self._ids(request), ticket, user)
        return 200, {"job_status": {"id": job.id, "url": f"{base}/api/v2/job_statuses/{job.id}"
                                    ".json", "total": job.total, "progress": None,
                                    "status": "queued", "message": None, "results": None}}

    def _job(self, request: Request, base: str, body: Any, user: int, id: str
             ) -> tuple[int, Any]:
        return 200, self.state.job_view(id, base)

    def _audits(self, request: Request, base: str, body: Any, user: int, id: str
                ) -> tuple[int, Any]:
        size = self._int(request, "page[size]", 100, 100)
        return 200, self.state.audits(int(id), size, request.query_params.get("page[after]"))

    def _get_ticket(self, request: Request, base: str, body: Any, user: int, id: str
                    ) -> tuple[int, Any]:
        return 200, {"ticket": self.state.ticket_view(self.state.get_ticket(int(id)), base)}

    def _put_ticket(self, request: Request, base: str, body: Any, user: int, id: str
                    ) -> tuple[int, Any]:
        ticket = body.get("ticket") if isinstance(body, dict) else None
        if not isinstance(ticket, dict):
            raise ApiError(400, {"error": "InvalidValue", "description": "ticket required"})
        out = self.state.update_ticket(int(id), ticket, user)
        return 200, {"ticket": self.state.ticket_view(out["ticket"], base), "audit": out["audit"]}

    def _tags_add(self, request: Request, base: str, body: Any, user: int, id: str
                  ) -> tuple[int, Any]:
        return 200, {"tags": self.state.change_tags(int(id), body, user, "add")}

    def _tags_set(self, request: Request, base: str, body: Any, user: int, id: str
                  ) -> tuple[int, Any]:
        return 201, {"tags": self.state.change_tags(int(id), body, user, "set")}

    def _tags_remove(self, request: Request, base: str, body: Any, user: int, id: str
                     ) -> tuple[int, Any]:
        self.state.change_tags(int(id), body, user, "remove")
        return 204, None

    # -- admin ----------------------------------------------------------------------------
    async def _admin(self, request: Request) -> Response:
        path, method = request.url.path, request.method
        if path == "/__admin/faults" and method == "POST":
            data = await request.json()
            try:
                fault = Fault(**data)
            except TypeError as exc:
                return JSONResponse({"error": str(exc)}, 400)
            self.inject(fault)
            return JSONResponse(asdict(fault), 201)
        if path == "/__admin/faults" and method == "DELETE":
            self.clear_faults()
            return Response(status_code=204)
        if path == "/__admin/calls" and method == "GET":
            return JSONResponse(self.calls_view())
        if path == "/__admin/writes" and method == "GET":
            return JSONResponse(self.writes_view())
        if path == "/__admin/calls" and method == "DELETE":
            self.reset_calls()
            return Response(status_code=204)
        if path == "/__admin/clock" and method == "POST":
            data = await request.json()
            self.state.clock.advance(float(data.get("advance", 0)))
            return JSONResponse({"now": math.floor(self.state.clock.now())})
        return JSONResponse({"error": "unknown admin endpoint"}, 404)
