"""``python -m devtools.demo [--out demo-out] [--complaints 600] [--seed 1] [--days 180]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devtools.demo.driver import Demo, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-out"),
                        help="output directory (config, store, reports, logs); recreated each run")
    parser.add_argument("--complaints", type=int, default=600, help="complaints per helpdesk")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--days", type=int, default=180, help="complaints received over the last D days")
    parser.add_argument("--no-reports", action="store_true", help="skip the reports step")
    args = parser.parse_args(argv)
    if not 10 <= args.complaints <= 100_000:
        parser.error("--complaints must be between 10 and 100,000")
    settings = Settings(out=args.out, complaints=args.complaints, seed=args.seed, days=args.days,
                        reports=not args.no_reports)
    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        Demo(settings, say=say).main()
    except RuntimeError as exc:
        sys.stderr.write(f"demo failed: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
