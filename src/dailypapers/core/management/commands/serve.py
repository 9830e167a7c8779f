from __future__ import annotations

import gc
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from dailypapers.core.bootstrap import ensure_database


def _default_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 1) * 2))


class Command(BaseCommand):
    help = "Start the production web server (gunicorn), after applying migrations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("DAILYPAPERS_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("DAILYPAPERS_PORT", "8000"))
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("DAILYPAPERS_WORKERS", "0")) or _default_workers(),
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("DAILYPAPERS_THREADS", "4"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from dailypapers.wsgi import application as wsgi_app

        if ensure_database(verbose=True):
            self.stdout.write("Database migrated.")
        host, port = options["host"], options["port"]
        shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0", "::"} else host  # noqa: S104
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db['ENGINE']} {db['NAME']}"
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        self.stdout.write(f"Database:    {where}")
        self.stdout.write(f"Open http://{shown_host}:{port}/papers  (Ctrl-C to stop)")
        self.stdout.flush()
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "accesslog": os.environ.get("DAILYPAPERS_ACCESS_LOG") or None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            "preload_app": True,
        }

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return wsgi_app

        # Connections opened while migrating must not be shared with forked workers.
        from django.db import connections

        connections.close_all()
        # Everything loaded so far (Django, the app, the libraries) lives as long as the
        # workers do: frozen, the cyclic collector no longer walks it, so a worker's full
        # collections stay short (a hybrid search at 1M papers otherwise met a 30 ms
        # pause about once in a hundred), and the pages it shares with the master are
        # not copied on write by the collector touching them.
        gc.freeze()
        Server().run()
