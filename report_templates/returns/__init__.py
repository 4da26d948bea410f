"""Regulator returns built from complaint records (pure: no I/O, but for the FCA return reading the
shipped fca-disp pack's grouping table once when a policy has none). See docs/regulatory.md."""

from report_templates.returns.asic import asic_idr_rows
from report_templates.returns.cfpb import cfpb_rows
from report_templates.returns.common import ReturnTable
from report_templates.returns.fca import fca_return

__all__ = ["ReturnTable", "asic_idr_rows", "cfpb_rows", "fca_return"]
