"""``python -m connector.jira.sandbox --mode cloud --port 8089 --seed 1 --issues 200``."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from connector.jira.sandbox.app import build_app
from connector.jira.sandbox.server import DEFAULT_EMAIL, DEFAULT_TOKEN, make_state


def main(argv: list[str] | None = None) -> None:
    """Serve a seeded sandbox in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m connector.jira.sandbox")
    parser.add_argument("--mode", choices=["cloud", "datacenter"], default="cloud")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--project", default="CMP")
    parser.add_argument("--email", default=DEFAULT_EMAIL)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="API token / PAT the server accepts")
    parser.add_argument("--rate", type=float, default=None, help="requests/second before 429s")
    args = parser.parse_args(argv)
    state = make_state(
        mode=args.mode, seed=args.seed, issues=args.issues, project=args.project,
        email=args.email,
        token=args.token, rate_per_second=args.rate, record=False,
    )
    sys.stdout.write(
        f"Jira {args.mode} sandbox with {args.issues} issues on http://127.0.0.1:{args.port} "
        f"(auth: {'basic ' + args.email if args.mode == 'cloud' else 'bearer PAT'})\n"
    )
    uvicorn.run(build_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
