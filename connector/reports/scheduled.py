"""The service's scheduled reports (config ``reports:``): rendered from the store on schedule.

Each run finds the last complete period (``reports.period``: month, quarter or ``days:N``, in
the policy's time zone) and catches up missed ones: up to ``reports.catch_up`` earlier complete
periods that ended after the store's first evaluation run, oldest first (their manifest says
``late``). A period already delivered is skipped (its folder's manifest says so, across
restarts); otherwise the reports it names (``reports.outputs``, any kind and format, PDF
included) are rendered from one pass over the store as of now into
``<output_dir>/<period>/<kind>-<period>.<format>`` (the folder appears whole or not at all),
then emailed when ``reports.email`` is set. A failed email is retried by the next run without
rendering again. The user's ``templates_dir`` overrides shipped templates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connector.pipeline import Pipeline
from connector.reports.delivery import email_period, read_manifest, write_period
from connector.reports.store import store_input
from connector.store.runs import first_run_started
from report_templates.env import RenderContext
from report_templates.input import Period, ReportOptions
from report_templates.kinds import Fmt
from report_templates.render import Job, render_reports

log = logging.getLogger(__name__)

_DAYS = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


def schedule_parts(text: str) -> tuple[str, str]:
    """``daily 06:00`` -> (``day``, ``06:00``); ``weekly mon 07:00`` -> (``monday``, ``07:00``)."""
    parts = text.split()
    if parts[0] == "daily":
        return "day", parts[1]
    return _DAYS[parts[1]], parts[2]


def _current_start(spec: str, today: date, anchor: date) -> date:
    """The first day of the (incomplete) period of ``spec`` containing ``today``."""
    if spec == "month":
        return today.replace(day=1)
    if spec == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    days = int(spec.removeprefix("days:"))
    # Blocks of N days from the anchor.
    return anchor + timedelta(days=((today - anchor).days // days) * days)


def _previous_start(spec: str, boundary: date) -> date:
    """The first day of the period of ``spec`` that ends the day before ``boundary``."""
    end = boundary - timedelta(days=1)
    if spec == "month":
        return end.replace(day=1)
    if spec == "quarter":
        return date(end.year, end.month - 2, 1)
    return boundary - timedelta(days=int(spec.removeprefix("days:")))


def _label(spec: str, start: date, end: date) -> str:
    if spec == "month":
        return f"{start:%Y-%m}"
    if spec == "quarter":
        return f"{start.year}-Q{(start.month + 2) // 3}"
    return f"{start.isoformat()}--{end.isoformat()}"


def complete_periods(spec: str, now: datetime, timezone: str, anchor: date,
                     count: int) -> list[tuple[str, Period]]:
    """The ``count`` last periods of ``spec`` (``month``, ``quarter``, ``days:N``) that ended
    before ``now``'s day in ``timezone``, oldest first, each with its label (``2026-11``,
    ``2026-Q3``, ``2026-11-01--2026-11-14``): the label names the files and marks the period
    as delivered."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    boundary = _current_start(spec, today, anchor)
    periods: list[tuple[str, Period]] = []
    for _ in range(count):
        start = _previous_start(spec, boundary)
        end = boundary - timedelta(days=1)
        periods.append((_label(spec, start, end), Period(start, end, timezone)))
        boundary = start
    return periods[::-1]


def _jobs(outputs: tuple[str, ...], folder: Path, label: str) -> list[Job]:
    jobs = []
    for output in outputs:
        kind, _, fmt = output.rpartition(".")
        jobs.append(Job(kind, Fmt(fmt), folder / f"{kind}-{label}.{fmt}"))
    return jobs


def _due(periods: list[tuple[str, Period]], first_run: datetime | None,
         timezone: str) -> list[tuple[str, Period]]:
    """The last period, and each earlier one that ended after the store's first evaluation
    run: one that ended before the product ran was never missed (no empty catch-up packs)."""
    if first_run is None:
        return periods[-1:]
    first_day = first_run.astimezone(ZoneInfo(timezone)).date()
    return [p for p in periods[:-1] if p[1].end >= first_day] + periods[-1:]


def _deliver(pipeline: Pipeline, label: str, period: Period, *, late: bool, now: datetime,
             environ: Mapping[str, str] | None) -> Path:
    """Render one period as of ``now`` unless delivered, then email it unless emailed."""
    settings = pipeline.config.reports
    tz = period.timezone
    local_now = now.astimezone(ZoneInfo(tz))
    folder = settings.output_dir / label
    if read_manifest(folder) is None:
        options = ReportOptions(redact=settings.redact, pdf_volume_rows=settings.pdf_volume_rows)
        data = store_input(pipeline.store, pipeline.evaluator, pipeline.config, as_of=now, period=period,
                           options=options)
        render = RenderContext(generated_at=local_now, version=data.provenance.code_version)
        manifest = {"period": label, "start": period.start.isoformat(), "end": period.end.isoformat(),
                    "timezone": tz, "as_of": local_now.isoformat(), "late": late}
        write_period(settings.output_dir, label, manifest, lambda tmp: render_reports(
            _jobs(settings.outputs, tmp, label), data, templates_dir=settings.templates_dir, render=render))
        log.info("scheduled reports for %s written to %s%s", label, folder, " (caught up)" if late else "")
    else:
        log.info("scheduled reports for %s already written; not rendered again", label)
    if settings.email is not None:
        # What the folder says: a retried email of a caught-up period still says so.
        caught_up = bool((read_manifest(folder) or {}).get("late"))
        subject = f"Complaints reports {label} ({period.start} to {period.end}, {tz})"
        body = (f"The scheduled complaints reports for {period.start} to {period.end} ({tz}), "
                f"as of {local_now:%Y-%m-%d %H:%M %Z}.")
        if caught_up:
            subject += ", caught up late"
            body += ("\n\nCaught up late: these reports were not delivered when the period ended "
                     "(the service was not running or their delivery failed); they were rendered "
                     "from the store as of the time above.")
        email_period(folder, settings.email, subject, body, local_now, environ)
    return folder


def scheduled_reports(pipeline: Pipeline, now: datetime,
                      environ: Mapping[str, str] | None = None) -> list[Path]:
    """Deliver, oldest first, the last complete period and each earlier one (up to
    ``reports.catch_up``) that ended after the store's first evaluation run, as of ``now``,
    unless already delivered; the periods' folders. A failed period does not stop the others:
    its error (``NoEvaluation`` before a first run, SMTP/OS errors on delivery) is raised once
    all were tried (several: an ``ExceptionGroup``)."""
    settings = pipeline.config.reports
    tz = pipeline.evaluator.policy.spec.calendar.timezone
    periods = complete_periods(settings.period, now, tz, settings.period_anchor, settings.catch_up + 1)
    with pipeline.store.session() as session:
        first_run = first_run_started(session)
    due = _due(periods, first_run, tz)
    folders: list[Path] = []
    failures: list[tuple[str, Exception]] = []
    for label, period in due:
        try:
            folders.append(_deliver(pipeline, label, period, late=label != periods[-1][0], now=now,
                                    environ=environ))
        except Exception as exc:  # noqa: BLE001 - raised (with its traceback) once all were tried
            log.warning("scheduled reports for %s failed (%s); the other periods are still tried",
                        label, type(exc).__name__)
            failures.append((label, exc))
    if len(failures) == 1:
        raise failures[0][1]
    if failures:
        labels = ", ".join(label for label, _ in failures)
        raise ExceptionGroup(f"scheduled reports failed for {labels}", [exc for _, exc in failures])
    return folders
