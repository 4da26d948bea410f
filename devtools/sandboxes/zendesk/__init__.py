"""A local Zendesk Support API for tests, benchmarks and ``make demo``.

Implements the subset the connector uses, faithfully: OAuth token endpoint, cursor ticket
export with side-loads and ``end_of_stream``, ticket and metric event exports, users (``role[]``),
tickets with comments/tags/``safe_update`` (409), tag endpoints, ``update_many`` + job statuses,
``/users/me`` (200 "Anonymous user" for bad credentials). Enforces auth, page sizes and rate
limits (429 + ``Retry-After``); faults (error statuses, dropped connections, slow responses, 409 races) are
switchable from Python (``server.app.inject``) or ``POST /__admin/faults``; API calls are counted
per endpoint (``server.app.calls`` or ``GET /__admin/calls``).
"""

from devtools.sandboxes.common.traffic import Fault
from devtools.sandboxes.zendesk.app import SandboxApp
from devtools.sandboxes.zendesk.server import SandboxServer
from devtools.sandboxes.zendesk.state import Clock, Credentials, Limits, SandboxState

__all__ = ["Clock", "Credentials", "Fault", "Limits", "SandboxApp", "SandboxServer",
           "SandboxState"]
