"""A local Jira API server for tests, benchmarks and demos (Cloud or Data Center mode)."""

from devtools.sandboxes.common.traffic import Fault
from devtools.sandboxes.jira.app import SandboxState, build_app
from devtools.sandboxes.jira.server import SandboxServer, make_state

__all__ = ["Fault", "SandboxServer", "SandboxState", "build_app", "make_state"]
