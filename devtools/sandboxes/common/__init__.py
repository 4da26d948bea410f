"""What the Zendesk and Jira sandboxes share: serving an app on loopback (a thread for tests,
the foreground for the demo's sandbox processes), and the traffic they keep (faults, call counts,
write log)."""

from devtools.sandboxes.common.server import LoopbackServer, serve_until_signalled
from devtools.sandboxes.common.traffic import Fault, Traffic

__all__ = ["Fault", "LoopbackServer", "Traffic", "serve_until_signalled"]
