"""What the Zendesk and Jira sandboxes share: serving an app on loopback (a thread for tests,
the foreground for the demo's sandbox processes)."""

from devtools.sandboxes.common.server import LoopbackServer, serve_until_signalled

__all__ = ["LoopbackServer", "serve_until_signalled"]
