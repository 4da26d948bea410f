"""``python -m devtools.generator``: see ``devtools.generator.cli``."""

from devtools.generator.cli import main

main()
