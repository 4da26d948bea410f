"""Run a sandbox as a separate process for the service tests (loopback, port chosen by the OS).

``python -m tests.service.sandboxes zendesk|jira [--tickets N] [--seed S]`` prints
``SANDBOX http://127.0.0.1:PORT`` once it listens, then serves until terminated. Both are
seeded from the generator (N complaints); the Zendesk sandbox also has a question and a deleted
ticket, runs on the wall clock and has its incremental budget raised (tests sync often).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("platform", choices=["zendesk", "jira"])
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.platform == "zendesk":
        from devtools.sandboxes.zendesk import SandboxServer, SandboxState
        from tests.zendesk.scenarios import add_other_shapes

        state = SandboxState.seeded(args.seed, args.tickets)
        add_other_shapes(state)  # a question and a deleted ticket besides the complaints
        state.limits.incremental_per_minute = 10_000
        state.limits.account_per_minute = 100_000
        state.limits.job_latency_seconds = 0.05
        zendesk = SandboxServer(state).start()
        url, stopper = zendesk.base_url, zendesk.stop
    else:
        from devtools.sandboxes.jira import SandboxServer as JiraServer
        from devtools.sandboxes.jira import make_state
        from devtools.sandboxes.jira.model import SLA_FIELD

        state = make_state(mode="cloud", seed=args.seed, issues=args.tickets, record=False)
        for issue in state.store.issues.values():  # the generator has no JSM SLA field
            issue.fields[SLA_FIELD] = {"id": "2", "name": "Time to first response", "completedCycles": []}
        jira = JiraServer(state).start()
        url, stopper = jira.url, jira.stop
    sys.stdout.write(f"SANDBOX {url}\n")
    sys.stdout.flush()
    stop.wait()
    stopper()


if __name__ == "__main__":
    main()
