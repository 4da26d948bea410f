"""``python -m devtools.sandboxes.jira [--mode cloud|datacenter] [--complaints N] [--port 0]``.

Serves a sandbox seeded from the shared generator (``--complaints N`` over ``--days`` ending
now; project CS, as ``mappings/jira.yaml``) until SIGTERM/SIGINT and prints ``listening on
URL`` once it accepts connections (``--port 0``: a free port). Secrets
come from the environment when set (``JIRA_SANDBOX_TOKEN``: the API token / PAT the server
accepts; ``JIRA_SANDBOX_AGENT_TOKEN``: lets every generated agent log in), never from the
command line, which other local users can read.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, timedelta

from devtools.generator import GeneratorConfig
from devtools.sandboxes.common import add_generated_world_arguments, serve_until_signalled
from devtools.sandboxes.jira.app import SandboxState
from devtools.sandboxes.jira.server import (
    DEFAULT_EMAIL,
    DEFAULT_TOKEN,
    SandboxServer,
    realistic_state,
)


def _state(args: argparse.Namespace) -> SandboxState:
    token = os.environ.get("JIRA_SANDBOX_TOKEN") or args.token
    end = (datetime.fromisoformat(args.end) if args.end
           else datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1))
    config = GeneratorConfig(complaints=args.complaints, end=end, seed=args.seed, days=args.days)
    return realistic_state(
        config, mode=args.mode, email=args.email, token=token,
        agent_token=os.environ.get("JIRA_SANDBOX_AGENT_TOKEN") or None,
        rate_per_second=args.rate,
    )


def main(argv: list[str] | None = None) -> None:
    """Serve a seeded sandbox in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m devtools.sandboxes.jira")
    parser.add_argument("--mode", choices=["cloud", "datacenter"], default="cloud")
    add_generated_world_arguments(parser, port=8089, seed=1, end_default="now")
    parser.add_argument("--email", default=DEFAULT_EMAIL)
    parser.add_argument("--token", default=DEFAULT_TOKEN,
                        help="API token / PAT the server accepts (prefer JIRA_SANDBOX_TOKEN)")
    parser.add_argument("--rate", type=float, default=None, help="requests/second before 429s")
    args = parser.parse_args(argv)
    state = _state(args)
    auth = "basic " + args.email if args.mode == "cloud" else "bearer PAT"
    serve_until_signalled(
        SandboxServer(state, port=args.port),
        f"Jira {args.mode} sandbox ({len(state.store.issues)} issues; auth: {auth})",
    )


if __name__ == "__main__":
    main()
