"""Races run on SQLite in a fresh interpreter, against a file database set up like
production (WAL, busy timeout, IMMEDIATE transactions).

The test run's SQLite database lives in memory, where threads do not contend the way
server processes do; PostgreSQL races run in the test process itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

_RUNNER = """
import importlib, json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
module = importlib.import_module(sys.argv[1])
print(json.dumps(getattr(module, sys.argv[2])()))
"""


def race_on_sqlite(race: Callable[[], Any], data_dir: Path, **env: str) -> Any:
    """Run ``race`` (a function of a test module, without arguments) in a fresh process
    with its own file database in ``data_dir``; what it returns, through JSON.

    ``env``: more DAILYPAPERS_* settings for that process (none leaks in from this one).
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    environ |= {
        "DAILYPAPERS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "dailypapers.settings",
        "PYTHONPATH": str(REPO),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, race.__module__, race.__name__],
        env=environ,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
