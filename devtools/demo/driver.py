"""The demo, step by step: sandboxes up, ``iso10002 run``, summary, reports, team-lead loop.

Everything the connector does goes through the ``iso10002`` command (a child process, as
cron or systemd would run it) against the sandboxes over real loopback HTTP. The demo itself
only starts processes, reads the store afterwards and plays the team lead over the API.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.store import Store
from connector.writeback import is_ours
from devtools.demo import reports, sandboxes
from devtools.demo.config import write_config
from devtools.demo.sandboxes import Sandbox, Secrets
from devtools.demo.summary import StoreView, check_table, figures, source_table, split_calls
from devtools.demo.teamlead import Choice, Desk, Look, choose

Say = Callable[[str], None]
#: The installed console script, as a deployment runs it (fallback: the module).
_SCRIPT = Path(sys.executable).parent / "iso10002"
ISO10002 = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "connector.cli"]
RUN_TIMEOUT = 1800


@dataclass
class Settings:
    out: Path
    complaints: int = 600
    seed: int = 1
    days: int = 180
    reports: bool = True


def historic_labels(labels: Iterable[str], statuses: Mapping[str, str]) -> list[str]:
    """Check labels a fix leaves on the ticket because their check still FAILs: the breach
    happened (a late step cannot be made on time), so the label stays as its record."""
    return [label for label in labels
            if is_ours(label) and statuses.get(label.removeprefix("iso10002-")) == "FAIL"]


@dataclass
class Fix:
    """One team-lead fix and what the next run did about it."""

    choice: Choice
    request: str
    before: Look
    after: Look | None = None
    statuses_before: dict[str, str] = field(default_factory=dict)
    statuses_after: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """Everything the demo measured (also written to ``summary.json`` for tests)."""

    figures: dict[str, dict[str, int]] = field(default_factory=dict)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    fixes: list[dict[str, Any]] = field(default_factory=list)
    run2_writes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    run2_writes_total: dict[str, int] = field(default_factory=dict)
    clock_changes: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: Per source: flagged tickets still open, and those of them without the next-due date.
    next_due: dict[str, dict[str, Any]] = field(default_factory=dict)


class Demo:
    def __init__(self, settings: Settings, say: Say = print, keys: Secrets | None = None) -> None:
        self.s = settings
        self.say = say
        self.keys = keys or Secrets()
        self.out = settings.out.resolve()
        self.logs = self.out / "logs"
        self.sandboxes: dict[str, Sandbox] = {}
        self.result = Result()

    # -- processes ------------------------------------------------------------------------
    def prepare(self) -> None:
        """A fresh output directory: new sandboxes each run, so a fresh store too."""
        for name in ("store.db", "store.db-wal", "store.db-shm", "summary.json"):
            (self.out / name).unlink(missing_ok=True)
        for name in ("reports", "logs", "mappings"):
            shutil.rmtree(self.out / name, ignore_errors=True)
        self.logs.mkdir(parents=True)

    def iso10002(self, args: list[str], log: Path) -> subprocess.CompletedProcess[str]:
        """Run ``iso10002 ARGS`` with the demo's secrets in its environment only."""
        env = {**os.environ, **self.keys.connector_env()}
        with log.open("w", encoding="utf-8") as errors:
            return subprocess.run([*ISO10002, *args], stdout=subprocess.PIPE, stderr=errors,
                                  text=True, env=env, cwd=self.out, timeout=RUN_TIMEOUT, check=False)

    def run(self, config: Path, number: int) -> dict[str, Any]:
        started = time.monotonic()
        done = self.iso10002(["run", "-c", str(config), "--apply", "--format", "json"],
                             self.logs / f"run-{number}.log")
        self.result.seconds[f"run{number}"] = round(time.monotonic() - started, 1)
        if done.returncode != 0:
            raise RuntimeError(f"iso10002 run exited {done.returncode}; see {self.logs}/run-{number}.log")
        (self.logs / f"run-{number}.json").write_text(done.stdout, encoding="utf-8")
        summary: dict[str, Any] = json.loads(done.stdout)
        return summary

    def start_sandboxes(self) -> None:
        self.say(f"Starting the Zendesk and Jira Cloud sandboxes on 127.0.0.1, each seeded by "
                 f"devtools.generator with {self.s.complaints:,} complaints received over the "
                 f"last {self.s.days} days (seeds {self.s.seed} and {self.s.seed + 1}) ...")
        started = time.monotonic()
        for offset, platform in enumerate(("zendesk", "jira")):
            # Different seeds: two helpdesks hold different complaints (and complainants).
            self.sandboxes[platform] = sandboxes.start(
                platform, self.keys, complaints=self.s.complaints, seed=self.s.seed + offset,
                days=self.s.days, logs=self.logs)
        self.result.seconds["sandboxes"] = round(time.monotonic() - started, 1)
        for sandbox in self.sandboxes.values():
            self.say(f"  {sandbox.platform:<8} {sandbox.url:<24} {sandbox.banner}")

    def stop(self) -> None:
        for sandbox in self.sandboxes.values():
            sandbox.stop()

    def calls(self) -> dict[str, Counter[str]]:
        return {name: sb.calls() for name, sb in self.sandboxes.items()}

    def writes(self) -> dict[str, list[dict[str, Any]]]:
        return {name: sb.writes() for name, sb in self.sandboxes.items()}

    # -- the story ------------------------------------------------------------------------
    def main(self) -> Result:
        self.prepare()
        self.say(f"ISO 10002 connector demo — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
                 f"output in {_shown(self.out)}/")
        try:
            self.start_sandboxes()
            config = write_config(self.out, self.sandboxes["zendesk"], self.sandboxes["jira"],
                                  days=self.s.days)
            self.say(f"Config: {_shown(config)} (secrets only in the environment of the child "
                     "processes)")
            store = Store(_store_url(config))
            try:
                run_as_of = self.first_run(config, store)
                if self.s.reports:
                    self.render_reports(config, run_as_of)
                self.team_lead(config, store)
            finally:
                store.close()
        finally:
            self.stop()
        (self.out / "summary.json").write_text(json.dumps(self.result.__dict__, indent=2, default=str),
                                               encoding="utf-8")
        return self.result

    def first_run(self, config: Path, store: Store) -> datetime:
        """``iso10002 run --apply`` once and its summary; returns the as-of time the run recorded."""
        self.say("")
        self.say(f"$ iso10002 run -c {config.name} --apply     # sync -> check -> write-back")
        summary = self.run(config, 1)
        calls = self.calls()
        view = StoreView.read(store)
        written = {w["source"]: int(w["written"]) for w in summary["writeback"]["sources"]}
        figs = figures(view, self.sandboxes.values(), calls, written)
        self.result.figures = {k: v.__dict__ for k, v in figs.items()}
        statuses = summary["check"]["statuses"]
        self.say(f"  done in {self.result.seconds['run1']} s: {summary['check']['tickets']:,} "
                 f"complaints evaluated (run {summary['check']['run']}), findings by status: "
                 + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
        for line in source_table(figs):
            self.say(line)
        self.say("  flagged: tickets with a FAIL or AT_RISK finding; written: given labels/tags and a "
                 "note\n  (Zendesk refuses any update to a closed ticket: those are skipped); API calls: "
                 "counted by the\n  sandboxes, sync and write-back together")
        self.say("")
        self.say("Findings by check and status (latest run, both sources):")
        for line in check_table(view):
            self.say(line)
        table: dict[str, Counter[str]] = {}
        for found in view.findings.values():
            for f in found:
                table.setdefault(f["check"], Counter())[f["status"]] += 1
        self.result.findings = {k: dict(v) for k, v in sorted(table.items())}
        self.check_due_dates(view)
        return datetime.fromisoformat(summary["check"]["as_of"])

    def check_due_dates(self, view: StoreView) -> None:
        """Every flagged open ticket holds the next-due date field (the work queue's sort key)."""
        self.say("")
        for source, sandbox in self.sandboxes.items():
            opened, missing = Desk(sandbox, self.keys).open_without_due_date(view.flagged(source))
            self.result.next_due[source] = {"flagged_open": opened, "missing": missing}
            self.say(f"  {source}: {opened - len(missing)} of {opened} flagged open tickets carry "
                     "the next-due date field (the work queue's sort key)")

    def render_reports(self, config: Path, as_of: datetime) -> None:
        self.say("")
        self.say(f"$ iso10002 report register|kpi|audit|review -c {config.name} "
                 f"--from <{self.s.days} days ago> --to <today>     # from the store")
        paths, seconds = reports.render_all(config, self.out / "reports", self.iso10002,
                                            as_of=as_of, days=self.s.days, logs=self.logs)
        self.result.seconds["reports"] = round(seconds, 1)
        self.result.reports = [str(p) for p in paths]
        self.say(f"  done in {seconds:.1f} s, both sources in each report:")
        for path in paths:
            self.say(f"  {_shown(path)}")

    def team_lead(self, config: Path, store: Store) -> None:
        view = StoreView.read(store)
        desks = {name: Desk(sb, self.keys) for name, sb in self.sandboxes.items()}
        fixes: list[Fix] = []
        self.say("")
        self.say("Team lead: fixes one flagged ticket per helpdesk, where they already work")
        for name, desk in desks.items():
            choice = choose(view, name)
            if choice is None:
                self.say(f"  {name}: no open flagged ticket a reply could fix")
                continue
            before = desk.look(choice.ticket)
            request = desk.reply(choice.ticket)
            fixes.append(Fix(choice, request, before, statuses_before=view.statuses(name, choice.ticket)))
            self.say(f"  {name} {choice.ticket}: {choice.why}")
            self.say(f"    team lead {desk.lead.name} replies publicly (own agent log-in): {request}")
        # The Zendesk export shows a change once its hold-back has passed.
        time.sleep(sandboxes.ZENDESK_HOLD_BACK + 1)
        calls_before, writes_before = self.calls(), self.writes()
        self.say("")
        self.say(f"$ iso10002 run -c {config.name} --apply     # the next scheduled run")
        summary = self.run(config, 2)
        calls_after, writes_after = self.calls(), self.writes()
        after = StoreView.read(store)
        synced = {s["source"]: s for s in summary["synced"]}
        for name in self.sandboxes:
            new = writes_after[name][len(writes_before[name]):]
            self.result.run2_writes[name] = new
            reads, writes = split_calls(name, calls_after[name] - calls_before[name])
            total_before = split_calls(name, calls_before[name])[1]
            self.result.run2_writes_total[name] = writes
            self.say(f"  {name:<8} changed tickets synced {synced[name]['changed']:>4}, API calls "
                     f"{reads + writes:>4} ({reads} reads, {writes} writes); write counter "
                     f"{total_before:,} -> {total_before + writes:,}")
        fixed = {(f.choice.source, f.choice.ticket) for f in fixes}
        for fix in fixes:
            name, ticket = fix.choice.source, fix.choice.ticket
            fix.after = desks[name].look(ticket)
            fix.statuses_after = after.statuses(name, ticket)
            self.show_fix(fix)
        self.check_nothing_else(view, after, fixed)
        self.result.fixes = [_fix_json(f) for f in fixes]

    def show_fix(self, fix: Fix) -> None:
        name, ticket = fix.choice.source, fix.choice.ticket
        if fix.after is None:
            return
        changed = {c: (fix.statuses_before.get(c), s) for c, s in fix.statuses_after.items()
                   if fix.statuses_before.get(c) != s}
        writes = [w for w in self.result.run2_writes[name] if ticket in _tickets_of(w)]
        self.say("")
        self.say(f"  {name} {ticket}:")
        self.say("    findings   " + (", ".join(f"{c} {a} -> {b}" for c, (a, b) in sorted(changed.items()))
                                      or "unchanged statuses (messages updated)"))
        self.say(f"    labels     before: {' '.join(fix.before.labels) or '-'}")
        self.say(f"               after:  {' '.join(fix.after.labels) or '-'}")
        for label in historic_labels(fix.after.labels, fix.statuses_after):
            self.say(f"    kept       {label}: still FAIL, a breach that already happened (done late) "
                     "cannot be undone; the label is its record")
        if name == "zendesk":
            self.say(f"    note       {fix.before.notes} -> {fix.after.notes} internal notes "
                     "(Zendesk comments cannot be edited: a new note replaces the old one, the "
                     "marker tag follows it)")
        else:
            same = fix.before.note_id == fix.after.note_id
            self.say(f"    note       comment {fix.after.note_id} "
                     + ("edited in place" if same else "replaced")
                     + f" (updated {fix.before.note_updated} -> {fix.after.note_updated})")
        self.say(f"    note now   {fix.after.note_head}")
        self.say(f"    writes     {len(writes)}: " + ", ".join(w["endpoint"] for w in writes))

    def check_nothing_else(self, before: StoreView, after: StoreView, fixed: set[tuple[str, str]]) -> None:
        """Writes in run 2 went to the fixed tickets only (or to tickets whose clock ran out
        between the runs, which the demo names)."""
        others: dict[str, list[str]] = {}
        for name, writes in self.result.run2_writes.items():
            for w in writes:
                for ticket in _tickets_of(w):
                    if (name, ticket) not in fixed:
                        others.setdefault(name, []).append(ticket)
        clock = {name: sorted({t for t in ts if before.statuses(name, t) != after.statuses(name, t)})
                 for name, ts in others.items()}
        self.result.clock_changes = clock
        self.say("")
        if not others:
            self.say("Nothing else was written: every write of the second run went to the fixed tickets.")
        else:
            for name, tickets in clock.items():
                self.say(f"Also written on {name}: {', '.join(tickets)} (their findings changed "
                         "between the runs: a clock ran out)")
            unexplained = {n: sorted(set(ts) - set(clock.get(n, []))) for n, ts in others.items()}
            if any(unexplained.values()):
                (self.out / "summary.json").write_text(
                    json.dumps(self.result.__dict__, indent=2, default=str), encoding="utf-8")
                raise RuntimeError(f"unexpected writes in the second run: {unexplained}")


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (shorter to read)."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _tickets_of(write: dict[str, Any]) -> list[str]:
    """The tickets a logged write request touched (Zendesk ``update_many`` names several)."""
    if write.get("issue"):
        return [str(write["issue"])]
    return [str(t) for t in write.get("tickets") or []]


def _fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "source": fix.choice.source, "ticket": fix.choice.ticket, "check": fix.choice.check,
        "status": fix.choice.status, "request": fix.request,
        "labels_before": list(fix.before.labels),
        "labels_after": list(fix.after.labels) if fix.after else None,
        "notes_before": fix.before.notes, "notes_after": fix.after.notes if fix.after else None,
        "note_id_before": fix.before.note_id, "note_id_after": fix.after.note_id if fix.after else None,
        "note_updated_before": fix.before.note_updated,
        "note_updated_after": fix.after.note_updated if fix.after else None,
        "statuses_before": fix.statuses_before, "statuses_after": fix.statuses_after,
    }


def _store_url(config: Path) -> str:
    from connector.config import load_config

    return load_config(config).store.url
