"""``python -m connector.zendesk.sandbox --port 8765 --seed 7 --tickets 200``."""

from __future__ import annotations

import argparse
import logging

from connector.zendesk.sandbox.server import SandboxServer
from connector.zendesk.sandbox.state import SandboxState


def main(argv: list[str] | None = None) -> None:
    """Serve a seeded sandbox on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m connector.zendesk.sandbox")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    state = SandboxState.seeded(args.seed, args.tickets)
    server = SandboxServer(state, port=args.port)
    logging.getLogger(__name__).info(
        "Zendesk sandbox on http://127.0.0.1:%d (%d tickets, seed %d); OAuth client %s, "
        "basic %s/token with the sandbox API token", args.port, args.tickets, args.seed,
        state.creds.client_id, state.creds.email)
    server.serve_forever()


if __name__ == "__main__":
    main()
