"""``python -m devtools.sandboxes.jira [--mode cloud|datacenter] [--data small|realistic] [--port 0]``.

Serves until SIGTERM/SIGINT and prints ``listening on URL`` once it accepts connections
(``--port 0``: a free port). ``--data realistic`` seeds it from the shared generator
(``--complaints N`` over ``--days`` ending now; project CS, as ``mappings/jira.yaml``). Secrets
come from the environment when set (``JIRA_SANDBOX_TOKEN``: the API token / PAT the server
accepts; ``JIRA_SANDBOX_AGENT_TOKEN``: lets every generated agent log in), never from the
command line, which other local users can read.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta

from devtools.sandboxes.jira.app import SandboxState
from devtools.sandboxes.jira.server import (
    DEFAULT_EMAIL,
    DEFAULT_TOKEN,
    SandboxServer,
    make_state,
    realistic_state,
)


def _state(args: argparse.Namespace) -> SandboxState:
    token = os.environ.get("JIRA_SANDBOX_TOKEN") or args.token
    if args.data == "small":
        return make_state(
            mode=args.mode, seed=args.seed, issues=args.issues, project=args.project,
            email=args.email, token=token, rate_per_second=args.rate, record=False,
        )
    from devtools.generator import GeneratorConfig

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
    parser.add_argument("--port", type=int, default=8089, help="0: any free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", choices=["small", "realistic"], default="small",
                        help="small: the sandbox's own quick generator; realistic: devtools.generator")
    parser.add_argument("--issues", type=int, default=200, help="--data small: number of issues")
    parser.add_argument("--project", default="CMP", help="--data small: project key")
    parser.add_argument("--complaints", type=int, default=600, help="--data realistic: complaints")
    parser.add_argument("--days", type=int, default=180, help="--data realistic: received over D days")
    parser.add_argument("--end", default=None, help="--data realistic: ISO end of the range (default: now)")
    parser.add_argument("--email", default=DEFAULT_EMAIL)
    parser.add_argument("--token", default=DEFAULT_TOKEN,
                        help="API token / PAT the server accepts (prefer JIRA_SANDBOX_TOKEN)")
    parser.add_argument("--rate", type=float, default=None, help="requests/second before 429s")
    args = parser.parse_args(argv)
    state = _state(args)
    server = SandboxServer(state, port=args.port).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    auth = "basic " + args.email if args.mode == "cloud" else "bearer PAT"
    sys.stdout.write(
        f"Jira {args.mode} sandbox ({args.data}: {len(state.store.issues)} issues; auth: {auth})\n"
        f"listening on {server.url}\n"
    )
    sys.stdout.flush()
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
