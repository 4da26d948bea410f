"""Reports on the command line and for the service: data sources, rendering, file formats."""

from connector.reports.render import Fmt, Kind, build_view, render_report

__all__ = ["Fmt", "Kind", "build_view", "render_report"]
