"""Terminal output for the CLI: errors one line each, a rich progress bar, a summary.

Why separate: the pipeline reports progress through a plain callback, so the Python
API stays free of terminal concerns and the CLI decides how (or whether) to show it.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


class Reporter:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def error(self, line: str) -> None:
        self.err.print(f"error: {line}", markup=False)

    def info(self, line: str) -> None:
        if not self.quiet:
            self.err.print(line, markup=False)

    def summary(self, line: str) -> None:
        print(line, file=sys.stdout, flush=True)

    @contextlib.contextmanager
    def progress(self) -> Iterator:
        """Yield a ``(stage, done, total)`` callback that drives a progress bar."""
        if self.quiet or not self.err.is_terminal:
            yield lambda stage, done, total: None
            return
        columns = (TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
        with Progress(*columns, console=self.err, transient=True) as bar:
            tasks: dict[str, int] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=max(total, 1))
                bar.update(tasks[stage], completed=done, total=max(total, 1))

            yield update
