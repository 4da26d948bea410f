"""The store-backed pipeline (sync -> check -> write-back) built from ``iso10002.yaml``.

Shared by the CLI (``sync``, ``check``, ``writeback``, ``run``, ``status``) and the service.
Clients are created on first use, so commands that only read the store never connect.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from compliance_checks.configfile import ConfigError, ConfigIssue
from compliance_checks.findings import Finding
from connector import metrics
from connector.config import AppConfig, SourceConfig, load_config
from connector.configuration import load_evaluator
from connector.evaluation import EvalOutcome, Evaluator, FindingsCallback, Record, evaluate_store
from connector.platforms.base import Client
from connector.platforms.registry import names as platform_names
from connector.platforms.registry import platform_for
from connector.remap import MappedHere
from connector.store import Store, with_password
from connector.store.journal import has_open_entries
from connector.store.locks import SourceLocks
from connector.store.runs import last_finding_id, latest_status_counts
from connector.sync import Progress, SourceSync, SyncOutcome, record_error
from connector.tally import Tally
from connector.writeback_journal import (
    Mode,
    WritebackOutcome,
    connector_writer,
    plan_unrecorded,
    run_writeback,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class MissingSecret(ConfigError):
    """A secret the config names by environment variable is not set (a configuration error)."""


def store_url(config: AppConfig, environ: Mapping[str, str] | None = None) -> str:
    """The store URL with the password from ``store.password_env`` (never from the file)."""
    env = os.environ if environ is None else environ
    url = config.store.url
    if config.store.password_env:
        password = env.get(config.store.password_env)
        if not password:
            raise MissingSecret([ConfigIssue("environment", "store.password_env",
                                             f"environment variable {config.store.password_env} is not set")])
        return with_password(url, password)
    return url


def require_secrets(config: AppConfig, source_file: str, environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`MissingSecret` naming every unset variable of the sources' ``auth`` blocks.

    Checked before any platform call, so a missing variable is one clear line (exit 2), not a
    failed sync step with a logged traceback.
    """
    from connector.platforms.zendesk.secrets import MissingSecretError, SecretSource

    issues: list[ConfigIssue] = []
    for i, source in enumerate(config.sources):
        secrets = SecretSource(getattr(source, "secrets_file", None), environ)
        for key, name in source.auth.model_dump().items():
            if not (key.endswith("_env") and isinstance(name, str)):
                continue
            try:
                found = secrets.get(name).get_secret_value().strip()
            except MissingSecretError:
                found = ""
            except OSError as exc:
                raise MissingSecret([ConfigIssue(source_file, f"sources[{i}].secrets_file",
                                                 f"cannot read: {exc.strerror}")]) from None
            if not found:
                issues.append(ConfigIssue(source_file, f"sources[{i}].auth.{key}",
                                          f"environment variable {name} is not set"))
    if issues:
        raise MissingSecret(issues)


def _email_secret_issues(config: AppConfig, source_file: str, env: Mapping[str, str]) -> list[ConfigIssue]:
    """The scheduled reports' SMTP credentials (environment, then ``reports.email.secrets_file``)."""
    from connector.platforms.zendesk.secrets import MissingSecretError, SecretSource

    email = config.reports.email
    if not config.reports.schedule or email is None:
        return []
    secrets = SecretSource(email.secrets_file, env)
    issues = []
    for key, name in (("username_env", email.username_env), ("password_env", email.password_env)):
        if name is None:
            continue
        try:
            secrets.get(name)
        except MissingSecretError:
            issues.append(ConfigIssue(source_file, f"reports.email.{key}", f"secret {name} is not set"))
        except OSError as exc:
            issues.append(ConfigIssue(source_file, "reports.email.secrets_file",
                                      f"cannot read: {exc.strerror}"))
    return issues


def require_service_secrets(config: AppConfig, source_file: str,
                            environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`MissingSecret` naming every unset variable ``serve`` needs of its own.

    A configured webhook whose secret is unset would refuse every delivery, and API keys the
    config names explicitly but the environment lacks would refuse every panel: said once at
    start-up (exit 2), not discovered request by request.
    """
    env = os.environ if environ is None else environ
    wanted: list[tuple[str, str]] = []
    for platform in platform_names():
        hook = getattr(config.webhooks, platform, None)
        if hook is not None:
            wanted.append((f"webhooks.{platform}.secret_env", hook.secret_env))
    if "api" in config.model_fields_set and "keys_env" in config.api.model_fields_set:
        wanted.extend((f"api.keys_env[{i}]", name) for i, name in enumerate(config.api.keys_env))
    issues = [ConfigIssue(source_file, key, f"environment variable {name} is not set")
              for key, name in wanted if not env.get(name, "").strip()]
    issues.extend(_email_secret_issues(config, source_file, env))
    if issues:
        raise MissingSecret(issues)



def make_client(source: SourceConfig) -> Client:
    """A connected client for ``source`` (secrets from the environment / secrets file)."""
    return platform_for(source.platform).connect(source)


@dataclass
class StepError:
    source: str
    step: str
    message: str


@dataclass
class Pipeline:
    config: AppConfig
    store: Store
    evaluator: Evaluator
    clock: Clock = lambda: datetime.now(UTC)
    client_factory: Callable[[SourceConfig], Client] = make_client
    _clients: dict[str, Client] = field(default_factory=dict)
    _syncs: dict[str, SourceSync] = field(default_factory=dict)
    locks: SourceLocks | None = None
    #: Per source: the newest finding id when its write-back was last applied in full.
    _writeback_seen: dict[str, int] = field(default_factory=dict)
    #: The newest finding id when the findings-by-status gauge was last counted.
    _findings_counted_at: int | None = None
    #: The records this process's syncs mapped: its checks evaluate them without mapping again.
    mapped_here: MappedHere = field(default_factory=MappedHere)

    @property
    def sources(self) -> list[SourceConfig]:
        return list(self.config.sources)

    def source(self, name: str) -> SourceConfig:
        for source in self.config.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def client(self, name: str) -> Client:
        if name not in self._clients:
            self._clients[name] = self.client_factory(self.source(name))
        return self._clients[name]

    def syncer(self, name: str) -> SourceSync:
        if name not in self._syncs:
            self._syncs[name] = SourceSync(
                self.store, self.source(name), self.evaluator.mappings[name], self.client(name),
                initial_since=self.config.sync.initial_since, mapped_here=self.mapped_here,
            )
        return self._syncs[name]

    # -- locks --------------------------------------------------------------------------
    def lock_sources(self) -> None:
        """Become the one writer of every source (raises ``LockHeld`` otherwise)."""
        self.locks = self.locks or SourceLocks(self.store)
        for source in self.sources:
            self.locks.acquire_new(source.name, self.clock())
        self.locks.keep_alive(self.clock)

    def unlock(self) -> None:
        if self.locks is not None:
            self.locks.release_all()

    # -- steps --------------------------------------------------------------------------
    def sync(self, *, full: bool = False, progress: Callable[[str], Progress | None] | None = None
             ) -> tuple[list[SyncOutcome], list[StepError]]:
        outcomes: list[SyncOutcome] = []
        errors: list[StepError] = []
        self.mapped_here.clear()  # what the checks since the last sync needed is used by now
        for source in self.sources:
            kind = "reconcile" if full else "sync"
            try:
                outcome = self.syncer(source.name).sync(
                    self.clock(), full=full, progress=progress(source.name) if progress else None
                )
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                log.exception("sync of %s failed: %s", source.name, message)
                record_error(self.store, source.name, source.platform, message, self.clock())
                errors.append(StepError(source.name, kind, message))
                metrics.RUNS.labels(kind, "error").inc()
                continue
            outcomes.append(outcome)
            metrics.RUNS.labels(kind, "ok").inc()
            metrics.API_CALLS.labels(source.name).inc(outcome.api_calls)
            metrics.LAST_SYNC.labels(source.name).set(self.clock().timestamp())
            log.info("sync %s: %s", source.name, outcome.as_json())
        return outcomes, errors

    def check(self, *, as_of: datetime | None = None, kind: str = "check",
              only: Collection[tuple[str, str]] | None = None, only_open: bool = False,
              record: Record = "all", keep_findings: bool = False,
              skip_unchanged: bool = True, on_findings: FindingsCallback | None = None,
              tally: Tally | None = None) -> EvalOutcome:
        now = self.clock()
        outcome = evaluate_store(self.store, self.evaluator, as_of=as_of or now, now=now, kind=kind,
                                 only=only, only_open=only_open, record=record,
                                 keep_findings=keep_findings, skip_unchanged=skip_unchanged,
                                 on_findings=on_findings, tally=tally, mapped_here=self.mapped_here)
        metrics.RUNS.labels(kind, "ok").inc()
        return outcome

    def refresh_findings_metric(self) -> None:
        """Count the latest findings by status for ``/metrics``, when it is scraped.

        The count reads every ticket's latest findings (a whole-store aggregate): done per
        check it made each webhook's refresh grow with the store. Skipped while no finding was
        recorded since the last count.
        """
        with self.store.session() as session:
            newest = last_finding_id(session)
            if newest == self._findings_counted_at:
                return
            metrics.set_findings(latest_status_counts(session))
        self._findings_counted_at = newest

    def _writeback_settled(self, source: str) -> tuple[bool, int]:
        """(nothing to write back, newest finding id): no findings recorded since this
        source's last candidate selection and no journal entry left planned or failed."""
        with self.store.session() as session:
            newest = last_finding_id(session)
            settled = self._writeback_seen.get(source) == newest and not has_open_entries(session, source)
        return settled, newest

    def writeback(self, mode: Mode, *, force: bool = False,
                  only: Collection[tuple[str, str]] | None = None,
                  unrecorded: Mapping[tuple[str, str], list[Finding]] | None = None,
                  tally: Tally | None = None) -> tuple[list[WritebackOutcome], list[StepError]]:
        """Plan or apply the write-back of the latest stored findings; ``unrecorded``: plan
        (only) from these findings of a dry run instead, which the store never saw."""
        if unrecorded is not None and mode != "plan":
            raise ValueError("findings that were not recorded can only be planned")
        outcomes: list[WritebackOutcome] = []
        errors: list[StepError] = []
        for source in self.sources:
            tickets = None if only is None else {t for s, t in only if s == source.name}
            if tickets is not None and not tickets:
                continue
            # Selecting candidates reads every ticket's latest findings: not worth it when
            # nothing was recorded since the last pass (the daily ``force`` pass still runs).
            full_apply = mode == "apply" and tickets is None
            if full_apply:
                settled, newest = self._writeback_settled(source.name)
                if settled and not force:
                    outcomes.append(WritebackOutcome(source.name, mode))
                    continue
            zone = self.evaluator.policy.calendar.tz
            try:
                client = self.client(source.name)
                before = int(client.stats.total)
                writer = connector_writer(source, client, zone)
                due_zone = zone if source.next_due is not None else None
                if unrecorded is not None:
                    fresh = {t: found for (s, t), found in unrecorded.items() if s == source.name}
                    outcome = plan_unrecorded(self.store, source.name, writer, fresh, due_zone=due_zone,
                                              tally=tally)
                else:
                    outcome = run_writeback(self.store, source.name, writer, mode=mode, now=self.clock,
                                            force=force, only=tickets, due_zone=due_zone, tally=tally)
                metrics.API_CALLS.labels(source.name).inc(int(client.stats.total) - before)
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                log.exception("write-back to %s failed: %s", source.name, message)
                errors.append(StepError(source.name, "writeback", message))
                metrics.RUNS.labels("writeback", "error").inc()
                continue
            if full_apply:
                self._writeback_seen[source.name] = newest
            if outcome.failed:
                metrics.WRITEBACK_FAILURES.labels(source.name).inc(outcome.failed)
            metrics.RUNS.labels("writeback", "ok").inc()
            outcomes.append(outcome)
        return outcomes, errors

    def close(self) -> None:
        self.unlock()
        self.store.close()


def open_pipeline(config_path: Path, *, client_factory: Callable[[SourceConfig], Client] | None = None,
                  clock: Clock | None = None, need_secrets: bool = False,
                  serving: bool = False) -> Pipeline:
    """Load the config, open (and migrate) the store. Raises ``ConfigError`` / ``StoreError``.

    ``need_secrets``: the caller talks to the platforms; an unset secret is a ``MissingSecret``.
    ``serving``: the caller is ``serve``, whose webhook secrets and API keys must be set too.
    """
    config = load_config(config_path)
    evaluator = load_evaluator(config)
    if need_secrets:
        require_secrets(config, str(config_path))
    if serving:
        require_service_secrets(config, str(config_path))
    store = Store(store_url(config))
    pipeline = Pipeline(config, store, evaluator)
    if client_factory is not None:
        pipeline.client_factory = client_factory
    if clock is not None:
        pipeline.clock = clock
    return pipeline
