"""Typed view-models: pure functions of a ``ReportInput`` -> frozen models, rows pre-sorted.

Numbers stay numbers and datetimes stay datetimes (in the report's timezone); formatting is the
templates' job, through the filters registered in ``report_templates.env``.
"""

from report_templates.views.audit import AuditView, build_audit_view
from report_templates.views.common import ReportHeader, Table
from report_templates.views.kpi import KpiView, build_kpi_view
from report_templates.views.register import RegisterView, build_register_view
from report_templates.views.review import ReviewView, build_review_view

__all__ = [
    "AuditView",
    "KpiView",
    "RegisterView",
    "ReportHeader",
    "ReviewView",
    "Table",
    "build_audit_view",
    "build_kpi_view",
    "build_register_view",
    "build_review_view",
]
