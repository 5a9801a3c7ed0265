"""Run test code in threads at once, for the races the store must survive."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_together(*calls: Callable[[], T], timeout: float = 60) -> list[T]:
    """Start every call in its own thread, wait for all, and return their results in order;
    the first error any of them raised is raised here (a test's assert then shows it)."""
    results: list[T | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], T]) -> None:
        try:
            results[i] = call()
        except BaseException as exc:  # re-raised below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if any(t.is_alive() for t in threads):
        raise TimeoutError(f"threads still running after {timeout} s")
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]
