"""What the Zendesk and Jira sandboxes share: serving an app on loopback (a thread for tests,
the foreground for the demo's sandbox processes, with the options they share), the traffic they
keep (faults, call counts, write log) and reading Basic credentials."""

from devtools.sandboxes.common.auth import basic_credentials
from devtools.sandboxes.common.server import (
    LoopbackServer,
    add_generated_world_arguments,
    serve_until_signalled,
)
from devtools.sandboxes.common.traffic import Fault, Traffic

__all__ = ["Fault", "LoopbackServer", "Traffic", "add_generated_world_arguments",
           "basic_credentials", "serve_until_signalled"]
