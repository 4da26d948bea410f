"""Progress on stderr for every step that can take more than a few seconds, on a terminal only.

One display per command (:class:`Steps`); each long step is a line in it, with a count when the
step gives one (complaints checked, runs verified, tickets written back). Redirected stderr (a
pipe, a log file, the service) or a document for scripts on stdout (``--format json``) gets
nothing: rich's ``Progress(disable=...)`` prints no byte then, and the callbacks handed to
``connector`` are ``None``, so a step pays nothing per ticket. Shown lines are cleared when the
command's work is done, before its output is printed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from connector.cli import errors
from connector.tally import Tally
from report_templates.input import Brief, ComplaintSource, Item

T = TypeVar("T")

#: Items between two redraws of a counted stream: a redraw per item would cost more than the item.
EVERY = 500


class Steps:
    """``with Steps(shown=...) as steps:`` then :meth:`tally` (for ``connector``),
    :meth:`counted` (a stream), :meth:`step` (a step without a count) or :meth:`note`."""

    def __init__(self, *, shown: bool = True, console: Console | None = None) -> None:
        console = console or errors.err  # looked up here: tests put a terminal in its place
        self.shown = shown and console.is_terminal
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
            TextColumn("{task.fields[count]}"), TimeElapsedColumn(),
            console=console, transient=True, disable=not self.shown,
        )
        self._tasks: dict[str, TaskID] = {}
        self._running = False

    def __enter__(self) -> Self:
        self._progress.start()
        self._running = True
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close()

    def _close(self) -> None:
        # Once: rich prints a blank line at each stop on a terminal that cannot redraw.
        if self._running:
            self._running = False
            self._progress.stop()

    def _task(self, step: str) -> TaskID:
        if step not in self._tasks:
            self._finish_open_steps()  # steps run one after the other: a new one ends the others
            self._tasks[step] = self._progress.add_task(step, total=None, count="")
        return self._tasks[step]

    def _finish_open_steps(self) -> None:
        for task in self._progress.tasks:
            if task.total is None:  # a step without a total: its spinner stops, its bar fills
                done = max(int(task.completed), 1)
                self._progress.update(task.id, total=done, completed=done)

    def note(self, step: str, count: str, *, done: int | None = None, total: int | None = None) -> None:
        """Show ``step`` with ``count`` (free text) and, when given, how far it is."""
        if self.shown:
            self._progress.update(self._task(step), count=count, completed=done or 0, total=total)

    def _tally(self, step: str, done: int, total: int | None) -> None:
        count = f"{done:,}/{total:,}" if total is not None else f"{done:,}" if done else ""
        self.note(step, count, done=done, total=total)

    def tally(self) -> Tally | None:
        """The callback for ``connector``'s long steps; ``None`` when nothing is shown."""
        return self._tally if self.shown else None

    def counted(self, items: Iterable[T], step: str, *, last: bool = False) -> Iterable[T]:
        """``items`` as they are, counted under ``step`` when shown; ``last``: the display is
        cleared when they run out (the command prints its output next)."""
        return self._counting(items, step, last) if self.shown else items

    def _counting(self, items: Iterable[T], step: str, last: bool) -> Iterator[T]:
        done = 0
        self._tally(step, done, None)
        for item in items:
            yield item
            done += 1
            if done % EVERY == 0:
                self._tally(step, done, None)
        if last:
            self._close()
        else:
            self._tally(step, done, None)

    @contextmanager
    def step(self, step: str) -> Iterator[None]:
        """A step without a count: shown while the block runs."""
        if not self.shown:
            yield
            return
        task = self._task(step)
        try:
            yield
        finally:
            self._progress.update(task, visible=False)


@dataclass(frozen=True)
class CountedSource:
    """``source`` whose passes call ``advance`` once per complaint."""

    inner: ComplaintSource
    advance: Callable[[], None]

    @property
    def as_of(self) -> datetime:
        return self.inner.as_of

    def items(self) -> Iterator[Item]:
        for item in self.inner.items():
            yield item
            self.advance()

    def lookup(self, ids: Collection[str]) -> Iterator[Item]:
        return self.inner.lookup(ids)

    def briefs(self) -> Iterator[Brief]:
        return self.inner.briefs()


class ReportProgress(Steps):
    """For a report (or its verification): ``progress.count(source)`` counts the complaints
    each pass reads (a store or export gives no total up front); ``progress.writing(name)``
    names the file being written."""

    READING = "reading complaints"

    def __init__(self, *, shown: bool = True, console: Console | None = None) -> None:
        super().__init__(shown=shown, console=console)
        self._seen = 0

    def _one_more(self) -> None:
        self._seen += 1
        if self._seen % EVERY == 0:
            self._tally(self.READING, self._seen, None)

    def count(self, source: ComplaintSource) -> ComplaintSource:
        if not self.shown:
            return source
        self._tally(self.READING, self._seen, None)
        return CountedSource(source, self._one_more)

    def writing(self, name: str) -> None:
        self.note(self.READING, f"{self._seen:,}; writing {name}")
