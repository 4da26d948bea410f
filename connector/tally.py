"""The optional progress callback of a long step: ``tally(step, done, total)``.

``step`` names what is being done ("checking complaints"), ``done`` how many items of it are
done, ``total`` how many there are (``None`` when not known up front). Steps call it once per
chunk or batch, never per ticket, and only when one was given: without a display they pay
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Tally = Callable[[str, int, int | None], None]
