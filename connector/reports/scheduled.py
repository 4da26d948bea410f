"""The service's scheduled reports (config ``reports:``): rendered from the store on schedule.

Each run finds the last complete period (``reports.period``: month, quarter or ``days:N``, in
the policy's time zone). A period already delivered is skipped (its folder's manifest says so,
across restarts); otherwise the reports it names (``reports.outputs``, any kind and format,
PDF included) are rendered from one pass over the store as of now into
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


def last_complete(spec: str, now: datetime, timezone: str, anchor: date) -> tuple[str, Period]:
    """The last period of ``spec`` (``month``, ``quarter``, ``days:N``) that ended before
    ``now``'s day in ``timezone``, with its label (``2026-11``, ``2026-Q3``,
    ``2026-11-01--2026-11-14``): the label names the files and marks the period as delivered."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if spec == "month":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
        return f"{start:%Y-%m}", Period(start, end, timezone)
    if spec == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = first - timedelta(days=1)
        start = date(end.year, end.month - 2, 1)
        return f"{start.year}-Q{(start.month + 2) // 3}", Period(start, end, timezone)
    days = int(spec.removeprefix("days:"))
    # Blocks of N days from the anchor; the one containing today is not complete yet.
    current = anchor + timedelta(days=((today - anchor).days // days) * days)
    start = current - timedelta(days=days)
    end = current - timedelta(days=1)
    return f"{start.isoformat()}--{end.isoformat()}", Period(start, end, timezone)


def _jobs(outputs: tuple[str, ...], folder: Path, label: str) -> list[Job]:
    jobs = []
    for output in outputs:
        kind, _, fmt = output.rpartition(".")
        jobs.append(Job(kind, Fmt(fmt), folder / f"{kind}-{label}.{fmt}"))
    return jobs


def scheduled_reports(pipeline: Pipeline, now: datetime,
                      environ: Mapping[str, str] | None = None) -> Path:
    """Deliver the last complete period's reports as of ``now`` unless already delivered; the
    period's folder. Raises ``NoEvaluation`` before a first run, SMTP/OS errors on delivery."""
    settings = pipeline.config.reports
    tz = pipeline.evaluator.policy.spec.calendar.timezone
    local_now = now.astimezone(ZoneInfo(tz))
    label, period = last_complete(settings.period, now, tz, settings.period_anchor)
    folder = settings.output_dir / label
    if read_manifest(folder) is None:
        options = ReportOptions(redact=settings.redact, pdf_volume_rows=settings.pdf_volume_rows)
        data = store_input(pipeline.store, pipeline.evaluator, pipeline.config, as_of=now, period=period,
                           options=options)
        render = RenderContext(generated_at=local_now, version=data.provenance.code_version)
        manifest = {"period": label, "start": period.start.isoformat(), "end": period.end.isoformat(),
                    "timezone": tz, "as_of": local_now.isoformat()}
        write_period(settings.output_dir, label, manifest, lambda tmp: render_reports(
            _jobs(settings.outputs, tmp, label), data, templates_dir=settings.templates_dir, render=render))
        log.info("scheduled reports for %s written to %s", label, folder)
    else:
        log.info("scheduled reports for %s already written; not rendered again", label)
    if settings.email is not None:
        subject = f"Complaints reports {label} ({period.start} to {period.end}, {tz})"
        body = (f"The scheduled complaints reports for {period.start} to {period.end} ({tz}), "
                f"as of {local_now:%Y-%m-%d %H:%M %Z}.")
        email_period(folder, settings.email, subject, body, local_now, environ)
    return folder
