"""The README and docs/ name only commands, make targets and settings that exist, and
every setting the code reads is documented (the docs are checked like code)."""

from __future__ import annotations

import itertools
import re

from django.core.management import get_commands

from tests.shared import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Read by the code but not settings a person sets: the test runner's database name and
# the pid a supervised worker is given by `serve`.
INTERNAL = {"DAILYPAPERS_TEST_DATABASE_NAME", "DAILYPAPERS_WORKER_PARENT_PID"}
VARIABLE = re.compile(r"DAILYPAPERS_[A-Z0-9_{},]*[A-Z0-9}](?:_\*)?")


def _text() -> str:
    return "\n".join(path.read_text() for path in DOCS)


def _expand(name: str) -> list[str]:
    """``DAILYPAPERS_SYNC_{ARXIV,HF}_EVERY`` -> both names."""
    parts = re.split(r"\{([^}]*)\}", name)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def _documented() -> set[str]:
    return {n for found in VARIABLE.findall(_text()) for n in _expand(found)}


def _read_by_code() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "src").rglob("*.py"):
        names.update(re.findall(r'"(DAILYPAPERS_[A-Z0-9_]+)"', path.read_text()))
    names.update(re.findall(r"(DAILYPAPERS_[A-Z0-9_]+)", (REPO / "Makefile").read_text()))
    return names


def test_every_setting_the_docs_name_is_read_by_the_code() -> None:
    read = _read_by_code()
    unknown = {
        name
        for name in _documented()
        if name not in read
        # "DAILYPAPERS_SUBMIT_*" names a family: some setting must start with it.
        and not (name.endswith("_*") and any(r.startswith(name[:-1]) for r in read))
    }
    assert not unknown, f"documented but never read: {sorted(unknown)}"


def test_every_setting_the_code_reads_is_documented() -> None:
    """By its full name: a family like ``DAILYPAPERS_SUBMIT_*`` in a table points to
    the page that lists its members, and does not document them by itself."""
    missing = _read_by_code() - _documented() - INTERNAL
    assert not missing, f"read by the code but not documented: {sorted(missing)}"


def test_the_settings_that_once_went_undocumented_are_documented() -> None:
    documented = _documented()
    for name in (
        "ACCESS_LOG",
        "ACCOUNT_CONFIRM_DAYS",
        "HSTS_SECONDS",
        "PASSWORD_RESET_SECONDS",
        "RESETS_PER_IP",
        "RESETS_PER_ADDRESS",
        "UPVOTES_PER_USER",
        "UPVOTES_PER_IP",
        "SIGNUPS_PER_IP",
        "SIGNUPS_PER_ADDRESS",
        "LOGINS_PER_IP",
        "LOGINS_PER_ACCOUNT",
    ):
        assert f"DAILYPAPERS_{name}" in _read_by_code()
        assert f"DAILYPAPERS_{name}" in documented


def test_every_dailypapers_command_in_the_docs_exists() -> None:
    commands = set(get_commands()) | {"help"}
    named = set(re.findall(r"(?:^|[\s`(])dailypapers\s+([a-z][a-z-]+)", _text(), re.MULTILINE))
    # Words that follow the project's name in prose rather than a command line.
    prose = {"is", "and", "hub", "command", "worker", "serve"} - commands
    unknown = named - commands - prose
    assert not unknown, f"the docs name commands that do not exist: {sorted(unknown)}"


def test_every_make_target_in_the_docs_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    named = set(re.findall(r"(?:`|^)make ([a-z][a-z-]+)", _text(), re.MULTILINE))
    unknown = named - targets
    assert not unknown, f"the docs name make targets that do not exist: {sorted(unknown)}"


def test_the_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


def test_the_docs_link_only_to_files_that_exist() -> None:
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_every_address_in_the_readme_table_is_served() -> None:
    from django.urls import Resolver404, resolve

    readme = (REPO / "README.md").read_text()
    table = readme.split("## What is on the site", 1)[1].split("\n## ", 1)[0]
    examples = {
        "YYYY-MM-DD": "2026-04-07",
        "YYYY-Www": "2026-W15",
        "YYYY-MM": "2026-04",
        "<arxiv id>": "2604.04707",
        "<id>": "2604.04707",
        "<name>": "ada",
        "<slug>": "lab",
        "<name-slug>": "ada-lovelace",
    }
    checked = 0
    for row in table.splitlines():
        if not row.startswith("| `/"):
            continue
        for address in re.findall(r"`(/[^`?]*)", row.split("|")[1]):
            for key, value in examples.items():
                address = address.replace(key, value)
            address = address.replace("...", "").rstrip("/") or "/"
            if address.endswith("/") or "…" in address:
                continue
            try:
                resolve(address)
            except Resolver404:
                raise AssertionError(f"README lists {address}, which nothing serves") from None
            checked += 1
    assert checked >= 15, checked
