"""What both sandboxes keep about the traffic they serve: injected faults, call counts per
endpoint and the log of write requests, behind one lock. The answers themselves (error bodies,
which writes a platform logs) stay with each sandbox: they follow that vendor's documents."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.types import Message, Send

FaultKind = Literal["status", "drop", "slow", "conflict"]


@dataclass
class Fault:
    """A fault for the next ``count`` requests matching all of: ``method`` (any when None),
    ``path`` (a regex searched in the request path) and ``match`` (a substring of the endpoint
    name, ``"METHOD /templated/path"``).

    ``status`` answers ``status`` (with ``Retry-After: retry_after`` when set); ``slow`` waits
    ``delay`` seconds first; ``drop`` cuts the answer mid-body, with ``after_write`` once the
    request was processed (the write landed but the client never hears so), else before;
    ``conflict`` has an agent edit the ticket just before the request (where a sandbox models it).
    """

    kind: FaultKind
    path: str = ""
    method: str | None = None
    match: str = ""
    count: int = 1
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.3
    after_write: bool = True

    def matches(self, method: str, path: str, endpoint: str) -> bool:
        return ((self.method is None or self.method == method) and self.match in endpoint
                and re.search(self.path, path) is not None)


@dataclass(kw_only=True, eq=False)
class Traffic:
    """Pending faults, calls per endpoint and write requests; tests read them from Python."""

    faults: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    #: Every write request as the sandbox describes it (endpoint, target, caller, answer status).
    writes: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_fault(self, method: str, path: str, endpoint: str) -> Fault | None:
        """The first pending fault for this request, spent once (dropped when used up)."""
        with self._lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(method, path, endpoint):
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def count_call(self, endpoint: str) -> None:
        with self._lock:
            self.calls[endpoint] += 1

    def log_write(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.writes.append(entry)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()
            self.writes.clear()

    def calls_view(self) -> dict[str, Any]:
        """The admin API's answer: calls per endpoint and their total."""
        with self._lock:
            return {"calls": dict(self.calls), "total": sum(self.calls.values())}

    def writes_view(self) -> dict[str, Any]:
        with self._lock:
            return {"writes": list(self.writes)}


def dropping(send: Send) -> Send:
    """Send an answer's start, then break the connection mid-body (a lost response): the
    declared length is never reached, so the server closes the socket."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", b"100000"))
            await send({**message, "headers": headers})
        elif message["type"] == "http.response.body":
            await send({"type": "http.response.body", "body": b"{", "more_body": False})

    return wrapped
