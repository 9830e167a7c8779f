from __future__ import annotations

import errno
import gc
import ipaddress
import os
import socket
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dailypapers.config import env_int, env_str
from dailypapers.core import supervise, webworker
from dailypapers.core.bootstrap import ensure_database

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _default_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 1) * 2))


class Command(BaseCommand):
    help = "Start the production web server (gunicorn), after applying migrations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env_str("DAILYPAPERS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("DAILYPAPERS_PORT", 8000))
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("DAILYPAPERS_WORKERS", 0) or _default_workers(),
        )
        parser.add_argument("--threads", type=int, default=env_int("DAILYPAPERS_THREADS", 2))
        parser.add_argument(
            "--no-sample",
            dest="sample",
            action="store_false",
            default=settings.SERVE_SAMPLE,
            help="start an empty database empty, without the sample of real daily lists;"
            " also DAILYPAPERS_SAMPLE=0",
        )
        parser.add_argument(
            "--no-worker",
            dest="worker",
            action="store_false",
            default=settings.SERVE_WORKER,
            help="do not run the background worker beside the server (run `dailypapers worker`"
            " elsewhere); also DAILYPAPERS_SERVE_WORKER=0",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.servers.basehttp import get_internal_wsgi_application
        from gunicorn.app.base import BaseApplication

        # The project's WSGI application, by its dotted path in settings.WSGI_APPLICATION.
        wsgi_app = get_internal_wsgi_application()

        host, port = options["host"], options["port"]
        _check_port_free(host, port)
        if ensure_database(verbose=True):
            self.stdout.write("Database migrated.")
        if options["sample"]:
            # An empty hub starts with a few weeks of real daily lists (ingest.sample).
            call_command("sample", "load", stdout=self.stdout)
        if not options["worker"]:
            # Without a worker beside it, this node builds its own search model (the
            # worker would otherwise, on its first start): ~10 s, once per data folder.
            call_command("search", "ensure-model", stdout=self.stdout, stderr=self.stderr)
        shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0", "::"} else host  # noqa: S104
        url_host = f"[{shown_host}]" if ":" in shown_host else shown_host
        if not os.environ.get("DAILYPAPERS_BASE_URL"):
            # Links in mails point where this server listens unless told otherwise; the
            # worker started below inherits it through the environment.
            settings.BASE_URL = f"http://{url_host}:{port}"
            os.environ["DAILYPAPERS_BASE_URL"] = settings.BASE_URL
        warning = base_url_warning(settings.BASE_URL, host)
        if warning:
            self.stderr.write(warning)
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db['ENGINE']} {db['NAME']}"
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        self.stdout.write(f"Database:    {where}")
        self.stdout.write(f"Links:       {settings.BASE_URL}")
        self.stdout.write(
            "Worker:      "
            + ("running beside the server" if options["worker"] else "off (--no-worker)")
        )
        self.stdout.write(f"Open http://{url_host}:{port}/papers  (Ctrl-C to stop)")
        self.stdout.flush()
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            # gthread, with new connections spread evenly over the processes.
            "worker_class": "dailypapers.core.webworker.BalancedThreadWorker",
            "child_exit": lambda server, worker: webworker.forget(worker.pid),
            "accesslog": env_str("DAILYPAPERS_ACCESS_LOG") or None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            "preload_app": True,
        }
        if options["worker"]:
            # Started before gunicorn forks its web workers; stopped when gunicorn exits.
            supervisor = supervise.start()
            config["on_exit"] = lambda server: supervise.stop(supervisor)

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
        webworker.share_counts()
        Server().run()


def _check_port_free(host: str, port: int) -> None:
    """Fail with a clear message, before anything is printed, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is already in use (another dailypapers serve?);"
                    " stop it or choose another with --port / PORT=",
                    returncode=69,
                ) from exc
            raise CommandError(f"cannot listen on {host}:{port}: {exc}", returncode=69) from exc


def base_url_warning(base_url: str, host: str) -> str:
    """A warning when mailed links point to this machine only but others can reach it."""
    from urllib.parse import urlsplit

    link_host = (urlsplit(base_url).hostname or "").lower()
    try:
        public = host in {"0.0.0.0", "::"} or not ipaddress.ip_address(host).is_loopback  # noqa: S104
    except ValueError:  # a host name
        public = host.lower() not in LOOPBACK_NAMES
    if public and (link_host in LOOPBACK_NAMES or link_host.startswith("127.")):
        return (
            f"warning: links in mails point to {base_url}, which only this machine can open,"
            f" while the server listens on {host}; set DAILYPAPERS_BASE_URL to the address"
            " people use"
        )
    return ""
