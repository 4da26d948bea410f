"""The sandbox's HTTP API: a Jira Cloud (``/rest/api/3``) or Data Center (``/rest/api/2``) subset.

Around the routes, :class:`Gate` (pure ASGI) enforces auth and a token-bucket rate limit (429 +
``Retry-After``), injects faults (5xx, dropped connections, slow answers), counts calls per
endpoint and records requests for conformance tests. ``/_sandbox/*`` is the admin API.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connector.platforms.jira.client import endpoint_of
from devtools.sandboxes.common.auth import basic_credentials
from devtools.sandboxes.common.traffic import Fault, Traffic, dropping
from devtools.sandboxes.common.values import is_calendar_date
from devtools.sandboxes.jira.model import BOT, EDITABLE_FIELDS, SandboxIssue
from devtools.sandboxes.jira.store import JqlError, SandboxStore

SEARCH_REMOVED = {
    "errorMessages": [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
        "A full migration guideline is available at "
        "https://developer.atlassian.com/changelog/#CHANGE-2046"
    ],
    "errors": {},
}
DC_WINDOW = 10_000
#: POST endpoints that only read (searches and bulk fetches): not counted as writes.
READ_POSTS = ("search", "bulkfetch")
_ISSUE_IN_PATH = re.compile(r"/issue/(?!bulkfetch)([^/]+)")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    body: bytes
    content_type: str | None


@dataclass
class SandboxState(Traffic):
    """Everything the gate and routes share; tests drive it through the Python API."""

    store: SandboxStore
    mode: str
    email: str
    token: str
    rate_per_second: float | None = None
    burst: int = 50
    record: bool = True
    #: Agent log-ins (Cloud e-mail / DC user name -> account id) accepted with ``agent_token``
    #: over Basic auth: the demo's team lead writes as a real agent through the normal API.
    agents: dict[str, str] = field(default_factory=dict)
    agent_token: str | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    _tokens: float = 0.0
    _last: float = field(default_factory=time.monotonic)

    def reset_calls(self) -> None:
        super().reset_calls()
        with self._lock:
            self.requests.clear()

    def rate_limited(self) -> float | None:
        """Seconds to wait if the bucket is empty, else ``None`` (and a token is spent)."""
        if self.rate_per_second is None:
            return None
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_per_second)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return (1 - self._tokens) / self.rate_per_second

    def authorized(self, header: str | None) -> bool:
        return self.account_for(header) is not None

    def account_for(self, header: str | None) -> str | None:
        """The account behind an ``Authorization`` header: our bot, an agent, or None."""
        if self.mode == "cloud":
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            if header == f"Basic {expected}":
                return BOT
        elif header == f"Bearer {self.token}":
            return BOT
        credentials = basic_credentials(header)
        if self.agent_token is None or credentials is None:
            return None
        login, password = credentials
        return self.agents.get(login) if password == self.agent_token else None


def _err(status: int, *messages: str, **errors: str) -> JSONResponse:
    return JSONResponse({"errorMessages": list(messages), "errors": errors}, status_code=status)


#: Jira's refusal of a field missing from the issue's Edit screen, in the ErrorCollection shape
#: (jira-platform-v3.json: Edit issue 400 "not associated with the issue's edit screen";
#: message and body as recorded in bitbucket.org/apdc/the-scheduler/issues/339).
OFF_SCREEN = "Field '{0}' cannot be set. It is not on the appropriate screen, or unknown."
#: Property values: "a valid, non-empty JSON blob. The maximum length is 32768 characters."
#: (jira-platform-v3.json: Set issue property).
PROPERTY_MAX = 32768
#: Jira Cloud's per-issue comment limit; adding one more answers 413 (jira-platform-v3.json:
#: Add comment 413; the figure from Atlassian's announced issue limits, as summarised at
#: actonic.de "Understanding Atlassian Jira Cloud issue limits").
COMMENTS_PER_ISSUE = 5000
#: ADF node and mark types (developer.atlassian.com/cloud/jira/platform/apis/document/structure:
#: the node and mark lists).
ADF_NODES = frozenset({
    "blockquote", "bulletList", "codeBlock", "date", "emoji", "expand", "hardBreak", "heading",
    "inlineCard", "listItem", "media", "mediaGroup", "mediaInline", "mediaSingle", "mention",
    "nestedExpand", "orderedList", "panel", "paragraph", "rule", "status", "table", "tableCell",
    "tableHeader", "tableRow", "text",
})
ADF_MARKS = frozenset({
    "alignment", "backgroundColor", "border", "code", "em", "indentation", "link", "strike",
    "strong", "subsup", "textColor", "underline",
})


def _adf_node_ok(node: Any) -> bool:
    if not isinstance(node, dict) or node.get("type") not in ADF_NODES:
        return False
    if node["type"] == "text":
        text = node.get("text")
        if not isinstance(text, str) or not text:  # text_node: text minLength 1
            return False
    marks = node.get("marks", [])
    if not isinstance(marks, list) or any(
        not isinstance(m, dict) or m.get("type") not in ADF_MARKS for m in marks
    ):
        return False
    content = node.get("content", [])
    return isinstance(content, list) and all(_adf_node_ok(child) for child in content)


def valid_adf_document(body: Any) -> bool:
    """The ADF JSON schema's ``doc_node``: exactly ``version`` 1, ``type`` "doc" and a
    ``content`` array (additionalProperties false), every node and mark of a known type."""
    return (
        isinstance(body, dict)
        and set(body) == {"version", "type", "content"}
        and body["version"] == 1
        and body["type"] == "doc"
        and isinstance(body["content"], list)
        and all(_adf_node_ok(node) for node in body["content"])
    )


def _comment_body_error(mode: str, body: dict[str, Any]) -> JSONResponse | None:
    """v3 (Cloud) takes comment bodies in ADF only."""
    if "body" not in body:
        return _err(400, body="Comment body can not be empty!")
    if mode != "cloud":
        return None
    if not isinstance(body["body"], dict):
        # A wiki/plain string on v3 (pchuri/jira-cli#38: {"errors":{"comment":"Comment body
        # is not valid!"}}).
        return _err(400, comment="Comment body is not valid!")
    if not valid_adf_document(body["body"]):
        # A document the ADF schema rejects (RHEcosystemAppEng/sdlc-plugins#206 on add comment,
        # nguyenvanduocit/jira-mcp#42: {"errorMessages":["INVALID_INPUT"],"errors":{}}).
        return _err(400, "INVALID_INPUT")
    return None


def _property_error(value: Any) -> JSONResponse | None:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value in (None, {}, [], "") or len(text) > PROPERTY_MAX:
        return _err(400, f"The property value must be a non-empty JSON value of at most "
                         f"{PROPERTY_MAX} characters.")
    return None


class Gate:
    """ASGI middleware: admin API, counting, recording, auth, rate limit and faults."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        name = endpoint_of(scope["method"], path)
        state = self.state
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        state.count_call(name)
        if state.record:
            with state._lock:
                state.requests.append(
                    RecordedRequest(
                        scope["method"], path, scope["query_string"].decode(), body,
                        headers.get("content-type"),
                    )
                )

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        account = state.account_for(headers.get("authorization"))
        if account is None:
            await _err(401, "Client must be authenticated to access this resource.")(
                scope, replay, send
            )
            return
        scope.setdefault("state", {})["account"] = account
        lost = send  # a request dropped before it is processed is not a write
        if scope["method"] != "GET" and not any(word in path for word in READ_POSTS):
            send = _recording(send, state, scope["method"], name, path, account)
        wait = state.rate_limited()
        if wait is not None:
            response = _err(429, "Rate limit exceeded.")
            response.headers["Retry-After"] = str(math.ceil(wait))
            await response(scope, replay, send)
            return
        fault = state.take_fault(scope["method"], path, name)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault is not None and fault.kind == "status":
            response = _err(fault.status, f"Injected fault {fault.status}")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = fault.retry_after
            await response(scope, replay, send)
            return
        if fault is not None and fault.kind == "drop" and not fault.after_write:
            await _err(200)(scope, replay, dropping(lost))
            return
        if fault is not None and fault.kind == "drop":
            await self.app(scope, replay, dropping(send))
            return
        await self.app(scope, replay, send)


def _recording(send: Send, state: SandboxState, method: str, name: str, path: str,
               account: str) -> Send:
    """Log a write request with its answer's status once the answer starts."""
    found = _ISSUE_IN_PATH.search(path)
    entry: dict[str, Any] = {"method": method, "endpoint": name,
                             "issue": found.group(1) if found else None, "account": account}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            state.log_write({**entry, "status": message["status"]})
        await send(message)

    return wrapped


# -- routes ------------------------------------------------------------------------------------


def _base(request: Request) -> str:
    """The site address as the client called it (``self`` links are built on it)."""
    return str(request.base_url).rstrip("/")


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _account(request: Request) -> str:
    """Who is calling (set by the gate): our bot or a logged-in agent."""
    return str(getattr(request.state, "account", BOT))


def _issue(request: Request) -> SandboxIssue | None:
    return _state(request).store.get(request.path_params["key"])


def _not_found() -> JSONResponse:
    return _err(404, "Issue does not exist or you do not have permission to see it.")


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _split(values: list[str]) -> list[str]:
    return [v for item in values for v in item.split(",") if v]


async def server_info(request: Request) -> JSONResponse:
    cloud = _state(request).mode == "cloud"
    return JSONResponse(
        {
            "baseUrl": str(request.base_url).rstrip("/"),
            "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.15",
            "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 15],
            "deploymentType": "Cloud" if cloud else "Server",
            "serverTitle": "ISO 10002 sandbox",
        }
    )


async def fields(request: Request) -> JSONResponse:
    return JSONResponse(_state(request).store.field_definitions)


async def myself(request: Request) -> JSONResponse:
    account = _account(request)
    state = _state(request)
    me = state.store.person(account)
    if account == BOT and state.mode != "cloud":
        me = {"key": BOT, "name": BOT, "displayName": "ISO bot", "active": True}
    return JSONResponse(me)


def _page_token(jql: str, offset: int) -> str:
    digest = hashlib.sha256(jql.encode()).hexdigest()[:12]
    return base64.urlsafe_b64encode(f"{offset}:{digest}".encode()).decode()


def _read_token(jql: str, token: str | None) -> int | None:
    if not token:
        return 0
    try:
        offset, digest = base64.urlsafe_b64decode(token.encode()).decode().split(":")
    except ValueError:
        return None
    return int(offset) if digest == hashlib.sha256(jql.encode()).hexdigest()[:12] else None


async def search_jql(request: Request) -> JSONResponse:
    state = _state(request)
    if request.method == "POST":
        body = await _json(request)
        allowed = {"jql", "nextPageToken", "maxResults", "fields", "expand", "properties",
                   "fieldsByKeys", "failFast", "reconcileIssues"}
        if set(body) - allowed:
            return _err(400, f"Unrecognized field(s): {sorted(set(body) - allowed)}")
        jql, token = str(body.get("jql") or ""), body.get("nextPageToken")
        wanted = list(body.get("fields") or ["id"])
        props, expand = list(body.get("properties") or []), str(body.get("expand") or "")
        size = int(body.get("maxResults") or 50)
    else:
        q = request.query_params
        jql, token = q.get("jql", ""), q.get("nextPageToken")
        wanted = _split(q.getlist("fields")) or ["id"]
        props, expand = _split(q.getlist("properties")), q.get("expand", "")
        size = int(q.get("maxResults", "50"))
    if len(props) > 5:
        return _err(400, "A maximum of 5 properties can be requested.")
    offset = _read_token(jql, token)
    if offset is None:
        return _err(400, "The nextPageToken is invalid or does not match the query.")
    cap = 5000 if set(wanted) <= {"id", "key"} else 100  # Cloud returns fewer when heavy
    size = max(1, min(size, cap))
    try:
        found = state.store.search(jql)
    except JqlError as exc:
        return _err(400, str(exc))
    page = found[offset : offset + size]
    out: dict[str, Any] = {
        "issues": [
            state.store.render(i, wanted, props, changelog="changelog" in expand, base=_base(request))
            for i in page
        ]
    }
    if offset + size < len(found):
        out["nextPageToken"] = _page_token(jql, offset + size)
        out["isLast"] = False
    else:
        out["isLast"] = True
    return JSONResponse(out)


async def search_dc(request: Request) -> JSONResponse:
    state = _state(request)
    if state.mode == "cloud":
        return JSONResponse(SEARCH_REMOVED, status_code=410)
    q = request.query_params
    start, size = int(q.get("startAt", "0")), min(int(q.get("maxResults", "50")), 1000)
    if start + size > DC_WINDOW:
        return _err(
            400,
            f"Search limit exceeded: startAt + maxResults must not exceed {DC_WINDOW} "
            "(max_result_window). Narrow the query.",
        )
    try:
        found = state.store.search(q.get("jql", ""))
    except JqlError as exc:
        if q.get("validateQuery") == "warn":
            found = []
        else:
            return _err(400, str(exc))
    wanted = _split(q.getlist("fields")) or ["*navigable"]
    props = _split(q.getlist("properties"))
    changelog = "changelog" in q.get("expand", "")
    page = found[start : start + size]
    return JSONResponse(
        {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": [state.store.render(i, wanted, props, changelog=changelog, base=_base(request))
                       for i in page],
        }
    )


async def changelog_bulkfetch(request: Request) -> JSONResponse:
    state = _state(request)
    body = await _json(request)
    ids = [str(i) for i in body.get("issueIdsOrKeys") or []]
    field_ids = set(body.get("fieldIds") or [])
    if not ids or len(ids) > 1000:
        return _err(400, "issueIdsOrKeys must contain between 1 and 1000 items.")
    if len(field_ids) > 10:
        return _err(400, "fieldIds must contain at most 10 items.")
    size = max(1, min(int(body.get("maxResults") or 1000), 10000))
    key = json.dumps([ids, sorted(field_ids)])
    offset = _read_token(key, body.get("nextPageToken"))
    if offset is None:
        return _err(400, "The nextPageToken is invalid.")
    entries: list[tuple[str, int, dict[str, Any]]] = []
    for ident in ids:
        issue = state.store.get(ident)
        if issue is None:
            continue
        for history in issue.histories:
            items = [i for i in history["items"] if not field_ids or i.get("fieldId") in field_ids]
            if items:
                entries.append((history["created"], int(issue.id), {**history, "items": items}))
    entries.sort(key=lambda e: (e[0], e[1]))
    page = entries[offset : offset + size]
    grouped: dict[int, list[dict[str, Any]]] = {}
    for _, issue_id, history in page:
        grouped.setdefault(issue_id, []).append(history)
    out: dict[str, Any] = {
        "issueChangeLogs": [{"issueId": str(i), "changeHistories": h} for i, h in grouped.items()]
    }
    if offset + size < len(entries):
        out["nextPageToken"] = _page_token(key, offset + size)
    return JSONResponse(out)


async def issue_bulkfetch(request: Request) -> JSONResponse:
    state = _state(request)
    body = await _json(request)
    ids = [str(i) for i in body.get("issueIdsOrKeys") or []]
    if not ids or len(ids) > 100:
        return _err(400, "issueIdsOrKeys must contain between 1 and 100 items.")
    issues, errors = [], []
    for ident in ids:
        issue = state.store.get(ident)
        if issue is None:
            errors.append({"id": ident, "errorMessages": ["Issue does not exist"]})
        else:
            issues.append(
                state.store.render(issue, body.get("fields") or [], body.get("properties") or [],
                                   base=_base(request))
            )
    return JSONResponse({"issues": issues, "issueErrors": errors})


async def issue_get(request: Request) -> Response:
    issue = _issue(request)
    if issue is None:
        return _not_found()
    state = _state(request)
    q = request.query_params
    wanted = _split(q.getlist("fields")) or ["*all"]
    return JSONResponse(
        state.store.render(issue, wanted, _split(q.getlist("properties")),
                           changelog="changelog" in q.get("expand", ""), base=_base(request))
    )


async def issue_edit(request: Request) -> Response:
    issue = _issue(request)
    if issue is None:
        return _not_found()
    body = await _json(request)
    if set(body) - {"fields", "update", "properties", "historyMetadata", "transition"}:
        return _err(400, "Unrecognized fields in the edit body.")
    if "labels" in (body.get("fields") or {}) and "labels" in (body.get("update") or {}):
        return _err(400, labels="Field labels cannot be set in both fields and update")
    for op in (body.get("update") or {}).get("labels") or []:
        for value in op.values():
            if " " in str(value):
                return _err(400, labels=f"The label '{value}' contains spaces which is invalid.")
    store = _state(request).store
    refused = store.refused_fields(issue, [*(body.get("fields") or {}), *(body.get("update") or {})])
    if refused:
        # Nothing of the edit is applied, properties included.
        return _err(400, **{name: OFF_SCREEN.format(name) for name in refused})
    for name, value in (body.get("fields") or {}).items():
        if (error := _field_error(store, name, value)) is not None:
            return error
    for prop in body.get("properties") or []:
        if (error := _property_error(prop.get("value"))) is not None:
            return error
    store.edit(issue, body, _account(request))
    return Response(status_code=204)


def _field_error(store: SandboxStore, name: str, value: Any) -> JSONResponse | None:
    """``fields`` values: only editable fields; a date picker takes ``YYYY-MM-DD`` or null
    (Atlassian "JIRA REST API examples", Creating an issue: DatePickerField
    ``"2011-10-03"``; DateTimeField is the one with a time). The real refusal text for a bad
    date is not confirmed: the sandbox refuses with 400 on the field, which is at least as
    strict."""
    definition = next((d for d in store.field_definitions if d["id"] == name), None)
    editable = {d["id"] for d in EDITABLE_FIELDS}
    if definition is None or name not in editable:
        return _err(400, **{name: OFF_SCREEN.format(name)})
    if definition["schema"].get("type") == "date" and value is not None and not is_calendar_date(value):
        return _err(400, **{name: f"Error parsing date string: {value}"})
    return None


async def issue_editmeta(request: Request) -> Response:
    """Fields of the issue's Edit screen (jira-platform-v3.json: Get edit issue metadata)."""
    issue = _issue(request)
    if issue is None:
        return _not_found()
    out: dict[str, Any] = {}
    for definition in _state(request).store.edit_screen_fields(issue):
        operations = ["add", "set", "remove"] if definition["id"] == "labels" else ["set"]
        out[definition["id"]] = {
            "required": definition["id"] == "summary",
            "schema": definition["schema"],
            "name": definition["name"],
            "key": definition["id"],
            "operations": operations,
        }
    return JSONResponse({"fields": out})


async def comments(request: Request) -> Response:
    issue = _issue(request)
    if issue is None:
        return _not_found()
    state = _state(request)
    if request.method == "POST":
        body = await _json(request)
        if (error := _comment_body_error(state.mode, body)) is not None:
            return error
        if len(issue.comments) >= COMMENTS_PER_ISSUE:
            return _err(413, f"This issue has reached the limit of {COMMENTS_PER_ISSUE} comments.")
        comment = state.store.add_comment(issue, body, _account(request))
        return JSONResponse(state.store.render_comment(comment), status_code=201)
    q = request.query_params
    start, size = int(q.get("startAt", "0")), min(int(q.get("maxResults", "100")), 100)
    with_properties = "properties" in _split(q.getlist("expand"))
    ordered = list(issue.comments)
    if q.get("orderBy", "created").startswith("-"):
        ordered.reverse()
    page = ordered[start : start + size]
    return JSONResponse(
        {
            "comments": [state.store.render_comment(c, properties=with_properties) for c in page],
            "startAt": start,
            "maxResults": size,
            "total": len(ordered),
        }
    )


async def comment_update(request: Request) -> Response:
    issue = _issue(request)
    if issue is None:
        return _not_found()
    state = _state(request)
    body = await _json(request)
    if (error := _comment_body_error(state.mode, body)) is not None:
        return error
    comment = state.store.update_comment(issue, request.path_params["cid"], body, _account(request))
    if comment is None:
        return _err(404, f"Can not find a comment for the id: {request.path_params['cid']}.")
    return JSONResponse(state.store.render_comment(comment))


async def issue_property(request: Request) -> Response:
    issue = _issue(request)
    if issue is None:
        return _not_found()
    prop = request.path_params["prop"]
    if request.method == "PUT":
        existed = prop in issue.properties
        try:
            value = await request.json()
        except ValueError:
            return _err(400, "The property value must be valid JSON.")
        if (error := _property_error(value)) is not None:
            return error
        issue.properties[prop] = value
        return Response(status_code=200 if existed else 201)
    if prop not in issue.properties:
        return _err(404, f"The property with key '{prop}' does not exist.")
    return JSONResponse({"key": prop, "value": issue.properties[prop]})


async def admin_faults(request: Request) -> JSONResponse:
    state = _state(request)
    if request.method == "POST":
        state.inject(Fault(**await request.json()))
    return JSONResponse([asdict(f) for f in state.faults])


async def admin_stats(request: Request) -> JSONResponse:
    state = _state(request)
    if request.method == "DELETE":
        state.reset_calls()
    return JSONResponse(state.calls_view())


async def admin_writes(request: Request) -> JSONResponse:
    return JSONResponse(_state(request).writes_view())


def build_app(state: SandboxState) -> ASGIApp:
    """The sandbox ASGI app for ``state`` (Cloud or Data Center by ``state.mode``)."""
    v = "3" if state.mode == "cloud" else "2"
    api = f"/rest/api/{v}"
    routes = [
        Route("/rest/api/2/serverInfo", server_info),
        Route(f"{api}/serverInfo", server_info),
        Route(f"{api}/field", fields),
        Route(f"{api}/myself", myself),
        Route(f"{api}/search", search_dc, methods=["GET", "POST"]),
        Route(f"{api}/issue/{{key}}", issue_get, methods=["GET"]),
        Route(f"{api}/issue/{{key}}", issue_edit, methods=["PUT"]),
        Route(f"{api}/issue/{{key}}/editmeta", issue_editmeta, methods=["GET"]),
        Route(f"{api}/issue/{{key}}/comment", comments, methods=["GET", "POST"]),
        Route(f"{api}/issue/{{key}}/comment/{{cid}}", comment_update, methods=["PUT"]),
        Route(f"{api}/issue/{{key}}/properties/{{prop}}", issue_property, methods=["GET", "PUT"]),
        Route("/_sandbox/faults", admin_faults, methods=["GET", "POST"]),
        Route("/_sandbox/stats", admin_stats, methods=["GET", "DELETE"]),
        Route("/_sandbox/writes", admin_writes, methods=["GET"]),
    ]
    if state.mode == "cloud":
        # Before the generic issue routes, so "bulkfetch" is not taken for an issue key.
        routes[4:4] = [
            Route(f"{api}/search/jql", search_jql, methods=["GET", "POST"]),
            Route(f"{api}/changelog/bulkfetch", changelog_bulkfetch, methods=["POST"]),
            Route(f"{api}/issue/bulkfetch", issue_bulkfetch, methods=["POST"]),
        ]
    app = Starlette(routes=routes)
    app.state.sandbox = state
    return Gate(app, state)
