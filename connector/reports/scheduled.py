"""The service's scheduled reports (config ``reports:``): rendered from the store on schedule.

Each run renders, from one pass over the store as of now, the complaints received in the 30
days ending today (the policy's timezone): the register (XLSX), the KPI report, the audit report
(HTML and JSON, whose content hash an auditor can check) and the management review pack, into
``<output_dir>/<period end>/``. The user's ``templates_dir`` overrides shipped templates.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connector.pipeline import Pipeline
from connector.reports.store import store_input
from report_templates.env import RenderContext
from report_templates.input import Period, ReportOptions
from report_templates.kinds import Fmt
from report_templates.render import Job, render_reports

log = logging.getLogger(__name__)

PERIOD_DAYS = 30
SCHEDULED: tuple[tuple[str, Fmt], ...] = (
    ("register", Fmt.xlsx),
    ("kpi", Fmt.html),
    ("audit", Fmt.html),
    ("audit", Fmt.json),
    ("review", Fmt.html),
)
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


def scheduled_reports(pipeline: Pipeline, now: datetime) -> list[Path]:
    """Render the scheduled reports as of ``now`` (raises ``NoEvaluation`` before a first run)."""
    settings = pipeline.config.reports
    tz = pipeline.evaluator.policy.spec.calendar.timezone
    end = now.astimezone(ZoneInfo(tz)).date()
    period = Period(end - timedelta(days=PERIOD_DAYS - 1), end, tz)
    options = ReportOptions(redact=settings.redact)
    data = store_input(
        pipeline.store, pipeline.evaluator, pipeline.config, as_of=now, period=period, options=options
    )
    folder = settings.output_dir / end.isoformat()
    jobs = [Job(kind, fmt, folder / f"{kind}-{end.isoformat()}.{fmt.value}") for kind, fmt in SCHEDULED]
    render = RenderContext(generated_at=now.astimezone(ZoneInfo(tz)), version=data.provenance.code_version)
    paths = render_reports(jobs, data, templates_dir=settings.templates_dir, render=render)
    log.info("scheduled reports written to %s", folder)
    return paths
