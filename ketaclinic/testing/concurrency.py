"""Real concurrent attempts for tests of races: one thread, and so one database connection, each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from ketaclinic.core.errors import DomainError


def race(attempts: list[Callable[[], Any]]) -> list[Any]:
    """Run the attempts at once, one thread (and database connection) each; each outcome is
    what the attempt returned or the domain error it raised. Any other error is raised here,
    in the test's thread, once every attempt has ended."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[Any] = []
    # An error a thread does not catch only ends that thread and is printed, not raised: it is
    # kept here so the test fails with the real error, not with a missing outcome.
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            result: Any = attempt()
        except DomainError as error:
            result = error
        except BaseException as error:  # re-raised in the calling thread, below
            with lock:
                failures.append(error)
            return
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
    assert not any(thread.is_alive() for thread in threads)
    assert len(outcomes) == len(attempts)
    return outcomes
