"""``iso10002 explain TICKET``: one complaint's mapped record, timeline and each check's
reasoning, from payload files (``--input``) or the store's version as of the time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connector.bundles import DocumentBundle
from connector.checking import Checker
from connector.cli.as_of import AsOfOption, as_of_or_now
from connector.cli.errors import fail, reported
from connector.cli.exit_codes import ExitCode
from connector.cli.options import (
    InputOption,
    MappingOption,
    PlatformOption,
    PolicyOption,
    StoreConfigOption,
    WaiversOption,
    file_configuration,
    need_platform,
)
from connector.cli.store import pipeline_for
from connector.explain import Explained, explain_ticket
from connector.files import evaluate_files
from connector.inputs import InputError
from connector.store.tickets import bundle_documents, find_ticket, latest_snapshot
from connector.ticket_ids import is_ticket_id


def explain(
    ticket: Annotated[str, typer.Argument(help="Ticket key or id, e.g. CS-12 or 4711.")],
    platform: PlatformOption = None,
    inputs: InputOption = None,
    mapping: MappingOption = None,
    policy: PolicyOption = None,
    waivers: WaiversOption = None,
    as_of: AsOfOption = None,
    config: StoreConfigOption = Path("iso10002.yaml"),
    source: Annotated[str | None, typer.Option("--source", help="Store: the source name.")] = None,
) -> None:
    """Show one complaint's mapped record, timeline and each check's reasoning."""
    moment = as_of_or_now(as_of)
    if not inputs:
        explain_store(config, ticket, moment, source)
        return
    platform = need_platform(platform)
    if not is_ticket_id(platform.value, ticket):
        raise fail(ExitCode.INPUT, f"not a valid {platform.value} ticket id")
    evaluator = file_configuration(platform, mapping, policy, waivers)
    results = evaluate_files(inputs, evaluator.mappings[platform.value], evaluator.policy, as_of=moment,
                             waivers=evaluator.waivers)
    with reported(InputError):
        explained = explain_ticket(Console(), results, ticket, evaluator.policy, moment)
    if explained is Explained.UNMAPPED:
        raise typer.Exit(ExitCode.PARTIAL)
    if explained is Explained.ABSENT:
        raise fail(ExitCode.INPUT, f"ticket {ticket} is not in the input (or is not a complaint)")


def explain_store(config: Path, ticket: str, as_of: datetime, source: str | None) -> None:
    """``iso10002 explain TICKET`` without ``--input``: from the stored version as of the time."""
    with pipeline_for(config) as pipeline:
        names = [s.name for s in pipeline.sources if (source is None or s.name == source)
                 and is_ticket_id(s.platform, ticket)]
        if not names and any(source is None or s.name == source for s in pipeline.sources):
            raise fail(ExitCode.INPUT,
                       "not a valid ticket id: Jira ISSUE-KEY or issue id, Zendesk ticket number")
        with pipeline.store.session() as session:
            found = [(n, find_ticket(session, n, ticket)) for n in names]
            hits = [(n, row) for n, row in found if row is not None]
            if not hits:
                raise fail(ExitCode.INPUT, f"ticket {ticket} is not in the store")
            name, row = hits[0]
            snapshot = latest_snapshot(session, row.id, as_of)
            if snapshot is None:
                raise fail(ExitCode.INPUT, f"ticket {ticket} did not exist yet at {as_of.isoformat()}")
            documents = bundle_documents(snapshot)
            key = row.ticket
        evaluator = pipeline.evaluator
        # The stored version goes through the same core as a check of the store.
        checker = Checker(evaluator.policy, as_of, evaluator.waivers)
        mapping = evaluator.mappings[name]
        bundle = DocumentBundle(mapping.spec, documents, as_of, mapping.site)
        results = (result for _key, result in checker.run([(key, bundle)]))
        explained = explain_ticket(Console(), results, key, evaluator.policy, as_of)
        if explained is Explained.UNMAPPED:
            raise typer.Exit(ExitCode.PARTIAL)
        if explained is Explained.ABSENT:
            raise fail(ExitCode.INPUT, f"ticket {ticket} is not a complaint (by the mapping)")
