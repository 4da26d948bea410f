"""Command line: ``python -m devtools.generator --platform jira|jira-dc|zendesk --complaints N
--seed S --end ISO --out FILE.jsonl [--days D] [--share pattern=0.1 ...] [--embed-histories K]``."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from devtools.generator.config import DEFAULT_SHARES, GeneratorConfig
from devtools.generator.model import Pattern
from devtools.generator.render import PLATFORMS, write_jsonl


def _end(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a timezone, e.g. 2026-11-20T17:00:00+00:00")
    return moment


def _shares(items: list[str]) -> dict[Pattern, float]:
    shares = dict(DEFAULT_SHARES)
    for item in items:
        name, _, value = item.partition("=")
        try:
            shares[Pattern(name.strip())] = float(value)
        except ValueError:
            names = ", ".join(p.value for p in Pattern if p is not Pattern.COMPLIANT)
            raise SystemExit(
                f"--share {item!r}: expected PATTERN=FRACTION with PATTERN one of {names}"
            ) from None
    return shares


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devtools.generator", description=__doc__.split("\n")[0])
    p.add_argument("--platform", choices=PLATFORMS, required=True)
    p.add_argument("--complaints", type=int, required=True, help="number of complaints (10..1,000,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--end", type=_end, required=True, help="ISO 8601 end of the date range (with offset)")
    p.add_argument("--days", type=int, default=180, help="length of the date range ending at --end")
    p.add_argument("--out", type=Path, required=True, help="JSON Lines output, one API page per line")
    p.add_argument(
        "--share",
        action="append",
        default=[],
        metavar="PATTERN=FRACTION",
        help="share of a non-compliance pattern (repeatable); the rest are compliant",
    )
    p.add_argument("--events-mean", type=float, default=20.0, help="mean history events per complaint")
    p.add_argument("--page-size", type=int, default=None, help="tickets/issues per search or export page")
    p.add_argument(
        "--embed-histories",
        type=int,
        default=None,
        help="Jira Cloud: embed at most K histories and add /changelog/bulkfetch pages",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if not 10 <= args.complaints <= 1_000_000:
        raise SystemExit("--complaints must be between 10 and 1,000,000")
    try:
        config = GeneratorConfig(
            complaints=args.complaints,
            end=args.end,
            seed=args.seed,
            days=args.days,
            shares=_shares(args.share),
            events_mean=args.events_mean,
        )
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    options = {"page_size": args.page_size}
    if args.embed_histories is not None:
        if args.platform != "jira":
            raise SystemExit("--embed-histories applies to --platform jira (Cloud) only")
        options["embed_histories"] = args.embed_histories
    lines = write_jsonl(args.out, args.platform, config, **options)
    sys.stderr.write(f"wrote {args.complaints} complaints in {lines} pages to {args.out}\n")
