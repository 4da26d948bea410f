"""Reports on the command line and for the service: data sources, rendering, file formats.

Import the modules you need (``connector.reports.render``, ``.store``, ``.offline``): this
package imports nothing itself, so ``iso10002`` starts without loading the renderers.
"""
