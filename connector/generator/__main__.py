"""``python -m connector.generator``: see ``connector.generator.cli``."""

from connector.generator.cli import main

main()
