"""A progress display for long ``iso10002 report`` runs, on stderr, only when it is a terminal.

The pass over the complaints counts them as they stream (a store or export gives no total up
front); each file written is a step. Redirected stderr (a pipe, a log file, the service) gets
nothing: rich's ``Progress(disable=...)`` prints no byte then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from report_templates.input import Brief, ComplaintSource, Item


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


class ReportProgress:
    """``with ReportProgress(err) as progress:`` then ``progress.count(source)`` and
    ``progress.writing(path)``; shown while the block runs, cleared after it."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        )
        self._task: TaskID | None = None
        self._seen = 0

    def __enter__(self) -> ReportProgress:
        self._progress.start()
        self._task = self._progress.add_task("reading complaints", total=None)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()

    def _describe(self, text: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, description=text)

    def _one_more(self) -> None:
        self._seen += 1
        if self._seen % 500 == 0:  # a redraw per complaint would cost more than the pass
            self._describe(f"reading complaints: {self._seen:,}")

    def count(self, source: ComplaintSource) -> CountedSource:
        return CountedSource(source, self._one_more)

    def writing(self, name: str) -> None:
        self._describe(f"{self._seen:,} complaints read; writing {name}")
