"""The sandbox's in-memory Jira: issues, a tiny JQL evaluator, and Jira-like mutations."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from connector.platforms.jira.notes import body_text
from devtools.sandboxes.jira.model import (
    BOT,
    EDITABLE_FIELDS,
    FIELD_DEFINITIONS,
    SandboxIssue,
    adf,
    jira_time,
    user,
)

#: Embedded collections are cut like the real services do (Cloud search: 20 comments, 40
#: histories; Data Center: more, but still bounded).
EMBED_LIMITS = {"cloud": (20, 40), "datacenter": (50, 100)}


class JqlError(ValueError):
    """The sandbox does not understand the query (the real Jira answers 400 too)."""


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    in_quote = False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
        elif not in_quote and ch == ")":
            depth -= 1
        elif not in_quote and depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


_IN = re.compile(r"^(\w+) in \((.*)\)$", re.DOTALL)
_UPDATED = re.compile(r"^updated >= (\d+)$")
_CATEGORY_NOT = re.compile(r'^statusCategory != ("?[\w ]+"?)$', re.IGNORECASE)
_CF_NOT_EMPTY = re.compile(r"^cf\[(\d+)\] is not EMPTY$", re.IGNORECASE)
_CF_ORDER = re.compile(r"^cf\[(\d+)\](?:\s+(ASC|DESC))?$", re.IGNORECASE)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')

Predicate = Callable[[SandboxIssue], bool]


def _values(text: str) -> set[str]:
    return {v.replace('\\"', '"').replace("\\\\", "\\").lower() for v in _QUOTED.findall(text)}


def _updated_ms(issue: SandboxIssue) -> int:
    return int(datetime.fromisoformat(issue.fields["updated"]).timestamp() * 1000)


def _clause(text: str) -> Predicate:
    if text.startswith("(") and text.endswith(")"):
        options = [_clause(p) for p in _split_top(text[1:-1], " OR ")]
        return lambda issue: any(p(issue) for p in options)
    if m := _CATEGORY_NOT.match(text):
        category = m.group(1).strip('"').lower()
        return lambda issue: category not in {
            str(issue.fields["status"]["statusCategory"].get(k, "")).lower() for k in ("key", "name")}
    if m := _CF_NOT_EMPTY.match(text):
        name = f"customfield_{m.group(1)}"
        return lambda issue: issue.fields.get(name) not in (None, "", [])
    if m := _UPDATED.match(text):
        bound = int(m.group(1))
        return lambda issue: _updated_ms(issue) >= bound
    if m := _IN.match(text):
        field, wanted = m.group(1), _values(m.group(2))
        getters: dict[str, Callable[[SandboxIssue], Iterable[str]]] = {
            "project": lambda i: [i.fields["project"]["key"]],
            "issuetype": lambda i: [i.fields["issuetype"]["name"]],
            "labels": lambda i: i.fields.get("labels") or [],
            "key": lambda i: [i.key],
        }
        if field not in getters:
            raise JqlError(f"Field '{field}' is not supported by the sandbox")
        get = getters[field]
        return lambda issue: any(v.lower() in wanted for v in get(issue))
    raise JqlError(f"Error in the JQL Query: cannot parse '{text}'")



def order_field(jql: str) -> tuple[str, bool] | None:
    """``ORDER BY cf[N] [ASC|DESC][, ...]``: the custom field and descending? (else None: the
    sandbox's fixed ``updated, key`` order). Only a first ``cf[N]`` term is understood."""
    parts = re.split(r"\s+ORDER BY\s+", jql, flags=re.IGNORECASE)
    if len(parts) < 2:
        return None
    first = parts[1].split(",")[0].strip()
    if m := _CF_ORDER.match(first):
        return f"customfield_{m.group(1)}", (m.group(2) or "ASC").upper() == "DESC"
    return None


def compile_jql(jql: str) -> Predicate:
    """``a AND b AND (c OR d) ORDER BY updated ASC, key ASC`` -> predicate (order is fixed)."""
    where = re.split(r"\s+ORDER BY\s+", jql, flags=re.IGNORECASE)[0].strip()
    if not where:
        raise JqlError("Unbounded JQL queries are not allowed here")
    predicates = [_clause(p) for p in _split_top(where, " AND ")]
    return lambda issue: all(p(issue) for p in predicates)


class SandboxStore:
    """Thread-safe issue store. ``mode`` decides body formats and embed limits."""

    def __init__(
        self,
        issues: list[SandboxIssue],
        *,
        mode: str,
        clock: Callable[[], datetime] | None = None,
        people: dict[str, dict[str, Any]] | None = None,
        custom_fields: dict[str, str] | None = None,
        legacy_changelog: bool = False,
    ) -> None:
        self.mode = mode
        #: ``GET /field``: every field the issues use, as Jira lists every field of the site.
        known = {d["id"] for d in FIELD_DEFINITIONS}
        self.field_definitions = [*FIELD_DEFINITIONS, *(
            {"id": fid, "name": name, "custom": True, "schema": {"type": "string"}}
            for fid, name in sorted((custom_fields or {}).items()) if fid not in known)]
        #: Older Data Center: no history ``id``, no item ``fieldId`` (only the display name in
        #: ``field``). Neither is required by the ``Changelog`` / ``ChangeDetails`` schemas of
        #: jira-platform-v3.json; go-jira's recorded sprint page
        #: (mocks/issues_in_sprint_with_changelog.json) has a history without id and items
        #: without fieldId.
        self.legacy_changelog = legacy_changelog
        self.issues = {i.key: i for i in issues}
        self.by_id = {i.id: i for i in issues}
        #: User objects by account id (realistic data); others are made up from the id.
        self.people = people or {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._next_comment = 9_000_000
        # Search results by JQL, valid while nothing was written (``_version`` unchanged):
        # a sync pages through one query, and re-filtering 100,000 issues per page is slow.
        self._version = 0
        self._search_cache: tuple[str, int, list[SandboxIssue]] | None = None
        #: Per project key, the fields its Edit screen lacks (any project may leave e.g. Labels
        #: off: Jira then refuses an edit setting them; see ``app.issue_edit``).
        self.off_edit_screen: dict[str, set[str]] = {}

    def person(self, account_id: str) -> dict[str, Any]:
        """The user object Jira embeds for ``account_id`` (author, updateAuthor)."""
        return self.people.get(account_id) or user(account_id)

    # -- reading ----------------------------------------------------------------------------

    def get(self, key_or_id: str) -> SandboxIssue | None:
        return self.issues.get(key_or_id) or self.by_id.get(key_or_id)

    def search(self, jql: str) -> list[SandboxIssue]:
        match = compile_jql(jql)
        with self._lock:
            cached = self._search_cache
            if cached is not None and cached[0] == jql and cached[1] == self._version:
                return cached[2]
            found = sorted((i for i in self.issues.values() if match(i)),
                           key=lambda i: (_updated_ms(i), int(i.key.rsplit("-", 1)[1])))
            if (order := order_field(jql)) is not None:
                # Stable sort on the field; where Jira puts EMPTY is not confirmed, so the
                # sandbox refuses to guess: order by a field only with "is not EMPTY" on it.
                name, descending = order
                if any(not i.fields.get(name) for i in found):
                    raise JqlError(f"ORDER BY {name} needs 'cf[...] is not EMPTY' in the sandbox")
                found = sorted(found, key=lambda i: str(i.fields[name]), reverse=descending)
            self._search_cache = (jql, self._version, found)
            return found

    def body(self, body: Any) -> Any:
        """A stored body in this mode's format: ADF (Cloud v3) or a wiki string (DC v2)."""
        if self.mode == "cloud":
            return body if isinstance(body, dict) else adf(str(body))
        return body if isinstance(body, str) else body_text(body)

    def render_comment(self, comment: dict[str, Any], *, properties: bool = False) -> dict[str, Any]:
        """A comment as the REST API sends it. Properties only on request (``expand=properties``:
        Cloud spec, Get comments by IDs; per-issue list reported on Server/DC, pycontribs/jira
        #1011); search never embeds them (platform-jira.md 3.1)."""
        out = {k: v for k, v in comment.items() if k != "properties"}
        out["body"] = self.body(comment["body"])
        if self.mode != "cloud":
            out.pop("jsdPublic", None)  # Data Center has no jsdPublic (pycontribs/jira #1011)
        if properties:
            out["properties"] = list(comment.get("properties") or [])
        return out

    def render(
        self,
        issue: SandboxIssue,
        fields: Iterable[str],
        properties: Iterable[str] = (),
        *,
        changelog: bool = False,
        base: str = "",
    ) -> dict[str, Any]:
        """An issue as search returns it: only the requested fields, truncated embeds.
        ``base`` is the site's address the request came to (for the issue's ``self``)."""
        max_comments, max_histories = EMBED_LIMITS[self.mode]
        wanted = list(fields)
        everything = "*all" in wanted or "*navigable" in wanted
        out_fields: dict[str, Any] = {}
        for name in issue.fields if everything else wanted:
            if name == "comment":
                shown = issue.comments[:max_comments]
                out_fields["comment"] = {
                    "comments": [self.render_comment(c) for c in shown],
                    "maxResults": len(shown),
                    "total": len(issue.comments),
                    "startAt": 0,
                }
            elif name in issue.fields:
                value = issue.fields[name]
                out_fields[name] = self.body(value) if name == "description" and value else value
        if everything and "comment" not in out_fields:
            out_fields["comment"] = {"comments": [], "total": len(issue.comments)}
        # IssueBean (jira-platform-v3.json): ``self`` is always sent, whatever ``fields`` asked
        # for (airbyte-source-jira/issues.json, a recorded Cloud search page, carries it).
        api = "3" if self.mode == "cloud" else "2"
        out: dict[str, Any] = {"id": issue.id, "self": f"{base}/rest/api/{api}/issue/{issue.id}",
                               "key": issue.key, "fields": out_fields}
        props = {p: issue.properties[p] for p in properties if p in issue.properties}
        if properties:
            out["properties"] = props
        if changelog:
            recent = issue.histories[-max_histories:]
            if self.legacy_changelog:
                recent = [self._legacy(h) for h in recent]
            out["changelog"] = {
                "startAt": 0,
                "maxResults": len(recent),
                "total": len(issue.histories),
                "histories": recent,
            }
        return out

    @staticmethod
    def _legacy(history: dict[str, Any]) -> dict[str, Any]:
        items = [{k: v for k, v in item.items() if k != "fieldId"} for item in history["items"]]
        return {**{k: v for k, v in history.items() if k != "id"}, "items": items}

    def edit_screen_fields(self, issue: SandboxIssue) -> list[dict[str, Any]]:
        """The editable field definitions on ``issue``'s Edit screen."""
        hidden = self.off_edit_screen.get(issue.fields["project"]["key"], set())
        return [f for f in EDITABLE_FIELDS if f["id"] not in hidden]

    def refused_fields(self, issue: SandboxIssue, names: Iterable[str]) -> list[str]:
        """Of ``names``, the fields this issue's Edit screen does not hold."""
        hidden = self.off_edit_screen.get(issue.fields["project"]["key"], set())
        return sorted(n for n in set(names) if n in hidden)

    # -- writing ----------------------------------------------------------------------------

    def _touch(self, issue: SandboxIssue) -> str:
        now = jira_time(self._clock())
        issue.fields["updated"] = now
        self._version += 1
        return now

    def add_comment(self, issue: SandboxIssue, payload: dict[str, Any], author: str) -> dict[str, Any]:
        with self._lock:
            self._next_comment += 1
            now = self._touch(issue)
            internal = any(
                p.get("key") == "sd.public.comment" and (p.get("value") or {}).get("internal")
                for p in payload.get("properties") or []
            )
            comment = {
                "id": str(self._next_comment),
                "author": self.person(author),
                "updateAuthor": self.person(author),
                "body": payload["body"],
                "created": now,
                "updated": now,
                # Comment schema (jira-platform-v3.json, Comment.jsdPublic): "Defaults to true when
                # comments are created in the Jira Cloud Platform", also where JSM is absent, and a
                # role/group ``visibility`` does not change it. Only JSM's internal flag (the
                # sd.public.comment property, platform-jira.md 3.3) turns it false
                # (pycontribs/jira #1011: False for internal comments on Cloud).
                "jsdPublic": not internal,
                "properties": list(payload.get("properties") or []),
            }
            if "visibility" in payload:
                comment["visibility"] = payload["visibility"]
            issue.comments.append(comment)
            return comment

    def update_comment(
        self, issue: SandboxIssue, comment_id: str, payload: dict[str, Any], author: str
    ) -> dict[str, Any] | None:
        with self._lock:
            for comment in issue.comments:
                if comment["id"] == comment_id:
                    comment["body"] = payload.get("body", comment["body"])
                    comment["updateAuthor"] = self.person(author)
                    comment["updated"] = self._touch(issue)
                    if "properties" in payload:
                        comment["properties"] = list(payload["properties"])
                    if "visibility" in payload:
                        comment["visibility"] = payload["visibility"]
                    return comment
        return None

    def edit(self, issue: SandboxIssue, payload: dict[str, Any], author: str = BOT) -> None:
        """``update.labels`` add/remove operations, ``fields.labels`` replacement, properties."""
        with self._lock:
            labels = list(issue.fields.get("labels") or [])
            before = list(labels)
            if "labels" in (payload.get("fields") or {}):
                labels = list(payload["fields"]["labels"])
            for op in (payload.get("update") or {}).get("labels") or []:
                if "add" in op and op["add"] not in labels:
                    labels.append(op["add"])
                if "remove" in op and op["remove"] in labels:
                    labels.remove(op["remove"])
                if "set" in op:
                    labels = list(op["set"])
            for prop in payload.get("properties") or []:
                issue.properties[prop["key"]] = prop["value"]
            for name, value in (payload.get("fields") or {}).items():
                if name != "labels" and issue.fields.get(name) != value:
                    issue.fields[name] = value  # checked by app.issue_edit
                    self._touch(issue)
            if labels != before:
                issue.fields["labels"] = labels
                now = self._touch(issue)
                issue.histories.append(
                    {
                        "id": str(len(issue.histories) + 8_000_000 + int(issue.id) * 1000),
                        "author": self.person(author),
                        "created": now,
                        "items": [
                            {
                                "field": "labels",
                                "fieldtype": "jira",
                                "fieldId": "labels",
                                "from": None,
                                "fromString": " ".join(before),
                                "to": None,
                                "toString": " ".join(labels),
                            }
                        ],
                    }
                )
