"""The `ketaclinic` command: `serve` for production, everything else passed to manage.py.

ketaclinic serve [--port 8000] [--workers N]   gunicorn on the WSGI app (production)
ketaclinic demo | totp EMAIL | audit verify | token issue EMAIL … | permissions-doc | migrate | …
"""

from __future__ import annotations

import argparse
import os
import sys


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
    from gunicorn.app.wsgiapp import run

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
    run()


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
