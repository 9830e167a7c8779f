"""Make sure the database exists and is migrated before a command touches it."""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def ensure_database(verbose: bool = False) -> bool:
    """Apply pending migrations; return True when any were applied."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return False
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    return True
