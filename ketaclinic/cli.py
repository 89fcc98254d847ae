"""The `ketaclinic` command: `serve` for production, everything else passed to manage.py.

ketaclinic serve [--port 8000] [--workers N] [--no-sealer]   gunicorn on the WSGI app, and the
                                               audit sealer beside it (production)
ketaclinic demo | totp EMAIL | audit verify | token issue EMAIL … | permissions-doc | migrate | …
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

logger = logging.getLogger("ketaclinic.serve")

# What `serve` runs beside gunicorn: the audit sealer loop, a round a second, which stops by
# itself if the server is killed without stopping it (docs/operations.md "The audit sealer").
SEALER_ARGUMENTS = ("audit", "seal", "--every", "1", "--exit-with-parent")
# Its database connection's name in pg_stat_activity (the workers' are ketaclinic-worker-<pid>).
SEALER_APPLICATION_NAME = "ketaclinic-sealer"


class ChildProcess(Protocol):
    """The part of subprocess.Popen the sealer's supervisor uses (a fake one in tests)."""

    pid: int

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


def sealer_environment() -> dict[str, str]:
    """The sealer's environment: the server's, its connection named in pg_stat_activity, and
    the server's SECRET_KEY when that came from a file or (DEBUG) was made up at start: with
    DEBUG on the audit key is derived from it, and a sealer holding another key than the
    workers that MAC'd the events would seal every one of them as forged."""
    from django.conf import settings

    environment = {**os.environ, "PGAPPNAME": SEALER_APPLICATION_NAME}
    environment.setdefault("SECRET_KEY", settings.SECRET_KEY)
    return environment


def _start_sealer_process(command: Sequence[str]) -> ChildProcess:
    # Its own process group: Ctrl-C on `serve` reaches gunicorn, which stops, and then this
    # supervisor stops the sealer (a sealer that saw Ctrl-C first would only be restarted).
    return subprocess.Popen(  # noqa: S603  (this interpreter and fixed arguments; no shell)
        list(command), env=sealer_environment(), process_group=0
    )


class SealerSupervisor:
    """Runs the audit sealer as a child process of `ketaclinic serve`, beside gunicorn.

    `start()` starts it and a thread that calls `check()` every `poll_seconds`: a sealer that
    has died (a bug, the OOM killer) is started again, at most once every
    `restart_delay_seconds` so that one dying at start-up does not spin. `stop()` (called when
    gunicorn returns, and at exit) asks it to finish its batch (SIGTERM), then kills it after
    `stop_timeout_seconds`; it does nothing in a forked worker. gunicorn's master may reap the
    child before we do (it waits for any child); Popen then reports it as exited, which is all
    `check()` needs.
    """

    def __init__(
        self,
        *,
        command: Sequence[str],
        start_process: Callable[[Sequence[str]], ChildProcess] = _start_sealer_process,
        clock: Callable[[], float] = time.monotonic,
        restart_delay_seconds: float = 5.0,
        poll_seconds: float = 1.0,
        stop_timeout_seconds: float = 15.0,
    ) -> None:
        self.command = tuple(command)
        self._start_process = start_process
        self._clock = clock
        self.restart_delay_seconds = restart_delay_seconds
        self.poll_seconds = poll_seconds
        self.stop_timeout_seconds = stop_timeout_seconds
        self.process: ChildProcess | None = None
        self.starts = 0
        self._started_at = 0.0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        # gunicorn forks its workers from this process, and they inherit the atexit hook: only
        # the process that started the sealer stops it (a worker leaving must not).
        self._owner_pid = os.getpid()

    def start(self, *, watch: bool = True) -> None:
        with self._lock:
            self._spawn()
        if watch:
            self._watcher = threading.Thread(
                target=self._watch, name="ketaclinic-sealer-supervisor", daemon=True
            )
            self._watcher.start()

    def _spawn(self) -> None:
        self.process = self._start_process(self.command)
        self.starts += 1
        self._started_at = self._clock()
        logger.info("audit sealer started (pid %s): %s", self.process.pid, " ".join(self.command))

    def _watch(self) -> None:
        while not self._stopping.wait(self.poll_seconds):
            try:
                self.check()
            except OSError:  # e.g. no process slot left: say so, try again on the next poll
                logger.exception("could not restart the audit sealer")

    def check(self) -> None:
        """Start the sealer again if it has exited (and the restart delay has passed)."""
        with self._lock:
            if self._stopping.is_set() or self.process is None:
                return
            status = self.process.poll()
            if status is None:
                return
            if self._clock() - self._started_at < self.restart_delay_seconds:
                return  # it died quickly: wait before the next start
            logger.error(
                "audit sealer (pid %s) exited with status %s; starting it again",
                self.process.pid,
                status,
            )
            self._spawn()

    def stop(self) -> None:
        """Stop the sealer and its watcher; safe to call more than once."""
        if os.getpid() != self._owner_pid:
            return
        self._stopping.set()
        with self._lock:
            process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout_seconds)
        except subprocess.TimeoutExpired:
            logger.error("audit sealer (pid %s) did not stop: killed", process.pid)
            process.kill()
            process.wait(timeout=self.stop_timeout_seconds)


def sealer_command() -> list[str]:
    """`ketaclinic audit seal --every 1 --exit-with-parent` with this interpreter."""
    return [sys.executable, "-m", "ketaclinic.cli", *SEALER_ARGUMENTS]


def _serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="ketaclinic serve", description="Serve with gunicorn.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="Worker processes (WEB_CONCURRENCY).",
    )
    parser.add_argument("--no-migrate", action="store_true", help="Skip `migrate` before serving.")
    parser.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="Skip `collectstatic` (the static files were collected when the release was built).",
    )
    parser.add_argument(
        "--no-sealer",
        action="store_true",
        help="Do not run the audit sealer beside gunicorn (for a deployment that runs one "
        "`ketaclinic audit seal --every 1` on its own). Not needed with AUDIT_SEAL_INLINE=true.",
    )
    args = parser.parse_args(argv)

    # The preparation's connection shows as `ketaclinic-serve` in pg_stat_activity; each worker
    # names its own `ketaclinic-worker-<pid>` (ketaclinic/config/gunicorn.py).
    os.environ.setdefault("PGAPPNAME", "ketaclinic-serve")
    import django
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable", verbosity=0)
    if not args.no_collectstatic:
        call_command("collectstatic", interactive=False, verbosity=0)
    # Nothing the preparation opened may outlive it: gunicorn forks the workers from this
    # process, and a connection inherited by several workers is one socket shared between them
    # (their queries interleave and one request reads another's rows). Each worker connects on
    # its own; the post_fork hook in ketaclinic/config/gunicorn.py makes sure of it.
    connections.close_all()
    caches.close_all()
    from django.conf import settings
    from gunicorn.app.wsgiapp import run

    sealer: SealerSupervisor | None = None
    if not args.no_sealer and not settings.AUDIT_SEAL_INLINE:
        sealer = SealerSupervisor(command=sealer_command())
        # gunicorn's master handles SIGTERM and SIGINT itself, stops its workers, and leaves
        # with sys.exit: `finally` and atexit stop the sealer then (SIGKILL of the master
        # cannot be caught: the sealer sees its parent gone and stops by itself).
        atexit.register(sealer.stop)
        sealer.start()

    sys.argv = [
        "gunicorn",
        "ketaclinic.config.wsgi:application",
        "--config",
        "python:ketaclinic.config.gunicorn",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    try:
        run()
    finally:
        if sealer is not None:
            sealer.stop()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.db import InterfaceError, OperationalError

    try:
        _dispatch(sys.argv[1:])
    except ImproperlyConfigured as error:
        # A configuration mistake is a sentence for the operator, not a traceback.
        sys.stderr.write(f"ketaclinic: {error}\n")
        raise SystemExit(2) from None
    except (OperationalError, InterfaceError) as error:
        # So is a database that does not answer (down, restarting, a wrong DATABASE_URL).
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        sys.stderr.write(
            f"ketaclinic: the database is not answering ({reason}). Check that it is running "
            "and that DATABASE_URL names it, then run the command again.\n"
        )
        raise SystemExit(2) from None


def _dispatch(argv: list[str]) -> None:
    if argv and argv[0] == "serve":
        _serve(argv[1:])
        return
    if argv and argv[0] in {"permissions-doc"}:
        argv[0] = argv[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ketaclinic", *argv])


if __name__ == "__main__":
    main()
