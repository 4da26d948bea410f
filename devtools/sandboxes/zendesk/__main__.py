"""``python -m devtools.sandboxes.zendesk [--complaints N] [--port 0] ...``.

Serves a sandbox seeded from the shared generator (``--complaints N`` over ``--days`` ending
now) on 127.0.0.1 until SIGTERM/SIGINT and prints ``listening on URL`` once it accepts
connections (``--port 0``: a free port). The account's credentials
come from the environment when set (``ZENDESK_SANDBOX_CLIENT_ID``,
``ZENDESK_SANDBOX_CLIENT_SECRET``, ``ZENDESK_SANDBOX_API_TOKEN``), never from the command line,
which other local users can read.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import datetime

from devtools.sandboxes.common import add_generated_world_arguments, serve_until_signalled
from devtools.sandboxes.zendesk.realistic import demo_config
from devtools.sandboxes.zendesk.server import SandboxServer
from devtools.sandboxes.zendesk.state import SandboxState

SECRET_ENV = {"client_id": "ZENDESK_SANDBOX_CLIENT_ID",
              "client_secret": "ZENDESK_SANDBOX_CLIENT_SECRET",
              "api_token": "ZENDESK_SANDBOX_API_TOKEN"}


def _state(args: argparse.Namespace) -> SandboxState:
    end = datetime.fromisoformat(args.end) if args.end else None
    config = demo_config(args.complaints, seed=args.seed, days=args.days, end=end,
                         hold_back=args.hold_back)
    state = SandboxState.realistic(config)
    for attr, name in SECRET_ENV.items():
        if os.environ.get(name):
            setattr(state.creds, attr, os.environ[name])
    state.limits.hold_back_seconds = args.hold_back
    if args.incremental_per_minute:
        state.limits.incremental_per_minute = args.incremental_per_minute
    if args.account_per_minute:
        state.limits.account_per_minute = args.account_per_minute
    if args.job_latency is not None:
        state.limits.job_latency_seconds = args.job_latency
    return state


def main(argv: list[str] | None = None) -> None:
    """Serve a seeded sandbox on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m devtools.sandboxes.zendesk")
    add_generated_world_arguments(parser, port=8765, seed=7,
                                  end_default="now minus the hold-back")
    parser.add_argument("--hold-back", type=int, default=60,
                        help="seconds the exports hold back (Zendesk: 60)")
    parser.add_argument("--incremental-per-minute", type=int, default=None)
    parser.add_argument("--account-per-minute", type=int, default=None)
    parser.add_argument("--job-latency", type=float, default=None, help="seconds until a job completes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    state = _state(args)
    complaints = sum(1 for t in state.world.tickets.values() if "complaint" in t.get("tags", ()))
    serve_until_signalled(
        SandboxServer(state, port=args.port),
        f"Zendesk sandbox ({len(state.world.tickets)} tickets, {complaints} tagged complaint, "
        f"{len(state.world.audits)} audits)",
    )


if __name__ == "__main__":
    main()
