"""Management commands run in this process: their exit status and what they printed."""

from __future__ import annotations

import io

from django.core.management import call_command


def run_import_command(*args: str) -> tuple[int, str, str]:
    """``dailypapers import ARGS --no-progress``: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, "--no-progress", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
