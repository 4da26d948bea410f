"""Reports' I/O: the export-file and store adapters (``files``, ``store``), the scratch spool
they fill (``spool``), file hashes and versions (``versions``) and the service's scheduled
reports (``scheduled``). The report package itself (contract, views, kinds, the pass, writers,
templates) is ``report_templates``; the ``iso10002 report`` command is ``connector.cli.report``.

Import the modules you need: this package imports nothing itself, so ``iso10002`` starts without
loading the renderers.
"""
