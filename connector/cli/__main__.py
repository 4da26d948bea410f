"""``python -m connector.cli``: the ``iso10002`` command without the installed script."""

from connector.cli import main

main()
