"""A local Jira API server for tests, benchmarks and demos (Cloud or Data Center mode)."""

from connector.jira.sandbox.app import Fault, SandboxState, build_app
from connector.jira.sandbox.server import SandboxServer, make_state

__all__ = ["Fault", "SandboxServer", "SandboxState", "build_app", "make_state"]
