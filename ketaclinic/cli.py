"""The `ketaclinic` command: `serve` for production, everything else passed to manage.py.

ketaclinic serve [--port 8000] [--workers N]   gunicorn on the WSGI app (production)
ketaclinic demo | totp EMAIL | audit verify | permissions-doc | migrate | ...
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
    args = parser.parse_args(argv)

    import django
    from django.core.management import call_command

    django.setup()
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "ketaclinic.config.wsgi:application",
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

    try:
        _dispatch(sys.argv[1:])
    except ImproperlyConfigured as error:
        # A configuration mistake is a sentence for the operator, not a traceback.
        sys.stderr.write(f"ketaclinic: {error}\n")
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
